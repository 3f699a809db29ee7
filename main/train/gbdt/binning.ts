// Feature binning for histogram GBDT: every feature is cut once, before the first tree, into at most
// `maxBins` value bins (quantiles of a numeric feature; the frequent codes of a categorical one), plus a
// bin for missing values when the training data has any. Trees then split on bin indexes, and a split
// translates back to a float32 threshold (numeric) or a set of codes (categorical) that put every
// training row exactly where training put it.

/** How one feature's values map to bins. */
export interface FeatureBins {
  categorical: boolean;
  /** Value bins: numeric quantile bins, or kept categories (+ the shared bin of rare ones). */
  valueBins: number;
  /** Bins in all: valueBins, plus one when the feature has missing training values. */
  total: number;
  /** The missing bin (valueBins), or -1 when training had no missing value. */
  missingBin: number;
  /**
   * Numeric: the largest training value of each value bin (float32, ascending); bin b holds the values
   * in (cuts[b-1], cuts[b]], the last bin also everything above.
   */
  cuts: Float32Array;
  /** Categorical: the code of each kept category bin (ascending). */
  codes: number[];
  /** Categorical: the bin rare categories share (they always go right), or -1. */
  otherBin: number;
}

export interface BinSpec {
  features: FeatureBins[];
  /** Histogram slots per feature: the largest `total`. */
  stride: number;
  /** Whether bin indexes fit a byte. */
  narrow: boolean;
}

/** Rows the numeric cuts are computed from at most (a stride sample of the training rows). */
const CUT_SAMPLE = 200_000;

/** A categorical code's bin of its own needs this many training rows (LightGBM's min_data_per_group). */
export function minDataPerGroup(rows: number): number {
  return Math.min(100, Math.max(1, Math.round(rows / 100)));
}

/** The bins of every feature of row-major `x` [rows, width]. */
export function computeBins(
  x: Float32Array,
  rows: number,
  width: number,
  categorical: readonly number[],
  maxBins: number,
): BinSpec {
  const isCat = new Set(categorical);
  const features: FeatureBins[] = [];
  for (let f = 0; f < width; f++) {
    features.push(
      isCat.has(f)
        ? categoricalBins(x, rows, width, f, maxBins)
        : numericBins(x, rows, width, f, maxBins),
    );
  }
  const stride = Math.max(1, ...features.map((b) => b.total));
  return { features, stride, narrow: stride <= 256 };
}

function numericBins(
  x: Float32Array,
  rows: number,
  width: number,
  f: number,
  maxBins: number,
): FeatureBins {
  let hasMissing = false;
  let max = -Infinity;
  for (let r = 0, i = f; r < rows; r++, i += width) {
    const v = x[i]!;
    if (v !== v) hasMissing = true;
    else if (v > max) max = v;
  }
  // A byte holds 256 bins: with a missing bin, one value bin fewer.
  const limit = Math.max(
    1,
    maxBins <= 256 ? Math.min(maxBins, 256 - (hasMissing ? 1 : 0)) : maxBins,
  );
  const sampleRows = Math.min(rows, CUT_SAMPLE);
  const sample = new Float32Array(sampleRows);
  let n = 0;
  for (let s = 0; s < sampleRows; s++) {
    const r = sampleRows === rows ? s : Math.floor((s * rows) / sampleRows);
    const v = x[r * width + f]!;
    if (!Number.isNaN(v)) sample[n++] = v;
  }
  const sorted = sample.subarray(0, n).sort();
  const cuts: number[] = [];
  if (n > 0) {
    // Distinct values with the count of values up to each.
    const distinct: number[] = [];
    const upTo: number[] = [];
    for (let i = 0; i < n; i++) {
      if (i + 1 === n || sorted[i + 1] !== sorted[i]) {
        distinct.push(sorted[i]!);
        upTo.push(i + 1);
      }
    }
    if (distinct.length <= limit) cuts.push(...distinct);
    else {
      // Close a bin at the first distinct value whose cumulative count reaches the next quantile.
      for (let j = 0; j < distinct.length; j++) {
        const last = j === distinct.length - 1;
        if (last || upTo[j]! >= ((cuts.length + 1) * n) / limit) cuts.push(distinct[j]!);
        if (cuts.length === limit - 1 && !last) {
          cuts.push(distinct[distinct.length - 1]!);
          break;
        }
      }
    }
  }
  // The last bin also holds the values above the sample's: its cut is the largest training value.
  if (cuts.length === 0) cuts.push(max === -Infinity ? 0 : max);
  else cuts[cuts.length - 1] = max;
  const valueBins = cuts.length;
  return {
    categorical: false,
    valueBins,
    total: valueBins + (hasMissing ? 1 : 0),
    missingBin: hasMissing ? valueBins : -1,
    cuts: Float32Array.from(cuts),
    codes: [],
    otherBin: -1,
  };
}

