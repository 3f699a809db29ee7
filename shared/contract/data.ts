import { z } from 'zod';
import { Cell, IsoTime } from './common';
import { ProjectName } from './projects';

/** Logical kind of a column, derived from its DuckDB type. */
export const ColumnKind = z.enum(['numeric', 'categorical', 'boolean', 'datetime', 'other']);
export type ColumnKind = z.infer<typeof ColumnKind>;

export const ColumnInfo = z.object({
  name: z.string(),
  /** The DuckDB type, e.g. DOUBLE, BIGINT, VARCHAR, DATE, TIMESTAMP. */
  type: z.string(),
  kind: ColumnKind,
});
export type ColumnInfo = z.infer<typeof ColumnInfo>;

export const FileFormat = z.enum(['csv', 'tsv', 'parquet', 'json', 'ndjson']);
export type FileFormat = z.infer<typeof FileFormat>;

/** Dataset names are identifiers users type on the command line: `name` or `name@version`. */
export const DatasetName = z
  .string()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .regex(
    /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/,
    'use letters A-Z, digits, _ . - (no spaces, accents or @)',
  );

/** `name`, `name@3` (version number) or `name@1a2b3c` (hash prefix). */
export const DatasetRef = z
  .string()
  .min(1, 'must not be empty')
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*(@[A-Za-z0-9]+)?$/, 'expected NAME or NAME@VERSION');

/** A version another version was made from. */
export const VersionParent = z.object({
  dataset: z.string(),
  version: z.number().int().positive(),
  id: z.string(),
  hash: z.string(),
});
export type VersionParent = z.infer<typeof VersionParent>;

/** One immutable version of a dataset, stored as Parquet in the workspace. */
export const DatasetVersion = z.object({
  id: z.string(),
  dataset: z.string(),
  version: z.number().int().positive(),
  /** sha256 of the imported content; identical content reuses the version. */
  hash: z.string(),
  rows: z.number().int().nonnegative(),
  columns: z.array(ColumnInfo),
  /** `sql` for a query import, `transform` for a version made from parent versions. */
  format: FileFormat.or(z.enum(['sql', 'transform'])),
  /** The file path or URL, the query, or the transform's parents. */
  source: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  createdAt: IsoTime,
  /** The versions this one was made from (empty for imports). */
  parents: z.array(VersionParent),
  /** The exact transform that made it (`{ from, steps }`), null for imports. */
  transform: z.unknown().nullable(),
});
export type DatasetVersion = z.infer<typeof DatasetVersion>;

export const DatasetSummary = z.object({
  id: z.string(),
  name: z.string(),
  project: z.string(),
  createdAt: IsoTime,
  versionCount: z.number().int(),
  latest: DatasetVersion,
  /** When the dataset was soft-deleted (`data:delete`); null or absent when it is not. */
  deletedAt: IsoTime.nullable().optional(),
});
export type DatasetSummary = z.infer<typeof DatasetSummary>;

export const ImportIn = z.object({
  /** Absolute or working-directory-relative path of a CSV/TSV, Parquet, JSON or NDJSON file. */
  path: z.string().min(1, 'a file path is required'),
  name: DatasetName,
  project: ProjectName.default('Default'),
  /** Overrides detection by extension and sniffing. */
  format: FileFormat.optional(),
  /**
   * Accept a new version whose columns differ from the latest version's. Without it such an import is
   * refused with INVALID_INPUT whose details hold `schemaChange` (a SchemaChange).
   */
  allowSchemaChange: z.boolean().optional(),
  /**
   * Also profile the new version, while the import finishes (the answer's `profile`, stored as
   * `data:profile` stores it; a reused version answers its stored profile).
   */
  profile: z.boolean().optional(),
});
export type ImportIn = z.input<typeof ImportIn>;

export const ImportQueryIn = z.object({
  /** A DuckDB SELECT over files, e.g. `SELECT ... FROM 'a.parquet'`. */
  sql: z.string().min(1, 'a query is required'),
  name: DatasetName,
  project: ProjectName.default('Default'),
  /** As for `data:import`. */
  allowSchemaChange: z.boolean().optional(),
});
export type ImportQueryIn = z.input<typeof ImportQueryIn>;

