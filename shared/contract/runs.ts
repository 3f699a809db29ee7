import { z } from 'zod';
import { IsoTime, hasControlCharacter } from './common';
import { TrainConfig, Task } from '../config/train-config';

export const RunStatus = z.enum([
  'queued',
  'running',
  'finished',
  'failed',
  'cancelled',
  'interrupted',
  /** A search trial stopped early by median pruning: its metrics stay, as far as it went. */
  'pruned',
]);
export type RunStatus = z.infer<typeof RunStatus>;

/**
 * What a run is: a plain training, a cross-validation (parent) and its folds (children), a
 * hyperparameter search (parent) and its trials (children), or a run logged through MLflow's REST API
 * (`mlflow`: no dataset, task, model or train config of Lathe's; its params, metrics, tags and artifacts are
 * whatever the notebook logged).
 */
export const RunKind = z.enum(['train', 'cv', 'fold', 'tune', 'trial', 'mlflow']);
export type RunKind = z.infer<typeof RunKind>;

export const MetricPoint = z.object({
  key: z.string(),
  step: z.number().int(),
  value: z.number(),
  timestamp: z.number(),
});
export type MetricPoint = z.infer<typeof MetricPoint>;

export const Artifact = z.object({
  path: z.string(),
  sha256: z.string(),
  sizeBytes: z.number().int(),
  createdAt: IsoTime,
});
export type Artifact = z.infer<typeof Artifact>;

/** What a run was made from: enough to reproduce it. */
export const Lineage = z.object({
  dataset: z.string(),
  datasetVersion: z.number().int(),
  datasetVersionId: z.string(),
  datasetHash: z.string(),
  configHash: z.string(),
  seed: z.number().int(),
  backend: z.string().nullable(),
  latheVersion: z.string(),
  /** Hash of the fitted-before feature spec the run used; null when it used the default spec. */
  featureSpecHash: z.string().nullable().optional(),
  /** HEAD commit of the git repository holding the config file (`+dirty` when it has changes). */
  gitCommit: z.string().nullable().optional(),
});
export type Lineage = z.infer<typeof Lineage>;

export const RunSummary = z.object({
  id: z.string(),
  name: z.string(),
  experiment: z.string(),
  project: z.string(),
  status: RunStatus,
  /** null for a run logged through MLflow (kind `mlflow`), which has no Lathe task, model or dataset. */
  task: Task.nullable(),
  modelType: z.string().nullable(),
  /** `name@version` of the dataset version trained on; null for an MLflow run. */
  dataset: z.string().nullable(),
  startedAt: IsoTime,
  endedAt: IsoTime.nullable(),
  durationMs: z.number().nullable(),
  backend: z.string().nullable(),
  /** Latest value of every metric. */
  metrics: z.record(z.string(), z.number()),
  params: z.record(z.string(), z.string()),
  /** When the run was soft-deleted (`runs:delete`); null or absent when it is not. */
  deletedAt: IsoTime.nullable().optional(),
  /** train unless the run is a cross-validation, a fold, a search or a trial. */
  kind: RunKind.optional(),
  /** The cross-validation or search run this fold or trial belongs to. */
  parentId: z.string().nullable().optional(),
  /** The run's tags (runs:list fills them, for searching). */
  tags: z.record(z.string(), z.string()).optional(),
});
export type RunSummary = z.infer<typeof RunSummary>;

/**
 * A run as the run page, `runs:get` and Compare read it: one Lathe trained, or one logged through MLflow's
 * REST API (kind `mlflow`), whose task, model, dataset, train config and lineage are null.
 */
export const RunDetails = RunSummary.extend({
  /** The train config; null for an MLflow run. */
  config: TrainConfig.nullable(),
  tags: z.record(z.string(), z.string()),
  /** What the run was made from; null for an MLflow run, which names no dataset version of Lathe's. */
  lineage: Lineage.nullable(),
  artifacts: z.array(Artifact),
  error: z.string().nullable(),
  /** Leakage and data warnings raised while training. */
  warnings: z.array(z.string()),
  system: z.record(z.string(), z.union([z.string(), z.number()])),
  /** Free-text notes (markdown) a user keeps on the run. */
  notes: z.string().optional(),
});
export type RunDetails = z.infer<typeof RunDetails>;

/**
 * A run Lathe trained (any kind but `mlflow`): it has a task, model, dataset, train config and lineage.
 * What training answers and what evaluation, registration, serving and retraining read
 * (TrackingStore.get gives one, or says the run was logged through MLflow).
 */
