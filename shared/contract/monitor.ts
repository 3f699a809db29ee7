// Monitoring channels: captured predictions, reference sketches, drift, late labels and performance,
// service health, alerts, and the retraining loop (champion/challenger, rollback).
import { z } from 'zod';
import { AlertRule, AlertRules } from '../config/alert-rules';
import { ModelRef } from './registry';

/** A model name (no version or alias). */
const ModelName = z.string().min(1, 'a model name is required');

/** How captured rows are cut into windows: by time, or every N rows. */
export const WindowSpec = z.union([z.enum(['hour', 'day', 'week']), z.number().int().positive()]);
export type WindowSpec = z.infer<typeof WindowSpec>;

/** A time range of captured rows (ISO timestamps, `from` inclusive, `to` exclusive); absent: unbounded. */
export const TimeRange = z.object({ from: z.string().optional(), to: z.string().optional() });

/** Rows by position (0-based), `from` inclusive, `to` exclusive. */
export const RowRange = z
  .object({ from: z.number().int().nonnegative(), to: z.number().int().positive() })
  .refine((r) => r.to > r.from, {
    message: 'rows: `to` must be greater than `from`',
    path: ['to'],
  });

// ---------------------------------------------------------------------------------------------------
// Capture (serve, batch jobs, Docker log segments)
// ---------------------------------------------------------------------------------------------------

/** Where captured rows came from. */
export const CaptureSourceKind = z.enum(['serve', 'batch', 'segment']);

/** One source of captured rows of a version: a server's session, a batch job, an ingested segment. */
export const CaptureSource = z.object({
  id: z.string(),
  kind: CaptureSourceKind,
  model: z.string(),
  version: z.number().int().positive(),
  /** First and last captured row (ISO). */
  from: z.string().nullable(),
  to: z.string().nullable(),
  rows: z.number().int().nonnegative(),
  /** Share of rows captured (batch `--capture RATE`; 1 for all). */
  rate: z.number().min(0).max(1),
  /** The batch input file, the segment file, or the server's URL. */
  detail: z.string(),
});
export type CaptureSource = z.infer<typeof CaptureSource>;

export const MonitorModelIn = z.object({ model: ModelName });

/** What is captured for a model: per version, its sources and row counts. */
export const CapturesOut = z.object({
  model: z.string(),
  versions: z.array(
    z.object({
      version: z.number().int().positive(),
      aliases: z.array(z.string()),
      rows: z.number().int().nonnegative(),
      from: z.string().nullable(),
      to: z.string().nullable(),
      hasReference: z.boolean(),
    }),
  ),
  sources: z.array(CaptureSource),
});
export type CapturesOut = z.infer<typeof CapturesOut>;

export const IngestIn = z.object({
  /** A folder of segment files written by an exported Docker server (or one segment file). */
  dir: z.string().min(1, 'a folder is required'),
});
export const IngestOut = z.object({
  segments: z.array(
    z.object({
      file: z.string(),
      sha256: z.string(),
      status: z.enum(['ingested', 'already', 'skipped']),
      rows: z.number().int().nonnegative(),
      model: z.string().nullable(),
      version: z.number().int().nullable(),
      /** Why a segment was skipped (unknown model version, unreadable file…). */
      reason: z.string().optional(),
      /** Captured records, or service health rows (`NAME.health.ndjson`, into serve_health). */
      kind: z.enum(['records', 'health']).optional(),
    }),
  ),
  /** Captured records newly ingested (health rows not counted). */
  rows: z.number().int().nonnegative(),
});
export type IngestOut = z.infer<typeof IngestOut>;

/** Service health per window: volume, latency and error rates of a served model. */
export const HealthIn = z.object({
  ref: ModelRef,
  window: WindowSpec.default('hour'),
  range: TimeRange.optional(),
});
export type HealthIn = z.input<typeof HealthIn>;
export const HealthWindow = z.object({
  start: z.string(),
  end: z.string(),
  version: z.number().int().positive(),
  requests: z.number().int().nonnegative(),
  rows: z.number().int().nonnegative(),
  errors4xx: z.number().int().nonnegative(),
  errors5xx: z.number().int().nonnegative(),
  errorRate: z.number().min(0).max(1),
  latencyMs: z.object({ p50: z.number(), p95: z.number(), p99: z.number() }).nullable(),
});
export const HealthOut = z.object({ model: z.string(), windows: z.array(HealthWindow) });
export type HealthOut = z.infer<typeof HealthOut>;

