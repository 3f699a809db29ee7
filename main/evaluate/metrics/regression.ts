/** Regression metrics matching scikit-learn 1.2 (force_finite defaults), plus residual summaries. */
import { quantileSorted } from './stats';
import {
  MetricInputError,
  type NumericArray,
  requireFinite,
  requireNonEmpty,
  requireSameLength,
} from './validate';
import { createRng } from '../../train/random';

function check(y: NumericArray, yhat: NumericArray): void {
  requireNonEmpty('y', y);
  requireSameLength('y', y, 'yhat', yhat);
  requireFinite('y', y);
  requireFinite('yhat', yhat);
}

export function meanSquaredError(y: NumericArray, yhat: NumericArray): number {
  check(y, yhat);
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (y[i]! - yhat[i]!) ** 2;
  return s / y.length;
}

export function rootMeanSquaredError(y: NumericArray, yhat: NumericArray): number {
  return Math.sqrt(meanSquaredError(y, yhat));
}

export function meanAbsoluteError(y: NumericArray, yhat: NumericArray): number {
  check(y, yhat);
  let s = 0;
  for (let i = 0; i < y.length; i++) s += Math.abs(y[i]! - yhat[i]!);
  return s / y.length;
}

/**
 * sklearn mean_absolute_percentage_error: mean |y − ŷ| / max(|y|, eps) with eps = 2.2e-16, as a
 * fraction (not ×100). A zero in y makes the result huge rather than infinite, as in sklearn.
 */
export function meanAbsolutePercentageError(y: NumericArray, yhat: NumericArray): number {
  check(y, yhat);
  const eps = 2.220446049250313e-16;
  let s = 0;
  for (let i = 0; i < y.length; i++)
    s += Math.abs(y[i]! - yhat[i]!) / Math.max(Math.abs(y[i]!), eps);
  return s / y.length;
}

/** R² (sklearn r2_score): 1 if y is constant and predicted exactly, 0 if y is constant otherwise. */
export function r2Score(y: NumericArray, yhat: NumericArray): number {
  check(y, yhat);
  const n = y.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += y[i]!;
  m /= n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (y[i]! - yhat[i]!) ** 2;
    den += (y[i]! - m) ** 2;
  }
  if (den === 0) return num === 0 ? 1 : 0;
  return 1 - num / den;
}

/** Adjusted R² = 1 − (1 − R²)(n − 1)/(n − p − 1); null with a reason when n − p − 1 <= 0. */
export function adjustedR2(
  r2: number,
  n: number,
  nFeatures: number,
): number | { value: null; reason: string } {
  if (!Number.isInteger(nFeatures) || nFeatures < 0) {
    throw new MetricInputError('nFeatures', `must be a non-negative integer (got ${nFeatures})`);
  }
  if (n - nFeatures - 1 <= 0) {
    return { value: null, reason: `adjusted_r2 needs n > p + 1 (n = ${n}, p = ${nFeatures})` };
  }
  return 1 - ((1 - r2) * (n - 1)) / (n - nFeatures - 1);
}

export function medianAbsoluteError(y: NumericArray, yhat: NumericArray): number {
  check(y, yhat);
  const d = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) d[i] = Math.abs(y[i]! - yhat[i]!);
  d.sort();
  return quantileSorted(d, 0.5);
}

export function maxError(y: NumericArray, yhat: NumericArray): number {
  check(y, yhat);
  let m = 0;
  for (let i = 0; i < y.length; i++) m = Math.max(m, Math.abs(y[i]! - yhat[i]!));
  return m;
}

/** sklearn explained_variance_score: 1 − Var(y − ŷ)/Var(y), with R²'s rule for constant y. */
export function explainedVariance(y: NumericArray, yhat: NumericArray): number {
  check(y, yhat);
  const n = y.length;
  let md = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    md += y[i]! - yhat[i]!;
    my += y[i]!;
  }
  md /= n;
  my /= n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (y[i]! - yhat[i]! - md) ** 2;
    den += (y[i]! - my) ** 2;
  }
  num /= n;
  den /= n;
  if (den === 0) return num === 0 ? 1 : 0;
  return 1 - num / den;
}

/** Residuals y − ŷ. */
export function residuals(y: NumericArray, yhat: NumericArray): Float64Array {
  check(y, yhat);
  const r = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) r[i] = y[i]! - yhat[i]!;
  return r;
}

export interface Histogram {
  /** bins + 1 edges; the last bin includes its right edge. */
  edges: number[];
  counts: number[];
}

/** Equal-width histogram over [min, max], binned exactly like numpy.histogram(values, bins). */
export function histogram(values: NumericArray, bins = 30): Histogram {
  requireNonEmpty('values', values);
  requireFinite('values', values);
  if (!Number.isInteger(bins) || bins < 1)
    throw new MetricInputError('bins', `must be a positive integer (got ${bins})`);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    lo = Math.min(lo, values[i]!);
    hi = Math.max(hi, values[i]!);
  }
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const step = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, b) => (b === bins ? hi : b * step + lo));
  const norm = bins / (hi - lo);
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    let b = Math.floor((v - lo) * norm);
    if (b === bins) b--;
    if (v < edges[b]!) b--;
    else if (b !== bins - 1 && v >= edges[b + 1]!) b++;
    counts[b]!++;
  }
  return { edges, counts };
}

export const RESIDUAL_QUANTILES = [0, 0.05, 0.25, 0.5, 0.75, 0.95, 1] as const;

/** Residual quantiles (linear interpolation, numpy default) keyed like "q0.05". */
export function quantiles(
  values: NumericArray,
  qs: readonly number[] = RESIDUAL_QUANTILES,
): Record<string, number> {
  requireNonEmpty('values', values);
  const sorted = Float64Array.from(values).sort();
  const out: Record<string, number> = {};
  for (const q of qs) out[`q${q}`] = quantileSorted(sorted, q);
  return out;
}

/**
 * Row indices for a plot: every row when n <= max, else a seeded uniform sample of exactly `max`
 * rows without replacement, in row order (selection sampling, Knuth's Algorithm S, O(n)).
 */
export function sampleRows(n: number, max: number, seed = 0): Int32Array {
  if (n <= max) return Int32Array.from({ length: n }, (_, i) => i);
  const rng = createRng(seed);
  const out = new Int32Array(max);
  let chosen = 0;
  for (let i = 0; i < n && chosen < max; i++) {
    if ((n - i) * rng() < max - chosen) out[chosen++] = i;
  }
  return out;
}

export interface PredictionPoints {
  index: number[];
  actual: number[];
  predicted: number[];
  residual: number[];
}

/** Up to `max` (default 2,000) rows for predicted-vs-actual and residual-vs-predicted plots. */
export function predictionPoints(
  y: NumericArray,
  yhat: NumericArray,
  max = 2000,
  seed = 0,
): PredictionPoints {
  check(y, yhat);
  const rows = sampleRows(y.length, max, seed);
  const out: PredictionPoints = { index: [], actual: [], predicted: [], residual: [] };
  for (const i of rows) {
    out.index.push(i);
    out.actual.push(y[i]!);
    out.predicted.push(yhat[i]!);
    out.residual.push(y[i]! - yhat[i]!);
  }
  return out;
}
