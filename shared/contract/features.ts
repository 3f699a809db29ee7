import { z } from 'zod';
import { FeatureSpec } from '../config/feature-spec';
import { Task } from '../config/train-config';
import { Cell } from './common';
import { DatasetRef } from './data';

/** Per-part numeric post-processing fitted on the training split. */
export const FittedNumeric = z.object({
  clip: z.object({ lo: z.number(), hi: z.number() }).optional(),
  /** (x − center) / scale */
  scale: z.object({ center: z.number(), scale: z.number() }).optional(),
  /** Bin index = number of cut points ≤ x. */
  bucketize: z.object({ cuts: z.array(z.number()) }).optional(),
});
export type FittedNumeric = z.infer<typeof FittedNumeric>;

export const FittedEncoding = z.discriminatedUnion('op', [
  z.object({ op: z.literal('onehot'), categories: z.array(z.string()) }),
  z.object({ op: z.literal('ordinal'), categories: z.array(z.string()) }),
  z.object({ op: z.literal('frequency'), shares: z.record(z.string(), z.number()) }),
  z.object({
    op: z.literal('target'),
    /** One output per target dimension (1 for binary/regression, one per class for multiclass). */
    labels: z.array(z.string()),
    prior: z.array(z.number()),
    /** Smoothed encodings from all training rows: what batch and serving use. */
    values: z.record(z.string(), z.array(z.number())),
    /** Per fold: encodings fitted without that fold, used for the training rows of the fold. */
    folds: z.array(z.record(z.string(), z.array(z.number()))),
  }),
]);
export type FittedEncoding = z.infer<typeof FittedEncoding>;

export const FittedColumn = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('numeric'),
    source: z.string(),
    impute: z.object({ fill: z.number(), indicator: z.boolean() }).optional(),
    numeric: FittedNumeric,
  }),
  z.object({
    kind: z.literal('datetime'),
    source: z.string(),
    /** Part names, e.g. year, month, dayofweek, hour, weekend, month_sin. */
    parts: z.array(z.string()),
    numeric: z.array(FittedNumeric),
  }),
  z.object({
    kind: z.literal('categorical'),
    source: z.string(),
    impute: z.object({ fill: z.string(), indicator: z.boolean() }).optional(),
    encoding: FittedEncoding,
  }),
]);
export type FittedColumn = z.infer<typeof FittedColumn>;

export const FittedDerived = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('lag'),
    column: z.string(),
    time: z.string(),
    entity: z.string().optional(),
    lags: z.array(z.number().int()),
  }),
  z.object({
    op: z.literal('rolling_mean'),
    column: z.string(),
    time: z.string(),
    entity: z.string().optional(),
    windows: z.array(z.number().int()),
  }),
  z.object({ op: z.literal('ratio'), columns: z.tuple([z.string(), z.string()]) }),
  z.object({ op: z.literal('product'), columns: z.tuple([z.string(), z.string()]) }),
  z.object({
    op: z.literal('tfidf'),
    column: z.string(),
    buckets: z.number().int(),
    idf: z.array(z.number()),
  }),
]);
export type FittedDerived = z.infer<typeof FittedDerived>;

/** Documentation of one output feature: where it comes from and what was fitted. */
export const FeatureDoc = z.object({
  name: z.string(),
  sources: z.array(z.string()),
  transform: z.string(),
  fitted: z.record(z.string(), z.unknown()),
});
export type FeatureDoc = z.infer<typeof FeatureDoc>;

/** A fitted feature spec: everything learned on the training split. Both executors read only this. */
export const FittedFeatureSpec = z.object({
  version: z.literal(1),
  /** sha256 of the spec as written (before fitting). */
  specHash: z.string(),
  columns: z.array(FittedColumn),
  derived: z.array(FittedDerived),
  /** Output feature names, in vector order. */
  outputs: z.array(z.string()),
  docs: z.array(FeatureDoc),
  trainRows: z.number().int(),
  /** When training selected features: the model's inputs, a subset of `outputs` in this order. */
  selection: z.object({ method: z.string(), kept: z.array(z.string()) }).optional(),
  /**
   * How a missing or non-finite output value reaches the model: 0 (unset, networks) or NaN ('nan',
   * gradient-boosted trees, which learn where missing values go). Both executors honor it.
   */
  missing: z.literal('nan').optional(),
});
export type FittedFeatureSpec = z.infer<typeof FittedFeatureSpec>;

export const FeaturePreviewIn = z.object({
  ref: DatasetRef,
  spec: FeatureSpec,
  /** Needed by target encoding. */
  target: z.string().optional(),
  task: Task.optional(),
  /** Rows shown; the spec is fitted on a seeded 80% sample of the version. */
  limit: z.number().int().positive().max(1000).default(50),
});
export type FeaturePreviewIn = z.input<typeof FeaturePreviewIn>;

export const FeaturePreviewOut = z.object({
  outputs: z.array(z.string()),
  docs: z.array(FeatureDoc),
  /** Transformed rows, in `outputs` order. */
  rows: z.array(z.array(z.number())),
  /** The same rows before the spec: the columns the spec reads. */
  inputs: z.object({ columns: z.array(z.string()), rows: z.array(z.array(Cell)) }),
  specHash: z.string(),
  trainRows: z.number().int(),
});
export type FeaturePreviewOut = z.infer<typeof FeaturePreviewOut>;

export const DefaultSpecIn = z.object({
  ref: DatasetRef,
  target: z.string().optional(),
});
export const DefaultSpecOut = z.object({
  spec: FeatureSpec,
  dropped: z.array(z.object({ column: z.string(), reason: z.string() })),
});
