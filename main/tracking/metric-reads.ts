// Metric reads: a run's points, and the downsampled series of many runs (cached between reads).
import type { MetricSeries } from '../../shared/contract';
import type { Database } from '../workspace/db';
import { downsampleManySql, downsampleSql } from './downsample';
import type { SeriesCache } from './series-cache';

/** A run's metric points and, per key, whether they were downsampled and how many there are in all. */
export interface MetricHistory {
  points: { key: string; step: number; value: number; timestamp: number }[];
  series: Record<string, { downsampled: boolean; totalPoints: number }>;
}

/** A run's metric points (see TrackingStore.metricHistory), of a full run id. */
export async function readMetricHistory(
  db: Database,
  id: string,
  key: string | undefined,
  maxPoints: number,
  nonFinite = false,
): Promise<MetricHistory> {
  const rows = await db.all(
    downsampleSql(maxPoints, key !== undefined, nonFinite),
    key !== undefined ? [id, key] : [id],
  );
  const series: MetricHistory['series'] = {};
  const points = rows.map((r) => {
    const k = String(r.key);
    const total = Number(r.n);
    series[k] ??= { downsampled: total > maxPoints, totalPoints: total };
    return { key: k, step: Number(r.step), value: Number(r.value), timestamp: Number(r.ts) };
  });
  return { points, series };
}

/**
 * Metric series of runs (see TrackingStore.metricHistoryMany), of full run ids: those `seriesCache` holds are
 * taken from it, the rest computed in one query and cached there.
 */
export async function readMetricSeriesMany(
  db: Database,
  seriesCache: SeriesCache,
  runIds: readonly string[],
  keys: readonly string[] | undefined,
  maxPoints: number,
): Promise<MetricSeries[]> {
  const wanted = keys ? [...new Set(keys)] : [];
  // Which series exist (latest_metrics has a row for each), then which of them are not cached.
  const existing = await db.all<{ run_id: string; key: string }>(
    `SELECT run_id, key FROM latest_metrics
     WHERE run_id IN (${runIds.map(() => '?').join(', ')})
       ${wanted.length ? `AND key IN (${wanted.map(() => '?').join(', ')})` : ''}`,
    [...runIds, ...wanted],
  );
  const keysOf = new Map<string, string[]>(runIds.map((id) => [id, []]));
  for (const r of existing) keysOf.get(r.run_id)!.push(r.key);
  // Held here: computing the rest may evict them from the cache before they are returned.
  const found = new Map<string, MetricSeries>();
  const missingRuns = runIds.filter((id) => {
    let missing = false;
    for (const key of keysOf.get(id)!) {
      const kept = seriesCache.get(id, key, maxPoints);
      if (kept) found.set(`${id}\0${key}`, kept);
      else missing = true;
    }
    return missing;
  });
  const computed: MetricSeries[] = [];
  if (missingRuns.length) {
    const generations = new Map(missingRuns.map((id) => [id, seriesCache.generation(id)]));
    const rows = await db.all(downsampleManySql(maxPoints, missingRuns.length, wanted.length), [
      ...missingRuns,
      ...wanted,
    ]);
    let current: MetricSeries | undefined;
    for (const r of rows) {
      const runId = missingRuns[Number(r.sid)]!;
      const key = String(r.key);
      if (current?.runId !== runId || current.key !== key) {
        const total = Number(r.n);
        current = {
          runId,
          key,
          points: [],
          downsampled: total > maxPoints,
          totalPoints: total,
        };
        found.set(`${runId}\0${key}`, current);
        computed.push(current);
      }
      current.points.push({
        step: Number(r.step),
        value: Number(r.value),
        timestamp: Number(r.ts),
      });
    }
    for (const series of computed)
      seriesCache.put(series, maxPoints, generations.get(series.runId)!);
  }
  // Series in the order of the runs asked for, keys sorted within a run.
  return runIds.flatMap((id) =>
    keysOf
      .get(id)!
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      .flatMap((key) => {
        const series = found.get(`${id}\0${key}`);
        return series ? [series] : [];
      }),
  );
}
