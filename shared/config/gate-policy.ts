import { z } from 'zod';

/** A metric floor or ceiling: at least `min`, at most `max` (one or both). */
const Bound = z
  .object({ min: z.number().optional(), max: z.number().optional() })
  .refine((b) => b.min !== undefined || b.max !== undefined, 'give min, max or both')
  .refine((b) => b.min === undefined || b.max === undefined || b.min <= b.max, {
    message: 'min is above max: no value meets both',
    path: ['min'],
  });

export const FairnessGateMetric = z.enum([
  'demographic_parity_difference',
  'disparate_impact_ratio',
  'equal_opportunity_difference',
  'equalized_odds_difference',
]);

/** A metric an evaluation reports, by its report name; an unknown name says which names exist. */
const GateMetricName = z
  .string()
  .min(1)
  .superRefine((metric, ctx) => {
    if (!EVALUATION_METRICS.has(metric))
      ctx.addIssue({ code: 'custom', message: unknownMetric(metric) });
  });

/**
 * A bound no value of the metric can meet (a `min` above its largest value, a `max` below its smallest),
 * as an issue on that bound: `{ metric: roc_auc, min: 2 }` would fail every evaluation.
 */
function impossibleBound(
  gate: { metric: string; min?: number | undefined; max?: number | undefined },
  ctx: z.RefinementCtx,
): void {
  const range = rangeOf(gate.metric);
  if (!range) return;
  const [low, high] = range;
  const within = `${gate.metric} lies in ${low === -Infinity ? '(-∞' : `[${low}`}, ${high === Infinity ? '∞)' : `${high}]`}`;
  if (typeof gate.min === 'number' && gate.min > high)
    ctx.addIssue({
      code: 'custom',
      path: ['min'],
      message: `${within}: a min of ${gate.min} can never be met`,
    });
  if (typeof gate.max === 'number' && gate.max < low)
    ctx.addIssue({
      code: 'custom',
      path: ['max'],
      message: `${within}: a max of ${gate.max} can never be met`,
    });
}

/** One set of gates: what an evaluation must show before a version can be promoted. */
const gateSetShape = {
  /** Metric thresholds, e.g. `{ metric: roc_auc, min: 0.85 }`, `{ metric: log_loss, max: 0.4 }`. */
  metrics: z
    .array(z.object({ metric: GateMetricName }).and(Bound).superRefine(impossibleBound))
    .default([]),
  /** Largest fairness gaps by sensitive column (the column joins every evaluation's fairness report). */
  fairness: z
    .array(
      z
        .object({ column: z.string().min(1), metric: FairnessGateMetric })
        .and(Bound)
        .superRefine(impossibleBound),
    )
    .default([]),
  /** Beat the majority-class (or mean) baseline by a margin on a metric. */
  baseline: z
    .object({ metric: GateMetricName, margin: z.number().min(0).default(0) })
    .strict()
    .optional(),
  /**
   * Not significantly worse than the model's current champion on the same rows: a paired bootstrap of the
   * metric difference (accuracy or mae per row), or McNemar's test on correctness (classification).
   */
  champion: z
    .object({
      test: z.enum(['bootstrap', 'mcnemar']).default('bootstrap'),
      alpha: z.number().gt(0).lt(1).default(0.05),
      iterations: z.number().int().min(100).max(100000).default(1000),
    })
    .strict()
    .optional(),
  /** Floors (or ceilings) on named critical segments: accuracy (classification) or mae (regression). */
  segments: z
    .array(
      z
        .object({ column: z.string().min(1), segment: z.union([z.string(), z.number()]) })
        .and(Bound),
    )
    .default([]),
};
export const GateSet = z.object(gateSetShape).strict();
export type GateSet = z.infer<typeof GateSet>;

/**
 * A project's gate policy (YAML or JSON, `lathe gates set --file`): what an evaluation must show before a
 * version can be promoted (the `champion` alias or the `production` stage). The top-level gates are the
 * project default; `models` gives a model its own gates, which replace the default for that model (a
 * regression model and a classifier in one project need different metrics). A policy written before
 * `models` existed reads as a project default. Every evaluation records the gates it was checked against.
 */
export const GatePolicy = z
  .object({
    ...gateSetShape,
    /** Gates of one model by its name, replacing the project default for that model. */
    models: z.record(z.string().min(1), GateSet).optional(),
  })
  .strict();
