import { z } from 'zod';
import { ColumnInfo, TrainConfig, TrainPhase } from '../../shared/contract';

/**
 * Main → worker: the job, plus shared flags: [0] is 1 once the run should stop (polled between batches);
 * [1] is the last epoch main has judged. With `awaitVerdict` the worker waits after each epoch until main
 * has judged it, so a stop decided on an epoch's metrics (search pruning) lands before the next epoch.
 */
export const WorkerStart = z.object({
  type: z.literal('start'),
  job: z.object({
    runId: z.string(),
    config: TrainConfig,
    parquetPath: z.string(),
    columns: z.array(ColumnInfo),
    latheVersion: z.string(),
    /** A checkpoint to continue from (runs:resume). */
    resume: z.instanceof(Uint8Array).optional(),
  }),
  cancelFlag: z.instanceof(SharedArrayBuffer),
  awaitVerdict: z.boolean().optional(),
});
export type WorkerStart = z.infer<typeof WorkerStart>;

/** Worker → main. */
export const WorkerMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('backend'), backend: z.string() }),
  /** The training entered a phase (trainer.ts): main forwards it as `train:phase`. */
  z.object({ type: z.literal('phase'), phase: TrainPhase }),
  z.object({
    type: z.literal('epoch'),
    epoch: z.number().int(),
    epochs: z.number().int(),
    loss: z.number(),
    valLoss: z.number(),
    metrics: z.record(z.string(), z.number()),
    elapsedMs: z.number(),
  }),
  /** After every epoch: the run's latest checkpoint (checkpoint.ts), at the metric step of that epoch. */
  z.object({
    type: z.literal('checkpoint'),
    step: z.number().int(),
    bytes: z.instanceof(Uint8Array),
  }),
  z.object({
    type: z.literal('done'),
    backend: z.string(),
    metrics: z.record(z.string(), z.number()),
    params: z.record(z.string(), z.string()),
    rows: z.object({
      train: z.number(),
      validation: z.number(),
      test: z.number(),
      droppedNullTarget: z.number(),
    }),
    warnings: z.array(z.string()),
    artifacts: z.array(z.object({ path: z.string(), bytes: z.instanceof(Uint8Array) })),
    /** Log `metrics` at this step: early stopping restored an earlier epoch's weights. */
    finalStep: z.number().int().optional(),
  }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
]);
export type WorkerMessage = z.infer<typeof WorkerMessage>;
