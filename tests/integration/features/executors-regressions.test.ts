// One plain case per disagreement the executors property test found (issue 13), each at its cause.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeatureSpec, type FeatureSpecInput } from '../../../shared/contract';
import { FittedFeatureSpec } from '../../../shared/contract/features';
import { createEngine, type Engine } from '../../../main/data/engine';
import { columnInfo } from '../../../main/data/column-kind';
import { defaultFeatureSpec } from '../../../main/features/default-spec';
import { fitFeatureSpec } from '../../../main/features/fit';
import { compileFeatureSql } from '../../../main/features/sql';
import { createRowTransformer, tokenize } from '../../../main/features/row';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ threads: 1 });
  // Training may run anywhere: these cases hold off UTC too (by a non-whole hour).
  await engine.run(`SET GLOBAL TimeZone = 'Asia/Kolkata'`);
});
afterAll(() => engine.close());

let n = 0;
/**
 * Makes a table from `select` (every row trains unless it sets __split), fits `spec`, and returns each
 * row's vector from the SQL executor and from the row executor over the fitted spec read back from JSON.
 */
async function both(
  select: string,
  spec: FeatureSpecInput,
  target?: { column: string; task: 'regression' | 'binary'; classes: string[] },
) {
  const name = `r${n++}`;
  await engine.run(
    `CREATE TABLE ${name} AS SELECT row_number() OVER () - 1 AS __row, 'train' AS __split, * FROM (${select})`,
  );
  const columns = (await engine.describe(`SELECT * FROM ${name}`)).map((c) =>
    columnInfo(c.name, c.type),
  );
  const fitted = await fitFeatureSpec(FeatureSpec.parse(spec), {
    engine,
    from: name,
    columns: columns.filter((c) => c.name !== target?.column),
    split: '__split',
    row: '__row',
    ...(target ? { target } : {}),
  });
  const stored = FittedFeatureSpec.parse(JSON.parse(JSON.stringify(fitted)));
  const sqlText = compileFeatureSql(fitted, name, { keep: ['__row'] });
  const sql = (await engine.all(`SELECT * FROM (${sqlText}) ORDER BY __row`)).map((r) =>
    fitted.outputs.map((o) => r[o] as number),
  );
  const transform = createRowTransformer(stored);
  const rows = await engine.all(`SELECT * FROM ${name} ORDER BY __row`);
  const ts = rows.map((r) => [...transform(r)]);
  return { fitted, stored, sql, ts, sqlText, name };
}

