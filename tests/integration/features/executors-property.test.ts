// Property test (issue 13): on random tables with awkward values, a fitted feature spec's SQL executor
// (the whole table in DuckDB, as training and batch prediction run it) and its TypeScript executor (row by
// row, as serving runs it, from the fitted.json a model carries) agree on every cell to 1e-6, absolute for
// values within ±1 and relative beyond: |sql − ts| ≤ 1e-6 · max(1, |sql|, |ts|). A batch job's matrix
// (batch-features.ts) agrees with the SQL executor's rounded to float32 the same way.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FeatureSpec,
  LatheError,
  type ColumnStep,
  type DerivedFeature,
  type FeatureSpecInput,
} from '../../../shared/contract';
import { FittedFeatureSpec } from '../../../shared/contract/features';
import { createEngine, type Engine } from '../../../main/data/engine';
import { columnInfo } from '../../../main/data/column-kind';
import { defaultFeatureSpec } from '../../../main/features/default-spec';
import { fitFeatureSpec } from '../../../main/features/fit';
import { compileFeatureSql } from '../../../main/features/sql';
import { batchFeatures, numericStep } from '../../../main/serve/batch-features';
import { columnOutputs } from '../../../main/features/names';
import { createRowTransformer } from '../../../main/features/row';
import { literal, sqlNumber, toPlain } from '../../../main/workspace/db';

const SEED = 1313;
const RUNS = 30;

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ threads: 1 });
  // A time zone off UTC by a non-whole hour: a TIMESTAMPTZ read in it moves hours, minutes and days.
  await engine.run(`SET GLOBAL TimeZone = 'Asia/Kolkata'`);
});
afterAll(() => engine.close());

// ---- values ----------------------------------------------------------------------------------------

/** Doubles of every kind: full precision, tiny and huge magnitudes, -0, integers past 2^53, NaN, ±∞. */
const double = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
  },
  { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      0,
      -0,
      0.17055522598064407,
      0.18492585378222715,
      5e-324,
      -2.2250738585072014e-308,
      1.7976931348623157e308,
      -1.7976931348623157e308,
      2 ** 53 + 2,
      -(2 ** 60),
      1e21,
      NaN,
      Infinity,
      -Infinity,
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: -5, max: 5 }).map((k) => k / 4) },
);
const nullable = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | null> =>
  fc.option(a, { nil: null, freq: 5 });

const bigints = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n) + 1n, max: 2n ** 63n - 1n }),
  fc.bigInt({ min: 2n ** 53n - 3n, max: 2n ** 53n + 3n }),
  fc.bigInt({ min: -3n, max: 3n }),
);

/** Category values: quotes, unicode, SQL-looking text, and names that are also Object.prototype keys. */
const CATEGORY_POOL = [
  'a',
  'B',
  "O'Brien",
  "it''s",
  'say "hi"',
  'ünïcødé',
  'İstanbul',
  'straße',
  '😀 emoji',
  '',
  ' ',
  'NULL',
  '-0',
  '1e5',
  'back\\slash',
  'tab\there',
  'line\nbreak',
  "'; DROP TABLE x; --",
  'toString',
  '__proto__',
  'constructor',
  'hasOwnProperty',
];
const category = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...CATEGORY_POOL) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);
/** Text for TF-IDF: words of the pool and arbitrary unicode joined by spaces and punctuation. */
const text = fc
  .array(fc.oneof(fc.constantFrom(...CATEGORY_POOL, 'the', 'Cat', 'KELVIN', 'ǅ'), category), {
    maxLength: 6,
  })
  .map((ws) => ws.join(' '));

const DAY_MS = 86_400_000;
/** Dates from year 1 to 9999 (whole days) and timestamps (whole seconds), also with time zone. */
const YEAR_1 = new Date(Date.UTC(2000, 0, 1)).setUTCFullYear(1) / DAY_MS;
const date = fc
  .integer({ min: YEAR_1, max: Date.UTC(9999, 11, 31) / DAY_MS })
  .map((d) => new Date(d * DAY_MS));
const timestamp = fc
  .integer({ min: Date.UTC(1900, 0, 1) / 1000, max: Date.UTC(2200, 0, 1) / 1000 })
  .map((s) => new Date(s * 1000));

interface Row {
  x: number | null;
  w: number | null;
  big: bigint | null;
  flag: boolean | null;
  s: string | null;
  c: string | null;
  txt: string | null;
  d: Date | null;
  tz: Date | null;
  ts: Date;
  y: number;
  yb: string;
}

