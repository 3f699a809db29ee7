import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeatureSpec, type FeatureSpecInput, type Task } from '../../../shared/contract';
import { createEngine, type Engine } from '../../../main/data/engine';
import { columnInfo } from '../../../main/data/column-kind';
import { fitFeatureSpec } from '../../../main/features/fit';
import { compileFeatureSql } from '../../../main/features/sql';
import { createRowTransformer } from '../../../main/features/row';
import { vega } from '../../helpers/workspace';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine();
  // 10,000 real flights, with nulls and a category never seen in training injected on purpose.
  await engine.run(`CREATE TABLE flights AS
    SELECT file_row_number AS __row,
      CASE WHEN md5_number_lower('split:' || file_row_number::VARCHAR) % 10 < 8 THEN 'train' ELSE 'valid' END AS __split,
      date,
      CASE WHEN file_row_number % 17 = 0 THEN NULL ELSE delay END AS delay,
      CASE WHEN file_row_number % 29 = 0 THEN NULL ELSE distance END AS distance,
      origin,
      CASE WHEN file_row_number % 23 = 0 THEN NULL
           WHEN file_row_number % 31 = 0 AND md5_number_lower('split:' || file_row_number::VARCHAR) % 10 >= 8 THEN 'ZZZ'
           ELSE destination END AS destination,
      delay > 15 AS late
    FROM read_parquet('${vega('flights-3m.parquet')}', file_row_number = true) WHERE file_row_number < 10000`);
  await engine.run(`CREATE TABLE movies AS
    SELECT row_number() OVER () - 1 AS __row,
      CASE WHEN md5_number_lower('split:' || (row_number() OVER ())::VARCHAR) % 10 < 8 THEN 'train' ELSE 'valid' END AS __split,
      "Title" AS title, "MPAA Rating" AS rating, "Running Time min" AS minutes, "Major Genre" AS genre,
      "Production Budget" AS budget, "IMDB Rating" AS imdb
    FROM read_json('${vega('movies.json')}', format = 'array') WHERE "IMDB Rating" IS NOT NULL`);
});
afterAll(() => engine.close());

const keyOf = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v ?? null));

async function columnsOf(table: string) {
  return (await engine.describe(`SELECT * FROM ${table}`)).map((c) => columnInfo(c.name, c.type));
}

type Target = { column: string; task: Task; classes: string[] };

/** Fits `spec` on the training rows of `table` (its __split and __row columns). */
async function fitOn(table: string, spec: FeatureSpecInput, target?: Target) {
  return fitFeatureSpec(FeatureSpec.parse(spec), {
    engine,
    from: table,
    columns: await columnsOf(table),
    split: '__split',
    row: '__row',
    target,
  });
}
const fitFlights = (spec: FeatureSpecInput, target?: Target) => fitOn('flights', spec, target);

/** Fits on the training rows, then transforms every row with both executors and compares them. */
async function compare(
  table: string,
  spec: FeatureSpecInput,
  history?: { entity?: string; time: string },
  target?: Target,
) {
  const fitted = await fitOn(table, spec, target);
  const sql = compileFeatureSql(fitted, table, { keep: ['__row'], rowOrder: '__row' });
  const bySql = new Map<number, number[]>();
  for (const r of await engine.all(sql))
    bySql.set(
      Number(r.__row),
      fitted.outputs.map((o) => Number(r[o])),
    );
  const rows = await engine.all(`SELECT * FROM ${table}`);
  const transform = createRowTransformer(fitted);
  // Each row's history: the earlier rows of its entity in time order, as a serving caller would keep it.
  const ordered = history
    ? [...rows].sort((a, b) => {
        const ea = keyOf(history.entity ? a[history.entity] : '');
        const eb = keyOf(history.entity ? b[history.entity] : '');
        if (ea !== eb) return ea < eb ? -1 : 1;
        const ta = (a[history.time] as Date).getTime();
        const tb = (b[history.time] as Date).getTime();
        return ta - tb || Number(a.__row) - Number(b.__row);
      })
    : rows;
  const seen = new Map<string, Record<string, unknown>[]>();
  let worst = 0;
  let nonZero = 0;
  for (const r of ordered) {
    const key = history?.entity ? keyOf(r[history.entity]) : '';
    const past = seen.get(key) ?? [];
    const vector = transform(r, past);
    past.push(r);
    seen.set(key, past);
    const expected = bySql.get(Number(r.__row))!;
    expect(vector.length).toBe(fitted.outputs.length);
    for (let k = 0; k < vector.length; k++) {
      worst = Math.max(worst, Math.abs(vector[k]! - expected[k]!));
      if (vector[k] !== 0) nonZero++;
    }
  }
  // Agreement must be on real values, not on vectors of zeros.
  expect(nonZero).toBeGreaterThan(rows.length * 2);
  return { fitted, worst, rows: rows.length };
}