export type GatePolicy = z.infer<typeof GatePolicy>;
export type GatePolicyInput = z.input<typeof GatePolicy>;

/** The gates that apply to a model (null: a run not registered): its own section, else the default. */
export function gatesFor(
  policy: GatePolicy,
  model: string | null,
): { gates: GateSet; section: string | null } {
  const own = model === null ? undefined : policy.models?.[model];
  if (own) return { gates: own, section: model };
  const { models: _models, ...defaults } = policy;
  return { gates: defaults, section: null };
}

/**
 * Which tasks compute a metric, by its report name; undefined for a name no task computes. A metric gate
 * of the project default whose metric another task computes is skipped (with a note) for this task.
 */
export function tasksComputing(metric: string): readonly string[] | undefined {
  if (REGRESSION_METRICS.includes(metric)) return ['regression'];
  if (BINARY_METRICS.includes(metric)) return ['binary'];
  if (CLASSIFICATION_METRICS.includes(metric)) return ['binary', 'multiclass'];
  return undefined;
}
const REGRESSION_METRICS = [
  'mse',
  'rmse',
  'mae',
  'mape',
  'r2',
  'adjusted_r2',
  'median_absolute_error',
  'max_error',
  'explained_variance',
];
const BINARY_METRICS = ['precision', 'recall', 'f1'];
const CLASSIFICATION_METRICS = [
  'accuracy',
  'balanced_accuracy',
  'precision_macro',
  'recall_macro',
  'f1_macro',
  'precision_micro',
  'recall_micro',
  'f1_micro',
  'precision_weighted',
  'recall_weighted',
  'f1_weighted',
  'roc_auc',
  'roc_auc_weighted',
  'pr_auc',
  'pr_auc_weighted',
  'log_loss',
  'brier',
  'mcc',
];

/** The metrics an evaluation reports, which a metric or baseline gate may name. */
const EVALUATION_METRICS = new Set([
  ...CLASSIFICATION_METRICS,
  ...BINARY_METRICS,
  ...REGRESSION_METRICS,
]);

/** The values a metric can take: [0, 1] unless listed here. brier sums over classes for k > 2. */
const RANGES: Record<string, readonly [number, number]> = {
  mse: [0, Infinity],
  rmse: [0, Infinity],
  mae: [0, Infinity],
  mape: [0, Infinity],
  median_absolute_error: [0, Infinity],
  max_error: [0, Infinity],
  log_loss: [0, Infinity],
  r2: [-Infinity, 1],
  adjusted_r2: [-Infinity, 1],
  explained_variance: [-Infinity, 1],
  brier: [0, 2],
  mcc: [-1, 1],
};

/** The range of a metric of an evaluation or a fairness report; undefined for an unknown name. */
function rangeOf(metric: string): readonly [number, number] | undefined {
  if (!EVALUATION_METRICS.has(metric) && !FairnessGateMetric.safeParse(metric).success)
    return undefined;
  return RANGES[metric] ?? [0, 1];
}

/** The metric names a gate may use, as a message lists them. */
const KNOWN = `classification: ${CLASSIFICATION_METRICS.join(', ')}; binary: ${BINARY_METRICS.join(', ')}; regression: ${REGRESSION_METRICS.join(', ')}`;

/** Why a metric name is refused: a training metric's evaluation twin, the closest name, or every name. */
function unknownMetric(metric: string): string {
  const trained = /^(val|train)_(.+)$/.exec(metric)?.[2];
  if (trained && EVALUATION_METRICS.has(trained))
    return `'${metric}' is a training metric; gates check an evaluation's metrics: use '${trained}'`;
  const near = [...EVALUATION_METRICS]
    .map((name) => ({ name, d: editDistance(metric.toLowerCase(), name) }))
    .sort((a, b) => a.d - b.d)[0];
  if (near && near.d <= Math.max(1, Math.floor(metric.length / 4)))
    return `unknown metric '${metric}': did you mean '${near.name}'?`;
  return `unknown metric '${metric}'; metrics an evaluation reports are ${KNOWN}`;
}

/** Levenshtein distance: insertions, deletions and substitutions turning `a` into `b`. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row.push(
        Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)),
      );
    prev = row;
  }
  return prev[b.length]!;
}

export function gatePolicyJsonSchema(): unknown {
  return z.toJSONSchema(GatePolicy, { io: 'input' });
}
