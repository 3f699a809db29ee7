import { useEffect, useMemo, useRef } from 'react';
import { Filler, LogarithmicScale, type ChartConfiguration, type ChartDataset } from 'chart.js';
import { Chart, palette } from '../../charts/chart-setup';
import type { GroupCurve, RunCurve, XMode, XY } from './curves';

// The overlay needs filled bands (mean ± std) and a log y axis, which the other charts do not.
Chart.register(Filler, LogarithmicScale);

type LineDataset = ChartDataset<'line', XY[]>;

export interface OverlaySeries {
  curves: RunCurve[];
  names: string[];
  colors: string[];
  hidden: ReadonlySet<string>;
}

export interface OverlayProps {
  /** One curve per run, or (when `groups` is set) one mean line with a ±std band per group. */
  runs: OverlaySeries;
  groups: { curves: GroupCurve[]; colors: string[] } | null;
  x: XMode;
  xLabel: string;
  yLabel: string;
  logY: boolean;
  smoothing: number;
}

function withAlpha(color: string, alpha: number): string {
  if (color.startsWith('#') && color.length === 7) {
    const n = parseInt(color.slice(1), 16);
    return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
  }
  return color.replace(/^hsl\((.*)\)$/, `hsla($1, ${alpha})`);
}

/** Datasets of the chart: every run's curve, or per group an upper band edge, a lower one and the mean. */
export function overlayDatasets(
  runs: OverlayProps['runs'],
  groups: OverlayProps['groups'],
): { datasets: LineDataset[]; bands: number } {
  const thin = runs.curves.length > 50;
  if (!groups) {
    return {
      bands: 0,
      datasets: runs.curves.map((c, i) => ({
        label: runs.names[i] ?? c.runId,
        data: c.points,
        borderColor: runs.colors[i],
        backgroundColor: runs.colors[i],
        borderWidth: thin ? 1 : 1.6,
        pointRadius: 0,
        pointHitRadius: 4,
        hidden: runs.hidden.has(c.runId),
      })),
    };
  }
  const datasets: LineDataset[] = [];
  groups.curves.forEach((g, i) => {
    const color = groups.colors[i]!;
    const label = `${g.group} (${g.runIds.length} run${g.runIds.length === 1 ? '' : 's'})`;
    const edge = { borderWidth: 0, pointRadius: 0, pointHitRadius: 0 };
    datasets.push(
      {
        label: `${label} +std`,
        data: g.points.map((p) => ({ x: p.x, y: p.mean + p.std })),
        backgroundColor: withAlpha(color, 0.18),
        fill: '+1',
        ...edge,
      },
      {
        label: `${label} −std`,
        data: g.points.map((p) => ({ x: p.x, y: p.mean - p.std })),
        backgroundColor: withAlpha(color, 0.18),
        fill: false,
        ...edge,
      },
      {
        label,
        data: g.points.map((p) => ({ x: p.x, y: p.mean })),
        borderColor: color,
        backgroundColor: color,
        borderWidth: 2,
        pointRadius: 0,
        pointHitRadius: 4,
        fill: false,
      },
    );
  });
  return { datasets, bands: groups.curves.length };
}

/** Sum of the visible y values, rounded: a cheap fingerprint tests use to see the data change. */
function checksum(datasets: LineDataset[]): string {
  let sum = 0;
  let xMax = -Infinity;
  for (const d of datasets) {
    if (d.hidden) continue;
    for (const p of d.data) {
      if (Number.isFinite(p.y)) sum += p.y;
      if (p.x > xMax) xMax = p.x;
    }
  }
  return `${sum.toPrecision(10)}|${Number.isFinite(xMax) ? xMax.toPrecision(10) : ''}`;
}

/**
 * Overlaid curves of up to 500 runs with chart.js, set up for speed: no animation, no parsing, points
 * not drawn, data already downsampled by the store and transformed in memoized pure functions. The
 * wrapper's data-* attributes say what was last drawn (for tests and the benchmark).
 */
export function OverlayChart(props: OverlayProps) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const wrapRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<Chart<'line', XY[]> | null>(null);
  const drawn = useRef(0);

  const { runs, groups, x, xLabel, yLabel, logY, smoothing } = props;
  const { datasets, bands } = useMemo(() => overlayDatasets(runs, groups), [runs, groups]);
  const config = useMemo<ChartConfiguration<'line', XY[]>>(
    () => ({
      type: 'line',
      data: { datasets },
      options: {
        animation: false,
        parsing: false,
        // Sorted x lets chart.js skip work; a metric on x is not sorted (a curve can go back).
        normalized: x !== 'metric',
        responsive: true,
        maintainAspectRatio: false,
        spanGaps: true,
        elements: { line: { tension: 0 } },
        interaction: { mode: 'nearest', intersect: false },
        plugins: {
          legend: { display: false },
          tooltip: {
            enabled: datasets.length <= 150,
            filter: (item) => !String(item.dataset.label).endsWith('std'),
          },
        },
        scales: {
          x: {
            type: 'linear',
            title: { display: true, text: xLabel },
            grid: { color: palette.grid },
          },
          y: {
            type: logY ? 'logarithmic' : 'linear',
            title: { display: true, text: yLabel },
            grid: { color: palette.grid },
          },
        },
      },
    }),
    [datasets, x, xLabel, yLabel, logY],
  );

  useEffect(() => {
    const canvas = canvasRef.current;
    const wrap = wrapRef.current;
    if (!canvas || !wrap) return;
    if (!chartRef.current) chartRef.current = new Chart(canvas, config);
    else {
      chartRef.current.data = config.data;
      if (config.options) chartRef.current.options = config.options;
      chartRef.current.update('none');
    }
    drawn.current += 1;
    performance.mark('compare:chart-drawn');
    wrap.dataset.checksum = checksum(config.data.datasets);
    wrap.dataset.drawnAt = String(performance.now());
    wrap.dataset.drawn = String(drawn.current);
  }, [config]);

  useEffect(
    () => () => {
      chartRef.current?.destroy();
      chartRef.current = null;
    },
    [],
  );

  const visible = datasets.filter((d) => !d.hidden).length;
  return (
    <div
      ref={wrapRef}
      className="compare-chart"
      data-testid="compare-chart"
      data-mode={groups ? 'groups' : 'runs'}
      data-datasets={datasets.length}
      data-visible={visible}
      data-bands={bands}
      data-x={x}
      data-log-y={String(logY)}
      data-smoothing={smoothing}
    >
      <canvas ref={canvasRef} aria-label={`${yLabel} by ${xLabel}`} role="img" />
    </div>
  );
}
