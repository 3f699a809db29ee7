import { z } from 'zod';
import { IsoTime } from './common';
import { TrainConfig, Task } from '../config/train-config';

export const RunStatus = z.enum([
  'queued',
  'running',
  'finished',
  'failed',
  'cancelled',
  'interrupted',
]);
export type RunStatus = z.infer<typeof RunStatus>;

export const MetricPoint = z.object({
  key: z.string(),
  step: z.number().int(),
  value: z.number(),
  timestamp: z.number(),
});
export type MetricPoint = z.infer<typeof MetricPoint>;

export const Artifact = z.object({
  path: z.string(),
  sha256: z.string(),
  sizeBytes: z.number().int(),
  createdAt: IsoTime,
});
export type Artifact = z.infer<typeof Artifact>;

/** What a run was made from: enough to reproduce it. */
export const Lineage = z.object({
  dataset: z.string(),
  datasetVersion: z.number().int(),
  datasetVersionId: z.string(),
  datasetHash: z.string(),
  configHash: z.string(),
  seed: z.number().int(),
  backend: z.string().nullable(),
  latheVersion: z.string(),
});
export type Lineage = z.infer<typeof Lineage>;

export const RunSummary = z.object({
  id: z.string(),
  name: z.string(),
  experiment: z.string(),
  project: z.string(),
  status: RunStatus,
  task: Task,
  modelType: z.string(),
  dataset: z.string(),
  startedAt: IsoTime,
  endedAt: IsoTime.nullable(),
  durationMs: z.number().nullable(),
  backend: z.string().nullable(),
  /** Latest value of every metric. */
  metrics: z.record(z.string(), z.number()),
  params: z.record(z.string(), z.string()),
});
export type RunSummary = z.infer<typeof RunSummary>;

export const Run = RunSummary.extend({
  config: TrainConfig,
  tags: z.record(z.string(), z.string()),
  lineage: Lineage,
  artifacts: z.array(Artifact),
  error: z.string().nullable(),
  /** Leakage and data warnings raised while training. */
  warnings: z.array(z.string()),
  system: z.record(z.string(), z.union([z.string(), z.number()])),
});
export type Run = z.infer<typeof Run>;

export const RunsListIn = z.object({
  experiment: z.string().optional(),
  project: z.string().optional(),
  limit: z.number().int().positive().max(100000).default(1000),
});
export type RunsListIn = z.input<typeof RunsListIn>;

export const RunIdIn = z.object({ id: z.string().min(1, 'a run id is required') });

export const RunMetricsIn = z.object({
  id: z.string().min(1),
  key: z.string().optional(),
});
export const RunMetricsOut = z.object({ id: z.string(), points: z.array(MetricPoint) });

export const TrainStartIn = z.object({ config: TrainConfig });
export type TrainStartIn = z.input<typeof TrainStartIn>;
export const TrainStartOut = z.object({ runId: z.string() });

export const TrainWaitOut = Run;

export const TrainCancelOut = z.object({ runId: z.string(), cancelled: z.boolean() });

/** One epoch finished. */
export const TrainProgress = z.object({
  runId: z.string(),
  epoch: z.number().int(),
  epochs: z.number().int(),
  fraction: z.number().min(0).max(1),
  etaMs: z.number().nonnegative(),
  elapsedMs: z.number().nonnegative(),
  loss: z.number(),
  valLoss: z.number(),
  /** Every validation metric computed this epoch, e.g. val_accuracy, val_auc. */
  metrics: z.record(z.string(), z.number()),
});
export type TrainProgress = z.infer<typeof TrainProgress>;

export const RunStatusEvent = z.object({
  runId: z.string(),
  status: RunStatus,
  error: z.string().nullable(),
});
export type RunStatusEvent = z.infer<typeof RunStatusEvent>;
