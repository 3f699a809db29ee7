/**
 * Confidence-based performance estimation (NannyML's CBPE): a classifier's metrics estimated without
 * labels, from the expected confusion matrix its own probabilities imply. A row predicted positive with
 * P(positive) = p is a true positive with probability p and a false positive with 1 − p; summing over the
 * rows gives expected TP, FP, TN and FN, and every confusion-matrix metric follows. ROC AUC is the area
 * under the expected ROC curve (rows ranked by p, each adding p to the expected positives and 1 − p to
 * the expected negatives). Multiclass: one-vs-rest per class, macro-averaged; accuracy is the mean
 * probability of the predicted class. See
 * https://nannyml.readthedocs.io/en/stable/how_it_works/performance_estimation.html
 *
 * NannyML first calibrates the probabilities on reference data; here they are taken as they are, which
 * is the assumption stated beside every estimate.
 */
import { MetricInputError, type Probabilities } from '../evaluate/metrics';

/** What the estimates rest on, shown beside them. */
export const CBPE_ASSUMPTION =
  'CBPE estimate: assumes the model’s probabilities are calibrated and that there is no concept drift ' +
  '(P(label | inputs) unchanged since training); covariate shift is allowed.';

/** Expected confusion-matrix counts of one class against the rest. */
export interface ExpectedCounts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** Expected counts of one class: `p[i]` is row i's probability of it, `predictedIsC[i]` whether it was predicted. */
export function expectedCounts(
  p: ArrayLike<number>,
  predictedIsC: ArrayLike<boolean>,
): ExpectedCounts {
  const m = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]!;
    if (predictedIsC[i]) {
      m.tp += pi;
      m.fp += 1 - pi;
    } else {
      m.fn += pi;
      m.tn += 1 - pi;
    }
  }
  return m;
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);

/** Precision, recall, specificity and F1 of expected counts (0 when a denominator is 0, as NannyML). */
function rates(m: ExpectedCounts) {
  return {
    precision: ratio(m.tp, m.tp + m.fp),
    recall: ratio(m.tp, m.tp + m.fn),
    specificity: ratio(m.tn, m.tn + m.fp),
    f1: ratio(m.tp, m.tp + 0.5 * (m.fp + m.fn)),
  };
}

/**
 * Area under the expected ROC curve of probabilities `p` of the positive class: rows ranked by p
 * (highest first), each moving the curve by p expected positives and 1 − p expected negatives
 * (trapezoids; tied rows move along one straight line, so their order does not matter). Null when the
 * expected positives or negatives are zero.
 */
export function estimatedRocAuc(p: ArrayLike<number>): number | null {
  const sorted = Float64Array.from(p).sort().reverse();
  let pos = 0;
  let neg = 0;
  for (const v of sorted) {
    pos += v;
    neg += 1 - v;
  }
  if (pos <= 0 || neg <= 0) return null;
  let area = 0;
  let tpr = 0;
  let fpr = 0;
  for (const v of sorted) {
    const nextTpr = tpr + v / pos;
    const nextFpr = fpr + (1 - v) / neg;
    area += ((nextFpr - fpr) * (tpr + nextTpr)) / 2;
    tpr = nextTpr;
    fpr = nextFpr;
  }
  return area;
}

function requireProbabilities(probs: Probabilities, n: number, k: number): void {
  if (probs.length !== n * k)
    throw new MetricInputError('probs', `has length ${probs.length}, expected ${n * k} (n×k)`);
  for (let i = 0; i < probs.length; i++) {
    const v = probs[i]!;
    if (!(v >= 0 && v <= 1))
      throw new MetricInputError('probs', `row ${Math.floor(i / k)} has probability ${v}`);
  }
}

/** One class's expected counts against the rest, with its estimated ROC AUC (null when undefined). */
export interface ClassEstimate extends ExpectedCounts {
  rocAuc: number | null;
}

/**
 * CBPE estimates from each class's expected counts (class order): what cbpeEstimates computes from rows
 * and the performance service from DuckDB aggregates. Accuracy is the expected correct rows (the sum of
 * every class's TP) over the rows. Binary (2 classes, class 1 positive): accuracy, precision, recall,
 * specificity, f1, roc_auc. More classes: accuracy and the one-vs-rest macro means precision_macro,
 * recall_macro, specificity_macro, f1_macro, roc_auc (keys as the evaluation suite names them). A metric
 * that cannot be estimated (roc_auc with no expected positives) is left out.
 */
export function estimatesFromCounts(classes: ClassEstimate[]): Record<string, number> {
  const k = classes.length;
  const n = classes[0] ? classes[0].tp + classes[0].fp + classes[0].tn + classes[0].fn : 0;
  if (n === 0) return {};
  const out: Record<string, number> = { accuracy: classes.reduce((s, c) => s + c.tp, 0) / n };
  if (k === 2) {
    Object.assign(out, rates(classes[1]!));
    if (classes[1]!.rocAuc !== null) out.roc_auc = classes[1]!.rocAuc;
    return out;
  }
  const sums = { precision: 0, recall: 0, specificity: 0, f1: 0 };
  for (const c of classes) {
    const r = rates(c);
    for (const key of Object.keys(sums) as (keyof typeof sums)[]) sums[key] += r[key];
  }
  for (const key of Object.keys(sums) as (keyof typeof sums)[]) out[`${key}_macro`] = sums[key] / k;
  const aucs = classes.flatMap((c) => (c.rocAuc === null ? [] : [c.rocAuc]));
  if (aucs.length) out.roc_auc = aucs.reduce((a, b) => a + b, 0) / aucs.length;
  return out;
}

/**
 * CBPE estimates of `n` rows: `probs` n×k row-major (class order), `predicted` the predicted class index
 * of each row (see estimatesFromCounts for the metrics).
 */
export function cbpeEstimates(
  probs: Probabilities,
  predicted: Int32Array,
  k: number,
): Record<string, number> {
  const n = predicted.length;
  if (n === 0) return {};
  requireProbabilities(probs, n, k);
  return estimatesFromCounts(
    Array.from({ length: k }, (_, c) => {
      const pc = Float64Array.from({ length: n }, (_, i) => probs[i * k + c]!);
      return {
        ...expectedCounts(
          pc,
          Array.from(predicted, (y) => y === c),
        ),
        rocAuc: estimatedRocAuc(pc),
      };
    }),
  );
}
