// The metric write path: points logged during training are buffered in memory and appended in batches
// (DuckDB's appender), keeping latest_metrics up to date in the same transaction.
import type { DuckDBAppender } from '@duckdb/node-api';
import { LatheError } from '../../shared/contract';
import type { Database, Sql } from '../workspace/db';

/** Buffered metric points are written once this many are waiting… */
export const METRIC_FLUSH_POINTS = 10_000;
/** …or this long after the first of them was accepted. */
export const METRIC_FLUSH_MS = 500;
/** The largest step DuckDB's INTEGER column holds. */
const MAX_STEP = 2 ** 31 - 1;

/** One row of `metrics`. */
interface MetricPoint {
  runId: string;
  key: string;
  step: number;
  ts: number;
  value: number;
}

function appendMetric(a: DuckDBAppender, p: MetricPoint): void {
  a.appendVarchar(p.runId);
  a.appendVarchar(p.key);
  a.appendInteger(p.step);
  a.appendDouble(p.ts);
  a.appendDouble(p.value);
  a.endRow();
}

/**
 * Recomputes latest_metrics from the histories of the runs `runFilter` (SQL over `run_id`) selects, as
 * migration 10 filled it; upsertLatest keeps it the same way as points arrive.
 */
export function refillLatestSql(runFilter: string): string {
  return `INSERT INTO latest_metrics
    SELECT run_id, key, max(step), arg_max(ts, (step, ts)), arg_max(value, (step, ts))
    FROM metrics WHERE ${runFilter} GROUP BY run_id, key`;
}

/** Rows of one INSERT into latest_metrics: DuckDB binds at most a few thousand parameters well. */
const LATEST_CHUNK = 500;

/**
 * Keeps latest_metrics up to date with points just written to `metrics`, in the same transaction: each
 * (run, metric) takes the point with the highest step, then the latest timestamp (a later-written point
 * wins a tie), unless the table already holds a later one.
 */
async function upsertLatest(sql: Sql, points: readonly MetricPoint[]): Promise<void> {
  const latest = new Map<string, MetricPoint>();
  for (const p of points) {
    const id = `${p.runId}\u0000${p.key}`;
    const seen = latest.get(id);
    if (!seen || p.step > seen.step || (p.step === seen.step && p.ts >= seen.ts)) latest.set(id, p);
  }
  const rows = [...latest.values()];
  for (let i = 0; i < rows.length; i += LATEST_CHUNK) {
    const chunk = rows.slice(i, i + LATEST_CHUNK);
    await sql.run(
      `INSERT INTO latest_metrics VALUES ${chunk.map(() => '(?, ?, ?, ?, ?)').join(', ')}
       ON CONFLICT (run_id, key) DO UPDATE SET step = excluded.step, ts = excluded.ts, value = excluded.value
       WHERE excluded.step > latest_metrics.step
         OR (excluded.step = latest_metrics.step AND excluded.ts >= latest_metrics.ts)`,
      chunk.flatMap((p) => [p.runId, p.key, p.step, p.ts, p.value]),
    );
  }
}

/** Appends points to `metrics` and latest_metrics (and runs `also`) in one transaction. */
function writePoints(
  db: Database,
  points: readonly MetricPoint[],
  also?: (sql: Sql) => Promise<void>,
): Promise<void> {
  return db.append(
    'metrics',
    (a) => {
      for (const p of points) appendMetric(a, p);
    },
    async (sql) => {
      await upsertLatest(sql, points);
      await also?.(sql);
    },
  );
}

/** How appendBulk treats non-finite values, and statements to commit with its points. */
export interface BulkAppendOptions {
  keepNonFinite?: boolean;
  also?: (sql: Sql) => Promise<void>;
}

export interface MetricBuffer {
  /**
   * Accepts the finite values of one step (a step must be a 32-bit integer: INVALID_INPUT); writes them
   * once METRIC_FLUSH_POINTS are waiting or METRIC_FLUSH_MS after the first of them.
   */
  log(runId: string, step: number, values: Record<string, number>): Promise<void>;
  /** Writes what is buffered; flushes land in order, and a reader calling it waits for one writing. */
  flush(): Promise<void>;
  /**
   * Writes many points of a run at once, after what is buffered; non-finite values are skipped unless
   * `options.keepNonFinite` (MLflow's API stores NaN and ±Infinity). `options.also` runs in the same
   * transaction after the points (a throw there discards them too); it runs even when no point is left.
   */
  appendBulk(
    runId: string,
    points: readonly { key: string; step: number; value: number; timestamp?: number }[],
    options?: BulkAppendOptions,
  ): Promise<void>;
}

/** `written` is told the runs whose histories a write changed. */
export function createMetricBuffer(
  db: Database,
  written: (runIds: readonly string[]) => void,
): MetricBuffer {
  // Points accepted, in arrival order, not yet in the database.
  let pending: MetricPoint[] = [];
  let flushTimer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    if (flushTimer) {
      clearTimeout(flushTimer);
      flushTimer = undefined;
    }
    // Chained so that flushes land in order and a reader waits for one already writing.
    flushing = flushing.then(async () => {
      if (!pending.length) return;
      const batch = pending;
      pending = [];
      try {
        await writePoints(db, batch);
        written(batch.map((p) => p.runId));
      } catch (err) {
        // Nothing is dropped: the batch goes back in front of what arrived meanwhile.
        pending = batch.concat(pending);
        throw err;
      }
    });
    const done = flushing;
    // A failed flush must not poison the next one; its caller sees the error.
    flushing = flushing.catch(() => undefined);
    return done;
  };

  const scheduleFlush = () => {
    flushTimer ??= setTimeout(() => {
      flushTimer = undefined;
      flush().catch((err: unknown) =>
        console.error(`[TrackingStore] could not write metrics: ${(err as Error).message}`),
      );
    }, METRIC_FLUSH_MS);
    flushTimer.unref();
  };

  return {
    flush,

    async log(runId, step, values) {
      if (!Number.isInteger(step) || step < -MAX_STEP - 1 || step > MAX_STEP)
        throw new LatheError('INVALID_INPUT', `a metric step must be a 32-bit integer: ${step}`, {
          field: 'step',
        });
      const ts = Date.now();
      // One appender transaction per step cost ~1 ms, capping a training loop at ~15k points/s; points
      // are buffered and appended in batches instead.
      for (const key in values) {
        const value = values[key]!;
        if (Number.isFinite(value)) pending.push({ runId, key, step, ts, value });
      }
      if (pending.length >= METRIC_FLUSH_POINTS) await flush();
      else if (pending.length) scheduleFlush();
    },

    async appendBulk(runId, points, options = {}) {
      await flush();
      const now = Date.now();
      const rows = options.keepNonFinite ? points : points.filter((p) => Number.isFinite(p.value));
      const bad = rows.find((p) => !Number.isInteger(p.step));
      if (bad)
        throw new LatheError('INVALID_INPUT', `a metric step must be an integer: ${bad.step}`);
      if (!rows.length) {
        if (options.also) await db.tx(options.also);
        return;
      }
      await writePoints(
        db,
        rows.map((p) => ({
          runId,
          key: p.key,
          step: p.step,
          ts: p.timestamp ?? now,
          value: p.value,
        })),
        options.also,
      );
      written([runId]);
    },
  };
}
