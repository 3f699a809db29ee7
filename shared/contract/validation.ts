import { z } from 'zod';
import { ExpectationSuite, Severity } from '../config/expectation-suite';
import { Cell, IsoTime } from './common';
import { DatasetName, DatasetRef } from './data';

/** The outcome of one expectation on one dataset version. */
export const ExpectationResult = z.object({
  index: z.number().int(),
  type: z.string(),
  /** The column(s) it is about, when any. */
  column: z.string().nullable(),
  severity: Severity,
  passed: z.boolean(),
  /** What was measured: a rate, a count, a type, a min/max pair… */
  observed: z.unknown(),
  /** The expectation in words, e.g. "null rate ≤ 0.05". */
  expected: z.string(),
  /** Rows that break a row-level expectation (null for table-level ones such as row_count or mean). */
  failingRows: z.number().int().nullable(),
  /** Up to 10 failing rows, with the version's columns. */
  sample: z.array(z.array(Cell)),
  /** A one-line account, e.g. "target: 99 of 398 rows are null (24.9%), at most 0% allowed". */
  message: z.string(),
});
export type ExpectationResult = z.infer<typeof ExpectationResult>;

export const ValidationReport = z.object({
  id: z.string(),
  dataset: z.string(),
  version: z.number().int(),
  versionId: z.string(),
  suiteName: z.string(),
  suiteHash: z.string(),
  /** False when any error-severity expectation failed. */
  success: z.boolean(),
  errors: z.number().int(),
  warnings: z.number().int(),
  rows: z.number().int(),
  columns: z.array(z.string()),
  results: z.array(ExpectationResult),
  /** With --quarantine: the version holding the failing rows, and the clean version. */
  quarantine: z
    .object({
      failing: z.object({ dataset: z.string(), version: z.number().int(), rows: z.number().int() }),
      /** Null when every row failed. */
      clean: z
        .object({ dataset: z.string(), version: z.number().int(), rows: z.number().int() })
        .nullable(),
    })
    .nullable(),
  createdAt: IsoTime,
  durationMs: z.number(),
});
export type ValidationReport = z.infer<typeof ValidationReport>;

export const SuggestOut = z.object({ suite: ExpectationSuite });

export const ValidateIn = z.object({
  ref: DatasetRef,
  /** The suite to check; when absent, the suite saved with the dataset (`data:suite:save`). */
  suite: ExpectationSuite.optional(),
  /** Also write the failing rows (of row-level error expectations) and the rest as new versions. */
  quarantine: z.boolean().default(false),
});
export type ValidateIn = z.input<typeof ValidateIn>;

/** The expectation suite saved with a dataset: every version (and retraining) is checked against it. */
export const SavedSuite = z.object({
  dataset: z.string(),
  /** Null when none is saved. */
  suite: ExpectationSuite.nullable(),
  updatedAt: IsoTime.nullable(),
});
export type SavedSuite = z.infer<typeof SavedSuite>;

export const SuiteSaveIn = z.object({ name: DatasetName, suite: ExpectationSuite });
