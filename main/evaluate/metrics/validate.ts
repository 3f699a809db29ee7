/** Input checks shared by the metric functions: each error names the argument at fault. */

export type Probabilities = Float64Array | Float32Array;
export type NumericArray = Float64Array | Float32Array;

/** A bad argument: `argument` is the parameter's name, so a caller can point at the column or input. */
export class MetricInputError extends Error {
  constructor(
    readonly argument: string,
    message: string,
  ) {
    super(`${argument}: ${message}`);
    this.name = 'MetricInputError';
  }
}

export function requireNonEmpty(name: string, values: ArrayLike<unknown>): void {
  if (values.length === 0) throw new MetricInputError(name, 'is empty (need at least one row)');
}

export function requireSameLength(
  nameA: string,
  a: ArrayLike<unknown>,
  nameB: string,
  b: ArrayLike<unknown>,
): void {
  if (a.length !== b.length) {
    throw new MetricInputError(nameB, `has ${b.length} rows but ${nameA} has ${a.length}`);
  }
}

export function requireClassCount(k: number): void {
  if (!Number.isInteger(k) || k < 2) {
    throw new MetricInputError('k', `must be an integer >= 2 (got ${k})`);
  }
}

/** Every label is an integer class index in 0..k-1. */
export function requireLabels(name: string, labels: Int32Array, k: number): void {
  requireNonEmpty(name, labels);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (y < 0 || y >= k) {
      throw new MetricInputError(name, `row ${i} has class ${y}, outside 0..${k - 1} (k = ${k})`);
    }
  }
}

/** Binary labels: 0 or 1 only. */
export function requireBinary(name: string, labels: Int32Array): void {
  requireLabels(name, labels, 2);
}

export function requireFinite(name: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) {
      throw new MetricInputError(name, `row ${i} is not a finite number (${values[i]})`);
    }
  }
}

/**
 * Probabilities are n×k row-major, or n values of P(class 1) when k = 2. Returns the layout's column
 * count (1 for the binary shorthand, k otherwise).
 */
export function probabilityColumns(probs: Probabilities, n: number, k: number): number {
  requireClassCount(k);
  if (k === 2 && probs.length === n) return 1;
  if (probs.length !== n * k) {
    const expected = k === 2 ? `${n} (P(class 1)) or ${n * k}` : `${n * k} (n×k)`;
    throw new MetricInputError(
      'probs',
      `has length ${probs.length}, expected ${expected} for n = ${n}, k = ${k} (k mismatch?)`,
    );
  }
  return k;
}

/** Probability of class c for row i in either layout. */
export function probOf(probs: Probabilities, cols: number, i: number, c: number): number {
  if (cols === 1) return c === 1 ? probs[i]! : 1 - probs[i]!;
  return probs[i * cols + c]!;
}

/** The scores of one class over all rows (one-vs-rest). */
export function classScores(
  probs: Probabilities,
  cols: number,
  n: number,
  c: number,
): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = probOf(probs, cols, i, c);
  return out;
}
