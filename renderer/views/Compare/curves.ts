import type { RunsMetricsManyColumnsOut } from '../../../shared/contract';

/**
 * Pure transforms behind the Compare view's overlaid curves: smoothing, the x axis (step, relative wall
 * time, or another metric paired at the same step), per-group mean ± std and the per-series resolution
 * asked of the store. No React, no DOM: tested in tests/unit/renderer/compare-curves.test.ts.
 */

/**
 * One metric series by column, ordered by step: index i of each array is point i. The Compare view reads
 * runs:metricsManyColumns, so no point is ever an object before it becomes a chart's {x, y}.
 */
export interface SeriesColumns {
  steps: ArrayLike<number>;
  values: ArrayLike<number>;
  timestamps: ArrayLike<number>;
}

/** A run's series of one metric key, by column (as decodeSeriesColumns makes them). */
export interface RunSeries extends SeriesColumns {
  runId: string;
  key: string;
  downsampled: boolean;
  totalPoints: number;
}

/**
 * The series of a runs:metricsManyColumns answer, in its order, each column a Float64Array. A series whose
 * columns differ in length is refused (naming its run and key): the points would not line up.
 */
export function decodeSeriesColumns(out: RunsMetricsManyColumnsOut): RunSeries[] {
  return out.series.map((s) => {
    const n = s.steps.length;
    if (s.values.length !== n || s.timestamps.length !== n)
      throw new RangeError(
        `series ${s.key} of run ${s.runId} has ${n} steps, ${s.values.length} values and ${s.timestamps.length} timestamps`,
      );
    return {
      runId: s.runId,
      key: s.key,
      steps: Float64Array.from(s.steps),
      values: Float64Array.from(s.values),
      timestamps: Float64Array.from(s.timestamps),
      downsampled: s.downsampled,
      totalPoints: s.totalPoints,
    };
  });
}

export interface XY {
  x: number;
  y: number;
}

/** What the x axis shows. */
export type XMode = 'step' | 'time' | 'metric';

/**
 * What the step axis counts for these runs' model types: a gbdt reports a boosting round where the
 * networks report an epoch, both as the metric's step.
 */
export function stepLabel(modelTypes: readonly (string | null)[]): string {
  const trees = modelTypes.filter((t) => t === 'gbdt').length;
  if (trees === 0) return 'step';
  return trees === modelTypes.length ? 'round' : 'step (epoch or round)';
}

export const MAX_SMOOTHING = 0.99;

/**
 * TensorBoard's debiased exponential moving average: s_t = w·s_{t−1} + (1−w)·y_t, divided by 1 − w^t so
 * the first points are not pulled towards zero. Non-finite values pass through and do not advance it.
 * `weight` is 0 (no smoothing) … 0.99.
 */
export function smoothEma(values: ArrayLike<number>, weight: number): number[] {
  if (!Number.isFinite(weight) || weight < 0 || weight > MAX_SMOOTHING)
    throw new RangeError(`smoothing must be between 0 and ${MAX_SMOOTHING}, got ${weight}`);
  const out = Array.from(values);
  if (weight === 0) return out;
  let last = 0;
  let count = 0;
  for (let i = 0; i < out.length; i++) {
    const y = out[i]!;
    if (!Number.isFinite(y)) continue;
    last = last * weight + (1 - weight) * y;
    count++;
    out[i] = last / (1 - weight ** count);
  }
  return out;
}

/**
 * The value of `series` (ordered by step) at `step`: exact when logged there, linearly interpolated
 * between the neighbouring logged steps otherwise (the store may have downsampled the two keys to
 * different steps); null outside the logged range.
 */
export function valueAtStep(series: SeriesColumns, step: number): number | null {
  const { steps, values } = series;
  return interpolateAt(
    steps.length,
    (i) => steps[i]!,
    (i) => values[i]!,
    step,
  );
}

/**
 * Linear interpolation at `at` of `n` points sorted by x (point i is (xAt(i), yAt(i))): the y of a point
 * sitting exactly there, the line between its two neighbours otherwise; null outside their range.
 */
function interpolateAt(
  n: number,
  xAt: (i: number) => number,
  yAt: (i: number) => number,
  at: number,
): number | null {
  let lo = 0;
  let hi = n - 1;
  if (hi < 0 || at < xAt(0) || at > xAt(hi)) return null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = xAt(mid);
    if (v === at) return yAt(mid);
    if (v < at) lo = mid + 1;
    else hi = mid - 1;
  }
  const xa = xAt(hi);
  const ya = yAt(hi);
  return ya + ((yAt(lo) - ya) * (at - xa)) / (xAt(lo) - xa);
}

/**
 * Points of a metric (ordered by step) against the chosen x: the step; seconds since the series' first
 * point; or the value of another metric (`xSeries`) at the same step, dropping steps it does not cover.
 * `ys` replaces the y values (the smoothed ones), index for index.
 */
