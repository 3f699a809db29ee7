/**
 * Pure data behind the parallel-coordinates plot and the param-vs-metric scatter: which params are
 * numbers, axis scaling (linear, log for params spanning decades, categories evenly spaced), and colors
 * by metric. Tested in tests/unit/renderer/compare-parallel.test.ts.
 */
import { sequentialColor } from '../../charts/color-scale';

/** The fields of a run these plots read. */
export interface RunValues {
  id: string;
  name: string;
  params: Readonly<Record<string, string>>;
  metrics: Readonly<Record<string, number>>;
}

export type AxisKind = 'linear' | 'log' | 'categorical';

export interface Axis {
  key: string;
  kind: AxisKind;
  /** Range of the numbers (linear, log); unused for categories. */
  min: number;
  max: number;
  /** Categories in axis order, bottom to top (categorical only). */
  categories: string[];
}

/** Where a run without a value for an axis is drawn: just below the axis. */
export const MISSING = -0.08;

/** A param value as a number, or null when it is not one (empty, text, NaN, ±Infinity). */
export function numericValue(raw: string | null | undefined): number | null {
  if (raw === null || raw === undefined || raw.trim() === '') return null;
  const n = Number(raw);
  return Number.isFinite(n) ? n : null;
}

const collator = new Intl.Collator('en', { numeric: true });

/**
 * An axis for raw values: numeric when every present value is a number (log when all are positive and
 * span at least two decades), categorical otherwise. Missing values do not decide the kind.
 */
export function makeAxis(key: string, raws: readonly (string | null | undefined)[]): Axis {
  const present = raws.filter((r): r is string => r !== null && r !== undefined);
  const nums = present.map(numericValue);
  if (present.length > 0 && nums.every((n) => n !== null)) {
    const values = nums;
    const min = Math.min(...values);
    const max = Math.max(...values);
    const kind: AxisKind = min > 0 && max / min >= 100 ? 'log' : 'linear';
    return { key, kind, min, max, categories: [] };
  }
  const categories = [...new Set(present)].sort(collator.compare);
  return { key, kind: 'categorical', min: 0, max: Math.max(0, categories.length - 1), categories };
}

/** An axis over metric values (always numeric, linear). */
export function metricAxis(key: string, values: readonly number[]): Axis {
  const finite = values.filter(Number.isFinite);
  return {
    key,
    kind: 'linear',
    min: finite.length ? Math.min(...finite) : 0,
    max: finite.length ? Math.max(...finite) : 0,
    categories: [],
  };
}

/**
 * Position of a value on an axis, 0 (bottom) … 1 (top); a single-valued axis puts it at 0.5; a missing or
 * unknown value at MISSING.
 */
export function axisPosition(axis: Axis, raw: string | number | null | undefined): number {
  if (raw === null || raw === undefined) return MISSING;
  if (axis.kind === 'categorical') {
    const i = axis.categories.indexOf(String(raw));
    if (i < 0) return MISSING;
    return axis.categories.length === 1 ? 0.5 : i / (axis.categories.length - 1);
  }
  const v = typeof raw === 'number' ? raw : numericValue(raw);
  if (v === null || !Number.isFinite(v)) return MISSING;
  if (axis.max === axis.min) return 0.5;
  if (axis.kind === 'log') {
    if (v <= 0) return MISSING;
    return (Math.log(v) - Math.log(axis.min)) / (Math.log(axis.max) - Math.log(axis.min));
  }
  return (v - axis.min) / (axis.max - axis.min);
}

/** Evenly spread tick labels of an axis (categories, or numbers from min to max). */
export function axisTicks(axis: Axis, count = 5): { at: number; label: string }[] {
  if (axis.kind === 'categorical') {
    const step = Math.max(1, Math.ceil(axis.categories.length / 12));
    return axis.categories
      .map((c) => ({ at: axisPosition(axis, c), label: c }))
      .filter((_, i) => i % step === 0);
  }
  if (axis.min === axis.max) return [{ at: 0.5, label: formatTick(axis.min) }];
  return Array.from({ length: count }, (_, i) => {
    const t = i / (count - 1);
    const v =
      axis.kind === 'log'
        ? Math.exp(Math.log(axis.min) + t * (Math.log(axis.max) - Math.log(axis.min)))
        : axis.min + t * (axis.max - axis.min);
    return { at: t, label: formatTick(v) };
  });
}

