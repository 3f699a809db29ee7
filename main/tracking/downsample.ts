/**
 * Shape-preserving downsampling of one metric series, computed in JS over its points in order.
 *
 * The rule, per metric key of one run — every (run, key) series on its own when many runs are read at
 * once (points ordered by step, then timestamp, then value; i = 0 … n−1; x = step, y = value):
 *  - n ≤ maxPoints: every point is returned (`downsampled: false`).
 *  - otherwise B = ⌊(maxPoints − 2) / 3⌋ buckets cover the interior points 1 … n−2; point i falls in
 *    bucket k = ⌊(i − 1) · B / (n − 2)⌋ (integer arithmetic, so buckets differ in size by at most one).
 *  - The first and the last point are always kept.
 *  - Largest-triangle-three-buckets (Steinarsson 2013) picks one point per bucket, left to right: the
 *    point of bucket k forming the largest triangle with the point picked in bucket k−1 (the first point
 *    for k = 0) and the average (x, y) of bucket k+1 (the last point for k = B−1; averages summed in
 *    order). Ties go to the earliest point.
 *  - Each bucket's minimum-value and maximum-value points (earliest on ties) are kept too, so a spike
 *    that LTTB's triangle misses still shows.
 * At most 3·B + 2 ≤ maxPoints points come back, in the original order.
 *
 * Why not SQL: LTTB's pick in bucket k depends on the pick in bucket k−1, which SQL can only express as a
 * list_reduce over every series' buckets held as lists, after numbering, bucketing and grouping every
 * point (about 5 s for 500 runs × 10,000 steps). One ordered scan read in column chunks and this
 * single pass cost a sort and a copy (see metric-reads.ts).
 */

/** Default resolution when the caller asks for none. */
export const DEFAULT_MAX_POINTS = 2000;
/** The smallest resolution that leaves one bucket between the first and the last point. */
export const MIN_MAX_POINTS = 5;

/** Buckets used for a given resolution: each contributes up to three points, plus first and last. */
export function bucketCount(maxPoints: number): number {
  return Math.max(1, Math.floor((maxPoints - 2) / 3));
}

/** `maxPoints` as a whole number, or a RangeError naming it. */
export function checkMaxPoints(maxPoints: number): number {
  const m = Math.floor(maxPoints);
  if (!Number.isFinite(m) || m < MIN_MAX_POINTS)
    throw new RangeError(`maxPoints must be an integer ≥ ${MIN_MAX_POINTS}`);
  return m;
}

/**
 * The indices of the points of one series kept at `maxPoints` (see the rule above), ascending; null when
 * the series has at most `maxPoints` points (all are kept). `xs` and `ys` hold the series' steps and
 * values in order from index 0; only the first `n` entries are read (they may be longer buffers).
 * Non-finite values (read only to copy a run, not to chart it) are never a larger triangle, minimum or
 * maximum than the first point of their bucket.
 */
export function downsampleIndices(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  n: number,
  maxPoints: number,
): Int32Array | null {
  const m = checkMaxPoints(maxPoints);
  if (n <= m) return null;
  const buckets = bucketCount(m);
  const inner = n - 2;
  // Bucket k holds the interior points start(k) … start(k+1) − 1: the smallest i with
  // ⌊(i − 1)·B / (n − 2)⌋ ≥ k. Every bucket has at least 3 points, since n − 2 > maxPoints − 2 ≥ 3·B.
  const start = (k: number) => (k >= buckets ? n - 1 : 1 + Math.ceil((k * inner) / buckets));
  const kept = new Int32Array(3 * buckets + 2);
  let count = 0;
  kept[count++] = 0;
  let a = 0;
  let from = 1;
  let to = start(1);
  for (let k = 0; k < buckets; k++) {
    const next = start(k + 2);
    let nx = xs[n - 1]!;
    let ny = ys[n - 1]!;
    if (k + 1 < buckets) {
      let sx = 0;
      let sy = 0;
      for (let j = to; j < next; j++) {
        sx += xs[j]!;
        sy += ys[j]!;
      }
      nx = sx / (next - to);
      ny = sy / (next - to);
    }
    const ax = xs[a]!;
    const ay = ys[a]!;
    let best = from;
    let bestArea = -1;
    let lo = from;
    let hi = from;
    for (let j = from; j < to; j++) {
      const y = ys[j]!;
      const area = Math.abs((ax - nx) * (y - ay) - (ax - xs[j]!) * (ny - ay));
      if (area > bestArea) {
        bestArea = area;
        best = j;
      }
      if (y < ys[lo]!) lo = j;
      if (y > ys[hi]!) hi = j;
    }
    // The bucket's up to three points, ascending and each once: buckets follow one another, so the
    // whole list stays sorted.
    const first = Math.min(best, lo, hi);
    const last = Math.max(best, lo, hi);
    const middle = best + lo + hi - first - last;
    kept[count++] = first;
    if (middle !== first) kept[count++] = middle;
    if (last !== middle) kept[count++] = last;
    a = best;
    from = to;
    to = next;
  }
  kept[count++] = n - 1;
  return kept.subarray(0, count);
}
