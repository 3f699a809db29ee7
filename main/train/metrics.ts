/** Validation metrics computed in plain TypeScript so they are identical on every backend. */

export function accuracy(labels: Int32Array, predicted: Int32Array): number {
  let ok = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === predicted[i]) ok++;
  return labels.length ? ok / labels.length : 0;
}

/**
 * ROC-AUC by the rank statistic (Mann–Whitney U), with ties given half credit; NaN scores rank above
 * every number, tied with each other. NaN when one class is absent.
 *
 * The positives' and negatives' scores are sorted apart and merged, counting for each positive the
 * negatives below it (ties: half). Every count is an integer or a half far below 2^53, so the value equals
 * the rank-sum formula's exactly. A GBDT scores its validation rows every round: on 200,000 float32 scores
 * a comparator sort of row indexes took 60 ms, the typed arrays' native sort 17 ms, the radix sort 5 ms.
 */
export function rocAuc(labels: Int32Array, scores: Float32Array | Float64Array): number {
  const n = labels.length;
  let pos = 0;
  for (let i = 0; i < n; i++) if (labels[i] === 1) pos++;
  const neg = n - pos;
  if (pos === 0 || neg === 0) return NaN;
  let p: ArrayLike<number>;
  let q: ArrayLike<number>;
  if (scores instanceof Float32Array) {
    p = sortedFloat32Keys(scores, labels, true, pos);
    q = sortedFloat32Keys(scores, labels, false, neg);
  } else {
    const a = new Float64Array(pos);
    const b = new Float64Array(neg);
    for (let i = 0, ia = 0, ib = 0; i < n; i++) {
      const v = Number.isNaN(scores[i]!) ? Infinity : scores[i]!;
      if (labels[i] === 1) a[ia++] = v;
      else b[ib++] = v;
    }
    p = a.sort();
    q = b.sort();
  }
  let u = 0;
  let below = 0;
  for (let i = 0; i < pos;) {
    const s = p[i]!;
    let end = i + 1;
    while (end < pos && p[end] === s) end++;
    while (below < neg && q[below]! < s) below++;
    let tied = below;
    while (tied < neg && q[tied] === s) tied++;
    u += (end - i) * (below + (tied - below) / 2);
    i = end;
  }
  return u / (pos * neg);
}

/**
 * The float32 scores of the rows whose label is (positive) or is not (!positive) 1, as ascending uint32
 * keys: equal keys for equal numbers (−0 read as 0, NaN as +Infinity) and the numbers' order, sorted by
 * an LSD radix sort of three 11-bit digits.
 */
function sortedFloat32Keys(
  scores: Float32Array,
  labels: Int32Array,
  positive: boolean,
  count: number,
): Uint32Array {
  const f = new Float32Array(count);
  for (let i = 0, j = 0; i < scores.length; i++) {
    if ((labels[i] === 1) !== positive) continue;
    const v = scores[i]!;
    f[j++] = Number.isNaN(v) ? Infinity : v === 0 ? 0 : v;
  }
  let src = new Uint32Array(f.buffer);
  for (let i = 0; i < count; i++) {
    const b = src[i]!;
    src[i] = b & 0x80000000 ? ~b : b | 0x80000000;
  }
  let dst = new Uint32Array(count);
  const start = new Uint32Array(2048);
  for (const shift of [0, 11, 22]) {
    start.fill(0);
    for (let i = 0; i < count; i++) start[(src[i]! >>> shift) & 2047]!++;
    for (let d = 0, sum = 0; d < 2048; d++) {
      const c = start[d]!;
      start[d] = sum;
      sum += c;
    }
    for (let i = 0; i < count; i++) {
      const k = src[i]!;
      dst[start[(k >>> shift) & 2047]!++] = k;
    }
    [src, dst] = [dst, src];
  }
  return src;
}

/** Macro-averaged F1 over the classes present in labels or predictions. */
export function f1Macro(labels: Int32Array, predicted: Int32Array, classCount: number): number {
  const tp = new Float64Array(classCount);
  const fp = new Float64Array(classCount);
  const fn = new Float64Array(classCount);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    const p = predicted[i]!;
    if (y === p) tp[y]!++;
    else {
      fp[p]!++;
      fn[y]!++;
    }
  }
  let sum = 0;
  let present = 0;
  for (let c = 0; c < classCount; c++) {
    if (tp[c]! + fp[c]! + fn[c]! === 0) continue;
    present++;
    const denom = 2 * tp[c]! + fp[c]! + fn[c]!;
    sum += denom ? (2 * tp[c]!) / denom : 0;
  }
  return present ? sum / present : 0;
}

export function regressionMetrics(actual: Float64Array, predicted: Float64Array) {
  const n = actual.length;
  let se = 0;
  let ae = 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += actual[i]!;
  mean /= n || 1;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = actual[i]! - predicted[i]!;
    se += d * d;
    ae += Math.abs(d);
    ss += (actual[i]! - mean) ** 2;
  }
  return {
    rmse: Math.sqrt(se / (n || 1)),
    mae: ae / (n || 1),
    r2: ss > 0 ? 1 - se / ss : 0,
    mse: se / (n || 1),
  };
}
