// `lathe mlflow push` and the push buttons: a Lathe run, or a model version (its run, its ONNX package as an
// MLflow model, the registered version and its aliases), copied to a team MLflow server.
//
// Idempotent by construction: the remote run carries the tag `lathe.run_id` and is found by it
// (runs/search), the remote version carries `lathe.version_id` and is found among the versions of that run;
// then only what the remote lacks is sent (params, tags, metric points, artifacts, status). A push that
// stopped half-way (a dropped connection) is completed by the next one; a push of something complete sends
// nothing and says so. A push stopped on purpose (`mlflow:push:cancel`) is such a push: what reached the
// server stays, the run is not marked finished there, and the next push sends the rest.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import {
  LatheError,
  type MlflowCredentialStore,
  type MlflowCredentialsOut,
  type MlflowPushAuth,
  type MlflowPushCancelIn,
  type MlflowPushIn,
  type MlflowPushOut,
  type MlflowPushStatus,
  type ModelVersion,
  type RunDetails,
  type RunStatus,
} from '../../shared/contract';
import { MLFLOW_PUSH_OP } from '../../shared/contract/mlflow-push';
import type { EventBus } from '../api/event-bus';
import type { RegistryStore } from '../registry/registry-store';
import { packageOf } from '../serve/packaged-model';
import type { TrackingStore } from '../tracking/tracking-store';
import type { ArtifactStore } from '../workspace/artifacts';
import { runningJobs } from '../workspace/running-jobs';
import { createMlflowClient, trackingBase, type MlflowClientOptions } from './client';
import { writeMlflowModel } from './mlflow-model';
import { createMlflowRemote, type MlflowRemote, type RemoteRun } from './remote';

/** Tags every pushed run carries: the Lathe run it copies, and what sent it. */
export const TAG_RUN_ID = 'lathe.run_id';
export const TAG_SOURCE = 'lathe.source';
/** Tags every pushed model version carries. */
export const TAG_VERSION_ID = 'lathe.version_id';
export const TAG_MODEL_VERSION = 'lathe.model_version';
/**
 * Where the MLflow model goes among the run's artifacts: not MLflow's usual `model`, which a Lathe run
 * already fills with its own model files (tfjs or GBDT), so the version's folder holds the MLflow model only.
 */
export const MODEL_ARTIFACT_PATH = 'mlflow-model';

/** MLflow's log-batch limits (mlflow/utils/validation.py). */
export const LOG_BATCH_LIMITS = {
  metrics: 1000,
  paramsAndTags: 100,
  entities: 1000,
  /** MLflow refuses requests above 1 MB; leave room for the envelope. */
  bytes: 900_000,
} as const;

const MLFLOW_STATUS: Record<RunStatus, string> = {
  queued: 'SCHEDULED',
  running: 'RUNNING',
  finished: 'FINISHED',
  failed: 'FAILED',
  cancelled: 'KILLED',
  interrupted: 'KILLED',
  pruned: 'KILLED',
};

export interface PushDeps {
  tracking: Pick<TrackingStore, 'get' | 'metricHistory' | 'flushMetrics'>;
  /** Any run by id or prefix, also one logged through MLflow (what the run page reads). */
  /** Any run: one Lathe trained, or one logged through MLflow's API. */
  readRun(idOrPrefix: string): Promise<RunDetails>;
  registry: Pick<RegistryStore, 'version' | 'get'>;
  artifacts: ArtifactStore;
  /** The workspace's tmp folder: the MLflow model folder is written there, then removed. */
  tmpDir: string;
  /** The workspace's packages folder (see PackageDeps). */
  packagesDir: string;
  bus?: EventBus;
  /** The desktop app's kept credentials; absent elsewhere. */
  credentials?: MlflowCredentialStore;
  latheVersion: string;
  /** Retries, timeouts (tests make backoff short). */
  clientOptions?: Omit<MlflowClientOptions, 'url' | 'auth'>;
}

export interface MlflowPushService {
  push(input: MlflowPushIn): Promise<MlflowPushOut>;
  /** Stops the running push of the same source to the same server; false when none runs. */
  cancel(input: MlflowPushCancelIn): { cancelled: boolean };
  credentialsList(): MlflowCredentialsOut;
  credentialsSet(url: string, auth: MlflowPushAuth): MlflowCredentialsOut;
  credentialsDelete(url: string): MlflowCredentialsOut;
}

