/**
 * Many overlaid curves drawn straight onto the chart's canvas. With hundreds of runs, chart.js spends most
 * of an update on per-dataset work (resolving each dataset's options, an element per point, layout) for
 * curves that show no points and no tooltips anyway. Above DIRECT_DRAW_ABOVE curves the overlay gives
 * chart.js no datasets (it still draws the axes, grid and titles, ranged by `curveBounds` as it would
 * range them from the data) and this plugin strokes one canvas path per curve, with each dataset's own
 * color and width, in chart.js's order (the first run on top), clipped to the chart area.
 */
import type { Chart, Plugin } from 'chart.js';
import type { LineDataset } from './chart-data';
import type { XY } from './curves';

/** Above this many curves they are drawn by `curveLayer` rather than by chart.js (and have no tooltips). */
export const DIRECT_DRAW_ABOVE = 150;

export interface Bounds {
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
}

/**
 * The data range chart.js would find in these datasets: visible ones only, finite points only, and on a
 * log y axis positive y only. Null when no point qualifies.
 */
export function curveBounds(datasets: readonly LineDataset[], logY: boolean): Bounds | null {
  let xMin = Infinity;
  let xMax = -Infinity;
  let yMin = Infinity;
  let yMax = -Infinity;
  for (const d of datasets) {
    if (d.hidden) continue;
    for (const { x, y } of d.data) {
      if (!Number.isFinite(x) || !Number.isFinite(y) || (logY && y <= 0)) continue;
      if (x < xMin) xMin = x;
      if (x > xMax) xMax = x;
      if (y < yMin) yMin = y;
      if (y > yMax) yMax = y;
    }
  }
  return xMin <= xMax ? { xMin, xMax, yMin, yMax } : null;
}

/** Where a path goes: a canvas context, or a recorder in tests. */
export interface PathSink {
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
}

/**
 * Traces one curve in pixels. A point that has no pixel (a non-finite value, or y ≤ 0 on a log axis) is
 * skipped and the line goes on from the previous point to the next, as chart.js does with spanGaps.
 * Returns how many points were traced.
 */
export function traceCurve(
  sink: PathSink,
  data: readonly XY[],
  px: (x: number) => number,
  py: (y: number) => number,
  logY: boolean,
): number {
  let traced = 0;
  for (const { x, y } of data) {
    if (logY && !(y > 0)) continue;
    const X = px(x);
    const Y = py(y);
    if (!Number.isFinite(X) || !Number.isFinite(Y)) continue;
    if (traced === 0) sink.moveTo(X, Y);
    else sink.lineTo(X, Y);
    traced += 1;
  }
  return traced;
}

export interface CurveLayerState {
  datasets: readonly LineDataset[];
  logY: boolean;
}

/**
 * A chart.js plugin stroking the curves last given to `show` (null: none, chart.js draws the datasets
 * itself) after chart.js's own datasets, on every draw (updates and resizes alike).
 */
export interface CurveLayer {
  plugin: Plugin<'line'>;
  show(state: CurveLayerState | null): void;
}

export function curveLayer(): CurveLayer {
  let layer: CurveLayerState | null = null;
  const plugin: Plugin<'line'> = {
    id: 'compareCurveLayer',
    afterDatasetsDraw(chart: Chart<'line'>) {
      const { x: xScale, y: yScale } = chart.scales;
      if (!layer || !xScale || !yScale) return;
      const { ctx, chartArea: area } = chart;
      const px = (v: number) => xScale.getPixelForValue(v);
      const py = (v: number) => yScale.getPixelForValue(v);
      ctx.save();
      ctx.beginPath();
      // chart.js lets a line overflow the area by half its width; these lines are at most 1.6 px wide.
      ctx.rect(area.left - 1, area.top - 1, area.right - area.left + 2, area.bottom - area.top + 2);
      ctx.clip();
      ctx.lineCap = 'butt';
      ctx.lineJoin = 'miter';
      ctx.setLineDash([]);
      // chart.js draws its datasets last to first, so the first one ends up on top.
      for (let i = layer.datasets.length - 1; i >= 0; i--) {
        const d = layer.datasets[i]!;
        if (d.hidden || d.data.length < 2) continue;
        ctx.beginPath();
        if (traceCurve(ctx, d.data, px, py, layer.logY) < 2) continue;
        ctx.lineWidth = typeof d.borderWidth === 'number' ? d.borderWidth : 1;
        ctx.strokeStyle = typeof d.borderColor === 'string' ? d.borderColor : '#000';
        ctx.stroke();
      }
      ctx.restore();
    },
  };
  return {
    plugin,
    show: (state) => {
      layer = state;
    },
  };
}
