// Batch prediction (`predict:batch`, `lathe predict`): input rows in, one prediction per row out, in order,
// equal to what the package predictor gives the same records; failures leave no output behind.
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelInput, ModelVersion } from '../../../shared/contract';
import { createServices, type Services } from '../../../main/services';
import { createEngine, type Engine } from '../../../main/data/engine';
import { predictBatch } from '../../../main/serve/batch';
import { SCORING_SHARE } from '../../../main/serve/batch-service';
import { captureColumnsOf } from '../../../main/serve/capture-format';
import { readModelPackage, writeModelPackage } from '../../../main/serve/package';
import { featurePlan } from '../../../main/serve/batch-features';
import { gatherFirstLayer } from '../../../main/serve/onnx-gather';
import { loadPredictor } from '../../../main/serve/predictor';
import type { Predictor } from '../../../main/serve/types';
import { literal } from '../../../main/workspace/db';
import { lathe } from '../../helpers/cli';
import { rowsOf as readRows } from './rows';
import { carsConfig, contractClient, penguinsConfig } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';

type Config = ChannelInput<'train:run'>['config'];

const t = tempDir('lathe-batch-');
const W = join(t.dir, 'ws');
const IO = join(t.dir, 'io');
let services: Services | undefined;
let engine: Engine;
const { call, failure } = contractClient(() => services!);

const training = { epochs: 4, batchSize: 32, learningRate: 0.01, validationFraction: 0.25 };
const models: Record<
  'penguins' | 'cars',
  { config: Config; version?: ModelVersion; predictor?: Predictor }
> = {
  penguins: {
    config: penguinsConfig({ model: { type: 'mlp', hidden: [8], batchNorm: true }, training }),
  },
  cars: { config: carsConfig({ training, seed: 2 }) },
};

/** Every row of a file as records (DuckDB reads it as the batch job does). */
const rowsOf = (file: string) => readRows(engine, file);

/** Checks an output file against the predictor on the input records: ids, predictions, probabilities. */
async function expectMatches(
  out: string,
  input: Record<string, unknown>[],
  predictor: Predictor,
  id: (rec: Record<string, unknown>, i: number) => unknown,
  idName: string,
) {
  const got = await rowsOf(out);
  expect(got).toHaveLength(input.length);
  const want = await predictor.predictRecords(input);
  got.forEach((row, i) => {
    expect(row[idName]).toEqual(id(input[i]!, i));
    const w = want[i]!;
    if (typeof w.prediction === 'number')
      expect(row.prediction as number).toBeCloseTo(w.prediction, 4);
    else expect(row.prediction).toBe(w.prediction);
    for (const [c, p] of Object.entries(w.probabilities ?? {}))
      expect(row[`probability_${c}`] as number).toBeCloseTo(p, 6);
  });
  return got;
}

