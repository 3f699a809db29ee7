import { describe, expect, it } from 'vitest';
import { importDatasetHash } from '../../../main/electron/menu';
import { fromHistory, mergeTables, withProgress } from '../../../renderer/lib/epochs';
import {
  datasetNameFromFile,
  formatCountOf,
  formatRowNumber,
  formatPercent,
  formatRowValue,
  formatTemporal,
} from '../../../renderer/lib/format';
import { formatNumber } from '../../../shared/format';
import { chartMetric, keyParams, presentMetrics } from '../../../renderer/lib/metrics';
import { pagesForRange } from '../../../renderer/lib/paging';
import { parseRoute, routeHref } from '../../../renderer/lib/routes';

describe('datasetNameFromFile', () => {
  it('drops the extension and keeps only [A-Za-z0-9_.-]', () => {
    expect(datasetNameFromFile('seattle-weather.csv')).toBe('seattle-weather');
    expect(datasetNameFromFile('/tmp/My Sales (2024).parquet')).toBe('My_Sales_2024_');
    expect(datasetNameFromFile('C:\\data\\q1.v2.tsv')).toBe('q1.v2');
    expect(datasetNameFromFile('-.csv')).toBe('dataset');
  });

  it('yields names the contract accepts', () => {
    for (const f of ['a b.csv', 'über.json', '...x.ndjson', '@@.csv']) {
      expect(datasetNameFromFile(f)).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/);
    }
  });
});

describe('formatting', () => {
  // The cases shared/format also covers (sizes, durations, numbers, other percents) live in
  // tests/unit/shared/format.test.ts; renderer/lib/format only re-exports those.
  it('counts a noun in the singular for one and the plural otherwise', () => {
    expect(formatCountOf(1, 'version')).toBe('1 version');
    expect(formatCountOf(2, 'version')).toBe('2 versions');
    expect(formatCountOf(0, 'version')).toBe('0 versions');
    expect(formatCountOf(1200, 'entry', 'entries')).toBe('1,200 entries');
  });

  it('formats percents and DATE/TIMESTAMP values', () => {
    expect(formatPercent(0.25)).toBe('25%');
    expect(formatTemporal('2024-01-05T00:00:00.000Z', 'DATE')).toBe('2024-01-05');
    expect(formatTemporal('2024-01-05T13:04:05.000Z', 'TIMESTAMP')).toBe('2024-01-05 13:04:05');
    expect(formatTemporal('2024-01-05T13:04:05.250Z', 'TIMESTAMP')).toBe('2024-01-05 13:04:05.25');
    expect(formatTemporal('not a date', 'DATE')).toBe('not a date');
  });
});

describe('values of the Rows tab', () => {
  const bigint = { kind: 'numeric', type: 'BIGINT' } as const;
  const integer = { kind: 'numeric', type: 'INTEGER' } as const;
  const double = { kind: 'numeric', type: 'DOUBLE' } as const;
  const text = { kind: 'categorical', type: 'VARCHAR' } as const;

  it('groups the integers of a numeric column as the rest of the app does, whole', () => {
    expect(formatRowValue(3000000, bigint)).toBe('3,000,000');
    expect(formatRowValue(3000000, bigint)).toBe(formatNumber(3000000));
    expect(formatRowValue(-1234567, bigint)).toBe('-1,234,567');
    expect(formatRowValue(999, bigint)).toBe('999');
    expect(formatRowValue(0, bigint)).toBe('0');
    // A year in an INTEGER column is a number like any other: the profile's min and max group it too.
    expect(formatRowValue(2001, integer)).toBe('2,001');
    expect(formatRowValue(2001, integer)).toBe(formatNumber(2001));
    // Past 1e15 formatNumber writes an exponent; a row keeps every digit a BIGINT id has.
    expect(formatRowValue(1234567890123456, bigint)).toBe('1,234,567,890,123,456');
  });

  it('keeps 8 significant digits of other numbers and groups their whole part', () => {
    expect(formatRowValue(1234567.25, double)).toBe('1,234,567.3');
    expect(formatRowValue(-1234.5, double)).toBe('-1,234.5');
    expect(formatRowValue(-0.5, double)).toBe('-0.5');
    expect(formatRowValue(0.1 + 0.2, double)).toBe('0.3');
    expect(formatRowValue(3000000.5, double)).toBe('3,000,000.5');
  });

  it('leaves the exponent forms JavaScript writes ungrouped', () => {
    expect(formatRowNumber(1.2345e21)).toBe('1.2345e+21');
    expect(formatRowNumber(1e21)).toBe('1e+21');
    expect(formatRowNumber(1.5e-7)).toBe('1.5e-7');
  });

  it('shows an id or a year stored as text as typed, and dates as formatTemporal does', () => {
    expect(formatRowValue('3000000', text)).toBe('3000000');
    expect(formatRowValue('2001', text)).toBe('2001');
    expect(formatRowValue(true, { kind: 'boolean', type: 'BOOLEAN' })).toBe('true');
    expect(formatRowValue('2024-01-05T00:00:00.000Z', { kind: 'datetime', type: 'DATE' })).toBe(
      '2024-01-05',
    );
  });
});

