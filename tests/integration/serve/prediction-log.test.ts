// The prediction log into the typed capture tables of a real DuckDB workspace, and to JSON lines: every
// record lands once, typed, in its version's table with its role, however the batches fall; each
// version's capture source counts its rows.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ModelSignature, ModelVersion } from '../../../shared/contract';
import {
  captureSink,
  captureTableOf,
  captureTargets,
  SOURCE_SYNC_MS,
  type CaptureTarget,
} from '../../../main/serve/capture';
import {
  createPredictionLog,
  encodePredictionRow,
  jsonLinesSink,
  type PredictionLogRow,
} from '../../../main/serve/prediction-log';
import { ident, openDatabase, type Database } from '../../../main/workspace/db';
import { migrate } from '../../../main/workspace/migrations';

let db: Database;
beforeEach(async () => {
  db = await openDatabase(':memory:');
  await migrate(db);
});
afterEach(() => db.close());

type Version = Pick<ModelVersion, 'id' | 'model' | 'version' | 'signature'>;
const inputs: ModelSignature['inputs'] = [
  { name: 'x', type: 'DOUBLE', kind: 'numeric' },
  { name: 's', type: 'VARCHAR', kind: 'categorical' },
  { name: 'b', type: 'BOOLEAN', kind: 'boolean' },
  { name: 'when', type: 'TIMESTAMP', kind: 'datetime' },
];
const binary: Version = {
  id: 'id-m-1',
  model: 'm',
  version: 1,
  signature: { inputs, output: { task: 'binary', target: 'y', classes: ['no', 'yes'] } },
};
const regression: Version = {
  id: 'id-m-2',
  model: 'm',
  version: 2,
  signature: { inputs, output: { task: 'regression', target: 'y' } },
};
const multiclass: Version = {
  id: 'id-m-3',
  model: 'm',
  version: 3,
  signature: { inputs, output: { task: 'multiclass', target: 'y', classes: ['a', 'b', 'c'] } },
};

const row = (i: number, extra: Partial<PredictionLogRow> = {}): PredictionLogRow => ({
  at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, i % 1000)).toISOString(),
  model: 'm',
  version: 1,
  requestId: `r-${i}`,
  role: 'champion',
  features: [{ x: i, s: `v${i}`, b: i % 2 === 0, when: '2026-01-02 03:04:05', extra: 'dropped' }],
  predictions: [{ prediction: i % 2 ? 'yes' : 'no', probabilities: { no: 0.25, yes: 0.75 } }],
  latencyMs: i / 1000,
  ...extra,
});

interface Captured {
  [k: string]: unknown;
  _at: string;
  _row_id: string;
  _source: string;
  _role: string;
  _latency_ms: number | null;
  x: number | null;
  s: string | null;
  b: boolean | null;
  when: string | null;
  _prediction: string | null;
  _score: number | null;
  _probabilities: number[] | null;
}
const captured = async (v: Version): Promise<Captured[]> => {
  const t = (await captureTableOf(db, v.id))!;
  return db.all<Captured>(
    `SELECT strftime(_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS _at, _row_id, _source, _role, _latency_ms, x, s, b,
      strftime("when", '%Y-%m-%d %H:%M:%S') AS "when", _prediction, _score, _probabilities
     FROM ${ident(t.table)} ORDER BY _latency_ms, _row_id`,
  );
};
const sourceRows = async (t: CaptureTarget) =>
  Number(
    (await db.one<{ n: number }>('SELECT "rows" AS n FROM capture_sources WHERE id = ?', [
      t.source,
    ]))!.n,
  );

