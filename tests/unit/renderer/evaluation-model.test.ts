import { describe, expect, it } from 'vitest';
import { parseRoute, routeHref } from '../../../renderer/lib/routes';
import {
  confusionCells,
  learningSeries,
  linearScale,
  svgPoints,
  thresholdRows,
} from '../../../renderer/report/report-model';
import {
  headlineMetric,
  newestFirst,
  reportFileName,
} from '../../../renderer/views/Evaluation/report-model';
import {
  binaryReport,
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

describe('metrics list', () => {
  it('picks a headline metric by task', () => {
    expect(headlineMetric(binaryReport())).toBe('roc_auc');
    expect(headlineMetric(multiclassReport())).toBe('f1_macro');
    expect(headlineMetric(regressionReport())).toBe('rmse');
    expect(headlineMetric(binaryReport({ metrics: { zeta: 1, alpha: 2 } }))).toBe('alpha');
  });
});

describe('report shaping', () => {
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
