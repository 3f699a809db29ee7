import { describe, expect, it } from 'vitest';
import {
  extent,
  fairnessReadings,
  lowerIsBetter,
  metricComparison,
  niceTicks,
  positivePrevalence,
  slicesWorstFirst,
} from '../../../shared/contract';
import {
  binaryReport,
  HOSTILE,
  multiclassReport,
  regressionReport,
} from '../../fixtures/evaluation-reports';

describe('lowerIsBetter', () => {
  it('knows errors, losses and calibration error are better lower, scores higher', () => {
    for (const m of [
      'rmse',
      'val_rmse',
      'mae',
      'mse',
      'mape',
      'smape',
      'log_loss',
      'logloss',
      'val_loss',
      'loss',
      'brier',
      'error',
      'max_error',
      'median_absolute_error',
      'ece',
      'val_ece',
    ])
      expect(lowerIsBetter(m), m).toBe(true);
    for (const m of ['r2', 'accuracy', 'roc_auc', 'pr_auc', 'f1_macro', 'precision', 'recall'])
      expect(lowerIsBetter(m), m).toBe(false);
  });
});

describe('metricComparison', () => {
  it('signs the difference model − baseline and knows lower is better for errors and losses', () => {
    const rows = metricComparison(binaryReport());
    expect(rows.map((r) => r.name)).toEqual(['accuracy', 'brier', 'log_loss', 'pr_auc', 'roc_auc']);
    const byName = new Map(rows.map((r) => [r.name, r]));
    expect(byName.get('roc_auc')).toMatchObject({ value: 0.91, baseline: 0.5, better: true });
    expect(byName.get('roc_auc')!.diff).toBeCloseTo(0.41);
    expect(byName.get('log_loss')!.diff).toBeCloseTo(-0.19);
    expect(byName.get('log_loss')!.better).toBe(true);
    const reg = new Map(metricComparison(regressionReport()).map((r) => [r.name, r]));
    expect(reg.get('rmse')!.better).toBe(true);
    expect(reg.get('mae')!.better).toBe(true);
    expect(reg.get('r2')).toMatchObject({ diff: 0.42, better: true });
  });

  it('marks a higher error as worse', () => {
    const worse = metricComparison(binaryReport({ metrics: { brier: 0.2, recall: null } }));
    expect(worse).toEqual([
      {
        name: 'brier',
        value: 0.2,
        baseline: 0.16,
        diff: expect.closeTo(0.04) as number,
        better: false,
      },
    ]);
  });

  it('leaves the difference empty when a side is missing, and drops metrics neither side has', () => {
    const rows = metricComparison(
      binaryReport({
        metrics: { roc_auc: null, f1: 0.5, mcc: null },
        baseline: { kind: 'x', metrics: { mcc: 0 } },
      }),
    );
    expect(rows).toEqual([
      { name: 'f1', value: 0.5, baseline: null, diff: null, better: null },
      { name: 'mcc', value: null, baseline: 0, diff: null, better: null },
    ]);
  });
});

describe('positivePrevalence', () => {
  it('comes from the confusion matrix rows, else the positive class support; binary only', () => {
    expect(positivePrevalence(binaryReport())).toBeCloseTo(0.2);
    expect(positivePrevalence(binaryReport({ confusionMatrix: null }))).toBeCloseTo(0.2);
    expect(positivePrevalence(multiclassReport())).toBeNull();
    expect(positivePrevalence(regressionReport())).toBeNull();
  });
});

describe('slicesWorstFirst', () => {
  it('sorts by delta, worst first, slices without a delta last', () => {
    const sorted = slicesWorstFirst(binaryReport().slices);
    expect(sorted.map((s) => s.segment)).toEqual([
      'south & "east"',
      'north',
      '[30, 60)',
      '[18, 30)',
    ]);
    expect(sorted.map((s) => s.delta)).toEqual([-0.18, -0.02, 0.02, null]);
  });

  it('keeps slices without a delta in their order and leaves the input alone', () => {
    const [a, b, c] = binaryReport().slices;
    const input = [
      { ...a!, segment: 'n1', delta: null },
      { ...b!, segment: 'n2', delta: null },
      { ...c!, segment: 'd', delta: -0.5 },
    ];
    expect(slicesWorstFirst(input).map((s) => s.segment)).toEqual(['d', 'n1', 'n2']);
    expect(input.map((s) => s.segment)).toEqual(['n1', 'n2', 'd']);
  });
});

describe('fairnessReadings', () => {
  it('name the groups in plain language and flag the four-fifths rule', () => {
    const readings = fairnessReadings(binaryReport().fairness[0]!);
    expect(readings.map((r) => r.key)).toEqual([
      'demographic_parity_difference',
      'disparate_impact_ratio',
      'equal_opportunity_difference',
      'equalized_odds_difference',
    ]);
    expect(readings.map((r) => r.concern)).toEqual([false, true, true, true]);
    expect(readings[0]!.reading).toContain(
      `“${HOSTILE}” for 25% of group “M” but 15% of group “F”`,
    );
    expect(readings[1]).toMatchObject({ value: 0.6, concern: true });
    expect(readings[1]!.reading).toContain('fails the four-fifths rule');
    const fair = fairnessReadings({ ...binaryReport().fairness[0]!, disparateImpactRatio: 0.9 });
    expect(fair[1]).toMatchObject({ concern: false });
    expect(fair[1]!.reading).toContain('meets the four-fifths rule');
  });

  it('say when a measure is undefined', () => {
    const [f] = binaryReport().fairness;
    const undefinedOnes = fairnessReadings({
      ...f!,
      disparateImpactRatio: null,
      equalOpportunityDifference: null,
    });
    expect(undefinedOnes[1]!.reading).toMatch(/^Not defined/);
    expect(undefinedOnes[1]!.concern).toBeNull();
    expect(undefinedOnes[2]!.reading).toMatch(/^Not defined/);
    expect(undefinedOnes[2]!.concern).toBeNull();
  });

  it('write gaps to 3 significant digits, never in exponent form', () => {
    const [f] = binaryReport().fairness;
    const r = fairnessReadings({
      ...f!,
      demographicParityDifference: 0.123456,
      equalizedOddsDifference: 0.00001234,
    });
    expect(r[0]!.reading).toContain('a gap of 12.3 percentage points');
    expect(r[3]!.reading).toContain(' is 0.0000123;');
  });
});

describe('chart geometry', () => {
  it('ticks are round numbers spanning the range', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-30, 90)).toEqual([-25, 0, 25, 50, 75]);
    expect(niceTicks(3, 3)).toEqual([3]);
    expect(niceTicks(0, Number.NaN)).toEqual([]);
  });

  it('extent pads the range and widens a single value', () => {
    expect(extent([0, 10], 0.1)).toEqual([-1, 11]);
    expect(extent([5, 5], 0)).toEqual([4.5, 5.5]);
    expect(extent([0, 0], 0)).toEqual([-1, 1]);
    expect(extent([Number.NaN, Number.POSITIVE_INFINITY])).toEqual([0, 1]);
    expect(extent([])).toEqual([0, 1]);
  });
});
