import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  accuracy,
  averagePrecision,
  balancedAccuracy,
  binaryCounts,
  brierScore,
  calibrationCurve,
  classificationRowMetric,
  classificationSuite,
  confusionMatrix,
  fairnessReport,
  findSlices,
  histogram,
  logLoss,
  majorityClassBaseline,
  matthewsCorrcoef,
  mcnemar,
  meanOverRows,
  meanRegressorBaseline,
  MetricInputError,
  pairedBootstrap,
  precisionRecallF1,
  predictClasses,
  quantileBins,
  regressionSuite,
  rocAuc,
  rocCurveFromCounts,
  sampleRows,
  seededRepeats,
  selectThreshold,
  type OperatingPoint,
  type PrCurve,
  type RocCurve,
} from '../../../../main/evaluate/metrics';

interface Point {
  threshold: number;
  precision: number;
  recall: number;
  f1: number;
}
interface Fixture {
  binary: {
    labels: number[];
    probs: number[];
    predicted: number[];
    expected: Record<string, number> & {
      confusion_matrix: number[][];
      roc_curve: { fpr: number[]; tpr: number[]; thresholds: (number | null)[] };
      pr_curve: { precision: number[]; recall: number[]; thresholds: (number | null)[] };
      calibration_uniform_10: { fraction_positive: number[]; mean_predicted: number[] };
      calibration_quantile_5: { fraction_positive: number[]; mean_predicted: number[] };
      thresholds: { max_f1: Point; target_precision: Point; target_recall: Point };
      targets: { precision: number; recall: number };
    };
  };
  multiclass: {
    k: number;
    labels: number[];
    probs: number[];
    predicted: number[];
    expected: Record<string, number> & {
      confusion_matrix: number[][];
      per_class: { precision: number[]; recall: number[]; f1: number[]; support: number[] };
      per_class_roc_auc: number[];
      per_class_pr_auc: number[];
    };
  };
  majority_baseline: {
    fit_labels: number[];
    expected: Record<string, number> & { priors: number[] };
  };
  regression: {
    y: number[];
    yhat: number[];
    n_features: number;
    expected: Record<string, number> & {
      histogram: { edges: number[]; counts: number[] };
      quantiles: Record<string, number>;
    };
    mean_baseline: { fit_y: number[]; expected: Record<string, number> };
  };
  fairness: {
    labels: number[];
    predicted: number[];
    groups: string[];
    expected: Record<string, number> & {
      groups: Record<
        string,
        { count: number; selection_rate: number; tpr: number; fpr: number; accuracy: number }
      >;
    };
  };
  mcnemar: Record<
    'exact' | 'chi2',
    {
      champion_correct: number[];
      challenger_correct: number[];
      expected: { b: number; c: number; statistic: number; p_value: number };
    }
  >;
  quantile_bins: { values: number[]; expected_edges_k5: number[] };
}

const fx = JSON.parse(
  readFileSync(join(__dirname, '../../../fixtures/eval/sklearn-metrics.json'), 'utf8'),
) as Fixture;

const TOL = 1e-9;
/** |a − b| <= tol·max(1, |b|): absolute near 0, relative for large values (MAPE with y = 0 is ~1e15). */
function close(actual: number | null | undefined, expected: number | undefined, tol = TOL): void {
  if (expected === undefined) throw new Error('fixture value missing');
  expect(actual).not.toBeNull();
  expect(actual).toBeDefined();
  const a = actual as number;
  if (Math.abs(a - expected) > tol * Math.max(1, Math.abs(expected))) {
    expect(a).toBe(expected);
  }
}
/**
 * close() on each of `keys`, a field of the same name on both sides. Most fixture sections are
 * Record<string, number> with a few structured fields, hence the second form of `expected`.
 */
function closeKeys<K extends string>(
  actual: NoInfer<Readonly<Record<K, number | null | undefined>>>,
  expected: NoInfer<{ readonly [P in K]?: number } | Readonly<Record<string, number>>>,
  keys: readonly K[],
): void {
  for (const key of keys) close(actual[key], expected[key]);
}
function closeAll(
  actual: readonly (number | null)[],
  expected: readonly (number | null)[],
  tol = TOL,
): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => {
    const e = expected[i];
    if (e === null || e === undefined) expect(v).toBeNull();
    else close(v, e, tol);
  });
}

