import { z } from 'zod';
import { IsoTime } from './common';

export const ExperimentsListIn = z.object({
  /** Only experiments of this project; every project when absent. */
  project: z.string().min(1).optional(),
});
export type ExperimentsListIn = z.input<typeof ExperimentsListIn>;

/** An experiment with how many runs it holds (soft-deleted ones counted apart). */
export const ExperimentSummary = z.object({
  name: z.string(),
  project: z.string(),
  runs: z.number().int().nonnegative(),
  deletedRuns: z.number().int().nonnegative(),
  /** When its newest run started; null when it has none. */
  lastRunAt: IsoTime.nullable(),
});
export type ExperimentSummary = z.infer<typeof ExperimentSummary>;
