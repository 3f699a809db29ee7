// Late labels and performance per window over a version's capture table: labels arriving out of order
// and twice (the last wins), actual metrics checked against scikit-learn and CBPE estimates against numpy
// (tests/fixtures/monitor/cbpe.json, multiclass case), per hour, per day and every N rows.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelVersion } from '../../../shared/contract';
import { ensureCaptureTable } from '../../../main/serve/capture';
import { createServices, type Services } from '../../../main/services';
import { ident } from '../../../main/workspace/db';
import { trainRegistered } from '../../helpers/runs';
import { carsConfig, contractClient, importPenguins, penguinsConfig } from '../../helpers/services';
import { FIXTURES, tempDir, vega } from '../../helpers/workspace';

const fixture = (
  JSON.parse(readFileSync(join(FIXTURES, 'monitor', 'cbpe.json'), 'utf8')) as {
    multiclass: {
      probs: number[][];
      predicted: number[];
      labels: number[];
      estimated: Record<string, number>;
      actual: Record<string, number>;
    };
  }
).multiclass;
const N = fixture.labels.length;
/** Row i is captured in hour 10, 11 or 12 (a third each, in row order) on Monday 5 January 2026. */
const atOf = (i: number) =>
  new Date(Date.UTC(2026, 0, 5, 10 + Math.floor((3 * i) / N), 0, (i % (N / 3)) * 36)).toISOString();

let services: Services;
let version: ModelVersion;
let classes: string[];
const tmp = tempDir('lathe-perf-');
const client = contractClient(() => services);
const actualsCount = async () =>
  Number((await services.workspace.db.one('SELECT count(*) AS n FROM actuals'))!.n);

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(tmp.dir, 'ws') });
  await importPenguins(services);
  await trainRegistered(client.call, penguinsConfig(), 'pm');
  version = await services.registry.version('pm@1');
  classes = version.signature!.output.classes!;
  expect(classes).toHaveLength(3);
  const { table } = await ensureCaptureTable(services.workspace.db, version);
  const values = fixture.probs.map((p, i) => {
    return `('${atOf(i)}'::TIMESTAMP, 'r${i}', 'test', 'batch', '${classes[fixture.predicted[i]!]}', ${Math.max(...p)}, [${p.join(', ')}]::DOUBLE[])`;
  });
  await services.workspace.db.run(
    `INSERT INTO ${ident(table)} (_at, _row_id, _source, _role, _prediction, _score, _probabilities) VALUES ${values.join(', ')}`,
  );
});
afterAll(async () => {
  await services?.close();
  tmp.remove();
});

