// The monitoring loop on real data: flights of 2001 (vega-datasets' flights-3m.parquet, every 60th row).
// A model of late departures trained on January to March scores April to June in monthly batches; May and
// June are a shifted copy (distances scaled, delays inflated at three hubs). Drift flags the shifted
// feature only, an alert rule fires to a local webhook and retrains the model on the new rows, the
// challenger is promoted through the gates, and when the new champion's served requests fail an
// error-rate rule rolls it back to the first champion.
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../main/services';
import { trainRegistered } from '../../helpers/runs';
import { contractClient } from '../../helpers/services';
import { REPO, tempDir } from '../../helpers/workspace';

const FLIGHTS = join(REPO, 'node_modules', 'vega-datasets', 'data', 'flights-3m.parquet');
const HUBS = "('ORD', 'DFW', 'ATL')";

const t = tempDir('lathe-flights-');
let services: Services;
const { call } = contractClient(() => services);
const file = (name: string) => join(t.dir, name);

let hook: Server;
const received: string[] = [];

/** Writes the sample: training rows (Jan–Mar), and per later month its inputs (with an id) and labels. */
async function writeFiles(): Promise<void> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    await c.run(`CREATE TABLE f AS SELECT 'f' || file_row_number AS id, month(date) AS month,
        hour(date) AS hour, origin, distance::DOUBLE AS distance, delay
      FROM read_parquet('${FLIGHTS}', file_row_number = true)
      WHERE file_row_number % 60 = 0 AND delay IS NOT NULL`);
    // May and June are shifted: distances scaled by 1.6, delays 10 minutes longer at three hubs.
    await c.run(`CREATE TABLE later AS SELECT id, month, hour, origin,
        CASE WHEN month >= 5 THEN distance * 1.6 ELSE distance END AS distance,
        (delay + CASE WHEN month >= 5 AND origin IN ${HUBS} THEN 10 ELSE 0 END) > 15 AS late
      FROM f WHERE month BETWEEN 4 AND 6`);
    await c.run(`COPY (SELECT distance, origin, hour, delay > 15 AS late FROM f WHERE month <= 3 ORDER BY id)
      TO '${file('q1.parquet')}' (FORMAT parquet)`);
    await c.run(`COPY (SELECT distance, origin, hour, late FROM later ORDER BY month, id)
      TO '${file('q2.parquet')}' (FORMAT parquet)`);
    for (const m of [4, 5, 6]) {
      await c.run(`COPY (SELECT id, distance, origin, hour FROM later WHERE month = ${m} ORDER BY id)
        TO '${file(`inputs-${m}.parquet`)}' (FORMAT parquet)`);
      await c.run(`COPY (SELECT id, late FROM later WHERE month = ${m} ORDER BY id)
        TO '${file(`labels-${m}.parquet`)}' (FORMAT parquet)`);
    }
  } finally {
    c.closeSync();
  }
}

beforeAll(async () => {
  await writeFiles();
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push(body);
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
});
afterAll(async () => {
  await services?.close();
  hook?.close();
  t.remove();
});

