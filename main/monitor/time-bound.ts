// One reading of a time bound given to monitoring (drift, performance, health ranges): an ISO 8601 time,
// UTC unless it carries its own offset. Captured `_at` and serve_health minutes are UTC, so a bound
// without an offset is UTC too — never the machine's local time (JS Date) nor its offset dropped
// (DuckDB's cast of '…+02:00' to TIMESTAMP keeps the wall-clock time and ignores the offset).
import { LatheError } from '../../shared/contract';

/**
 * The ISO 8601 shapes a bound may take: a date, or a date and time with an optional offset. Date.parse
 * alone takes far more ('1' is 2001, 'March 7' a day of 2001, '2024-02-30' the 1st of March), and a typo
 * read as some other time gives a wrong answer where an error was due. Group 7 is the zone: a time of day
 * without one (`…T10:00`, `… 10:00:00.5`) is UTC.
 */
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Whether the calendar has the date and the clock the time a bound names (no 30 February, no 25:00). */
function realTime(m: RegExpExecArray): boolean {
  const [y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0] = m
    .slice(1, 7)
    .map((x) => (x === undefined ? 0 : Number(x)));
  // setUTCFullYear: Date.UTC reads the years 0 to 99 as 1900 to 1999.
  const day = new Date(0);
  day.setUTCFullYear(y, mo - 1, d);
  return (
    day.getUTCFullYear() === y &&
    day.getUTCMonth() === mo - 1 &&
    day.getUTCDate() === d &&
    h < 24 &&
    mi < 60 &&
    s < 60
  );
}

/** Epoch milliseconds of an ISO time bound (UTC unless it has an offset); INVALID_INPUT names `field`. */
export function utcMs(value: string, field: string): number {
  const shape = ISO.exec(value);
  const local = shape?.[4] !== undefined && shape[7] === undefined;
  const ms =
    shape && realTime(shape)
      ? Date.parse(`${value.replace(' ', 'T')}${local ? 'Z' : ''}`)
      : Number.NaN;
  if (Number.isNaN(ms))
    throw new LatheError(
      'INVALID_INPUT',
      `${field}: '${value}' is not a time (ISO 8601, e.g. 2026-01-31 or 2026-01-31T10:00:00Z)`,
      { field, value },
    );
  return ms;
}

/** The bound as an ISO UTC text DuckDB casts to the TIMESTAMP it means. */
export const utcIso = (value: string, field: string): string =>
  new Date(utcMs(value, field)).toISOString();

/**
 * Checks both bounds of a range; INVALID_INPUT when either is not a time, or when `from` is not before
 * `to` (such a range holds no rows, and reading it as "nothing happened" would hide the mistake).
 */
export function checkRange(range: { from?: string; to?: string } | undefined): void {
  const from = range?.from === undefined ? undefined : utcMs(range.from, 'range.from');
  const to = range?.to === undefined ? undefined : utcMs(range.to, 'range.to');
  if (from !== undefined && to !== undefined && from >= to)
    throw new LatheError(
      'INVALID_INPUT',
      `range: from '${range!.from}' is not before to '${range!.to}' (the range must end after it starts)`,
      { field: 'range', from: range!.from, to: range!.to },
    );
}
