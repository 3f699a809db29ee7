import { useMemo } from 'react';
import type { ChartConfiguration } from 'chart.js';
import { palette } from '../../../charts/chart-setup';
import { lineChartOptions, lineDataset } from '../../../charts/line-chart';
import { useChart } from '../../../charts/use-chart';
import type { ChartSeries } from './run-model';

const COLORS = [
  palette.accent,
  palette.orange,
  palette.green,
  palette.violet,
  '#d6455d',
  '#0f7b76',
  '#9a5a00',
  '#5b6472',
];

/**
 * Every selected metric per step; losses and errors on the left axis, scores on the right. Steps are
 * epochs unless `xLabel` says otherwise (a search's trials, a cross-validation's folds); `empty` is what
 * an empty chart says instead of asking for a metric.
 */
export function MetricsChart({
  data,
  colorOf,
  xLabel = 'epoch',
  empty,
}: {
  data: ChartSeries;
  colorOf: (key: string) => string;
  xLabel?: string;
  empty?: string;
}) {
  const hasScore = data.series.some((s) => s.axis === 'score');
  const hasLoss = data.series.some((s) => s.axis === 'loss');
  const config = useMemo<ChartConfiguration<'line', (number | null)[], number>>(
    () => ({
      type: 'line',
      data: {
        labels: data.steps,
        datasets: data.series.map((s) => ({
          ...lineDataset({
            label: s.key,
            data: s.values,
            yAxisID: s.axis === 'loss' ? 'y' : 'y1',
            color: colorOf(s.key),
            dashed: s.key.startsWith('val_') && s.axis === 'loss',
            points: data.steps.length,
          }),
          cubicInterpolationMode: 'monotone' as const,
        })),
      },
      options: lineChartOptions({
        x: { title: { display: true, text: xLabel }, grid: { display: false } },
        y: {
          display: hasLoss,
          title: { display: true, text: 'loss / error' },
          grid: { color: palette.grid },
        },
        y1: {
          display: hasScore,
          position: 'right',
          title: { display: true, text: 'score' },
          grid: { display: !hasLoss, color: palette.grid },
        },
      }),
    }),
    [data, hasLoss, hasScore, colorOf, xLabel],
  );
  const canvasRef = useChart(config);
  return (
    <div
      className="run-chart"
      data-testid="run-chart"
      data-points={data.steps.length}
      data-series={data.series.map((s) => s.key).join(',')}
      data-x-label={xLabel}
    >
      <canvas ref={canvasRef} aria-label="Metric curves" role="img" />
      {data.steps.length === 0 && (
        <div className="run-chart-empty">
          {empty ??
            (data.series.length ? 'Waiting for the first epoch…' : 'Pick a metric to draw.')}
        </div>
      )}
    </div>
  );
}

/** A stable color per metric key, by its position among every key of the run. */
export function colorFor(keys: readonly string[]): (key: string) => string {
  return (key) => COLORS[Math.max(0, keys.indexOf(key)) % COLORS.length]!;
}

/** Checkboxes choosing which metrics the chart draws. */
export function MetricPicker({
  keys,
  selected,
  onToggle,
  colorOf,
}: {
  keys: readonly string[];
  selected: readonly string[];
  onToggle: (key: string) => void;
  colorOf: (key: string) => string;
}) {
  if (!keys.length) return null;
  return (
    <div className="metric-picker" data-testid="metric-picker">
      {keys.map((k) => (
        <label key={k} className="metric-pick">
          <input
            type="checkbox"
            checked={selected.includes(k)}
            onChange={() => onToggle(k)}
            data-testid={`metric-toggle-${k}`}
          />
          <span className="metric-swatch" style={{ background: colorOf(k) }} aria-hidden="true" />
          <span className="mono">{k}</span>
        </label>
      ))}
    </div>
  );
}
