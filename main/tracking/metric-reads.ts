// Metric reads: a run's points, and the downsampled series of many runs (cached between reads). Both read
// the histories in one ordered scan, taken in column chunks, and downsample each series in JS as the pass
// reaches its last point (downsample.ts): no row becomes a JS object unless it is kept.
import type { DuckDBDataChunk, DuckDBVector } from '@duckdb/node-api';
import type { MetricSeries, MetricSeriesColumns } from '../../shared/contract';
import { sqlInteger, type Database } from '../workspace/db';
import { checkMaxPoints, downsampleIndices } from './downsample';
import type { SeriesCache } from './series-cache';

/**
 * Points of a metric scan collected whole before they are taken (about 24 bytes each in DuckDB); a scan
 * estimated larger is streamed, so its memory stays that of DuckDB's sort.
 */
export const COLLECTED_POINTS = 10_000_000;

/** A run's metric points and, per key, whether they were downsampled and how many there are in all. */
export interface MetricHistory {
  points: { key: string; step: number; value: number; timestamp: number }[];
  series: Record<string, { downsampled: boolean; totalPoints: number }>;
}

/** One (run, key) series' points in order (the first `n` entries of each column). */
interface Columns {
  n: number;
  steps: Float64Array;
  values: Float64Array;
  timestamps: Float64Array;
}

/**
 * A numeric vector as the typed array DuckDB filled, without a copy or a value per row: its `items`,
 * which @duckdb/node-api keeps private in its types (checked here, so a release that renames it fails
 * loudly rather than reading garbage). `what` names the vector in that error.
 */
export function vectorItems<T extends Int32Array | Float64Array>(
  vector: DuckDBVector,
  type: new (length: number) => T,
  what: string,
): T {
  const items = (vector as unknown as { items?: unknown }).items;
  if (!(items instanceof type)) throw new Error(`${what} is not a ${type.name} vector`);
  return items;
}

/** A numeric column of a chunk as the typed array DuckDB filled (vectorItems). The columns read are NOT NULL. */
export function columnOf<T extends Int32Array | Float64Array>(
  chunk: DuckDBDataChunk,
  index: number,
  type: new (length: number) => T,
): T {
  return vectorItems(chunk.getColumnVector(index), type, `[MetricReads] column ${index}`);
}

/**
 * Reads the series of every (run, key) of `runIds` × `keys` that has points — finite points only unless
 * `nonFinite` — in one scan ordered by run, key, step, time and value, and hands each to `onSeries` with
 * the indices of its run and key. The columns are reused for the next series once `onSeries` returns.
 */
async function scanSeries(
  db: Database,
  runIds: readonly string[],
  keys: readonly string[],
  nonFinite: boolean,
  onSeries: (run: number, key: number, columns: Columns) => void,
): Promise<void> {
  if (!runIds.length || !keys.length) return;
  const values = (count: number) =>
    Array.from({ length: count }, (_, i) => `(?, ${sqlInteger(i)})`).join(', ');
  // How many points the scan reads, about: a series' last step (latest_metrics) plus one. Up to
  // COLLECTED_POINTS the result is collected whole (twice as fast to take), past it streamed.
  const [estimate] = await db.all<{ points: number | bigint | null }>(
    `SELECT sum(greatest(step, 0) + 1) AS points FROM latest_metrics
     WHERE run_id IN (${runIds.map(() => '?').join(', ')}) AND key IN (${keys.map(() => '?').join(', ')})`,
    [...runIds, ...keys],
  );
  const stream = Number(estimate?.points ?? 0) > COLLECTED_POINTS;
  const sql = `SELECT (r.i * ${sqlInteger(keys.length)} + k.i)::INTEGER AS sid, m.step, m.ts, m.value
    FROM metrics m
      JOIN (VALUES ${values(runIds.length)}) r(run_id, i) ON m.run_id = r.run_id
      JOIN (VALUES ${values(keys.length)}) k(key, i) ON m.key = k.key
    ${nonFinite ? '' : 'WHERE isfinite(m.value)'}
    ORDER BY sid, m.step, m.ts, m.value`;
  let capacity = 16_384;
  let columns: Columns = {
    n: 0,
    steps: new Float64Array(capacity),
    values: new Float64Array(capacity),
    timestamps: new Float64Array(capacity),
  };
  let current = -1;
  const flush = () => {
    if (current >= 0 && columns.n > 0)
      onSeries(Math.floor(current / keys.length), current % keys.length, columns);
    columns.n = 0;
  };
  const append = (
    step: Int32Array,
    ts: Float64Array,
    value: Float64Array,
    from: number,
    to: number,
  ) => {
    const count = to - from;
    if (columns.n + count > capacity) {
      while (columns.n + count > capacity) capacity *= 2;
      const grow = (a: Float64Array) => {
        const b = new Float64Array(capacity);
        b.set(a.subarray(0, columns.n));
        return b;
      };
      columns = {
        n: columns.n,
        steps: grow(columns.steps),
        values: grow(columns.values),
        timestamps: grow(columns.timestamps),
      };
    }
    columns.steps.set(step.subarray(from, to), columns.n);
    columns.timestamps.set(ts.subarray(from, to), columns.n);
    columns.values.set(value.subarray(from, to), columns.n);
    columns.n += count;
  };
  await db.chunks(
    sql,
    [...runIds, ...keys],
    (chunk) => {
      const sid = columnOf(chunk, 0, Int32Array);
      const step = columnOf(chunk, 1, Int32Array);
      const ts = columnOf(chunk, 2, Float64Array);
      const value = columnOf(chunk, 3, Float64Array);
      const rows = chunk.rowCount;
      let from = 0;
      while (from < rows) {
        const s = sid[from]!;
        let to = from + 1;
        while (to < rows && sid[to] === s) to++;
        if (s !== current) {
          flush();
          current = s;
        }
        append(step, ts, value, from, to);
        from = to;
      }
    },
    { stream },
  );
  flush();
}