function formatTick(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}

export interface ParallelLine {
  runId: string;
  name: string;
  metric: number;
  /** Position on each axis (params, then the metric), 0 … 1 or MISSING. */
  positions: number[];
}

export interface ParallelData {
  axes: Axis[];
  lines: ParallelLine[];
}

/**
 * Parallel coordinates of `paramKeys` and the metric (last axis): one line per run that has the metric,
 * drawn so the best runs can be traced back to their params.
 */
export function parallelData(
  runs: readonly RunValues[],
  paramKeys: readonly string[],
  metric: string,
): ParallelData {
  const withMetric = runs.filter((r) => Number.isFinite(r.metrics[metric]));
  const axes = [
    ...paramKeys.map((k) =>
      makeAxis(
        k,
        withMetric.map((r) => r.params[k]),
      ),
    ),
    metricAxis(
      metric,
      withMetric.map((r) => r.metrics[metric]!),
    ),
  ];
  const lines = withMetric.map((r) => {
    const m = r.metrics[metric]!;
    return {
      runId: r.id,
      name: r.name,
      metric: m,
      positions: axes.map((a, i) => axisPosition(a, i < paramKeys.length ? r.params[a.key] : m)),
    };
  });
  return { axes, lines };
}

/** A run's color by its metric's position on the axis (t = 0 … 1): the app's sequential scale. */
export function metricColor(t: number): string {
  return sequentialColor(t);
}

/**
 * A position on a scatter axis (0 … 1) moved in from the plot's edges by `by` at each end, so the lowest
 * and the highest run are dots beside the axes, not halves of dots on them.
 */
export function inset(t: number, by = 0.05): number {
  return by + t * (1 - 2 * by);
}

export interface ScatterPoint {
  runId: string;
  name: string;
  /** The param's value: the number, or the category's index (plus a small deterministic jitter). */
  x: number;
  y: number;
  raw: string;
}

export interface ScatterData {
  axis: Axis;
  points: ScatterPoint[];
  /** Runs left out for lacking the param or the metric. */
  skipped: number;
}

/** A run-stable offset in −0.3 … 0.3 so runs in the same category do not hide each other. */
export function jitter(runId: string): number {
  let h = 2166136261;
  for (let i = 0; i < runId.length; i++) h = Math.imul(h ^ runId.charCodeAt(i), 16777619);
  return (((h >>> 0) % 1000) / 1000 - 0.5) * 0.6;
}

/** Points of a param (x) against a metric (y), one per run that has both. */
export function scatterData(
  runs: readonly RunValues[],
  param: string,
  metric: string,
): ScatterData {
  const usable = runs.filter(
    (r) => r.params[param] !== undefined && Number.isFinite(r.metrics[metric]),
  );
  const axis = makeAxis(
    param,
    usable.map((r) => r.params[param]),
  );
  const points = usable.map((r) => {
    const raw = r.params[param]!;
    const x =
      axis.kind === 'categorical'
        ? axis.categories.indexOf(raw) + jitter(r.id)
        : (numericValue(raw) as number);
    return { runId: r.id, name: r.name, x, y: r.metrics[metric]!, raw };
  });
  return { axis, points, skipped: runs.length - usable.length };
}

/** A selected range on one axis, in axis positions (0 … 1), lo ≤ hi. */
export interface Brush {
  lo: number;
  hi: number;
}

/**
 * Whether a line passes every brush (axis index → range); a line missing a value on a brushed axis does
 * not. No brushes: every line passes.
 */
export function passesBrushes(line: ParallelLine, brushes: ReadonlyMap<number, Brush>): boolean {
  for (const [axis, b] of brushes) {
    const p = line.positions[axis];
    if (p === undefined || p === MISSING || p < b.lo || p > b.hi) return false;
  }
  return true;
}

/** A brush from two positions dragged on an axis, clamped to 0 … 1; null when too small to mean one. */
export function brushBetween(a: number, b: number, minSpan = 0.01): Brush | null {
  const lo = Math.max(0, Math.min(a, b));
  const hi = Math.min(1, Math.max(a, b));
  return hi - lo < minSpan ? null : { lo, hi };
}
