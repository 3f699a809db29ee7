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

/**
 * A project's gate policy (YAML or JSON, `lathe gates set --file`): what an evaluation must show before a
 * version can be promoted (the `champion` alias or the `production` stage). Every gate is checked by every
 * evaluation of the project's runs and recorded with its observed value.
 */
export const GatePolicy = z
  .object({
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
  })
  .strict();
export type GatePolicy = z.infer<typeof GatePolicy>;
export type GatePolicyInput = z.input<typeof GatePolicy>;

export function gatePolicyJsonSchema(): unknown {
  return z.toJSONSchema(GatePolicy, { io: 'input' });
}