// ---------------------------------------------------------------------------------------------------
// Reference and drift
// ---------------------------------------------------------------------------------------------------

export const DriftMethod = z.enum([
  'ks',
  'chisquare',
  'ztest',
  'wasserstein',
  'jensenshannon',
  'psi',
  'kl',
  'hellinger',
]);
export type DriftMethod = z.infer<typeof DriftMethod>;

/** A distribution as the view draws it: numeric bins (edges has counts.length + 1) or categories. */
export const Distribution = z.union([
  z.object({ kind: z.literal('numeric'), edges: z.array(z.number()), counts: z.array(z.number()) }),
  z.object({
    kind: z.literal('categorical'),
    categories: z.array(z.string()),
    counts: z.array(z.number()),
  }),
]);
export type Distribution = z.infer<typeof Distribution>;

/** The stored reference of one input (or the prediction), as a summary: never the raw values. */
export const ReferenceFeature = z.object({
  feature: z.string(),
  kind: z.enum(['numeric', 'categorical']),
  rows: z.number().int().nonnegative(),
  nullRate: z.number().min(0).max(1),
  /** Whether the reference keeps every value (≤ 1,000 rows): exact tests run. */
  exact: z.boolean(),
  distinct: z.number().int().nonnegative(),
  distribution: Distribution,
});
export type ReferenceFeature = z.infer<typeof ReferenceFeature>;

export const ReferenceIn = z.object({
  ref: ModelRef,
  /** Set (or replace) the reference from this dataset version (`NAME[@v]`): every row. */
  data: z.string().min(1).optional(),
});
export const ReferenceOut = z.object({
  model: z.string(),
  version: z.number().int().positive(),
  /** Where it was taken from: the run's training split, or a named dataset version. */
  source: z.object({ dataset: z.string(), split: z.enum(['train', 'all']) }),
  rows: z.number().int().nonnegative(),
  createdAt: z.string(),
  features: z.array(ReferenceFeature),
  /** The prediction's distribution on the validation rows; null when none was recorded. */
  prediction: ReferenceFeature.nullable(),
});
export type ReferenceOut = z.infer<typeof ReferenceOut>;

export const DriftIn = z.object({
  /** The model version whose reference is the baseline: `NAME@v`, `NAME@alias` or `NAME`. */
  ref: ModelRef,
  /** Current data: a dataset version (`NAME[@v]`). Absent: the version's captured predictions. */
  data: z.string().min(1).optional(),
  /** Current data: one batch job's captured rows (its id). */
  batch: z.string().min(1).optional(),
  range: TimeRange.optional(),
  /**
   * Captured rows by position in the order they were captured (after `batch` and `range`), `from`
   * inclusive, `to` exclusive: the rows of a window of N rows (window k is k·N to (k+1)·N). A window's
   * times do not say which rows it holds: a batch job's rows share one time.
   */
  rows: RowRange.optional(),
  /** Cut the captured rows into windows (a drift result per window besides the whole). */
  window: WindowSpec.optional(),
  /** Method per column, overriding the defaults. */
  methods: z.record(z.string(), DriftMethod).optional(),
  /** Threshold per column (or '*' for all), overriding the method's default. */
  thresholds: z.record(z.string(), z.number().positive()).optional(),
  /** Share of drifted features that makes dataset drift (default 0.5). */
  shareThreshold: z.number().gt(0).max(1).optional(),
});
export type DriftIn = z.input<typeof DriftIn>;