describe('executor regressions', () => {
  it('a 17-digit bin cut keeps its exact value in SQL (a bare literal was read as DECIMAL and moved it)', async () => {
    const { fitted, sql, ts, sqlText } = await both(
      `SELECT * FROM (VALUES ('0.1'::DOUBLE), ('0.18492585378222715'::DOUBLE), ('0.3'::DOUBLE)) v(x)`,
      { groups: [{ columns: ['x'], steps: [{ op: 'bucketize', bins: 2 }] }] },
    );
    expect(fitted.columns[0]).toMatchObject({
      numeric: { bucketize: { cuts: [0.18492585378222715] } },
    });
    expect(sqlText).toContain(`'0.18492585378222715'::DOUBLE`);
    // The middle value equals the cut: bin 1 in both (the old literal put it in bin 0 in SQL).
    expect(sql).toEqual([[0], [1], [1]]);
    expect(ts).toEqual(sql);
  });

  it('NaN and ±Infinity in a numeric column are missing in SQL too, so both executors impute them', async () => {
    const { sql, ts } = await both(
      `SELECT * FROM (VALUES (1.0::DOUBLE), ('NaN'::DOUBLE), ('Infinity'::DOUBLE), ('-Infinity'::DOUBLE), (NULL)) v(x)`,
      {
        groups: [
          {
            columns: ['x'],
            steps: [{ op: 'impute', strategy: 'constant', value: 100, indicator: true }],
          },
        ],
      },
    );
    expect(sql).toEqual([
      [1, 0],
      [100, 1],
      [100, 1],
      [100, 1],
      [100, 1],
    ]);
    expect(ts).toEqual(sql);
  });

  it('the weekend part of a missing date is missing in SQL, not 0 (which scaling then moved)', async () => {
    const { sql, ts } = await both(
      `SELECT * FROM (VALUES ('2026-01-03'::DATE), ('2026-01-05'::DATE), ('2026-01-04'::DATE), (NULL)) v(d)`,
      {
        groups: [
          {
            columns: ['d'],
            steps: [
              { op: 'datetime', parts: ['weekend'] },
              { op: 'scale', method: 'standard' },
            ],
          },
        ],
      },
    );
    expect(sql[3]).toEqual([0]);
    expect(sql[0]![0]).toBeGreaterThan(0);
    expect(ts).toEqual(sql);
  });

  it('a product or ratio that overflows is 0 in SQL, as in the row executor (not Infinity)', async () => {
    const { sql, ts } = await both(
      `SELECT * FROM (VALUES ('1e200'::DOUBLE, '1e200'::DOUBLE), ('1e300'::DOUBLE, '1e-300'::DOUBLE), (2.0, 3.0)) v(a, b)`,
      {
        derived: [
          { op: 'product', columns: ['a', 'b'] },
          { op: 'ratio', columns: ['a', 'b'] },
        ],
      },
    );
    expect(sql).toEqual([
      [0, 1],
      [1, 0],
      [6, 2 / 3],
    ]);
    expect(ts).toEqual(sql);
  });

  it('the default spec and the standard scaler fit values near the largest double (stddev_pop threw, avg overflowed)', async () => {
    const select = `SELECT * FROM (VALUES ('1.7976931348623157e308'::DOUBLE), ('1.7976931348623157e308'::DOUBLE), ('-1e308'::DOUBLE), (1.0)) v(x)`;
    const name = `r${n++}`;
    await engine.run(
      `CREATE TABLE ${name} AS SELECT row_number() OVER () - 1 AS __row, 'train' AS __split, * FROM (${select})`,
    );
    const columns = (await engine.describe(`SELECT * FROM ${name}`)).map((c) =>
      columnInfo(c.name, c.type),
    );
    const { spec, dropped } = await defaultFeatureSpec(engine, {
      from: name,
      trainWhere: `__split = 'train'`,
      columns,
      features: ['x'],
    });
    expect(dropped).toEqual([]);
    const { fitted, sql, ts } = await both(select, spec);
    const scale = (fitted.columns[0] as { numeric: { scale?: { center: number; scale: number } } })
      .numeric.scale!;
    // The true mean is (2·MAX − 1e308 + 1) / 4 ≈ 6.488e307; the spread is finite too.
    expect(scale.center).toBeCloseTo(6.488465674311579e307, -300);
    expect(Number.isFinite(scale.scale) && scale.scale > 1e307).toBe(true);
    expect(ts).toEqual(sql);
  });

  it('IQR fences and uniform bins past the largest double stay finite, so fitted.json holds them', async () => {
    const { fitted, stored, sql, ts } = await both(
      `SELECT * FROM (VALUES ('-1.7e308'::DOUBLE), ('1.7e308'::DOUBLE), (0.0), (1.0)) v(x)`,
      {
        groups: [
          {
            columns: ['x'],
            steps: [
              // q1 ≈ −4.25e307, q3 ≈ 4.25e307: the fences q1 − 3·IQR and q3 + 3·IQR overflow
              { op: 'clip', method: 'iqr', factor: 3 },
              { op: 'bucketize', bins: 4, strategy: 'uniform' },
            ],
          },
        ],
      },
    );
    const numeric = (fitted.columns[0] as { numeric: { clip: { lo: number; hi: number } } })
      .numeric;
    expect(numeric.clip).toEqual({ lo: -Number.MAX_VALUE, hi: Number.MAX_VALUE });
    expect(stored).toEqual(fitted);
    expect(sql).toEqual([[0], [3], [2], [2]]);
    expect(ts).toEqual(sql);
  });

  it('uniform bins whose (k + 1)·(hi − lo) overflows stay finite', async () => {
    const { fitted, stored, sql, ts } = await both(
      `SELECT * FROM (VALUES ('-8e307'::DOUBLE), ('8e307'::DOUBLE), (0.0)) v(x)`,
      { groups: [{ columns: ['x'], steps: [{ op: 'bucketize', bins: 4, strategy: 'uniform' }] }] },
    );
    const { cuts } = (fitted.columns[0] as { numeric: { bucketize: { cuts: number[] } } }).numeric
      .bucketize;
    expect(cuts.map((c) => c / 1e307)).toEqual([-4, 0, expect.closeTo(4, 12) as number]);
    expect(stored).toEqual(fitted);
    expect(sql).toEqual([[0], [3], [2]]);
    expect(ts).toEqual(sql);
  });

  it("a category named '__proto__' is unseen in both executors (zod drops that key reading fitted.json)", async () => {
    const { fitted, stored, sql, ts } = await both(
      `SELECT * FROM (VALUES ('__proto__'), ('a'), ('a'), ('b')) v(s)`,
      { groups: [{ columns: ['s'], steps: [{ op: 'frequency' }] }] },
    );
    expect(fitted.columns[0]).toMatchObject({ encoding: { shares: { a: 0.5, b: 0.25 } } });
    expect(stored).toEqual(fitted);
    expect(sql).toEqual([[0], [0.5], [0.5], [0.25]]);
    expect(ts).toEqual(sql);
  });

  it("a category named 'toString' that training never saw gets the prior (the lookup read Object's method and threw)", async () => {
    const { fitted, sql, ts } = await both(
      `SELECT * FROM (VALUES ('a', 1.0), ('a', 3.0), ('b', 5.0), ('toString', 7.0)) v(s, y)`,
      { groups: [{ columns: ['s'], steps: [{ op: 'target', smoothing: 0, folds: 2 }] }] },
      { column: 'y', task: 'regression', classes: [] },
    );
    expect(sql.map((r) => r[0])).toEqual([2, 2, 5, 7]);
    expect(ts).toEqual(sql);
    const transform = createRowTransformer(fitted);
    expect([...transform({ s: 'constructor' })]).toEqual([4]);
    expect([...transform({ s: 'hasOwnProperty' })]).toEqual([4]);
  });

  it('date parts of a TIMESTAMPTZ are UTC in SQL whatever the machine time zone (the cast took the local one)', async () => {
    const { sql, ts } = await both(
      `SELECT * FROM (VALUES ('2026-01-03 20:00:00+00'::TIMESTAMPTZ), ('2026-01-05 23:50:00+00'::TIMESTAMPTZ)) v(t)`,
      {
        groups: [
          {
            columns: ['t'],
            steps: [{ op: 'datetime', parts: ['day', 'dayofweek', 'hour', 'minute', 'weekend'] }],
          },
        ],
      },
    );
    // In Kolkata (UTC+5:30) the first is Sunday 01:30 and the second Tuesday 05:20.
    expect(sql).toEqual([
      [3, 6, 20, 0, 1],
      [5, 1, 23, 50, 0],
    ]);
    expect(ts).toEqual(sql);
  });

  it('cyclical date parts are the same bits in both executors (DuckDB and Math sin differ in the last bit)', async () => {
    // sin of September is −0.8660254037844384 in DuckDB and −0.8660254037844385 in Math: the median cut
    // lands on it, so the September rows fell in bin 1 in one executor and bin 0 in the other.
    const { fitted, sql, ts } = await both(
      `SELECT * FROM (VALUES ('2026-09-01'::DATE), ('2026-09-02'::DATE), ('2026-09-03'::DATE), ('2026-01-01'::DATE)) v(d)`,
      {
        groups: [
          {
            columns: ['d'],
            steps: [
              { op: 'datetime', parts: ['month'], cyclical: true },
              { op: 'bucketize', bins: 2 },
            ],
          },
        ],
      },
    );
    const sin = fitted.outputs.indexOf('d.month_sin');
    expect(fitted.columns[0]).toMatchObject({
      numeric: [{}, { bucketize: { cuts: [Math.sin((2 * Math.PI * 8) / 12)] } }, {}],
    });
    expect(sql.map((r) => r[sin])).toEqual([1, 1, 1, 1]);
    expect(ts).toEqual(sql);
  });

  it('a category holding NUL is encoded in SQL (its literal and its output name used to end the SQL text there)', async () => {
    const { fitted, sql, ts } = await both(
      `SELECT * FROM (VALUES ('a' || chr(0) || 'b'), ('a'), ('a' || chr(0) || 'b')) v(s)`,
      { groups: [{ columns: ['s'], steps: [{ op: 'onehot' }] }] },
    );
    expect(fitted.outputs).toEqual(['s=a\u2400b', 's=a', 's=__other__']);
    expect(sql).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [1, 0, 0],
    ]);
    expect(ts).toEqual(sql);
  });

  it("TF-IDF tokens of 'İstanbul' are the same in both executors (JavaScript lower-cases İ to i + a combining dot)", async () => {
    expect(tokenize('İSTANBUL İstanbul')).toEqual(['istanbul', 'istanbul']);
    const { sql, ts } = await both(
      `SELECT * FROM (VALUES ('İstanbul and Ankara'), ('ankara'), ('istanbul')) v(t)`,
      { derived: [{ op: 'tfidf', column: 't', buckets: 16 }] },
    );
    for (let r = 0; r < sql.length; r++)
      for (let k = 0; k < sql[r]!.length; k++) expect(ts[r]![k]).toBeCloseTo(sql[r]![k]!, 12);
    expect(sql[0]).not.toEqual(sql[1]);
  });
});