const row: fc.Arbitrary<Row> = fc.record({
  x: nullable(double),
  w: nullable(double),
  big: nullable(bigints),
  flag: nullable(fc.boolean()),
  s: nullable(category),
  c: nullable(fc.constantFrom('a', "O'Brien", 'ünï', 'toString')),
  txt: nullable(text),
  d: nullable(date),
  tz: nullable(timestamp),
  ts: timestamp,
  y: fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e3, max: 1e3 }),
  yb: fc.constantFrom('yes', 'no'),
});
const table = fc.array(row, { minLength: 4, maxLength: 24 });

const COLUMNS = `__row INTEGER, __split VARCHAR, x DOUBLE, w DOUBLE, big BIGINT, flag BOOLEAN, s VARCHAR,
  c VARCHAR, txt VARCHAR, d DATE, tz TIMESTAMPTZ, ts TIMESTAMP, y DOUBLE, yb VARCHAR`;

const dateSql = (v: Date) => `${literal(v.toISOString().slice(0, 10))}::DATE`;
const tsSql = (v: Date) => `${literal(v.toISOString().replace('T', ' ').slice(0, 19))}::TIMESTAMP`;
const q = (v: string | null) => (v === null ? 'NULL' : literal(v));

let tables = 0;
/** Writes the rows to a fresh table; every fourth row is held out of training (row 0 trains). */
async function load(rows: Row[]): Promise<string> {
  const name = `t${tables++}`;
  await engine.run(`CREATE TABLE ${name} (${COLUMNS})`);
  const values = rows.map((r, i) =>
    [
      String(i),
      i % 4 === 3 ? "'valid'" : "'train'",
      r.x === null ? 'NULL' : sqlNumber(r.x),
      r.w === null ? 'NULL' : sqlNumber(r.w),
      r.big === null ? 'NULL' : sqlNumber(r.big),
      r.flag === null ? 'NULL' : String(r.flag),
      q(r.s),
      q(r.c),
      q(r.txt),
      r.d === null ? 'NULL' : dateSql(r.d),
      r.tz === null ? 'NULL' : `${literal(r.tz.toISOString())}::TIMESTAMPTZ`,
      tsSql(r.ts),
      sqlNumber(r.y),
      q(r.yb),
    ].join(', '),
  );
  await engine.run(`INSERT INTO ${name} VALUES ${values.map((v) => `(${v})`).join(',\n')}`);
  return name;
}

// ---- the comparison --------------------------------------------------------------------------------

const TOLERANCE = 1e-6;
const agree = (a: number, b: number) =>
  Object.is(a, b) || Math.abs(a - b) <= TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));

/** A row as a serving client sends it: JSON, with big integers as strings (JSON numbers cannot hold them). */
const asJson = (r: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : toPlain(v)]),
  );

/** The target a target encoding learns: y (regression) or yb (two classes, as binary or multiclass). */
type Target = 'y' | 'yb' | 'yb-multiclass';

interface Outcome {
  fitted: boolean;
  cells: number;
}

