import { z } from 'zod';
import { DatasetRef } from '../contract/data';
import { FeatureSpec } from './feature-spec';

export const Task = z.enum(['binary', 'multiclass', 'regression']);
export type Task = z.infer<typeof Task>;

export const ModelSpec = z
  .object({
    /** linear: linear/logistic/softmax regression by task; mlp: a multi-layer perceptron. */
    type: z.enum(['linear', 'mlp']),
    /** Hidden layer sizes, mlp only. */
    hidden: z.array(z.number().int().positive().max(4096)).min(1).max(16).optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.type === 'linear' && m.hidden) {
      ctx.addIssue({ code: 'custom', path: ['hidden'], message: 'only an mlp has hidden layers' });
    }
  })
  .transform((m): { type: 'linear' | 'mlp'; hidden?: number[] } =>
    m.type === 'mlp' ? { type: 'mlp', hidden: m.hidden ?? [64, 64] } : { type: 'linear' },
  );

export const TrainingSpec = z
  .object({
    epochs: z.number().int().positive().max(10000).default(20),
    /** Default: 256, or smaller on small data so an epoch takes at least 50 steps. */
    batchSize: z.number().int().positive().max(1_000_000).optional(),
    learningRate: z.number().positive().max(10).default(0.001),
    validationFraction: z.number().gt(0).lt(1).default(0.2),
  })
  .strict();

/**
 * How rows are split, as a rule that rebuilds the same split from the run record: random and stratified
 * order rows by a seeded md5 of their row number; time orders by a column (train before validation before
 * test); group keeps every value of a column in one split.
 */
export const SplitSpec = z
  .object({
    /** Default: stratified for classification, random for regression. */
    method: z.enum(['random', 'stratified', 'time', 'group']).optional(),
    /** The time column (method: time) or the group column (method: group). */
    column: z.string().min(1).optional(),
    /** Rows held out for evaluation, never seen in training. */
    testFraction: z.number().min(0).lt(1).default(0),
  })
  .strict()
  .superRefine((s, ctx) => {
    if ((s.method === 'time' || s.method === 'group') && !s.column) {
      ctx.addIssue({
        code: 'custom',
        path: ['column'],
        message: `a ${s.method} split needs a column`,
      });
    }
  });
export type SplitSpec = z.infer<typeof SplitSpec>;

/**
 * Feature selection on the fitted features: variance threshold, correlation filter or mutual information
 * before training, or permutation importance of a first model (then trained again on the kept features).
 */
export const FeatureSelection = z
  .object({
    method: z.enum(['variance', 'correlation', 'mutual_info', 'permutation']),
    /** variance: drop at or below (default 0); correlation: drop |r| at or above (default 0.95). */
    threshold: z.number().min(0).optional(),
    /** mutual_info, permutation: how many features to keep (default: half, at least 1). */
    k: z.number().int().positive().optional(),
  })
  .strict();
export type FeatureSelection = z.infer<typeof FeatureSelection>;

/**
 * The user-facing train config (YAML or JSON). Later versions add fields; these names never change.
 */
export const TrainConfig = z
  .object({
    dataset: DatasetRef,
    target: z.string().min(1, 'name the target column'),
    task: Task,
    features: z.array(z.string().min(1)).min(1).optional(),
    model: ModelSpec.prefault({ type: 'mlp' }),
    training: TrainingSpec.prefault({}),
    seed: z
      .number()
      .int()
      .nonnegative()
      .max(2 ** 31 - 1)
      .default(42),
    split: SplitSpec.prefault({}),
    /**
     * Preprocessing as a feature spec (inline, or a path to a spec file in the CLI). Default: numeric
     * columns imputed and standardized, categorical one-hot (top 50 + other), dates split into parts.
     */
    featureSpec: FeatureSpec.optional(),
    selection: FeatureSelection.optional(),
    /** Optional run name; default: `<dataset>-<model>-<n>`. */
    name: z.string().min(1).max(200).optional(),
    /** Experiment the run belongs to; default: the dataset name. */
    experiment: z.string().min(1).max(200).optional(),
    project: z.string().min(1).default('Default'),
  })
  .strict();
export type TrainConfig = z.infer<typeof TrainConfig>;
export type TrainConfigInput = z.input<typeof TrainConfig>;

/** JSON Schema of the train config, for editor completion (`lathe schema train-config`). */
export function trainConfigJsonSchema(): unknown {
  return z.toJSONSchema(TrainConfig, { io: 'input' });
}
