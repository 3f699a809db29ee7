// The prediction log: each row is encoded to text when the request path pushes it (a few microseconds,
// spread evenly over requests) and appended to a byte buffer; batches are written off the request path —
// every `flushMs` or once `maxRows` are queued — to a sink (the version's typed capture table, capture.ts
// captureSink; stdout and segment files in the standalone server). close() flushes what is left.
//
// The old `prediction_log` table (one JSON value of features per request) is no longer written; rows
// already in it are kept as they are.
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
  /** Rows pushed (a row may have been encoded as several lines). */
  rows: number;
  /** What the sink's seal() returned when this batch was cut. */
  sealed?: unknown;
}

export interface PredictionSink {
  /**
   * One row as one or more lines ('\n' between them, none at the end); '' skips the row.
   * encodePredictionRow (a JSON line) when absent.
   */
  encode?: (row: PredictionLogRow) => string;
  /** Called as a batch is cut, right after the last encode() of its rows: its result goes with the batch. */
  seal?: () => unknown;
  write(batch: PredictionBatch): Promise<void>;
  /** Called by the log's close() after its last write (a segment file is finished there). */
  close?: () => Promise<void>;
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
    const batch: PredictionBatch = { lines: buf.subarray(0, used), rows, sealed: sink.seal?.() };
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
      const line = encode(row);
      if (line === '') return;
      append(line);
      if (rows >= maxRows) void flush();
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
      await sink.close?.();
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

/** Pushes every row to each log in turn (the standalone server: stdout and segment files). */
export function teeLogs(...logs: PredictionLog[]): PredictionLog {
  return {
    push(row) {
      for (const l of logs) l.push(row);
    },
    async flush() {
      await Promise.all(logs.map((l) => l.flush()));
    },
    async close() {
      await Promise.all(logs.map((l) => l.close()));
    },
    get stats() {
      return {
        written: Math.min(...logs.map((l) => l.stats.written)),
        failed: Math.max(...logs.map((l) => l.stats.failed)),
      };
    },
  };
}