async function check(name: string, spec: FeatureSpecInput, target: Target = 'y'): Promise<Outcome> {
  const columns = (await engine.describe(`SELECT * FROM ${name}`)).map((c) =>
    columnInfo(c.name, c.type),
  );
  const parsed = FeatureSpec.parse(spec);
  const usesTarget = parsed.groups.some((g) => g.steps.some((s) => s.op === 'target'));
  let fitted;
  try {
    fitted = await fitFeatureSpec(parsed, {
      engine,
      from: name,
      columns: columns.filter((c) => c.name !== 'y' && c.name !== 'yb'),
      split: '__split',
      row: '__row',
      ...(usesTarget
        ? {
            target:
              target === 'y'
                ? { column: 'y', task: 'regression' as const, classes: [] }
                : {
                    column: 'yb',
                    task: target === 'yb' ? ('binary' as const) : ('multiclass' as const),
                    classes: ['no', 'yes'],
                  },
          }
        : {}),
    });
  } catch (err) {
    // A clear refusal (e.g. no values to fit on in the training split) is fine; anything else is a bug.
    if (
      err instanceof LatheError &&
      err.code === 'INVALID_CONFIG' &&
      /no values to fit/.test(err.message)
    )
      return { fitted: false, cells: 0 };
    throw err;
  }
  // Serving reads the fitted spec back from the model's fitted.json.
  // Reading it back loses nothing JSON keeps (JSON itself writes -0 as 0: that changes only the sign of
  // a zero, which no step can turn into a different value).
  const json = JSON.parse(JSON.stringify(fitted)) as unknown;
  const stored = FittedFeatureSpec.parse(json);
  expect(stored).toEqual(json);

  const sql = compileFeatureSql(fitted, name, { keep: ['__row'], rowOrder: '__row' });
  const bySql = new Map<number, number[]>();
  for (const r of await engine.all(sql))
    bySql.set(
      Number(r.__row),
      fitted.outputs.map((o) => r[o] as number),
    );

  // A batch job's features (batch-features.ts: one-hot columns as category codes, numeric columns of a
  // numeric type post-processed in JavaScript, copied into a float32 matrix) are the SQL executor's,
  // rounded to float32; those in JavaScript, bit for bit.
  const width = fitted.outputs.length;
  const numericTyped = new Set(['x', 'w', 'big', 'flag']);
  for (const numeric of [undefined, numericTyped]) {
    const batch = batchFeatures(fitted, fitted.outputs, name, {
      keep: ['__row'],
      rowOrder: '__row',
      ...(numeric ? { numeric } : {}),
    });
    const batchRows = await engine.all(batch.sql);
    const names = Object.keys(batchRows[0] ?? {});
    const matrix = new Float32Array(batchRows.length * width);
    batch.fill(
      { getColumnVector: (j) => ({ getItem: (i) => batchRows[i]![names[j]!] }) },
      0,
      batchRows.length,
      matrix,
      0,
    );
    const stepped = new Set(
      fitted.columns
        .filter((c) => numeric?.has(c.source) && numericStep(c, 0))
        .flatMap(columnOutputs),
    );
    batchRows.forEach((r, i) => {
      const expected = bySql.get(Number(r.__row))!;
      for (let k = 0; k < width; k++) {
        const want = Math.fround(expected[k]!);
        const got = matrix[i * width + k]!;
        if (stepped.has(fitted.outputs[k]!) ? !Object.is(want, got) : !agree(want, got))
          expect.fail(
            `${fitted.outputs[k]} of row ${String(r.__row)} (batch${numeric ? ', numeric in JavaScript' : ''}): SQL ${want}, batch ${got}\n` +
              `spec: ${JSON.stringify(spec)}\nfitted: ${JSON.stringify(fitted)}`,
          );
      }
    });
  }

  const windowed = fitted.derived.find((d) => d.op === 'lag' || d.op === 'rolling_mean');
  const rows = await engine.all(`SELECT * FROM ${name} ORDER BY ts, __row`);
  const transform = createRowTransformer(stored);
  const histories = new Map<
    unknown,
    { raw: Record<string, unknown>[]; json: Record<string, unknown>[] }
  >();
  let cells = 0;
  for (const r of rows) {
    const entity = windowed && 'entity' in windowed && windowed.entity ? r[windowed.entity] : '';
    const h = histories.get(entity) ?? { raw: [], json: [] };
    histories.set(entity, h);
    const json = asJson(r);
    const expected = bySql.get(Number(r.__row))!;
    for (const [how, vector] of [
      ['DuckDB row', transform(r, windowed ? h.raw : [])],
      ['JSON row', transform(json, windowed ? h.json : [])],
    ] as const) {
      expect(vector.length).toBe(expected.length);
      for (let k = 0; k < expected.length; k++) {
        if (!agree(expected[k]!, vector[k]!))
          expect.fail(
            `${fitted.outputs[k]} of row ${String(r.__row)} (${how}): SQL ${expected[k]}, TypeScript ${vector[k]}\n` +
              `row: ${JSON.stringify(json)}\nspec: ${JSON.stringify(spec)}\nfitted: ${JSON.stringify(fitted)}`,
          );
        cells++;
      }
    }
    h.raw.push(r);
    h.json.push(json);
  }
  return { fitted: true, cells };
}

// ---- the specs -------------------------------------------------------------------------------------