export const FeatureDrift = z.object({
  feature: z.string(),
  kind: z.enum(['numeric', 'categorical']),
  method: DriftMethod,
  /** The test statistic or distance. */
  statistic: z.number(),
  /** p-value of a statistical test (ks, chisquare, ztest). */
  pValue: z.number().optional(),
  threshold: z.number(),
  drifted: z.boolean(),
  /** PSI between its warn (0.1) and drift (0.25) levels. */
  warn: z.boolean().optional(),
  currentRows: z.number().int().nonnegative(),
  currentNullRate: z.number().min(0).max(1),
  reference: Distribution,
  current: Distribution,
});
export type FeatureDrift = z.infer<typeof FeatureDrift>;

export const DriftWindow = z.object({
  start: z.string(),
  end: z.string(),
  rows: z.number().int().nonnegative(),
  /**
   * A window of N rows: the position of its first row in capture order (its rows are `firstRow` to
   * `firstRow + rows`, what DriftIn.rows reads). Its times do not set it apart: a batch job's rows share
   * one time.
   */
  firstRow: z.number().int().nonnegative().optional(),
  datasetDrift: z.boolean(),
  driftShare: z.number().min(0).max(1),
  features: z.array(
    FeatureDrift.pick({ feature: true, statistic: true, drifted: true }).extend({
      pValue: z.number().optional(),
    }),
  ),
  /** The prediction's drift in this window and its distribution (for the prediction over time). */
  prediction: z
    .object({
      statistic: z.number(),
      pValue: z.number().optional(),
      drifted: z.boolean(),
      current: Distribution,
    })
    .optional(),
});
export type DriftWindow = z.infer<typeof DriftWindow>;

export const DriftOut = z.object({
  model: z.string(),
  version: z.number().int().positive(),
  reference: z.object({ rows: z.number().int().nonnegative(), exact: z.boolean() }),
  current: z.object({
    kind: z.enum(['dataset', 'captured', 'batch']),
    /** The dataset version, batch id or time range read. */
    source: z.string(),
    rows: z.number().int().nonnegative(),
  }),
  datasetDrift: z.boolean(),
  driftShare: z.number().min(0).max(1),
  shareThreshold: z.number(),
  features: z.array(FeatureDrift),
  prediction: FeatureDrift.nullable(),
  windows: z.array(DriftWindow),
  durationMs: z.number().nonnegative(),
});
export type DriftOut = z.infer<typeof DriftOut>;

/** The drift result as a standalone HTML page (offline, no raw rows). */
export const DriftHtmlOut = z.object({ html: z.string() });

// ---------------------------------------------------------------------------------------------------
// Late labels and performance
// ---------------------------------------------------------------------------------------------------

export const ActualsIn = z
  .object({
    model: ModelName,
    /** A file of labels (.csv, .parquet, .json…). */
    file: z.string().min(1).optional(),
    /** Or a dataset version holding them. */
    dataset: z.string().min(1).optional(),
    idColumn: z.string().min(1, 'an id column is required'),
    targetColumn: z.string().min(1, 'a target column is required'),
  })
  .refine((v) => (v.file === undefined) !== (v.dataset === undefined), {
    message: 'give either a file or a dataset',
    path: ['file'],
  });
export type ActualsIn = z.input<typeof ActualsIn>;
export const ActualsOut = z.object({
  model: z.string(),
  /** Labels read, labels that matched a captured row, labels that replaced an earlier one. */
  rows: z.number().int().nonnegative(),
  matched: z.number().int().nonnegative(),
  replaced: z.number().int().nonnegative(),
  unmatched: z.number().int().nonnegative(),
});
export type ActualsOut = z.infer<typeof ActualsOut>;

