import { z } from 'zod';
import { DatasetRef } from '../contract/data';

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