describe('flights 2001: capture, drift, alert, retraining, rollback', () => {
  it('retrains and promotes through the gates when the shifted months drift; a failing champion is rolled back', async () => {
    await call('data:importQuery', {
      name: 'flights',
      sql: `SELECT * FROM read_parquet('${file('q1.parquet')}')`,
    });
    const v1 = await trainRegistered(
      call,
      {
        dataset: 'flights',
        target: 'late',
        task: 'binary',
        features: ['distance', 'origin', 'hour'],
        model: { type: 'linear' },
        training: { epochs: 3, batchSize: 256, learningRate: 0.01 },
        split: { testFraction: 0.2 },
        seed: 7,
      },
      'delays',
    );
    await call('models:alias', { ref: `delays@${v1.version}`, alias: 'champion' });
    // Promotions need the challenger not to be significantly worse than the champion on the same rows.
    await call('gates:set', { project: 'Default', policy: { champion: { test: 'mcnemar' } } });

    // April to June, one batch a month, every row captured with its id; labels arrive later.
    const batches: Record<number, string> = {};
    for (const m of [4, 5, 6]) {
      const b = await call('predict:batch', {
        model: 'delays@champion',
        input: file(`inputs-${m}.parquet`),
        output: file(`scores-${m}.csv`),
        idColumn: 'id',
      });
      expect(b.rows).toBeGreaterThan(5000);
      batches[m] = b.id;
      const labels = await call('monitor:actuals', {
        model: 'delays',
        file: file(`labels-${m}.parquet`),
        idColumn: 'id',
        targetColumn: 'late',
      });
      expect(labels.matched).toBe(b.rows);
    }

    // April is as the training months were; May is shifted: distance drifts, origin and hour do not.
    const april = await call('monitor:drift', { ref: 'delays@champion', batch: batches[4] });
    expect(april.features.filter((f) => f.drifted)).toEqual([]);
    const may = await call('monitor:drift', { ref: 'delays@champion', batch: batches[5] });
    const drifted = Object.fromEntries(may.features.map((f) => [f.feature, f.drifted]));
    expect(drifted).toEqual({ distance: true, origin: false, hour: false });

    // The labelled shifted months become the dataset's next version; the alert retrains on it.
    await call('data:importQuery', {
      name: 'flights',
      sql: `SELECT * FROM read_parquet('${file('q2.parquet')}')`,
    });
    const check = await call('monitor:check', {
      rules: {
        rules: [
          {
            name: 'flights-moved',
            model: 'delays',
            signal: 'drift_share',
            above: 0.3,
            window: '1d',
            severity: 'critical',
            webhook: `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook`,
            action: 'retrain',
          },
        ],
      },
    });
    expect(check.results.find((r) => r.rule === 'flights-moved')?.fired).toBe(true);
    const [alert] = check.fired;
    expect(alert!.deliveries.find((d) => d.channel === 'webhook')).toMatchObject({ ok: true });
    expect(received.some((b) => b.includes('flights-moved'))).toBe(true);

    const [retraining] = await call('retrain:list', { model: 'delays' });
    expect(retraining).toMatchObject({
      trigger: 'alert',
      status: 'registered',
      championVersion: 1,
    });
    expect(retraining!.reason).toMatch(/flights-moved/);
    expect(retraining!.steps[0]!.message).toMatch(/^new data flights@2 /);
    expect(retraining!.steps.find((s) => s.step === 'gates')).toMatchObject({ status: 'ok' });
    const challenger = retraining!.challengerVersion!;
    expect((await call('models:version', { ref: 'delays@challenger' })).version).toBe(challenger);

    // Promotion is gated: it passes on the challenger's evaluation (the champion's held-out rows).
    await call('models:alias', { ref: 'delays@challenger', alias: 'champion', reason: 'drifted' });
    expect((await call('models:version', { ref: 'delays@champion' })).version).toBe(challenger);

    // The new champion is served and most requests fail: an error-rate rule rolls it back.
    const server = await call('serve:start', { ref: 'delays@champion', port: 0 });
    const predict = (body: string) =>
      fetch(`${server.url}/v1/models/delays/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      }).then((r) => r.status);
    const good = JSON.stringify({ records: [{ distance: 700, origin: 'ORD', hour: 9 }] });
    const statuses = [];
    for (let i = 0; i < 12; i++) statuses.push(await predict(i < 4 ? good : '{"records": [{}'));
    expect(statuses.filter((x) => x === 200)).toHaveLength(4);
    await call('serve:stop', { id: server.id });
    const failing = await call('monitor:check', {
      rules: {
        rules: [
          {
            name: 'champion-failing',
            model: 'delays',
            signal: 'error_rate',
            above: 0.5,
            window: '1d',
            action: 'rollback',
          },
        ],
      },
    });
    expect(failing.results[0]).toMatchObject({ fired: true, value: 8 / 12 });
    expect(failing.fired[0]!.message).toMatch(`from version ${challenger} to 1`);
    expect((await call('models:version', { ref: 'delays@champion' })).version).toBe(1);
    const last = (await call('models:history', { name: 'delays' })).entries.at(-1)!;
    expect(last.details).toMatchObject({
      alias: 'champion',
      from: challenger,
      to: 1,
      rollback: true,
    });
    expect(last.reason).toMatch(/^rollback: alert 'champion-failing'/);
  });
});
