import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { arch, cpus, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  ARTIFACT_INLINE_MAX,
  FamilyReport,
  GBDT_OPTIONS,
  LatheError,
  type RunArtifactIn,
  type RunArtifactOut,
  defaultSearchMetric,
  type ColumnInfo,
  type JsonValue,
  type Run,
  type RunDetails,
  type RunKind,
  type RunStatus,
  type TrainConfig,
} from '../../shared/contract';
import type { EventBus } from '../api/event-bus';
import type { DataService } from '../data/data-service';
import type { Engine } from '../data/engine';
import { ident, literal } from '../workspace/db';
import type { ArtifactStore } from '../workspace/artifacts';
import { packageRoot } from '../version';
import { checkFeatureSpec } from '../features/check';
import { selectFeatures } from './select-features';
import { checkClassCount } from './target-classes';
import { chooseEngine } from './kernel/engine-choice';
import { applySplit, checkFractions, splitRule } from '../data/splits';
import { WorkerMessage, type WorkerStart } from './protocol';
import { CHECKPOINT_PATH, checkpointState } from './checkpoint-state';
import { canonicalHash } from '../workspace/canonical-json';
import {
  CV_REPORT,
  SEARCH_REPORT,
  checkSearch,
  crossValidate,
  foldConfig,
  search,
  trialConfig,
  type ChildOutcome,
  type Family,
  type FamilyHost,
  type PriorChild,
} from './families';

/** A run as training starts it. */
export interface NewRun {
  name?: string;
  experiment: string;
  project: string;
  config: TrainConfig;
  configHash: string;
  datasetVersionId: string;
  latheVersion: string;
  system: Record<string, string | number>;
  params?: Record<string, string>;
  tags?: Record<string, string>;
  /** Default: train. */
  kind?: RunKind;
  /** The cross-validation or search run a fold or trial belongs to. */
  parentId?: string;
  gitCommit?: string | null;
  featureSpecHash?: string | null;
}

/** How a run ends: its status, and what the training resolved and produced. */
export interface RunEnd {
  status: Exclude<RunStatus, 'queued' | 'running'>;
  error?: string | null;
  backend?: string | null;
  params?: Record<string, string>;
  artifacts?: { path: string; sha256: string; sizeBytes: number }[];
  /** Leakage and data warnings from the training. */
  warnings?: string[];
}

/**
 * What training needs from run tracking. The tracking store implements it (tracking sits to the right
 * of train, so it imports these types, never the reverse); services.ts injects it.
 */
export interface RunRecorder {
  /** Records a running run (and its experiment when new); returns its id. */
  createRun(run: NewRun): Promise<string>;
  /** Appends metric values at one step. */
  logMetrics(runId: string, step: number, values: Record<string, number>): Promise<void>;
  setBackend(runId: string, backend: string): Promise<void>;
  /**
   * Ends a run: params, artifacts and status together, or none of them. A finished run drops its
   * checkpoint; a cancelled, failed or interrupted one keeps it, so it can be resumed.
   */
  endRun(runId: string, end: RunEnd): Promise<void>;
  /** A run's name (children of a search or cross-validation are named after their parent). */
  runName(runId: string): Promise<string>;
  /** Replaces a run's checkpoint artifact row (one statement: a crash keeps the previous one). */
  saveCheckpoint(
    runId: string,
    blob: { path: string; sha256: string; sizeBytes: number },
  ): Promise<void>;
  /**
   * Sets a stopped run running again to resume it from the checkpoint at `step`: clears its end and
   * error and drops metrics logged after that step (epochs the checkpoint does not include).
   */
  reopenRun(runId: string, step: number): Promise<void>;
  /** True when no artifact row references the blob (a superseded checkpoint can be removed). */
  unreferenced(sha256: string): Promise<boolean>;
  /** A run by id or unique id prefix; throws NOT_FOUND naming the id. */
  get(idOrPrefix: string): Promise<Run>;
  /** Any run, one logged through MLflow too (no config or lineage); throws NOT_FOUND naming the id. */
  read(idOrPrefix: string): Promise<RunDetails>;
  /** Runs by id or unique prefix, in the given order. */
  getMany(idsOrPrefixes: readonly string[]): Promise<Run[]>;
  /** Runs matching a filter; resuming lists a family's children, soft-deleted ones included. */
  list(filter: { parentId: string; limit: number; deleted: boolean }): Promise<{ id: string }[]>;
  /** A run's points of one metric (resuming a search replays each trial's history). */
  metricHistory(
    runId: string,
    key: string,
    maxPoints: number,
  ): Promise<{ points: { step: number; value: number }[] }>;
}