export const ImportOut = z.object({
  dataset: z.string(),
  version: DatasetVersion,
  /** True when identical content was already imported under this name. */
  reused: z.boolean(),
  durationMs: z.number(),
  /** The version's profile, when `profile` was asked for. */
  profile: z.lazy(() => Profile).optional(),
});
export type ImportOut = z.infer<typeof ImportOut>;

export const DataListIn = z.object({
  project: z.string().optional(),
  /** Also list soft-deleted datasets (to restore one). */
  deleted: z.boolean().optional(),
});
export const DataNameIn = z.object({ name: DatasetName });

/**
 * How a new version's columns differ from the latest version's: what an import refuses without
 * `allowSchemaChange`, carried in the error's `details.schemaChange`.
 */
export const SchemaChange = z.object({
  dataset: z.string(),
  /** The version the new columns were compared with. */
  fromVersion: z.number().int(),
  added: z.array(ColumnInfo),
  removed: z.array(ColumnInfo),
  retyped: z.array(z.object({ name: z.string(), from: z.string(), to: z.string() })),
});
export type SchemaChange = z.infer<typeof SchemaChange>;

export const DataRenameIn = z.object({ name: DatasetName, to: DatasetName });
export const DataRenameOut = z.object({ name: z.string(), previous: z.string() });
export const DataDeleteOut = z.object({
  name: z.string(),
  /** False when it was already in that state. */
  changed: z.boolean(),
});
export const DataRefIn = z.object({ ref: DatasetRef });

export const HistogramBin = z.object({ lo: z.number(), hi: z.number(), count: z.number().int() });
export type HistogramBin = z.infer<typeof HistogramBin>;

export const TopValue = z.object({ value: Cell, count: z.number().int() });

/** Outliers of a numeric column, counted over its non-null values. */
export const ColumnOutliers = z.object({
  /** Tukey fences from the quartiles: p25 − 1.5·IQR and p75 + 1.5·IQR; values outside them. */
  iqr: z.object({
    lower: z.number(),
    upper: z.number(),
    below: z.number().int(),
    above: z.number().int(),
  }),
  /** Values with |x − mean| > threshold · std (sample std); none when std is 0. */
  zScore: z.object({ threshold: z.number(), count: z.number().int() }),
});
export type ColumnOutliers = z.infer<typeof ColumnOutliers>;

/** One row that occurs more than once, with how many times it occurs. */
export const DuplicateRow = z.object({ values: z.array(Cell), count: z.number().int() });
export type DuplicateRow = z.infer<typeof DuplicateRow>;

export const ColumnProfile = z.object({
  name: z.string(),
  type: z.string(),
  kind: ColumnKind,
  count: z.number().int(),
  nullCount: z.number().int(),
  nullRate: z.number(),
  distinctCount: z.number().int(),
  /** Numbers for numeric columns, ISO strings for dates, strings otherwise; null when all null. */
  min: Cell,
  max: Cell,
  mean: z.number().nullable(),
  std: z.number().nullable(),
  quantiles: z
    .object({
      p5: z.number(),
      p25: z.number(),
      p50: z.number(),
      p75: z.number(),
      p95: z.number(),
    })
    .nullable(),
  topValues: z.array(TopValue),
  /** Equal-width bins for numeric and datetime columns (datetime bounds in epoch ms). */
  histogram: z.array(HistogramBin),
  /** Numeric columns with values only. */
  outliers: ColumnOutliers.nullable(),
});
export type ColumnProfile = z.infer<typeof ColumnProfile>;

export const Profile = z.object({
  dataset: z.string(),
  version: z.number().int(),
  versionId: z.string(),
  rows: z.number().int(),
  /** Rows identical to an earlier row (a row occurring 3 times counts 2). */
  duplicateRows: z.number().int(),
  /** Up to 10 duplicated rows (values in column order), most frequent first. */
  duplicateSample: z.array(DuplicateRow),
  columns: z.array(ColumnProfile),
  durationMs: z.number(),
});
export type Profile = z.infer<typeof Profile>;

export const PreviewIn = z.object({
  ref: DatasetRef,
  offset: z.number().int().nonnegative().default(0),
  limit: z.number().int().positive().max(5000).default(200),
});
export type PreviewIn = z.input<typeof PreviewIn>;

export const PreviewOut = z.object({
  columns: z.array(ColumnInfo),
  rows: z.array(z.array(Cell)),
  offset: z.number().int(),
  total: z.number().int(),
});
export type PreviewOut = z.infer<typeof PreviewOut>;
