import { describe, expect, it } from 'vitest';
import {
  discretize,
  mutualInformation,
  selectByFilter,
  subsetColumns,
} from '../../../../main/train/selection';

/** A row-major matrix from columns. */
const matrix = (cols: number[][]) => {
  const rows = cols[0]!.length;
  const x = new Float32Array(rows * cols.length);
  cols.forEach((c, k) => c.forEach((v, r) => (x[r * cols.length + k] = v)));
  return { x, rows, width: cols.length };
};

describe('feature selection', () => {
  const n = 200;
  const a = Array.from({ length: n }, (_, i) => i % 10);
  const aCopy = a.map((v) => v * 2 + 1);
  const constant = a.map(() => 3);
  const noise = Array.from({ length: n }, (_, i) => (i * 7919) % 13);
  const label = Int32Array.from(a, (v) => (v < 5 ? 0 : 1));

  it('drops constant columns by variance', () => {
    const r = selectByFilter(
      { method: 'variance' },
      { ...matrix([a, constant, noise]), target: label },
      ['a', 'c', 'n'],
    );
    expect(r.kept).toEqual(['a', 'n']);
    expect(r.dropped[0]).toMatchObject({ feature: 'c' });
  });

  it('drops the later of a perfectly correlated pair', () => {
    const r = selectByFilter(
      { method: 'correlation', threshold: 0.95 },
      { ...matrix([a, noise, aCopy]), target: label },
      ['a', 'n', 'a2'],
    );
    expect(r.kept).toEqual(['a', 'n']);
    expect(r.dropped[0]!.reason).toMatch(/\|r\| = 1\.000 with 'a'/);
  });

  it('ranks by mutual information with the target', () => {
    const r = selectByFilter(
      { method: 'mutual_info', k: 1 },
      { ...matrix([noise, a]), target: label },
      ['n', 'a'],
    );
    expect(r.kept).toEqual(['a']);
    // a determines the label exactly: MI = H(label) = ln 2.
    expect(r.scores.a).toBeCloseTo(Math.log(2), 10);
  });

  it('computes mutual information and equal-frequency bins', () => {
    expect(mutualInformation(Int32Array.from([0, 0, 1, 1]), Int32Array.from([0, 1, 0, 1]))).toBe(0);
    expect(Array.from(discretize(Float64Array.from([5, 1, 3, 3]), 10))).toEqual([2, 0, 1, 1]);
  });

  it('subsets the columns of a row-major matrix', () => {
    const { x, rows } = matrix([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(Array.from(subsetColumns(x, rows, ['a', 'b', 'c'], ['c', 'a']))).toEqual([5, 1, 6, 2]);
  });
});
