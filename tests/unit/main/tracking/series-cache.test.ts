import { describe, expect, it } from 'vitest';
import type { MetricSeries } from '../../../../shared/contract';
import { createSeriesCache } from '../../../../main/tracking/series-cache';

const series = (runId: string, key: string, n: number): MetricSeries => ({
  runId,
  key,
  points: Array.from({ length: n }, (_, step) => ({ step, value: step / 2, timestamp: step })),
  downsampled: false,
  totalPoints: n,
});

describe('series cache', () => {
  it('keeps series by run, key and resolution, frozen, and drops a run on a write', () => {
    const cache = createSeriesCache(100);
    const a = series('a', 'loss', 10);
    cache.put(a, 300, cache.generation('a'));
    cache.put(series('a', 'acc', 10), 300, cache.generation('a'));
    cache.put(series('b', 'loss', 10), 300, cache.generation('b'));
    expect(cache.get('a', 'loss', 300)).toBe(a);
    expect(cache.get('a', 'loss', 1000)).toBeUndefined();
    expect(Object.isFrozen(a.points[0])).toBe(true);
    expect(() => (a.points as unknown[]).push(1)).toThrow();
    cache.invalidate('a');
    expect(cache.get('a', 'loss', 300)).toBeUndefined();
    expect(cache.get('a', 'acc', 300)).toBeUndefined();
    expect(cache.get('b', 'loss', 300)).toBeDefined();
  });

  it('refuses a read that a write to its run overtook, and any read begun before a clear', () => {
    const cache = createSeriesCache(100);
    const before = cache.generation('a');
    cache.invalidate('a');
    cache.put(series('a', 'loss', 5), 300, before);
    expect(cache.get('a', 'loss', 300)).toBeUndefined();
    cache.put(series('a', 'loss', 5), 300, cache.generation('a'));
    expect(cache.get('a', 'loss', 300)).toBeDefined();

    const beforeClear = cache.generation('b');
    cache.clear();
    expect(cache.get('a', 'loss', 300)).toBeUndefined();
    cache.put(series('b', 'loss', 5), 300, beforeClear);
    expect(cache.get('b', 'loss', 300)).toBeUndefined();
  });

  it('evicts the least recently read series past its point budget', () => {
    const cache = createSeriesCache(25);
    cache.put(series('a', 'k', 10), 300, cache.generation('a'));
    cache.put(series('b', 'k', 10), 300, cache.generation('b'));
    expect(cache.get('a', 'k', 300)).toBeDefined(); // a is now the most recent
    cache.put(series('c', 'k', 10), 300, cache.generation('c'));
    expect(cache.get('b', 'k', 300)).toBeUndefined();
    expect(cache.get('a', 'k', 300)).toBeDefined();
    expect(cache.get('c', 'k', 300)).toBeDefined();
    // A series larger than the whole budget is not kept.
    cache.put(series('d', 'k', 30), 300, cache.generation('d'));
    expect(cache.get('d', 'k', 300)).toBeUndefined();
  });
});
