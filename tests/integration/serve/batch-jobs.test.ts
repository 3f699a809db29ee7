// Issue 12: batch jobs listed per model/version (predict:batches, `lathe predict list`), input columns
// passed through (--keep), an existing output refused unless overwriting, classes answered in the target's
// own type (0/1 → numbers), and a server started on an alias that follows it on restart.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../main/services';
import { initBackend } from '../../../main/train/backend';
import { literal } from '../../../main/workspace/db';
import { latheVersion } from '../../../main/version';
import { createEngine, type Engine } from '../../../main/data/engine';
import { lathe } from '../../helpers/cli';
import { rowsOf as readRows } from './rows';
import { trainRegistered } from '../../helpers/runs';
import { contractClient } from '../../helpers/services';
import { tempDir } from '../../helpers/workspace';

const t = tempDir('lathe-batch-jobs-');
const W = join(t.dir, 'ws');
const CSV = join(t.dir, 'churn.csv');
let services: Services | undefined;
let engine: Engine;
const { call, failure } = contractClient(() => services!);

/** 200 customers; churned (0/1 integers) follows usage, so the classes are the integers 0 and 1. */
function writeChurn() {
  const lines = ['customer,usage,plan,churned'];
  for (let i = 0; i < 200; i++) {
    const usage = (i * 37) % 100;
    lines.push(`c${i},${usage},${i % 3 === 0 ? 'basic' : 'pro'},${usage < 50 ? 1 : 0}`);
  }
  writeFileSync(CSV, lines.join('\n') + '\n');
}

const config = (seed: number) => ({
  dataset: 'churn',
  target: 'churned',
  task: 'binary' as const,
  features: ['usage', 'plan'],
  model: { type: 'linear' as const },
  training: { epochs: 3, batchSize: 32, learningRate: 0.05, validationFraction: 0.25 },
  seed,
});

/** Every row of a file as records (DuckDB reads it as the batch job does). */
const rowsOf = (file: string) => readRows(engine, file);

beforeAll(async () => {
  await initBackend('cpu');
  writeChurn();
  engine = await createEngine();
  services = await createServices({ workspaceDir: W, validateOutput: true });
  await call('data:import', { path: CSV, name: 'churn' });
  await trainRegistered(call, config(1), 'churn');
  await trainRegistered(call, config(2), 'churn');
  await call('models:alias', { ref: 'churn@1', alias: 'live' });
}, 300_000);

afterAll(async () => {
  await services?.close().catch(() => undefined);
  engine?.close();
  t.remove();
});

