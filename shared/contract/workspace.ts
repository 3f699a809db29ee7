import { z } from 'zod';

/** What `workspace:verify` found wrong: one entry per broken thing, naming it. */
export const VerifyProblem = z.object({
  /**
   * blob-hash: a stored file's content does not hash to its address; blob-missing: a row references a
   * file the store does not hold; dataset-file: a dataset version's Parquet file is missing, of another
   * size or unreadable; capture-file: a batch job's capture file is missing, unreadable or holds another
   * number of rows than recorded; alias-target: an alias points at a version that does not exist; version-run: a
   * version names a run that does not exist; audit-missing: a version has no audit entry of its creation,
   * or an alias points elsewhere than the latest audit entry about it moved it.
   */
  kind: z.enum([
    'blob-hash',
    'blob-missing',
    'dataset-file',
    'capture-file',
    'alias-target',
    'version-run',
    'audit-missing',
  ]),
  /** The sha256, dataset@version, model@version, model alias, run id or batch id concerned. */
  subject: z.string(),
  message: z.string(),
});
export type VerifyProblem = z.infer<typeof VerifyProblem>;

/**
 * Something verify noticed that loses nothing and needs no repair. orphan-file: a dataset file no dataset
 * version names, or a capture file no batch names, left by an import or batch job killed before its
 * commit (or one in progress); `lathe gc` removes it once no live process can be writing it.
 */
export const VerifyWarning = z.object({
  kind: z.enum(['orphan-file']),
  /** The file, relative to the workspace folder. */
  subject: z.string(),
  message: z.string(),
});
export type VerifyWarning = z.infer<typeof VerifyWarning>;

/**
 * The workspace integrity check: what was checked, every problem (none when `ok`), and warnings, which
 * do not make it fail.
 */
export const VerifyOut = z.object({
  ok: z.boolean(),
  checked: z.object({
    /** Artifact files whose content was hashed against their address. */
    blobs: z.number().int(),
    /** Rows (run artifacts, imported model files) whose blob was looked up. */
    references: z.number().int(),
    datasetVersions: z.number().int(),
    /** Batch jobs' capture files whose rows were counted. */
    captureFiles: z.number().int(),
    modelVersions: z.number().int(),
    aliases: z.number().int(),
  }),
  problems: z.array(VerifyProblem),
  warnings: z.array(VerifyWarning),
});
export type VerifyOut = z.infer<typeof VerifyOut>;
