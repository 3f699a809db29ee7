import { describe, expect, it } from 'vitest';
import { parseRoute, routeHref } from '../../../renderer/lib/routes';
import {
  confusionCells,
  extent,
  fairnessReadings,
  headlineMetric,
  learningSeries,
  linearScale,
  metricComparison,
  newestFirst,
  niceTicks,
  positivePrevalence,
  reportFileName,
  slicesWorstFirst,
  svgPoints,
  thresholdRows,
} from '../../../renderer/views/Evaluation/report-model';
import {
  binaryReport,
  HOSTILE,
  multiclassReport,
  regressionReport,
} from '../../fixtures/evaluation-reports';

describe('evaluation routes', () => {
  it('parses and writes #/evaluations, its target filter and #/evaluations/<id>', () => {
    expect(parseRoute('#/evaluations')).toEqual({ view: 'evaluations', target: null });
    expect(parseRoute('#/evaluations?target=churn%40champion')).toEqual({
      view: 'evaluations',
      target: 'churn@champion',
    });
    expect(parseRoute('#/evaluations?target=%20%20')).toEqual({
      view: 'evaluations',
      target: null,
    });
    expect(parseRoute('#/evaluations/ev%2F1')).toEqual({ view: 'evaluation', id: 'ev/1' });
    for (const route of [
      { view: 'evaluations', target: null },
      { view: 'evaluations', target: 'a b&c@2' },
      { view: 'evaluation', id: 'x/y?z' },
    ] as const)
      expect(parseRoute(routeHref(route))).toEqual(route);
    expect(routeHref({ view: 'evaluation', id: 'e1' })).toBe('#/evaluations/e1');
  });
});

describe('metrics vs baseline', () => {
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
    expect(reg.get('r2')!.better).toBe(true);
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

  it('picks a headline metric by task', () => {
    expect(headlineMetric(binaryReport())).toBe('roc_auc');
    expect(headlineMetric(multiclassReport())).toBe('f1_macro');
    expect(headlineMetric(regressionReport())).toBe('rmse');
    expect(headlineMetric(binaryReport({ metrics: { zeta: 1, alpha: 2 } }))).toBe('alpha');
  });
});

describe('report shaping', () => {
  it('prevalence of the positive class, from the confusion matrix or the support', () => {
    expect(positivePrevalence(binaryReport())).toBeCloseTo(0.2);
    expect(positivePrevalence(binaryReport({ confusionMatrix: null }))).toBeCloseTo(0.2);
    expect(positivePrevalence(regressionReport())).toBeNull();
  });

  it('slices worst first, those without a delta last', () => {
    const sorted = slicesWorstFirst(binaryReport().slices);
    expect(sorted.map((s) => s.segment)).toEqual([
      'south & "east"',
      'north',
      '[30, 60)',
      '[18, 30)',
    ]);
  });

  it('thresholds: default, best F1, then others', () => {
    const report = binaryReport({
      thresholds: {
        maxF1: { threshold: 0.4, precision: 0.6, recall: 0.8, f1: 0.69 },
        recall90: { threshold: 0.2, precision: 0.4, recall: 0.9, f1: 0.55 },
        default: { threshold: 0.5, precision: 0.7, recall: 0.6, f1: 0.65 },
      },
    });
    expect(thresholdRows(report).map((t) => t.label)).toEqual([
      'default (0.5)',
      'best F1',
      'recall90',
    ]);
    expect(thresholdRows(multiclassReport())).toEqual([]);
  });

  it('confusion cells: one per entry with its share of the actual row', () => {
    const cells = confusionCells(multiclassReport().confusionMatrix!);
    expect(cells).toHaveLength(9);
    expect(cells[4]).toEqual({ actual: 1, predicted: 1, count: 85, share: 0.85 });
    expect(confusionCells([[0, 0]]).map((c) => c.share)).toEqual([0, 0]);
  });

  it('fairness readings name the groups and flag the four-fifths rule', () => {
    const readings = fairnessReadings(binaryReport().fairness[0]!);
    expect(readings.map((r) => r.key)).toEqual([
      'demographic_parity_difference',
      'disparate_impact_ratio',
      'equal_opportunity_difference',
      'equalized_odds_difference',
    ]);
    expect(readings[0]!.reading).toContain(
      `“${HOSTILE}” for 25% of group “M” but 15% of group “F”`,
    );
    expect(readings[1]).toMatchObject({ value: 0.6, concern: true });
    expect(readings[1]!.reading).toContain('fails the four-fifths rule');
    const fair = fairnessReadings({ ...binaryReport().fairness[0]!, disparateImpactRatio: 0.9 });
    expect(fair[1]).toMatchObject({ concern: false });
    expect(fair[1]!.reading).toContain('meets the four-fifths rule');
  });

  it('learning curve series per metric, sorted by rows, without missing values', () => {
    const report = binaryReport({
      learningCurve: [
        { fraction: 1, rows: 400, metric: 'f1', value: 0.7 },
        { fraction: 0.5, rows: 200, metric: 'f1', value: null },
        { fraction: 0.25, rows: 100, metric: 'f1', value: 0.5 },
        { fraction: 0.25, rows: 100, metric: 'auc', value: null },
      ],
    });
    expect(learningSeries(report)).toEqual([
      {
        metric: 'f1',
        points: [
          { x: 100, y: 0.5 },
          { x: 400, y: 0.7 },
        ],
      },
    ]);
  });
});

describe('chart geometry', () => {
  it('ticks are round and cover the domain', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(3, 3)).toEqual([3]);
  });

  it('extent pads the range and widens a single value', () => {
    expect(extent([0, 10], 0.1)).toEqual([-1, 11]);
    expect(extent([5, 5], 0)).toEqual([4.5, 5.5]);
    expect(extent([])).toEqual([0, 1]);
  });

  it('scales map data to pixels, y upside down', () => {
    const py = linearScale([0, 1], [100, 0]);
    expect(py(0)).toBe(100);
    expect(py(0.25)).toBe(75);
    expect(
      svgPoints(
        [
          { x: 0, y: 0 },
          { x: 1, y: 1 },
        ],
        linearScale([0, 1], [10, 20]),
        py,
      ),
    ).toBe('10,100 20,0');
  });
});

describe('list and download', () => {
  it('lists newest first', () => {
    const a = binaryReport({ id: 'a', createdAt: '2026-11-26T09:00:00.000Z' });
    const b = binaryReport({ id: 'b', createdAt: '2026-11-26T11:00:00.000Z' });
    expect(newestFirst([a, b]).map((r) => r.id)).toEqual(['b', 'a']);
  });

  it('names the downloaded file safely', () => {
    expect(reportFileName({ id: 'ev-1', runName: 'churn & "friends"' })).toBe(
      'evaluation-churn_friends-ev-1.html',
    );
    expect(reportFileName({ id: 'x', runName: '../../etc' })).toBe('evaluation-etc-x.html');
    expect(reportFileName({ id: '', runName: '' })).toBe('evaluation-run-report.html');
  });
});
