// The MLflow operations a push makes, over the typed client: each is one endpoint of MLflow's REST API whose
// messages are parsed with the contract's schemas (shared/contract/mlflow.ts and mlflow-registry.ts), and
// whose answers are reduced to what push.ts compares.
import { LatheError } from '../../shared/contract';
import { toProtoDouble, type MlflowRun } from '../../shared/contract/mlflow';
import type { MlflowModelVersion } from '../../shared/contract/mlflow-registry';
import type { MlflowClient, MlflowFileInfo } from './client';

/** A remote run as push.ts compares it. */
export interface RemoteRun {
  id: string;
  experimentId: string;
  artifactUri: string;
  status: string;
  startTime?: number;
  endTime?: number;
  params: Map<string, string>;
  tags: Map<string, string>;
  /** Keys with at least one point (RunData's latest metrics). */
  metricKeys: Set<string>;
}

export interface RemoteVersion {
  version: string;
  source: string;
  runId?: string;
  tags: Map<string, string>;
}

export interface MlflowRemote {
  /** The experiment of that name (deleted ones too), or null. */
  experimentByName(name: string): Promise<{ id: string; deleted: boolean } | null>;
  createExperiment(name: string): Promise<string>;
  /** Active runs of an experiment whose tag `key` is `value`. */
  runsTagged(experimentId: string, key: string, value: string): Promise<RemoteRun[]>;
  createRun(input: {
    experimentId: string;
    runName: string;
    startTime: number;
    tags: Record<string, string>;
  }): Promise<RemoteRun>;
  logBatch(
    runId: string,
    batch: {
      metrics: { key: string; value: number; timestamp: number; step: number }[];
      params: { key: string; value: string }[];
      tags: { key: string; value: string }[];
    },
  ): Promise<void>;
  /** Every point of one metric (all pages). */
  metricHistory(
    runId: string,
    key: string,
  ): Promise<{ step: number; timestamp: number; value: number }[]>;
  updateRun(runId: string, status: string, endTime?: number): Promise<void>;
  /** The registered model with its aliases (alias → version), or null. */
  registeredModel(name: string): Promise<{ name: string; aliases: Map<string, string> } | null>;
  createRegisteredModel(name: string, description: string): Promise<void>;
  /** The versions of a registered model made from one run. */
  versionsOfRun(name: string, runId: string): Promise<RemoteVersion[]>;
  createModelVersion(input: {
    name: string;
    source: string;
    runId: string;
    description: string;
    tags: Record<string, string>;
  }): Promise<RemoteVersion>;
  setAlias(name: string, alias: string, version: string): Promise<void>;
  /** The proxy URL of a run's artifact_uri; INVALID_CONFIG when the server does not proxy it. */
  artifactRoot(artifactUri: string): string;
  listArtifacts(artifactUri: string, path: string): Promise<MlflowFileInfo[]>;
  putArtifact(artifactUri: string, path: string, bytes: Uint8Array): Promise<void>;
}