export const PerformanceIn = z.object({
  ref: ModelRef,
  window: WindowSpec.default('day'),
  range: TimeRange.optional(),
});
export type PerformanceIn = z.input<typeof PerformanceIn>;
export const PerformanceWindow = z.object({
  start: z.string(),
  end: z.string(),
  version: z.number().int().positive(),
  rows: z.number().int().nonnegative(),
  /** Rows with a label. */
  labelled: z.number().int().nonnegative(),
  /** Labelled rows left out of the metrics: a label that is none of the classes, or not a number. */
  unjudged: z.number().int().nonnegative().optional(),
  /** Metrics on the labelled rows (main/evaluate/metrics); empty without labels. */
  metrics: z.record(z.string(), z.number()),
  /** Confidence-based estimates (classifiers, CBPE) from every row, labelled or not. */
  estimated: z.record(z.string(), z.number()),
});
export type PerformanceWindow = z.infer<typeof PerformanceWindow>;
export const PerformanceOut = z.object({
  model: z.string(),
  task: z.enum(['binary', 'multiclass', 'regression']),
  windows: z.array(PerformanceWindow),
  /** The assumption the estimates rest on, stated beside them; null when nothing is estimated. */
  estimateAssumption: z.string().nullable(),
});
export type PerformanceOut = z.infer<typeof PerformanceOut>;

// ---------------------------------------------------------------------------------------------------
// Alerts
// ---------------------------------------------------------------------------------------------------

export const AlertDelivery = z.object({
  channel: z.enum(['log', 'webhook', 'desktop']),
  ok: z.boolean(),
  attempts: z.number().int().nonnegative(),
  error: z.string().optional(),
});

export const Alert = z.object({
  id: z.string(),
  at: z.string(),
  rule: z.string(),
  model: z.string(),
  version: z.number().int().nullable(),
  signal: z.string(),
  severity: z.enum(['info', 'warning', 'critical']),
  value: z.number().nullable(),
  threshold: z.number(),
  message: z.string(),
  deliveries: z.array(AlertDelivery),
  acknowledgedAt: z.string().nullable(),
  acknowledgedBy: z.string().nullable(),
  note: z.string().nullable(),
});
export type Alert = z.infer<typeof Alert>;

export const RulesOut = z.object({ rules: AlertRules, updatedAt: z.string().nullable() });
export const RulesSetIn = z.object({ rules: AlertRules });

export const CheckIn = z.object({
  /** Rules to check (a file's); absent: the workspace's rules. */
  rules: AlertRules.optional(),
  /** Check only these rules by name. */
  only: z.array(z.string()).optional(),
});
export const RuleResult = z.object({
  rule: z.string(),
  model: z.string(),
  signal: z.string(),
  value: z.number().nullable(),
  threshold: z.number(),
  fired: z.boolean(),
  /** Fired but within its cooldown since the alert last logged: reported here, not logged or delivered again. */
  suppressed: z.boolean(),
  message: z.string(),
  /** Why the rule could not be judged (unknown model or feature, no reference…); it then does not fire. */
  error: z.string().optional(),
});
export const CheckOut = z.object({
  checkedAt: z.string(),
  results: z.array(RuleResult),
  fired: z.array(Alert),
});
export type CheckOut = z.infer<typeof CheckOut>;

export const AlertsListIn = z.object({
  model: z.string().optional(),
  /** Only alerts not yet acknowledged. */
  open: z.boolean().optional(),
  limit: z.number().int().positive().max(10_000).optional(),
});
export const AlertAckIn = z.object({ id: z.string().min(1), note: z.string().optional() });

// ---------------------------------------------------------------------------------------------------
// Retraining and rollback
// ---------------------------------------------------------------------------------------------------

export const RetrainIn = z.object({
  model: ModelName,
  /** New data: a dataset version (`NAME[@v]`), default the latest version of the champion's dataset. */
  data: z.string().min(1).optional(),
  /** New data from a file, imported as a new version of the champion's dataset. */
  file: z.string().min(1).optional(),
  /**
   * With `file`: import it even when its columns differ from the latest version of the champion's
   * dataset (as `data:import`'s `allowSchemaChange`). Without it such a file fails the retraining at its
   * data step, naming the difference. Refused (INVALID_INPUT) without `file`: nothing else is imported.
   * Default false.
   */
  allowSchemaChange: z.boolean().optional(),
  /** New data from captured predictions joined with their actuals. */
  captured: z.boolean().optional(),
  /** Train on the champion's rows and the new ones together. */
  combine: z.boolean().optional(),
  /** Canary the challenger in a running server of the champion for this share of traffic. */
  canaryPercent: z.number().gt(0).lt(100).optional(),
  /** Promote the challenger to champion when the gates (and canary) hold. */
  promote: z.boolean().optional(),
  trigger: z.enum(['manual', 'schedule', 'alert']).optional(),
  reason: z.string().optional(),
});
export type RetrainIn = z.input<typeof RetrainIn>;

