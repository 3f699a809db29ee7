// A gbdt's default feature spec: numbers pass through with nulls as NaN (in both executors: SQL as
// training and batch prediction run it, the row transformer as serving runs it), strings as ordinal codes
// (the 1000 most frequent; the rest and nulls -1), dates as unscaled parts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FittedFeatureSpec } from '../../../shared/contract/features';
import { columnInfo } from '../../../main/data/column-kind';
import { createEngine, type Engine } from '../../../main/data/engine';
import { defaultFeatureSpec, MAX_TREE_CATEGORIES } from '../../../main/features/default-spec';
import { fitFeatureSpec } from '../../../main/features/fit';
import { createRowTransformer } from '../../../main/features/row';
import { compileFeatureSql } from '../../../main/features/sql';
import { categoricalOutputs } from '../../../main/train/gbdt/gbdt-fit';
import { toPlain } from '../../../main/workspace/db';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ threads: 1 });
  // 3000 rows: x with every 7th null, flag boolean, city with 2000+ categories (city_0 … city_9 frequent),
  // colour with 3 and nulls, a date; rows 2400.. are validation.
  await engine.run(`CREATE TABLE t AS SELECT
      i AS __row,
      CASE WHEN i < 2400 THEN 'train' ELSE 'valid' END AS __split,
      CASE WHEN i % 7 = 0 THEN NULL ELSE (i % 100)::DOUBLE / 10 END AS x,
      i % 2 = 0 AS flag,
      CASE WHEN i % 3 = 0 THEN 'city_' || (i % 10)::VARCHAR ELSE 'c' || i::VARCHAR END AS city,
      CASE WHEN i % 5 = 0 THEN NULL ELSE ['red', 'green', 'blue'][1 + i % 3] END AS colour,
      DATE '2020-01-01' + (i % 400)::INTEGER AS day
    FROM range(3000) r(i)`);
});
afterAll(() => engine.close());

async function fitted(trees: boolean): Promise<FittedFeatureSpec> {
  const columns = (await engine.describe('SELECT x, flag, city, colour, day FROM t')).map((c) =>
    columnInfo(c.name, c.type),
  );
  const { spec } = await defaultFeatureSpec(engine, {
    from: 't',
    trainWhere: `__split = 'train'`,
    columns,
    features: columns.map((c) => c.name),
    trees,
  });
  const f = await fitFeatureSpec(spec, {
    engine,
    from: 't',
    columns,
    split: '__split',
    row: '__row',
  });
  return trees ? { ...f, missing: 'nan' } : f;
}

async function sqlRows(spec: FittedFeatureSpec): Promise<number[][]> {
  const sql = compileFeatureSql(spec, 't', { keep: ['__row'], rowOrder: '__row' });
  const { values } = await engine.columns(`SELECT * FROM (${sql}) ORDER BY __row`);
  const width = spec.outputs.length;
  // As training and batch prediction read them: DuckDB's NaN stays NaN.
  return values[0]!.map((_, r) => values.slice(0, width).map((col) => Number(col[r])));
}

describe('the default feature spec of a gbdt', () => {
  it('passes numbers through, codes strings, splits dates, without scaling', async () => {
    const spec = await fitted(true);
    expect(spec.outputs).toEqual([
      'x',
      'flag',
      'city__ordinal',
      'colour__ordinal',
      'day.year',
      'day.month',
      'day.day',
      'day.dayofweek',
      'day.dayofyear',
    ]);
    for (const c of spec.columns) {
      if (c.kind === 'numeric') expect(c.numeric).toEqual({});
      if (c.kind === 'numeric' || c.kind === 'categorical') expect(c.impute).toBeUndefined();
      if (c.kind === 'datetime') expect(c.numeric.every((n) => !n.scale)).toBe(true);
    }
    expect([...categoricalOutputs(spec)]).toEqual(['city__ordinal', 'colour__ordinal']);
    // A network's default spec is unchanged: imputed, scaled, one-hot.
    const net = await fitted(false);
    expect(net.missing).toBeUndefined();
    expect(net.outputs).toContain('x__missing');
    expect(net.outputs).toContain('colour=red');
  });

  it('caps a column of 1600 categories at the 1000 most frequent; others and nulls are -1', async () => {
    const spec = await fitted(true);
    const city = spec.columns.find((c) => c.source === 'city')!;
    if (city.kind !== 'categorical' || city.encoding.op !== 'ordinal')
      throw new Error('not ordinal');
    const cats = city.encoding.categories;
    expect(cats).toHaveLength(MAX_TREE_CATEGORIES);
    expect(cats).toEqual([...cats].sort());
    // city_0 … city_9 are in a third of the rows: kept.
    for (let i = 0; i < 10; i++) expect(cats).toContain(`city_${i}`);
    const rows = await sqlRows(spec);
    const code = spec.outputs.indexOf('city__ordinal');
    const cities = (await engine.all('SELECT city FROM t ORDER BY __row')).map((r) =>
      String(r.city),
    );
    let minusOne = 0;
    cities.forEach((c, i) => {
      const expected = cats.indexOf(c);
      expect(rows[i]![code], c).toBe(expected);
      if (expected < 0) minusOne++;
    });
    // 1600 single-row names in training, 990 kept: 610 there and all 400 of validation are -1.
    expect(minusOne).toBe(610 + 400);
  });

  it('gives NaN for a null in both executors, the same codes and values elsewhere', async () => {
    const spec = await fitted(true);
    const rows = await sqlRows(spec);
    const transform = createRowTransformer(spec);
    const raw = await engine.all('SELECT x, flag, city, colour, day FROM t ORDER BY __row');
    const x = spec.outputs.indexOf('x');
    const colour = spec.outputs.indexOf('colour__ordinal');
    expect(rows[0]![x]).toBeNaN();
    expect(rows[1]![x]).toBe(0.1);
    expect(rows[0]![colour]).toBe(-1);
    let nans = 0;
    raw.forEach((r, i) => {
      const ts = Array.from(
        transform(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, toPlain(v)]))),
      );
      ts.forEach((v, k) => {
        if (Number.isNaN(v)) nans++;
        expect(
          Object.is(v, rows[i]![k]) || Math.abs(v - rows[i]![k]!) < 1e-9,
          `row ${i} ${spec.outputs[k]}`,
        ).toBe(true);
      });
    });
    expect(nans).toBe(Math.ceil(3000 / 7));
    // Unset (a network's spec), the same nulls are 0.
    const net = createRowTransformer({ ...spec, missing: undefined });
    expect(net({ x: null, flag: true, city: 'city_1', colour: null, day: null })[x]).toBe(0);
  });
});
