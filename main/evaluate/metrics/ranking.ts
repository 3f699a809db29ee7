/**
 * Score-ranking metrics for one binary problem (class 1 vs the rest): ROC, precision-recall, average
 * precision, calibration and threshold choice. Each sorts once (native typed-array sort, O(n log n)).
 * A threshold t predicts positive when score >= t, as in scikit-learn.
 */
import { quantileSorted } from './stats';
import {
  MetricInputError,
  type NumericArray,
  requireFinite,
  requireNonEmpty,
  requireSameLength,
} from './validate';

/** A value that could not be computed, with the reason (JSON-able, unlike NaN). */
export interface Undefined {
  value: null;
  reason: string;
}

/** Cumulative counts at each distinct threshold, highest first (sklearn _binary_clf_curve). */
export interface BinaryCounts {
  thresholds: Float64Array;
  tps: Float64Array;
  fps: Float64Array;
  positives: number;
  negatives: number;
}

/** `isPositive[i]` is 1 for the positive class; scores are any real numbers (higher = more positive). */
export function binaryCounts(isPositive: ArrayLike<number>, scores: NumericArray): BinaryCounts {
  requireNonEmpty('labels', isPositive);
  requireSameLength('labels', isPositive, 'scores', scores);
  requireFinite('scores', scores);
  let positives = 0;
  for (let i = 0; i < isPositive.length; i++) if (isPositive[i]) positives++;
  const negatives = isPositive.length - positives;
  const pos = new Float64Array(positives);
  const neg = new Float64Array(negatives);
  let a = 0;
  let b = 0;
  for (let i = 0; i < isPositive.length; i++) {
    if (isPositive[i]) pos[a++] = scores[i]!;
    else neg[b++] = scores[i]!;
  }
  pos.sort();
  neg.sort();
  const thresholds: number[] = [];
  const tps: number[] = [];
  const fps: number[] = [];
  let i = positives - 1;
  let j = negatives - 1;
  let tp = 0;
  let fp = 0;
  while (i >= 0 || j >= 0) {
    const t = Math.max(i >= 0 ? pos[i]! : -Infinity, j >= 0 ? neg[j]! : -Infinity);
    while (i >= 0 && pos[i] === t) {
      tp++;
      i--;
    }
    while (j >= 0 && neg[j] === t) {
      fp++;
      j--;
    }
    thresholds.push(t);
    tps.push(tp);
    fps.push(fp);
  }
  return {
    thresholds: Float64Array.from(thresholds),
    tps: Float64Array.from(tps),
    fps: Float64Array.from(fps),
    positives,
    negatives,
  };
}

function undefinedAuc(counts: BinaryCounts, what: string): Undefined | null {
  if (counts.positives === 0) return { value: null, reason: `${what}: no positive rows` };
  if (counts.negatives === 0 && what === 'roc_auc') {
    return { value: null, reason: `${what}: no negative rows` };
  }
  return null;
}

/** ROC-AUC by the trapezoid rule over the ROC curve (ties count half), sklearn roc_auc_score. */
export function rocAucFromCounts(counts: BinaryCounts): number | Undefined {
  const bad = undefinedAuc(counts, 'roc_auc');
  if (bad) return bad;
  let area = 0;
  let prevTp = 0;
  let prevFp = 0;
  for (let i = 0; i < counts.tps.length; i++) {
    const tp = counts.tps[i]!;
    const fp = counts.fps[i]!;
    area += ((fp - prevFp) * (tp + prevTp)) / 2;
    prevTp = tp;
    prevFp = fp;
  }
  return area / (counts.positives * counts.negatives);
}

/** Average precision Σ (R_i − R_{i−1}) P_i over distinct thresholds (sklearn average_precision_score). */
export function averagePrecisionFromCounts(counts: BinaryCounts): number | Undefined {
  const bad = undefinedAuc(counts, 'pr_auc');
  if (bad) return bad;
  let ap = 0;
  let prevTp = 0;
  for (let i = 0; i < counts.tps.length; i++) {
    const tp = counts.tps[i]!;
    ap += ((tp - prevTp) / counts.positives) * (tp / (tp + counts.fps[i]!));
    prevTp = tp;
  }
  return ap;
}

/** Binary ROC-AUC; labels are 0/1. A single class in labels gives `{ value: null, reason }`. */
export function rocAuc(labels: Int32Array, scores: NumericArray): number | Undefined {
  return rocAucFromCounts(binaryCounts(labels, scores));
}