/** A stopped run to continue from its checkpoint (runs:resume). */
export interface ResumeRun {
  runId: string;
  config: TrainConfig;
  /** The run's dataset version as `name@version`. */
  dataset: string;
  /**
   * sha256 of its checkpoint artifact; null for an interrupted run killed before its first checkpoint was
   * stored: it restarts from the first epoch, its partial metrics dropped.
   */
  checkpoint: string | null;
}

/** A stopped run with a checkpoint to continue from. */
type CheckpointResume = ResumeRun & { checkpoint: string };

/** Called with a run's metrics after each epoch; the worker waits for it before the next epoch. */
export type EpochJudge = (epoch: number, metrics: Record<string, number>) => void;

export interface StartOptions {
  /** Recorded in the lineage: HEAD of the git repository holding the config file. */
  gitCommit?: string | null;
  /**
   * Judges a single training's epochs (a search or cross-validation judges its children itself): a
   * cancel() it makes takes effect before the next epoch, however fast epochs are.
   */
  onEpoch?: EpochJudge;
}

/** A search or cross-validation to continue (runs:resume of its parent). */
export interface FamilyResume {
  parentId: string;
  config: TrainConfig;
  /** Its dataset version as `name@version`. */
  dataset: string;
  gitCommit?: string | null;
  /** Its children so far; `resume` is set on those that can continue from a checkpoint. */
  children: (PriorChild & { resume?: CheckpointResume })[];
}

export interface TrainService {
  /**
   * Validates the config against the dataset, records a running run and starts its worker. A config with
   * `search` runs a hyperparameter search, one with `crossValidation` (and no fold) a cross-validation:
   * the run is then their parent, and `done` resolves when its last child ends.
   */
  start(
    config: TrainConfig,
    options?: StartOptions,
  ): Promise<{ runId: string; done: Promise<RunStatus> }>;
  /**
   * Continues a stopped run from its last checkpoint under the same id, config and dataset version (one
   * with no checkpoint restarts from the first epoch, its partial metrics dropped, and says so with the
   * `restarting` phase); resolves once its worker runs, with `done` like start().
   */
  resume(run: ResumeRun): Promise<{ runId: string; done: Promise<RunStatus> }>;
  /**
   * Continues an interrupted search or cross-validation under the same parent: ended children count as
   * they are, stopped ones continue from their checkpoints, missing ones are trained; `done` like start().
   */
  resumeFamily(family: FamilyResume): Promise<{ runId: string; done: Promise<RunStatus> }>;
  /**
   * Resumes a stopped run named by id or unique prefix (runs:resume): a search or cross-validation
   * continues as resumeFamily(), any other run from its checkpoint as resume(). INVALID_INPUT says why a
   * run cannot be resumed.
   */
  resumeRun(idOrPrefix: string): Promise<{ runId: string; done: Promise<RunStatus> }>;
  /** The report a search or cross-validation parent stores as an artifact; null for other runs. */
  familyReport(run: Run): Promise<FamilyReport | null>;
  /**
   * One artifact of a run by its path: the blob's file and, with `content`, its bytes. NOT_FOUND names the
   * run's artifact paths; INVALID_INPUT when the bytes are too large to return inline.
   */
  runArtifact(input: RunArtifactIn): Promise<RunArtifactOut>;
  /** Asks a running training, search or cross-validation to stop; false when it is not running here. */
  cancel(runId: string): boolean;
  /** Resolves once the training or family `runId` names ends; at once when it is not running here. */
  wait(runId: string): Promise<void>;
  /** Cancels every running training and waits for them to be recorded. */
  shutdown(): Promise<void>;
}

/** The params a run is recorded with from the moment it starts (the worker adds the resolved ones). */
export function configParams(config: TrainConfig): Record<string, string> {
  return {
    task: config.task,
    target: config.target,
    'model.type': config.model.type,
    ...(config.model.hidden ? { 'model.hidden': config.model.hidden.join(',') } : {}),
    // A GBDT trains model.trees rounds with model.learningRate: the network's epochs and rate do not apply.
    ...(config.model.type === 'gbdt'
      ? {}
      : {
          'training.epochs': String(config.training.epochs),
          'training.learningRate': String(config.training.learningRate),
        }),
    ...(config.training.batchSize
      ? { 'training.batchSize': String(config.training.batchSize) }
      : {}),
    'training.validationFraction': String(config.training.validationFraction),
    ...modelOptionParams(config),
    seed: String(config.seed),
    ...(config.features ? { features: config.features.join(',') } : {}),
  };
}

