// The prediction server of an exported Docker context: loads the model package next to it and serves it
// with server.ts — no workspace, no DuckDB. Prediction logs and events go to stdout as JSON lines.
//
// Environment: PORT (default 8080), HOST (default 0.0.0.0), MODEL_DIR (default ./model beside this
// file), MAX_BATCH (default 1000), API_KEYS_FILE (optional JSON array of {name, sha256, models?, rateLimit?}:
// when set, every predict request needs one of those keys).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashKey, keyAuth } from './keys';
import { createPredictionLog, jsonLinesSink } from './prediction-log';
import { loadPredictor } from './predictor';
import { startPredictServer } from './server';

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

async function main(): Promise<void> {
  const dir = process.env.MODEL_DIR ?? join(__dirname, 'model');
  const predictor = await loadPredictor(dir);
  const log = createPredictionLog(jsonLinesSink((lines) => process.stdout.write(lines)));
  const server = await startPredictServer({
    models: [{ name: predictor.meta.model, champion: predictor }],
    port: Number(process.env.PORT ?? 8080),
    host: process.env.HOST ?? '0.0.0.0',
    maxBatch: Number(process.env.MAX_BATCH ?? 1000),
    auth: keysFrom(process.env.API_KEYS_FILE),
    log,
    serverVersion: `${predictor.meta.model}@${predictor.meta.version}`,
  });
  event('listening', {
    url: server.url,
    model: predictor.meta.model,
    version: predictor.meta.version,
  });
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