const bin = fx.binary;
const yb = Int32Array.from(bin.labels);
const pb = Float64Array.from(bin.probs);
const predb = Int32Array.from(bin.predicted);
const mc = fx.multiclass;
const ym = Int32Array.from(mc.labels);
const pm = Float64Array.from(mc.probs);
const predm = Int32Array.from(mc.predicted);

describe('binary classification vs scikit-learn', () => {
  const e = bin.expected;
  it('predicts class 1 when P > 0.5, as the fixture does', () => {
    expect(Array.from(predictClasses(pb, yb.length, 2))).toEqual(bin.predicted);
  });

  it('label metrics match', () => {
    close(accuracy(yb, predb), e.accuracy);
    close(balancedAccuracy(yb, predb, 2), e.balanced_accuracy);
    const prf = precisionRecallF1(yb, predb, 2);
    close(prf.perClass[1]!.precision, e.precision);
    close(prf.perClass[1]!.recall, e.recall);
    close(prf.perClass[1]!.f1, e.f1);
    close(prf.macro.f1, e.f1_macro);
    close(prf.weighted.f1, e.f1_weighted);
    close(matthewsCorrcoef(yb, predb, 2), e.mcc);
    expect(confusionMatrix(yb, predb, 2)).toEqual(e.confusion_matrix);
  });

  it('score metrics match, with tied scores', () => {
    close(rocAuc(yb, pb) as number, e.roc_auc);
    close(averagePrecision(yb, pb) as number, e.pr_auc);
    close(logLoss(yb, pb, 2), e.log_loss);
    close(logLoss(yb, Float32Array.from(pb), 2), e.log_loss_float32, 1e-6);
    close(brierScore(yb, pb, 2), e.brier);
    // The two-column layout gives the same results as the P(class 1) shorthand.
    const two = new Float64Array(yb.length * 2);
    pb.forEach((p, i) => {
      two[2 * i] = 1 - p;
      two[2 * i + 1] = p;
    });
    close(logLoss(yb, two, 2), e.log_loss);
    close(brierScore(yb, two, 2), e.brier);
  });

  it('suite: metrics, ROC and PR curves, calibration and thresholds match', () => {
    const s = classificationSuite(yb, pb, 2, ['no', 'yes'], {
      targetPrecision: e.targets.precision,
      targetRecall: e.targets.recall,
      calibrationBins: 10,
    });
    closeKeys(s, e, [
      'accuracy',
      'f1',
      'precision',
      'recall',
      'f1_macro',
      'roc_auc',
      'pr_auc',
      'log_loss',
      'brier',
      'mcc',
    ]);
    expect(s.brier_kind).toBe('binary');
    expect(s.confusion_matrix).toEqual(e.confusion_matrix);
    expect(s.per_class.yes!.support).toBe(bin.labels.filter((y) => y === 1).length);
    const roc = s.curves.roc.yes as RocCurve;
    closeAll(roc.fpr, e.roc_curve.fpr);
    closeAll(roc.tpr, e.roc_curve.tpr);
    closeAll(roc.thresholds, e.roc_curve.thresholds);
    const pr = s.curves.pr.yes as PrCurve;
    closeAll(pr.precision, e.pr_curve.precision);
    closeAll(pr.recall, e.pr_curve.recall);
    closeAll(pr.thresholds, e.pr_curve.thresholds);
    const cal = s.curves.calibration.yes!;
    closeAll(cal.fraction_positive, e.calibration_uniform_10.fraction_positive);
    closeAll(cal.mean_predicted, e.calibration_uniform_10.mean_predicted);
    expect(cal.count.reduce((a, b) => a + b, 0)).toBe(yb.length);
    for (const key of ['max_f1', 'target_precision', 'target_recall'] as const) {
      const got = s.thresholds![key] as OperatingPoint;
      const want = e.thresholds[key];
      closeKeys(got, want, ['threshold', 'precision', 'recall', 'f1']);
    }
    expect(s.thresholds!.target_precision!.precision).toBeGreaterThanOrEqual(e.targets.precision);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  it('quantile calibration matches', () => {
    const cal = calibrationCurve(yb, pb, 5, 'quantile');
    closeAll(cal.fraction_positive, bin.expected.calibration_quantile_5.fraction_positive);
    closeAll(cal.mean_predicted, bin.expected.calibration_quantile_5.mean_predicted);
  });

  it('thins a long ROC curve to 200 points, keeping both ends', () => {
    const n = 5000;
    const labels = Int32Array.from({ length: n }, (_, i) => ((i * 7919) % 3 === 0 ? 1 : 0));
    const scores = Float64Array.from(
      { length: n },
      (_, i) => ((i * 104729) % 1000) / 1000 + labels[i]! * 0.2,
    );
    const full = rocCurveFromCounts(binaryCounts(labels, scores), 1e9) as RocCurve;
    const thin = rocCurveFromCounts(binaryCounts(labels, scores)) as RocCurve;
    expect(full.fpr.length).toBeGreaterThan(200);
    expect(thin.fpr.length).toBeLessThanOrEqual(200);
    expect([thin.fpr[0], thin.tpr[0]]).toEqual([0, 0]);
    expect([thin.fpr.at(-1), thin.tpr.at(-1)]).toEqual([1, 1]);
  });
});

describe('multiclass classification vs scikit-learn (class 3 never predicted)', () => {
  const e = mc.expected;
  it('argmax predictions agree with the fixture', () => {
    expect(Array.from(predictClasses(pm, ym.length, mc.k))).toEqual(mc.predicted);
  });

  it('per-class and averaged precision/recall/F1 match', () => {
    const prf = precisionRecallF1(ym, predm, mc.k);
    closeAll(
      prf.perClass.map((c) => c.precision),
      e.per_class.precision,
    );
    closeAll(
      prf.perClass.map((c) => c.recall),
      e.per_class.recall,
    );
    closeAll(
      prf.perClass.map((c) => c.f1),
      e.per_class.f1,
    );
    expect(prf.perClass.map((c) => c.support)).toEqual(e.per_class.support);
    expect(prf.perClass[3]!.precision).toBe(0);
  });

  it('suite matches', () => {
    const s = classificationSuite(ym, pm, mc.k);
    closeKeys(s, e, [
      'accuracy',
      'balanced_accuracy',
      'precision_macro',
      'recall_macro',
      'f1_macro',
      'precision_micro',
      'recall_micro',
      'f1_micro',
      'precision_weighted',
      'recall_weighted',
      'f1_weighted',
      'roc_auc',
      'roc_auc_weighted',
      'pr_auc',
      'pr_auc_weighted',
      'log_loss',
      'mcc',
    ]);
    close(s.brier, e.brier_multiclass_sum);
    expect(s.brier_kind).toBe('multiclass_sum');
    expect(s.precision).toBeNull();
    expect(s.thresholds).toBeNull();
    expect(s.confusion_matrix).toEqual(e.confusion_matrix);
    closeAll(
      [0, 1, 2, 3].map((c) => s.per_class[String(c)]!.roc_auc),
      e.per_class_roc_auc,
    );
    closeAll(
      [0, 1, 2, 3].map((c) => s.per_class[String(c)]!.pr_auc),
      e.per_class_pr_auc,
    );
    expect(Object.keys(s.curves.roc)).toEqual(['0', '1', '2', '3']);
    expect(s.notes).toEqual({});
  });

  it('Float32 probabilities give the same AUCs', () => {
    const s = classificationSuite(ym, Float32Array.from(pm), mc.k);
    close(s.roc_auc, e.roc_auc, 1e-6);
    close(s.log_loss, e.log_loss, 1e-6);
  });
});

describe('baselines vs scikit-learn Dummy estimators', () => {
  it('majority class (prior strategy)', () => {
    const e = fx.majority_baseline.expected;
    const s = majorityClassBaseline(ym, mc.k, Int32Array.from(fx.majority_baseline.fit_labels));
    closeAll(s.priors, e.priors);
    closeKeys(s, e, ['accuracy', 'f1_macro', 'log_loss', 'roc_auc']);
    close(s.brier, e.brier_multiclass_sum);
  });

  it('mean regressor', () => {
    const r = fx.regression;
    const e = r.mean_baseline.expected;
    const s = meanRegressorBaseline(
      Float64Array.from(r.y),
      r.n_features,
      Float64Array.from(r.mean_baseline.fit_y),
    );
    closeKeys(s, e, ['prediction', 'r2', 'mse', 'mae']);
  });
});

describe('regression vs scikit-learn (zeros in y)', () => {
  const r = fx.regression;
  const e = r.expected;
  const s = regressionSuite(Float64Array.from(r.y), Float64Array.from(r.yhat), r.n_features);
  it('metrics match', () => {
    closeKeys(s, e, [
      'mse',
      'rmse',
      'mae',
      'mape',
      'r2',
      'adjusted_r2',
      'median_absolute_error',
      'max_error',
      'explained_variance',
    ]);
    expect(s.mape).toBeGreaterThan(1e12);
  });

  it('residual histogram and quantiles match numpy', () => {
    expect(s.residuals.histogram.counts).toEqual(e.histogram.counts);
    closeAll(s.residuals.histogram.edges, e.histogram.edges);
    for (const [q, v] of Object.entries(e.quantiles)) close(s.residuals.quantiles[q], v);
    close(s.residuals.std, e.residual_std);
    expect(s.points.index.length).toBe(r.y.length);
  });

  it('adjusted R² is null with a reason when n <= p + 1', () => {
    const t = regressionSuite(Float64Array.of(1, 2, 3), Float64Array.of(1, 2, 4), 2);
    expect(t.adjusted_r2).toBeNull();
    expect(t.notes.adjusted_r2).toMatch(/n > p \+ 1/);
  });

  it('samples at most 2,000 points, deterministically and without repeats', () => {
    const a = sampleRows(100_000, 2000, 7);
    expect(a.length).toBe(2000);
    expect(new Set(a).size).toBe(2000);
    expect(Array.from(sampleRows(100_000, 2000, 7))).toEqual(Array.from(a));
    expect(Array.from(sampleRows(100_000, 2000, 8))).not.toEqual(Array.from(a));
    expect(a[1999]! > 90_000 && a[0]! < 1000).toBe(true);
  });

  it('histogram of a constant widens to ±0.5 like numpy', () => {
    expect(histogram(Float64Array.of(2, 2, 2), 2)).toEqual({
      edges: [1.5, 2, 2.5],
      counts: [0, 3],
    });
  });
});

describe('fairness (fairlearn definitions)', () => {
  const f = fx.fairness;
  it('per-group rates and gaps match', () => {
    const rep = fairnessReport(Int32Array.from(f.labels), Int32Array.from(f.predicted), f.groups);
    expect(rep.groups.map((g) => g.group)).toEqual(['a', 'b', 'c']);
    for (const g of rep.groups) {
      const want = f.expected.groups[g.group]!;
      expect(g.count).toBe(want.count);
      closeKeys(g, want, ['selection_rate', 'tpr', 'fpr', 'accuracy']);
    }
    closeKeys(rep, f.expected, [
      'demographic_parity_difference',
      'disparate_impact_ratio',
      'equal_opportunity_difference',
      'equalized_odds_difference',
    ]);
  });

  it('a group without positives has a null TPR and a note', () => {
    const rep = fairnessReport(Int32Array.of(1, 0, 0, 0), Int32Array.of(1, 0, 1, 0), [1, 1, 2, 2]);
    expect(rep.groups[1]!.tpr).toBeNull();
    expect(rep.equal_opportunity_difference).toBe(0);
    expect(rep.notes.join()).toMatch(/group 2: no positive rows/);
  });
});

describe('significance', () => {
  it('McNemar matches statsmodels (exact and corrected chi-square)', () => {
    for (const kind of ['exact', 'chi2'] as const) {
      const c = fx.mcnemar[kind];
      const got = mcnemar(c.champion_correct, c.challenger_correct);
      expect(got.method).toBe(kind === 'exact' ? 'exact' : 'chi2_corrected');
      expect([got.b, got.c]).toEqual([c.expected.b, c.expected.c]);
      closeKeys(got, c.expected, ['statistic', 'p_value']);
    }
  });

  it('McNemar with no discordant rows has p = 1', () => {
    expect(mcnemar([1, 0, 1], [1, 0, 1]).p_value).toBe(1);
  });

  it('paired bootstrap is seeded and finds a clearly better challenger', () => {
    const n = 400;
    const champion = Float64Array.from({ length: n }, (_, i) => (i % 10 < 7 ? 1 : 0));
    const challenger = Float64Array.from({ length: n }, (_, i) => (i % 10 < 8 ? 1 : 0));
    const run = (seed: number) =>
      pairedBootstrap(n, meanOverRows(champion), meanOverRows(challenger), {
        iterations: 500,
        seed,
      });
    const a = run(3);
    expect(run(3)).toEqual(a);
    expect(run(4).mean_diff).not.toBe(a.mean_diff);
    close(a.observed_diff, 0.1);
    expect(a.ci_low).toBeGreaterThan(0);
    expect(a.ci_low).toBeLessThan(0.1);
    expect(a.ci_high).toBeGreaterThan(0.1);
    expect(a.p_value).toBeLessThan(0.01);
    const same = pairedBootstrap(n, meanOverRows(champion), meanOverRows(champion), {
      iterations: 200,
    });
    expect([same.mean_diff, same.ci_low, same.ci_high, same.p_value]).toEqual([0, 0, 0, 1]);
  });

  it('bootstraps an AUC difference through classificationRowMetric', () => {
    const auc = (l: Int32Array, p: Float64Array) => rocAuc(l, p) as number;
    const noisy = Float64Array.from(pb, (p, i) => (i % 3 === 0 ? 1 - p : p));
    const champion = classificationRowMetric(yb, noisy, 2, auc);
    const challenger = classificationRowMetric(yb, pb, 2, auc);
    const r = pairedBootstrap(yb.length, champion, challenger, { iterations: 300, seed: 5 });
    close(r.observed_diff, bin.expected.roc_auc! - auc(yb, noisy));
    expect(r.observed_diff).toBeGreaterThan(0);
    expect(r.ci_low).toBeLessThan(r.observed_diff);
    expect(r.ci_high).toBeGreaterThan(r.observed_diff);
    // Gathering rows by index gives the same accuracy as averaging per-row correctness.
    const correct = Float64Array.from(yb, (y, i) => (y === predb[i] ? 1 : 0));
    const viaRows = classificationRowMetric(yb, pb, 2, (l, p) =>
      accuracy(l, predictClasses(p, l.length, 2)),
    );
    const rows = Int32Array.of(0, 0, 5, 17, 17, 33);
    close(viaRows(rows), meanOverRows(correct)(rows));
  });

  it('seeded repeats give mean and population std', () => {
    const s = seededRepeats(4, 1, (_rng, r) => r);
    expect(s.values).toEqual([0, 1, 2, 3]);
    close(s.mean, 1.5);
    close(s.std, Math.sqrt(1.25));
    expect(seededRepeats(3, 9, (rng) => rng())).toEqual(seededRepeats(3, 9, (rng) => rng()));
  });
});

describe('slices', () => {
  it('quantile bin edges match numpy and label like "[a, b)"', () => {
    const q = fx.quantile_bins;
    const b = quantileBins(Float64Array.from(q.values));
    closeAll(b.edges, q.expected_edges_k5);
    expect(b.labels[0]).toMatch(/^\[[\d.]+, [\d.]+\)$/);
    expect(b.labels.at(-1)).toMatch(/\]$/);
    q.values.forEach((v, i) => {
      const code = b.codes[i]!;
      expect(v).toBeGreaterThanOrEqual(b.edges[code]!);
      if (code < b.labels.length - 1) expect(v).toBeLessThan(b.edges[code + 1]!);
    });
  });

  it('prints more digits when 4 would make two bin labels alike', () => {
    const b = quantileBins(Float64Array.of(1.00001, 1.00002, 1.00003, 1.00004), 2);
    expect(new Set(b.labels).size).toBe(2);
    expect(b.labels).toEqual(['[1.00001, 1.00002)', '[1.00002, 1.00004]']);
  });

  it('finds the worst slice first, with its difference from overall', () => {
    const loss = Float64Array.of(1, 1, 0, 0, 0, 0, 5, 5);
    const rep = findSlices(
      loss,
      [
        { name: 'city', keys: ['x', 'x', 'y', 'y', 'y', 'y', 'z', null] },
        { name: 'age', ...quantileBins(Float64Array.of(1, 2, 3, 4, 5, 6, 7, NaN), 2) },
      ],
      { higherIsWorse: true },
    );
    close(rep.overall, 1.5);
    expect(rep.slices[0]).toMatchObject({ metric: 5, count: 1 });
    expect(rep.slices.map((s) => `${s.column}=${s.value}`)).toContain('age=missing');
    const top = rep.slices[0]!;
    close(top.diff, 3.5);
    const metrics = rep.slices.map((s) => s.metric);
    expect([...metrics].sort((a, b) => b - a)).toEqual(metrics);
  });
});

describe('edge cases', () => {
  it('a single class in labels: AUC null with a reason', () => {
    const labels = Int32Array.of(1, 1, 1);
    const probs = Float64Array.of(0.2, 0.6, 0.9);
    expect(rocAuc(labels, probs)).toEqual({ value: null, reason: 'roc_auc: no negative rows' });
    const s = classificationSuite(labels, probs, 2);
    expect(s.roc_auc).toBeNull();
    expect(s.notes.roc_auc).toMatch(/no negative rows/);
    expect(s.pr_auc).not.toBeNull();
    const none = classificationSuite(Int32Array.of(0, 0), Float64Array.of(0.1, 0.7), 2);
    expect(none.pr_auc).toBeNull();
    expect(none.thresholds!.max_f1).toBeNull();
  });

  it('multiclass with a class absent from labels averages the others and says so', () => {
    const labels = Int32Array.of(0, 1, 0, 1);
    const probs = Float64Array.of(0.7, 0.2, 0.1, 0.2, 0.7, 0.1, 0.5, 0.3, 0.2, 0.3, 0.3, 0.4);
    const s = classificationSuite(labels, probs, 3);
    expect(s.per_class['2']!.roc_auc).toBeNull();
    // Class 0 separates perfectly (1); class 1 has a tie at 0.3 (3.5 of 4 pairs, 0.875).
    close(s.roc_auc, (1 + 0.875) / 2);
    expect(s.notes.roc_auc).toMatch(/2 of 3 classes/);
  });

  it('empty input names the argument', () => {
    expect(() => classificationSuite(new Int32Array(0), new Float64Array(0), 2)).toThrow(
      /labels: is empty/,
    );
    expect(() => regressionSuite(new Float64Array(0), new Float64Array(0), 1)).toThrow(
      /^y: is empty/,
    );
    expect(() => accuracy(new Int32Array(0), new Int32Array(0))).toThrow(MetricInputError);
  });

  it('k mismatch and bad labels are clear errors', () => {
    expect(() => classificationSuite(ym, pm, 3)).toThrow(
      /labels: row \d+ has class 3, outside 0..2/,
    );
    expect(() =>
      classificationSuite(Int32Array.of(0, 1), Float64Array.of(0.5, 0.5, 0.5), 3),
    ).toThrow(/probs: has length 3, expected 6 .*k mismatch/);
    expect(() => classificationSuite(yb, pb, 2, ['only-one'])).toThrow(/classNames/);
    expect(() => regressionSuite(Float64Array.of(1, 2), Float64Array.of(1), 0)).toThrow(
      /yhat: has 1 rows but y has 2/,
    );
    try {
      logLoss(Int32Array.of(0), Float64Array.of(0.5, 0.5, 0.5), 2);
    } catch (err) {
      expect((err as MetricInputError).argument).toBe('probs');
    }
  });

  it('threshold targets no threshold can reach are null with a reason', () => {
    const counts = binaryCounts(Int32Array.of(0, 1, 0, 1), Float64Array.of(0.9, 0.8, 0.7, 0.1));
    expect(selectThreshold(counts, { kind: 'precision', target: 0.99 })).toMatchObject({
      value: null,
    });
  });

  it('handles a million rows quickly', () => {
    const n = 1_000_000;
    const labels = new Int32Array(n);
    const probs = new Float64Array(n);
    let s = 1;
    for (let i = 0; i < n; i++) {
      s = (s * 16807) % 2147483647;
      labels[i] = s % 3 === 0 ? 1 : 0;
      probs[i] = Math.min(1, ((s % 1000) / 1000) * 0.8 + labels[i]! * 0.2);
    }
    const t0 = performance.now();
    const suite = classificationSuite(labels, probs, 2);
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(suite.roc_auc).toBeGreaterThan(0.5);
    expect(suite.curves.roc['1']!.fpr.length).toBeLessThanOrEqual(200);
  });
});
