import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { ColumnProfile } from '../../../../shared/contract';
import {
  binAxisTicks,
  ColumnHistogram,
  histogramBars,
  HISTOGRAM_HEIGHT,
  topValuesHeight,
} from '../../../../renderer/charts/column-histogram';
import { refusedSchemaChange } from '../../../../renderer/views/Data/import-form';
import { ApiError } from '../../../../renderer/api/errors';

const column = (
  kind: ColumnProfile['kind'],
  bins: [number, number][],
  type = kind === 'datetime' ? 'TIMESTAMP' : 'DOUBLE',
): ColumnProfile => ({
  name: 'x',
  type,
  kind,
  count: 10,
  nullCount: 0,
  nullRate: 0,
  distinctCount: 10,
  min: bins[0]![0],
  max: bins[bins.length - 1]![1],
  mean: null,
  std: null,
  quantiles: null,
  topValues: [],
  histogram: bins.map(([lo, hi]) => ({ lo, hi, count: 1 })),
  outliers: null,
});

describe('the histogram value axis', () => {
  it('is shown, each tick the lower bound of its bin', () => {
    const axis = binAxisTicks(
      column('numeric', [
        [0, 2.5],
        [2.5, 5],
        [5, 7.5],
      ]),
    );
    expect(axis.display).toBe(true);
    expect([0, 1, 2].map((i) => axis.ticks.callback(i, i))).toEqual(['0', '2.5', '5']);
    expect(axis.ticks.maxRotation).toBe(0);
  });

  it('shows dates for datetime columns', () => {
    const day = Date.UTC(2024, 0, 1);
    const axis = binAxisTicks(column('datetime', [[day, day + 86_400_000]]));
    expect(axis.ticks.callback(0, 0)).toBe('2024-01-01');
  });
});

/** `bins` equal-width bins from lo to hi, as main/data/profile.ts cuts them. */
const equalBins = (lo: number, hi: number, bins: number): [number, number][] =>
  Array.from({ length: bins }, (_, b) => [
    lo + (b * (hi - lo)) / bins,
    lo + ((b + 1) * (hi - lo)) / bins,
  ]);
const ticks = (c: ColumnProfile) =>
  histogramBars(c).map((_, i) => binAxisTicks(c).ticks.callback(i, i));

describe("an integer column's histogram", () => {
  it('ticks at whole numbers, one bar per value, when no bin holds two values', () => {
    // day_of_week 0–6 is cut into 7 bins of width 6/7: their edges are 0.857, 1.714, …
    const dow = column('numeric', equalBins(0, 6, 7), 'BIGINT');
    expect(ticks(dow)).toEqual(['0', '1', '2', '3', '4', '5', '6']);
    expect(binAxisTicks(dow).ticks.maxTicksLimit).toBe(7);
    const month = column('numeric', equalBins(1, 3, 3), 'INTEGER');
    expect(ticks(month)).toEqual(['1', '2', '3']);
    expect(histogramBars(month).map((b) => b.label)).toEqual(['1', '2', '3']);
  });

  it('drops the (empty) bins that hold no whole number', () => {
    const c = column('numeric', equalBins(0, 2, 7), 'SMALLINT');
    c.histogram = c.histogram.map((b, i) => ({ ...b, count: [0, 3, 6].includes(i) ? 5 : 0 }));
    expect(histogramBars(c)).toEqual([
      { label: '0', tick: '0', count: 5 },
      { label: '1', tick: '1', count: 5 },
      { label: '2', tick: '2', count: 5 },
    ]);
  });

  it('names a bin holding several values by its first and last, ticks at the first', () => {
    const flight = column('numeric', equalBins(47, 1_477_846, 20), 'BIGINT');
    const bars = histogramBars(flight);
    expect(bars).toHaveLength(20);
    expect(bars.map((b) => b.tick).every((t) => /^\d{1,3}(,\d{3})*$/.test(t))).toBe(true);
    expect(bars[0]!.label).toBe('47 – 73,936');
    expect(bars[1]!.tick).toBe('73,937');
    expect(bars[19]!.label).toBe('1,403,957 – 1,477,846');
    expect(binAxisTicks(flight).ticks.maxTicksLimit).toBe(5);
  });

  it('a column of one value is one bar of that value', () => {
    const c = column('numeric', [[4, 5]], 'INTEGER');
    c.max = 4;
    expect(histogramBars(c).map((b) => b.label)).toEqual(['4']);
  });

  it('keeps the bin edges of a DOUBLE column, though fractional', () => {
    expect(ticks(column('numeric', equalBins(0, 6, 7)))).toEqual([
      '0',
      '0.8571',
      '1.714',
      '2.571',
      '3.429',
      '4.286',
      '5.143',
    ]);
  });
});

describe('a top-values chart', () => {
  it("is tall enough for every label: ten bars are not squeezed into a histogram's height", () => {
    expect(topValuesHeight(2)).toBe(HISTOGRAM_HEIGHT);
    expect(topValuesHeight(10)).toBeGreaterThanOrEqual(10 * 16 + 20);
    expect(topValuesHeight(20)).toBeGreaterThan(topValuesHeight(10));
  });

  it('draws its canvas at that height', () => {
    const origin: ColumnProfile = {
      ...column('categorical', [[0, 1]]),
      type: 'VARCHAR',
      histogram: [],
      topValues: ['ORD', 'DFW', 'ATL', 'LAX', 'STL', 'PHX', 'MSP', 'LAS', 'DTW', 'CLT'].map(
        (value, i) => ({ value, count: 600 - 30 * i }),
      ),
    };
    const html = renderToStaticMarkup(createElement(ColumnHistogram, { column: origin }));
    expect(html).toContain(`class="histogram-canvas" style="height:${topValuesHeight(10)}px"`);
  });
});

describe('a refused schema change', () => {
  const change = {
    dataset: 'people',
    fromVersion: 1,
    added: [{ name: 'price', type: 'BIGINT', kind: 'numeric' }],
    removed: [],
    retyped: [{ name: 'age', from: 'BIGINT', to: 'DOUBLE' }],
  };

  it('is read from the error details, so the form can ask instead of failing', () => {
    expect(
      refusedSchemaChange(
        new ApiError('INVALID_INPUT', 'the columns differ', { schemaChange: change }),
      ),
    ).toEqual(change);
  });

  it('is not seen in other errors', () => {
    expect(refusedSchemaChange(new ApiError('FILE_NOT_FOUND', 'file not found: /x'))).toBeNull();
    expect(refusedSchemaChange(new Error('boom'))).toBeNull();
  });
});
