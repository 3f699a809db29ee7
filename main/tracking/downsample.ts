/**
 * Shape-preserving downsampling of metric histories, computed in DuckDB SQL.
 *
 * The rule, per metric key of one run — every (run, key) series on its own when many runs are read at
 * once (points ordered by step, then timestamp; i = 0 … n−1; x = step, y = value):
 *  - n ≤ maxPoints: every point is returned (`downsampled: false`).
 *  - otherwise B = ⌊(maxPoints − 2) / 3⌋ buckets cover the interior points 1 … n−2; point i falls in
 *    bucket k = ⌊(i − 1) · B / (n − 2)⌋ (integer arithmetic, so buckets differ in size by at most one).
 *  - The first and the last point are always kept.
 *  - Largest-triangle-three-buckets (Steinarsson 2013) picks one point per bucket, left to right: the
 *    point of bucket k forming the largest triangle with the point picked in bucket k−1 (the first point
 *    for k = 0) and the average (x, y) of bucket k+1 (the last point for k = B−1). Ties go to the
 *    earliest point. This is exactly `lttb()` with B + 2 points (see tests/integration/downsample.test.ts).
 *  - Each bucket's minimum-value and maximum-value points (earliest on ties) are kept too, so a spike
 *    that LTTB's triangle misses still shows.
 * At most 3·B + 2 ≤ maxPoints points come back, in the original order.
 *
 * The bucketing, averages and extremes are window functions and aggregates; LTTB's dependence on the
 * previous pick is a list_reduce over the B buckets of every series at once, each bucket's points held as
 * a list (gathered unordered and sorted by i afterwards: an ordered aggregate costs twice as much) so one
 * step costs a lookup, not a scan.
 */

import { sqlInteger } from '../workspace/db';

/** Default resolution when the caller asks for none. */
export const DEFAULT_MAX_POINTS = 2000;
/** The smallest resolution that leaves one bucket between the first and the last point. */
export const MIN_MAX_POINTS = 5;

/** Buckets used for a given resolution: each contributes up to three points, plus first and last. */
export function bucketCount(maxPoints: number): number {
  return Math.max(1, Math.floor((maxPoints - 2) / 3));
}

// Charts draw finite values: NaN and ±Infinity (kept for runs logged through MLflow, as MLflow keeps them)
// are gaps, as in MLflow's charts, and are not counted in n.

/**
 * A query over `metrics` returning (sid, key, step, ts, value, n) for one run (sid = 0) — parameters: run
 * id, then the key when `withKey` — ordered by key, step, ts; n is the key's total number of points.
 * `nonFinite` keeps NaN and ±Infinity (a copy of the run, not a chart).
 */
export function downsampleSql(maxPoints: number, withKey: boolean, nonFinite = false): string {
  return seriesDownsampleSql(
    maxPoints,
    `SELECT 0 AS sid, key, step, ts, value FROM metrics
      WHERE run_id = ? ${withKey ? 'AND key = ?' : ''} ${nonFinite ? '' : 'AND isfinite(value)'}`,
  );
}

/**
 * The same downsampling for many runs at once, every (run, key) series on its own: parameters are the
 * `runs` run ids, then the `keys` keys (all keys when `keys` is 0). Rows (sid, key, step, ts, value, n)
 * come ordered by sid, key, step, ts, where sid is the run's index among the parameters (grouping by a
 * small integer instead of a 32-character id is about a quarter faster over millions of points).
 */
export function downsampleManySql(maxPoints: number, runs: number, keys: number): string {
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError('runs must be an integer ≥ 1');
  if (!Number.isInteger(keys) || keys < 0) throw new RangeError('keys must be an integer ≥ 0');
  const ids = Array.from({ length: runs }, (_, i) => `(?, ${i})`).join(', ');
  const keyList = Array.from({ length: keys }, () => '?').join(', ');
  return seriesDownsampleSql(
    maxPoints,
    `SELECT q.sid, m.key, m.step, m.ts, m.value
      FROM metrics m JOIN (VALUES ${ids}) q(run_id, sid) ON m.run_id = q.run_id
      WHERE isfinite(m.value) ${keys > 0 ? `AND m.key IN (${keyList})` : ''}`,
  );
}

/** The downsampling of every (sid, key) series of the rows (sid, key, step, ts, value) of `source`. */
function seriesDownsampleSql(maxPoints: number, source: string): string {
  const m = Math.floor(maxPoints);
  if (!Number.isFinite(m) || m < MIN_MAX_POINTS)
    throw new RangeError(`maxPoints must be an integer ≥ ${MIN_MAX_POINTS}`);
  const b = bucketCount(m);
  return `
WITH pts AS MATERIALIZED (
  SELECT sid, key, step, ts, value, i, n,
    CASE WHEN n > ${sqlInteger(m)} AND i > 0 AND i < n - 1 THEN (i - 1) * ${sqlInteger(b)} // (n - 2) END AS k
  FROM (
    SELECT sid, key, step, ts, value,
      row_number() OVER (PARTITION BY sid, key ORDER BY step, ts) - 1 AS i,
      count(*) OVER (PARTITION BY sid, key) AS n
    FROM (${source})
  )
),
buckets AS MATERIALIZED (
  SELECT sid, key, k, list({i: i, x: step::DOUBLE, y: value}) AS ps,
    avg(step::DOUBLE) AS ax, avg(value) AS ay,
    min({y: value, i: i}).i AS lo, max({y: value, ni: -i}).ni AS neg_hi
  FROM pts WHERE k IS NOT NULL GROUP BY sid, key, k
),
ends AS MATERIALIZED (
  SELECT sid, key, arg_min(step::DOUBLE, i) AS x0, arg_min(value, i) AS y0,
    arg_max(step::DOUBLE, i) AS xl, arg_max(value, i) AS yl
  FROM pts WHERE n > ${sqlInteger(m)} GROUP BY sid, key
),
steps AS (
  SELECT b.sid, b.key, b.k, list_sort(b.ps) AS ps,
    coalesce(lead(b.ax) OVER w, e.xl) AS nx, coalesce(lead(b.ay) OVER w, e.yl) AS ny
  FROM buckets b JOIN ends e USING (sid, key)
  WINDOW w AS (PARTITION BY b.sid, b.key ORDER BY b.k)
),
lttb AS (
  SELECT s.sid, s.key, list_reduce(
      list({ps: s.ps, nx: s.nx, ny: s.ny} ORDER BY s.k),
      lambda acc, b: list_transform(
        list_transform(
          [list_transform(b.ps, lambda p:
            abs((acc.px - b.nx) * (p.y - acc.py) - (acc.px - p.x) * (b.ny - acc.py)))],
          lambda areas: b.ps[list_position(areas, list_max(areas))]),
        lambda p: {px: p.x, py: p.y, picks: list_append(acc.picks, p.i)})[1],
      {px: any_value(e.x0), py: any_value(e.y0), picks: []::BIGINT[]}).picks AS picks
  FROM steps s JOIN ends e USING (sid, key) GROUP BY s.sid, s.key
),
keep AS (
  SELECT sid, key, unnest(picks) AS i FROM lttb
  UNION SELECT sid, key, lo FROM buckets
  UNION SELECT sid, key, -neg_hi FROM buckets
)
SELECT sid, key, step, ts, value, n FROM pts WHERE k IS NULL
UNION ALL
SELECT sid, key, step, ts, value, n FROM pts SEMI JOIN keep USING (sid, key, i)
ORDER BY sid, key, step, ts`;
}
