// Downsampled metric series kept between reads: a Compare view of 500 runs × 10,000 steps costs about a
// second to scan and downsample (5,000,000 points), and reopening it, switching back to a metric or adding one run to it would pay that
// again for histories that have not changed. The tracking store drops a run's entries whenever points are
// written for it (or its history is cut for a resume), so a cached series is always the current one.
import type { MetricSeries } from '../../shared/contract';

/**
 * Points (over every cached series) the cache holds at most, about 40 MB: a Compare view of 500 runs keeps
 * 150,000 per metric at its default resolution.
 */
export const SERIES_CACHE_POINTS = 500_000;

export interface SeriesCache {
  get(runId: string, key: string, maxPoints: number): MetricSeries | undefined;
  /**
   * Keeps series read while the run was at `generation` (see generation()); one read before a write to its
   * run that landed meanwhile is not kept. Kept series are frozen: callers share them.
   */
  put(series: MetricSeries, maxPoints: number, generation: string): void;
  /** The run's writes so far: taken before a read, it tells put() whether the read is still current. */
  generation(runId: string): string;
  /** Points were written for the run, or its history changed: its series are dropped. */
  invalidate(runId: string): void;
  clear(): void;
}

export function createSeriesCache(limit = SERIES_CACHE_POINTS): SeriesCache {
  /** Series by `runId \0 maxPoints \0 key`, least recently used first (Map keeps insertion order). */
  const entries = new Map<string, { runId: string; series: MetricSeries }>();
  const byRun = new Map<string, Set<string>>();
  const generations = new Map<string, number>();
  /** Bumped by clear(): every read begun before it is stale. */
  let epoch = 0;
  let points = 0;
  const generationOf = (runId: string) => `${epoch}/${generations.get(runId) ?? 0}`;
  const id = (runId: string, key: string, maxPoints: number) => `${runId}\0${maxPoints}\0${key}`;

  const drop = (entry: string) => {
    const e = entries.get(entry);
    if (!e) return;
    entries.delete(entry);
    points -= e.series.points.length;
    const keys = byRun.get(e.runId);
    keys?.delete(entry);
    if (keys?.size === 0) byRun.delete(e.runId);
  };

  return {
    get(runId, key, maxPoints) {
      const entry = id(runId, key, maxPoints);
      const e = entries.get(entry);
      if (!e) return undefined;
      entries.delete(entry);
      entries.set(entry, e);
      return e.series;
    },
    put(series, maxPoints, generation) {
      if (generationOf(series.runId) !== generation) return;
      if (series.points.length > limit) return;
      const entry = id(series.runId, series.key, maxPoints);
      drop(entry);
      for (const p of series.points) Object.freeze(p);
      Object.freeze(series.points);
      entries.set(entry, { runId: series.runId, series: Object.freeze(series) });
      points += series.points.length;
      let keys = byRun.get(series.runId);
      if (!keys) byRun.set(series.runId, (keys = new Set()));
      keys.add(entry);
      for (const oldest of entries.keys()) {
        if (points <= limit) break;
        drop(oldest);
      }
    },
    generation: generationOf,
    invalidate(runId) {
      generations.set(runId, (generations.get(runId) ?? 0) + 1);
      for (const entry of [...(byRun.get(runId) ?? [])]) drop(entry);
    },
    clear() {
      epoch++;
      for (const entry of [...entries.keys()]) drop(entry);
    },
  };
}