const numericSteps: fc.Arbitrary<ColumnStep[]> = fc
  .record({
    impute: fc.option(
      fc.record({
        op: fc.constant('impute' as const),
        strategy: fc.constantFrom('mean', 'median', 'most_frequent', 'constant'),
        value: double.filter(Number.isFinite),
        indicator: fc.boolean(),
      }),
      { nil: undefined },
    ),
    clip: fc.option(
      fc.oneof(
        fc.record({
          op: fc.constant('clip' as const),
          method: fc.constant('iqr' as const),
          factor: fc.double({ min: 0.1, max: 5, noNaN: true }),
        }),
        fc
          .tuple(
            fc.double({ min: 0, max: 1, noNaN: true }),
            fc.double({ min: 0, max: 1, noNaN: true }),
          )
          .map(([a, b]) => ({
            op: 'clip' as const,
            method: 'quantile' as const,
            lower: Math.min(a, b),
            upper: Math.max(a, b),
          })),
      ),
      { nil: undefined },
    ),
    scale: fc.option(
      fc.record({
        op: fc.constant('scale' as const),
        method: fc.constantFrom('standard', 'minmax', 'robust'),
      }),
      { nil: undefined },
    ),
    bucketize: fc.option(
      fc.record({
        op: fc.constant('bucketize' as const),
        bins: fc.integer({ min: 2, max: 12 }),
        strategy: fc.constantFrom('uniform', 'quantile'),
      }),
      { nil: undefined },
    ),
  })
  .map((s) =>
    [s.impute, s.clip, s.scale, s.bucketize]
      .filter((x) => x !== undefined)
      .map((x) => x as ColumnStep),
  );

