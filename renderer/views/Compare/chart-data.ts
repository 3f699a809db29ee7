/**
 * The overlay chart's datasets, built from the transformed curves: pure, so tested without a canvas in
 * tests/unit/renderer/compare-chart.test.ts.
 */
import type { ChartDataset } from 'chart.js';
import type { GroupCurve, RunCurve, XMode, XY } from './curves';

export type LineDataset = ChartDataset<'line', XY[]>;

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

export function withAlpha(color: string, alpha: number): string {
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
export function checksum(datasets: LineDataset[]): string {
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