/** Params of the model and training options, only those the config sets. */
function modelOptionParams(config: TrainConfig): Record<string, string> {
  const out: Record<string, string> = {};
  const { model, training } = config;
  for (const key of ['activation', 'dropout', 'batchNorm', 'l1', 'l2', ...GBDT_OPTIONS] as const)
    if (model[key] !== undefined) out[`model.${key}`] = String(model[key]);
  if (training.classWeights !== undefined) {
    out['training.classWeights'] =
      typeof training.classWeights === 'string'
        ? training.classWeights
        : JSON.stringify(training.classWeights);
  }
  if (training.earlyStopping)
    out['training.earlyStopping'] = JSON.stringify(training.earlyStopping);
  if (training.lrSchedule) out['training.lrSchedule'] = JSON.stringify(training.lrSchedule);
  return out;
}

const STOPPED: readonly RunStatus[] = ['interrupted', 'cancelled', 'failed'];

/** A run's dataset version as `name@version`. */
function datasetOf(run: Run): string {
  return `${run.lineage.dataset}@${run.lineage.datasetVersion}`;
}

/** What a stopped run continues from; null if it is not stopped or has no checkpoint yet. */
function checkpointOf(run: Run): CheckpointResume | null {
  const checkpoint = run.artifacts.find((a) => a.path === CHECKPOINT_PATH);
  if (!STOPPED.includes(run.status) || !checkpoint) return null;
  return {
    runId: run.id,
    config: run.config,
    dataset: datasetOf(run),
    checkpoint: checkpoint.sha256,
  };
}

/**
 * The checkpoint a stopped single run continues from, or (checkpoint null) an interrupted run killed
 * before its first checkpoint was stored, which restarts with its recorded config and dataset version;
 * INVALID_INPUT says why it cannot.
 */
export function resumeOf(run: Run): ResumeRun {
  const resume = checkpointOf(run);
  if (!resume && run.status === 'interrupted')
    return { runId: run.id, config: run.config, dataset: datasetOf(run), checkpoint: null };
  if (!resume) {
    throw new LatheError(
      'INVALID_INPUT',
      run.status === 'running' || run.status === 'queued' || run.status === 'finished'
        ? `run ${run.id} is ${run.status}; only an interrupted, cancelled or failed run can be resumed`
        : `run ${run.id} is ${run.status} but has no checkpoint (it stopped before its first epoch ended); train it again`,
      { id: run.id },
    );
  }
  return resume;
}

/** The value at a dotted config path (`training.learningRate`), as a search set it. */
function configValue(config: TrainConfig, path: string): JsonValue {
  let node: unknown = config;
  for (const key of path.split('.'))
    node =
      typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : null;
  return (node ?? null) as JsonValue;
}

/**
 * What resuming a stopped search or cross-validation needs: its children, as far as each went.
 * INVALID_INPUT when the parent is not stopped.
 */
export async function familyResume(
  runs: Pick<RunRecorder, 'list' | 'getMany' | 'metricHistory'>,
  run: Run,
): Promise<FamilyResume> {
  if (!STOPPED.includes(run.status)) {
    throw new LatheError(
      'INVALID_INPUT',
      `run ${run.id} is ${run.status}; only an interrupted, cancelled or failed ${run.kind === 'tune' ? 'search' : 'cross-validation'} can be resumed`,
      { id: run.id },
    );
  }
  const ids = (await runs.list({ parentId: run.id, limit: 100000, deleted: true })).map(
    (c) => c.id,
  );
  const children = ids.length ? await runs.getMany(ids) : [];
  const metric = run.config.search?.metric ?? defaultSearchMetric(run.config.task);
  return {
    parentId: run.id,
    // The family's project as named now: its config names the project of then, which a rename leaves
    // behind (new children would re-create it).
    config: run.config.project === undefined ? run.config : { ...run.config, project: run.project },
    dataset: datasetOf(run),
    gitCommit: run.lineage.gitCommit ?? null,
    children: await Promise.all(
      children.map(async (c) => {
        // Children train on the parent's dataset version, so their own lineage names it too.
        const resume = checkpointOf(c);
        const history = (await runs.metricHistory(c.id, metric, 1_000_000)).points
          .sort((a, b) => a.step - b.step)
          .map((p) => p.value);
        return {
          index:
            c.kind === 'fold'
              ? (c.config.crossValidation?.fold ?? 0)
              : Number(c.tags['search.trial'] ?? 0),
          runId: c.id,
          status: c.status,
          metrics: c.metrics,
          assignment: Object.fromEntries(
            Object.keys(run.config.search?.space ?? {}).map((path) => [
              path,
              configValue(c.config, path),
            ]),
          ),
          history,
          error: c.error,
          resumable: resume !== null,
          ...(resume ? { resume } : {}),
        };
      }),
    ),
  };
}

