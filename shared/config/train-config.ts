import { z } from 'zod';
import { displayName } from '../contract/common';
import { DatasetRef } from '../contract/data';
import { ProjectName } from '../contract/projects';
import { FeatureSpec } from './feature-spec';

export const Task = z.enum(['binary', 'multiclass', 'regression']);
export type Task = z.infer<typeof Task>;

/** Hidden-layer activations (all in tfjs-layers). */
export const Activation = z.enum(['relu', 'tanh', 'elu', 'selu', 'gelu']);
export type Activation = z.infer<typeof Activation>;

/** Regression losses of a GBDT: squared error (default), absolute error (median) or Huber. */
export const GbdtLoss = z.enum(['squared_error', 'absolute_error', 'huber']);
export type GbdtLoss = z.infer<typeof GbdtLoss>;

/** The model after defaults: options a user left out stay undefined, so config hashes do not move. */
export interface ModelOptions {
  type: 'linear' | 'mlp' | 'gbdt';
  hidden?: number[];
  /** Hidden-layer activation, mlp only; default relu. */
  activation?: Activation;
  /** Dropout rate after each hidden layer, mlp only; default 0 (none). */
  dropout?: number;
  /** Batch normalization before each hidden activation, mlp only; default false. */
  batchNorm?: boolean;
  /**
   * L1 / L2 regularization: of every dense layer's kernel (linear, mlp; default 0 each), or of the leaf
   * weights of a gbdt (default l1 0, l2 1).
   */
  l1?: number;
  l2?: number;
  /** gbdt: boosting rounds (one tree per round, one per class for multiclass); default 100. */
  trees?: number;
  /** gbdt: shrinkage of each tree's leaf values; default 0.1. */
  learningRate?: number;
  /** gbdt: the deepest a tree grows (0: no limit, with maxLeaves); default 6. */
  maxDepth?: number;
  /** gbdt: leaves per tree; set, trees grow leaf-wise (best leaf first), else depth-wise. */
  maxLeaves?: number;
  /** gbdt: the least hessian sum in a child; default 1. */
  minChildWeight?: number;
  /** gbdt: the least loss reduction a split must bring; default 0. */
  minSplitGain?: number;
  /** gbdt: the share of rows each tree samples; default 1. */
  subsample?: number;
  /** gbdt: the share of features each tree samples; default 1. */
  colsample?: number;
  /** gbdt: histogram bins per feature; default 256. */
  maxBins?: number;
  /** gbdt, regression: the loss; default squared_error. */
  loss?: GbdtLoss;
  /** gbdt with loss huber: where the loss turns from squared to absolute; default 1. */
  huberDelta?: number;
  /** gbdt: a checkpoint every this many rounds; default 10. */
  checkpointEvery?: number;
  /** gbdt: threads building histograms (the trees do not depend on it); default: the CPU cores. */
  threads?: number;
}

/** The options only a gradient-boosted tree ensemble has. */
export const GBDT_OPTIONS = [
  'trees',
  'learningRate',
  'maxDepth',
  'maxLeaves',
  'minChildWeight',
  'minSplitGain',
  'subsample',
  'colsample',
  'maxBins',
  'loss',
  'huberDelta',
  'checkpointEvery',
  'threads',
] as const;

/** The options only a neural network (mlp; hidden: mlp) has. */
const NET_OPTIONS = ['hidden', 'activation', 'dropout', 'batchNorm'] as const;