describe('monitor:actuals and monitor:performance', () => {
  it('without labels: CBPE estimates per window with their assumption, no actual metrics', async () => {
    // Stands alone: labels another test delivered are cleared first.
    await services.workspace.db.run("DELETE FROM actuals WHERE model = 'pm'");
    const out = await client.call('monitor:performance', { ref: 'pm', window: 'day' });
    expect(out.task).toBe('multiclass');
    expect(out.estimateAssumption).toMatch(/calibrated/);
    expect(out.windows).toHaveLength(1);
    const [w] = out.windows;
    expect(w).toMatchObject({ version: 1, rows: N, labelled: 0, metrics: {} });
    for (const [key, value] of Object.entries(fixture.estimated))
      expect(w!.estimated[key], key).toBeCloseTo(value, 9);
  });

  it('refuses a missing column or file naming it, and writes nothing', async () => {
    const before = await actualsCount();
    const file = tmp.file('labels-bad.csv', 'id,label\nr1,Adelie\n');
    const noColumn = await client.failure('monitor:actuals', {
      model: 'pm',
      file,
      idColumn: 'id',
      targetColumn: 'species',
    });
    expect(noColumn.message).toMatch(/labels-bad\.csv has no column 'species'.*id, label/);
    const noFile = await client.failure('monitor:actuals', {
      model: 'pm',
      file: join(tmp.dir, 'missing.csv'),
      idColumn: 'id',
      targetColumn: 'label',
    });
    expect(noFile).toMatchObject({ code: 'FILE_NOT_FOUND' });
    expect(noFile.message).toMatch(/missing\.csv/);
    const noId = tmp.file('labels-noid.csv', 'id,label\nr1,Adelie\n,Gentoo\n');
    expect(
      (
        await client.failure('monitor:actuals', {
          model: 'pm',
          file: noId,
          idColumn: 'id',
          targetColumn: 'label',
        })
      ).message,
    ).toMatch(/1 of 2 rows have no value in column 'id'/);
    // A row DuckDB cannot read far into the file (past what DESCRIBE samples) fails the whole load.
    const ragged = tmp.file(
      'labels-ragged.csv',
      [
        'id,label',
        ...Array.from({ length: 5000 }, (_, i) => `r${i % N},Adelie`),
        'r1,Adelie,extra',
      ].join('\n'),
    );
    const torn = await client.failure('monitor:actuals', {
      model: 'pm',
      file: ragged,
      idColumn: 'id',
      targetColumn: 'label',
    });
    expect(torn).toMatchObject({ code: 'CORRUPT_FILE' });
    expect(torn.message).toMatch(/^labels-ragged\.csv: cannot read the labels/);
    expect(await actualsCount()).toBe(before);
  });

  it('labels out of order and twice: the last one wins; actual metrics match scikit-learn', async () => {
    // First delivery: every row in reverse order, the first 50 with a wrong label, r5 twice (its
    // second label right), and an id nothing captured.
    const wrong = (y: number) => classes[(y + 1) % 3]!;
    const first = ['id,label'];
    for (let i = N - 1; i >= 0; i--)
      first.push(`r${i},${i < 50 ? wrong(fixture.labels[i]!) : classes[fixture.labels[i]!]}`);
    first.push(`r5,${classes[fixture.labels[5]!]}`, 'ghost,Adelie');
    const a = await client.call('monitor:actuals', {
      model: 'pm',
      file: tmp.file('labels-1.csv', first.join('\n')),
      idColumn: 'id',
      targetColumn: 'label',
    });
    expect(a).toEqual({ model: 'pm', rows: N + 2, matched: N + 1, replaced: 1, unmatched: 1 });
    const early = await client.call('monitor:performance', { ref: 'pm@1', window: 'day' });
    expect(early.windows[0]!.labelled).toBe(N);
    expect(early.windows[0]!.metrics.accuracy).toBeLessThan(fixture.actual.accuracy! - 0.05);

    // The corrections arrive later, as JSON.
    const fix = Array.from({ length: 50 }, (_, i) => ({
      row: `r${i}`,
      y: classes[fixture.labels[i]!],
    }));
    const b = await client.call('monitor:actuals', {
      model: 'pm',
      file: tmp.file('labels-2.json', JSON.stringify(fix)),
      idColumn: 'row',
      targetColumn: 'y',
    });
    expect(b).toEqual({ model: 'pm', rows: 50, matched: 50, replaced: 50, unmatched: 0 });
    expect(await actualsCount()).toBe(N + 1);

    const out = await client.call('monitor:performance', {
      ref: 'pm@champion'.replace('@champion', ''),
      window: 'day',
    });
    const [w] = out.windows;
    expect(w!.labelled).toBe(N);
    for (const key of ['accuracy', 'f1_macro', 'roc_auc', 'log_loss'])
      expect(w!.metrics[key], key).toBeCloseTo(fixture.actual[key]!, 9);
    // Estimated beside actual.
    expect(w!.estimated.accuracy).toBeCloseTo(fixture.estimated.accuracy!, 9);
  });

  it('cuts windows by hour and every N rows', async () => {
    // Every row's right label (again, if an earlier test gave them: the last one wins).
    await client.call('monitor:actuals', {
      model: 'pm',
      file: tmp.file(
        'labels-all.csv',
        ['id,label', ...fixture.labels.map((y, i) => `r${i},${classes[y]}`)].join('\n'),
      ),
      idColumn: 'id',
      targetColumn: 'label',
    });
    const hourly = await client.call('monitor:performance', { ref: 'pm', window: 'hour' });
    expect(hourly.windows.map((w) => [w.start, w.end, w.rows, w.labelled])).toEqual(
      [10, 11, 12].map((h) => [
        `2026-01-05T${h}:00:00.000Z`,
        `2026-01-05T${h + 1}:00:00.000Z`,
        N / 3,
        N / 3,
      ]),
    );
    const byRows = await client.call('monitor:performance', { ref: 'pm', window: 120 });
    expect(byRows.windows.map((w) => w.rows)).toEqual([120, 120, N - 240]);
    // Each window's accuracy is its own rows' share of right predictions.
    byRows.windows.forEach((w, k) => {
      const idx = Array.from({ length: w.rows }, (_, j) => k * 120 + j);
      const right = idx.filter((i) => fixture.predicted[i] === fixture.labels[i]).length;
      expect(w.metrics.accuracy).toBeCloseTo(right / w.rows, 12);
    });
    const ranged = await client.call('monitor:performance', {
      ref: 'pm',
      window: 'day',
      range: { from: '2026-01-05T11:00:00Z', to: '2026-01-05T12:00:00Z' },
    });
    expect(ranged.windows.map((w) => w.rows)).toEqual([N / 3]);
  });
});