export const Run = RunDetails.extend({
  task: Task,
  modelType: z.string(),
  dataset: z.string(),
  config: TrainConfig,
  lineage: Lineage,
});
export type Run = z.infer<typeof Run>;

/** Whether a run was trained by Lathe (not logged through MLflow's REST API). */
export function isTrainedRun(run: RunDetails): run is Run {
  return (
    run.kind !== 'mlflow' &&
    run.config !== null &&
    run.lineage !== null &&
    run.task !== null &&
    run.modelType !== null &&
    run.dataset !== null
  );
}

/** The most runs one list gives: the Experiments view asks for this many (its whole list). */
export const RUNS_LIST_MAX = 100_000;

export const RunsListIn = z.object({
  experiment: z.string().optional(),
  project: z.string().optional(),
  limit: z.number().int().positive().max(RUNS_LIST_MAX).default(1000),
  /** A run query, e.g. `metrics.val_auc > 0.8 and params.model.type = 'mlp'` (main/tracking/run-query.ts). */
  filter: z.string().optional(),
  /** `FIELD [asc|desc]`: an attribute, `metrics.<key>` or `params.<key>`; newest first by default. */
  orderBy: z.string().optional(),
  /** Include soft-deleted runs. */
  deleted: z.boolean().optional(),
  /** Only the folds or trials of this cross-validation or search run (its full id). */
  parentId: z.string().min(1).optional(),
});
export type RunsListIn = z.input<typeof RunsListIn>;

/** Base64 text: whole groups of four, `=` padding only at the end (checked cheaply: columns run long). */
const Base64 = z
  .string()
  .refine((s) => s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s), 'not base64');
/** The bytes a Base64 string holds. */
const base64Bytes = (s: string) =>
  (s.length / 4) * 3 - (s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0);

/**
 * A column of numbers, one per run, as the base64 of their IEEE 754 doubles, little-endian, 8 bytes each
 * (a Float64Array's bytes on every machine Lathe runs on): about half the size of the numbers as decimal
 * text, and decoded with no parsing. NaN marks a run with no value; a value sent is always finite.
 */
export const Float64Column = Base64;

/**
 * Indexes into RunColumns.strings, one per run, as the base64 of little-endian 32-bit integers (an
 * Int32Array's bytes): -1 where the run has no value.
 */
export const Int32Column = Base64;

/** RunColumns' string-ref fields (Int32Column). */
export const REF_FIELDS = [
  'experiment',
  'project',
  'status',
  'task',
  'modelType',
  'dataset',
  'backend',
  'kind',
  'parentId',
] as const;
/** RunColumns' time fields (Float64Column). */
export const TIME_FIELDS = ['startedAt', 'endedAt', 'deletedAt'] as const;

/**
 * runs:listColumns' answer: the runs runs:list gives, in its order, one column per field instead of one
 * object per run (10,000 runs × 20 metrics is a third of runs:list's JSON, parsed with no object per run).
 * Numbers and string refs travel as typed arrays' bytes (no number is parsed as text). Text that repeats
 * (statuses, experiments, param values) is sent once in `strings` and referenced by index; a metric's or
 * param's column has an entry for every run (NaN or -1 where the run lacks it).
 */
export const RunColumns = z
  .object({
    count: z.number().int().nonnegative(),
    /** Every distinct text value the columns below reference, each once. */
    strings: z.array(z.string()),
    ids: z.array(z.string()),
    names: z.array(z.string()),
    experiment: Int32Column,
    project: Int32Column,
    /** A RunStatus per run. */
    status: Int32Column,
    task: Int32Column,
    modelType: Int32Column,
    /** `name@version`; -1 for a run logged through MLflow. */
    dataset: Int32Column,
    backend: Int32Column,
    /** A RunKind per run (-1: train). */
    kind: Int32Column,
    parentId: Int32Column,
    /** Milliseconds since the epoch. */
    startedAt: Float64Column,
    /** Milliseconds since the epoch; NaN for a run not ended. */
    endedAt: Float64Column,
    /** Milliseconds since the epoch; NaN for a run not deleted. */
    deletedAt: Float64Column,
    /**
     * Each metric key (sorted) and its latest finite value per run (NaN where the run has none: a NaN or
     * ±Infinity logged through MLflow is left out, as runs:list does).
     */
    metrics: z.array(z.object({ key: z.string(), values: Float64Column })),
    /** Each param key (sorted): its value per run as an index into `strings`. */
    params: z.array(z.object({ key: z.string(), values: Int32Column })),
    /** Each tag key (sorted), like params (what the table's search looks at). */
    tags: z.array(z.object({ key: z.string(), values: Int32Column })),
  })
  .superRefine((c, ctx) => {
    const sized = (path: (string | number)[], s: string, width: number) => {
      if (base64Bytes(s) !== c.count * width)
        ctx.addIssue({
          code: 'custom',
          path,
          message: `${base64Bytes(s)} bytes for ${c.count} runs (${width} per run)`,
        });
    };
    for (const name of ['ids', 'names'] as const)
      if (c[name].length !== c.count)
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `${c[name].length} for ${c.count} runs`,
        });
    for (const name of REF_FIELDS) sized([name], c[name], 4);
    for (const name of TIME_FIELDS) sized([name], c[name], 8);
    c.metrics.forEach((m, i) => sized(['metrics', i, 'values'], m.values, 8));
    c.params.forEach((m, i) => sized(['params', i, 'values'], m.values, 4));
    c.tags.forEach((m, i) => sized(['tags', i, 'values'], m.values, 4));
  });
