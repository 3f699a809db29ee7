import { describe, expect, it } from 'vitest';
import { bucketOf, routesToChallenger } from '../../../../main/serve/canary';

describe('canary split', () => {
  it('is deterministic by request id', () => {
    for (const id of ['a', 'req-1', 'b7a9f2']) expect(bucketOf(id)).toBe(bucketOf(id));
  });

  it.each([1, 10, 25, 50])(
    'sends about %i percent of 20,000 sequential ids to the challenger',
    (pct) => {
      let hits = 0;
      const n = 20_000;
      for (let i = 0; i < n; i++) if (routesToChallenger(`req-${i}`, pct)) hits++;
      expect(Math.abs(hits / n - pct / 100)).toBeLessThan(0.01);
    },
  );

  it('sends nothing at 0% and everything at 100%', () => {
    const ids = Array.from({ length: 500 }, (_, i) => `id${i}`);
    expect(ids.some((id) => routesToChallenger(id, 0))).toBe(false);
    expect(ids.every((id) => routesToChallenger(id, 100))).toBe(true);
  });
});
