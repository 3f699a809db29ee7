/**
 * Label-based and probability-based classification metrics, matching scikit-learn 1.2 (defaults noted
 * per function). Labels are class indices 0..k-1 in an Int32Array.
 */
import {
  MetricInputError,
  type Probabilities,
  probOf,
  probabilityColumns,
  requireClassCount,
  requireLabels,
  requireSameLength,
} from './validate';

/** k×k counts: rows are true classes, columns predicted classes (sklearn confusion_matrix). */
export function confusionMatrix(labels: Int32Array, predicted: Int32Array, k: number): number[][] {
  requireClassCount(k);
  requireLabels('labels', labels, k);
  requireSameLength('labels', labels, 'predicted', predicted);
  requireLabels('predicted', predicted, k);
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < labels.length; i++) m[labels[i]!]![predicted[i]!]!++;
  return m;
}

/**
 * The class with the highest probability per row; ties go to the lower index (numpy argmax). With
 * the binary shorthand (n values of P(class 1)) a row is class 1 when P > 0.5.
 */
export function predictClasses(probs: Probabilities, n: number, k: number): Int32Array {
  const cols = probabilityColumns(probs, n, k);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (cols === 1) {
      out[i] = probs[i]! > 0.5 ? 1 : 0;
      continue;
    }
    let best = 0;
    let bestP = probs[i * cols]!;
    for (let c = 1; c < cols; c++) {
      const p = probs[i * cols + c]!;
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    out[i] = best;
  }
  return out;
}

export function accuracy(labels: Int32Array, predicted: Int32Array): number {
  if (labels.length === 0) throw new MetricInputError('labels', 'is empty (need at least one row)');
  requireSameLength('labels', labels, 'predicted', predicted);
  let ok = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === predicted[i]) ok++;
  return ok / labels.length;
}

/** Mean recall over the classes present in labels (sklearn balanced_accuracy_score). */
export function balancedAccuracy(labels: Int32Array, predicted: Int32Array, k: number): number {
  const m = confusionMatrix(labels, predicted, k);
  let sum = 0;
  let present = 0;
  for (let c = 0; c < k; c++) {
    const support = m[c]!.reduce((a, b) => a + b, 0);
    if (support === 0) continue;
    sum += m[c]![c]! / support;
    present++;
  }
  return sum / present;
}

export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  /** Rows whose true class is this one. */
  support: number;
}

export interface PrecisionRecallF1 {
  /** One entry per class 0..k-1 (a class absent from both labels and predictions scores 0). */
  perClass: ClassScores[];
  /** Unweighted mean over the classes present in labels or predictions (sklearn's default labels). */
  macro: { precision: number; recall: number; f1: number };
  /** From pooled counts; for single-label data all three equal the accuracy. */
  micro: { precision: number; recall: number; f1: number };
  /** Mean weighted by support. */
  weighted: { precision: number; recall: number; f1: number };
}

/**
 * Precision, recall and F1 per class and averaged, like sklearn precision_recall_fscore_support with
 * zero_division=0 (an undefined ratio counts as 0, sklearn's default after its warning).
 */
export function precisionRecallF1(
  labels: Int32Array,
  predicted: Int32Array,
  k: number,
): PrecisionRecallF1 {
  const m = confusionMatrix(labels, predicted, k);
  const perClass: ClassScores[] = [];
  const present: boolean[] = [];
  let tpAll = 0;
  for (let c = 0; c < k; c++) {
    const tp = m[c]![c]!;
    let support = 0;
    let predictedCount = 0;
    for (let j = 0; j < k; j++) {
      support += m[c]![j]!;
      predictedCount += m[j]![c]!;
    }
    tpAll += tp;
    const precision = predictedCount ? tp / predictedCount : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    perClass.push({ precision, recall, f1, support });
    present.push(support + predictedCount > 0);
  }
  const n = labels.length;
  const macro = { precision: 0, recall: 0, f1: 0 };
  const weighted = { precision: 0, recall: 0, f1: 0 };
  let presentCount = 0;
  for (let c = 0; c < k; c++) {
    const s = perClass[c]!;
    if (present[c]) {
      presentCount++;
      macro.precision += s.precision;
      macro.recall += s.recall;
      macro.f1 += s.f1;
    }
    weighted.precision += (s.precision * s.support) / n;
    weighted.recall += (s.recall * s.support) / n;
    weighted.f1 += (s.f1 * s.support) / n;
  }
  macro.precision /= presentCount;
  macro.recall /= presentCount;
  macro.f1 /= presentCount;
  const micro = tpAll / n;
  return { perClass, macro, micro: { precision: micro, recall: micro, f1: micro }, weighted };
}

/** Matthews correlation coefficient, multiclass form (sklearn matthews_corrcoef); 0 when undefined. */
export function matthewsCorrcoef(labels: Int32Array, predicted: Int32Array, k: number): number {
  const m = confusionMatrix(labels, predicted, k);
  const n = labels.length;
  let correct = 0;
  let tDotP = 0;
  let tDotT = 0;
  let pDotP = 0;
  for (let c = 0; c < k; c++) {
    correct += m[c]![c]!;
    let t = 0;
    let p = 0;
    for (let j = 0; j < k; j++) {
      t += m[c]![j]!;
      p += m[j]![c]!;
    }
    tDotP += t * p;
    tDotT += t * t;
    pDotP += p * p;
  }
  const covYtYp = correct * n - tDotP;
  const covYpYp = n * n - pDotP;
  const covYtYt = n * n - tDotT;
  if (covYpYp * covYtYt === 0) return 0;
  return covYtYp / Math.sqrt(covYtYt * covYpYp);
}

/**
 * Mean cross-entropy, like sklearn 1.2 log_loss(eps='auto', labels=range(k)): each probability is
 * clipped to [eps, 1-eps] with eps the machine epsilon of the array type (2.2e-16 for Float64Array,
 * 1.2e-7 for Float32Array), then each row is renormalized to sum to 1.
 */
export function logLoss(labels: Int32Array, probs: Probabilities, k: number): number {
  requireLabels('labels', labels, k);
  const n = labels.length;
  const cols = probabilityColumns(probs, n, k);
  const eps = probs instanceof Float32Array ? 1.1920928955078125e-7 : 2.220446049250313e-16;
  const clip = (p: number) => Math.min(Math.max(p, eps), 1 - eps);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    let rowSum = 0;
    let py = 0;
    if (cols === 1) {
      const p1 = clip(probs[i]!);
      const p0 = clip(1 - p1);
      rowSum = p0 + p1;
      py = y === 1 ? p1 : p0;
    } else {
      for (let c = 0; c < cols; c++) {
        const p = clip(probs[i * cols + c]!);
        rowSum += p;
        if (c === y) py = p;
      }
    }
    total -= Math.log(py / rowSum);
  }
  return total / n;
}

/**
 * Brier score. k = 2: mean (P(class 1) − y)², sklearn brier_score_loss (0..1). k > 2: the original
 * multiclass Brier, mean over rows of Σ_c (p_c − [y = c])² (0..2; for k = 2 it would be twice the binary).
 */
export function brierScore(labels: Int32Array, probs: Probabilities, k: number): number {
  requireLabels('labels', labels, k);
  const n = labels.length;
  const cols = probabilityColumns(probs, n, k);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    if (k === 2) {
      const d = probOf(probs, cols, i, 1) - y;
      total += d * d;
      continue;
    }
    for (let c = 0; c < k; c++) {
      const d = probs[i * cols + c]! - (c === y ? 1 : 0);
      total += d * d;
    }
  }
  return total / n;
}
