/** Error analysis: which segments of the rows do worst, one column at a time. */
import { quantileSorted } from './stats';
import { MetricInputError, requireNonEmpty, requireSameLength } from './validate';

export interface Binned {
  /** Bin per row (−1 for a missing/NaN value). */
  codes: Int32Array;
  /** Label per bin, like "[1.2, 3.4)"; the last bin is closed, "[3.4, 9]". */
  labels: string[];
  /** Distinct edges, labels.length + 1 of them. */
  edges: number[];
}

/** An edge printed with `digits` significant digits (default 4) and no trailing zeros. */
export function formatEdge(x: number, digits = 4): string {
  return String(Number(x.toPrecision(digits)));
}

/**
 * Quantile bins (k default 5): edges at the i/k quantiles (linear interpolation), repeated edges
 * merged, so heavily tied columns get fewer bins. A value v is in [e_j, e_{j+1}) (the last bin
 * includes its top). Non-finite values get code −1.
 */
export function quantileBins(values: ArrayLike<number>, k = 5): Binned {
  requireNonEmpty('values', values);
  if (!Number.isInteger(k) || k < 1)
    throw new MetricInputError('k', `must be a positive integer (got ${k})`);
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) finite.push(values[i]!);
  const codes = new Int32Array(values.length).fill(-1);
  if (finite.length === 0) return { codes, labels: [], edges: [] };
  const sorted = Float64Array.from(finite).sort();
  const edges: number[] = [];
  for (let j = 0; j <= k; j++) {
    const e = quantileSorted(sorted, j / k);
    if (edges.length === 0 || e > edges[edges.length - 1]!) edges.push(e);
  }
  if (edges.length === 1) edges.push(edges[0]!);
  const bins = edges.length - 1;
  // 4 significant digits, or more when that would print two distinct edges alike (labels are keys).
  let digits = 4;
  let shown = edges.map((e) => formatEdge(e, digits));
  while (digits < 17 && new Set(shown).size < edges.length) {
    digits++;
    shown = edges.map((e) => formatEdge(e, digits));
  }
  const labels = Array.from({ length: bins }, (_, j) => {
    const close = j === bins - 1 ? ']' : ')';
    return `[${shown[j]}, ${shown[j + 1]}${close}`;
  });
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    // Last edge <= v among the inner edges (upper_bound).
    let lo = 0;
    let hi = bins - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (edges[mid]! <= v) lo = mid;
      else hi = mid - 1;
    }
    codes[i] = lo;
  }
  return { codes, labels, edges };
}

/** A segmenting column: either a value per row (categorical), or bin codes with their labels. */
export type SliceColumn =
  | { name: string; keys: ArrayLike<string | number | null> }
  | { name: string; codes: Int32Array; labels: string[] };

export interface Slice {
  column: string;
  value: string;
  count: number;
  /** Mean of the per-row metric over the slice. */
  metric: number;
  /** metric − overall. */
  diff: number;
}

export interface SliceReport {
  overall: number;
  count: number;
  slices: Slice[];
}

/**
 * Slices worst first. `values` is a per-row metric (a loss, or 0/1 correctness); `higherIsWorse`
 * says which way is worse (true for a loss, false for correctness). Slices with fewer than
 * `minCount` rows are left out; ties in the metric put the larger slice first. Missing keys
 * (null, or bin code −1) form a slice named "missing".
 */
export function findSlices(
  values: ArrayLike<number>,
  columns: SliceColumn[],
  options: { higherIsWorse: boolean; minCount?: number; limit?: number },
): SliceReport {
  requireNonEmpty('values', values);
  const n = values.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += values[i]!;
  const overall = total / n;
  const minCount = options.minCount ?? 1;
  const slices: Slice[] = [];
  for (const col of columns) {
    const sums = new Map<string, { sum: number; count: number }>();
    const add = (key: string, v: number) => {
      const s = sums.get(key);
      if (s) {
        s.sum += v;
        s.count++;
      } else sums.set(key, { sum: v, count: 1 });
    };
    if ('keys' in col) {
      requireSameLength('values', values, `columns.${col.name}`, col.keys);
      for (let i = 0; i < n; i++) {
        const key = col.keys[i];
        add(key === null || key === undefined ? 'missing' : String(key), values[i]!);
      }
    } else {
      requireSameLength('values', values, `columns.${col.name}`, col.codes);
      for (let i = 0; i < n; i++) {
        const code = col.codes[i]!;
        add(code < 0 ? 'missing' : (col.labels[code] ?? String(code)), values[i]!);
      }
    }
    for (const [value, { sum, count }] of sums) {
      if (count < minCount) continue;
      const metric = sum / count;
      slices.push({ column: col.name, value, count, metric, diff: metric - overall });
    }
  }
  const sign = options.higherIsWorse ? -1 : 1;
  slices.sort((a, b) => sign * (a.metric - b.metric) || b.count - a.count);
  return {
    overall,
    count: n,
    slices: options.limit === undefined ? slices : slices.slice(0, options.limit),
  };
}