/** A string literal in MLflow's filter grammar (single quotes; a quote inside is escaped). */
export const filterString = (value: string) =>
  `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Page size of history and search reads. */
const PAGE = 1000;
/** Pages read at most before giving up (a server that keeps answering the same token). */
const MAX_PAGES = 10_000;

const toRemoteRun = (run: MlflowRun): RemoteRun => ({
  id: run.info.run_id,
  experimentId: run.info.experiment_id,
  artifactUri: run.info.artifact_uri ?? '',
  status: run.info.status,
  startTime: run.info.start_time,
  endTime: run.info.end_time,
  params: new Map(run.data.params.map((p) => [p.key, p.value])),
  tags: new Map(run.data.tags.map((t) => [t.key, t.value])),
  metricKeys: new Set(run.data.metrics.map((m) => m.key)),
});

const toRemoteVersion = (v: MlflowModelVersion): RemoteVersion => ({
  version: v.version,
  source: v.source,
  ...(v.run_id ? { runId: v.run_id } : {}),
  tags: new Map(v.tags.map((t) => [t.key, t.value])),
});

const isNotFound = (err: unknown) => err instanceof LatheError && err.code === 'NOT_FOUND';

async function allPages<T>(
  read: (pageToken?: string) => Promise<{ items: T[]; next?: string }>,
): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { items, next } = await read(token);
    out.push(...items);
    if (!next) return out;
    token = next;
  }
  throw new LatheError('NETWORK', `the MLflow server kept answering pages past ${MAX_PAGES}`);
}

export function createMlflowRemote(client: MlflowClient): MlflowRemote {
  return {
    async experimentByName(name) {
      try {
        const { experiment } = await client.call('mlflow:experiments:get-by-name', {
          experiment_name: name,
        });
        return { id: experiment.experiment_id, deleted: experiment.lifecycle_stage === 'deleted' };
      } catch (err) {
        if (isNotFound(err)) return null;
        throw err;
      }
    },
    async createExperiment(name) {
      return (await client.call('mlflow:experiments:create', { name })).experiment_id;
    },
    async runsTagged(experimentId, key, value) {
      const runs = await allPages(async (page_token) => {
        const r = await client.call('mlflow:runs:search', {
          experiment_ids: [experimentId],
          filter: `tags.\`${key}\` = ${filterString(value)}`,
          run_view_type: 'ACTIVE_ONLY',
          max_results: PAGE,
          ...(page_token ? { page_token } : {}),
        });
        return { items: r.runs, next: r.next_page_token };
      });
      // The filter is the server's to apply; a server that ignores it must not make us adopt a stranger.
      return runs.map(toRemoteRun).filter((r) => r.tags.get(key) === value);
    },
    async createRun({ experimentId, runName, startTime, tags }) {
      const { run } = await client.call('mlflow:runs:create', {
        experiment_id: experimentId,
        run_name: runName,
        start_time: Math.round(startTime),
        tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
      });
      return toRemoteRun(run);
    },
    async logBatch(runId, batch) {
      await client.call('mlflow:runs:log-batch', {
        run_id: runId,
        metrics: batch.metrics.map((m) => ({
          key: m.key,
          value: toProtoDouble(m.value),
          timestamp: Math.round(m.timestamp),
          step: m.step,
        })),
        params: batch.params,
        tags: batch.tags,
      });
    },
    async metricHistory(runId, key) {
      const points = await allPages(async (page_token) => {
        const r = await client.call('mlflow:metrics:get-history', {
          run_id: runId,
          metric_key: key,
          max_results: PAGE,
          ...(page_token ? { page_token } : {}),
        });
        return { items: r.metrics, next: r.next_page_token };
      });
      return points.map((p) => ({
        step: p.step,
        timestamp: p.timestamp,
        // 'NaN', 'Infinity' and '-Infinity' are what Number() reads them as.
        value: typeof p.value === 'number' ? p.value : Number(p.value),
      }));
    },
    async updateRun(runId, status, endTime) {
      await client.call('mlflow:runs:update', {
        run_id: runId,
        status,
        ...(endTime !== undefined ? { end_time: Math.round(endTime) } : {}),
      });
    },
    async registeredModel(name) {
      try {
        const { registered_model: m } = await client.call('mlflow:registered-models:get', { name });
        return { name: m.name, aliases: new Map(m.aliases.map((a) => [a.alias, a.version])) };
      } catch (err) {
        if (isNotFound(err)) return null;
        throw err;
      }
    },
    async createRegisteredModel(name, description) {
      await client.call('mlflow:registered-models:create', {
        name,
        ...(description ? { description } : {}),
      });
    },
    async versionsOfRun(name, runId) {
      const versions = await allPages(async (page_token) => {
        const r = await client.call('mlflow:model-versions:search', {
          filter: `name = ${filterString(name)} and run_id = ${filterString(runId)}`,
          max_results: 200,
          ...(page_token ? { page_token } : {}),
        });
        return { items: r.model_versions, next: r.next_page_token };
      });
      return versions
        .filter((v) => v.name === name && (v.run_id === undefined || v.run_id === runId))
        .map(toRemoteVersion);
    },
    async createModelVersion({ name, source, runId, description, tags }) {
      const { model_version: v } = await client.call('mlflow:model-versions:create', {
        name,
        source,
        run_id: runId,
        description,
        tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
      });
      return toRemoteVersion(v);
    },
    async setAlias(name, alias, version) {
      await client.call('mlflow:registered-models:set-alias', { name, alias, version });
    },
    artifactRoot: (artifactUri) => client.artifactRoot(artifactUri),
    listArtifacts: (artifactUri, path) => client.listArtifacts(artifactUri, path),
    putArtifact: (artifactUri, path, bytes) => client.putArtifact(artifactUri, path, bytes),
  };
}