/** Binary PR-AUC as average precision; labels are 0/1. */
export function averagePrecision(labels: Int32Array, scores: NumericArray): number | Undefined {
  return averagePrecisionFromCounts(binaryCounts(labels, scores));
}

/** Indices 0..m-1 thinned to at most `max`, evenly spaced, always keeping the first and the last. */
export function thinIndices(m: number, max: number): number[] {
  if (m <= max) return Array.from({ length: m }, (_, i) => i);
  const out: number[] = [];
  for (let s = 0; s < max; s++) {
    const idx = Math.round((s * (m - 1)) / (max - 1));
    if (out[out.length - 1] !== idx) out.push(idx);
  }
  return out;
}

/** A curve's columns (all of one length) thinned alike to at most `max` points (see thinIndices). */
function thinColumns<T extends Record<string, unknown[]>>(columns: T, max: number): T {
  const first = Object.values(columns)[0] ?? [];
  const pick = thinIndices(first.length, max);
  return Object.fromEntries(
    Object.entries(columns).map(([k, xs]) => [k, pick.map((i) => xs[i])]),
  ) as T;
}

/** Curve points as columns. The threshold of the curve's added end point is null. */
export interface RocCurve {
  fpr: number[];
  tpr: number[];
  thresholds: (number | null)[];
}

/**
 * ROC points from (0, 0) up, like sklearn roc_curve(drop_intermediate=True) (its first threshold,
 * max+1, is null here), then thinned to at most `maxPoints`, keeping both ends.
 */
export function rocCurveFromCounts(counts: BinaryCounts, maxPoints = 200): RocCurve | Undefined {
  const bad = undefinedAuc(counts, 'roc_auc');
  if (bad) return { value: null, reason: bad.reason.replace('roc_auc', 'roc curve') };
  const { tps, fps, thresholds } = counts;
  const m = tps.length;
  const keep: number[] = [];
  for (let i = 0; i < m; i++) {
    // Keep a point unless it lies on the straight line through its neighbours (sklearn's np.diff(x, 2)).
    if (i === 0 || i === m - 1 || m <= 2) keep.push(i);
    else if (
      fps[i + 1]! - 2 * fps[i]! + fps[i - 1]! !== 0 ||
      tps[i + 1]! - 2 * tps[i]! + tps[i - 1]! !== 0
    ) {
      keep.push(i);
    }
  }
  const fpr = [0];
  const tpr = [0];
  const th: (number | null)[] = [null];
  for (const i of keep) {
    fpr.push(fps[i]! / counts.negatives);
    tpr.push(tps[i]! / counts.positives);
    th.push(thresholds[i]!);
  }
  return thinColumns({ fpr, tpr, thresholds: th }, maxPoints);
}

export interface PrCurve {
  precision: number[];
  recall: number[];
  thresholds: (number | null)[];
}

/**
 * Precision-recall points in sklearn precision_recall_curve order (threshold rising, recall falling,
 * ending at precision 1, recall 0 with a null threshold), thinned to at most `maxPoints`.
 */
export function prCurveFromCounts(counts: BinaryCounts, maxPoints = 200): PrCurve | Undefined {
  const bad = undefinedAuc(counts, 'pr_auc');
  if (bad) return { value: null, reason: bad.reason.replace('pr_auc', 'precision-recall curve') };
  const precision: number[] = [];
  const recall: number[] = [];
  const thresholds: (number | null)[] = [];
  for (let i = counts.tps.length - 1; i >= 0; i--) {
    const tp = counts.tps[i]!;
    precision.push(tp / (tp + counts.fps[i]!));
    recall.push(tp / counts.positives);
    thresholds.push(counts.thresholds[i]!);
  }
  precision.push(1);
  recall.push(0);
  thresholds.push(null);
  return thinColumns({ precision, recall, thresholds }, maxPoints);
}

export type CalibrationStrategy = 'uniform' | 'quantile';

/** Calibration per non-empty bin, sklearn calibration_curve's prob_true/prob_pred plus counts. */
export interface CalibrationCurve {
  strategy: CalibrationStrategy;
  /** The bin edges used (quantile edges come from the scores). */
  edges: number[];
  /** Fraction of positives per non-empty bin. */
  fraction_positive: number[];
  /** Mean predicted probability per non-empty bin. */
  mean_predicted: number[];
  count: number[];
}

