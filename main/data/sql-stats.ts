/**
 * The sample standard deviation of a DOUBLE expression as SQL, NULL where it is not a finite number.
 * DuckDB's stddev_samp raises "out of range" when the result is not finite — one NaN or ±Infinity in the
 * column, or a spread past ~1e154 whose variance overflows — which would fail a whole profile or
 * validation. covar_samp(x, x) runs the same Welford updates without that check, so on finite results
 * this is bit-for-bit stddev_samp.
 */
export function stddevSampSql(x: string): string {
  const v = `covar_samp(${x}, ${x})`;
  return `(CASE WHEN isfinite(${v}) AND ${v} >= 0 THEN sqrt(${v}) END)`;
}
