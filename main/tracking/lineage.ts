// Lineage: source files and queries -> dataset versions (through their parents) -> runs, read from the workspace.
import {
  LatheError,
  Transform,
  describeStep,
  type LineageEdge,
  type LineageGraph,
  type LineageNode,
  type VersionParent,
} from '../../shared/contract';
import type { DataService } from '../data/data-service';
import type { Database } from '../workspace/db';

export interface LineageService {
  /** The graph around a run (id or unique prefix) or a dataset ref (`name`, `name@N`, `name@hash`). */
  get(id: string): Promise<LineageGraph>;
}

interface VersionRow {
  id: string;
  dataset: string;
  version: number;
  hash: string;
  format: string;
  source: string;
  parents: VersionParent[];
  transform: unknown;
}

interface RunRow {
  id: string;
  name: string;
  status: string;
  versionId: string;
  configHash: string;
}

/** `drop(a); filter(x > 0)`, or `transform` when the stored transform is not one this build reads. */
export function transformLabel(transform: unknown): string {
  const parsed = Transform.safeParse(transform);
  return parsed.success ? parsed.data.steps.map(describeStep).join('; ') : 'transform';
}

/**
 * Builds the lineage graph. With a version in focus: its ancestors back to their sources, the versions made
 * from it, and the runs trained on it or on those. With a run in focus: its version's ancestors and the run.
 */
export function buildLineage(
  versions: VersionRow[],
  runs: RunRow[],
  focus: { versionId: string; runId?: string },
): LineageGraph {
  const byId = new Map(versions.map((v) => [v.id, v]));
  const nodes = new Map<string, LineageNode>();
  const edges: LineageEdge[] = [];
  const edgeKeys = new Set<string>();
  const addEdge = (e: LineageEdge) => {
    const key = `${e.from}->${e.to}`;
    if (edgeKeys.has(key)) return;
    edgeKeys.add(key);
    edges.push(e);
  };
  const versionNode = (v: { id: string; dataset: string; version: number; hash: string }) =>
    nodes.set(v.id, {
      id: v.id,
      kind: 'version',
      label: `${v.dataset}@${v.version}`,
      hash: v.hash,
      dataset: v.dataset,
      version: v.version,
    });

  const included = new Set<string>();
  const visitAncestors = (id: string) => {
    if (included.has(id)) return;
    included.add(id);
    const v = byId.get(id);
    if (!v) return;
    versionNode(v);
    if (v.parents.length === 0) {
      const source: LineageNode =
        v.format === 'sql'
          ? { id: `query:${v.id}`, kind: 'query', label: v.source, hash: null }
          : { id: `file:${v.hash}`, kind: 'file', label: v.source, hash: v.hash };
      if (!nodes.has(source.id)) nodes.set(source.id, source);
      addEdge({ from: source.id, to: v.id, label: v.format === 'sql' ? 'query' : 'import' });
      return;
    }
    for (const p of v.parents) {
      if (!byId.has(p.id)) versionNode(p);
      visitAncestors(p.id);
      addEdge({ from: p.id, to: v.id, label: transformLabel(v.transform) });
    }
  };
  visitAncestors(focus.versionId);

  const trainedOn = new Set<string>([focus.versionId]);
  if (!focus.runId) {
    // Descendants: every version made (directly or not) from the focus.
    const queue = [focus.versionId];
    while (queue.length) {
      const id = queue.shift()!;
      for (const child of versions) {
        if (!child.parents.some((p) => p.id === id)) continue;
        if (!trainedOn.has(child.id)) {
          trainedOn.add(child.id);
          queue.push(child.id);
        }
        versionNode(child);
        // A child with other parents shows where they come from too.
        for (const p of child.parents) {
          if (!nodes.has(p.id)) visitAncestors(p.id);
          addEdge({ from: p.id, to: child.id, label: transformLabel(child.transform) });
        }
      }
    }
  }
  for (const r of runs) {
    if (focus.runId ? r.id !== focus.runId : !trainedOn.has(r.versionId)) continue;
    nodes.set(r.id, {
      id: r.id,
      kind: 'run',
      label: r.name,
      hash: r.configHash,
      status: r.status,
    });
    addEdge({ from: r.versionId, to: r.id, label: 'train' });
  }
  return { focus: focus.runId ?? focus.versionId, nodes: [...nodes.values()], edges };
}

