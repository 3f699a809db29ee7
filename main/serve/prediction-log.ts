// The prediction log: each row is encoded to one JSON line when the request path pushes it (a few
// microseconds, spread evenly over requests) and appended to a byte buffer; batches are written off the
// request path — every `flushMs` or once `maxRows` are queued — to a sink (the workspace's prediction_log
// table, or stdout in the standalone server). close() flushes what is left.
//
// Why a byte buffer and not a queue of row objects: the rows waiting for a flush live outside the JS heap,
// so the scavenger has nothing of them to copy on every minor GC, and a flush hands over one buffer instead
// of serializing hundreds of rows in one go (which stalled the event loop and showed up as the server's
// p99; see bench/serve-vs-fastapi.mjs).
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

/** Rows as lines: the sink's encode() of each, in push order, each followed by '\n' (UTF-8). */
export interface PredictionBatch {
  lines: Buffer;
  rows: number;
}

export interface PredictionSink {
  /** One row as one line with no '\n' in it; encodePredictionRow (a JSON line) when absent. */
  encode?: (row: PredictionLogRow) => string;
  write(batch: PredictionBatch): Promise<void>;
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
 * One row as a JSON object with `"type":"prediction"` first — the line the standalone server prints.
 * Same keys and order as JSON.stringify({ type, ...row }).
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
  const encode = sink.encode ?? encodePredictionRow;
  const flushMs = options.flushMs ?? 250;
  // Small batches on purpose: DuckDB's insert runs on other threads, but on a busy machine its CPU comes
  // out of the server's and the clients' share. 200-row batches kept the cars bench's p99 near 4 ms where
  // 500 reached 5-6 ms and 2,000 6-7 ms, for ~6 us more CPU per row than 500.
  const maxRows = options.maxRows ?? 200;
  // The batch being filled: `used` bytes of `buf` hold `rows` lines. Each flush starts a fresh buffer
  // as large as the last one was (the sink may still be reading the old one).
  let buf = Buffer.allocUnsafe(64 * 1024);
  let used = 0;
  let rows = 0;
  let writing: Promise<void> = Promise.resolve();
  const stats = { written: 0, failed: 0 };
  const flush = (): Promise<void> => {
    if (rows === 0) return writing;
    const batch: PredictionBatch = { lines: buf.subarray(0, used), rows };
    buf = Buffer.allocUnsafe(buf.length);
    used = 0;
    rows = 0;
    writing = writing.then(() =>
      sink.write(batch).then(
        () => {
          stats.written += batch.rows;
        },
        (err: unknown) => {
          stats.failed += batch.rows;
          console.error(
            `[PredictionLog] ${batch.rows} row(s) not written: ${err instanceof Error ? err.message : String(err)}`,
          );
        },
      ),
    );
    return writing;
  };
  const append = (line: string) => {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    const need = used + line.length * 3 + 1;
    if (need > buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, buf.length * 2));
      buf.copy(bigger, 0, 0, used);
      buf = bigger;
    }
    used += buf.write(line, used);
    buf[used++] = 0x0a;
    rows++;
  };
  const timer = setInterval(() => void flush(), flushMs);
  timer.unref();
  return {
    push(row) {
      append(encode(row));
      if (rows >= maxRows) void flush();
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
export function jsonLinesSink(write: (lines: Buffer) => void): PredictionSink {
  return {
    write(batch) {
      write(batch.lines);
      return Promise.resolve();
    },
  };
}

/** Minimal SQL runner (main/workspace/db.ts Database satisfies it). */
interface SqlRunner {
  run(sql: string, params?: (string | number | null)[]): Promise<void>;
}

// The batch travels as ONE parameter, its lines, which DuckDB splits and casts itself: binding is a single
// string copy on the main thread, and splitting, casts, ids and the insert run on DuckDB's side. (A
// multi-row INSERT with eight bound values per row spent milliseconds per batch creating, binding and
// destroying values on the event loop.) A line is the row's fields separated by tabs, strings and JSON
// documents as JSON text — which never holds a raw tab or newline — so DuckDB splits with string_split
// instead of parsing whole JSON rows (about half the cost per row). One statement is one transaction: a
// batch lands whole or not at all. Ids are UUIDv7 (time-ordered): the primary-key index takes them near
// its last insert instead of at random places.
const INSERT = `INSERT INTO prediction_log (id, "at", model, version, request_id, features, prediction, latency_ms)
SELECT uuidv7()::VARCHAR, (f[1]::JSON->>'$')::TIMESTAMP, f[2]::JSON->>'$', f[3]::INTEGER, f[4]::JSON->>'$', f[5]::JSON,
  f[6]::JSON, f[7]::DOUBLE
FROM (SELECT string_split(line, chr(9)) AS f
      FROM (SELECT unnest(string_split(rtrim(?::VARCHAR, chr(10)), chr(10))) AS line))`;

const tsvLine = (r: PredictionLogRow): string =>
  `${JSON.stringify(r.at)}\t${JSON.stringify(r.model)}\t${JSON.stringify(r.version)}\t${JSON.stringify(r.requestId)}\t${JSON.stringify(r.features)}\t${JSON.stringify({ role: r.role, predictions: r.predictions })}\t${JSON.stringify(r.latencyMs)}`;

/** Writes rows into the workspace's prediction_log table: one INSERT per batch. */
export function workspaceSink(db: SqlRunner): PredictionSink {
  return {
    encode: tsvLine,
    write(batch) {
      return db.run(INSERT, [batch.lines.toString('utf8')]);
    },
  };
}
