/**
 * Lathe's evaluation metrics: pure functions over typed arrays (no tfjs, no I/O), checked against
 * scikit-learn 1.2 on fixed fixtures (tests/fixtures/eval/). Keys of returned objects are snake_case
 * and every result is plain JSON (undefined values are null, with the reason in `notes`).
 *
 * Inputs: class labels are Int32Array indices 0..k-1; probabilities are Float64Array/Float32Array,
 * n×k row-major, or n values of P(class 1) when k = 2; regression targets are Float64Array. A bad
 * argument throws MetricInputError whose `argument` names it (empty input, length or k mismatch).
 *
 * Suites (the evaluation service's entry points):
 * - classificationSuite(labels, probs, k, classNames?, options?) → ClassificationSuite:
 *   accuracy, balanced_accuracy, precision|recall|f1 (binary: class 1; else null),
 *   precision_|recall_|f1_ + macro|micro|weighted, roc_auc (binary, or OvR macro), roc_auc_weighted,
 *   pr_auc (average precision; OvR macro for k > 2), pr_auc_weighted, log_loss, brier + brier_kind,
 *   mcc, confusion_matrix, per_class[name] {precision, recall, f1, support, roc_auc, pr_auc},
 *   curves {roc, pr, calibration} keyed by class name, thresholds {max_f1, target_precision,
 *   target_recall} (binary), notes.
 * - regressionSuite(y, yhat, nFeatures, options?) → RegressionSuite: mse, rmse, mae, mape, r2,
 *   adjusted_r2, median_absolute_error, max_error, explained_variance, residuals {mean, std,
 *   histogram, quantiles}, points {index, actual, predicted, residual} (≤ 2,000 rows), notes.
 * Baselines: majorityClassBaseline(labels, k, fitLabels?) and meanRegressorBaseline(y, nFeatures, fitY?)
 *   return the same suites plus `priors` / `prediction`.
 * Significance: pairedBootstrap(n, champion, challenger, {iterations, level, seed}) with RowMetric
 *   functions (meanOverRows builds one from per-row values) → {observed_diff, mean_diff, ci_low,
 *   ci_high, level, p_value, ...}; mcnemar(championCorrect, challengerCorrect) → {b, c, statistic,
 *   p_value, method}; classificationRowMetric(labels, probs, k, metric) makes a RowMetric of any
 *   classification metric (e.g. AUC); seededRepeats(repeats, seed, fn) → {values, mean, std}.
 * Fairness: fairnessReport(labels, predicted, groups) → {groups[] {group, count, selection_rate,
 *   tpr, fpr, accuracy}, demographic_parity_difference, disparate_impact_ratio,
 *   equal_opportunity_difference, equalized_odds_difference, notes}.
 * Slices: quantileBins(values, k = 5) → {codes, labels, edges}; findSlices(values, columns,
 *   {higherIsWorse, minCount?, limit?}) → {overall, count, slices[] {column, value, count, metric, diff}}.
 * The single metrics below are exported too, for callers that need only one.
 */
export {
  accuracy,
  balancedAccuracy,
  brierScore,
  confusionMatrix,
  logLoss,
  matthewsCorrcoef,
  precisionRecallF1,
  predictClasses,
  type ClassScores,
  type PrecisionRecallF1,
} from './classification';
export {
  averagePrecision,
  binaryCounts,
  calibrationCurve,
  isUndefined,
  prCurveFromCounts,
  rocAuc,
  rocCurveFromCounts,
  selectThreshold,
  type BinaryCounts,
  type CalibrationCurve,
  type CalibrationStrategy,
  type OperatingPoint,
  type PrCurve,
  type RocCurve,
  type Undefined,
} from './ranking';
export {
  adjustedR2,
  explainedVariance,
  histogram,
  maxError,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanSquaredError,
  medianAbsoluteError,
  predictionPoints,
  quantiles,
  r2Score,
  residuals,
  rootMeanSquaredError,
  sampleRows,
  type Histogram,
  type PredictionPoints,
} from './regression';
export {
  bootstrapRows,
  classificationRowMetric,
  mcnemar,
  meanOverRows,
  pairedBootstrap,
  seededRepeats,
  type BootstrapOptions,
  type McNemarResult,
  type PairedBootstrapResult,
  type RowMetric,
  type Spread,
} from './significance';
export { fairnessReport, type FairnessReport, type GroupRates } from './fairness';
export {
  findSlices,
  formatEdge,
  quantileBins,
  type Binned,
  type Slice,
  type SliceColumn,
  type SliceReport,
} from './slices';
export {
  classificationSuite,
  classPriors,
  majorityClassBaseline,
  meanRegressorBaseline,
  regressionSuite,
  type ClassificationOptions,
  type ClassificationSuite,
  type PerClass,
  type RegressionOptions,
  type RegressionSuite,
} from './suites';
export { MetricInputError, type NumericArray, type Probabilities } from './validate';