describe('routes', () => {
  it('round-trips every route', () => {
    for (const hash of [
      '#/projects',
      '#/data',
      '#/data/sales%20q1',
      '#/experiments',
      '#/experiments/new',
      '#/runs/r-1',
    ]) {
      expect(routeHref(parseRoute(hash))).toBe(hash);
    }
  });

  it('opens on the Data view for an empty or unknown hash', () => {
    expect(parseRoute('')).toEqual({ view: 'data', dataset: null });
    expect(parseRoute('#/nope')).toEqual({ view: 'data', dataset: null });
  });

  it("reads the Electron menu's import path from #/data?import=", () => {
    expect(parseRoute(`#/data?import=${encodeURIComponent('/x/y.csv')}`)).toStrictEqual({
      view: 'data',
      dataset: null,
      importPath: '/x/y.csv',
    });
    const odd = 'C:\\My Data\\q1 & q2?+50%.csv';
    expect(parseRoute(`#/data?import=${encodeURIComponent(odd)}`)).toStrictEqual({
      view: 'data',
      dataset: null,
      importPath: odd,
    });
    expect(parseRoute('#/data/sales?import=%2Fx%2Fy.csv')).toStrictEqual({
      view: 'data',
      dataset: 'sales',
      importPath: '/x/y.csv',
    });
    const href = `#/data?import=${encodeURIComponent('/tmp/a b.csv')}`;
    expect(routeHref(parseRoute(href))).toBe(href);
  });

  it('reads back every path the menu encodes', () => {
    for (const path of ['/x/y.csv', '/tmp/a b#1?.csv', 'C:\\data\\100% über+.parquet']) {
      expect(parseRoute(importDatasetHash(path))).toStrictEqual({
        view: 'data',
        dataset: null,
        importPath: path,
      });
    }
  });

  it('ignores a ?query on every view', () => {
    expect(parseRoute('#/data?import=')).toStrictEqual({ view: 'data', dataset: null });
    expect(parseRoute('#/data?other=1')).toStrictEqual({ view: 'data', dataset: null });
    expect(parseRoute('#/data/sales?x=1')).toStrictEqual({ view: 'data', dataset: 'sales' });
    expect(parseRoute('#/projects?import=%2Fx')).toStrictEqual({ view: 'projects' });
    expect(parseRoute('#/experiments?x=1')).toStrictEqual({ view: 'experiments', newRun: false });
    expect(parseRoute('#/experiments/new?x=1')).toStrictEqual({
      view: 'experiments',
      newRun: true,
    });
    expect(parseRoute('#/runs/r-1?tab=metrics')).toStrictEqual({ view: 'run', runId: 'r-1' });
    expect(parseRoute('#/runs?x=1')).toStrictEqual({ view: 'experiments', newRun: false });
    expect(parseRoute('#/?import=%2Fx')).toStrictEqual({ view: 'data', dataset: null });
  });
});

describe('pagesForRange', () => {
  it('covers the visible rows with whole pages', () => {
    expect(pagesForRange(0, 30, 200)).toEqual([0]);
    expect(pagesForRange(190, 230, 200)).toEqual([0, 1]);
    expect(pagesForRange(999_950, 999_999, 200)).toEqual([4999]);
    expect(pagesForRange(5, 4, 200)).toEqual([]);
  });
});

describe('epoch tables', () => {
  it('merges stored history with live progress without duplicating epochs', () => {
    const history = fromHistory([
      { key: 'loss', step: 1, value: 0.9, timestamp: 0 },
      { key: 'val_loss', step: 1, value: 1.0, timestamp: 0 },
    ]);
    const live = withProgress(new Map(), {
      runId: 'r',
      epoch: 2,
      epochs: 5,
      fraction: 0.4,
      etaMs: 10,
      elapsedMs: 10,
      loss: 0.7,
      valLoss: 0.8,
      metrics: { val_accuracy: 0.6 },
    });
    const merged = mergeTables(
      history,
      mergeTables(live, fromHistory([{ key: 'loss', step: 2, value: 0.7, timestamp: 1 }])),
    );
    expect([...merged.keys()].sort()).toEqual([1, 2]);
    expect(merged.get(2)).toEqual({ loss: 0.7, val_loss: 0.8, val_accuracy: 0.6 });
  });
});

describe('metrics', () => {
  it('charts the validation metric that fits the task', () => {
    expect(chartMetric('multiclass', ['loss', 'val_loss', 'val_accuracy', 'val_f1_macro'])).toBe(
      'val_accuracy',
    );
    expect(chartMetric('binary', ['val_accuracy', 'val_auc'])).toBe('val_auc');
    expect(chartMetric('regression', ['val_loss', 'val_r2'])).toBe('val_r2');
    expect(chartMetric('regression', ['loss', 'val_loss'])).toBeNull();
  });

  it('lists only key metrics some run has', () => {
    expect(
      presentMetrics([{ metrics: { val_rmse: 1 } }, { metrics: { val_accuracy: 0.5, other: 1 } }]),
    ).toEqual(['val_accuracy', 'val_rmse']);
  });
});

describe('keyParams', () => {
  it('summarizes the params that tell runs apart, in a fixed order', () => {
    expect(
      keyParams({
        seed: '7',
        'training.learningRate': '0.01',
        'model.hidden': '64,64',
        'training.epochs': '20',
        task: 'binary',
      }),
    ).toBe('hidden 64,64 · epochs 20 · lr 0.01 · seed 7');
    expect(keyParams({})).toBe('');
  });
});
