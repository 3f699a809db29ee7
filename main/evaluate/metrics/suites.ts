/** The two evaluation suites and the baselines built from them. */
import {
  balancedAccuracy,
  brierScore,
  confusionMatrix,
  logLoss,
  matthewsCorrcoef,
  precisionRecallF1,
  predictClasses,
} from './classification';
import {
  averagePrecisionFromCounts,
  binaryCounts,
  type CalibrationCurve,
  calibrationCurve,
  type CalibrationStrategy,
  isUndefined,
  oneVsRest,
  type OperatingPoint,
  type PrCurve,
  prCurveFromCounts,
  type RocCurve,
  rocAucFromCounts,
  rocCurveFromCounts,
  selectThreshold,
  type Undefined,
} from './ranking';
import {
  adjustedR2,
  explainedVariance,
  type Histogram,
  histogram,
  maxError,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanSquaredError,
  medianAbsoluteError,
  type PredictionPoints,
  predictionPoints,
  quantiles,
  r2Score,
  residuals,
} from './regression';
import {
  MetricInputError,
  type NumericArray,
  type Probabilities,
  classScores,
  probabilityColumns,
  requireClassCount,
  requireFinite,
  requireLabels,
} from './validate';

export interface PerClass {
  precision: number;
  recall: number;
  f1: number;
  support: number;
  /** One-vs-rest ROC-AUC; null when the class is absent from labels (or is every row). */
  roc_auc: number | null;
  /** One-vs-rest average precision; null when the class is absent from labels. */
  pr_auc: number | null;
}

export interface ClassificationSuite {
  n: number;
  k: number;
  class_names: string[];
  accuracy: number;
  balanced_accuracy: number;
  /** Binary only: precision/recall/F1 of class 1 (sklearn average='binary'); null when k > 2. */
  precision: number | null;
  recall: number | null;
  f1: number | null;
  precision_macro: number;
  recall_macro: number;
  f1_macro: number;
  precision_micro: number;
  recall_micro: number;
  f1_micro: number;
  precision_weighted: number;
  recall_weighted: number;
  f1_weighted: number;
  /** Binary ROC-AUC, or one-vs-rest macro mean for k > 2 (sklearn multi_class='ovr'). */
  roc_auc: number | null;
  /** Binary ROC-AUC, or one-vs-rest mean weighted by class support for k > 2. */
  roc_auc_weighted: number | null;
  /** Average precision of class 1, or the macro mean of one-vs-rest AP for k > 2. */
  pr_auc: number | null;
  pr_auc_weighted: number | null;
  log_loss: number;
  brier: number;
  /** 'binary': mean (p1 − y)²; 'multiclass_sum': mean Σ_c (p_c − [y = c])². */
  brier_kind: 'binary' | 'multiclass_sum';
  mcc: number;
  /** Rows are true classes, columns predicted classes. */
  confusion_matrix: number[][];
  per_class: Record<string, PerClass>;
  /** Keyed by class name: class 1 only for binary, every class (one-vs-rest) for k > 2. */
  curves: {
    roc: Record<string, RocCurve | null>;
    pr: Record<string, PrCurve | null>;
    calibration: Record<string, CalibrationCurve>;
  };
  /** Binary only (null for k > 2): operating points for the probability of class 1. */
  thresholds: {
    max_f1: OperatingPoint | null;
    target_precision: (OperatingPoint & { target: number }) | null;
    target_recall: (OperatingPoint & { target: number }) | null;
  } | null;
  /** Why a metric is null, keyed by the metric's path, e.g. { roc_auc: 'roc_auc: no negative rows' }. */
  notes: Record<string, string>;
}

export interface ClassificationOptions {
  /** Precision the 'target_precision' threshold must reach (default 0.9). */
  targetPrecision?: number;
  /** Recall the 'target_recall' threshold must reach (default 0.9). */
  targetRecall?: number;
  calibrationBins?: number;
  calibrationStrategy?: CalibrationStrategy;
  /** Cap on ROC and PR curve points (default 200). */
  maxCurvePoints?: number;
}

function value<T>(v: T | Undefined, notes: Record<string, string>, key: string): T | null {
  if (isUndefined(v)) {
    notes[key] = v.reason;
    return null;
  }
  return v;
}

function weightedMean(values: (number | null)[], weights: number[]): number | null {
  let s = 0;
  let w = 0;
  let any = false;
  values.forEach((v, i) => {
    if (v === null) return;
    any = true;
    s += v * weights[i]!;
    w += weights[i]!;
  });
  return any && w > 0 ? s / w : null;
}

/**
 * Every classification metric for one model on one set of rows. `probs` is n×k row-major, or n
 * values of P(class 1) when k = 2; predicted classes are the argmax (P > 0.5 for binary).
 */