export type RunColumns = z.infer<typeof RunColumns>;

export const RunIdsIn = z.object({
  ids: z.array(z.string().min(1)).min(1, 'at least one run id is required'),
});
export type RunIdsIn = z.input<typeof RunIdsIn>;
export const RunsDeleteOut = z.object({ deleted: z.number().int().nonnegative() });
export const RunsRestoreOut = z.object({ restored: z.number().int().nonnegative() });

/**
 * What `workspace:gc` removed: purged soft-deleted runs, artifact files nothing references, dataset and
 * capture files nothing names that a killed import or batch left behind, and the serving packages (a
 * cache) of model versions that no longer exist.
 */
export const GcOut = z.object({
  runsPurged: z.number().int().nonnegative(),
  artifactsRemoved: z.number().int().nonnegative(),
  /** Workspace-relative paths of the unreferenced dataset and capture files and package folders removed. */
  orphanFilesRemoved: z.array(z.string()),
  bytesFreed: z.number().int().nonnegative(),
});
export type GcOut = z.infer<typeof GcOut>;

export const RunIdIn = z.object({ id: z.string().min(1, 'a run id is required') });

export const RunMetricsIn = z.object({
  id: z.string().min(1),
  key: z.string().optional(),
  /**
   * The most points returned per key: a key with more is downsampled (largest-triangle-three-buckets
   * plus each bucket's min and max, first and last kept; main/tracking/downsample.ts). Default 2,000.
   */
  maxPoints: z.number().int().min(5).max(1_000_000).optional(),
});
export const RunMetricsOut = z.object({
  id: z.string(),
  points: z.array(MetricPoint),
  /** Per key: whether its points were downsampled, and how many it has in all. */
  series: z.record(
    z.string(),
    z.object({ downsampled: z.boolean(), totalPoints: z.number().int().nonnegative() }),
  ),
});

/** One artifact of a run (runs:artifact), by the path the run lists it under. */
export const RunArtifactIn = z.object({
  id: z.string().min(1, 'a run id is required'),
  path: z.string().min(1, 'an artifact path is required'),
  /** Return the bytes too, base64 (the desktop window saves them; a browser streams /api/artifacts). */
  content: z.boolean().optional(),
});
export type RunArtifactIn = z.input<typeof RunArtifactIn>;
export const RunArtifactOut = z.object({
  path: z.string(),
  sha256: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  /** Where the blob is on this machine (the artifact store). */
  file: z.string(),
  contentBase64: z.string().optional(),
});
export type RunArtifactOut = z.infer<typeof RunArtifactOut>;

/** The largest artifact runs:artifact returns inline; a bigger one is read from `file` or the host route. */
export const ARTIFACT_INLINE_MAX = 256 * 1024 * 1024;

export const TrainStartIn = z.object({
  config: TrainConfig,
  /**
   * HEAD of the git repository holding the config file, `+dirty` when it has uncommitted changes (the CLI
   * reads it); recorded in the run's lineage.
   */
  gitCommit: z
    .string()
    .regex(/^[0-9a-f]{7,64}(\+dirty)?$/, 'a git commit hash, optionally with +dirty')
    .optional(),
});
export type TrainStartIn = z.input<typeof TrainStartIn>;
export const TrainStartOut = z.object({ runId: z.string() });

export const TrainWaitOut = Run;

export const TrainCancelOut = z.object({ runId: z.string(), cancelled: z.boolean() });