/** The points of a scanned series kept at `maxPoints` (downsample.ts), each made by `point`. */
function keptPoints<T>(columns: Columns, maxPoints: number, point: (i: number) => T): T[] {
  const kept = downsampleIndices(columns.steps, columns.values, columns.n, maxPoints);
  return kept ? Array.from(kept, point) : Array.from({ length: columns.n }, (_, i) => point(i));
}

/** A run's metric points (see TrackingStore.metricHistory), of a full run id. */
export async function readMetricHistory(
  db: Database,
  id: string,
  key: string | undefined,
  maxPoints: number,
  nonFinite = false,
): Promise<MetricHistory> {
  checkMaxPoints(maxPoints);
  const keys =
    key !== undefined
      ? [key]
      : (
          await db.all<{ key: string }>(
            'SELECT DISTINCT key FROM metrics WHERE run_id = ? ORDER BY key',
            [id],
          )
        ).map((r) => r.key);
  const points: MetricHistory['points'] = [];
  const series: MetricHistory['series'] = {};
  await scanSeries(db, [id], keys, nonFinite, (_, k, c) => {
    const name = keys[k]!;
    series[name] = { downsampled: c.n > maxPoints, totalPoints: c.n };
    for (const p of keptPoints(c, maxPoints, (i) => ({
      key: name,
      step: c.steps[i]!,
      value: c.values[i]!,
      timestamp: c.timestamps[i]!,
    })))
      points.push(p);
  });
  return { points, series };
}

/**
 * Metric series of runs (see TrackingStore.metricHistoryMany), of full run ids: those `seriesCache` holds are
 * taken from it, the rest computed in one scan and cached there.
 */
export async function readMetricSeriesMany(
  db: Database,
  seriesCache: SeriesCache,
  runIds: readonly string[],
  keys: readonly string[] | undefined,
  maxPoints: number,
): Promise<MetricSeries[]> {
  checkMaxPoints(maxPoints);
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
  const missingKeys = new Set<string>();
  const missingRuns = runIds.filter((id) => {
    let missing = false;
    for (const key of keysOf.get(id)!) {
      const kept = seriesCache.get(id, key, maxPoints);
      if (kept) found.set(`${id}\0${key}`, kept);
      else {
        missing = true;
        missingKeys.add(key);
      }
    }
    return missing;
  });
  if (missingRuns.length) {
    const generations = new Map(missingRuns.map((id) => [id, seriesCache.generation(id)]));
    const scanKeys = [...missingKeys];
    await scanSeries(db, missingRuns, scanKeys, false, (r, k, c) => {
      const runId = missingRuns[r]!;
      const key = scanKeys[k]!;
      const series: MetricSeries = {
        runId,
        key,
        points: keptPoints(c, maxPoints, (i) => ({
          step: c.steps[i]!,
          value: c.values[i]!,
          timestamp: c.timestamps[i]!,
        })),
        downsampled: c.n > maxPoints,
        totalPoints: c.n,
      };
      found.set(`${runId}\0${key}`, series);
      seriesCache.put(series, maxPoints, generations.get(runId)!);
    });
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

/** A series as runs:metricsManyColumns sends it: its points' steps, values and timestamps as three arrays. */
export function seriesColumns(series: MetricSeries): MetricSeriesColumns {
  const { points } = series;
  const n = points.length;
  const steps = new Array<number>(n);
  const values = new Array<number>(n);
  const timestamps = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const p = points[i]!;
    steps[i] = p.step;
    values[i] = p.value;
    timestamps[i] = p.timestamp;
  }
  return {
    runId: series.runId,
    key: series.key,
    steps,
    values,
    timestamps,
    downsampled: series.downsampled,
    totalPoints: series.totalPoints,
  };
}
