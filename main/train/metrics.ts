/** Validation metrics computed in plain TypeScript so they are identical on every backend. */

export function accuracy(labels: Int32Array, predicted: Int32Array): number {
  let ok = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === predicted[i]) ok++;
  return labels.length ? ok / labels.length : 0;
}

/** ROC-AUC by the rank statistic (Mann–Whitney U), with ties given half credit. */
export function rocAuc(labels: Int32Array, scores: Float32Array | Float64Array): number {
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let pos = 0;
  let rankSumPos = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k]!] === 1) {
        pos++;
        rankSumPos += avgRank;
      }
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
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
