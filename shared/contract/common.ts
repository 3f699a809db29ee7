import { z } from 'zod';

/** A value in a preview row: what DuckDB values become once made JSON-safe. */
export const Cell = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type Cell = z.infer<typeof Cell>;

/** ISO-8601 timestamp string. */
export const IsoTime = z.string();

/** Control characters (NUL, line breaks, escapes): no list, file name or terminal shows them faithfully. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Whether `s` holds a control character (see CONTROL). */
export const hasControlCharacter = (s: string): boolean => CONTROL.test(s);

/**
 * Free text a user names something with (a run, an experiment): any printable characters, `/` and `..`
 * included (such a name is never a path), but no control character.
 */
export const displayName = (max: number) =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine(
      (s) => !hasControlCharacter(s),
      'must not contain control characters (NUL, line breaks, escapes)',
    );

/** Empty input for channels that take no arguments. */
export const Empty = z.object({}).strict();
