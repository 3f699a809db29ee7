/**
 * The standard deviation (sample or population) of a DOUBLE expression as SQL, NULL where it is not a
 * finite number. DuckDB's stddev_samp/stddev_pop raise "out of range" when the result is not finite — one
 * NaN or ±Infinity in the column, or a spread past ~1e154 whose variance overflows — which would fail a
 * whole profile, validation or monitoring reference. covar_samp/covar_pop(x, x) run the same Welford
 * updates without that check, so on finite results this is bit-for-bit stddev_samp/stddev_pop.
 */
export function stddevSql(x: string, kind: 'samp' | 'pop' = 'samp'): string {
  const v = `covar_${kind}(${x}, ${x})`;
  return `(CASE WHEN isfinite(${v}) AND ${v} >= 0 THEN sqrt(${v}) END)`;
}
