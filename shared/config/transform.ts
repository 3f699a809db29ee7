import { z } from 'zod';
import { DatasetRef } from '../contract/data';

const column = z.string().min(1, 'name the column');

/** A DuckDB type name: INTEGER, DOUBLE, DECIMAL(10,2), TIMESTAMP WITH TIME ZONE, VARCHAR[]. */
const DuckDbType = z
  .string()
  .trim()
  .min(1, 'name a DuckDB type')
  .regex(
    /^[A-Za-z][A-Za-z0-9_ ]*(\(\s*\d+\s*(,\s*\d+\s*)?\))?(\[\])*$/,
    'expected a DuckDB type such as INTEGER, DOUBLE, DATE, DECIMAL(10,2), VARCHAR',
  );

/**
 * One cleaning step. Steps run in order; each reads the result of the one before (the first reads the
 * parent version). Every step compiles to DuckDB SQL.
 */
export const TransformStep = z.discriminatedUnion('type', [
  /** Removes columns. */
  z
    .object({
      type: z.literal('drop'),
      columns: z.array(column).min(1, 'name at least one column'),
    })
    .strict(),
  /** Renames columns: `{ old: new }`. */
  z
    .object({
      type: z.literal('rename'),
      mapping: z
        .record(column, z.string().min(1, 'the new name must not be empty'))
        .refine((m) => Object.keys(m).length > 0, 'map at least one column'),
    })
    .strict(),
  /** Converts a column to a DuckDB type; a value that cannot be converted fails the transform. */
  z.object({ type: z.literal('cast'), column, to: DuckDbType }).strict(),
  /** Keeps the rows where a DuckDB boolean expression holds, e.g. `delay > 0 AND origin = 'SEA'`. */
  z
    .object({ type: z.literal('filter'), where: z.string().trim().min(1, 'give a condition') })
    .strict(),
  /** Removes repeated rows (equal on `columns`, default: every column), keeping the first by row order. */
  z.object({ type: z.literal('dedupe'), columns: z.array(column).min(1).optional() }).strict(),
  /**
   * A SELECT over the parent versions, bound as views named by their dataset names (and as
   * `"name@version"`); `input` is the result of the steps before.
   */
  z
    .object({ type: z.literal('sql'), query: z.string().trim().min(1, 'give a SELECT query') })
    .strict(),
]);
export type TransformStep = z.infer<typeof TransformStep>;

export const TransformSteps = z.array(TransformStep).min(1, 'give at least one step');

/** A transform: the parent versions it reads and the steps it applies. */
export const Transform = z
  .object({
    from: z.array(DatasetRef).min(1, 'name at least one parent dataset'),
    steps: TransformSteps,
  })
  .strict();
export type Transform = z.infer<typeof Transform>;

/** A steps file (`lathe data transform --steps FILE`): the steps, and optionally the parents. */
export const TransformFile = z
  .object({
    from: z.array(DatasetRef).min(1).optional(),
    steps: TransformSteps,
  })
  .strict();
export type TransformFile = z.infer<typeof TransformFile>;

/** A short human summary of a step: `drop(a, b)`, `cast(x → INTEGER)`, `filter(delay > 0)`. */
export function describeStep(step: TransformStep): string {
  const cut = (s: string, n = 40) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  switch (step.type) {
    case 'drop':
      return `drop(${step.columns.join(', ')})`;
    case 'rename':
      return `rename(${Object.entries(step.mapping)
        .map(([a, b]) => `${a} → ${b}`)
        .join(', ')})`;
    case 'cast':
      return `cast(${step.column} → ${step.to})`;
    case 'filter':
      return `filter(${cut(step.where)})`;
    case 'dedupe':
      return step.columns ? `dedupe(${step.columns.join(', ')})` : 'dedupe';
    case 'sql':
      return `sql(${cut(step.query.replace(/\s+/g, ' '))})`;
  }
}

/** JSON Schema of a steps file, for editor completion (`lathe schema transform`). */
export function transformJsonSchema(): unknown {
  return z.toJSONSchema(TransformFile, { io: 'input' });
}