export function classificationSuite(
  labels: Int32Array,
  probs: Probabilities,
  k: number,
  classNames?: string[],
  options: ClassificationOptions = {},
): ClassificationSuite {
  requireClassCount(k);
  requireLabels('labels', labels, k);
  const n = labels.length;
  const cols = probabilityColumns(probs, n, k);
  requireFinite('probs', probs);
  if (classNames && classNames.length !== k) {
    throw new MetricInputError('classNames', `has ${classNames.length} names but k = ${k}`);
  }
  const names = classNames ?? Array.from({ length: k }, (_, c) => String(c));
  if (new Set(names).size !== k) throw new MetricInputError('classNames', 'has duplicate names');
  const maxPoints = options.maxCurvePoints ?? 200;
  const notes: Record<string, string> = {};
  const predicted = predictClasses(probs, n, k);
  const prf = precisionRecallF1(labels, predicted, k);
  const correct = predicted.reduce((acc, p, i) => acc + (p === labels[i] ? 1 : 0), 0);

  const perClass: Record<string, PerClass> = {};
  const curves: ClassificationSuite['curves'] = { roc: {}, pr: {}, calibration: {} };
  const rocs: (number | null)[] = [];
  const aps: (number | null)[] = [];
  const supports: number[] = [];
  let thresholds: ClassificationSuite['thresholds'] = null;
  for (let c = 0; c < k; c++) {
    const name = names[c]!;
    const scores = classScores(probs, cols, n, c);
    const positives = oneVsRest(labels, c);
    const counts = binaryCounts(positives, scores);
    const roc = value(rocAucFromCounts(counts), notes, `per_class.${name}.roc_auc`);
    const ap = value(averagePrecisionFromCounts(counts), notes, `per_class.${name}.pr_auc`);
    rocs.push(roc);
    aps.push(ap);
    supports.push(counts.positives);
    const s = prf.perClass[c]!;
    perClass[name] = {
      precision: s.precision,
      recall: s.recall,
      f1: s.f1,
      support: s.support,
      roc_auc: roc,
      pr_auc: ap,
    };
    if (k === 2 && c === 0) continue;
    curves.roc[name] = value(rocCurveFromCounts(counts, maxPoints), notes, `curves.roc.${name}`);
    curves.pr[name] = value(prCurveFromCounts(counts, maxPoints), notes, `curves.pr.${name}`);
    curves.calibration[name] = calibrationCurve(
      Int32Array.from(positives),
      scores,
      options.calibrationBins ?? 10,
      options.calibrationStrategy ?? 'uniform',
    );
    if (k === 2) {
      const targetPrecision = options.targetPrecision ?? 0.9;
      const targetRecall = options.targetRecall ?? 0.9;
      const tp = value(
        selectThreshold(counts, { kind: 'precision', target: targetPrecision }),
        notes,
        'thresholds.target_precision',
      );
      const tr = value(
        selectThreshold(counts, { kind: 'recall', target: targetRecall }),
        notes,
        'thresholds.target_recall',
      );
      thresholds = {
        max_f1: value(selectThreshold(counts, { kind: 'max_f1' }), notes, 'thresholds.max_f1'),
        target_precision: tp && { ...tp, target: targetPrecision },
        target_recall: tr && { ...tr, target: targetRecall },
      };
    }
  }

  let rocAuc: number | null;
  let rocAucWeighted: number | null;
  let prAuc: number | null;
  let prAucWeighted: number | null;
  if (k === 2) {
    rocAuc = rocAucWeighted = rocs[1]!;
    prAuc = prAucWeighted = aps[1]!;
    if (rocAuc === null) notes.roc_auc = notes[`per_class.${names[1]}.roc_auc`]!;
    if (prAuc === null) notes.pr_auc = notes[`per_class.${names[1]}.pr_auc`]!;
  } else {
    const ones = supports.map(() => 1);
    rocAuc = weightedMean(rocs, ones);
    rocAucWeighted = weightedMean(rocs, supports);
    prAuc = weightedMean(aps, ones);
    prAucWeighted = weightedMean(aps, supports);
    const skipped = names.filter((_, c) => rocs[c] === null);
    if (skipped.length) {
      notes.roc_auc = `one-vs-rest mean over ${k - skipped.length} of ${k} classes: undefined for ${skipped.join(', ')}`;
    }
    const skippedAp = names.filter((_, c) => aps[c] === null);
    if (skippedAp.length) {
      notes.pr_auc = `macro mean over ${k - skippedAp.length} of ${k} classes: undefined for ${skippedAp.join(', ')}`;
    }
  }

  const binary = k === 2 ? prf.perClass[1]! : null;
  return {
    n,
    k,
    class_names: names,
    accuracy: correct / n,
    balanced_accuracy: balancedAccuracy(labels, predicted, k),
    precision: binary ? binary.precision : null,
    recall: binary ? binary.recall : null,
    f1: binary ? binary.f1 : null,
    precision_macro: prf.macro.precision,
    recall_macro: prf.macro.recall,
    f1_macro: prf.macro.f1,
    precision_micro: prf.micro.precision,
    recall_micro: prf.micro.recall,
    f1_micro: prf.micro.f1,
    precision_weighted: prf.weighted.precision,
    recall_weighted: prf.weighted.recall,
    f1_weighted: prf.weighted.f1,
    roc_auc: rocAuc,
    roc_auc_weighted: rocAucWeighted,
    pr_auc: prAuc,
    pr_auc_weighted: prAucWeighted,
    log_loss: logLoss(labels, probs, k),
    brier: brierScore(labels, probs, k),
    brier_kind: k === 2 ? 'binary' : 'multiclass_sum',
    mcc: matthewsCorrcoef(labels, predicted, k),
    confusion_matrix: confusionMatrix(labels, predicted, k),
    per_class: perClass,
    curves,
    thresholds,
    notes,
  };
}