/**
 * Calibration curve like sklearn calibration_curve(n_bins, strategy): 'uniform' splits [0, 1] into
 * equal bins, 'quantile' uses score percentiles; a score on an inner edge falls in the lower bin
 * (np.searchsorted). Scores must be probabilities in [0, 1].
 */
export function calibrationCurve(
  labels: Int32Array,
  probs: NumericArray,
  bins = 10,
  strategy: CalibrationStrategy = 'uniform',
): CalibrationCurve {
  requireNonEmpty('labels', labels);
  requireSameLength('labels', labels, 'probs', probs);
  if (!Number.isInteger(bins) || bins < 1)
    throw new MetricInputError('bins', `must be a positive integer (got ${bins})`);
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i]!;
    if (!(p >= 0 && p <= 1))
      throw new MetricInputError('probs', `row ${i} is ${p}, outside [0, 1]`);
  }
  let edges: number[];
  if (strategy === 'quantile') {
    const sorted = Float64Array.from(probs).sort();
    edges = Array.from({ length: bins + 1 }, (_, b) => quantileSorted(sorted, b / bins));
  } else {
    edges = Array.from({ length: bins + 1 }, (_, b) => (b === bins ? 1 : b / bins));
  }
  const inner = edges.slice(1, -1);
  const sums = new Float64Array(bins);
  const trues = new Float64Array(bins);
  const totals = new Float64Array(bins);
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i]!;
    // First inner edge >= p (searchsorted, side='left').
    let lo = 0;
    let hi = inner.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (inner[mid]! < p) lo = mid + 1;
      else hi = mid;
    }
    sums[lo]! += p;
    trues[lo]! += labels[i] === 1 ? 1 : 0;
    totals[lo]!++;
  }
  const out: CalibrationCurve = {
    strategy,
    edges,
    fraction_positive: [],
    mean_predicted: [],
    count: [],
  };
  for (let b = 0; b < bins; b++) {
    if (totals[b] === 0) continue;
    out.fraction_positive.push(trues[b]! / totals[b]!);
    out.mean_predicted.push(sums[b]! / totals[b]!);
    out.count.push(totals[b]!);
  }
  return out;
}

/** The operating point at one threshold (predict positive when score >= threshold). */
export interface OperatingPoint {
  threshold: number;
  precision: number;
  recall: number;
  f1: number;
}

function pointAt(counts: BinaryCounts, i: number): OperatingPoint {
  const tp = counts.tps[i]!;
  const precision = tp / (tp + counts.fps[i]!);
  const recall = tp / counts.positives;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { threshold: counts.thresholds[i]!, precision, recall, f1 };
}

/**
 * Threshold choice over the distinct scores. 'max_f1': the highest F1 (ties: the highest threshold).
 * 'precision': highest recall with precision >= target (ties: higher precision). 'recall': highest
 * precision with recall >= target (ties: higher recall). Null with a reason if no threshold qualifies.
 */
export function selectThreshold(
  counts: BinaryCounts,
  goal:
    { kind: 'max_f1' } | { kind: 'precision'; target: number } | { kind: 'recall'; target: number },
): OperatingPoint | Undefined {
  if (counts.positives === 0) return { value: null, reason: 'no positive rows' };
  let best: OperatingPoint | null = null;
  for (let i = 0; i < counts.tps.length; i++) {
    const p = pointAt(counts, i);
    if (goal.kind === 'max_f1') {
      if (!best || p.f1 > best.f1) best = p;
    } else if (goal.kind === 'precision') {
      if (p.precision < goal.target) continue;
      if (
        !best ||
        p.recall > best.recall ||
        (p.recall === best.recall && p.precision > best.precision)
      )
        best = p;
    } else {
      if (p.recall < goal.target) continue;
      if (
        !best ||
        p.precision > best.precision ||
        (p.precision === best.precision && p.recall > best.recall)
      )
        best = p;
    }
  }
  if (best) return best;
  const target = goal.kind === 'max_f1' ? 0 : goal.target;
  return { value: null, reason: `no threshold reaches ${goal.kind} >= ${target}` };
}

/** One-vs-rest: rows of class c are positives. */
export function oneVsRest(labels: Int32Array, c: number): Uint8Array {
  const out = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = labels[i] === c ? 1 : 0;
  return out;
}

export function isUndefined(v: unknown): v is Undefined {
  return typeof v === 'object' && v !== null && 'value' in v && (v as Undefined).value === null;
}