/** One epoch finished. */
export const TrainProgress = z.object({
  runId: z.string(),
  epoch: z.number().int(),
  epochs: z.number().int(),
  fraction: z.number().min(0).max(1),
  etaMs: z.number().nonnegative(),
  elapsedMs: z.number().nonnegative(),
  loss: z.number(),
  valLoss: z.number(),
  /** Every validation metric computed this epoch, e.g. val_accuracy, val_auc. */
  metrics: z.record(z.string(), z.number()),
});
export type TrainProgress = z.infer<typeof TrainProgress>;

/**
 * What a running training is doing: restarting (an interrupted run resumed with no checkpoint starts over
 * from its first epoch), reading and splitting the data, fitting epochs, measuring permutation importance,
 * writing its model files, recording the run. Cancel works in every one.
 */
export const TrainPhase = z.enum([
  'restarting',
  'preparing',
  'training',
  'importance',
  'saving',
  'recording',
]);
export type TrainPhase = z.infer<typeof TrainPhase>;

/** What resuming an interrupted run that stopped before its first checkpoint was stored does. */
export const RESTART_NOTE = 'no checkpoint: restarting from the first epoch';

const PHASE_LABELS: Record<TrainPhase, string> = {
  restarting: RESTART_NOTE,
  preparing: 'Preparing data…',
  training: 'Training…',
  importance: 'Measuring permutation importance…',
  saving: 'Saving the model…',
  recording: 'Recording the run…',
};

/** What every face says while a run is in a phase (the app's progress bar, the CLI's stderr). */
export function trainPhaseLabel(phase: TrainPhase): string {
  return PHASE_LABELS[phase];
}

/** A training entered a phase (`train:phase`). */
export const TrainPhaseEvent = z.object({ runId: z.string(), phase: TrainPhase });
export type TrainPhaseEvent = z.infer<typeof TrainPhaseEvent>;

export const RunStatusEvent = z.object({
  runId: z.string(),
  status: RunStatus,
  error: z.string().nullable(),
});
export type RunStatusEvent = z.infer<typeof RunStatusEvent>;

export const RunsCompareIn = z.object({
  ids: z.array(z.string().min(1)).min(2, 'compare needs at least two run ids').max(500),
});
export type RunsCompareIn = z.input<typeof RunsCompareIn>;

/** Runs side by side: every param and final metric across them, differences and the best value marked. */
export const RunsCompareOut = z.object({
  runs: z.array(RunDetails),
  params: z.array(
    z.object({ key: z.string(), values: z.array(z.string().nullable()), differs: z.boolean() }),
  ),
  metrics: z.array(
    z.object({
      key: z.string(),
      values: z.array(z.number().nullable()),
      /** Index of the best run for this metric (lowest loss/error, highest score); null when unknown. */
      best: z.number().int().nullable(),
    }),
  ),
});
export type RunsCompareOut = z.infer<typeof RunsCompareOut>;

/** Tag keys: non-empty, at most 250 characters, no control characters. */
export const TAG_KEY_MAX = 250;

/** Why a tag key is refused, or null when it is fine. */
export function tagKeyProblem(key: string): string | null {
  if (key.length === 0) return 'a tag key cannot be empty';
  if (key.length > TAG_KEY_MAX)
    return `tag key '${key.slice(0, 40)}…' is ${key.length} characters; at most ${TAG_KEY_MAX} are allowed`;
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u001f\u007f-\u009f]/.exec(key);
  if (control)
    return `tag key ${JSON.stringify(key)} contains a control character (U+${control[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()})`;
  return null;
}

/** Edits a run's name, notes and tags in one transaction (runs:update). */
export const RunsUpdateIn = z.object({
  id: z.string().min(1, 'a run id is required'),
  name: z
    .string()
    .trim()
    .min(1, 'a run name cannot be empty')
    .max(250, 'a run name has at most 250 characters')
    .refine(
      (s) => !hasControlCharacter(s),
      'a run name must not contain control characters (NUL, line breaks, escapes)',
    )
    .optional(),
  /** Replaces the notes (markdown); '' clears them. */
  notes: z.string().max(1_000_000, 'notes have at most 1,000,000 characters').optional(),
  tags: z
    .object({
      /** Tags to add or overwrite. */
      set: z.record(z.string(), z.string()).optional(),
      /** Keys to remove (a key both set and deleted is refused). */
      delete: z.array(z.string()).optional(),
    })
    .optional(),
});
export type RunsUpdateIn = z.input<typeof RunsUpdateIn>;