export const ModelSpec = z
  .object({
    /**
     * linear: linear/logistic/softmax regression by task; mlp: a multi-layer perceptron; gbdt:
     * gradient-boosted decision trees (histogram-based; rounds are reported as epochs).
     */
    type: z
      .enum(['linear', 'mlp', 'gbdt'])
      .describe(
        'linear, mlp (a neural network) or gbdt (gradient-boosted trees: model.trees rounds reported as epochs; training.epochs, learningRate, batchSize, lrSchedule and engine do not apply)',
      ),
    /** Hidden layer sizes, mlp only. */
    hidden: z.array(z.number().int().positive().max(4096)).min(1).max(16).optional(),
    /** Hidden-layer activation, mlp only. Default: relu. */
    activation: Activation.optional(),
    /** Dropout rate after each hidden layer (seeded), mlp only. Default: 0. */
    dropout: z.number().min(0).max(0.9).optional(),
    /** Batch normalization between each hidden layer and its activation, mlp only. Default: false. */
    batchNorm: z.boolean().optional(),
    /**
     * L1 regularization: of every dense layer's kernel (linear, mlp), or of a gbdt's leaf weights.
     * Default: 0.
     */
    l1: z.number().min(0).max(10).optional(),
    /**
     * L2 regularization: of every dense layer's kernel (linear, mlp; default 0), or of a gbdt's leaf
     * weights (default 1).
     */
    l2: z.number().min(0).max(10).optional(),
    /**
     * gbdt: boosting rounds, one tree each (multiclass: one per class). Reported like epochs; early
     * stopping keeps the best round's trees. Default: 100. (training.epochs does not apply to a gbdt.)
     */
    trees: z
      .number()
      .int()
      .min(1)
      .max(10000)
      .optional()
      .describe('gbdt: boosting rounds (default 100), reported as epochs'),
    /** gbdt: shrinkage of each tree (training.learningRate does not apply to a gbdt). Default: 0.1. */
    learningRate: z.number().positive().max(1).optional(),
    /** gbdt: the deepest a tree grows; 0 for no limit (then maxLeaves bounds it). Default: 6. */
    maxDepth: z.number().int().min(0).max(32).optional(),
    /** gbdt: leaves per tree; when set, trees grow leaf-wise (best leaf first), else depth-wise. */
    maxLeaves: z.number().int().min(2).max(65536).optional(),
    /** gbdt: the smallest hessian sum a child may have (XGBoost's min_child_weight). Default: 1. */
    minChildWeight: z.number().min(0).max(1e6).optional(),
    /** gbdt: the smallest loss reduction a split must bring (XGBoost's gamma). Default: 0. */
    minSplitGain: z.number().min(0).max(1e6).optional(),
    /** gbdt: the share of training rows each tree samples (seeded). Default: 1. */
    subsample: z.number().gt(0).max(1).optional(),
    /** gbdt: the share of features each tree samples (seeded). Default: 1. */
    colsample: z.number().gt(0).max(1).optional(),
    /**
     * gbdt: histogram bins per feature, cut at quantiles of the training rows (a categorical feature: its
     * most frequent codes). Default: 256.
     */
    maxBins: z.number().int().min(2).max(4096).optional(),
    /** gbdt, regression only: squared_error, absolute_error or huber. Default: squared_error. */
    loss: GbdtLoss.optional(),
    /** gbdt with loss huber: where the loss turns from squared to absolute (standardized units). Default: 1. */
    huberDelta: z.number().positive().max(1e6).optional(),
    /** gbdt: a checkpoint (for lathe runs resume) every this many rounds. Default: 10. */
    checkpointEvery: z.number().int().min(1).max(10000).optional(),
    /** gbdt: threads building histograms; the trees are the same for any value. Default: the CPU cores. */
    threads: z.number().int().min(1).max(64).optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    const refuse = (key: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [key], message });
    if (m.type === 'gbdt') {
      for (const key of NET_OPTIONS)
        if (m[key] !== undefined)
          refuse(
            key,
            key === 'hidden'
              ? 'only an mlp has hidden layers, not a gbdt'
              : `only an mlp has ${key}, not a gbdt`,
          );
      if (m.maxDepth === 0 && m.maxLeaves === undefined)
        refuse('maxDepth', 'maxDepth 0 (no limit) needs maxLeaves to bound the trees');
      if (m.huberDelta !== undefined && m.loss !== 'huber')
        refuse('huberDelta', 'huberDelta applies to loss: huber only');
      return;
    }
    for (const key of GBDT_OPTIONS)
      if (m[key] !== undefined) refuse(key, `only a gbdt has ${key} (this model is ${m.type})`);
    if (m.type !== 'linear') return;
    for (const key of NET_OPTIONS) {
      if (m[key] !== undefined) {
        refuse(key, key === 'hidden' ? 'only an mlp has hidden layers' : `only an mlp has ${key}`);
      }
    }
  })
  .transform((m): ModelOptions => {
    const { type, hidden, ...options } = m;
    return type === 'mlp'
      ? { type: 'mlp', hidden: hidden ?? [64, 64], ...options }
      : { type, ...options };
  });