export interface RegressionSuite {
  n: number;
  n_features: number;
  mse: number;
  rmse: number;
  mae: number;
  /** Fraction, sklearn semantics (|y| floored at 2.2e-16, so a zero y gives a huge value). */
  mape: number;
  r2: number;
  /** Null when n <= n_features + 1 (see notes). */
  adjusted_r2: number | null;
  median_absolute_error: number;
  max_error: number;
  explained_variance: number;
  /** Residual = y − ŷ. */
  residuals: {
    mean: number;
    std: number;
    histogram: Histogram;
    /** Keyed "q0", "q0.05", "q0.25", "q0.5", "q0.75", "q0.95", "q1". */
    quantiles: Record<string, number>;
  };
  /** Up to 2,000 rows (a seeded sample when more) for predicted-vs-actual and residual plots. */
  points: PredictionPoints;
  notes: Record<string, string>;
}

export interface RegressionOptions {
  histogramBins?: number;
  maxPoints?: number;
  seed?: number;
}

/** Every regression metric for one model on one set of rows. */
export function regressionSuite(
  y: NumericArray,
  yhat: NumericArray,
  nFeatures: number,
  options: RegressionOptions = {},
): RegressionSuite {
  const mse = meanSquaredError(y, yhat);
  const r2 = r2Score(y, yhat);
  const notes: Record<string, string> = {};
  const res = residuals(y, yhat);
  let m = 0;
  for (const r of res) m += r;
  m /= res.length;
  let v = 0;
  for (const r of res) v += (r - m) ** 2;
  return {
    n: y.length,
    n_features: nFeatures,
    mse,
    rmse: Math.sqrt(mse),
    mae: meanAbsoluteError(y, yhat),
    mape: meanAbsolutePercentageError(y, yhat),
    r2,
    adjusted_r2: value(adjustedR2(r2, y.length, nFeatures), notes, 'adjusted_r2'),
    median_absolute_error: medianAbsoluteError(y, yhat),
    max_error: maxError(y, yhat),
    explained_variance: explainedVariance(y, yhat),
    residuals: {
      mean: m,
      std: Math.sqrt(v / res.length),
      histogram: histogram(res, options.histogramBins ?? 30),
      quantiles: quantiles(res),
    },
    points: predictionPoints(y, yhat, options.maxPoints ?? 2000, options.seed ?? 0),
    notes,
  };
}

/** Class priors (share of each class) from the rows a baseline is fit on. */
export function classPriors(labels: Int32Array, k: number): Float64Array {
  requireLabels('fitLabels', labels, k);
  const priors = new Float64Array(k);
  for (const y of labels) priors[y]!++;
  for (let c = 0; c < k; c++) priors[c]! /= labels.length;
  return priors;
}

/**
 * The majority-class baseline (sklearn DummyClassifier(strategy='prior')): every row gets the class
 * priors of `fitLabels` (the training rows; defaults to `labels`) as probabilities, so it predicts the
 * most frequent class. Returns its suite on `labels`.
 */
export function majorityClassBaseline(
  labels: Int32Array,
  k: number,
  fitLabels: Int32Array = labels,
  classNames?: string[],
  options?: ClassificationOptions,
): ClassificationSuite & { priors: number[] } {
  requireClassCount(k);
  requireLabels('labels', labels, k);
  const priors = classPriors(fitLabels, k);
  const probs = new Float64Array(labels.length * k);
  for (let i = 0; i < labels.length; i++) probs.set(priors, i * k);
  return {
    ...classificationSuite(labels, probs, k, classNames, options),
    priors: Array.from(priors),
  };
}

/** The mean regressor (sklearn DummyRegressor): predicts mean(fitY) for every row; returns its suite on y. */
export function meanRegressorBaseline(
  y: NumericArray,
  nFeatures: number,
  fitY: NumericArray = y,
  options?: RegressionOptions,
): RegressionSuite & { prediction: number } {
  requireFinite('fitY', fitY);
  if (fitY.length === 0) throw new MetricInputError('fitY', 'is empty (need at least one row)');
  let m = 0;
  for (const v of fitY) m += v;
  m /= fitY.length;
  const yhat = new Float64Array(y.length).fill(m);
  return { ...regressionSuite(y, yhat, nFeatures, options), prediction: m };
}