const NO_STORE: MlflowCredentialsOut = { store: 'none', saved: [] };

/** A metric point's identity on both sides: step, ms timestamp and value (NaN compares as text). */
const pointKey = (p: { step: number; timestamp: number; value: number }) =>
  `${p.step}|${Math.round(p.timestamp)}|${String(p.value)}`;

/** Splits `items` into chunks of at most `count` items and about `bytes` bytes of JSON. */
export function chunked<T>(items: readonly T[], count: number, bytes: number): T[][] {
  const out: T[][] = [];
  let chunk: T[] = [];
  let size = 0;
  for (const item of items) {
    const n = JSON.stringify(item).length + 1;
    if (chunk.length > 0 && (chunk.length >= count || size + n > bytes)) {
      out.push(chunk);
      chunk = [];
      size = 0;
    }
    chunk.push(item);
    size += n;
  }
  if (chunk.length) out.push(chunk);
  return out;
}

/** Every file under `dir`, as forward-slash paths relative to it, sorted. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** A push's key among the running ones: its server and its source, as pushed. */
const pushKey = (to: string, source: string) => `${trackingBase(to)} ${source.trim()}`;

export function createMlflowPushService(deps: PushDeps): MlflowPushService {
  const authFor = (url: string, given?: MlflowPushAuth) => given ?? deps.credentials?.get(url);
  const running = runningJobs();

  return {
    push: async (input) =>
      running.run(pushKey(input.to, input.source), (signal) => pushOnce(input, signal)),
    cancel: ({ source, to }) => ({ cancelled: running.cancel(pushKey(to, source)) }),
    credentialsList: () => deps.credentials?.list() ?? NO_STORE,
    credentialsSet(url, auth) {
      if (!deps.credentials)
        throw new LatheError(
          'INVALID_INPUT',
          'only the desktop app keeps MLflow credentials (encrypted with the OS keychain); the browser UI and the CLI take them with each push (MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD)',
        );
      return deps.credentials.set(trackingBase(url), auth);
    },
    credentialsDelete(url) {
      return deps.credentials ? deps.credentials.remove(trackingBase(url)) : NO_STORE;
    },
  };

  async function pushOnce(input: MlflowPushIn, signal: AbortSignal): Promise<MlflowPushOut> {
    const base = trackingBase(input.to);
    const source = input.source.trim();
    let at = 0;
    const progress = (fraction: number, message: string) => {
      at = Math.min(1, Math.max(0, fraction));
      deps.bus?.emit('data:progress', {
        op: MLFLOW_PUSH_OP,
        name: source,
        fraction: at,
        message,
      });
    };
    const client = createMlflowClient({
      ...deps.clientOptions,
      signal,
      url: base,
      auth: authFor(base, input.auth),
      onRetry: (n) => {
        deps.clientOptions?.onRetry?.(n);
        progress(
          at,
          `${n.what}: ${n.reason}; retrying in ${(n.delayMs / 1000).toFixed(1)} s (retry ${n.attempt})`,
        );
      },
    });
    const remote = createMlflowRemote(client);

    const version = source.includes('@') ? await deps.registry.version(source) : null;
    if (version && version.runId === null)
      throw new LatheError(
        'INVALID_INPUT',
        `${version.model}@${version.version} was imported from an ONNX file and has no Lathe run to push; push a version registered from a run`,
        { source },
      );
    const run = await deps.readRun(version ? version.runId! : source);
    if (run.status === 'running' || run.status === 'queued')
      throw new LatheError(
        'INVALID_INPUT',
        `run ${run.id} is ${run.status}: push it once it has ended`,
        { source, status: run.status },
      );

    progress(0, `pushing run ${run.id.slice(0, 8)} to ${base}`);
    // The remote run, once found or made: a stopped push names it.
    const reached: { remoteRun?: string } = {};
    let pushed: PushedRun;
    let model: MlflowPushOut['model'] = null;
    try {
      pushed = await pushRun(
        remote,
        run,
        deps,
        version !== null,
        (f, m) => progress(version ? f * 0.85 : f, m),
        (id) => (reached.remoteRun = id),
      );
      if (version) {
        progress(0.85, `registering ${version.model}@${version.version}`);
        model = await pushVersion(remote, client, version, pushed.remoteRun, deps, signal);
      }
    } catch (err) {
      if (!signal.aborted) throw err;
      throw new LatheError(
        'CANCELLED',
        reached.remoteRun
          ? `the push of ${source} to ${base} was stopped: the MLflow run ${reached.remoteRun} keeps what was sent and is not marked finished; push again to send the rest`
          : `the push of ${source} to ${base} was stopped before its run reached the server`,
        { source, to: base, ...reached },
      );
    }
    progress(1, 'pushed');
    const changed =
      pushed.experimentStatus !== 'exists' ||
      pushed.runStatus !== 'exists' ||
      Object.values(pushed.sent).some((n) => n > 0) ||
      (model !== null &&
        (model.registeredModel !== 'exists' ||
          model.status !== 'exists' ||
          model.aliases.some((a) => a.status !== 'exists')));
    return {
      to: base,
      source,
      experiment: {
        id: pushed.remoteRun.experimentId,
        name: run.experiment,
        status: pushed.experimentStatus,
      },
      run: {
        latheRunId: run.id,
        id: pushed.remoteRun.id,
        status: pushed.runStatus,
        url: `${base}/#/experiments/${pushed.remoteRun.experimentId}/runs/${pushed.remoteRun.id}`,
      },
      sent: pushed.sent,
      found: pushed.found,
      model,
      changed,
    };
  }
}

