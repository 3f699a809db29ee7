// GBDT objectives: the base score, and per round the gradient/hessian of every row with the training
// loss of the current raw scores (one pass: the loss reported for a round is computed while the next
// round's gradients are).
import type { GbdtModel } from './tree-model';

export type Objective = GbdtModel['objective'];

const MIN_HESS = 1e-16;

/** Weighted median of values[i] (weights null = 1). */
export function weightedMedian(
  values: Float64Array,
  weights: Float64Array | null,
  n: number = values.length,
): number {
  if (n === 0) return 0;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => values[a]! - values[b]! || a - b);
  if (!weights) {
    const mid = n >> 1;
    return n % 2 === 1
      ? values[order[mid]!]!
      : (values[order[mid - 1]!]! + values[order[mid]!]!) / 2;
  }
  let total = 0;
  for (let i = 0; i < n; i++) total += weights[i]!;
  let acc = 0;
  for (let i = 0; i < n; i++) {
    const o = order[i]!;
    acc += weights[o]!;
    if (acc >= total / 2) {
      if (acc === total / 2 && i + 1 < n) return (values[o]! + values[order[i + 1]!]!) / 2;
      return values[o]!;
    }
  }
  return values[order[n - 1]!]!;
}

/** The raw score every row starts from, per output. */
export function baseScore(
  objective: Objective,
  outputs: number,
  y: Float32Array | Int32Array,
  weights: Float32Array | null,
): number[] {
  const n = y.length;
  let sw = 0;
  for (let i = 0; i < n; i++) sw += weights ? weights[i]! : 1;
  if (sw <= 0) return new Array<number>(outputs).fill(0);
  switch (objective) {
    case 'logistic': {
      let s = 0;
      for (let i = 0; i < n; i++) s += (weights ? weights[i]! : 1) * y[i]!;
      const p = Math.min(1 - 1e-6, Math.max(1e-6, s / sw));
      return [Math.log(p / (1 - p))];
    }
    case 'softmax': {
      const counts = new Float64Array(outputs);
      for (let i = 0; i < n; i++) counts[y[i]!]! += weights ? weights[i]! : 1;
      return Array.from(counts, (c) => Math.log(Math.max(c / sw, 1e-6)));
    }
    case 'squared_error': {
      let s = 0;
      for (let i = 0; i < n; i++) s += (weights ? weights[i]! : 1) * y[i]!;
      return [s / sw];
    }
    case 'absolute_error':
    case 'huber':
      return [weightedMedian(Float64Array.from(y), weights ? Float64Array.from(weights) : null)];
  }
}

/**
 * Writes every row's gradient and hessian into `grad` ([rows, outputs, 2] float32, weights applied) for
 * raw scores `raw` [rows, outputs], and returns the weighted mean training loss of `raw`.
 */
export function gradients(
  objective: Objective,
  outputs: number,
  raw: Float64Array,
  y: Float32Array | Int32Array,
  weights: Float32Array | null,
  huberDelta: number,
  grad: Float32Array,
): number {
  const n = y.length;
  let sw = n;
  if (weights) {
    sw = 0;
    for (let i = 0; i < n; i++) sw += weights[i]!;
  }
  let loss: number;
  switch (objective) {
    case 'logistic':
      loss = logistic(raw, y, weights, grad);
      break;
    case 'softmax':
      loss = softmax(outputs, raw, y, weights, grad);
      break;
    default:
      loss = regression(objective, raw, y, weights, huberDelta, grad);
  }
  return sw > 0 ? loss / sw : 0;
}

function logistic(
  raw: Float64Array,
  y: Float32Array | Int32Array,
  weights: Float32Array | null,
  grad: Float32Array,
): number {
  let loss = 0;
  for (let i = 0, n = y.length; i < n; i++) {
    const w = weights ? weights[i]! : 1;
    const z = raw[i]!;
    const t = y[i]!;
    const e = Math.exp(-Math.abs(z));
    // softplus(z) − t·z, and the sigmoid from the same exponential.
    loss += w * (Math.max(z, 0) + Math.log1p(e) - t * z);
    const p = z >= 0 ? 1 / (1 + e) : e / (1 + e);
    grad[2 * i] = (p - t) * w;
    grad[2 * i + 1] = Math.max(p * (1 - p), MIN_HESS) * w;
  }
  return loss;
}

function softmax(
  k: number,
  raw: Float64Array,
  y: Float32Array | Int32Array,
  weights: Float32Array | null,
  grad: Float32Array,
): number {
  let loss = 0;
  const e = new Float64Array(k);
  for (let i = 0, n = y.length; i < n; i++) {
    const w = weights ? weights[i]! : 1;
    const o = i * k;
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, raw[o + c]!);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += e[c] = Math.exp(raw[o + c]! - max);
    const t = y[i]!;
    loss += w * (Math.log(sum) + max - raw[o + t]!);
    for (let c = 0; c < k; c++) {
      const p = e[c]! / sum;
      grad[2 * (o + c)] = (p - (c === t ? 1 : 0)) * w;
      grad[2 * (o + c) + 1] = Math.max(2 * p * (1 - p), MIN_HESS) * w;
    }
  }
  return loss;
}

function regression(
  objective: Objective,
  raw: Float64Array,
  y: Float32Array | Int32Array,
  weights: Float32Array | null,
  delta: number,
  grad: Float32Array,
): number {
  let loss = 0;
  for (let i = 0, n = y.length; i < n; i++) {
    const w = weights ? weights[i]! : 1;
    const d = raw[i]! - y[i]!;
    let g: number;
    if (objective === 'squared_error') {
      loss += w * d * d;
      g = d;
    } else if (objective === 'absolute_error') {
      loss += w * Math.abs(d);
      g = d > 0 ? 1 : d < 0 ? -1 : 0;
    } else {
      const a = Math.abs(d);
      loss += w * (a <= delta ? 0.5 * d * d : delta * (a - 0.5 * delta));
      g = Math.max(-delta, Math.min(delta, d));
    }
    grad[2 * i] = g * w;
    grad[2 * i + 1] = w;
  }
  return loss;
}
