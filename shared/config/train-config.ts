import { z } from 'zod';
import { DatasetRef } from '../contract/data';
import { FeatureSpec } from './feature-spec';

export const Task = z.enum(['binary', 'multiclass', 'regression']);
export type Task = z.infer<typeof Task>;

/** Hidden-layer activations (all in tfjs-layers). */
export const Activation = z.enum(['relu', 'tanh', 'elu', 'selu', 'gelu']);
export type Activation = z.infer<typeof Activation>;

/** The model after defaults: options a user left out stay undefined, so config hashes do not move. */
export interface ModelOptions {
  type: 'linear' | 'mlp';
  hidden?: number[];
  /** Hidden-layer activation, mlp only; default relu. */
  activation?: Activation;
  /** Dropout rate after each hidden layer, mlp only; default 0 (none). */
  dropout?: number;
  /** Batch normalization before each hidden activation, mlp only; default false. */
  batchNorm?: boolean;
  /** L1 / L2 kernel regularization factors of every dense layer (linear too); default 0. */
  l1?: number;
  l2?: number;
}

export const ModelSpec = z
  .object({
    /** linear: linear/logistic/softmax regression by task; mlp: a multi-layer perceptron. */
    type: z.enum(['linear', 'mlp']),
    /** Hidden layer sizes, mlp only. */
    hidden: z.array(z.number().int().positive().max(4096)).min(1).max(16).optional(),
    /** Hidden-layer activation, mlp only. Default: relu. */
    activation: Activation.optional(),
    /** Dropout rate after each hidden layer (seeded), mlp only. Default: 0. */
    dropout: z.number().min(0).max(0.9).optional(),
    /** Batch normalization between each hidden layer and its activation, mlp only. Default: false. */
    batchNorm: z.boolean().optional(),
    /** L1 kernel regularization factor of every dense layer (linear models too). Default: 0. */
    l1: z.number().min(0).max(10).optional(),
    /** L2 kernel regularization factor of every dense layer (linear models too). Default: 0. */
    l2: z.number().min(0).max(10).optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.type !== 'linear') return;
    for (const key of ['hidden', 'activation', 'dropout', 'batchNorm'] as const) {
      if (m[key] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: key === 'hidden' ? 'only an mlp has hidden layers' : `only an mlp has ${key}`,
        });
      }
    }
  })
  .transform((m): ModelOptions => {
    const { type, hidden, ...options } = m;
    return type === 'mlp'
      ? { type: 'mlp', hidden: hidden ?? [64, 64], ...options }
      : { type: 'linear', ...options };
  });

/** Which way a monitored metric improves; default: min for loss, rmse and mae, max otherwise. */
export const MetricMode = z.enum(['min', 'max']);
export type MetricMode = z.infer<typeof MetricMode>;

export const EarlyStopping = z
  .object({
    /** A validation metric reported every epoch: val_loss, val_accuracy, val_auc, val_rmse, ... */
    metric: z
      .string()
      .regex(/^val_[a-z0-9_]+$/, 'a validation metric such as val_loss')
      .default('val_loss'),
    mode: MetricMode.optional(),
    /** Epochs without improvement before training stops. */
    patience: z.number().int().positive().max(10000),
    /** The smallest change that counts as an improvement. Default: 0. */
    minDelta: z.number().min(0).optional(),
    /** Restore the weights of the best epoch (its metrics become the run's). Default: true. */
    restoreBest: z.boolean().default(true),
  })
  .strict();
export type EarlyStopping = z.infer<typeof EarlyStopping>;

export const LrSchedule = z.discriminatedUnion('type', [
  /** lr × factor every `every` epochs. */
  z
    .object({
      type: z.literal('step'),
      every: z.number().int().positive(),
      factor: z.number().positive().max(1),
    })
    .strict(),
  /** Cosine annealing from the learning rate towards minLr over the epochs. */
  z.object({ type: z.literal('cosine'), minLr: z.number().min(0).optional() }).strict(),
  /** lr × factor after `patience` epochs without improvement of a metric (default val_loss). */
  z
    .object({
      type: z.literal('reduce_on_plateau'),
      patience: z.number().int().positive(),
      factor: z.number().positive().lt(1),
      minLr: z.number().min(0).optional(),
      metric: z
        .string()
        .regex(/^val_[a-z0-9_]+$/, 'a validation metric such as val_loss')
        .optional(),
    })
    .strict(),
]);
export type LrSchedule = z.infer<typeof LrSchedule>;

export const TrainingSpec = z
  .object({
    epochs: z.number().int().positive().max(10000).default(20),
    /** Default: 256, or smaller on small data so an epoch takes at least 50 steps. */
    batchSize: z.number().int().positive().max(1_000_000).optional(),
    learningRate: z.number().positive().max(10).default(0.001),
    validationFraction: z.number().gt(0).lt(1).default(0.2),
    /** Per-example loss weights by class (binary, multiclass): 'balanced' (n / (k·n_c)) or class → weight. */
    classWeights: z
      .union([z.literal('balanced'), z.record(z.string(), z.number().nonnegative().max(1e6))])
      .optional(),
    earlyStopping: EarlyStopping.optional(),
    /** Changes Adam's learning rate between epochs; logged as the `lr` metric. */
    lrSchedule: LrSchedule.optional(),
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
  .strict()
  .superRefine((c, ctx) => {
    if (c.task === 'regression' && c.training.classWeights !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['training', 'classWeights'],
        message: 'class weights need a binary or multiclass task',
      });
    }
  });
export type TrainConfig = z.infer<typeof TrainConfig>;
export type TrainConfigInput = z.input<typeof TrainConfig>;

/** JSON Schema of the train config, for editor completion (`lathe schema train-config`). */
export function trainConfigJsonSchema(): unknown {
  return z.toJSONSchema(TrainConfig, { io: 'input' });
}