const encoding: fc.Arbitrary<ColumnStep> = fc.oneof(
  fc.record({
    op: fc.constant('onehot' as const),
    maxCategories: fc.integer({ min: 1, max: 8 }),
    minFrequency: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record(
    { op: fc.constant('ordinal' as const), order: fc.array(category, { maxLength: 5 }) },
    { requiredKeys: ['op'] },
  ),
  fc.constant({ op: 'frequency' as const }),
  fc.record({
    op: fc.constant('target' as const),
    smoothing: fc.double({ min: 0, max: 20, noNaN: true }),
    folds: fc.integer({ min: 2, max: 5 }),
  }),
);
const categoricalSteps: fc.Arbitrary<ColumnStep[]> = fc
  .tuple(
    fc.option(
      fc.oneof(
        fc.record({
          op: fc.constant('impute' as const),
          strategy: fc.constant('most_frequent' as const),
          indicator: fc.boolean(),
        }),
        fc.record({
          op: fc.constant('impute' as const),
          strategy: fc.constant('constant' as const),
          value: category,
          indicator: fc.boolean(),
        }),
      ),
      { nil: undefined },
    ),
    encoding,
  )
  .map(([impute, enc]) => (impute ? [impute, enc] : [enc]));

const datetimeSteps: fc.Arbitrary<ColumnStep[]> = fc
  .tuple(
    fc.record({
      op: fc.constant('datetime' as const),
      parts: fc.subarray(
        ['year', 'month', 'day', 'dayofweek', 'dayofyear', 'hour', 'minute', 'weekend'] as const,
        { minLength: 1 },
      ),
      cyclical: fc.boolean(),
    }),
    numericSteps.map((steps) => steps.filter((s) => s.op !== 'impute')),
  )
  .map(([dt, rest]) => [dt, ...rest]);

const derived: fc.Arbitrary<DerivedFeature> = fc.oneof(
  fc.record({
    op: fc.constantFrom('ratio' as const, 'product' as const),
    columns: fc.constantFrom<[string, string]>(
      ['x', 'w'],
      ['w', 'x'],
      ['big', 'x'],
      ['flag', 'big'],
    ),
  }),
  fc.record(
    {
      op: fc.constant('lag' as const),
      column: fc.constantFrom('x', 'big', 'flag'),
      time: fc.constant('ts'),
      entity: fc.constantFrom('c', 's'),
      lags: fc.uniqueArray(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
    },
    { requiredKeys: ['op', 'column', 'time', 'lags'] },
  ),
  fc.record(
    {
      op: fc.constant('rolling_mean' as const),
      column: fc.constantFrom('x', 'big', 'flag'),
      time: fc.constant('ts'),
      entity: fc.constantFrom('c', 's'),
      windows: fc.uniqueArray(fc.integer({ min: 2, max: 6 }), { minLength: 1, maxLength: 3 }),
    },
    { requiredKeys: ['op', 'column', 'time', 'windows'] },
  ),
  fc.record({
    op: fc.constant('tfidf' as const),
    column: fc.constantFrom('txt', 's'),
    buckets: fc.integer({ min: 2, max: 32 }),
  }),
);

// ---- the properties --------------------------------------------------------------------------------

const tally = new Map<string, { runs: number; fitted: number; cells: number }>();
async function run(
  label: string,
  rows: Row[],
  spec: (name: string) => Promise<FeatureSpecInput>,
  target?: Target,
) {
  const name = await load(rows);
  try {
    const outcome = await check(name, await spec(name), target);
    const t = tally.get(label) ?? { runs: 0, fitted: 0, cells: 0 };
    t.runs++;
    if (outcome.fitted) t.fitted++;
    t.cells += outcome.cells;
    tally.set(label, t);
  } finally {
    await engine.run(`DROP TABLE ${name}`);
  }
}
afterAll(() => {
  for (const [label, t] of tally)
    console.log(`${label}: ${t.runs} tables, ${t.fitted} fitted, ${t.cells} cells compared`);
});

const options = { seed: SEED, numRuns: RUNS, endOnFailure: true };

describe('the SQL and TypeScript executors of a fitted spec agree on random tables', () => {
  it('the default spec', async () => {
    await fc.assert(
      fc.asyncProperty(table, (rows) =>
        run('default', rows, async (name) => {
          const columns = (await engine.describe(`SELECT * FROM ${name}`)).map((c) =>
            columnInfo(c.name, c.type),
          );
          const { spec } = await defaultFeatureSpec(engine, {
            from: name,
            trainWhere: `__split = 'train'`,
            columns,
            features: ['x', 'w', 'big', 'flag', 's', 'c', 'txt', 'd', 'tz', 'ts'],
          });
          return spec.groups.length ? spec : { groups: [{ columns: ['ts'] }] };
        }),
      ),
      options,
    );
  });

  it('numeric columns: imputation, clipping, scaling, bucketing', async () => {
    await fc.assert(
      fc.asyncProperty(
        table,
        numericSteps,
        fc.subarray(['x', 'w', 'big', 'flag'], { minLength: 1 }),
        (rows, steps, cols) =>
          run('numeric', rows, async () => ({ groups: [{ columns: cols, steps }] })),
      ),
      options,
    );
  });

  it('categories: imputation and one-hot, ordinal, frequency and target encodings', async () => {
    await fc.assert(
      fc.asyncProperty(
        table,
        categoricalSteps,
        fc.subarray(['s', 'c', 'big', 'flag'], { minLength: 1 }),
        fc.constantFrom<Target>('y', 'yb', 'yb-multiclass'),
        (rows, steps, cols, target) =>
          run(
            'categorical',
            rows,
            async () => ({
              groups: [
                {
                  columns: cols,
                  // integer and boolean columns encoded as categories take a text fill too
                  steps: steps.map((s) =>
                    s.op === 'impute' && s.strategy === 'constant'
                      ? { ...s, value: String(s.value) }
                      : s,
                  ),
                },
              ],
            }),
            target,
          ),
      ),
      options,
    );
  });

  it('dates and timestamps: parts, cyclical parts, then clipping, scaling, bucketing', async () => {
    await fc.assert(
      fc.asyncProperty(
        table,
        datetimeSteps,
        fc.subarray(['d', 'tz', 'ts'], { minLength: 1 }),
        (rows, steps, cols) =>
          run('datetime', rows, async () => ({ groups: [{ columns: cols, steps }] })),
      ),
      options,
    );
  });

  it('derived features: ratios, products, lags, rolling means, TF-IDF', async () => {
    await fc.assert(
      fc.asyncProperty(
        table,
        // distinct outputs: two TF-IDFs of one column would share names (a refusal, not a comparison)
        fc.uniqueArray(derived, {
          minLength: 1,
          maxLength: 3,
          selector: (d) => `${d.op}:${'column' in d ? d.column : d.columns.join()}`,
        }),
        (rows, ds) =>
          run('derived', rows, async () => {
            // at most one windowed feature per spec: the test keeps one history per entity
            const windowed = ds.filter((d) => d.op === 'lag' || d.op === 'rolling_mean');
            return {
              derived: [
                ...ds.filter((d) => d.op !== 'lag' && d.op !== 'rolling_mean'),
                ...windowed.slice(0, 1),
              ],
            };
          }),
      ),
      options,
    );
  });
});