beforeAll(async () => {
  mkdirSync(IO, { recursive: true });
  engine = await createEngine();
  services = await createServices({ workspaceDir: W, validateOutput: true });
  await call('data:import', { path: vega('penguins.json'), name: 'penguins' });
  await call('data:import', { path: vega('cars.json'), name: 'cars' });
  for (const [name, m] of Object.entries(models)) {
    const run = await call('train:run', { config: m.config });
    expect(run.status).toBe('finished');
    m.version = await call('models:register', { runId: run.id, name });
    await call('models:alias', { ref: `${name}@1`, alias: 'staging' });
    const dir = join(t.dir, 'pkg', name);
    await writeModelPackage({
      version: m.version,
      run,
      artifacts: services.workspace.artifacts,
      dir,
      latheVersion: 'test',
    });
    m.predictor = await loadPredictor(dir);
  }
  // Inputs: penguins with a text id as CSV (in two parts too), cars as Parquet; the targets left out.
  const penguins = `(SELECT 'p-' || (row_number() OVER () * 7) AS id, * EXCLUDE (Species) FROM read_json_auto(${literal(vega('penguins.json'))}))`;
  await engine.run(`COPY ${penguins} TO ${literal(join(IO, 'penguins.csv'))} (HEADER)`);
  await engine.run(
    `COPY (SELECT * FROM ${penguins} LIMIT 100) TO ${literal(join(IO, 'part-1.csv'))} (HEADER)`,
  );
  // 1,000 rows: the penguins three times over.
  await engine.run(
    `COPY (SELECT * FROM ${penguins}, range(3) LIMIT 1000) TO ${literal(join(IO, 'penguins-x3.csv'))} (HEADER)`,
  );
  await engine.run(
    `COPY (SELECT * FROM ${penguins} OFFSET 100) TO ${literal(join(IO, 'part-2.csv'))} (HEADER)`,
  );
  await engine.run(
    `COPY (SELECT * EXCLUDE (Miles_per_Gallon) FROM read_json_auto(${literal(vega('cars.json'))})) TO ${literal(join(IO, 'cars.parquet'))} (FORMAT parquet)`,
  );
  await engine.run(
    `COPY (SELECT * EXCLUDE (Horsepower) FROM read_parquet(${literal(join(IO, 'cars.parquet'))})) TO ${literal(join(IO, 'cars-no-hp.parquet'))} (FORMAT parquet)`,
  );
}, 300_000);
afterAll(async () => {
  for (const m of Object.values(models)) await m.predictor?.close();
  await services?.close();
  engine.close();
  t.remove();
});

