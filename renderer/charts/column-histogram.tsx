import { useMemo } from 'react';
import type { ChartConfiguration } from 'chart.js';
import type { ColumnProfile } from '../../shared/contract';
import { formatCell, formatNumber } from '../lib/format';
import { palette } from './chart-setup';
import { useChart } from './use-chart';

/** A bin bound as the axis and tooltip show it: a date for datetime columns, else a number. */
function boundText(column: ColumnProfile, value: number): string {
  return column.kind === 'datetime'
    ? new Date(value).toISOString().slice(0, 10)
    : formatNumber(value);
}

// The whole-number DuckDB types, as main/data/column-kind.ts lists them (the renderer cannot import main).
const INTEGER_TYPE =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/i;

/** One bar of a column's chart: its tooltip label, the text under it on the axis, its count. */
export interface HistogramBar {
  label: string;
  tick: string;
  count: number;
}

/** The first whole number at or above `x`, tolerant of the rounding in bin edges (2.9999999999 → 3). */
function firstInteger(x: number): number {
  return Math.ceil(x - 1e-9 * Math.max(1, Math.abs(x)));
}

/**
 * The bars of a numeric or datetime histogram. An integer column's bins are named by the whole numbers
 * they hold, never by fractional edges: when no bin holds more than one value (day_of_week 0–6 in 7
 * bins of width 6/7), each bar is one value and bins holding none (always empty) are dropped; otherwise
 * a bar reads `first – last` value and ticks at its first.
 */
export function histogramBars(column: ColumnProfile): HistogramBar[] {
  const bins = column.histogram;
  if (column.kind !== 'numeric' || !INTEGER_TYPE.test(column.type)) {
    return bins.map((b) => ({
      label: `${boundText(column, b.lo)} – ${boundText(column, b.hi)}`,
      tick: boundText(column, b.lo),
      count: b.count,
    }));
  }
  const spans = bins.map((b, i) => {
    const first = firstInteger(b.lo);
    // Every bin but the last excludes its upper edge; the last holds the maximum (a column of one value
    // has one bin of width 1 past it).
    const last =
      i === bins.length - 1
        ? Math.min(
            Math.floor(b.hi + 1e-9 * Math.max(1, Math.abs(b.hi))),
            typeof column.max === 'number' ? column.max : Infinity,
          )
        : firstInteger(b.hi) - 1;
    return { first, last, count: b.count };
  });
  return spans
    .filter((s) => s.last >= s.first || s.count > 0)
    .map((s) => ({
      label:
        s.last <= s.first
          ? formatNumber(s.first)
          : `${formatNumber(s.first)} – ${formatNumber(s.last)}`,
      tick: formatNumber(s.first),
      count: s.count,
    }));
}

/**
 * The value axis under a histogram's bars: each tick is its bar's lower bound (a whole number for integer
 * columns; a few ticks, unrotated), so the reader sees where the mass lies without hovering.
 */
export function binAxisTicks(column: ColumnProfile): {
  display: true;
  grid: { display: false };
  ticks: {
    maxTicksLimit: number;
    maxRotation: 0;
    autoSkip: true;
    callback: (value: number | string, index: number) => string;
  };
} {
  const bars = histogramBars(column);
  return {
    display: true,
    grid: { display: false },
    ticks: {
      // One whole number per bar: tick each (autoSkip still thins them when they would touch).
      maxTicksLimit: bars.length <= 12 && bars.every((b) => b.tick === b.label) ? bars.length : 5,
      maxRotation: 0,
      autoSkip: true,
      callback: (_value, index) => bars[index]?.tick ?? '',
    },
  };
}

/** The histogram box's height (px) for a distribution, as the stylesheet's `.histogram-canvas` sets it. */
export const HISTOGRAM_HEIGHT = 110;
/** Pixels per bar of a top-values chart: an 11px label with room above and below. */
const TOP_VALUE_ROW = 17;
/** The value axis under a top-values chart: its ticks and padding. */
const TOP_VALUE_AXIS = 28;

/**
 * How tall a top-values chart is: a row per bar that fits its label (every label is drawn, none is
 * skipped), and never less than a histogram.
 */
export function topValuesHeight(bars: number): number {
  return Math.max(HISTOGRAM_HEIGHT, bars * TOP_VALUE_ROW + TOP_VALUE_AXIS);
}

/** Bars of a column's distribution: equal-width bins for numbers and dates, top values otherwise. */
export function ColumnHistogram({ column }: { column: ColumnProfile }) {
  const useBins =
    (column.kind === 'numeric' || column.kind === 'datetime') && column.histogram.length > 0;
  const bars = useMemo(
    () =>
      useBins
        ? histogramBars(column)
        : column.topValues.map((t) => ({ label: formatCell(t.value), count: t.count })),
    [column, useBins],
  );

  const config = useMemo<ChartConfiguration<'bar'>>(
    () => ({
      type: 'bar',
      data: {
        labels: bars.map((b) => b.label),
        datasets: [
          {
            data: bars.map((b) => b.count),
            backgroundColor: useBins ? palette.accentSoft : palette.violet,
            borderRadius: 2,
            barPercentage: useBins ? 1 : 0.8,
            categoryPercentage: useBins ? 0.98 : 0.8,
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: useBins ? 'x' : 'y',
        plugins: { legend: { display: false }, tooltip: { displayColors: false } },
        scales: useBins
          ? {
              x: binAxisTicks(column),
              y: { beginAtZero: true, ticks: { maxTicksLimit: 3 }, grid: { color: palette.grid } },
            }
          : {
              x: { beginAtZero: true, ticks: { maxTicksLimit: 3 }, grid: { color: palette.grid } },
              y: { grid: { display: false }, ticks: { autoSkip: false } },
            },
      },
    }),
    [bars, useBins, column],
  );
  const canvasRef = useChart(config);

  return (
    <figure className="histogram" data-testid={`histogram-${column.name}`} data-bars={bars.length}>
      <figcaption>
        <span className="histogram-name">{column.name}</span>
        <span className="histogram-kind">{useBins ? 'distribution' : `top ${bars.length}`}</span>
      </figcaption>
      {bars.length === 0 ? (
        <div className="histogram-empty">no values</div>
      ) : (
        <div
          className="histogram-canvas"
          style={useBins ? undefined : { height: topValuesHeight(bars.length) }}
        >
          <canvas ref={canvasRef} aria-label={`Distribution of ${column.name}`} role="img" />
        </div>
      )}
    </figure>
  );
}
