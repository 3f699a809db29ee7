// The MLflow operations a push makes, over the typed client: each is one endpoint of MLflow's REST API whose
// messages are parsed with the contract's schemas (shared/contract/mlflow.ts and mlflow-registry.ts), and
// whose answers are reduced to what push.ts compares.
import { z } from 'zod';
import { LatheError } from '../../shared/contract';
import {
  MlflowExperiment,
  MlflowMetric,
  MlflowRun,
  toProtoDouble,
} from '../../shared/contract/mlflow';
import type { MlflowClient, MlflowEndpoint, MlflowFileInfo } from './client';

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
  listArtifacts(artifactUri: string, path: string): Promise<MlflowFileInfo[]>;
  putArtifact(artifactUri: string, path: string, bytes: Uint8Array): Promise<void>;
}

const KeyValue = z.object({ key: z.string(), value: z.string() });
const Empty = z.object({});

// Registry messages (model_registry.proto), the parts a push reads.
const MlflowRegisteredModelAlias = z.object({ alias: z.string(), version: z.string() });
const MlflowRegisteredModel = z.object({
  name: z.string(),
  aliases: z.array(MlflowRegisteredModelAlias).default([]),
});
const MlflowModelVersion = z.object({
  name: z.string(),
  version: z.string(),
  source: z.string().default(''),
  run_id: z.string().optional(),
  tags: z.array(KeyValue).default([]),
});

const endpoint = <I extends z.ZodType, O extends z.ZodType>(
  method: MlflowEndpoint['method'],
  path: string,
  input: I,
  output: O,
): MlflowEndpoint<I, O> => ({ method, path, input, output });

/** The endpoints a push calls (service.proto and model_registry.proto). */
export const PUSH_ENDPOINTS = {
  getExperimentByName: endpoint(
    'GET',
    'experiments/get-by-name',
    z.object({ experiment_name: z.string() }),
    z.object({ experiment: MlflowExperiment }),
  ),
  createExperiment: endpoint(
    'POST',
    'experiments/create',
    z.object({ name: z.string() }),
    z.object({ experiment_id: z.string() }),
  ),
  searchRuns: endpoint(
    'POST',
    'runs/search',
    z.object({
      experiment_ids: z.array(z.string()),
      filter: z.string(),
      run_view_type: z.string(),
      max_results: z.number().int(),
      page_token: z.string().optional(),
    }),
    z.object({ runs: z.array(MlflowRun).default([]), next_page_token: z.string().optional() }),
  ),
  createRun: endpoint(
    'POST',
    'runs/create',
    z.object({
      experiment_id: z.string(),
      run_name: z.string(),
      start_time: z.number().int(),
      tags: z.array(KeyValue),
    }),
    z.object({ run: MlflowRun }),
  ),
  logBatch: endpoint(
    'POST',
    'runs/log-batch',
    z.object({
      run_id: z.string(),
      metrics: z.array(MlflowMetric),
      params: z.array(KeyValue),
      tags: z.array(KeyValue),
    }),
    Empty,
  ),
  getHistory: endpoint(
    'GET',
    'metrics/get-history',
    z.object({
      run_id: z.string(),
      metric_key: z.string(),
      max_results: z.number().int().optional(),
      page_token: z.string().optional(),
    }),
    z.object({
      metrics: z.array(MlflowMetric).default([]),
      next_page_token: z.string().optional(),
    }),
  ),
  updateRun: endpoint(
    'POST',
    'runs/update',
    z.object({ run_id: z.string(), status: z.string(), end_time: z.number().int().optional() }),
    z.object({ run_info: z.unknown().optional() }),
  ),
  getRegisteredModel: endpoint(
    'GET',
    'registered-models/get',
    z.object({ name: z.string() }),
    z.object({ registered_model: MlflowRegisteredModel }),
  ),
  createRegisteredModel: endpoint(
    'POST',
    'registered-models/create',
    z.object({ name: z.string(), description: z.string().optional() }),
    z.object({ registered_model: MlflowRegisteredModel }),
  ),
  searchModelVersions: endpoint(
    'GET',
    'model-versions/search',
    z.object({
      filter: z.string(),
      max_results: z.number().int(),
      page_token: z.string().optional(),
    }),
    z.object({
      model_versions: z.array(MlflowModelVersion).default([]),
      next_page_token: z.string().optional(),
    }),
  ),
  createModelVersion: endpoint(
    'POST',
    'model-versions/create',
    z.object({
      name: z.string(),
      source: z.string(),
      run_id: z.string(),
      description: z.string(),
      tags: z.array(KeyValue),
    }),
    z.object({ model_version: MlflowModelVersion }),
  ),
  setAlias: endpoint(
    'POST',
    'registered-models/alias',
    z.object({ name: z.string(), alias: z.string(), version: z.string() }),
    Empty,
  ),
} as const;