export function toXY(
  series: SeriesColumns,
  mode: XMode,
  xSeries?: SeriesColumns,
  ys: ArrayLike<number> = series.values,
): XY[] {
  const { steps, timestamps } = series;
  const n = steps.length;
  if (mode === 'step') return Array.from({ length: n }, (_, i) => ({ x: steps[i]!, y: ys[i]! }));
  if (mode === 'time') {
    const t0 = n > 0 ? timestamps[0]! : 0;
    return Array.from({ length: n }, (_, i) => ({ x: (timestamps[i]! - t0) / 1000, y: ys[i]! }));
  }
  if (!xSeries) throw new Error('an x metric is required when the x axis is a metric');
  const out: XY[] = [];
  for (let i = 0; i < n; i++) {
    const x = valueAtStep(xSeries, steps[i]!);
    if (x !== null && Number.isFinite(x)) out.push({ x, y: ys[i]! });
  }
  return out;
}

export interface CurveOptions {
  metric: string;
  x: XMode;
  /** The metric on the x axis when `x` is 'metric'. */
  xMetric?: string;
  smoothing: number;
}

export interface RunCurve {
  runId: string;
  points: XY[];
}

/**
 * One curve per run (in `runIds` order) of `options.metric`, smoothed, against the chosen x. Runs
 * without the metric (or without the x metric) get an empty curve, so indexes stay aligned with colors.
 */
export function runCurves(
  series: readonly (SeriesColumns & { runId: string; key: string })[],
  runIds: readonly string[],
  options: CurveOptions,
): RunCurve[] {
  if (options.x === 'metric' && !options.xMetric)
    throw new Error('xMetric is required when the x axis is a metric');
  const byKey = new Map<string, SeriesColumns>();
  for (const s of series) byKey.set(`${s.runId}\u0000${s.key}`, s);
  return runIds.map((runId) => {
    const ys = byKey.get(`${runId}\u0000${options.metric}`);
    if (!ys || ys.steps.length === 0) return { runId, points: [] };
    const xs = options.x === 'metric' ? byKey.get(`${runId}\u0000${options.xMetric}`) : undefined;
    if (options.x === 'metric' && !xs) return { runId, points: [] };
    const smoothed = options.smoothing === 0 ? ys.values : smoothEma(ys.values, options.smoothing);
    return { runId, points: toXY(ys, options.x, xs, smoothed) };
  });
}

/** Linear interpolation of a curve sorted by x at `x`; null outside its range. */
function interpolate(sorted: readonly XY[], x: number): number | null {
  return interpolateAt(
    sorted.length,
    (i) => sorted[i]!.x,
    (i) => sorted[i]!.y,
    x,
  );
}

export interface GroupPoint {
  x: number;
  mean: number;
  std: number;
  /** How many runs of the group cover this x. */
  n: number;
}

export interface GroupCurve {
  group: string;
  runIds: string[];
  points: GroupPoint[];
}

/** The label of a run's group: its value of the param, or '(none)' when it has none. */
export function groupOf(params: Readonly<Record<string, string>>, param: string): string {
  return params[param] ?? '(none)';
}

/**
 * One curve per group: at every x where the group's runs logged a point (the union of their x values;
 * an even grid of `maxGrid` xs over the range when that union is larger), the mean and the population
 * standard deviation of the runs that cover that x, each linearly interpolated between its own points.
 * Groups come in first-appearance order; runs with empty curves are left out.
 */
export function groupCurves(
  curves: readonly RunCurve[],
  groupOfRun: (runId: string) => string,
  maxGrid = 500,
): GroupCurve[] {
  const groups = new Map<string, RunCurve[]>();
  for (const c of curves) {
    if (c.points.length === 0) continue;
    const g = groupOfRun(c.runId);
    const list = groups.get(g) ?? [];
    list.push(c);
    groups.set(g, list);
  }
  return [...groups].map(([group, members]) => {
    const sorted = members.map((m) =>
      m.points
        .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
        .sort((a, b) => a.x - b.x),
    );
    let grid = [...new Set(sorted.flatMap((s) => s.map((p) => p.x)))].sort((a, b) => a - b);
    if (grid.length > maxGrid) {
      const lo = grid[0]!;
      const hi = grid.at(-1)!;
      grid = Array.from({ length: maxGrid }, (_, i) => lo + ((hi - lo) * i) / (maxGrid - 1));
    }
    const points: GroupPoint[] = [];
    for (const x of grid) {
      let n = 0;
      let sum = 0;
      let sumSq = 0;
      for (const s of sorted) {
        const y = interpolate(s, x);
        if (y === null) continue;
        n++;
        sum += y;
        sumSq += y * y;
      }
      if (n === 0) continue;
      const mean = sum / n;
      points.push({ x, mean, std: Math.sqrt(Math.max(0, sumSq / n - mean * mean)), n });
    }
    return { group, runIds: members.map((m) => m.runId), points };
  });
}

/** Points per series asked of the store: about 150,000 in all, 1,000 at most and 50 at least each. */
export function maxPointsPerSeries(seriesCount: number, budget = 150_000): number {
  if (!Number.isInteger(seriesCount) || seriesCount < 1)
    throw new RangeError(`seriesCount must be a positive integer, got ${seriesCount}`);
  return Math.max(50, Math.min(1000, Math.floor(budget / seriesCount)));
}

/** Ten distinct colors (Tableau 10), then hues spread by the golden angle. */
const TABLEAU = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

/** The color of the i-th run (or group). */
export function runColor(i: number): string {
  if (i < TABLEAU.length) return TABLEAU[i]!;
  return `hsl(${Math.round((i * 137.508) % 360)}, 62%, ${i % 2 ? 42 : 52}%)`;
}