export function configHash(config: TrainConfig): string {
  return canonicalHash(config);
}

/** The built worker bundle under the package root. */
export function defaultWorkerPath(): string {
  return join(packageRoot(), 'out', 'main', 'train-worker.cjs');
}

function systemInfo(): Record<string, string | number> {
  const cpu = cpus();
  return {
    os: `${platform()} ${release()}`,
    arch: arch(),
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryBytes: totalmem(),
    node: process.versions.node,
  };
}

/** Checks what can be checked before a run exists, so a bad config leaves the workspace untouched. */
async function precheck(
  engine: Engine,
  config: TrainConfig,
  parquetPath: string,
  columns: ColumnInfo[],
): Promise<void> {
  chooseEngine(config);
  checkFractions(
    splitRule(
      config.split,
      config.task,
      config.seed,
      config.training.validationFraction,
      config.crossValidation,
    ),
  );
  if (config.featureSpec) {
    if (!columns.some((c) => c.name === config.target)) selectFeatures(config, columns);
    try {
      checkFeatureSpec(config.featureSpec, columns, config.target);
    } catch (err) {
      // The spec sits under featureSpec in a train config: say so in the field path.
      if (err instanceof LatheError)
        throw new LatheError(err.code, `featureSpec.${err.message}`, err.details);
      throw err;
    }
  } else selectFeatures(config, columns);
  const splitColumn = config.split.column;
  if (splitColumn && (config.split.method === 'time' || config.split.method === 'group')) {
    if (!columns.some((c) => c.name === splitColumn)) {
      throw new LatheError(
        'COLUMN_NOT_FOUND',
        `split.column: '${splitColumn}' is not in dataset '${config.dataset}'`,
        {
          field: 'split.column',
        },
      );
    }
    if (config.split.method === 'time') {
      const [nulls] = await engine.all<{ n: bigint }>(
        `SELECT count(*) - count(${ident(splitColumn)}) AS n FROM read_parquet(${literal(parquetPath)}) WHERE ${ident(config.target)} IS NOT NULL`,
      );
      if (Number(nulls?.n ?? 0) > 0) {
        throw new LatheError(
          'INVALID_CONFIG',
          `split.column: '${splitColumn}' has ${Number(nulls!.n)} null values; a time split needs every row dated`,
          { field: 'split.column' },
        );
      }
    }
  }
  if (config.task === 'regression') return;
  const [row] = await engine.all<{ n: bigint }>(
    `SELECT count(DISTINCT ${ident(config.target)}) AS n FROM read_parquet(${literal(parquetPath)})`,
  );
  checkClassCount(config.target, config.task, Number(row?.n ?? 0), columns);
}

