// `lathe import mlruns DIR`: an MLflow file-store folder becomes Lathe experiments and runs of kind 'mlflow'
// (the same rows a run logged over MLflow's REST API has), in the workspace's Default project.
//
// Order: read and check every file (mlruns-reader.ts) → find what the workspace already holds → hash the
// artifacts and place the new ones in the content-addressed store → write every row in one transaction.
// A bad file stops the import before anything is written. Blobs are placed before the transaction, so a
// failure in it (disk full) leaves at most unreferenced blobs, which `lathe gc` removes.
//
// Importing again: a run is matched by its MLflow run id (kept as the Lathe run id when free, else recorded
// in the tag lathe.import.mlflow_run_id). What the folder has and the workspace lacks is added — metric
// points (counted as a multiset of (key, step, timestamp, value)), params, tags, artifacts — a tag or an
// artifact whose content changed takes the folder's, and a run that ended since takes its status and end.
// Nothing is removed, and a param whose value differs keeps the workspace's (MLflow params are immutable),
// with a warning. So a second import of the same folder writes nothing.
import { copyFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { LatheError, type ChannelHandlers } from '../../shared/contract';
import { mlflowImportChannels, type MlrunsImportOut } from '../../shared/contract/mlflow-import';
import type { PackageDeps } from '../serve/packaged-model';
import { exportMlflowModel } from './mlflow-model';
import type { EventBus } from '../api/event-bus';
import { sha256File, type ArtifactStore } from '../workspace/artifacts';
import { sqlInteger, type Database, type Sql } from '../workspace/db';
import { newId, type ProjectStore } from '../workspace/projects';
import { refillLatestSql } from '../tracking/metric-buffer';
import {
  readMlruns,
  type MlflowRunStatus,
  type MlrunsExperiment,
  type MlrunsRun,
} from './mlruns-reader';
import { importRegisteredModels, type MlflowRegistryCall } from './mlruns-models';
import { makeDirs } from '../workspace/make-dirs';

/** The tag naming a run's MLflow id when another run already had it as its Lathe id. */
export const IMPORTED_RUN_ID_TAG = 'lathe.import.mlflow_run_id';

/** MLflow's run status → Lathe's. */
export const LATHE_STATUS: Record<MlflowRunStatus, string> = {
  RUNNING: 'running',
  SCHEDULED: 'queued',
  FINISHED: 'finished',
  FAILED: 'failed',
  KILLED: 'cancelled',
};

export interface MlrunsImportDeps {
  db: Database;
  artifacts: ArtifactStore;
  projects: ProjectStore;
  /** The workspace's tmp folder: artifacts are copied there before they move into the store. */
  tmpDir: string;
  latheVersion: string;
  bus?: EventBus;
  /** The project MLflow experiments belong to (default: Default). */
  project?: string;
  /** Told which runs' metric histories changed (the tracking store's caches). */
  changed?: (runIds: readonly string[]) => void;
  /**
   * A call of one of MLflow's registry channels through the dispatcher (validated as any caller's), for the
   * folder's registered models; without it they are left out with a warning.
   */
  registryCall?: MlflowRegistryCall;
}

interface ExistingRun {
  id: string;
  status: string;
  endedMs: number | null;
  params: Map<string, string>;
  tags: Map<string, string>;
  /** point key → count */
  points: Map<string, number>;
  artifacts: Map<string, string>;
}

interface RunPlan {
  run: MlrunsRun;
  experimentId: string;
  latheId: string;
  existing: ExistingRun | null;
  params: [string, string][];
  tags: [string, string][];
  points: { key: string; step: number; ts: number; value: number }[];
  artifacts: { path: string; sha256: string; sizeBytes: number; file: string }[];
  /** Status and end to set on an existing run that ended since. */
  end: { status: string; endMs: number | null } | null;
}

const pointKey = (key: string, step: number, ts: number, value: number) =>
  `${key}\u0000${step}\u0000${ts}\u0000${String(value)}`;

async function existingRun(sql: Sql, id: string, status: string, endedMs: number | null) {
  const run: ExistingRun = {
    id,
    status,
    endedMs,
    params: new Map(),
    tags: new Map(),
    points: new Map(),
    artifacts: new Map(),
  };
  for (const r of await sql.all<{ key: string; value: string }>(
    'SELECT key, value FROM params WHERE run_id = ?',
    [id],
  ))
    run.params.set(r.key, r.value);
  for (const r of await sql.all<{ key: string; value: string }>(
    'SELECT key, value FROM tags WHERE run_id = ?',
    [id],
  ))
    run.tags.set(r.key, r.value);
  for (const r of await sql.all<{ key: string; step: number; ts: number; value: number }>(
    'SELECT key, step, ts, value FROM metrics WHERE run_id = ?',
    [id],
  )) {
    const k = pointKey(r.key, Number(r.step), Number(r.ts), Number(r.value));
    run.points.set(k, (run.points.get(k) ?? 0) + 1);
  }
  for (const r of await sql.all<{ path: string; sha256: string }>(
    'SELECT path, sha256 FROM artifacts WHERE run_id = ?',
    [id],
  ))
    run.artifacts.set(r.path, r.sha256);
  return run;
}

/** The Lathe run an MLflow run id was imported as (or logged as), if any. */
async function findRun(sql: Sql, mlflowId: string) {
  type R = { id: string; kind: string | null; status: string; ended: number | null };
  const cols = `id, kind, status, CASE WHEN ended_at IS NULL THEN NULL ELSE epoch_ms(ended_at) END AS ended`;
  const byId = await sql.one<R>(`SELECT ${cols} FROM runs WHERE id = ?`, [mlflowId]);
  if (byId?.kind === 'mlflow') return { found: byId, idTaken: true };
  const byTag = await sql.one<R>(
    `SELECT ${cols} FROM runs WHERE id = (SELECT min(run_id) FROM tags WHERE key = ? AND value = ?)`,
    [IMPORTED_RUN_ID_TAG, mlflowId],
  );
  return { found: byTag ?? null, idTaken: byId !== undefined };
}

const epoch = (ms: number | null) => (ms === null ? null : sqlInteger(Math.trunc(ms)));
const tsSql = (ms: number | null) => (ms === null ? 'NULL' : `epoch_ms(${epoch(ms)})`);

/**
 * Imports the mlruns folder `dir`; see the top of this file. Throws CORRUPT_FILE / FILE_NOT_FOUND naming
 * the file (and line) before anything is written.
 */
export async function importMlruns(
  deps: MlrunsImportDeps,
  input: { dir: string },
): Promise<MlrunsImportOut> {
  const { db, artifacts, bus } = deps;
  const dir = resolve(input.dir);
  const progress = (fraction: number, message: string) =>
    bus?.emit('data:progress', {
      op: 'mlruns',
      name: dir,
      fraction: Math.min(1, Math.max(0, fraction)),
      message,
    });
  progress(0, `reading ${dir}`);
  const tree = readMlruns(dir, (done, total, name) =>
    progress((0.4 * done) / total, `read experiment ${name} (${done}/${total})`),
  );
  const warnings: string[] = [];
  const seen = new Map<string, string>();
  for (const exp of tree.experiments)
    for (const run of exp.runs) {
      if (seen.has(run.runId))
        throw new LatheError(
          'CORRUPT_FILE',
          `${join(run.dir, 'meta.yaml')}: run ${run.runId} is also in ${seen.get(run.runId)}`,
          { file: join(run.dir, 'meta.yaml') },
        );
      seen.set(run.runId, run.dir);
    }

  // -- plan: what the workspace already holds (reads only) --
  const project = deps.project ?? 'Default';
  const projectRow = await db.one<{ id: string }>('SELECT id FROM projects WHERE name = ?', [
    project,
  ]);
  const expPlans: {
    exp: MlrunsExperiment;
    id: string;
    create: boolean;
    tags: [string, string][];
  }[] = [];
  const takenExpIds = new Set<string>();
  for (const exp of tree.experiments) {
    const row = projectRow
      ? await db.one<{ id: string }>(
          'SELECT id FROM experiments WHERE project_id = ? AND name = ?',
          [projectRow.id, exp.name],
        )
      : undefined;
    let id = row?.id;
    const create = id === undefined;
    if (!id) {
      const taken =
        takenExpIds.has(exp.experimentId) ||
        (await db.one('SELECT 1 AS x FROM experiments WHERE id = ?', [exp.experimentId])) !==
          undefined;
      id = taken ? newId() : exp.experimentId;
    }
    takenExpIds.add(id);
    const have = new Map(
      create
        ? []
        : (
            await db.all<{ key: string; value: string }>(
              'SELECT key, value FROM experiment_tags WHERE experiment_id = ?',
              [id],
            )
          ).map((r) => [r.key, r.value] as const),
    );
    expPlans.push({
      exp,
      id,
      create,
      tags: Object.entries(exp.tags).filter(([k, v]) => have.get(k) !== v),
    });
  }

  const plans: RunPlan[] = [];
  const runCount = Math.max(1, tree.counts.runs);
  const renamed: Record<string, string> = {};
  for (const ep of expPlans)
    for (const run of ep.exp.runs) {
      const { found, idTaken } = await findRun(db, run.runId);
      const latheId = found?.id ?? (idTaken ? newId() : run.runId);
      if (latheId !== run.runId) renamed[run.runId] = latheId;
      const existing = found
        ? await existingRun(
            db,
            found.id,
            found.status,
            found.ended === null ? null : Number(found.ended),
          )
        : null;
      const params: [string, string][] = [];
      for (const [k, v] of Object.entries(run.params)) {
        const had = existing?.params.get(k);
        if (had === undefined) params.push([k, v]);
        else if (had !== v)
          warnings.push(
            `run ${run.runId}: param ${k} is ${JSON.stringify(v)} in ${dir} but ${JSON.stringify(had)} in the workspace; kept the workspace's (params are immutable)`,
          );
      }
      const tags: [string, string][] = Object.entries(run.tags).filter(
        ([k, v]) => existing?.tags.get(k) !== v,
      );
      if (latheId !== run.runId && existing?.tags.get(IMPORTED_RUN_ID_TAG) !== run.runId)
        tags.push([IMPORTED_RUN_ID_TAG, run.runId]);
      const points: RunPlan['points'] = [];
      const left = new Map(existing?.points ?? []);
      for (const [key, list] of Object.entries(run.metrics))
        for (const p of list) {
          const k = pointKey(key, p.step, p.timestamp, p.value);
          const n = left.get(k) ?? 0;
          if (n > 0) left.set(k, n - 1);
          else points.push({ key, step: p.step, ts: p.timestamp, value: p.value });
        }
      const arts: RunPlan['artifacts'] = [];
      for (const a of run.artifacts) {
        const sha256 = await sha256File(a.file);
        if (existing?.artifacts.get(a.path) !== sha256)
          arts.push({ path: a.path, sha256, sizeBytes: a.sizeBytes, file: a.file });
      }
      if (run.artifactsElsewhere !== null)
        warnings.push(
          `run ${run.runId}: its artifacts are at ${run.artifactsElsewhere}, not in ${run.dir}; not imported`,
        );
      const status = LATHE_STATUS[run.status];
      // A run seen running (or marked interrupted when its owner reopened the workspace) that has ended in
      // the folder since takes the folder's status and end; a run still running there is left as it is.
      const ended = run.status !== 'RUNNING' && run.status !== 'SCHEDULED';
      const end =
        existing &&
        ended &&
        ['running', 'queued', 'interrupted'].includes(existing.status) &&
        (existing.status !== status || existing.endedMs !== run.endTime)
          ? { status, endMs: run.endTime }
          : null;
      plans.push({
        run,
        experimentId: ep.id,
        latheId,
        existing,
        params,
        tags,
        points,
        artifacts: arts,
        end,
      });
      progress(0.4 + (0.3 * plans.length) / runCount, `compared run ${run.runId}`);
    }

  // -- blobs: into the store before the rows that name them --
  makeDirs(deps.tmpDir);
  let artifactBytes = 0;
  for (const p of plans)
    for (const a of p.artifacts) {
      if (!artifacts.has(a.sha256)) {
        // putFile moves its file: the user's folder keeps its own.
        const tmp = join(deps.tmpDir, `mlruns-${randomBytes(8).toString('hex')}`);
        copyFileSync(a.file, tmp);
        const stored = await artifacts.putFile(tmp);
        if (stored.sha256 !== a.sha256)
          throw new LatheError('CORRUPT_FILE', `${a.file} changed while it was imported`, {
            file: a.file,
          });
      }
      artifactBytes += a.sizeBytes;
    }
  progress(0.8, 'writing');

  // -- rows: one transaction --
  const newPoints = plans.flatMap((p) => p.points.map((pt) => ({ id: p.latheId, ...pt })));
  const touched = plans.filter((p) => p.points.length > 0).map((p) => p.latheId);
  const projectId = projectRow?.id;
  await db.append(
    'metrics',
    (a) => {
      for (const p of newPoints) {
        a.appendVarchar(p.id);
        a.appendVarchar(p.key);
        a.appendInteger(p.step);
        a.appendDouble(p.ts);
        a.appendDouble(p.value);
        a.endRow();
      }
    },
    async (sql) => {
      const pid = projectId ?? (await deps.projects.ensure(sql, project));
      for (const ep of expPlans) {
        const e = ep.exp;
        if (ep.create)
          await sql.run(
            `INSERT INTO experiments (id, project_id, name, created_at, deleted_at, updated_at, artifact_location)
             VALUES (?, ?, ?, ${e.creationTime === null ? 'now()' : tsSql(e.creationTime)}, ${
               e.lifecycleStage === 'deleted' ? tsSql(e.lastUpdateTime ?? Date.now()) : 'NULL'
             }, ${tsSql(e.lastUpdateTime ?? e.creationTime)}, ?)`,
            // Its artifacts now live in the workspace: MLflow clients reach them through the proxy.
            [ep.id, pid, e.name, `mlflow-artifacts:/${ep.id}`],
          );
        for (const [k, v] of ep.tags)
          await sql.run(
            `INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)
             ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value`,
            [ep.id, k, v],
          );
      }
      for (const p of plans) {
        const r = p.run;
        if (!p.existing)
          await sql.run(
            `INSERT INTO runs (id, experiment_id, name, status, task, model_type, dataset_version_id, config,
               config_hash, seed, backend, lathe_version, started_at, ended_at, error, system, kind, notes,
               user_id, artifact_uri, deleted_at)
             VALUES (?, ?, ?, ?, NULL, NULL, NULL, '{}', '', 0, NULL, ?, ${tsSql(r.startTime)}, ${tsSql(
               r.endTime,
             )}, NULL, '{}', 'mlflow', '', ?, ?, ${
               r.lifecycleStage === 'deleted' ? tsSql(r.endTime ?? Date.now()) : 'NULL'
             })`,
            [
              p.latheId,
              p.experimentId,
              r.runName,
              LATHE_STATUS[r.status],
              deps.latheVersion,
              r.userId,
              `mlflow-artifacts:/${p.experimentId}/${p.latheId}/artifacts`,
            ],
          );
        else if (p.end)
          await sql.run(
            `UPDATE runs SET status = ?, ended_at = ${tsSql(p.end.endMs)} WHERE id = ?`,
            [p.end.status, p.latheId],
          );
        for (const [k, v] of p.params)
          await sql.run('INSERT INTO params (run_id, key, value) VALUES (?, ?, ?)', [
            p.latheId,
            k,
            v,
          ]);
        for (const [k, v] of p.tags)
          await sql.run(
            `INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?)
             ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value`,
            [p.latheId, k, v],
          );
        for (const a of p.artifacts)
          await sql.run(
            `INSERT OR REPLACE INTO artifacts (run_id, path, sha256, size_bytes, created_at)
             VALUES (?, ?, ?, ?, now())`,
            [p.latheId, a.path, a.sha256, a.sizeBytes],
          );
      }
      if (touched.length) {
        const list = touched.map((id) => `'${id.replace(/'/g, "''")}'`).join(', ');
        await sql.run(`DELETE FROM latest_metrics WHERE run_id IN (${list})`);
        await sql.run(refillLatestSql(`run_id IN (${list})`));
      }
    },
  );
  if (touched.length) deps.changed?.(touched);
  const registryAdded = await importRegisteredModels(
    { db, call: deps.registryCall },
    tree.models,
    plans,
    warnings,
    (done, total, name) =>
      progress(0.9 + (0.1 * done) / total, name ? `registered model ${name}` : 'registered models'),
  );
  progress(1, 'imported');

  const count = (f: (p: RunPlan) => number) => plans.reduce((n, p) => n + f(p), 0);
  const gained = (p: RunPlan) =>
    p.params.length + p.tags.length + p.points.length + p.artifacts.length + (p.end ? 1 : 0) > 0;
  return {
    dir,
    experiments: expPlans.map((ep) => ({
      mlflowId: ep.exp.experimentId,
      name: ep.exp.name,
      id: ep.id,
      created: ep.create,
      deleted: ep.exp.lifecycleStage === 'deleted',
      runs: ep.exp.runs.length,
    })),
    runs: {
      added: plans.filter((p) => !p.existing).length,
      updated: plans.filter((p) => p.existing && gained(p)).length,
      unchanged: plans.filter((p) => p.existing && !gained(p)).length,
    },
    added: {
      params: count((p) => p.params.length),
      tags: count((p) => p.tags.length),
      metricPoints: newPoints.length,
      artifacts: count((p) => p.artifacts.length),
      artifactBytes,
      ...registryAdded,
    },
    renamed,
    warnings,
  };
}

/** Handlers of mlflow:import-mlruns and mlflow:export-model, spread into main/services.ts. */
export type MlflowFileHandlers = ChannelHandlers<typeof mlflowImportChannels>;

export function createMlflowFileHandlers(
  deps: MlrunsImportDeps & PackageDeps & { workspaceDir?: string },
): MlflowFileHandlers {
  return {
    'mlflow:import-mlruns': ({ dir }) => importMlruns(deps, { dir }),
    'mlflow:export-model': ({ ref, out }) => exportMlflowModel(deps, { ref, out }),
  };
}
