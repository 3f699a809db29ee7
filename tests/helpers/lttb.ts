// A straightforward reference for main/tracking/downsample.ts, written from its documented rule rather than
// from its code: tests compare what the store returns with it.

/**
 * LTTB (Steinarsson 2013) with `buckets` buckets plus the first and last point, using the documented
 * bucketing (point i in bucket ⌊(i − 1)·B / (n − 2)⌋); returns the selected indices and, separately, each
 * bucket's min and max value indices (earliest on ties).
 */
export function referenceLttb(xs: number[], ys: number[], buckets: number) {
  const n = xs.length;
  const ranges: [number, number][] = [];
  for (let i = 1; i < n - 1; i++) {
    const k = Math.floor(((i - 1) * buckets) / (n - 2));
    if (ranges[k]) ranges[k][1] = i + 1;
    else ranges[k] = [i, i + 1];
  }
  const lttb = [0];
  const extremes: number[] = [];
  let a = 0;
  for (let k = 0; k < buckets; k++) {
    const [from, to] = ranges[k]!;
    let nx = xs[n - 1]!;
    let ny = ys[n - 1]!;
    if (k + 1 < buckets) {
      const [f2, t2] = ranges[k + 1]!;
      let sx = 0;
      let sy = 0;
      for (let j = f2; j < t2; j++) {
        sx += xs[j]!;
        sy += ys[j]!;
      }
      nx = sx / (t2 - f2);
      ny = sy / (t2 - f2);
    }
    let best = from;
    let bestArea = -1;
    let lo = from;
    let hi = from;
    for (let j = from; j < to; j++) {
      const area = Math.abs((xs[a]! - nx) * (ys[j]! - ys[a]!) - (xs[a]! - xs[j]!) * (ny - ys[a]!));
      if (area > bestArea) {
        bestArea = area;
        best = j;
      }
      if (ys[j]! < ys[lo]!) lo = j;
      if (ys[j]! > ys[hi]!) hi = j;
    }
    lttb.push(best);
    extremes.push(lo, hi);
    a = best;
  }
  lttb.push(n - 1);
  return { lttb, extremes };
}

/**
 * The indices the store keeps of a series of n points at `maxPoints`: all of them when n ≤ maxPoints, else
 * LTTB's picks and every bucket's extremes, ascending.
 */
export function referenceKept(xs: number[], ys: number[], maxPoints: number): number[] {
  const n = xs.length;
  if (n <= maxPoints) return Array.from({ length: n }, (_, i) => i);
  const { lttb, extremes } = referenceLttb(xs, ys, Math.max(1, Math.floor((maxPoints - 2) / 3)));
  return [...new Set([...lttb, ...extremes])].sort((a, b) => a - b);
}

/** A seeded generator of numbers in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let r = Math.imul(s ^ (s >>> 15), 1 | s);
    r ^= r + Math.imul(r ^ (r >>> 7), 61 | r);
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}