interface PushedRun {
  remoteRun: RemoteRun;
  experimentStatus: MlflowPushStatus;
  runStatus: MlflowPushStatus;
  sent: MlflowPushOut['sent'];
  found: MlflowPushOut['found'];
}

/** The experiment named `name` on the remote, created when missing. */
async function ensureExperiment(
  remote: MlflowRemote,
  name: string,
): Promise<{ id: string; status: MlflowPushStatus }> {
  const found = await remote.experimentByName(name);
  if (found) {
    if (found.deleted)
      throw new LatheError(
        'INVALID_INPUT',
        `the experiment '${name}' is deleted on the MLflow server: restore it there (or rename the Lathe experiment) and push again`,
        { experiment: name },
      );
    return { id: found.id, status: 'exists' };
  }
  try {
    return { id: await remote.createExperiment(name), status: 'created' };
  } catch (err) {
    // Made meanwhile by someone else (or by a retried request whose answer was lost).
    if (!(err instanceof LatheError) || err.code !== 'ALREADY_EXISTS') throw err;
    const again = await remote.experimentByName(name);
    if (!again) throw err;
    return { id: again.id, status: 'exists' };
  }
}

async function pushRun(
  remote: MlflowRemote,
  run: RunDetails,
  deps: PushDeps,
  withModel: boolean,
  progress: (fraction: number, message: string) => void,
  onRemoteRun: (id: string) => void,
): Promise<PushedRun> {
  const experiment = await ensureExperiment(remote, run.experiment);
  const existing = await remote.runsTagged(experiment.id, TAG_RUN_ID, run.id);
  const startTime = Date.parse(run.startedAt);
  const endTime = run.endedAt ? Date.parse(run.endedAt) : undefined;
  let remoteRun: RemoteRun;
  let runStatus: MlflowPushStatus;
  if (existing.length > 0) {
    // The oldest copy is the one (a duplicate could only come from a create whose answer was lost).
    remoteRun = [...existing].sort((a, b) => (a.startTime ?? 0) - (b.startTime ?? 0))[0]!;
    runStatus = 'exists';
  } else {
    remoteRun = await remote.createRun({
      experimentId: experiment.id,
      runName: run.name,
      startTime,
      tags: {
        [TAG_RUN_ID]: run.id,
        [TAG_SOURCE]: `lathe ${deps.latheVersion}`,
        'mlflow.runName': run.name,
      },
    });
    runStatus = 'created';
  }
  onRemoteRun(remoteRun.id);
  // A server that keeps artifacts where only it can reach them (no proxy) is refused before anything
  // else is sent, rather than after the metrics.
  const artifacts = run.artifacts.filter((a) => a.path !== '');
  if (artifacts.length || withModel) remote.artifactRoot(remoteRun.artifactUri);
  const sent = { params: 0, tags: 0, metricPoints: 0, artifacts: 0, artifactBytes: 0 };
  const found = { params: 0, tags: 0, metricPoints: 0, artifacts: 0 };

  // Params: immutable on MLflow; one the remote holds with another value is a conflict, not overwritten.
  const params: { key: string; value: string }[] = [];
  for (const [key, value] of Object.entries(run.params).sort(([a], [b]) => a.localeCompare(b))) {
    const there = remoteRun.params.get(key);
    if (there === undefined) params.push({ key, value });
    else if (there === value) found.params++;
    else
      throw new LatheError(
        'INVALID_INPUT',
        `the remote run ${remoteRun.id} already has param '${key}' = '${there}', not '${value}': MLflow params cannot change`,
        { key, remote: there, local: value },
      );
  }
  const wantedTags: Record<string, string> = {
    ...run.tags,
    ...(run.notes ? { 'mlflow.note.content': run.notes } : {}),
    'mlflow.runName': run.name,
    [TAG_RUN_ID]: run.id,
    [TAG_SOURCE]: `lathe ${deps.latheVersion}`,
  };
  const tags: { key: string; value: string }[] = [];
  for (const [key, value] of Object.entries(wantedTags).sort(([a], [b]) => a.localeCompare(b))) {
    if (remoteRun.tags.get(key) === value) found.tags++;
    else tags.push({ key, value });
  }
  const entries = [
    ...params.map((p) => ({ kind: 'param' as const, ...p })),
    ...tags.map((t) => ({ kind: 'tag' as const, ...t })),
  ];
  for (const chunk of chunked(entries, LOG_BATCH_LIMITS.paramsAndTags, LOG_BATCH_LIMITS.bytes)) {
    await remote.logBatch(remoteRun.id, {
      metrics: [],
      params: chunk.filter((e) => e.kind === 'param').map(({ key, value }) => ({ key, value })),
      tags: chunk.filter((e) => e.kind === 'tag').map(({ key, value }) => ({ key, value })),
    });
  }
  sent.params = params.length;
  sent.tags = tags.length;
  progress(0.1, `params and tags: ${params.length + tags.length} sent`);

  // Metric histories: every point, with its step and timestamp; those the remote has are not sent again.
  await deps.tracking.flushMetrics();
  const history = await deps.tracking.metricHistory(run.id, undefined, 2 ** 31 - 1, {
    nonFinite: true,
  });
  const byKey = new Map<
    string,
    { key: string; step: number; value: number; timestamp: number }[]
  >();
  for (const p of history.points) {
    const list = byKey.get(p.key) ?? [];
    list.push(p);
    byKey.set(p.key, list);
  }
  const missing: { key: string; step: number; value: number; timestamp: number }[] = [];
  for (const [key, points] of byKey) {
    const there = remoteRun.metricKeys.has(key)
      ? await remote.metricHistory(remoteRun.id, key)
      : [];
    const counts = new Map<string, number>();
    for (const p of there) counts.set(pointKey(p), (counts.get(pointKey(p)) ?? 0) + 1);
    for (const p of points) {
      const k = pointKey(p);
      const n = counts.get(k) ?? 0;
      if (n > 0) {
        counts.set(k, n - 1);
        found.metricPoints++;
      } else missing.push({ ...p, timestamp: Math.round(p.timestamp) });
    }
  }
  const metricChunks = chunked(missing, LOG_BATCH_LIMITS.metrics, LOG_BATCH_LIMITS.bytes);
  for (const [i, chunk] of metricChunks.entries()) {
    await remote.logBatch(remoteRun.id, { metrics: chunk, params: [], tags: [] });
    sent.metricPoints += chunk.length;
    progress(
      0.1 + 0.5 * ((i + 1) / metricChunks.length),
      `metrics: ${sent.metricPoints} of ${missing.length} points`,
    );
  }

  // Artifacts: the run's files, through the server's artifact proxy; a file there with its size is kept.
  if (artifacts.length) {
    const there = await remoteFiles(remote, remoteRun.artifactUri, '');
    const total = artifacts.reduce((n, a) => n + a.sizeBytes, 0) || 1;
    let done = 0;
    for (const a of artifacts) {
      if (there.get(a.path) === a.sizeBytes) found.artifacts++;
      else {
        await remote.putArtifact(
          remoteRun.artifactUri,
          a.path,
          await deps.artifacts.read(a.sha256),
        );
        sent.artifacts++;
        sent.artifactBytes += a.sizeBytes;
      }
      done += a.sizeBytes;
      progress(0.6 + 0.35 * (done / total), `artifacts: ${a.path}`);
    }
  }

  // Status and end time last: a run shows as finished only once everything is there.
  const status = MLFLOW_STATUS[run.status];
  if (remoteRun.status !== status || (endTime !== undefined && remoteRun.endTime !== endTime)) {
    await remote.updateRun(remoteRun.id, status, endTime);
    if (runStatus === 'exists') runStatus = 'updated';
  }
  if (runStatus === 'exists' && (sent.params || sent.tags || sent.metricPoints || sent.artifacts))
    runStatus = 'updated';
  progress(1, 'run pushed');
  return { remoteRun, experimentStatus: experiment.status, runStatus, sent, found };
}

