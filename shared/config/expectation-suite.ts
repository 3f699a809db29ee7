import { z } from 'zod';

export const Severity = z.enum(['warn', 'error']);
export type Severity = z.infer<typeof Severity>;

const base = {
  /** warn: reported; error: the validation fails (exit code 1). */
  severity: Severity.default('error'),
  /** Optional note shown in reports. */
  description: z.string().max(500).optional(),
};
const column = z.string().min(1, 'name the column');
/**
 * A bound: a number, or an integer written as a string of digits. JSON and YAML read numbers as doubles,
 * which hold integers exactly only up to 2^53, so a bound on a BIGINT/HUGEINT column past that is written as
 * a string (`max: "9007199254740993"`) and compared exactly; suggested suites do so.
 */
export const Bound = z.union([
  z.number(),
  z.string().regex(/^-?(0|[1-9][0-9]*)$/, 'a number, or an integer written as a string of digits'),
]);
export type Bound = z.infer<typeof Bound>;
const bound = Bound.optional();

/** -1, 0 or 1 as a < b, a = b, a > b, exactly (an integer string past 2^53 is not rounded). */
export function compareBounds(a: Bound, b: Bound): number {
  const exact = (x: Bound): bigint | number =>
    typeof x === 'string' ? BigInt(x) : Number.isInteger(x) ? BigInt(x) : x;
  const [x, y] = [exact(a), exact(b)];
  if (typeof x === typeof y) return x < y ? -1 : x > y ? 1 : 0;
  // One bigint, one fractional (or infinite/NaN) number: compare the bigint with the number's floor.
  const [big, num, sign] = typeof x === 'bigint' ? [x, y as number, 1] : [y as bigint, x, -1];
  if (Number.isNaN(num)) return 0;
  if (!Number.isFinite(num)) return num > 0 ? -sign : sign;
  return big <= BigInt(Math.floor(num)) ? -sign : sign;
}

/** min and/or max, in order: the shared rule of range, row_count, mean and std. */
function checkBounds(e: { min?: Bound; max?: Bound }, ctx: z.RefinementCtx): void {
  if (e.min === undefined && e.max === undefined) {
    ctx.addIssue({ code: 'custom', path: ['min'], message: 'give min, max or both' });
  } else if (
    // zod runs this refinement even when a bound itself was refused ('wrong' for min): compare only
    // bounds that are bounds, or BigInt('wrong') throws out of the parse as an internal error.
    Bound.safeParse(e.min).success &&
    Bound.safeParse(e.max).success &&
    compareBounds(e.min!, e.max!) > 0
  ) {
    ctx.addIssue({ code: 'custom', path: ['max'], message: 'min must not exceed max' });
  }
}
const minMax = { min: bound, max: bound };

/** One expectation; every kind is evaluated in SQL. */
export const Expectation = z.discriminatedUnion('type', [
  z.object({ type: z.literal('column_exists'), column, ...base }).strict(),
  z
    .object({
      type: z.literal('column_type'),
      column,
      /** A kind (numeric, categorical, boolean, datetime) or an exact DuckDB type such as DOUBLE. */
      dtype: z.string().min(1),
      ...base,
    })
    .strict(),
  z
    .object({
      type: z.literal('null_rate'),
      column,
      /** Highest share of nulls allowed, 0..1. */
      max: z.number().min(0).max(1),
      ...base,
    })
    .strict(),
  z
    .object({ type: z.literal('range'), column, ...minMax, ...base })
    .strict()
    .superRefine(checkBounds),
  z
    .object({
      type: z.literal('allowed_values'),
      column,
      values: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1),
      ...base,
    })
    .strict(),
  z
    .object({
      type: z.literal('regex'),
      column,
      pattern: z
        .string()
        .min(1)
        .refine(
          (p) => {
            try {
              new RegExp(p);
              return true;
            } catch {
              return false;
            }
          },
          { message: 'not a valid regular expression' },
        ),
      ...base,
    })
    .strict(),
  z
    .object({
      type: z.literal('unique'),
      /** One column, or several that together must be unique. */
      columns: z.array(column).min(1),
      ...base,
    })
    .strict(),
  z
    .object({ type: z.literal('row_count'), ...minMax, ...base })
    .strict()
    .superRefine(checkBounds),
  z
    .object({ type: z.literal('mean'), column, ...minMax, ...base })
    .strict()
    .superRefine(checkBounds),
  z
    .object({ type: z.literal('std'), column, ...minMax, ...base })
    .strict()
    .superRefine(checkBounds),
  z
    .object({
      type: z.literal('sql'),
      /** A boolean DuckDB expression every row must satisfy, e.g. `temp_min <= temp_max`. */
      predicate: z.string().min(1),
      ...base,
    })
    .strict(),
]);
export type Expectation = z.infer<typeof Expectation>;
export type ExpectationInput = z.input<typeof Expectation>;

/** An expectation suite file (YAML or JSON): checks a dataset version must pass. */
export const ExpectationSuite = z
  .object({
    name: z.string().min(1).max(200).default('suite'),
    expectations: z.array(Expectation).min(1, 'a suite needs at least one expectation'),
  })
  .strict();
export type ExpectationSuite = z.infer<typeof ExpectationSuite>;
export type ExpectationSuiteInput = z.input<typeof ExpectationSuite>;

/** JSON Schema of suite files, for editor completion (`lathe schema expectation-suite`). */
export function expectationSuiteJsonSchema(): unknown {
  return z.toJSONSchema(ExpectationSuite, { io: 'input' });
}