/**
 * Marks each version and run of the graph with the pipeline run whose step made it (the first that did:
 * a later run that found the step cached made nothing).
 */
async function withPipelineRuns(db: Database, graph: LineageGraph): Promise<LineageGraph> {
  const datasets = graph.nodes.filter((n) => n.kind === 'version').map((n) => n.label);
  const runs = graph.nodes.filter((n) => n.kind === 'run').map((n) => n.id);
  if (datasets.length === 0 && runs.length === 0) return graph;
  const rows = await db.all<{ run_id: string; step_id: string; pipeline: string; made: string }>(
    `SELECT s.run_id, s.step_id, r.pipeline,
       CASE WHEN s.type IN ('train', 'tune') THEN json_extract_string(s.outputs, '$.run')
            ELSE json_extract_string(s.outputs, '$.dataset') END AS made
     FROM pipeline_steps s JOIN pipeline_runs r ON r.id = s.run_id
     WHERE s.status = 'succeeded' AND s.type IN ('import', 'validate', 'transform', 'train', 'tune')
     ORDER BY s.ended_at`,
  );
  const madeBy = new Map<string, { run: string; name: string; step: string }>();
  for (const r of rows)
    if (r.made && !madeBy.has(String(r.made)))
      madeBy.set(String(r.made), {
        run: String(r.run_id),
        name: String(r.pipeline),
        step: String(r.step_id),
      });
  return {
    ...graph,
    nodes: graph.nodes.map((n) => {
      const by = madeBy.get(n.kind === 'run' ? n.id : n.label);
      return by && (n.kind === 'run' || n.kind === 'version') ? { ...n, pipeline: by } : n;
    }),
  };
}

function parseJson(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
}

/** Read-only queries over the workspace database; dataset refs are resolved by the data service. */
export function createLineageService(deps: { db: Database; data: DataService }): LineageService {
  const { db, data } = deps;

  const loadVersions = async (): Promise<VersionRow[]> =>
    (
      await db.all(
        `SELECT v.id, v.version, v.hash, v.format, v.source, v.parents, v.transform, d.name AS dataset
         FROM dataset_versions v JOIN datasets d ON v.dataset_id = d.id ORDER BY d.name, v.version`,
      )
    ).map((r) => ({
      id: String(r.id),
      dataset: String(r.dataset),
      version: Number(r.version),
      hash: String(r.hash),
      format: String(r.format),
      source: String(r.source),
      parents: (parseJson(r.parents) as VersionParent[] | null) ?? [],
      transform: parseJson(r.transform),
    }));

  const loadRuns = async (): Promise<RunRow[]> =>
    (
      await db.all(
        'SELECT id, name, status, dataset_version_id, config_hash FROM runs ORDER BY started_at, id',
      )
    ).map((r) => ({
      id: String(r.id),
      name: String(r.name),
      status: String(r.status),
      versionId: String(r.dataset_version_id),
      configHash: String(r.config_hash),
    }));

  return {
    async get(id) {
      const key = id.trim();
      const runs = await loadRuns();
      let focus: { versionId: string; runId?: string } | undefined;
      const exactRun = runs.find((r) => r.id === key.toLowerCase());
      if (exactRun) focus = { versionId: exactRun.versionId, runId: exactRun.id };
      else if (key.includes('@')) focus = { versionId: (await data.resolve(key)).id };
      else {
        const dataset = await db.one('SELECT id FROM datasets WHERE name = ?', [key]);
        if (dataset) focus = { versionId: (await data.resolve(key)).id };
        else {
          const matches = runs.filter((r) => r.id.startsWith(key.toLowerCase()));
          if (matches.length > 1)
            throw new LatheError(
              'INVALID_INPUT',
              `run id prefix '${key}' is ambiguous; give more characters`,
              { id },
            );
          const run = matches[0];
          if (!run) throw new LatheError('NOT_FOUND', `no run or dataset named '${key}'`, { id });
          focus = { versionId: run.versionId, runId: run.id };
        }
      }
      return withPipelineRuns(db, buildLineage(await loadVersions(), runs, focus));
    },
  };
}