/** A string literal in MLflow's filter grammar (single quotes; a quote inside is escaped). */
export const filterString = (value: string) =>
  `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Page size of history and search reads. */
const PAGE = 1000;
/** Pages read at most before giving up (a server that keeps answering the same token). */
const MAX_PAGES = 10_000;

const toRemoteRun = (run: z.output<typeof MlflowRun>): RemoteRun => ({
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

const toRemoteVersion = (v: z.output<typeof MlflowModelVersion>): RemoteVersion => ({
  version: v.version,
  source: v.source,
  ...(v.run_id ? { runId: v.run_id } : {}),
  tags: new Map(v.tags.map((t) => [t.key, t.value])),
});

/** A double as the wire carries it (a number, or NaN / Infinity / -Infinity as words). */
const wireDouble = (v: number | string): number =>
  typeof v === 'number' ? v : v === 'NaN' ? Number.NaN : Number(v);

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
  const E = PUSH_ENDPOINTS;
  return {
    async experimentByName(name) {
      try {
        const { experiment } = await client.request(E.getExperimentByName, {
          experiment_name: name,
        });
        return { id: experiment.experiment_id, deleted: experiment.lifecycle_stage === 'deleted' };
      } catch (err) {
        if (isNotFound(err)) return null;
        throw err;
      }
    },
    async createExperiment(name) {
      return (await client.request(E.createExperiment, { name })).experiment_id;
    },
    async runsTagged(experimentId, key, value) {
      const runs = await allPages(async (page_token) => {
        const r = await client.request(E.searchRuns, {
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
      const { run } = await client.request(E.createRun, {
        experiment_id: experimentId,
        run_name: runName,
        start_time: Math.round(startTime),
        tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
      });
      return toRemoteRun(run);
    },
    async logBatch(runId, batch) {
      await client.request(E.logBatch, {
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
        const r = await client.request(E.getHistory, {
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
        value: wireDouble(p.value),
      }));
    },
    async updateRun(runId, status, endTime) {
      await client.request(E.updateRun, {
        run_id: runId,
        status,
        ...(endTime !== undefined ? { end_time: Math.round(endTime) } : {}),
      });
    },
    async registeredModel(name) {
      try {
        const { registered_model: m } = await client.request(E.getRegisteredModel, { name });
        return { name: m.name, aliases: new Map(m.aliases.map((a) => [a.alias, a.version])) };
      } catch (err) {
        if (isNotFound(err)) return null;
        throw err;
      }
    },
    async createRegisteredModel(name, description) {
      await client.request(E.createRegisteredModel, {
        name,
        ...(description ? { description } : {}),
      });
    },
    async versionsOfRun(name, runId) {
      const versions = await allPages(async (page_token) => {
        const r = await client.request(E.searchModelVersions, {
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
      const { model_version: v } = await client.request(E.createModelVersion, {
        name,
        source,
        run_id: runId,
        description,
        tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
      });
      return toRemoteVersion(v);
    },
    async setAlias(name, alias, version) {
      await client.request(E.setAlias, { name, alias, version });
    },
    listArtifacts: (artifactUri, path) => client.listArtifacts(artifactUri, path),
    putArtifact: (artifactUri, path, bytes) => client.putArtifact(artifactUri, path, bytes),
  };
}