describe('prediction log into capture tables', () => {
  it('writes every record typed across size-triggered and final flushes, and counts them', async () => {
    const targets = await captureTargets(db, [binary], 'http://127.0.0.1:1');
    const log = createPredictionLog(captureSink(db, targets), { flushMs: 60_000, maxRows: 100 });
    const rows = Array.from({ length: 250 }, (_, i) => row(i));
    for (const r of rows) log.push(r);
    await log.close();
    expect(log.stats).toEqual({ written: 250, failed: 0 });
    const got = await captured(binary);
    expect(got).toHaveLength(250);
    got.forEach((g, i) => {
      const r = rows[i]!;
      expect(g).toEqual({
        _at: r.at,
        _row_id: r.requestId,
        _source: targets[0]!.source,
        _role: 'champion',
        _latency_ms: r.latencyMs,
        x: i,
        s: `v${i}`,
        b: i % 2 === 0,
        when: '2026-01-02 03:04:05',
        _prediction: r.predictions[0]!.prediction,
        // binary: the probability of classes[1]
        _score: 0.75,
        _probabilities: [0.25, 0.75],
      });
    });
    expect(await sourceRows(targets[0]!)).toBe(250);
  });

  it('captures one row per record of a multi-record request, ids <requestId>/<i>, nulls as NULL', async () => {
    const targets = await captureTargets(db, [binary], 'test');
    const log = createPredictionLog(captureSink(db, targets));
    log.push(
      row(7, {
        features: [
          { x: 1.5, s: 'a', b: true, when: null },
          { x: null, s: null, b: null, when: '2026-03-04T05:06:07Z' },
          { x: -2, s: 3, b: 0, when: 'not a time' },
        ],
        predictions: [
          { prediction: 'no', probabilities: { no: 0.9, yes: 0.1 } },
          { prediction: 'yes', probabilities: { no: 0.2, yes: 0.8 } },
          { prediction: 'no', probabilities: { no: 0.6, yes: 0.4 } },
        ],
      }),
    );
    await log.close();
    const got = await captured(binary);
    expect(got.map((g) => [g._row_id, g.x, g.s, g.b, g.when, g._prediction, g._score])).toEqual([
      ['r-7/0', 1.5, 'a', true, null, 'no', 0.1],
      ['r-7/1', null, null, null, '2026-03-04 05:06:07', 'yes', 0.8],
      ['r-7/2', -2, '3', false, null, 'no', 0.4],
    ]);
    expect(await sourceRows(targets[0]!)).toBe(3);
  });

  it('puts canary and shadow rows in their own version tables with their roles', async () => {
    const targets = await captureTargets(db, [binary, multiclass, regression], 'test');
    const log = createPredictionLog(captureSink(db, targets), { flushMs: 60_000 });
    log.push(row(1));
    log.push(
      row(2, {
        version: 3,
        role: 'canary',
        predictions: [{ prediction: 'b', probabilities: { a: 0.1, b: 0.7, c: 0.2 } }],
      }),
    );
    log.push(row(3, { version: 2, role: 'shadow', predictions: [{ prediction: 21.5 }] }));
    log.push(row(4, { version: 9 })); // a version the server does not serve: not captured
    await log.close();
    const [b, m, r] = await Promise.all([binary, multiclass, regression].map(captured));
    expect(b!.map((g) => [g._row_id, g._role])).toEqual([['r-1', 'champion']]);
    expect(m!.map((g) => [g._row_id, g._role, g._prediction, g._score, g._probabilities])).toEqual([
      ['r-2', 'canary', 'b', 0.7, [0.1, 0.7, 0.2]],
    ]);
    expect(r!.map((g) => [g._row_id, g._role, g._prediction, g._score, g._probabilities])).toEqual([
      ['r-3', 'shadow', '21.5', 21.5, null],
    ]);
    expect(await Promise.all(targets.map(sourceRows))).toEqual([1, 1, 1]);
    const tables = await db.all<{ version: number; columns: string }>(
      'SELECT version, columns::VARCHAR AS columns FROM capture_tables ORDER BY version',
    );
    expect(
      tables.map((t) => [Number(t.version), (JSON.parse(t.columns) as { task: string }).task]),
    ).toEqual([
      [1, 'binary'],
      [2, 'regression'],
      [3, 'multiclass'],
    ]);
  });

  it('keeps quotes, backslashes, tabs, newlines and non-ASCII text intact', async () => {
    const targets = await captureTargets(db, [binary], 'test');
    const log = createPredictionLog(captureSink(db, targets));
    const odd = `it's "quoted" \\ back\nslash,\ttab, ☃ 😀 end`;
    log.push(row(1, { requestId: 'a:b.c-d', features: [{ x: 1, s: odd, b: true, when: null }] }));
    log.push(
      row(2, {
        predictions: [{ prediction: odd, probabilities: { no: 0.5, yes: 0.5 } }],
      }),
    );
    await log.close();
    const got = await captured(binary);
    expect(got[0]!.s).toBe(odd);
    expect(got[0]!._row_id).toBe('a:b.c-d');
    expect(got[1]!._prediction).toBe(odd);
  });

  it('grows its buffer for rows larger than it, keeping every byte', async () => {
    const targets = await captureTargets(db, [binary], 'test');
    const log = createPredictionLog(captureSink(db, targets), { flushMs: 60_000, maxRows: 3 });
    const big = '☃x'.repeat(100_000);
    const rows = [row(1), row(2, { features: [{ x: 2, s: big }] }), row(3), row(4), row(5)];
    for (const r of rows) log.push(r);
    await log.close();
    const got = await captured(binary);
    expect(got.map((g) => g._row_id)).toEqual(rows.map((r) => r.requestId));
    expect(got[1]!.s).toBe(big);
  });

  it('counts a batch the table refuses as failed (rows and count unchanged) and keeps logging later ones', async () => {
    const targets = await captureTargets(db, [binary], 'test');
    const table = ident(targets[0]!.table.table);
    const log = createPredictionLog(captureSink(db, targets), { flushMs: 60_000, maxRows: 1000 });
    await db.run(`ALTER TABLE ${table} RENAME TO away`);
    log.push(row(1));
    log.push(row(2));
    await log.flush();
    await db.run(`ALTER TABLE away RENAME TO ${table}`);
    log.push(row(3));
    await log.close();
    expect(log.stats).toEqual({ written: 1, failed: 2 });
    expect((await captured(binary)).map((g) => g._row_id)).toEqual(['r-3']);
    expect(await sourceRows(targets[0]!)).toBe(1);
  });

  it('brings the source count up to date at most every SOURCE_SYNC_MS while running, and on close', async () => {
    let clock = 0;
    const targets = await captureTargets(db, [binary], 'test');
    const sink = captureSink(db, targets, { now: () => clock });
    const log = createPredictionLog(sink, { flushMs: 60_000 });
    log.push(row(1));
    await log.flush();
    expect(await sourceRows(targets[0]!)).toBe(0);
    expect(await captured(binary)).toHaveLength(1);
    clock = SOURCE_SYNC_MS;
    log.push(row(2));
    await log.flush();
    expect(await sourceRows(targets[0]!)).toBe(2);
    log.push(row(3));
    await log.flush();
    expect(await sourceRows(targets[0]!)).toBe(2);
    await log.close();
    expect(await sourceRows(targets[0]!)).toBe(3);
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