function categoricalBins(
  x: Float32Array,
  rows: number,
  width: number,
  f: number,
  maxBins: number,
): FeatureBins {
  const counts = new Map<number, number>();
  let hasMissing = false;
  // Ordinal codes are small integers: count them in an array, anything else in the map.
  const dense = new Int32Array(Math.min(rows, 1 << 16) + 1);
  for (let r = 0, i = f; r < rows; r++, i += width) {
    const v = x[i]!;
    if (v !== v || v < 0) hasMissing = true;
    else if (v < dense.length && (v | 0) === v) dense[v]!++;
    else counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  dense.forEach((c, v) => {
    if (c > 0) counts.set(v, c);
  });
  const minCount = minDataPerGroup(rows);
  const byCount = [...counts.entries()]
    .filter(([, c]) => c >= minCount)
    .sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  const limit = Math.max(1, (maxBins <= 256 ? Math.min(maxBins, 256) : maxBins) - 2);
  const kept = byCount.slice(0, limit).map(([code]) => code);
  kept.sort((a, b) => a - b);
  const hasOther = kept.length < counts.size;
  const valueBins = Math.max(1, kept.length + (hasOther ? 1 : 0));
  return {
    categorical: true,
    valueBins,
    total: valueBins + (hasMissing ? 1 : 0),
    missingBin: hasMissing ? valueBins : -1,
    cuts: new Float32Array(0),
    codes: kept,
    otherBin: hasOther || kept.length === 0 ? kept.length : -1,
  };
}

/** The bin of value `v` of a feature. */
export function binOf(b: FeatureBins, v: number, codeBin?: Map<number, number>): number {
  if (b.categorical) {
    if (Number.isNaN(v) || v < 0) return b.missingBin >= 0 ? b.missingBin : b.otherBin;
    const bin = codeBin?.get(v) ?? b.codes.indexOf(v);
    return bin >= 0 ? bin : b.otherBin;
  }
  if (Number.isNaN(v)) return b.missingBin >= 0 ? b.missingBin : b.valueBins - 1;
  const cuts = b.cuts;
  let lo = 0;
  let hi = cuts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cuts[mid]! >= v) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Writes the bin of every value of `x` into `out` (row-major, like x). */
export function fillBins(
  spec: BinSpec,
  x: Float32Array,
  rows: number,
  width: number,
  out: Uint8Array | Uint16Array,
): void {
  for (let f = 0; f < width; f++) {
    const b = spec.features[f]!;
    if (b.categorical) {
      const codeBin = new Map(b.codes.map((c, i) => [c, i] as const));
      const small = new Int32Array(Math.min(rows, 1 << 16) + 1).fill(b.otherBin);
      b.codes.forEach((c, i) => {
        if (c < small.length && (c | 0) === c) small[c] = i;
      });
      const missing = b.missingBin >= 0 ? b.missingBin : b.otherBin;
      for (let r = 0, i = f; r < rows; r++, i += width) {
        const v = x[i]!;
        if (v !== v || v < 0) out[i] = missing;
        else if (v < small.length && (v | 0) === v) out[i] = small[v]!;
        else out[i] = binOf(b, v, codeBin);
      }
      continue;
    }
    const cuts = b.cuts;
    const last = cuts.length - 1;
    const missing = b.missingBin >= 0 ? b.missingBin : last;
    for (let r = 0, i = f; r < rows; r++, i += width) {
      const v = x[i]!;
      if (v !== v) {
        out[i] = missing;
        continue;
      }
      let lo = 0;
      let hi = last;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cuts[mid]! >= v) hi = mid;
        else lo = mid + 1;
      }
      out[i] = lo;
    }
  }
}

/**
 * Bins of rows that were not binned for training (validation rows), row-major [rows, width], routed by the
 * same tables as training rows (bin b goes left when table[b] is 1). Two bins beyond `spec.stride` keep
 * every row where predictRaw sends it: `stride` a missing value of a feature with no missing bin (the
 * split's default direction), `stride + 1` a value that always goes right (above the largest training
 * value, or a category training never kept).
 */
export function validBins(
  spec: BinSpec,
  x: Float32Array,
  rows: number,
  width: number,
): Uint16Array {
  const out = new Uint16Array(rows * width);
  const missingAlone = spec.stride;
  const right = spec.stride + 1;
  for (let f = 0; f < width; f++) {
    const b = spec.features[f]!;
    const missing = b.missingBin >= 0 ? b.missingBin : missingAlone;
    if (b.categorical) {
      const codeBin = new Map(b.codes.map((c, i) => [c, i] as const));
      const other = b.otherBin >= 0 ? b.otherBin : right;
      for (let r = 0, i = f; r < rows; r++, i += width) {
        const v = x[i]!;
        out[i] = v !== v || v < 0 ? missing : (codeBin.get(v) ?? other);
      }
      continue;
    }
    const cuts = b.cuts;
    const last = cuts.length - 1;
    const max = cuts[last]!;
    for (let r = 0, i = f; r < rows; r++, i += width) {
      const v = x[i]!;
      if (v !== v) out[i] = missing;
      else if (v > max) out[i] = right;
      else {
        let lo = 0;
        let hi = last;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (cuts[mid]! >= v) hi = mid;
          else lo = mid + 1;
        }
        out[i] = lo;
      }
    }
  }
  return out;
}
