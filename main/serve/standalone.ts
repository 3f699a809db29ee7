// The prediction server of an exported Docker context: loads the model package next to it and serves it
// with server.ts — no workspace, no DuckDB. Prediction logs and events go to stdout as JSON lines; with
// LATHE_LOG_DIR the captured records also go to rotated segment files there (capture-segments.ts) for
// `lathe monitor ingest`; each finished minute's service health is printed as a `health` line (and
// written as a health segment there).
//
// Environment: PORT (default 8080), HOST (default 0.0.0.0), MODEL_DIR (default ./model beside this
// file), MAX_BATCH (default 1000), API_KEYS_FILE (optional JSON array of {name, sha256, models?, rateLimit?}:
// when set, every predict request needs one of those keys), LATHE_LOG_DIR (a mounted folder for
// segments), LATHE_LOG_ROTATE_ROWS (default 100000), LATHE_LOG_ROTATE_MB (default 64),
// LATHE_LOG_ROTATE_SECONDS (default 300), and the timeouts that close slow or non-reading clients' connections,
// as `lathe serve` reads them (server.ts TIMEOUT_ENV): LATHE_SERVE_HEADERS_TIMEOUT_MS (default 10000),
// LATHE_SERVE_REQUEST_TIMEOUT_MS (30000), LATHE_SERVE_BODY_TIMEOUT_MS (10000), LATHE_SERVE_WRITE_TIMEOUT_MS
// (30000), LATHE_SERVE_KEEP_ALIVE_TIMEOUT_MS (5000). A bad value stops the server before it loads the model.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureColumnsOf, createHealthAggregator } from './capture-format';
import { segmentSink } from './capture-segments';
import { hashKey, keyAuth } from './keys';
import { createPredictionLog, jsonLinesSink, teeLogs } from './prediction-log';
import { loadPredictor } from './predictor';
import { resolveTimeouts, startPredictServer } from './server';

const event = (type: string, fields: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ type, at: new Date().toISOString(), ...fields })}\n`);

function keysFrom(file: string | undefined) {
  if (!file) return undefined;
  const list = JSON.parse(readFileSync(file, 'utf8')) as {
    name: string;
    sha256?: string;
    key?: string;
    models?: string[];
    rateLimit?: number;
  }[];
  return keyAuth(
    list.map((k, i) => ({
      id: `k${i}`,
      name: k.name,
      hash: k.sha256 ?? hashKey(k.key ?? ''),
      models: k.models ?? null,
      rateLimit: k.rateLimit ?? null,
    })),
    true,
  );
}

/** A positive number from the environment, or `fallback` when unset; anything else stops the server. */
function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!(n > 0)) throw new Error(`${name}=${raw}: expected a positive number`);
  return n;
}

async function main(): Promise<void> {
  const timeouts = resolveTimeouts({}, process.env);
  const maxBatch = positive('MAX_BATCH', 1000);
  const dir = process.env.MODEL_DIR ?? join(__dirname, 'model');
  const predictor = await loadPredictor(dir);
  const { model, version } = predictor.meta;
  const stdoutLog = createPredictionLog(jsonLinesSink((lines) => process.stdout.write(lines)));
  const logDir = process.env.LATHE_LOG_DIR;
  const segments = logDir
    ? segmentSink({
        dir: logDir,
        model,
        version,
        columns: captureColumnsOf(predictor.meta.signature),
        maxRows: positive('LATHE_LOG_ROTATE_ROWS', 100_000),
        maxBytes: positive('LATHE_LOG_ROTATE_MB', 64) * 1024 * 1024,
        maxAgeMs: positive('LATHE_LOG_ROTATE_SECONDS', 300) * 1000,
      })
    : null;
  const log = segments
    ? teeLogs(
        stdoutLog,
        // Larger, rarer writes: the file system is slower than stdout's pipe.
        createPredictionLog(segments, { flushMs: 1000, maxRows: 1000 }),
      )
    : stdoutLog;
  // Health of each finished minute: printed, and written as a health segment beside the records.
  const health = createHealthAggregator();
  const writeHealth = async (all: boolean) => {
    const rows = health.drain(all);
    for (const h of rows) event('health', { ...h, minute: new Date(h.minute).toISOString() });
    await segments?.writeHealth(rows);
  };
  const healthTimer = setInterval(
    () =>
      void writeHealth(false).catch((err: unknown) =>
        event('error', { error: `health not written: ${(err as Error).message}` }),
      ),
    10_000,
  );
  healthTimer.unref();
  const server = await startPredictServer({
    models: [{ name: predictor.meta.model, champion: predictor }],
    port: Number(process.env.PORT ?? 8080),
    host: process.env.HOST ?? '0.0.0.0',
    maxBatch,
    timeouts,
    auth: keysFrom(process.env.API_KEYS_FILE),
    log,
    health: {
      record: (...args) => health.record(...args),
      close: () => {
        clearInterval(healthTimer);
        return writeHealth(true);
      },
    },
    serverVersion: `${predictor.meta.model}@${predictor.meta.version}`,
  });
  event('listening', { url: server.url, model, version, ...(logDir ? { logDir } : {}) });
  const stop = (signal: string) => {
    event('shutdown', { signal });
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  event('fatal', { error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