/** The training options a gbdt does not use; set explicitly, they are refused. */
const NOT_FOR_GBDT = ['batchSize', 'lrSchedule', 'engine'] as const;

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
    /** Epochs (a gbdt: rounds) without improvement before training stops. */
    patience: z.number().int().positive().max(10000),
    /** The smallest change that counts as an improvement. Default: 0. */
    minDelta: z.number().min(0).optional(),
    /**
     * Restore the weights of the best epoch (a gbdt: keep the trees up to the best round); its metrics
     * become the run's. Default: true.
     */
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
    epochs: z
      .number()
      .int()
      .positive()
      .max(10000)
      .default(20)
      .describe('Passes over the training rows. A gbdt trains model.trees rounds instead.'),
    batchSize: z
      .number()
      .int()
      .positive()
      .max(1_000_000)
      .optional()
      .describe('Rows per optimizer step (default 256, smaller on small data). Not for a gbdt.'),
    learningRate: z
      .number()
      .positive()
      .max(10)
      .default(0.001)
      .describe("Adam's learning rate. A gbdt uses model.learningRate instead."),
    validationFraction: z.number().gt(0).lt(1).default(0.2),
    /** Per-example loss weights by class (binary, multiclass): 'balanced' (n / (k·n_c)) or class → weight. */
    classWeights: z
      .union([z.literal('balanced'), z.record(z.string(), z.number().nonnegative().max(1e6))])
      .optional(),
    earlyStopping: EarlyStopping.optional(),
    lrSchedule: LrSchedule.optional().describe(
      "Changes Adam's learning rate between epochs; logged as the lr metric. Not for a gbdt.",
    ),
    /**
     * How optimizer steps run. auto (default): the fused WebAssembly SIMD engine (main/train/kernel),
     * or tfjs where WebAssembly SIMD is missing; fused: that engine or an error naming why not; tfjs:
     * TensorFlow.js kernels on the run's backend. Recorded as the `training.engine` param. Not for a
     * gbdt (its engine is gbdt).
     */
    engine: z
      .enum(['auto', 'fused', 'tfjs'])
      .optional()
      .describe('How optimizer steps run: auto, fused or tfjs. Not for a gbdt.'),
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

/** The validation metrics training reports each epoch, by task (besides val_loss). */
export const VALIDATION_METRICS: Record<Task, readonly string[]> = {
  binary: ['val_loss', 'val_accuracy', 'val_auc'],
  multiclass: ['val_loss', 'val_accuracy', 'val_f1_macro'],
  regression: ['val_loss', 'val_rmse', 'val_mae', 'val_r2'],
};

/** The metric a search optimizes when the config does not say: AUC, accuracy or RMSE. */
export function defaultSearchMetric(task: Task): string {
  return task === 'binary' ? 'val_auc' : task === 'multiclass' ? 'val_accuracy' : 'val_rmse';
}

/**
 * K-fold cross-validation. The folds follow `split.method`: random → k-fold, stratified → stratified
 * k-fold, time → time-series split (fold i trains on the i oldest chunks of k+1 and validates on the next),
 * group → group k-fold. Test rows (split.testFraction) are held out of every fold; validationFraction is
 * not used. A run with `fold` trains that one fold; without it, the run is the parent of its k folds.
 */
export const CrossValidation = z
  .object({
    folds: z.number().int().min(2).max(50),
    /** The fold this run trains, 1-based: set on the fold runs a cross-validation starts. */
    fold: z.number().int().min(1).optional(),
    /** Folds trained at once, each in its own worker thread. Default: the number of CPU cores. */
    parallel: z.number().int().positive().max(64).optional(),
  })
  .strict()
  .superRefine((cv, ctx) => {
    if (cv.fold !== undefined && cv.fold > cv.folds)
      ctx.addIssue({
        code: 'custom',
        path: ['fold'],
        message: `fold ${cv.fold} is beyond ${cv.folds} folds`,
      });
  });
export type CrossValidation = z.infer<typeof CrossValidation>;

/** A JSON value, as a search's choice values are. */
export type JsonValue = z.infer<ReturnType<typeof z.json>>;

/** One dimension of a search space. */
export const SearchDimension = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('uniform'), low: z.number(), high: z.number() }).strict(),
    z
      .object({
        type: z.literal('loguniform'),
        low: z.number().positive('a log-uniform range must be positive'),
        high: z.number().positive('a log-uniform range must be positive'),
      })
      .strict(),
    z
      .object({
        type: z.literal('int'),
        low: z.number().int(),
        high: z.number().int(),
        /** Sample on a log scale (e.g. batch sizes, layer widths). */
        log: z.boolean().optional(),
      })
      .strict(),
    z.object({ type: z.literal('choice'), values: z.array(z.json()).min(1) }).strict(),
  ])
  .superRefine((d, ctx) => {
    if (d.type !== 'choice' && !(d.low < d.high))
      ctx.addIssue({
        code: 'custom',
        path: ['high'],
        message: `high must be above low (${d.low})`,
      });
    if (d.type === 'int' && d.log && d.low < 1)
      ctx.addIssue({
        code: 'custom',
        path: ['low'],
        message: 'a log int range must start at 1 or more',
      });
  });
export type SearchDimension = z.infer<typeof SearchDimension>;

