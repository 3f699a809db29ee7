import { describe, expect, it } from 'vitest';
import { bucketCount, downsampleIndices } from '../../../../main/tracking/downsample';
import { referenceKept, referenceLttb, seededRandom } from '../../../helpers/lttb';

/**
 * A random series as the store orders it: steps ascending with repeats (several points logged at one
 * step), values noisy with spikes, some rounded to a grid so that equal values and equal triangles (ties)
 * occur.
 */
function randomSeries(rand: () => number, n: number) {
  const xs: number[] = [];
  const ys: number[] = [];
  let step = Math.floor(rand() * 100);
  for (let i = 0; i < n; i++) {
    if (rand() > 0.2) step += 1 + Math.floor(rand() * 3);
    xs.push(step);
    const spike = rand() < 0.01 ? (rand() - 0.5) * 1000 : 0;
    const y = Math.sin(i / 37) * 10 + (rand() - 0.5) * 4 + spike;
    ys.push(rand() < 0.3 ? Math.round(y) : y);
  }
  return { xs, ys };
}

describe('downsampleIndices', () => {
  it('keeps exactly the reference LTTB picks and bucket extremes on random series', () => {
    const rand = seededRandom(7);
    for (let trial = 0; trial < 400; trial++) {
      const maxPoints = 5 + Math.floor(rand() * 300);
      // Often fewer points than buckets or than maxPoints, often just above, sometimes far above.
      const n = Math.floor(
        rand() < 0.3 ? rand() * maxPoints * 1.2 : maxPoints + 1 + rand() * rand() * 20_000,
      );
      const { xs, ys } = randomSeries(rand, n);
      const kept = downsampleIndices(Float64Array.from(xs), Float64Array.from(ys), n, maxPoints);
      const expected = referenceKept(xs, ys, maxPoints);
      if (n <= maxPoints) expect(kept).toBeNull();
      else {
        expect({ trial, n, maxPoints, kept: [...kept!] }).toEqual({
          trial,
          n,
          maxPoints,
          kept: expected,
        });
        expect(kept!.length).toBeLessThanOrEqual(maxPoints);
      }
    }
  });

  it('reads only the first n entries of longer buffers', () => {
    const { xs, ys } = randomSeries(seededRandom(3), 5000);
    const n = 3000;
    const padded = (a: number[]) =>
      Float64Array.from([...a.slice(0, n), ...Array<number>(999).fill(1e9)]);
    const kept = downsampleIndices(padded(xs), padded(ys), n, 100);
    expect([...kept!]).toEqual(referenceKept(xs.slice(0, n), ys.slice(0, n), 100));
  });

  it('keeps a spike LTTB alone would miss, and the first and last points', () => {
    const n = 10_000;
    const xs = Array.from({ length: n }, (_, i) => i);
    // A flat line with one narrow dip right next to a tall spike in the same bucket.
    const ys = xs.map((i) => (i === 5000 ? 100 : i === 5001 ? -3 : 0));
    const kept = [...downsampleIndices(xs, ys, n, 50)!];
    expect(kept[0]).toBe(0);
    expect(kept.at(-1)).toBe(n - 1);
    expect(kept).toContain(5000);
    expect(kept).toContain(5001);
    const { lttb } = referenceLttb(xs, ys, bucketCount(50));
    expect(lttb).not.toContain(5001);
  });

  it('refuses a resolution below 5 points', () => {
    expect(() => downsampleIndices([1, 2, 3], [1, 2, 3], 3, 4)).toThrow(/maxPoints/);
  });
});
