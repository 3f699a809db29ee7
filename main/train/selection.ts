import type { FeatureSelection } from '../../shared/contract';

/** What a selection kept, what it dropped and why, and the score of every feature. */
export interface SelectionResult {
  method: FeatureSelection['method'];
  kept: string[];
  dropped: { feature: string; reason: string }[];
  scores: Record<string, number>;
}

/** At most this many rows feed the pairwise correlation filter: it is quadratic in features. */
const CORRELATION_ROWS = 20_000;
const MI_BINS = 10;

function column(
  x: Float32Array,
  rows: number,
  width: number,
  k: number,
  limit = rows,
): Float64Array {
  const n = Math.min(rows, limit);
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) out[r] = x[r * width + k]!;
  return out;
}

// A GBDT's matrix holds NaN for a missing value: the filters read the values present.

function variance(v: Float64Array): number {
  let mean = 0;
  let n = 0;
  for (const x of v) if (!Number.isNaN(x)) [mean, n] = [mean + x, n + 1];
  mean /= n || 1;
  let s = 0;
  for (const x of v) if (!Number.isNaN(x)) s += (x - mean) ** 2;
  return s / (n || 1);
}

function pearson(a: Float64Array, b: Float64Array): number {
  const both = (i: number) => !Number.isNaN(a[i]!) && !Number.isNaN(b[i]!);
  let n = 0;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < a.length; i++) {
    if (!both(i)) continue;
    ma += a[i]!;
    mb += b[i]!;
    n++;
  }
  ma /= n || 1;
  mb /= n || 1;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    if (!both(i)) continue;
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

/**
 * Equal-frequency bin of every value (values with few distinct levels keep one bin per level); a
 * missing value (NaN) has a bin of its own, -1.
 */
export function discretize(v: Float64Array, bins = MI_BINS): Int32Array {
  const sorted = Float64Array.from(v.filter((x) => !Number.isNaN(x))).sort();
  const distinct = [...new Set(sorted)];
  const cuts =
    distinct.length <= bins
      ? distinct.slice(1)
      : [
          ...new Set(
            Array.from(
              { length: bins - 1 },
              (_, k) => sorted[Math.floor(((k + 1) * sorted.length) / bins)]!,
            ),
          ),
        ];
  return Int32Array.from(v, (x) => {
    if (Number.isNaN(x)) return -1;
    let lo = 0;
    let hi = cuts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (x >= cuts[mid]!) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  });
}

/** Mutual information (nats) between two discrete variables. */
export function mutualInformation(a: Int32Array, b: Int32Array): number {
  const n = a.length;
  const joint = new Map<number, number>();
  const pa = new Map<number, number>();
  const pb = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const key = a[i]! * 100_003 + b[i]!;
    joint.set(key, (joint.get(key) ?? 0) + 1);
    pa.set(a[i]!, (pa.get(a[i]!) ?? 0) + 1);
    pb.set(b[i]!, (pb.get(b[i]!) ?? 0) + 1);
  }
  let mi = 0;
  for (const [key, c] of joint) {
    const x = Math.floor(key / 100_003);
    const y = key - x * 100_003;
    mi += (c / n) * Math.log((c * n) / (pa.get(x)! * pb.get(y)!));
  }
  return Math.max(0, mi);
}

/**
 * Filter selection on the training matrix: variance threshold, greedy correlation filter (keeps the earlier
 * of a correlated pair), or top-k mutual information with the target.
 */
export function selectByFilter(
  selection: FeatureSelection,
  train: { x: Float32Array; rows: number; width: number; target: Int32Array | Float64Array },
  names: string[],
): SelectionResult {
  const { x, rows, width } = train;
  const scores: Record<string, number> = {};
  const dropped: { feature: string; reason: string }[] = [];
  const kept: string[] = [];
  if (selection.method === 'variance') {
    const threshold = selection.threshold ?? 0;
    names.forEach((name, k) => {
      const v = variance(column(x, rows, width, k));
      scores[name] = v;
      if (v <= threshold)
        dropped.push({ feature: name, reason: `variance ${v.toPrecision(3)} ≤ ${threshold}` });
      else kept.push(name);
    });
  } else if (selection.method === 'correlation') {
    const threshold = selection.threshold ?? 0.95;
    const cols = names.map((_, k) => column(x, rows, width, k, CORRELATION_ROWS));
    const keptIdx: number[] = [];
    names.forEach((name, k) => {
      let worst = 0;
      let partner = -1;
      for (const j of keptIdx) {
        const r = Math.abs(pearson(cols[k]!, cols[j]!));
        if (r > worst) [worst, partner] = [r, j];
      }
      scores[name] = worst;
      if (worst >= threshold)
        dropped.push({
          feature: name,
          reason: `|r| = ${worst.toFixed(3)} with '${names[partner]}'`,
        });
      else {
        keptIdx.push(k);
        kept.push(name);
      }
    });
  } else {
    const target = train.target instanceof Int32Array ? train.target : discretize(train.target);
    names.forEach((name, k) => {
      scores[name] = mutualInformation(discretize(column(x, rows, width, k)), target);
    });
    const k = Math.min(names.length, selection.k ?? Math.max(1, Math.floor(names.length / 2)));
    const ranked = [...names].sort(
      (a, b) => scores[b]! - scores[a]! || names.indexOf(a) - names.indexOf(b),
    );
    const top = new Set(ranked.slice(0, k));
    for (const name of names) {
      if (top.has(name)) kept.push(name);
      else
        dropped.push({
          feature: name,
          reason: `mutual information ${scores[name]!.toFixed(4)} below the top ${k}`,
        });
    }
  }
  if (!kept.length) throw new Error('feature selection kept no feature');
  return { method: selection.method, kept, dropped, scores };
}

/** Top-k features by permutation importance (the rise in validation loss when a feature is shuffled). */
export function selectByImportance(
  selection: FeatureSelection,
  importance: Record<string, number>,
  names: string[],
): SelectionResult {
  const k = Math.min(names.length, selection.k ?? Math.max(1, Math.floor(names.length / 2)));
  const ranked = [...names].sort(
    (a, b) => importance[b]! - importance[a]! || names.indexOf(a) - names.indexOf(b),
  );
  const top = new Set(ranked.slice(0, k));
  return {
    method: 'permutation',
    kept: names.filter((n) => top.has(n)),
    dropped: names
      .filter((n) => !top.has(n))
      .map((n) => ({
        feature: n,
        reason: `importance ${importance[n]!.toFixed(4)} below the top ${k}`,
      })),
    scores: importance,
  };
}

/** The columns `kept` of a row-major matrix. */
export function subsetColumns(
  x: Float32Array,
  rows: number,
  names: string[],
  kept: string[],
): Float32Array {
  const idx = kept.map((k) => names.indexOf(k));
  const width = names.length;
  const out = new Float32Array(rows * idx.length);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < idx.length; j++) out[r * idx.length + j] = x[r * width + idx[j]!]!;
  return out;
}
