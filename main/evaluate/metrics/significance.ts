/** Champion-vs-challenger tests on the same rows, and seeded repeats for a metric's spread. */
import { binomHalfCdf, chi2Sf1, mean, quantileSorted, std } from './stats';
import {
  MetricInputError,
  type Probabilities,
  probabilityColumns,
  requireNonEmpty,
  requireSameLength,
} from './validate';
import { createRng } from '../../train/random';

/** A metric over a subset of rows given by index (indices may repeat: a bootstrap sample). */
export type RowMetric = (rows: Int32Array) => number;

export interface BootstrapOptions {
  /** Resamples (default 1000). */
  iterations?: number;
  /** Confidence level of the interval (default 0.95). */
  level?: number;
  seed?: number;
}

export interface PairedBootstrapResult {
  /** metric(challenger) − metric(champion) on all rows. */
  observed_diff: number;
  /** Mean of the resampled differences. */
  mean_diff: number;
  ci_low: number;
  ci_high: number;
  level: number;
  /** One-sided p-value for "challenger is not better" (diff <= 0): (1 + #{d_b <= 0}) / (1 + B). */
  p_value: number;
  iterations: number;
  seed: number;
}

/**
 * Paired bootstrap of a metric difference: each resample draws n rows with replacement and scores
 * both models on the same rows. The interval is the percentile interval (linear interpolation). A
 * higher metric must mean better; pass a negated loss for losses.
 */
export function pairedBootstrap(
  n: number,
  champion: RowMetric,
  challenger: RowMetric,
  options: BootstrapOptions = {},
): PairedBootstrapResult {
  const iterations = options.iterations ?? 1000;
  const level = options.level ?? 0.95;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(n) || n < 1)
    throw new MetricInputError('n', `must be a positive integer (got ${n})`);
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new MetricInputError('iterations', `must be a positive integer (got ${iterations})`);
  }
  if (!(level > 0 && level < 1))
    throw new MetricInputError('level', `must be in (0, 1) (got ${level})`);
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const observed = challenger(all) - champion(all);
  const rng = createRng(seed);
  const diffs = new Float64Array(iterations);
  const rows = new Int32Array(n);
  let notBetter = 0;
  for (let b = 0; b < iterations; b++) {
    for (let i = 0; i < n; i++) rows[i] = Math.floor(rng() * n);
    const d = challenger(rows) - champion(rows);
    diffs[b] = d;
    if (d <= 0) notBetter++;
  }
  const meanDiff = mean(diffs);
  diffs.sort();
  const alpha = (1 - level) / 2;
  return {
    observed_diff: observed,
    mean_diff: meanDiff,
    ci_low: quantileSorted(diffs, alpha),
    ci_high: quantileSorted(diffs, 1 - alpha),
    level,
    p_value: (1 + notBetter) / (1 + iterations),
    iterations,
    seed,
  };
}

/** A RowMetric that averages per-row values (accuracy from 0/1 correctness, negated loss, ...). */
export function meanOverRows(values: ArrayLike<number>): RowMetric {
  return (rows) => {
    let s = 0;
    for (let i = 0; i < rows.length; i++) s += values[rows[i]!]!;
    return s / rows.length;
  };
}

/**
 * A RowMetric for any classification metric: gathers the chosen rows' labels and probabilities (same
 * layout as given) and calls `metric` on them, e.g. `(l, p) => value of rocAuc(l, p)` for a bootstrap
 * of an AUC difference.
 */
export function classificationRowMetric(
  labels: Int32Array,
  probs: Probabilities,
  k: number,
  metric: (labels: Int32Array, probs: Float64Array) => number,
): RowMetric {
  requireNonEmpty('labels', labels);
  const cols = probabilityColumns(probs, labels.length, k);
  return (rows) => {
    const l = new Int32Array(rows.length);
    const p = new Float64Array(rows.length * cols);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      l[i] = labels[r]!;
      for (let c = 0; c < cols; c++) p[i * cols + c] = probs[r * cols + c]!;
    }
    return metric(l, p);
  };
}

export interface McNemarResult {
  /** Rows the champion got right and the challenger wrong. */
  b: number;
  /** Rows the champion got wrong and the challenger right. */
  c: number;
  statistic: number;
  p_value: number;
  method: 'exact' | 'chi2_corrected';
}

/**
 * McNemar's test on two classifiers' correctness over the same rows, as statsmodels mcnemar: exact
 * (statistic min(b, c), two-sided binomial p) when b + c < `exactBelow` (default 25), else chi-square
 * with continuity correction, (|b − c| − 1)² / (b + c). No discordant rows: statistic 0, p 1.
 */
export function mcnemar(
  championCorrect: ArrayLike<number | boolean>,
  challengerCorrect: ArrayLike<number | boolean>,
  options: { exact?: boolean; exactBelow?: number } = {},
): McNemarResult {
  requireNonEmpty('championCorrect', championCorrect);
  requireSameLength('championCorrect', championCorrect, 'challengerCorrect', challengerCorrect);
  let b = 0;
  let c = 0;
  for (let i = 0; i < championCorrect.length; i++) {
    const a = Boolean(championCorrect[i]);
    const z = Boolean(challengerCorrect[i]);
    if (a && !z) b++;
    else if (!a && z) c++;
  }
  const exact = options.exact ?? b + c < (options.exactBelow ?? 25);
  if (b + c === 0)
    return { b, c, statistic: 0, p_value: 1, method: exact ? 'exact' : 'chi2_corrected' };
  if (exact) {
    const k = Math.min(b, c);
    return {
      b,
      c,
      statistic: k,
      p_value: Math.min(1, 2 * binomHalfCdf(k, b + c)),
      method: 'exact',
    };
  }
  const statistic = (Math.abs(b - c) - 1) ** 2 / (b + c);
  return { b, c, statistic, p_value: chi2Sf1(statistic), method: 'chi2_corrected' };
}

export interface Spread {
  values: number[];
  mean: number;
  /** Population standard deviation (ddof = 0, as sklearn permutation_importance's importances_std). */
  std: number;
}

/**
 * Runs `fn` `repeats` times, each with its own seeded generator (seed + r), and summarizes the
 * values, e.g. permutation importance over shuffles.
 */
export function seededRepeats(
  repeats: number,
  seed: number,
  fn: (rng: () => number, repeat: number) => number,
): Spread {
  if (!Number.isInteger(repeats) || repeats < 1) {
    throw new MetricInputError('repeats', `must be a positive integer (got ${repeats})`);
  }
  const values: number[] = [];
  for (let r = 0; r < repeats; r++) values.push(fn(createRng((seed + r) >>> 0), r));
  return { values, mean: mean(values), std: std(values) };
}

/** n row indices drawn with replacement (one bootstrap sample). */
export function bootstrapRows(n: number, rng: () => number): Int32Array {
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[i] = Math.floor(rng() * n);
  return rows;
}
