// The prediction log into a real DuckDB workspace table (the migrations' prediction_log) and to JSON
// lines: every row lands once, with its features and predictions as sent, however the batches fall.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createPredictionLog,
  encodePredictionRow,
  jsonLinesSink,
  workspaceSink,
  type PredictionLogRow,
} from '../../../main/serve/prediction-log';
import { openDatabase, type Database } from '../../../main/workspace/db';
import { migrate } from '../../../main/workspace/migrations';

let db: Database;
beforeEach(async () => {
  db = await openDatabase(':memory:');
  await migrate(db);
});
afterEach(() => db.close());

const row = (i: number, extra: Partial<PredictionLogRow> = {}): PredictionLogRow => ({
  at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, i % 1000)).toISOString(),
  model: 'm',
  version: 1 + (i % 3),
  requestId: `r-${i}`,
  role: i % 2 ? 'champion' : 'shadow',
  features: [{ x: i, s: `v${i}`, none: null }],
  predictions: [{ prediction: i / 7, probabilities: { a: 0.25, b: 0.75 } }],
  latencyMs: i / 1000,
  ...extra,
});

interface Stored {
  [k: string]: unknown;
  id: string;
  at: string;
  model: string;
  version: number;
  request_id: string;
  features: string;
  prediction: string;
  latency_ms: number;
}
const stored = () =>
  db.all<Stored>(
    `SELECT id, strftime("at", '%Y-%m-%dT%H:%M:%S.%gZ') AS "at", model, version, request_id,
      features::VARCHAR AS features, prediction::VARCHAR AS prediction, latency_ms
     FROM prediction_log ORDER BY latency_ms`,
  );

describe('prediction log', () => {
  it('writes every row into prediction_log across size-triggered and final flushes', async () => {
    const log = createPredictionLog(workspaceSink(db), { flushMs: 60_000, maxRows: 100 });
    const rows = Array.from({ length: 250 }, (_, i) => row(i));
    for (const r of rows) log.push(r);
    await log.close();
    expect(log.stats).toEqual({ written: 250, failed: 0 });
    const got = await stored();
    expect(got).toHaveLength(250);
    expect(new Set(got.map((g) => g.id)).size).toBe(250);
    got.forEach((g, i) => {
      const r = rows[i]!;
      expect([g.at, g.model, Number(g.version), g.request_id, g.latency_ms]).toEqual([
        r.at,
        r.model,
        r.version,
        r.requestId,
        r.latencyMs,
      ]);
      expect(JSON.parse(g.features)).toEqual(r.features);
      expect(JSON.parse(g.prediction)).toEqual({ role: r.role, predictions: r.predictions });
    });
  });

  it('keeps quotes, backslashes, newlines and non-ASCII text in features and names intact', async () => {
    const log = createPredictionLog(workspaceSink(db));
    const odd = `it's "quoted" \\ back\nslash,\ttab, ☃ 😀 \u0000 end`;
    log.push(row(1, { model: `m'"☃`, requestId: 'a:b.c-d', features: [{ s: odd, [odd]: 1 }] }));
    await log.close();
    const [g] = await stored();
    expect(g!.model).toBe(`m'"☃`);
    expect(JSON.parse(g!.features)).toEqual([{ s: odd, [odd]: 1 }]);
  });

  it('grows its buffer for rows larger than it, keeping every byte', async () => {
    const log = createPredictionLog(workspaceSink(db), { flushMs: 60_000, maxRows: 3 });
    const big = '☃x'.repeat(100_000);
    const rows = [row(1), row(2, { features: [{ s: big }] }), row(3), row(4), row(5)];
    for (const r of rows) log.push(r);
    await log.close();
    const got = await stored();
    expect(got.map((g) => g.request_id)).toEqual(rows.map((r) => r.requestId));
    expect((JSON.parse(got[1]!.features) as { s: string }[])[0]!.s).toBe(big);
  });

  it('counts a batch the table refuses as failed and keeps logging later ones', async () => {
    const log = createPredictionLog(workspaceSink(db), { flushMs: 60_000, maxRows: 1000 });
    log.push(row(1));
    log.push(row(2, { model: null as unknown as string })); // model is NOT NULL
    await log.flush();
    log.push(row(3));
    await log.close();
    expect(log.stats).toEqual({ written: 1, failed: 2 });
    expect((await stored()).map((g) => g.request_id)).toEqual(['r-3']);
  });

  it('encodes a row as the JSON line the standalone server prints, one write per batch', async () => {
    const r = row(5);
    expect(encodePredictionRow(r)).toBe(JSON.stringify({ type: 'prediction', ...r }));
    const writes: Buffer[] = [];
    const log = createPredictionLog(
      jsonLinesSink((b) => writes.push(Buffer.from(b))),
      { flushMs: 60_000 },
    );
    log.push(r);
    log.push(row(6, { model: 'm☃' }));
    await log.close();
    expect(writes).toHaveLength(1);
    expect(writes[0]!.toString('utf8').split('\n')).toEqual([
      encodePredictionRow(r),
      encodePredictionRow(row(6, { model: 'm☃' })),
      '',
    ]);
  });
});
