import { z } from 'zod';

const col = z.string().min(1, 'name the column');

/** Steps applied in order to each column of a group. */
export const ColumnStep = z.discriminatedUnion('op', [
  z
    .object({
      op: z.literal('impute'),
      strategy: z.enum(['mean', 'median', 'most_frequent', 'constant']),
      /** The fill value for strategy: constant. */
      value: z.union([z.number(), z.string()]).optional(),
      /** Also output `<column>__missing` (1 where the value was missing). */
      indicator: z.boolean().default(false),
    })
    .strict()
    .refine((s) => s.strategy !== 'constant' || s.value !== undefined, {
      message: 'strategy constant needs a value',
      path: ['value'],
    }),
  z
    .object({
      op: z.literal('clip'),
      /** iqr: Tukey fences q1 − factor·IQR, q3 + factor·IQR; quantile: the lower/upper quantiles. */
      method: z.enum(['iqr', 'quantile']),
      factor: z.number().positive().default(1.5),
      lower: z.number().min(0).max(1).default(0.01),
      upper: z.number().min(0).max(1).default(0.99),
    })
    .strict(),
  z.object({ op: z.literal('scale'), method: z.enum(['standard', 'minmax', 'robust']) }).strict(),
  z
    .object({
      op: z.literal('bucketize'),
      bins: z.number().int().min(2).max(1000),
      /** uniform: equal-width bins; quantile: equal-count bins. Output: the bin index. */
      strategy: z.enum(['uniform', 'quantile']).default('quantile'),
    })
    .strict(),
  z
    .object({
      op: z.literal('onehot'),
      maxCategories: z.number().int().min(1).max(1000).default(50),
      /** Categories seen fewer times in training go to the other bucket. */
      minFrequency: z.number().int().min(1).default(1),
    })
    .strict(),
  z
    .object({
      op: z.literal('ordinal'),
      /** Category order; default: sorted. Unknown values map to -1. */
      order: z.array(z.string()).optional(),
    })
    .strict(),
  z.object({ op: z.literal('frequency') }).strict(),
  z
    .object({
      op: z.literal('target'),
      /** Blend with the global mean: (sum + smoothing·mean) / (count + smoothing). */
      smoothing: z.number().min(0).default(10),
      /** Training rows are encoded out-of-fold so no row sees its own target. */
      folds: z.number().int().min(2).max(20).default(5),
    })
    .strict(),
  z
    .object({
      op: z.literal('datetime'),
      parts: z
        .array(
          z.enum(['year', 'month', 'day', 'dayofweek', 'dayofyear', 'hour', 'minute', 'weekend']),
        )
        .min(1),
      /** Also sin/cos encodings of month, day of week, hour (and minute). */
      cyclical: z.boolean().default(false),
    })
    .strict(),
]);
export type ColumnStep = z.infer<typeof ColumnStep>;

export const ColumnGroup = z
  .object({
    columns: z.array(col).min(1),
    steps: z.array(ColumnStep).default([]),
  })
  .strict();

/** Features computed from several columns or rows. */
export const DerivedFeature = z.discriminatedUnion('op', [
  z
    .object({
      op: z.literal('lag'),
      column: col,
      /** Rows are ordered by `time` within each `entity` (or globally without one). */
      time: col,
      entity: col.optional(),
      lags: z.array(z.number().int().min(1).max(1000)).min(1),
    })
    .strict(),
  z
    .object({
      op: z.literal('rolling_mean'),
      column: col,
      time: col,
      entity: col.optional(),
      /** Window sizes in rows, the current row included. */
      windows: z.array(z.number().int().min(2).max(1000)).min(1),
    })
    .strict(),
  z.object({ op: z.literal('ratio'), columns: z.tuple([col, col]) }).strict(),
  z.object({ op: z.literal('product'), columns: z.tuple([col, col]) }).strict(),
  z
    .object({
      op: z.literal('tfidf'),
      column: col,
      /** Hashed vocabulary size (feature hashing of lower-cased alphanumeric tokens). */
      buckets: z.number().int().min(2).max(4096).default(64),
    })
    .strict(),
]);
export type DerivedFeature = z.infer<typeof DerivedFeature>;

/**
 * A declarative feature spec (YAML or JSON): steps per column group plus derived features. Fitted once
 * on the training split, then applied identically in training, batch work and serving.
 */
export const FeatureSpec = z
  .object({
    groups: z.array(ColumnGroup).default([]),
    derived: z.array(DerivedFeature).default([]),
  })
  .strict()
  .refine((s) => s.groups.length + s.derived.length > 0, {
    message: 'a feature spec needs at least one group or derived feature',
    path: ['groups'],
  });
export type FeatureSpec = z.infer<typeof FeatureSpec>;
export type FeatureSpecInput = z.input<typeof FeatureSpec>;

export function featureSpecJsonSchema(): unknown {
  return z.toJSONSchema(FeatureSpec, { io: 'input' });
}
