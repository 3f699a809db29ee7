// Serving channels: batch prediction with a registered model version.
import { z } from 'zod';
import { ModelRef } from './registry';

export const PredictBatchIn = z.object({
  /** The model version: `NAME@VERSION`, `NAME@alias` or `NAME` (latest). */
  model: ModelRef,
  /** An input file (.csv, .tsv, .parquet, .json, .jsonl, .ndjson) or a glob of them. */
  input: z.string().min(1, 'an input file is required'),
  /** The output file: .csv or .parquet. Written whole or not at all. */
  output: z.string().min(1, 'an output file is required'),
  /** Input column copied to the output as each row's id; default: the row number (from 0) as `row`. */
  idColumn: z.string().min(1).optional(),
  /** Rows scored per step (memory is bounded by it); default 100,000. */
  chunkRows: z.number().int().positive().max(10_000_000).optional(),
});
export type PredictBatchIn = z.input<typeof PredictBatchIn>;

/** A finished batch prediction, as recorded in the workspace (prediction_batches). */
export const PredictBatchOut = z.object({
  id: z.string(),
  model: z.string(),
  version: z.number().int().positive(),
  input: z.string(),
  /** The files the input named, in the order they were read. */
  files: z.array(z.string()),
  /** sha256 of the input files' bytes, concatenated in order. */
  inputSha256: z.string(),
  output: z.string(),
  /** The output's columns: the id, `prediction`, then `probability_<class>` per class. */
  columns: z.array(z.string()),
  rows: z.number().int().nonnegative(),
  durationMs: z.number().nonnegative(),
});
export type PredictBatchOut = z.infer<typeof PredictBatchOut>;