describe('predict:batch', () => {
  it("scores the networks' one-hot columns by lookup (onnx-gather): what the tests below compare", () => {
    for (const name of ['penguins', 'cars']) {
      const pkg = readModelPackage(join(t.dir, 'pkg', name));
      const kept = pkg.fitted.selection?.kept ?? pkg.fitted.outputs;
      const plan = featurePlan(pkg.fitted, kept);
      expect(plan.codes.length, name).toBeGreaterThan(0);
      const gathered = gatherFirstLayer(pkg.onnx, plan);
      expect(gathered?.width, name).toBe(plan.dense.length + plan.codes.length);
      expect(gathered!.width, name).toBeLessThan(kept.length);
    }
  });

  it('csv → csv: one row per input row, ids in input order, predictions equal the predictor on the records', async () => {
    const input = join(IO, 'penguins.csv');
    const output = join(IO, 'penguins-out.csv');
    // Chunks of 64 rows: the 344 rows cross several chunk boundaries.
    const r = await call('predict:batch', {
      model: 'penguins@staging',
      input,
      output,
      idColumn: 'id',
      chunkRows: 64,
    });
    const records = await rowsOf(input);
    expect(r).toMatchObject({
      model: 'penguins',
      version: 1,
      rows: records.length,
      output,
      files: [input],
      unreadable: [],
    });
    expect(r.columns).toEqual([
      'id',
      'prediction',
      'probability_Adelie',
      'probability_Chinstrap',
      'probability_Gentoo',
    ]);
    expect(r.inputSha256).toBe(createHash('sha256').update(readFileSync(input)).digest('hex'));
    await expectMatches(output, records, models.penguins.predictor!, (rec) => rec.id, 'id');
    expect(readFileSync(output, 'utf8').split('\n')[0]).toBe(r.columns.join(','));

    // Recorded in the workspace.
    const rows = await services!.workspace.db.all(`SELECT * FROM prediction_batches WHERE id = ?`, [
      r.id,
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      model: 'penguins',
      version: 1,
      input_sha256: r.inputSha256,
      output,
    });
    expect(Number(rows[0]!.rows)).toBe(records.length);
  });

  it('parquet → parquet with the row number as id (regression)', async () => {
    const input = join(IO, 'cars.parquet');
    const output = join(IO, 'cars-out.parquet');
    const r = await call('predict:batch', { model: 'cars@1', input, output, chunkRows: 100 });
    const records = await rowsOf(input);
    expect(r.rows).toBe(records.length);
    expect(r.columns).toEqual(['row', 'prediction']);
    const got = await expectMatches(output, records, models.cars.predictor!, (_rec, i) => i, 'row');
    // A real model: predictions vary with the input.
    expect(new Set(got.map((g) => Math.round(g.prediction as number))).size).toBeGreaterThan(5);
    const types = await engine.all(`DESCRIBE SELECT * FROM read_parquet(${literal(output)})`);
    expect(types.map((c) => [c.column_name, c.column_type])).toEqual([
      ['row', 'BIGINT'],
      ['prediction', 'DOUBLE'],
    ]);
  });

  it('one-hot columns: an unseen or missing category scores as the predictor scores it; Parquet holds what CSV holds', async () => {
    // Every third island unseen in training, every fifth missing, every seventh sex missing.
    const input = join(IO, 'penguins-odd.csv');
    await engine.run(
      `COPY (SELECT * EXCLUDE (n) REPLACE (
           CASE WHEN n % 3 = 0 THEN 'Atlantis' WHEN n % 5 = 0 THEN NULL ELSE Island END AS Island,
           CASE WHEN n % 7 = 0 THEN NULL ELSE Sex END AS Sex)
         FROM (SELECT *, row_number() OVER () AS n FROM read_csv_auto(${literal(join(IO, 'penguins.csv'))})))
       TO ${literal(input)} (HEADER)`,
    );
    const records = await rowsOf(input);
    expect(records.filter((r) => r.Island === 'Atlantis').length).toBeGreaterThan(50);
    expect(records.filter((r) => r.Island === null).length).toBeGreaterThan(10);
    const csv = join(IO, 'penguins-odd.csv.out.csv');
    const parquet = join(IO, 'penguins-odd.out.parquet');
    for (const output of [csv, parquet])
      await call('predict:batch', {
        model: 'penguins@1',
        input,
        output,
        idColumn: 'id',
        chunkRows: 100,
        capture: 'none',
      });
    const fromCsv = await expectMatches(
      csv,
      records,
      models.penguins.predictor!,
      (r) => r.id,
      'id',
    );
    const fromParquet = await rowsOf(parquet);
    expect(fromParquet).toHaveLength(fromCsv.length);
    fromParquet.forEach((row, i) => {
      const c = fromCsv[i]!;
      expect(row.id).toBe(c.id);
      expect(row.prediction).toBe(c.prediction);
      for (const k of ['Adelie', 'Chinstrap', 'Gentoo'])
        expect(Math.fround(row[`probability_${k}`] as number)).toBe(
          Math.fround(c[`probability_${k}`] as number),
        );
    });
    expect(readdirSync(IO).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a model with lag features orders the whole input, spilling past its memory limit beside the output', async () => {
    await call('data:import', { path: vega('seattle-weather.csv'), name: 'weather' });
    const run = await call('train:run', {
      config: {
        dataset: 'weather',
        target: 'temp_max',
        task: 'regression',
        model: { type: 'linear' },
        training,
        featureSpec: {
          groups: [
            { columns: ['precipitation', 'wind'], steps: [{ op: 'scale', method: 'standard' }] },
          ],
          derived: [{ op: 'lag', column: 'precipitation', time: 'date', lags: [1, 2] }],
        },
        seed: 4,
      },
    });
    expect(run.status).toBe('finished');
    const version = await call('models:register', { runId: run.id, name: 'weather-lag' });
    const dir = join(t.dir, 'pkg', 'weather-lag');
    await writeModelPackage({
      version,
      run,
      artifacts: services!.workspace.artifacts,
      dir,
      latheVersion: 'test',
    });
    // 1,000,000 days in shuffled order: the lags follow the dates, the output the input's order.
    const input = join(IO, 'weather-long.parquet');
    await engine.run(
      `COPY (SELECT DATE '1000-01-01' + ((i * 7919) % 1000000)::INTEGER AS date,
               ((i * 31) % 97) / 10.0 AS precipitation, ((i * 13) % 71) / 10.0 AS wind
             FROM range(1000000) t(i)) TO ${literal(input)} (FORMAT parquet)`,
    );
    const tight = join(IO, 'weather-tight.parquet');
    const roomy = join(IO, 'weather-roomy.parquet');
    // 64 MB cannot hold the ordered input: without spilling, DuckDB fails with "Out of Memory".
    const a = await predictBatch({ packageDir: dir, input, output: tight, memoryLimit: '64MB' });
    const b = await predictBatch({ packageDir: dir, input, output: roomy, memoryLimit: '4GB' });
    expect(a.rows).toBe(1_000_000);
    expect(b.rows).toBe(1_000_000);
    const [same] = await engine.all(
      `SELECT count(*) AS n, count(*) FILTER (WHERE x.prediction = y.prediction) AS equal,
         count(DISTINCT round(x.prediction, 3)) AS distinct_predictions
       FROM read_parquet(${literal(tight)}) x JOIN read_parquet(${literal(roomy)}) y USING (row)`,
    );
    expect(Number(same!.n)).toBe(1_000_000);
    expect(Number(same!.equal)).toBe(1_000_000);
    // The lags reach the model: rows with the same day's inputs still predict differently.
    expect(Number(same!.distinct_predictions)).toBeGreaterThan(1000);
    expect(readdirSync(IO).filter((f) => f.includes('.spill') || f.endsWith('.tmp'))).toEqual([]);
  }, 120_000);

  it('a glob reads the files in name order as one input; progress counts its rows, the hash its bytes', async () => {
    const output = join(IO, 'parts-out.parquet');
    type Progress = {
      op?: string;
      name?: string;
      fraction: number;
      message?: string;
      etaMs?: number;
    };
    const progress: Progress[] = [];
    const off = services!.bus.subscribe((f) => {
      const p = f.payload as Progress;
      if (f.event === 'data:progress' && p.op === 'predict' && p.name === output) progress.push(p);
    });
    const r = await call('predict:batch', {
      model: 'penguins',
      input: join(IO, 'part-*.csv'),
      output,
      idColumn: 'id',
      chunkRows: 50,
    }).finally(off);
    const parts = [join(IO, 'part-1.csv'), join(IO, 'part-2.csv')];
    expect(r.files).toEqual(parts);
    const records = [...(await rowsOf(parts[0]!)), ...(await rowsOf(parts[1]!))];
    expect(r.rows).toBe(records.length);
    // The count runs beside the scoring: every report has the whole input's rows, the last all of them.
    expect(progress.length).toBeGreaterThan(0);
    for (const p of progress)
      expect(p.message).toMatch(new RegExp(`^[\\d,]+/${records.length} rows`));
    // Scoring takes the bar to SCORING_SHARE; writing the output stays there (the bar does not say 100%
    // while the file is still being written); the record committed ends it.
    const fractions = progress.map((p) => p.fraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    const writing = progress.findIndex((p) =>
      /writing the output and the capture$/.test(p.message!),
    );
    expect(writing).toBe(progress.length - 2);
    expect(progress[writing]!.fraction).toBe(SCORING_SHARE);
    // Every row scored, the ETA still counts the writing after it.
    expect(progress[writing - 1]!.etaMs).toBeGreaterThan(0);
    expect(Math.max(...fractions.slice(0, writing))).toBeLessThanOrEqual(SCORING_SHARE);
    expect(progress.at(-1)).toEqual({
      op: 'predict',
      name: output,
      fraction: 1,
      message: `${records.length}/${records.length} rows, done`,
    });
    const hash = createHash('sha256');
    for (const f of parts) hash.update(readFileSync(f));
    expect(r.inputSha256).toBe(hash.digest('hex'));
    await expectMatches(output, records, models.penguins.predictor!, (rec) => rec.id, 'id');
  });

  it("a captured CSV's capture written in parts beside the scoring, then joined, is the file written at the end", async () => {
    // 1,000 rows in chunks of 50, parts of 120 rows or more.
    const input = join(IO, 'penguins-x3.csv');
    const dir = join(t.dir, 'pkg', 'penguins');
    const columns = captureColumnsOf(models.penguins.version!.signature!);
    const capturedBy = async (
      name: string,
      options: { rate: number; partRows: number; idColumn?: string },
    ) => {
      const file = join(IO, `capture-${name}.parquet`);
      const r = await predictBatch({
        packageDir: dir,
        input,
        output: join(IO, `captured-${name}.csv`),
        chunkRows: 50,
        ...(options.idColumn ? { idColumn: options.idColumn } : {}),
        capture: {
          file,
          columns,
          source: 'job',
          at: new Date(0),
          rowIdPrefix: 'job',
          rate: options.rate,
          partRows: options.partRows,
        },
      });
      return { file, captured: r.captured };
    };
    for (const [label, options] of [
      ['every row', { rate: 1 }],
      ['by id', { rate: 1, idColumn: 'id' }],
      ['a share', { rate: 0.5 }],
    ] as const) {
      const whole = await capturedBy(`${label}-whole`, { ...options, partRows: Infinity });
      const parts = await capturedBy(`${label}-parts`, { ...options, partRows: 120 });
      expect(parts.captured, label).toBe(whole.captured);
      expect(whole.captured, label).toBeGreaterThan(options.rate < 1 ? 300 : 999);
      // Row for row, in order (the positions number the rows of a capture without _row_id).
      const [same] = await engine.all(
        `SELECT count(*) AS n, count(*) FILTER (WHERE a IS NOT DISTINCT FROM b) AS equal, max(a.file_row_number) AS last
         FROM read_parquet(${literal(whole.file)}, file_row_number = true) a
         POSITIONAL JOIN read_parquet(${literal(parts.file)}, file_row_number = true) b`,
      );
      expect(same, label).toEqual({
        n: BigInt(whole.captured),
        equal: BigInt(whole.captured),
        last: BigInt(whole.captured - 1),
      });
      const [groups] = await engine.all(
        `SELECT count(DISTINCT row_group_id) AS n FROM parquet_metadata(${literal(parts.file)})`,
      );
      // A part at least while scoring (after the first 150 rows), and the rows left after it.
      expect(Number(groups!.n), label).toBeGreaterThanOrEqual(2);
    }
    expect(readdirSync(IO).filter((f) => f.includes('.part'))).toEqual([]);
  });

  it('a job cancelled while its capture parts are written stops them and leaves none of them', async () => {
    const input = join(IO, 'penguins-x3.csv');
    const dir = join(IO, 'cancelled-capture');
    mkdirSync(dir, { recursive: true });
    const controller = new AbortController();
    let scoredWhenCancelled = 0;
    const err = await predictBatch({
      packageDir: join(t.dir, 'pkg', 'penguins'),
      input,
      output: join(dir, 'out.csv'),
      chunkRows: 50,
      signal: controller.signal,
      // Halfway: parts have been cut from 120 rows on.
      onProgress: ({ rows }) => {
        if (rows >= 500 && !controller.signal.aborted) {
          scoredWhenCancelled = rows;
          controller.abort();
        }
      },
      capture: {
        file: join(dir, 'capture.parquet'),
        columns: captureColumnsOf(models.penguins.version!.signature!),
        source: 'job',
        at: new Date(0),
        rowIdPrefix: 'job',
        rate: 1,
        partRows: 120,
      },
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CANCELLED' });
    expect(scoredWhenCancelled).toBeGreaterThanOrEqual(500);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('without a capture, a CSV is counted as it is hashed: quoted line ends inside values are no records', async () => {
    // Every record's note spans two lines, and the file ends without a line end.
    const input = join(IO, 'penguins-notes.csv');
    await engine.run(
      `COPY (SELECT *, 'line one' || chr(10) || 'line "two"' AS note FROM read_csv_auto(${literal(join(IO, 'penguins.csv'))})) TO ${literal(input)} (HEADER)`,
    );
    const text = readFileSync(input, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    writeFileSync(input, text.slice(0, -1));
    const records = await rowsOf(join(IO, 'penguins.csv'));
    const reports: { stage: string; rows: number; total: number }[] = [];
    const r = await predictBatch({
      packageDir: join(t.dir, 'pkg', 'penguins'),
      input,
      output: join(IO, 'notes-out.csv'),
      chunkRows: 40,
      onProgress: ({ stage, rows, total }) => reports.push({ stage, rows, total }),
    });
    expect(r.rows).toBe(records.length);
    expect(r.inputSha256).toBe(createHash('sha256').update(readFileSync(input)).digest('hex'));
    expect(reports.length).toBeGreaterThan(0);
    for (const p of reports) expect(p.total).toBe(records.length);
    // Every row scored, then the output written.
    expect(reports.at(-2)).toEqual({
      stage: 'scoring',
      rows: records.length,
      total: records.length,
    });
    expect(reports.at(-1)).toEqual({
      stage: 'writing',
      rows: records.length,
      total: records.length,
    });
    expect(reports.slice(0, -1).every((p) => p.stage === 'scoring')).toBe(true);
  });

  it('a missing input column fails naming it, and leaves no output', async () => {
    const output = join(IO, 'fail', 'out.parquet');
    mkdirSync(join(IO, 'fail'), { recursive: true });
    const err = await failure('predict:batch', {
      model: 'cars@1',
      input: join(IO, 'cars-no-hp.parquet'),
      output,
    });
    expect(err.code).toBe('COLUMN_NOT_FOUND');
    expect(err.message).toMatch(/cars-no-hp\.parquet has no column 'Horsepower'/);
    expect(readdirSync(join(IO, 'fail'))).toEqual([]);
    const id = await failure('predict:batch', {
      model: 'cars@1',
      input: join(IO, 'cars.parquet'),
      output,
      idColumn: 'vin',
    });
    expect(id.message).toMatch(/no id column 'vin'/);
    expect(readdirSync(join(IO, 'fail'))).toEqual([]);
  });

  it('refuses an unknown output extension, an unwritable output and a broken input, naming them', async () => {
    const input = join(IO, 'cars.parquet');
    const ext = await failure('predict:batch', {
      model: 'cars@1',
      input,
      output: join(IO, 'out.xlsx'),
    });
    expect(ext).toMatchObject({ code: 'INVALID_INPUT' });
    expect(ext.message).toMatch(/out\.xlsx: unknown extension '\.xlsx'; use \.csv or \.parquet/);
    const dir = await failure('predict:batch', {
      model: 'cars@1',
      input,
      output: join(IO, 'no', 'such', 'out.csv'),
    });
    expect(dir.message).toMatch(/cannot write to folder .*no\/such/);
    writeFileSync(join(IO, 'broken.parquet'), 'not a parquet file');
    const broken = await failure('predict:batch', {
      model: 'cars@1',
      input: join(IO, 'broken.parquet'),
      output: join(IO, 'fail', 'b.csv'),
    });
    expect(broken.message).toMatch(/cannot read input .*broken\.parquet/);
    const none = await failure('predict:batch', {
      model: 'cars@1',
      input: join(IO, 'nothing-*.csv'),
      output: join(IO, 'fail', 'c.csv'),
    });
    expect(none.message).toMatch(/nothing-\*\.csv: no file matches/);
    expect(readdirSync(join(IO, 'fail'))).toEqual([]);
  });

  it('counts the values of a numeric input that are no number, which score as missing', async () => {
    const input = join(IO, 'penguins-text.csv');
    await engine.run(
      `COPY (SELECT * REPLACE (CASE row_number() OVER () WHEN 3 THEN 'heavy' WHEN 5 THEN 'n/a' ELSE "Body Mass (g)"::VARCHAR END AS "Body Mass (g)") FROM read_csv_auto(${literal(join(IO, 'penguins.csv'))})) TO ${literal(input)} (HEADER)`,
    );
    const r = await call('predict:batch', {
      model: 'penguins@staging',
      input,
      output: join(IO, 'penguins-text-out.csv'),
      idColumn: 'id',
    });
    expect(r.unreadable).toEqual([{ column: 'Body Mass (g)', values: 2, example: 'heavy' }]);
    expect(r.rows).toBe((await rowsOf(input)).length);
  });

  it('refuses to write over its own input, also with overwrite, by any path to it', async () => {
    const input = join(IO, 'own', 'cars.parquet');
    mkdirSync(join(IO, 'own'), { recursive: true });
    cpSync(join(IO, 'cars.parquet'), input);
    const link = join(IO, 'own', 'link.parquet');
    symlinkSync(input, link);
    const before = readFileSync(input);
    // Without overwrite too: the answer is not to allow overwriting (which would be refused as well).
    for (const [given, output, overwrite] of [
      [input, input, true],
      [input, input, false],
      [input, link, false],
      [join(IO, 'own', 'c*.parquet'), link, true],
      [join(IO, 'own', 'c*.parquet'), link, false],
    ] as const) {
      const err = await failure('predict:batch', {
        model: 'cars@1',
        input: given,
        output,
        overwrite,
      });
      expect(err).toMatchObject({ code: 'INVALID_INPUT', details: { output, file: input } });
      expect(err.message).toBe(
        `output ${output} is the job's input ${input}; write the predictions to another file`,
      );
    }
    expect(readFileSync(input).equals(before)).toBe(true);
    expect(readdirSync(join(IO, 'own')).sort()).toEqual(['cars.parquet', 'link.parquet']);
  });

  it('a model onnxruntime cannot load fails the job naming model.onnx, also on an input of no rows', async () => {
    // The model loads while the input is read: its failure comes with the first chunk, or at the end.
    const pkg = join(t.dir, 'pkg-broken');
    cpSync(join(t.dir, 'pkg', 'cars'), pkg, { recursive: true });
    // Not a model, with its sha256 in package.json: the files agree, onnxruntime refuses it.
    const bytes = 'not an onnx model';
    writeFileSync(join(pkg, 'model.onnx'), bytes);
    const meta = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as object;
    const onnxSha256 = createHash('sha256').update(bytes).digest('hex');
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ ...meta, onnxSha256 }));
    const empty = join(IO, 'cars-empty.parquet');
    await engine.run(
      `COPY (SELECT * FROM read_parquet(${literal(join(IO, 'cars.parquet'))}) LIMIT 0) TO ${literal(empty)} (FORMAT parquet)`,
    );
    mkdirSync(join(IO, 'broken-model'), { recursive: true });
    for (const input of [join(IO, 'cars.parquet'), empty]) {
      const err = await predictBatch({
        packageDir: pkg,
        input,
        output: join(IO, 'broken-model', 'out.csv'),
      }).then(
        () => null,
        (e: unknown) => e as { code?: string; message: string },
      );
      expect(err?.code, input).toBe('CORRUPT_FILE');
      expect(err?.message, input).toMatch(/model\.onnx cannot be loaded by onnxruntime/);
      expect(readdirSync(join(IO, 'broken-model'))).toEqual([]);
    }
  });
});

describe('lathe predict', () => {
  beforeAll(async () => {
    // The CLI opens the workspace itself.
    await services!.close();
    services = undefined;
  });

  it('writes the output and prints the batch record with --json; a missing column exits 1 with the error', async () => {
    const output = join(IO, 'cli-out.csv');
    const ok = lathe([
      'predict',
      'penguins@staging',
      '--input',
      join(IO, 'penguins.csv'),
      '--output',
      output,
      '--id-column',
      'id',
      '--json',
      '--workspace',
      W,
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.json).toMatchObject({ model: 'penguins', version: 1, rows: 344, output });
    await expectMatches(
      output,
      await rowsOf(join(IO, 'penguins.csv')),
      models.penguins.predictor!,
      (rec) => rec.id,
      'id',
    );

    const human = lathe([
      'predict',
      'cars@1',
      '--input',
      join(IO, 'cars.parquet'),
      '--output',
      join(IO, 'cli-cars.parquet'),
      '--workspace',
      W,
    ]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/Predicted 406 rows with cars@1/);

    const bad = lathe([
      'predict',
      'cars@1',
      '--input',
      join(IO, 'cars-no-hp.parquet'),
      '--output',
      join(IO, 'fail', 'x.csv'),
      '--workspace',
      W,
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/no column 'Horsepower'/);
    expect(readdirSync(join(IO, 'fail'))).toEqual([]);
  });
});