/** Deals the rows into every fold as training will: a fold left without rows fails here, naming it. */
async function checkFolds(engine: Engine, config: TrainConfig, parquetPath: string): Promise<void> {
  const table = `__cv_check_${randomUUID().replace(/-/g, '')}`;
  const file = `read_parquet(${literal(parquetPath)}, file_row_number = true)`;
  const from = `(SELECT * EXCLUDE (file_row_number), file_row_number AS __row FROM ${file} WHERE ${ident(config.target)} IS NOT NULL)`;
  try {
    for (let fold = 1; fold <= config.crossValidation!.folds; fold++) {
      const rule = splitRule(config.split, config.task, config.seed, 0, {
        ...config.crossValidation!,
        fold,
      });
      await applySplit(engine, { table, from, rule, target: config.target, row: '__row' });
    }
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${table}`);
  }
}

export function createTrainService(deps: {
  data: DataService;
  engine: Engine;
  recorder: RunRecorder;
  artifacts: ArtifactStore;
  bus: EventBus;
  latheVersion: string;
  workerPath?: string;
}): TrainService {
  const { data, engine, recorder, artifacts, bus, latheVersion } = deps;
  const workerPath = deps.workerPath ?? defaultWorkerPath();
  const active = new Map<string, { flag: Int32Array; worker: Worker; done: Promise<RunStatus> }>();
  /** Searches and cross-validations running here, by parent run id. */
  const families = new Map<string, { family: Family; done: Promise<RunStatus> }>();
  /** Trials stopped by pruning: their cancellation ends them as pruned. */
  const pruned = new Set<string>();

  const status = (runId: string, s: RunStatus, error: string | null = null) =>
    bus.emit('run:status', { runId, status: s, error });

  const checkWorker = () => {
    if (!existsSync(workerPath)) {
      throw new LatheError(
        'INTERNAL',
        `training worker not built: ${workerPath} is missing (run npm run build)`,
      );
    }
  };

  return {
    async start(given, options = {}) {
      checkWorker();
      const version = await data.resolve(given.dataset);
      // A run lands in its dataset's project unless the config names one; the recorded config says which.
      // A name a dataset had before a rename (a clone's) is recorded as the dataset's name of now.
      const [named, ...selector] = given.dataset.split('@');
      const config: TrainConfig = {
        ...given,
        dataset:
          named === version.dataset ? given.dataset : [version.dataset, ...selector].join('@'),
        project:
          given.project ??
          (await data.list()).find((d) => d.name === version.dataset)?.project ??
          'Default',
      };
      const kind: RunKind = config.search
        ? 'tune'
        : config.crossValidation && config.crossValidation.fold === undefined
          ? 'cv'
          : 'train';
      if (kind === 'train') {
        await precheck(engine, config, version.storagePath, version.columns);
        const runId = await recorder.createRun(newRun(config, version.id, options, { kind }));
        const { done } = launch(runId, config, version, undefined, undefined, options.onEpoch);
        return { runId, done: done.then((o) => o.status) };
      }
      // A family: every child config must be trainable before the parent is recorded.
      if (kind === 'tune') {
        checkSearch(config);
        const first = trialConfig(config, {});
        await precheck(engine, first, version.storagePath, version.columns);
      } else {
        await precheck(engine, foldConfig(config, 1), version.storagePath, version.columns);
        await checkFolds(engine, config, version.storagePath);
      }
      const parentId = await recorder.createRun(newRun(config, version.id, options, { kind }));
      return runFamily(kind, parentId, config, version, options, []);
    },

    async resumeFamily(f) {
      checkWorker();
      if (families.has(f.parentId)) {
        throw new LatheError('INVALID_INPUT', `run ${f.parentId} is already running`);
      }
      const version = await data.resolve(f.dataset);
      await recorder.reopenRun(f.parentId, 2 ** 31 - 1);
      return runFamily(
        f.config.search ? 'tune' : 'cv',
        f.parentId,
        f.config,
        version,
        { gitCommit: f.gitCommit },
        f.children,
      );
    },

    async resume(run) {
      checkWorker();
      if (active.has(run.runId)) {
        throw new LatheError('INVALID_INPUT', `run ${run.runId} is already running`);
      }
      const version = await data.resolve(run.dataset);
      if (run.checkpoint === null) {
        // Killed before its first checkpoint: every metric a killed attempt logged goes (epochs count from
        // 1), and the run trains again from the start with its recorded config, dataset version and seed.
        await recorder.reopenRun(run.runId, 0);
        const { done } = launch(run.runId, run.config, version);
        bus.emit('train:phase', { runId: run.runId, phase: 'restarting' });
        return { runId: run.runId, done: done.then((o) => o.status) };
      }
      const bytes = await readCheckpoint({ ...run, checkpoint: run.checkpoint });
      const state = checkpointState(bytes);
      await recorder.reopenRun(run.runId, state.globalStep);
      const { done } = launch(run.runId, run.config, version, bytes, run.checkpoint);
      return { runId: run.runId, done: done.then((o) => o.status) };
    },

    async resumeRun(idOrPrefix) {
      const run = await recorder.get(idOrPrefix);
      return run.kind === 'cv' || run.kind === 'tune'
        ? this.resumeFamily(await familyResume(recorder, run))
        : this.resume(resumeOf(run));
    },

    async familyReport(run) {
      const a = run.artifacts.find((x) => x.path === CV_REPORT || x.path === SEARCH_REPORT);
      if (!a) return null;
      return FamilyReport.parse(JSON.parse((await artifacts.read(a.sha256)).toString('utf8')));
    },

    async runArtifact({ id, path, content }) {
      const run = await recorder.read(id);
      const artifact = run.artifacts.find((a) => a.path === path);
      if (!artifact) {
        throw new LatheError(
          'NOT_FOUND',
          `run ${run.id} has no artifact '${path}' (artifacts: ${run.artifacts.map((a) => a.path).join(', ') || 'none'})`,
          { id: run.id, path },
        );
      }
      if (!artifacts.has(artifact.sha256)) {
        throw new LatheError(
          'NOT_FOUND',
          `artifact '${path}' of run ${run.id} is missing from the artifact store`,
          { id: run.id, path },
        );
      }
      const out = {
        path,
        sha256: artifact.sha256,
        sizeBytes: artifact.sizeBytes,
        file: artifacts.pathOf(artifact.sha256),
      };
      if (!content) return out;
      if (artifact.sizeBytes > ARTIFACT_INLINE_MAX) {
        throw new LatheError(
          'INVALID_INPUT',
          `artifact '${path}' is ${artifact.sizeBytes} bytes, over the ${ARTIFACT_INLINE_MAX} a reply carries; save it with lathe runs artifact ${run.id.slice(0, 8)} ${path} --out FILE`,
          { id: run.id, path },
        );
      }
      return { ...out, contentBase64: (await artifacts.read(artifact.sha256)).toString('base64') };
    },

    async wait(runId) {
      await (families.get(runId)?.done ?? active.get(runId)?.done);
    },

    cancel(runId) {
      const family = families.get(runId);
      if (family) {
        family.family.cancel();
        return true;
      }
      const run = active.get(runId);
      if (!run) return false;
      stopWorker(run.flag);
      return true;
    },

    async shutdown() {
      const parents = [...families.values()];
      for (const f of parents) f.family.cancel();
      const runs = [...active.values()];
      for (const r of runs) stopWorker(r.flag);
      await Promise.all([...runs.map((r) => r.done), ...parents.map((f) => f.done)]);
    },
  };

  /**
   * Runs a search or cross-validation under a recorded parent: its children on workers, then the parent's
   * end with the report. `prior` holds the children of an interrupted family being resumed.
   */
  async function runFamily(
    kind: 'tune' | 'cv',
    parentId: string,
    config: TrainConfig,
    version: { id: string; storagePath: string; columns: ColumnInfo[] },
    options: StartOptions,
    prior: FamilyResume['children'],
  ): Promise<{ runId: string; done: Promise<RunStatus> }> {
    const parent = { id: parentId, name: await recorder.runName(parentId) };
    const checkpoints = new Map(prior.flatMap((c) => (c.resume ? [[c.runId, c.resume]] : [])));
    status(parentId, 'running');
    const host: FamilyHost = {
      async startChild(childConfig, meta, onEpoch) {
        const runId = await recorder.createRun(
          newRun(childConfig, version.id, options, {
            kind: meta.kind,
            parentId: meta.parentId,
            name: meta.name,
            tags: meta.tags,
          }),
        );
        return launch(runId, childConfig, version, undefined, undefined, onEpoch);
      },
      async resumeChild(runId, onEpoch) {
        const run = checkpoints.get(runId);
        if (!run) throw new LatheError('INTERNAL', `no checkpoint to resume run ${runId} from`);
        const bytes = await readCheckpoint(run);
        await recorder.reopenRun(runId, checkpointState(bytes).globalStep);
        return launch(runId, run.config, version, bytes, run.checkpoint, onEpoch);
      },
      stopChild(runId, prune) {
        if (prune) pruned.add(runId);
        const run = active.get(runId);
        if (run) stopWorker(run.flag);
      },
      emit: (event) => bus.emit('run:child', event),
      logParent: (step, values) => recorder.logMetrics(parentId, step, values),
    };
    const family =
      kind === 'tune'
        ? search(host, parent, config, prior)
        : crossValidate(host, parent, config, prior);
    const done = family.done
      .then(async (end) => {
        const report = new TextEncoder().encode(JSON.stringify(end.report, null, 2));
        const cfg = new TextEncoder().encode(JSON.stringify(config, null, 2));
        await recorder.endRun(parentId, {
          status: end.status,
          error: end.error,
          params: end.params,
          artifacts: [
            { path: kind === 'tune' ? SEARCH_REPORT : CV_REPORT, ...artifacts.put(report) },
            { path: 'train-config.json', ...artifacts.put(cfg) },
          ],
        });
        return end.status;
      })
      .catch(async (err: Error) => {
        await recorder
          .endRun(parentId, {
            status: 'failed',
            error: `${kind === 'tune' ? 'search' : 'cross-validation'} crashed: ${err.message}`,
          })
          .catch(() => {});
        return 'failed' as const;
      })
      .then((s) => {
        families.delete(parentId);
        status(parentId, s);
        return s;
      });
    families.set(parentId, { family, done });
    return { runId: parentId, done };
  }

  /** A run's checkpoint bytes, or NOT_FOUND when the artifact store lost them. */
  async function readCheckpoint(run: CheckpointResume): Promise<Uint8Array<ArrayBuffer>> {
    if (!artifacts.has(run.checkpoint)) {
      throw new LatheError(
        'NOT_FOUND',
        `the checkpoint of run ${run.runId} is missing from the artifact store`,
        { id: run.runId },
      );
    }
    return new Uint8Array(await artifacts.read(run.checkpoint));
  }

  /** The record of a run as it starts. */
  function newRun(
    config: TrainConfig,
    datasetVersionId: string,
    options: StartOptions,
    meta: Pick<NewRun, 'kind' | 'parentId' | 'name' | 'tags'>,
  ): NewRun {
    return {
      name: meta.name ?? config.name,
      experiment: config.experiment ?? config.dataset.split('@')[0]!,
      project: config.project ?? 'Default',
      config,
      configHash: configHash(config),
      datasetVersionId,
      latheVersion,
      system: systemInfo(),
      params: configParams(config),
      featureSpecHash: config.featureSpec ? canonicalHash(config.featureSpec) : null,
      gitCommit: options.gitCommit ?? null,
      kind: meta.kind,
      ...(meta.parentId ? { parentId: meta.parentId } : {}),
      ...(meta.tags ? { tags: meta.tags } : {}),
    };
  }

  /** Starts the worker of a recorded running run (fresh, or from a checkpoint) and records its end. */
  function launch(
    runId: string,
    config: TrainConfig,
    version: { storagePath: string; columns: ColumnInfo[] },
    resume?: Uint8Array<ArrayBuffer>,
    resumedFrom?: string,
    onEpoch?: EpochJudge,
  ): { runId: string; done: Promise<ChildOutcome> } {
    {
      // The run's current checkpoint blob: each new one supersedes it, and a finished run drops it.
      let lastCheckpoint = resumedFrom ?? null;
      const prune = async (sha256: string) => {
        if (await recorder.unreferenced(sha256)) artifacts.remove(sha256);
      };
      status(runId, 'running');
      const flag = new Int32Array(new SharedArrayBuffer(8));
      // stdout is piped so nothing a library prints can corrupt `--json` output.
      const worker = new Worker(workerPath, { stdout: true, stderr: true });
      worker.stdout.on('data', (chunk: Buffer) => process.stderr.write(chunk));
      worker.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));

      const done = new Promise<ChildOutcome>((resolveDone) => {
        let settled = false;
        const cancelRequested = () => Atomics.load(flag, 0) === 1 && !pruned.has(runId);
        const CANCELLED_END = { status: 'cancelled', error: `run ${runId} was cancelled` } as const;
        let backend: string | null = null;
        /** The latest metrics: each epoch's, then the final ones. */
        let latest: Record<string, number> = {};
        const pending: Promise<unknown>[] = [];
        let waitingCheckpoint: Uint8Array | null = null;
        let storingCheckpoint: Promise<void> | null = null;
        /** Stores the waiting checkpoint (and any that arrives meanwhile), each replacing the last. */
        const storeCheckpoints = async () => {
          while (waitingCheckpoint) {
            const bytes = waitingCheckpoint;
            waitingCheckpoint = null;
            const blob = artifacts.put(bytes);
            const previous = lastCheckpoint;
            lastCheckpoint = blob.sha256;
            await recorder.saveCheckpoint(runId, { path: CHECKPOINT_PATH, ...blob });
            if (previous && previous !== blob.sha256) await prune(previous);
          }
        };
        const finish = async (end: Parameters<RunRecorder['endRun']>[1]) => {
          if (settled) return;
          settled = true;
          await Promise.allSettled(pending);
          // Cancel also works while the run is being recorded: it ends cancelled, not finished.
          if (end.status === 'finished' && cancelRequested()) end = CANCELLED_END;
          // A trial stopped by pruning ends as pruned, not cancelled.
          if (pruned.delete(runId) && end.status === 'cancelled')
            end = { ...end, status: 'pruned', error: null };
          await recorder.endRun(runId, { backend, ...end }).catch((err: Error) => {
            console.error(
              `[TrainService] could not record the end of run ${runId}: ${err.message}`,
            );
          });
          if ((end.status === 'finished' || end.status === 'pruned') && lastCheckpoint)
            await prune(lastCheckpoint).catch(() => {});
          active.delete(runId);
          status(runId, end.status, end.error ?? null);
          void worker.terminate();
          resolveDone({ status: end.status, metrics: latest, error: end.error ?? null });
        };
        worker.on('message', (raw: unknown) => {
          const parsed = WorkerMessage.safeParse(raw);
          if (!parsed.success) {
            void finish({
              status: 'failed',
              error: `worker sent an invalid message: ${parsed.error.message}`,
            });
            return;
          }
          const msg = parsed.data;
          if (msg.type === 'backend') {
            backend = msg.backend;
            pending.push(recorder.setBackend(runId, msg.backend));
          } else if (msg.type === 'phase') {
            bus.emit('train:phase', { runId, phase: msg.phase });
          } else if (msg.type === 'epoch') {
            latest = { loss: msg.loss, val_loss: msg.valLoss, ...msg.metrics };
            if (onEpoch) {
              try {
                onEpoch(msg.epoch, latest);
              } finally {
                // The worker waits for this verdict before its next epoch (awaitVerdict below).
                Atomics.store(flag, 1, msg.epoch);
                Atomics.notify(flag, 1);
              }
            }
            pending.push(
              recorder.logMetrics(runId, msg.epoch, {
                loss: msg.loss,
                val_loss: msg.valLoss,
                ...msg.metrics,
              }),
            );
            const perEpoch = msg.elapsedMs / msg.epoch;
            bus.emit('train:progress', {
              runId,
              epoch: msg.epoch,
              epochs: msg.epochs,
              fraction: msg.epoch / msg.epochs,
              etaMs: Math.max(0, perEpoch * (msg.epochs - msg.epoch)),
              elapsedMs: msg.elapsedMs,
              loss: msg.loss,
              valLoss: msg.valLoss,
              metrics: msg.metrics,
            });
          } else if (msg.type === 'checkpoint') {
            // Only the newest checkpoint matters: one arriving while another is being stored waits,
            // and replaces any still waiting (when epochs outrun the disk, the stored checkpoint lags by
            // one store, and superseded ones are never written).
            waitingCheckpoint = msg.bytes;
            if (!storingCheckpoint) {
              storingCheckpoint = storeCheckpoints()
                .catch((err: Error) =>
                  console.error(
                    `[TrainService] could not store a checkpoint of run ${runId}: ${err.message}`,
                  ),
                )
                .finally(() => (storingCheckpoint = null));
              pending.push(storingCheckpoint);
            }
          } else if (msg.type === 'done') {
            // Cancelled after the worker's last check: the run ends cancelled, its checkpoint kept.
            if (cancelRequested()) {
              void finish(CANCELLED_END);
              return;
            }
            bus.emit('train:phase', { runId, phase: 'recording' });
            latest = { ...latest, ...msg.metrics };
            // Early stopping restored an earlier epoch: its metrics become the run's latest.
            if (msg.finalStep !== undefined)
              pending.push(recorder.logMetrics(runId, msg.finalStep, msg.metrics));
            const stored = msg.artifacts.map((a) => ({ path: a.path, ...artifacts.put(a.bytes) }));
            const cfg = new TextEncoder().encode(JSON.stringify(config, null, 2));
            stored.push({ path: 'train-config.json', ...artifacts.put(cfg) });
            const params = {
              ...msg.params,
              'rows.train': String(msg.rows.train),
              'rows.validation': String(msg.rows.validation),
              'rows.test': String(msg.rows.test),
              'rows.droppedNullTarget': String(msg.rows.droppedNullTarget),
            };
            void finish({
              status: 'finished',
              backend: msg.backend,
              params,
              artifacts: stored,
              warnings: msg.warnings,
            });
          } else {
            void finish({
              status: msg.code === 'CANCELLED' ? 'cancelled' : 'failed',
              error: msg.message,
            });
          }
        });
        worker.on(
          'error',
          (err) => void finish({ status: 'failed', error: `training crashed: ${err.message}` }),
        );
        worker.on(
          'exit',
          (code) =>
            void finish({
              status: 'failed',
              error: `training worker exited (code ${code}) before finishing`,
            }),
        );
      });
      active.set(runId, { flag, worker, done: done.then((o) => o.status) });
      const start: WorkerStart = {
        type: 'start',
        job: {
          runId,
          config,
          parquetPath: version.storagePath,
          columns: version.columns,
          latheVersion,
          ...(resume ? { resume } : {}),
        },
        cancelFlag: flag.buffer,
        // A family judges each epoch of its children (pruning): the child waits for that verdict.
        awaitVerdict: onEpoch !== undefined,
      };
      worker.postMessage(start);
      return { runId, done };
    }
  }
}

/** Asks a run's worker to stop, waking it if it waits for an epoch's verdict. */
function stopWorker(flag: Int32Array): void {
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 1);
}
