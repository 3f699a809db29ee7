import { z } from 'zod';

/** A metric floor or ceiling: at least `min`, at most `max` (one or both). */
const Bound = z
  .object({ min: z.number().optional(), max: z.number().optional() })
  .refine((b) => b.min !== undefined || b.max !== undefined, 'give min, max or both');

export const FairnessGateMetric = z.enum([
  'demographic_parity_difference',
  'disparate_impact_ratio',
  'equal_opportunity_difference',
  'equalized_odds_difference',
]);

/** One set of gates: what an evaluation must show before a version can be promoted. */
const gateSetShape = {
  /** Metric thresholds, e.g. `{ metric: roc_auc, min: 0.85 }`, `{ metric: log_loss, max: 0.4 }`. */
  metrics: z.array(z.object({ metric: z.string().min(1) }).and(Bound)).default([]),
  /** Largest fairness gaps by sensitive column (the column joins every evaluation's fairness report). */
  fairness: z
    .array(z.object({ column: z.string().min(1), metric: FairnessGateMetric }).and(Bound))
    .default([]),
  /** Beat the majority-class (or mean) baseline by a margin on a metric. */
  baseline: z
    .object({ metric: z.string().min(1), margin: z.number().min(0).default(0) })
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

export function gatePolicyJsonSchema(): unknown {
  return z.toJSONSchema(GatePolicy, { io: 'input' });
}
