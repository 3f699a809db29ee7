// One reading of a time bound given to monitoring (drift, performance, health ranges): an ISO 8601 time,
// UTC unless it carries its own offset. Captured `_at` and serve_health minutes are UTC, so a bound
// without an offset is UTC too — never the machine's local time (JS Date) nor its offset dropped
// (DuckDB's cast of '…+02:00' to TIMESTAMP keeps the wall-clock time and ignores the offset).
import { LatheError } from '../../shared/contract';

/** A time of day without a zone designator (`…T10:00`, `… 10:00:00.5`). */
const LOCAL_TIME = /[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/** Epoch milliseconds of an ISO time bound (UTC unless it has an offset); INVALID_INPUT names `field`. */
export function utcMs(value: string, field: string): number {
  const ms = Date.parse(LOCAL_TIME.test(value) ? `${value.replace(' ', 'T')}Z` : value);
  if (Number.isNaN(ms))
    throw new LatheError('INVALID_INPUT', `${field}: '${value}' is not a time (ISO 8601)`, {
      field,
      value,
    });
  return ms;
}

/** The bound as an ISO UTC text DuckDB casts to the TIMESTAMP it means. */
export const utcIso = (value: string, field: string): string =>
  new Date(utcMs(value, field)).toISOString();
