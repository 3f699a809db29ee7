import { describe, expect, it } from 'vitest';
import { bucketOf, routesToChallenger } from '../../../../main/serve/canary';

const ids = (n: number, prefix = 'req-') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('canary split', () => {
  // Replicas and restarts must agree on a retried request's side, so the bucket is a fixed function of
  // the id: these values may change only with a deliberate change of the hash (and a note in the docs).
  it.each([
    ['req-1', 6436],
    ['b7a9f2', 4386],
    ['a', 4775],
    ['7f0c2e4a-9d1b-4c3e-8f5a-2b6d0e1c9a77', 6766],
  ])('puts request id %s in bucket %i on every replica', (id, bucket) => {
    expect(bucketOf(id)).toBe(bucket);
    expect(routesToChallenger(id, bucket / 100)).toBe(false);
    expect(routesToChallenger(id, (bucket + 1) / 100)).toBe(true);
  });

  it.each([1, 10, 25, 50])(
    'sends about %i percent of 20,000 sequential ids to the challenger',
    (pct) => {
      const n = 20_000;
      const hits = ids(n).filter((id) => routesToChallenger(id, pct)).length;
      expect(Math.abs(hits / n - pct / 100)).toBeLessThan(0.01);
    },
  );

  it('sends nothing at 0% and everything at 100%', () => {
    const sample = ids(500, 'id');
    expect(sample.some((id) => routesToChallenger(id, 0))).toBe(false);
    expect(sample.every((id) => routesToChallenger(id, 100))).toBe(true);
  });

  it('moves ids only from the champion to the challenger as the percent rises', () => {
    for (const id of ids(2_000)) {
      const sides = Array.from({ length: 21 }, (_, k) => routesToChallenger(id, k * 5));
      const first = sides.indexOf(true);
      expect(first, id).toBeGreaterThanOrEqual(0);
      expect(sides.slice(first).every(Boolean), id).toBe(true);
    }
  });

  it('spreads ids that differ only in their last characters evenly over the buckets', () => {
    const tenths = new Array<number>(10).fill(0);
    for (const id of ids(10_000, 'order-')) {
      const bucket = bucketOf(id);
      expect(bucket).toBeGreaterThanOrEqual(0);
      expect(bucket).toBeLessThan(10_000);
      tenths[Math.floor(bucket / 1000)]! += 1;
    }
    for (const count of tenths) expect(Math.abs(count - 1000)).toBeLessThan(150);
  });
});
