import { useMemo } from 'react';
import type { ChartConfiguration } from 'chart.js';
import { palette } from '../../charts/chart-setup';
import { sequentialColors } from '../../charts/color-scale';
import { lineChartOptions, lineDataset } from '../../charts/line-chart';
import { useChart } from '../../charts/use-chart';
import { colorFor } from '../Experiments/run/metrics-chart';
import type { DistributionBars, StackedSeries } from './monitor-model';

export interface Line {
  key: string;
  label: string;
  values: (number | null)[];
  /** 'right': a second axis (e.g. a rate beside counts). */
  axis?: 'left' | 'right';
  dashed?: boolean;
  color?: string;
}

/**
 * The x axis of windows. A single window sits in the middle of the plot (`offset`), not on the y axis
 * with the rest of the plot empty.
 */
export function windowAxis(count: number) {
  return { grid: { display: false }, ticks: { maxTicksLimit: 12 }, offset: count === 1 };
}

/** A bin label as monitor-model writes them (`0.03406 – 0.07769`, `1,200 – 1,800`): its bounds. */
function binBounds(key: string): [number, number] | null {
  const m = /^(\S+) – (\S+)$/.exec(key);
  if (!m) return null;
  const [lo, hi] = [m[1]!, m[2]!].map((x) => Number(x.replace(/,/g, '').replace('−', '-')));
  return Number.isNaN(lo) || Number.isNaN(hi) ? null : [lo!, hi!];
}

/**
 * Colors of stacked series. Numeric bins are ordered, so they take a sequential scale in their order
 * (19 probability bins on a categorical cycle of 8 repeated its colors, and two far-apart bins looked
 * alike); classes take the categorical palette, and distinct hues past its end.
 */
export function stackColors(keys: readonly string[]): string[] {
  const bounds = keys.map(binBounds);
  if (keys.length > 1 && bounds.every((b) => b !== null)) {
    const order = keys.map((_, i) => i).sort((a, b) => bounds[a]![0] - bounds[b]![0]);
    const colors = sequentialColors(keys.length);
    const out = new Array<string>(keys.length);
    order.forEach((k, rank) => (out[k] = colors[rank]!));
    return out;
  }
  const colorOf = colorFor(keys.slice(0, CATEGORICAL));
  return keys.map((k, i) =>
    i < CATEGORICAL ? colorOf(k) : `hsl(${Math.round((i * 137.508) % 360)}, 55%, 45%)`,
  );
}

/** How many colors the categorical palette (colorFor's) has before it repeats. */
const CATEGORICAL = 8;

/** Lines over windows (labels on x): volume, latency, error rate, metrics. */
export function SeriesChart({
  labels,
  lines,
  left,
  right,
  testId,
  label,
}: {
  labels: string[];
  lines: Line[];
  /** Axis titles. */
  left: string;
  right?: string;
  testId: string;
  /** What the chart shows, for screen readers. */
  label: string;
}) {
  const colorOf = useMemo(() => colorFor(lines.map((l) => l.key)), [lines]);
  const config = useMemo<ChartConfiguration<'line', (number | null)[], string>>(
    () => ({
      type: 'line',
      data: {
        labels,
        datasets: lines.map((l) =>
          lineDataset({
            label: l.label,
            data: l.values,
            yAxisID: l.axis === 'right' ? 'y1' : 'y',
            color: l.color ?? colorOf(l.key),
            dashed: l.dashed,
            points: labels.length,
          }),
        ),
      },
      options: lineChartOptions({
        x: windowAxis(labels.length),
        y: {
          beginAtZero: true,
          title: { display: true, text: left },
          grid: { color: palette.grid },
        },
        y1: {
          display: lines.some((l) => l.axis === 'right'),
          position: 'right',
          beginAtZero: true,
          title: { display: Boolean(right), text: right ?? '' },
          grid: { display: false },
        },
      }),
    }),
    [labels, lines, left, right, colorOf],
  );
  const canvasRef = useChart(config);
  return (
    <div className="monitor-chart" data-testid={testId} data-points={labels.length}>
      <canvas ref={canvasRef} role="img" aria-label={label} />
    </div>
  );
}

/** The reference and current distributions of one feature as grouped bars of shares. */
export function DistributionChart({ bars, feature }: { bars: DistributionBars; feature: string }) {
  const config = useMemo<ChartConfiguration<'bar', number[], string>>(
    () => ({
      type: 'bar',
      data: {
        labels: bars.labels,
        datasets: [
          { label: 'reference', data: bars.referenceShares, backgroundColor: palette.accentSoft },
          { label: 'current', data: bars.currentShares, backgroundColor: palette.orange },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        plugins: {
          legend: { position: 'top', align: 'end', labels: { boxWidth: 12 } },
          tooltip: {
            callbacks: {
              label: (c) => `${c.dataset.label}: ${((c.parsed.y ?? 0) * 100).toFixed(1)}%`,
            },
          },
        },
        scales: {
          x: { grid: { display: false }, ticks: { maxRotation: 60, autoSkip: true } },
          y: {
            beginAtZero: true,
            title: { display: true, text: 'share of rows' },
            grid: { color: palette.grid },
          },
        },
      },
    }),
    [bars],
  );
  const canvasRef = useChart(config);
  return (
    <div
      className="monitor-chart"
      data-testid="drift-distribution-chart"
      data-bins={bars.labels.length}
    >
      <canvas
        ref={canvasRef}
        role="img"
        aria-label={`Reference and current distributions of ${feature}`}
      />
    </div>
  );
}

/** Shares per window, stacked (the prediction distribution over time). */
export function StackedChart({ data, testId }: { data: StackedSeries; testId: string }) {
  const colors = useMemo(() => stackColors(data.series.map((s) => s.key)), [data]);
  const config = useMemo<ChartConfiguration<'bar', number[], string>>(
    () => ({
      type: 'bar',
      data: {
        labels: data.labels,
        datasets: data.series.map((s, i) => ({
          label: s.key,
          data: s.values,
          backgroundColor: colors[i],
          // A hairline between stacked bands, so neighbours on the scale stay apart.
          borderColor: '#fff',
          borderWidth: { top: 1 },
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { position: 'top', align: 'end', labels: { boxWidth: 12 } } },
        scales: {
          x: { stacked: true, grid: { display: false } },
          y: {
            stacked: true,
            beginAtZero: true,
            max: 1,
            title: { display: true, text: 'share of predictions' },
            grid: { color: palette.grid },
          },
        },
      },
    }),
    [data, colors],
  );
  const canvasRef = useChart(config);
  return (
    <div
      className="monitor-chart"
      data-testid={testId}
      data-points={data.labels.length}
      data-series={data.series.length}
    >
      <canvas ref={canvasRef} role="img" aria-label="Prediction distribution per window" />
    </div>
  );
}