/** A canary a retraining started: the server, since when, and whether it is promoted when it holds. */
export const RetrainCanary = z.object({
  server: z.string(),
  url: z.string(),
  percent: z.number(),
  since: z.string(),
  promote: z.boolean(),
});
export const RetrainStep = z.object({
  step: z.enum([
    'data',
    'validate',
    'train',
    'evaluate',
    'gates',
    'register',
    'canary',
    'promote',
    'judge',
  ]),
  status: z.enum(['ok', 'failed', 'skipped']),
  message: z.string(),
  /** The canary step: what retrain:judge reads. */
  canary: RetrainCanary.optional(),
});
export const Retraining = z.object({
  id: z.string(),
  model: z.string(),
  trigger: z.enum(['manual', 'schedule', 'alert']),
  reason: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  /** `canary`: its challenger serves a share of traffic until retrain:judge promotes or abandons it. */
  status: z.enum(['running', 'registered', 'canary', 'promoted', 'abandoned', 'failed']),
  championVersion: z.number().int().nullable(),
  challengerVersion: z.number().int().nullable(),
  runId: z.string().nullable(),
  dataset: z.string().nullable(),
  steps: z.array(RetrainStep),
  error: z.string().nullable(),
});
export type Retraining = z.infer<typeof Retraining>;

/** How far a running retraining has come (pushed while `retrain:run` works). */
export const RetrainProgress = z.object({
  model: z.string(),
  retrainId: z.string(),
  /** The step it is in. */
  step: RetrainStep.shape.step,
  /** Of the whole job: the training takes most of it, then the evaluation. */
  fraction: z.number().min(0).max(1),
  /** What it does now, e.g. "training: epoch 3 of 25". */
  message: z.string(),
});
export type RetrainProgress = z.infer<typeof RetrainProgress>;

/** The model whose running retraining to stop. */
export const RetrainCancelIn = z.object({ model: z.string().min(1, 'name the model') });
export const RetrainCancelOut = z.object({ model: z.string(), cancelled: z.boolean() });

export const RetrainJudgeIn = z.object({
  /** A retraining id (or 8+ leading characters), or a model name: its latest retraining in canary. */
  ref: z.string().min(1),
  /** Canary requests needed before a verdict (default 200). */
  minRequests: z.number().int().positive().optional(),
});
export const RetrainJudgeOut = z.object({
  retraining: Retraining,
  /** waiting: too few canary requests yet; held: it holds but promotion was not asked. */
  verdict: z.enum(['waiting', 'promoted', 'held', 'abandoned']),
  message: z.string(),
  /** What was compared, challenger (canary rows) against champion over the same period. */
  measured: z.object({
    canaryRequests: z.number(),
    championRequests: z.number(),
    canaryErrorRate: z.number().nullable(),
    championErrorRate: z.number().nullable(),
    canaryP99Ms: z.number().nullable(),
    championP99Ms: z.number().nullable(),
    metric: z.string().nullable(),
    canaryMetric: z.number().nullable(),
    championMetric: z.number().nullable(),
    metricSource: z.enum(['actuals', 'cbpe']).nullable(),
  }),
});
export type RetrainJudgeOut = z.infer<typeof RetrainJudgeOut>;

export const RollbackIn = z.object({
  name: ModelName,
  reason: z.string().optional(),
  /** Roll back only while `champion` is still this version (an alert's rollback names the one it judged). */
  from: z.number().int().positive().optional(),
});
export const RollbackOut = z.object({
  model: z.string(),
  from: z.number().int().positive(),
  to: z.number().int().positive(),
});

export { AlertRule, AlertRules };
