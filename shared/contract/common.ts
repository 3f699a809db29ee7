import { z } from 'zod';

/** A value in a preview row: what DuckDB values become once made JSON-safe. */
export const Cell = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type Cell = z.infer<typeof Cell>;

/** ISO-8601 timestamp string. */
export const IsoTime = z.string();

/** Empty input for channels that take no arguments. */
export const Empty = z.object({}).strict();
