import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rocAuc } from '../../../../main/train/metrics';

/** The definition: over every (positive, negative) pair, 1 when the positive scores higher, ½ on a tie. */
function pairwiseAuc(labels: Int32Array, scores: ArrayLike<number>): number {
  const key = (v: number) => (Number.isNaN(v) ? Infinity : v);
  let u = 0;
  let pairs = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < labels.length; j++) {
      if (labels[j] === 1) continue;
      const [a, b] = [key(scores[i]!), key(scores[j]!)];
      u += a > b ? 1 : a === b ? 0.5 : 0;
      pairs++;
    }
  }
  return pairs ? u / pairs : NaN;
}

// Few distinct values so that ties are common; the specials ranked where rocAuc promises.
const score = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -4, max: 4 }).map((k) => k / 4) },
  { weight: 3, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, -0, 0, Infinity, -Infinity, 1e-45, -1e-45) },
);
const rows = fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), score), {
  minLength: 0,
  maxLength: 300,
});

describe('rocAuc', () => {
  it('equals the pairwise definition on float32 and float64 scores, ties at half credit', () => {
    fc.assert(
      fc.property(rows, (data) => {
        // Labels other than 1 (here 0 and 2) count as negatives, as the validation scorer's are.
        const labels = Int32Array.from(data, ([y]) => y);
        const f64 = Float64Array.from(data, ([, s]) => s);
        const f32 = Float32Array.from(f64);
        const want64 = pairwiseAuc(labels, f64);
        const want32 = pairwiseAuc(labels, f32);
        if (Number.isNaN(want64)) {
          expect(rocAuc(labels, f64)).toBeNaN();
          expect(rocAuc(labels, f32)).toBeNaN();
          return;
        }
        expect(rocAuc(labels, f64)).toBeCloseTo(want64, 12);
        expect(rocAuc(labels, f32)).toBeCloseTo(want32, 12);
      }),
      { seed: 1414, numRuns: 300, endOnFailure: true },
    );
  });

  it('ranks NaN above every number, -0 with 0, and float32 values by their order across signs', () => {
    const labels = Int32Array.from([1, 0, 1, 0, 1, 0]);
    // Positives NaN, 0, -2; negatives 1e30, -0, -1.5: pairs won 1+1+1, ½ for 0 vs -0, 0+0+0 for -2.
    for (const make of [Float32Array, Float64Array]) {
      const s = make.from([NaN, 1e30, 0, -0, -2, -1.5]);
      expect(rocAuc(labels, s)).toBe((3 + 1 + 0.5) / 9);
    }
  });

  it('scores 200,000 rows in one pass the same as on a shuffled copy', () => {
    const n = 200_000;
    const labels = new Int32Array(n);
    const scores = new Float32Array(n);
    let state = 7;
    const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let i = 0; i < n; i++) {
      labels[i] = next() < 0.2 ? 1 : 0;
      scores[i] = Math.round((next() + labels[i]! * 0.2) * 1000) / 1000;
    }
    const auc = rocAuc(labels, scores);
    const order = Array.from({ length: n }, (_, i) => i).reverse();
    const l2 = Int32Array.from(order, (i) => labels[i]!);
    const s2 = Float32Array.from(order, (i) => scores[i]!);
    expect(rocAuc(l2, s2)).toBe(auc);
    expect(rocAuc(labels, Float64Array.from(scores))).toBe(auc);
    // Uniform scores with a 0.2 shift on positives: AUC = 1 − (1 − 0.2)² / 2 = 0.68.
    expect(auc).toBeGreaterThan(0.67);
    expect(auc).toBeLessThan(0.69);
  });
});