/** Every file under `path` of a run's artifacts on the remote, with its size. */
async function remoteFiles(
  remote: MlflowRemote,
  artifactUri: string,
  path: string,
): Promise<Map<string, number | undefined>> {
  const out = new Map<string, number | undefined>();
  for (const f of await remote.listArtifacts(artifactUri, path)) {
    if (f.isDir) for (const [p, n] of await remoteFiles(remote, artifactUri, f.path)) out.set(p, n);
    else out.set(f.path, f.fileSize);
  }
  return out;
}

async function pushVersion(
  remote: MlflowRemote,
  client: ReturnType<typeof createMlflowClient>,
  version: ModelVersion,
  run: RemoteRun,
  deps: PushDeps,
  signal: AbortSignal,
): Promise<NonNullable<MlflowPushOut['model']>> {
  const name = version.model;
  const detail = await deps.registry.get(name);
  let registered = await remote.registeredModel(name);
  let registeredStatus: MlflowPushStatus = 'exists';
  if (!registered) {
    try {
      await remote.createRegisteredModel(name, detail.description);
      registeredStatus = 'created';
    } catch (err) {
      if (!(err instanceof LatheError) || err.code !== 'ALREADY_EXISTS') throw err;
    }
    registered = (await remote.registeredModel(name)) ?? { name, aliases: new Map() };
  }

  const source = `${run.artifactUri.replace(/\/+$/, '')}/${MODEL_ARTIFACT_PATH}`;
  const versions = await remote.versionsOfRun(name, run.id);
  let remoteVersion = versions.find((v) => v.tags.get(TAG_VERSION_ID) === version.id);
  let status: MlflowPushStatus = 'exists';
  if (!remoteVersion) {
    // The MLflow model folder: written from the version's package, uploaded unless a complete one is
    // there (a push that stopped after the upload and before registering).
    const there = await remoteFiles(remote, run.artifactUri, MODEL_ARTIFACT_PATH);
    if (!there.has(`${MODEL_ARTIFACT_PATH}/MLmodel`)) {
      const scratch = join(deps.tmpDir, `mlflow-push-${randomUUID()}`);
      try {
        const { dir } = await packageOf(
          deps,
          `${name}@${version.version}`,
          join(scratch, 'package'),
        );
        // Writing the package may take a while: a stop meanwhile sends nothing more.
        signal.throwIfAborted();
        const out = join(scratch, 'model');
        writeMlflowModel(dir, out, {
          fields: { run_id: run.id, artifact_path: MODEL_ARTIFACT_PATH },
        });
        // MLmodel last: its presence marks the folder complete for a later push.
        const files = filesUnder(out).sort((a, b) =>
          a === 'MLmodel' ? 1 : b === 'MLmodel' ? -1 : a.localeCompare(b),
        );
        for (const f of files) {
          const path = join(out, ...f.split('/'));
          if (!statSync(path).isFile()) continue;
          await client.putArtifact(
            run.artifactUri,
            `${MODEL_ARTIFACT_PATH}/${f}`,
            readFileSync(path),
          );
        }
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    }
    remoteVersion = await remote.createModelVersion({
      name,
      source,
      runId: run.id,
      description: `Lathe ${name}@${version.version} (run ${version.runId})`,
      tags: {
        [TAG_VERSION_ID]: version.id,
        [TAG_MODEL_VERSION]: `${name}@${version.version}`,
      },
    });
    status = 'created';
  }

  const aliases: { alias: string; status: MlflowPushStatus }[] = [];
  for (const alias of version.aliases) {
    const at = registered.aliases.get(alias);
    if (at === remoteVersion.version) aliases.push({ alias, status: 'exists' });
    else {
      await remote.setAlias(name, alias, remoteVersion.version);
      aliases.push({ alias, status: at === undefined ? 'created' : 'updated' });
    }
  }
  return {
    name,
    latheVersion: `${name}@${version.version}`,
    registeredModel: registeredStatus,
    version: remoteVersion.version,
    status,
    source: remoteVersion.source || source,
    aliases,
  };
}
