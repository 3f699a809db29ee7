// The prediction log: each row is encoded to one JSON line when the request path pushes it (a few
// microseconds, spread evenly over requests) and the lines are written in batches off the request path —
// every `flushMs` or once `maxRows` are queued — to a sink (the workspace's prediction_log table, or stdout
// in the standalone server). close() flushes what is left.
//
// Why lines and not row objects: a queue of flat strings is cheap for the garbage collector to carry
// until the flush, and a flush costs one join instead of serializing hundreds of rows in one go (which
// stalled the event loop and showed up as the server's p99; see bench/serve-vs-fastapi.mjs).
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
  /** Writes a batch of rows, each encoded by encodePredictionRow (JSON text, no newline). */
  write(lines: string[]): Promise<void>;
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

/**
 * One row as a JSON object with `"type":"prediction"` first — the line the standalone server prints and
 * the text the workspace sink hands DuckDB. Same keys and order as JSON.stringify({ type, ...row }).
 */
export function encodePredictionRow(r: PredictionLogRow): string {
  // One JSON.stringify of a fresh object gives a flat string; concatenating pieces would leave a rope of
  // dozens of small strings per row for the scavenger to copy until the flush.
  return JSON.stringify({
    type: 'prediction',
    at: r.at,
    model: r.model,
    version: r.version,
    requestId: r.requestId,
    role: r.role,
    features: r.features,
    predictions: r.predictions,
    latencyMs: r.latencyMs,
  });
}

export function createPredictionLog(
  sink: PredictionSink,
  options: { flushMs?: number; maxRows?: number } = {},
): PredictionLog {
  const flushMs = options.flushMs ?? 250;
  const maxRows = options.maxRows ?? 500;
  let queue: string[] = [];
  let writing: Promise<void> = Promise.resolve();
  const stats = { written: 0, failed: 0 };
  const flush = (): Promise<void> => {
    if (queue.length === 0) return writing;
    const lines = queue;
    queue = [];
    writing = writing.then(() =>
      sink.write(lines).then(
        () => {
          stats.written += lines.length;
        },
        (err: unknown) => {
          stats.failed += lines.length;
          console.error(
            `[PredictionLog] ${lines.length} row(s) not written: ${err instanceof Error ? err.message : String(err)}`,
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
      queue.push(encodePredictionRow(row));
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

/** Writes rows as JSON lines, one write per batch (the standalone server: logs go to stdout). */
export function jsonLinesSink(write: (text: string) => void): PredictionSink {
  return {
    write(lines) {
      write(`${lines.join('\n')}\n`);
      return Promise.resolve();
    },
  };
}

/** Minimal SQL runner (main/workspace/db.ts Database satisfies it). */
interface SqlRunner {
  run(sql: string, params?: (string | number | null)[]): Promise<void>;
}

// The batch travels as ONE parameter, a JSON array DuckDB parses itself: binding is a single string copy
// on the main thread, and parsing, ids and the insert run on DuckDB's side. (A multi-row INSERT with eight
// bound values per row spent milliseconds per batch creating, binding and destroying values on the event
// loop.) One statement is one transaction: a batch lands whole or not at all. Ids are UUIDv7 (time-ordered):
// the primary-key index takes them near its last insert instead of at random places.
const INSERT = `INSERT INTO prediction_log (id, "at", model, version, request_id, features, prediction, latency_ms)
SELECT uuidv7()::VARCHAR, r."at"::TIMESTAMP, r.model, r.version, r.requestId, r.features,
  json_object('role', r.role, 'predictions', r.predictions), r.latencyMs
FROM (SELECT unnest(from_json(?::JSON, '[{"at":"VARCHAR","model":"VARCHAR","version":"INTEGER","requestId":"VARCHAR","role":"VARCHAR","features":"JSON","predictions":"JSON","latencyMs":"DOUBLE"}]')) AS r)`;

/** Writes rows into the workspace's prediction_log table: one INSERT per batch. */
export function workspaceSink(db: SqlRunner): PredictionSink {
  return {
    write(lines) {
      return db.run(INSERT, [`[${lines.join(',')}]`]);
    },
  };
}