/** A config path a search can set: `training.learningRate`, `model.hidden`, `model.dropout`, ... */
export const SearchPath = z
  .string()
  .regex(/^(model|training|split|selection)\.[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/, {
    message:
      'a search path sets a model, training, split or selection option, e.g. training.learningRate',
  });

/**
 * Hyperparameter search: trials are runs of this config with the space's paths set, children of one
 * parent run. Strategies: grid (every combination; continuous ranges at gridPoints values), random, and
 * tpe (a tree-structured Parzen estimator after `startupTrials` random ones). Median pruning stops a
 * trial whose metric at an epoch is worse than the median of earlier trials at that epoch.
 */
export const SearchSpec = z
  .object({
    space: z
      .record(SearchPath, SearchDimension)
      .refine((s) => Object.keys(s).length > 0, 'name at least one parameter to search'),
    strategy: z.enum(['grid', 'random', 'tpe']).default('tpe'),
    /** How many trials (grid: at most this many of its combinations, default all). */
    trials: z.number().int().positive().max(10000).optional(),
    /** The validation metric to optimize. Default: val_auc (binary), val_accuracy (multiclass), val_rmse. */
    metric: z
      .string()
      .regex(/^val_[a-z0-9_]+$/, 'a validation metric such as val_loss')
      .optional(),
    mode: MetricMode.optional(),
    /** Trials trained at once, each in its own worker thread. Default: the number of CPU cores. */
    parallel: z.number().int().positive().max(64).optional(),
    /** Values per continuous dimension in a grid. */
    gridPoints: z.number().int().min(2).max(100).default(5),
    /** Random trials before TPE starts modelling. */
    startupTrials: z.number().int().min(1).max(1000).default(5),
    pruning: z
      .object({
        type: z.literal('median'),
        /** Epochs every trial trains before it can be pruned. */
        warmupEpochs: z.number().int().min(0).default(2),
        /** Trials that must have reported an epoch before it can prune another. */
        minTrials: z.number().int().min(1).default(3),
      })
      .strict()
      .optional(),
  })
  .strict();
export type SearchSpec = z.infer<typeof SearchSpec>;

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
    name: displayName(200).optional(),
    /** Experiment the run belongs to; default: the dataset name. */
    experiment: displayName(200).optional(),
    /** Project the run belongs to; default: the project of its dataset. */
    project: ProjectName.optional(),
    crossValidation: CrossValidation.optional(),
    /** A hyperparameter search over this config (`lathe tune`). */
    search: SearchSpec.optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.search?.metric && !VALIDATION_METRICS[c.task].includes(c.search.metric)) {
      ctx.addIssue({
        code: 'custom',
        path: ['search', 'metric'],
        message: `a ${c.task} training reports ${VALIDATION_METRICS[c.task].join(', ')}; not ${c.search.metric}`,
      });
    }
    if (c.model.type === 'gbdt') gbdtConfigIssues(c, ctx);
    if (c.task === 'regression' && c.training.classWeights !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['training', 'classWeights'],
        message: 'class weights need a binary or multiclass task',
      });
    }
  });
export type TrainConfig = z.infer<typeof TrainConfig>;

/** What a gbdt config must not hold: network-only training options, a loss on a classifier. */
function gbdtConfigIssues(
  c: {
    task: Task;
    model: ModelOptions;
    training: z.infer<typeof TrainingSpec>;
    search?: SearchSpec | undefined;
  },
  ctx: z.RefinementCtx,
): void {
  for (const key of NOT_FOR_GBDT) {
    if (c.training[key] !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['training', key],
        message: `a gbdt does not use training.${key}; remove it`,
      });
    }
  }
  if (c.model.loss !== undefined && c.task !== 'regression') {
    ctx.addIssue({
      code: 'custom',
      path: ['model', 'loss'],
      message: `model.loss is for regression; a ${c.task} gbdt uses the log loss`,
    });
  }
  for (const path of Object.keys(c.search?.space ?? {})) {
    const key = path.startsWith('training.') ? path.slice('training.'.length) : null;
    if (
      key === 'epochs' ||
      key === 'learningRate' ||
      (NOT_FOR_GBDT as readonly string[]).includes(key ?? '')
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['search', 'space', path],
        message: `a gbdt does not use ${path}${key === 'epochs' ? '; search model.trees' : key === 'learningRate' ? '; search model.learningRate' : ''}`,
      });
    }
  }
}
export type TrainConfigInput = z.input<typeof TrainConfig>;

/** JSON Schema of the train config, for editor completion (`lathe schema train-config`). */
export function trainConfigJsonSchema(): unknown {
  return z.toJSONSchema(TrainConfig, { io: 'input' });
}