export const RunsMetricsManyIn = z.object({
  /** Runs by id or unique id prefix; one series per (run, key) comes back. */
  ids: z
    .array(z.string().min(1, 'a run id is required'))
    .min(2, 'metricsMany needs at least two run ids')
    .max(500, 'metricsMany takes at most 500 run ids'),
  /** Only these metric keys; every key when absent. */
  keys: z.array(z.string().min(1, 'a metric key is required')).min(1).max(100).optional(),
  /** The most points per series; a longer one is downsampled like runs:metrics. Default 2,000. */
  maxPoints: z.number().int().min(5).max(100_000).optional(),
});
export type RunsMetricsManyIn = z.input<typeof RunsMetricsManyIn>;

/** One metric history of one run, downsampled to at most `maxPoints`. */
export const MetricSeries = z.object({
  runId: z.string(),
  key: z.string(),
  points: z.array(z.object({ step: z.number().int(), value: z.number(), timestamp: z.number() })),
  downsampled: z.boolean(),
  totalPoints: z.number().int().nonnegative(),
});
export type MetricSeries = z.infer<typeof MetricSeries>;

/** Series in the order of the requested runs, keys sorted within a run. */
export const RunsMetricsManyOut = z.object({ series: z.array(MetricSeries) });
export type RunsMetricsManyOut = z.infer<typeof RunsMetricsManyOut>;

/**
 * One series of runs:metricsManyColumns: MetricSeries' points as three arrays of the same length, index i
 * of each being point i (steps, values and timestamps exactly as runs:metricsMany sends them).
 */
export const MetricSeriesColumns = z
  .object({
    runId: z.string(),
    key: z.string(),
    steps: z.array(z.number().int()),
    values: z.array(z.number()),
    timestamps: z.array(z.number()),
    downsampled: z.boolean(),
    totalPoints: z.number().int().nonnegative(),
  })
  .refine((s) => s.values.length === s.steps.length && s.timestamps.length === s.steps.length, {
    message: 'steps, values and timestamps must have the same length',
  });
export type MetricSeriesColumns = z.infer<typeof MetricSeriesColumns>;

/**
 * runs:metricsManyColumns' answer: the series of runs:metricsMany, in its order, by column (no object per
 * point: about half the JSON, parsed into arrays of numbers).
 */
export const RunsMetricsManyColumnsOut = z.object({ series: z.array(MetricSeriesColumns) });
export type RunsMetricsManyColumnsOut = z.infer<typeof RunsMetricsManyColumnsOut>;

/** A fold of a cross-validation or a trial of a search changed: started, ended or was pruned. */
export const RunChildEvent = z.object({
  parentId: z.string(),
  runId: z.string(),
  kind: z.enum(['fold', 'trial']),
  /** 1-based fold or trial number, of `total`. */
  index: z.number().int().positive(),
  total: z.number().int().positive(),
  status: RunStatus,
  /** The values a search set in this trial (empty for a fold). */
  assignment: z.record(z.string(), z.json()),
  /** Final metrics once it ended (as far as it went when pruned). */
  metrics: z.record(z.string(), z.number()),
  /** The objective: the search metric, or the cross-validation's first validation metric. */
  metric: z.string(),
  value: z.number().nullable(),
  /** The best trial so far (searches). */
  best: z.object({ index: z.number().int(), runId: z.string(), value: z.number() }).nullable(),
  error: z.string().nullable(),
});
export type RunChildEvent = z.infer<typeof RunChildEvent>;

/** One trial or fold in a search or cross-validation report (the parent's report artifact). */
export const ChildSummary = RunChildEvent.omit({ parentId: true, total: true, best: true });
export type ChildSummary = z.infer<typeof ChildSummary>;

/**
 * What a cross-validation or a search found: stored as the parent run's `cv-report.json` or
 * `search-report.json` artifact and returned by `train:run` / `tune:run` to the CLI.
 */
export const FamilyReport = z.object({
  kind: z.enum(['cv', 'tune']),
  metric: z.string(),
  mode: z.enum(['min', 'max']),
  children: z.array(ChildSummary),
  /** cv: mean and population std over the folds, per metric. */
  summary: z.record(z.string(), z.object({ mean: z.number(), std: z.number() })),
  /** tune: the best finished trial. */
  best: ChildSummary.nullable(),
});
export type FamilyReport = z.infer<typeof FamilyReport>;

/** A finished search: the parent run and its report. */
export const TuneOut = z.object({ run: Run, report: FamilyReport.nullable() });
export type TuneOut = z.infer<typeof TuneOut>;

/** The report of a search or cross-validation parent run (null for any other run). */
export const RunReportOut = z.object({ report: FamilyReport.nullable() });
