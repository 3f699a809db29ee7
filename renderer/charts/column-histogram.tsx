import { useMemo } from 'react';
import type { ChartConfiguration } from 'chart.js';
import type { ColumnProfile } from '../../shared/contract';
import { formatCell, formatNumber } from '../lib/format';
import { palette } from './chart-setup';
import { useChart } from './use-chart';

function binLabel(column: ColumnProfile, lo: number, hi: number): string {
  if (column.kind === 'datetime') {
    const fmt = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    return `${fmt(lo)} – ${fmt(hi)}`;
  }
  return `${formatNumber(lo)} – ${formatNumber(hi)}`;
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
              x: { display: false, grid: { display: false } },
              y: { beginAtZero: true, ticks: { maxTicksLimit: 3 }, grid: { color: palette.grid } },
            }
          : {
              x: { beginAtZero: true, ticks: { maxTicksLimit: 3 }, grid: { color: palette.grid } },
              y: { grid: { display: false }, ticks: { autoSkip: false } },
            },
      },
    }),
    [bars, useBins],
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
