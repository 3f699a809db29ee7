// The prediction log: rows queued by the request path and written in batches off it — every
// `flushMs` or once `maxRows` are queued — to a sink (the workspace's prediction_log table, or stdout
// JSON lines in the standalone server). close() flushes what is left.
import { randomUUID } from 'node:crypto';
import type { Prediction } from './types';

export interface PredictionLogRow {
  at: string;
  model: string;
  version: number;
  requestId: string;
  /** champion, canary (answered) or shadow (scored, not answered). */
  role: 'champion' | 'canary' | 'shadow';
  features: Record<string, unknown>[];
  predictions: Prediction[];
  latencyMs: number;
}

export interface PredictionSink {
  write(rows: PredictionLogRow[]): Promise<void>;
}

export interface PredictionLog {
  push(row: PredictionLogRow): void;
  /** Writes everything queued now. */
  flush(): Promise<void>;
  /** Flushes and stops the timer. */
  close(): Promise<void>;
  /** Rows written so far, and rows lost because the sink failed. */
  readonly stats: { written: number; failed: number };
}

export function createPredictionLog(
  sink: PredictionSink,
  options: { flushMs?: number; maxRows?: number } = {},
): PredictionLog {
  const flushMs = options.flushMs ?? 250;
  const maxRows = options.maxRows ?? 500;
  let queue: PredictionLogRow[] = [];
  let writing: Promise<void> = Promise.resolve();
  const stats = { written: 0, failed: 0 };
  const flush = (): Promise<void> => {
    if (queue.length === 0) return writing;
    const rows = queue;
    queue = [];
    writing = writing.then(() =>
      sink.write(rows).then(
        () => {
          stats.written += rows.length;
        },
        (err: unknown) => {
          stats.failed += rows.length;
          console.error(
            `[PredictionLog] ${rows.length} row(s) not written: ${err instanceof Error ? err.message : String(err)}`,
          );
        },
      ),
    );
    return writing;
  };
  const timer = setInterval(() => void flush(), flushMs);
  timer.unref();
  return {
    push(row) {
      queue.push(row);
      if (queue.length >= maxRows) void flush();
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
    stats,
  };
}

/** Writes rows as JSON lines (the standalone server: logs go to stdout, collected by the platform). */
export function jsonLinesSink(write: (line: string) => void): PredictionSink {
  return {
    write(rows) {
      for (const r of rows) write(`${JSON.stringify({ type: 'prediction', ...r })}\n`);
      return Promise.resolve();
    },
  };
}

/** Minimal SQL runner (main/workspace/db.ts Database satisfies it). */
interface TxRunner {
  tx<T>(
    work: (sql: {
      run(sql: string, params?: (string | number | null)[]): Promise<void>;
    }) => Promise<T>,
  ): Promise<T>;
}

/** Writes rows into the workspace's prediction_log table: one multi-row INSERT per 200 rows, one transaction per batch. */
export function workspaceSink(db: TxRunner): PredictionSink {
  const CHUNK = 200;
  return {
    write(rows) {
      return db.tx(async (sql) => {
        for (let i = 0; i < rows.length; i += CHUNK) {
          const part = rows.slice(i, i + CHUNK);
          await sql.run(
            `INSERT INTO prediction_log (id, "at", model, version, request_id, features, prediction, latency_ms) VALUES ${part
              .map(() => '(?, ?, ?, ?, ?, ?, ?, ?)')
              .join(', ')}`,
            part.flatMap((r) => [
              randomUUID(),
              r.at,
              r.model,
              r.version,
              r.requestId,
              JSON.stringify(r.features),
              JSON.stringify({ role: r.role, predictions: r.predictions }),
              r.latencyMs,
            ]),
          );
        }
      });
    },
  };
}
