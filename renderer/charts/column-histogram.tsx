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

function binLabel(column: ColumnProfile, lo: number, hi: number): string {
  return `${boundText(column, lo)} – ${boundText(column, hi)}`;
}

/**
 * The value axis under a histogram's bars: each tick is its bin's lower bound (a few ticks, unrotated),
 * so the reader sees where the mass lies without hovering.
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
  return {
    display: true,
    grid: { display: false },
    ticks: {
      maxTicksLimit: 5,
      maxRotation: 0,
      autoSkip: true,
      callback: (_value, index) => {
        const bin = column.histogram[index];
        return bin ? boundText(column, bin.lo) : '';
      },
    },
  };
}

/** Bars of a column's distribution: equal-width bins for numbers and dates, top values otherwise. */
export function ColumnHistogram({ column }: { column: ColumnProfile }) {
  const useBins =
    (column.kind === 'numeric' || column.kind === 'datetime') && column.histogram.length > 0;
  const bars = useMemo(
    () =>
      useBins
        ? column.histogram.map((b) => ({ label: binLabel(column, b.lo, b.hi), count: b.count }))
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
        <div className="histogram-canvas">
          <canvas ref={canvasRef} aria-label={`Distribution of ${column.name}`} role="img" />
        </div>
      )}
    </figure>
  );
}
