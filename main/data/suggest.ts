import type { Bound, ExpectationInput, ExpectationSuite, Profile } from '../../shared/contract';
import { ExpectationSuite as SuiteSchema } from '../../shared/contract';
import { isIntegerType } from './column-kind';

const MAX_ALLOWED_VALUES = 10;

/** Rounds a rate up to two decimals, so the draft holds on the data it came from. */
const ceilRate = (r: number) => Math.min(1, Math.ceil(r * 100) / 100);

/** Exact bounds of an integer column whose profile min/max (doubles) are past 2^53, as digit strings. */
export type ExactBounds = Map<string, { min: string; max: string }>;

/** An integer as a bound: a number while that is exact, else its digits (see Bound). */
const integerBound = (digits: string): Bound =>
  Number.isSafeInteger(Number(digits)) ? Number(digits) : digits;

/**
 * Drafts a suite from a profile: every expectation holds on the profiled version, strict where the data
 * is (types, nulls, ranges, small vocabularies, keys) and loose where drift is normal (row count, mean, std).
 * `exact` gives the exact range of integer columns the profile's doubles would round.
 */
export function suggestSuite(profile: Profile, exact: ExactBounds = new Map()): ExpectationSuite {
  const out: ExpectationInput[] = [
    {
      type: 'row_count',
      min: Math.floor(profile.rows / 2),
      max: profile.rows * 2,
      severity: 'warn',
      description: 'within half to twice the rows of the profiled version',
    },
  ];
  for (const c of profile.columns) {
    out.push({ type: 'column_exists', column: c.name });
    out.push({ type: 'column_type', column: c.name, dtype: c.kind });
    out.push({ type: 'null_rate', column: c.name, max: ceilRate(c.nullRate) });
    if (c.kind === 'numeric' && typeof c.min === 'number' && typeof c.max === 'number') {
      const digits = exact.get(c.name);
      out.push(
        digits
          ? {
              type: 'range',
              column: c.name,
              min: integerBound(digits.min),
              max: integerBound(digits.max),
            }
          : { type: 'range', column: c.name, min: c.min, max: c.max },
      );
      if (c.mean !== null && c.std !== null && c.count > 1) {
        const margin = Math.max(c.std, Math.abs(c.mean) * 1e-9);
        out.push({
          type: 'mean',
          column: c.name,
          min: c.mean - margin,
          max: c.mean + margin,
          severity: 'warn',
        });
        if (c.std > 0)
          out.push({
            type: 'std',
            column: c.name,
            min: c.std / 2,
            max: c.std * 2,
            severity: 'warn',
          });
      }
    }
    const nonNullValues = c.topValues.filter((t) => t.value !== null);
    if (
      c.kind === 'categorical' &&
      c.distinctCount > 0 &&
      c.distinctCount <= MAX_ALLOWED_VALUES &&
      nonNullValues.length === c.distinctCount
    ) {
      out.push({
        type: 'allowed_values',
        column: c.name,
        values: nonNullValues.map((t) => String(t.value)).sort(),
      });
    }
    const keyLike = c.kind === 'categorical' || isIntegerType(c.type);
    if (keyLike && profile.rows > 1 && c.nullCount === 0 && c.distinctCount === profile.rows) {
      out.push({ type: 'unique', columns: [c.name] });
    }
  }
  return SuiteSchema.parse({ name: `${profile.dataset}-suggested`, expectations: out });
}