describe('batch output', () => {
  it('passes named input columns through beside the prediction, and answers 0/1 classes as numbers', async () => {
    const output = join(t.dir, 'kept.parquet');
    const r = await call('predict:batch', {
      model: 'churn@1',
      input: CSV,
      output,
      passthrough: ['customer', 'plan'],
    });
    expect(r.columns).toEqual([
      'row',
      'customer',
      'plan',
      'prediction',
      'probability_0',
      'probability_1',
    ]);
    const rows = await rowsOf(output);
    expect(rows).toHaveLength(200);
    expect(rows[3]).toMatchObject({ row: 3, customer: 'c3', plan: 'basic' });
    expect(rows.every((row) => row.prediction === 0 || row.prediction === 1)).toBe(true);
    const types = await engine.all(`DESCRIBE SELECT * FROM read_parquet(${literal(output)})`);
    expect(types.find((c) => c.column_name === 'prediction')!.column_type).toBe('BIGINT');

    const csvOut = join(t.dir, 'kept.csv');
    await call('predict:batch', {
      model: 'churn@1',
      input: CSV,
      output: csvOut,
      passthrough: ['customer'],
    });
    const lines = readFileSync(csvOut, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('row,customer,prediction,probability_0,probability_1');
    expect(lines[6]).toMatch(/^5,c5,[01],/);
  });

  it('refuses a passthrough column the input lacks or one that clashes, naming it', async () => {
    const output = join(t.dir, 'never.csv');
    const missing = await failure('predict:batch', {
      model: 'churn@1',
      input: CSV,
      output,
      passthrough: ['email'],
    });
    expect(missing.message).toMatch(/no column 'email' to keep/);
    const clash = await failure('predict:batch', {
      model: 'churn@1',
      input: CSV,
      output,
      idColumn: 'customer',
      passthrough: ['customer'],
    });
    expect(clash.message).toMatch(/'customer' would appear twice/);
  });

  it('refuses an existing output unless overwrite is set, recording nothing', async () => {
    const output = join(t.dir, 'scores.csv');
    writeFileSync(output, 'precious\n');
    const before = (await call('predict:batches', { ref: 'churn' })).length;
    const refused = await failure('predict:batch', { model: 'churn@1', input: CSV, output });
    expect(refused.code).toBe('INVALID_INPUT');
    expect(refused.message).toMatch(/scores\.csv already exists/);
    expect(readFileSync(output, 'utf8')).toBe('precious\n');
    expect(await call('predict:batches', { ref: 'churn' })).toHaveLength(before);

    await call('predict:batch', { model: 'churn@1', input: CSV, output, overwrite: true });
    expect(readFileSync(output, 'utf8').split('\n')[0]).toBe(
      'row,prediction,probability_0,probability_1',
    );
  });

  it('writes over an existing empty output: it holds nothing to lose', async () => {
    const output = join(t.dir, 'empty-scores.csv');
    writeFileSync(output, '');
    await call('predict:batch', { model: 'churn@1', input: CSV, output });
    expect(readFileSync(output, 'utf8').split('\n')[0]).toBe(
      'row,prediction,probability_0,probability_1',
    );
  });
});

describe('predict:batches', () => {
  it('lists a model’s batches newest first, or one version’s, with rows, duration and capture rate', async () => {
    await call('predict:batch', {
      model: 'churn@2',
      input: CSV,
      output: join(t.dir, 'v2.csv'),
      capture: 0.5,
    });
    const all = await call('predict:batches', { ref: 'churn' });
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(all[0]).toMatchObject({
      version: 2,
      input: CSV,
      output: join(t.dir, 'v2.csv'),
      rows: 200,
      captureRate: 0.5,
    });
    expect(all.map((b) => b.at)).toEqual([...all.map((b) => b.at)].sort().reverse());
    const v1 = await call('predict:batches', { ref: 'churn@live' });
    expect(v1.length).toBeGreaterThan(0);
    expect(v1.every((b) => b.version === 1)).toBe(true);
    expect((await failure('predict:batches', { ref: 'nosuch@1' })).code).toBe('NOT_FOUND');
    expect((await failure('predict:batches', { ref: 'nosuch' })).message).toMatch(/nosuch/);
  });
});

describe('serving', () => {
  it('answers a 0/1 target with the class as a number, and the OpenAPI schema says integer', async () => {
    const s = await call('serve:start', { ref: 'churn@1', port: 0 });
    try {
      const res = await fetch(`${s.url}/v1/models/churn/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ usage: 10, plan: 'pro' }),
      });
      const body = (await res.json()) as {
        prediction: unknown;
        predictions: { probabilities: object }[];
      };
      expect(res.status).toBe(200);
      expect(typeof body.prediction).toBe('number');
      expect(Object.keys(body.predictions[0]!.probabilities)).toEqual(['0', '1']);
      const doc = JSON.stringify(await (await fetch(`${s.url}/openapi.json`)).json());
      expect(doc).toContain('"prediction":{"type":"integer","enum":[0,1]}');

      // The Deploy view's request panel posts through serve:try and gets the server's own answer.
      const tried = await call('serve:try', { id: s.id, body: { usage: 10, plan: 'pro' } });
      expect(tried).toMatchObject({
        url: `${s.url}/v1/models/churn/predict`,
        status: 200,
        body: { model: 'churn', version: 1, prediction: body.prediction },
      });
      const bad = await call('serve:try', { id: s.id, body: { usage: 'lots', plan: 'pro' } });
      expect(bad.status).toBe(422);
      expect(JSON.stringify(bad.body)).toContain('usage');
    } finally {
      await call('serve:stop', { id: s.id });
    }
  });

  it('a server on an alias keeps its version, flags the moved alias, and follows it on restart', async () => {
    const s = await call('serve:start', { ref: 'churn@live', port: 0 });
    expect(s).toMatchObject({ ref: 'churn@live', version: 1 });
    const listed = () => call('serve:list', {}).then((l) => l.find((x) => x.ref === 'churn@live')!);
    expect((await listed()).refNow).toBeUndefined();

    await call('models:alias', { ref: 'churn@2', alias: 'live' });
    const moved = await listed();
    expect(moved).toMatchObject({ id: s.id, version: 1, refNow: 2 });

    const restarted = await call('serve:restart', { id: s.id });
    expect(restarted).toMatchObject({ ref: 'churn@live', version: 2, url: s.url });
    const after = await call('serve:list', {});
    expect(after.some((x) => x.id === s.id)).toBe(false);
    expect(after.find((x) => x.id === restarted.id)!.refNow).toBeUndefined();
    await call('serve:stop', { id: restarted.id });
    expect((await failure('serve:restart', { id: s.id })).code).toBe('NOT_FOUND');
  });
});

describe('the CLI', () => {
  // Last: the CLI opens the workspace itself once the services here have closed it.
  it('lathe predict list prints the batches (--json: the records); an existing output needs --overwrite', async () => {
    await services!.close();
    services = undefined;
    const human = lathe(['predict', 'list', 'churn@2', '--workspace', W]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/v2.*v2\.csv.*200.*50%/);
    const json = lathe(['predict', 'list', 'churn', '--json', '--workspace', W]);
    expect(json.code, json.stderr).toBe(0);
    expect((json.json as { version: number }[]).length).toBeGreaterThanOrEqual(3);
    // Each line starts with enough of the batch's id for monitor drift --batch.
    const ids = lathe(['predict', 'list', 'churn@2', '--json', '--workspace', W]).json as {
      id: string;
    }[];
    for (const { id } of ids) expect(human.stdout).toMatch(new RegExp(`^${id.slice(0, 8)} `, 'm'));

    const output = join(t.dir, 'scores.csv');
    const args = ['predict', 'churn@1', '--input', CSV, '--output', output, '--workspace', W];
    const refused = lathe([...args, '--keep', 'customer']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/already exists.*--overwrite/);
    const replaced = lathe([...args, '--keep', 'customer', '--overwrite', '--json']);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect((replaced.json as { columns: string[] }).columns).toContain('customer');
    expect(readFileSync(output, 'utf8').split('\n')[0]).toBe(
      'row,customer,prediction,probability_0,probability_1',
    );
  });

  it('each lathe predict reuses the version’s package kept in the workspace; one another Lathe wrote is written again; gc removes those of versions gone', async () => {
    await services?.close();
    services = undefined;
    const metaFile = join(W, 'packages', 'churn@1', 'package.json');
    const readMeta = () =>
      JSON.parse(readFileSync(metaFile, 'utf8')) as { createdAt: string; producer?: string };
    const args = ['predict', 'churn@1', '--input', CSV, '--output', join(t.dir, 'reuse.csv')];
    const predict = () => lathe([...args, '--overwrite', '--json', '--workspace', W]);
    expect(predict().code).toBe(0);
    const written = readMeta();
    expect(written.producer).toBe(latheVersion());
    // Each command opens the workspace anew (its tmp/ cleared): the package is still there and used.
    expect(predict().code).toBe(0);
    expect(readMeta().createdAt).toBe(written.createdAt);
    writeFileSync(metaFile, JSON.stringify({ ...written, producer: '0.0.1-elsewhere' }));
    const again = predict();
    expect(again.code, again.stderr).toBe(0);
    expect(readMeta().producer).toBe(latheVersion());
    expect(readMeta().createdAt).not.toBe(written.createdAt);

    // lathe gc removes the packages of versions that no longer exist (as after a deletion through
    // MLflow's registry API), and keeps the others.
    for (const gone of ['churn@9', 'deleted@1']) {
      mkdirSync(join(W, 'packages', gone), { recursive: true });
      writeFileSync(join(W, 'packages', gone, 'model.onnx'), 'x'.repeat(100));
    }
    const gc = lathe(['gc', '--json', '--workspace', W]);
    expect(gc.code, gc.stderr).toBe(0);
    expect(gc.json).toMatchObject({
      orphanFilesRemoved: ['packages/churn@9', 'packages/deleted@1'],
    });
    expect((gc.json as { bytesFreed: number }).bytesFreed).toBeGreaterThanOrEqual(200);
    const kept = readdirSync(join(W, 'packages'));
    expect(kept).toContain('churn@1');
    expect(kept.filter((k) => k === 'churn@9' || k === 'deleted@1')).toEqual([]);
    expect(lathe(['gc', '--workspace', W]).stdout).not.toMatch(/packages\//);
  });
});