describe('the two executors of a fitted spec', () => {
  it('agree to 1e-6 on 10,000 flights: imputation, clipping, scaling, encodings, date parts, lags, rolling means, interactions', async () => {
    const { fitted, worst, rows } = await compare(
      'flights',
      {
        groups: [
          {
            columns: ['distance'],
            steps: [
              { op: 'impute', strategy: 'median', indicator: true },
              { op: 'clip', method: 'iqr' },
              { op: 'scale', method: 'robust' },
            ],
          },
          {
            columns: ['delay'],
            steps: [
              { op: 'impute', strategy: 'mean' },
              { op: 'clip', method: 'quantile', lower: 0.02, upper: 0.98 },
              { op: 'bucketize', bins: 8 },
            ],
          },
          {
            columns: ['destination'],
            steps: [
              { op: 'impute', strategy: 'constant', value: 'missing', indicator: true },
              { op: 'onehot', maxCategories: 20 },
            ],
          },
          { columns: ['origin'], steps: [{ op: 'frequency' }] },
          {
            columns: ['date'],
            steps: [
              {
                op: 'datetime',
                parts: ['year', 'month', 'dayofweek', 'hour', 'weekend'],
                cyclical: true,
              },
              { op: 'scale', method: 'minmax' },
            ],
          },
        ],
        derived: [
          { op: 'lag', column: 'delay', entity: 'origin', time: 'date', lags: [1, 3] },
          { op: 'rolling_mean', column: 'delay', entity: 'origin', time: 'date', windows: [5] },
          { op: 'ratio', columns: ['delay', 'distance'] },
          { op: 'product', columns: ['delay', 'distance'] },
        ],
      },
      { entity: 'origin', time: 'date' },
    );
    expect(rows).toBe(10_000);
    expect(fitted.outputs.length).toBeGreaterThan(30);
    expect(worst).toBeLessThanOrEqual(1e-6);
    expect(fitted.outputs).toContain('distance__missing');
    expect(fitted.outputs).toContain('destination=__other__');
    expect(fitted.outputs).toContain('date.hour_sin');
    expect(fitted.outputs).toContain('delay__lag3');
    expect(fitted.docs.map((d) => d.name)).toEqual(fitted.outputs);
  });

  it('agree on movies: hashed TF-IDF of titles, ordinal and target encodings, nulls everywhere', async () => {
    const { fitted, worst } = await compare(
      'movies',
      {
        groups: [
          {
            columns: ['rating'],
            steps: [{ op: 'ordinal', order: ['G', 'PG', 'PG-13', 'R', 'NC-17'] }],
          },
          { columns: ['genre'], steps: [{ op: 'target', smoothing: 5, folds: 4 }] },
          {
            columns: ['minutes', 'budget'],
            steps: [
              { op: 'impute', strategy: 'mean', indicator: true },
              { op: 'scale', method: 'standard' },
            ],
          },
        ],
        derived: [{ op: 'tfidf', column: 'title', buckets: 32 }],
      },
      undefined,
      { column: 'imdb', task: 'regression', classes: [] },
    );
    expect(worst).toBeLessThanOrEqual(1e-6);
    expect(fitted.outputs.filter((o) => o.startsWith('title__tfidf'))).toHaveLength(32);
  });
});

describe('fitting', () => {
  it('learns from the training split only', async () => {
    const fitted = await fitFlights({
      groups: [{ columns: ['distance'], steps: [{ op: 'scale', method: 'standard' }] }],
    });
    const [train] = await engine.all(
      `SELECT avg(distance) AS m, stddev_pop(distance) AS s FROM flights WHERE __split = 'train'`,
    );
    const col = fitted.columns[0]!;
    expect(col.kind === 'numeric' && col.numeric.scale).toEqual({
      center: Number(train!.m),
      scale: Number(train!.s),
    });
  });

  it('encodes training rows out of fold with target encoding, and other rows with the full fit', async () => {
    const fitted = await fitFlights(
      { groups: [{ columns: ['origin'], steps: [{ op: 'target', folds: 5 }] }] },
      { column: 'late', task: 'binary', classes: ['false', 'true'] },
    );
    const enc = fitted.columns[0]!;
    if (enc.kind !== 'categorical' || enc.encoding.op !== 'target')
      throw new Error('expected a target encoding');
    expect(enc.encoding.folds).toHaveLength(5);
    const sql = compileFeatureSql(fitted, 'flights', {
      keep: ['__row', '__split', 'origin'],
      oof: { split: '__split', row: '__row' },
    });
    const rows = await engine.all(sql);
    const valid = rows.find(
      (r) =>
        r.__split === 'valid' &&
        enc.encoding.op === 'target' &&
        enc.encoding.values[String(r.origin)],
    )!;
    expect(Number(valid['origin__target'])).toBeCloseTo(
      enc.encoding.values[String(valid.origin)]![0]!,
      12,
    );
    const trainRows = rows.filter((r) => r.__split === 'train');
    const differs = trainRows.filter(
      (r) =>
        Math.abs(
          Number(r['origin__target']) -
            (enc.encoding.op === 'target' ? enc.encoding.values[String(r.origin)]![0]! : 0),
        ) > 1e-12,
    );
    expect(differs.length).toBeGreaterThan(trainRows.length / 2);
  });

  it('names the spec field at fault', async () => {
    const fit = (spec: FeatureSpecInput) => fitFlights(spec);
    await expect(fit({ groups: [{ columns: ['ghost'] }] })).rejects.toThrow(
      /^groups\.0\.columns\.0: column 'ghost' is not in the dataset/,
    );
    await expect(
      fit({
        groups: [
          {
            columns: ['distance'],
            steps: [
              { op: 'scale', method: 'standard' },
              { op: 'clip', method: 'iqr' },
            ],
          },
        ],
      }),
    ).rejects.toThrow(/^groups\.0\.steps\.1: clip must come before scale/);
    await expect(
      fit({ groups: [{ columns: ['origin'], steps: [{ op: 'impute', strategy: 'mean' }] }] }),
    ).rejects.toThrow(/^groups\.0\.steps\.0\.strategy: mean needs a numeric column/);
    await expect(
      fit({ groups: [{ columns: ['origin'], steps: [{ op: 'target' }] }] }),
    ).rejects.toThrow(/target encoding needs the training target/);
  });
});