describe('labels that are none of the classes', () => {
  it('are counted as labelled but unjudged, and left out of the metrics', async () => {
    const give = (label: string) =>
      client.call('monitor:actuals', {
        model: 'pm',
        file: tmp.file('labels-odd.csv', `id,label\nr0,${label}\n`),
        idColumn: 'id',
        targetColumn: 'label',
      });
    await give('Pelican');
    try {
      const out = await client.call('monitor:performance', { ref: 'pm', window: 'hour' });
      const w = out.windows[0]!;
      expect(w.unjudged).toBe(1);
      expect(w.labelled).toBeGreaterThanOrEqual(1);
    } finally {
      await give(classes[fixture.labels[0]!]!);
    }
    const after = await client.call('monitor:performance', { ref: 'pm', window: 'hour' });
    expect(after.windows[0]!.unjudged).toBe(0);
  });
});

describe('a regression model: labels from a dataset version', () => {
  it('rmse, mae and r2 on the labelled rows; nothing estimated', async () => {
    await client.call('data:import', { path: vega('cars.json'), name: 'cars' });
    await trainRegistered(client.call, carsConfig(), 'cm');
    const cm = await services.registry.version('cm@1');
    const { table } = await ensureCaptureTable(services.workspace.db, cm);
    const n = 40;
    const yhat = Array.from({ length: n }, (_, i) => 15 + (i % 7));
    const y = Array.from({ length: n }, (_, i) => 14 + (i % 9));
    await services.workspace.db.run(
      `INSERT INTO ${ident(table)} (_at, _row_id, _source, _role, _prediction, _score)
       SELECT TIMESTAMP '2026-02-02 08:00:00' + INTERVAL (i) MINUTE, 'c' || i, 'test', 'batch',
         CAST(15 + i % 7 AS VARCHAR), 15 + i % 7 FROM range(${n}) t(i)`,
    );
    // Labels for all but the last 10 rows, as a dataset version.
    const labelled = n - 10;
    const file = tmp.file(
      'car-labels.csv',
      ['key,mpg', ...y.slice(0, labelled).map((v, i) => `c${i},${v}`)].join('\n'),
    );
    await client.call('data:import', { path: file, name: 'car_labels' });
    const a = await client.call('monitor:actuals', {
      model: 'cm',
      dataset: 'car_labels',
      idColumn: 'key',
      targetColumn: 'mpg',
    });
    expect(a).toMatchObject({ rows: labelled, matched: labelled, unmatched: 0 });
    const out = await client.call('monitor:performance', { ref: 'cm@1', window: 'day' });
    expect(out).toMatchObject({ task: 'regression', estimateAssumption: null });
    const [w] = out.windows;
    expect(w).toMatchObject({ rows: n, labelled, estimated: {} });
    const err = y.slice(0, labelled).map((v, i) => v - yhat[i]!);
    const mean = y.slice(0, labelled).reduce((s, v) => s + v, 0) / labelled;
    const ssTot = y.slice(0, labelled).reduce((s, v) => s + (v - mean) ** 2, 0);
    const sse = err.reduce((s, e) => s + e * e, 0);
    expect(w!.metrics.rmse).toBeCloseTo(Math.sqrt(sse / labelled), 10);
    expect(w!.metrics.mae).toBeCloseTo(err.reduce((s, e) => s + Math.abs(e), 0) / labelled, 10);
    expect(w!.metrics.r2).toBeCloseTo(1 - sse / ssTot, 10);
  });
});
