import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExpectationSuite } from '../../../shared/contract';
import { createServices, type Services } from '../../../main/services';
import { literal, sqlInteger, sqlNumber } from '../../../main/workspace/db';
import { contractClient } from '../../helpers/services';
import { tempDir } from '../../helpers/workspace';

// Property: a suite suggested from a version passes on that same version — through the real data and
// validation services, and again after the suite is saved as JSON and read back. The tables are typed
// DuckDB tables of awkward values: full-precision doubles (tiny, huge, -0, NaN, ±Infinity), integers past
// 2^53, nulls, unicode and quote-laden text, dates and timestamps, under awkward column names.
const t = tempDir('lathe-suite-property-');
let services: Services;
const { call } = contractClient(() => services);

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
});
afterAll(async () => {
  await services.close();
  t.remove();
});

type Type =
  | 'DOUBLE'
  | 'FLOAT'
  | 'INTEGER'
  | 'BIGINT'
  | 'UBIGINT'
  | 'HUGEINT'
  | 'VARCHAR'
  | 'BOOLEAN'
  | 'DATE'
  | 'TIMESTAMP';
type Cell = number | bigint | string | boolean | Date | null;

const doubles = fc.oneof(
  fc.double(),
  fc.double({ min: -1e-300, max: 1e-300 }),
  fc.constantFrom(
    0.17055522598064407,
    -0.000039434416199038757,
    0.1,
    5e-324,
    -5e-324,
    1.7976931348623157e308,
    -1.7976931348623157e308,
    -0,
    2 ** 53 + 2,
  ),
);
const around = (center: bigint, spread: bigint) =>
  fc.bigInt({ min: center - spread, max: center + spread });
const bigints = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  around(2n ** 53n, 4n),
  around(-(2n ** 53n), 4n),
  fc.constantFrom(2n ** 63n - 1n, -(2n ** 63n), 0n),
);
const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.constantFrom(
    "'",
    "''",
    '"',
    '\\',
    "O'Brien",
    'a"b',
    'é',
    'e\u0301',
    '💥',
    ' ',
    '',
    'NULL',
    '%_',
  ),
);
// Every date JavaScript has (±8.64e15 ms: years −271821 to 275760).
const day = fc.date({ noInvalidDate: true });

const VALUES: Record<Type, fc.Arbitrary<Cell>> = {
  DOUBLE: doubles,
  FLOAT: fc.float(),
  INTEGER: fc.oneof(fc.integer(), fc.integer({ min: -3, max: 3 })),
  BOOLEAN: fc.boolean(),
  BIGINT: bigints,
  UBIGINT: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), around(2n ** 64n - 5n, 4n)),
  HUGEINT: fc.oneof(bigints, fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n })),
  VARCHAR: text,
  DATE: day,
  TIMESTAMP: day,
};

/** A cell as a SQL literal of its column's type. */
function cellSql(type: Type, v: Cell): string {
  if (v === null) return `NULL::${type}`;
  if (typeof v === 'boolean') return `${v}::BOOLEAN`;
  if (typeof v === 'number') return `${sqlNumber(v)}::${type}`;
  if (typeof v === 'bigint') return `'${v}'::${type}`;
  if (v instanceof Date)
    return `make_timestamp(${sqlInteger(BigInt(v.getTime()) * 1000n)}::BIGINT)::${type}`;
  return `${literal(v)}::VARCHAR`;
}

const NAMES = ['x', 'h', 'n', 'select', 'a"b', "it's", 'ünï', '__src', 'c0', 'Value', 'order by'];
const column = fc.record({
  type: fc.constantFrom<Type>(
    'DOUBLE',
    'FLOAT',
    'INTEGER',
    'BIGINT',
    'UBIGINT',
    'HUGEINT',
    'VARCHAR',
    'BOOLEAN',
    'DATE',
    'TIMESTAMP',
  ),
  nulls: fc.boolean(),
});
const table = fc
  .record({
    names: fc.uniqueArray(fc.constantFrom(...NAMES), {
      minLength: 1,
      maxLength: 4,
      selector: (n) => n.toLowerCase(),
    }),
    columns: fc.array(column, { minLength: 4, maxLength: 4 }),
    rows: fc.integer({ min: 1, max: 12 }),
  })
  .chain(({ names, columns, rows }) => {
    const cols = names.map((name, i) => ({ name, ...columns[i]! }));
    const row = fc.tuple(
      ...cols.map((c) => (c.nulls ? fc.option(VALUES[c.type], { freq: 3 }) : VALUES[c.type])),
    );
    return fc.record({
      columns: fc.constant(cols),
      rows: fc.array(row, { minLength: rows, maxLength: rows }),
    });
  });

// An import refuses a query with no rows, so every table has at least one.
type Table = { columns: { name: string; type: Type }[]; rows: Cell[][] };

function tableSql({ columns, rows }: Table): string {
  const names = columns.map((c) => `"${c.name.replace(/"/g, '""')}"`).join(', ');
  const values = rows
    .map((r) => `(${r.map((v, i) => cellSql(columns[i]!.type, v)).join(', ')})`)
    .join(', ');
  return `SELECT * FROM (VALUES ${values}) AS t(${names})`;
}

let n = 0;

describe('a suggested expectation suite', () => {
  it('passes on the data it was drafted from, and again after a JSON round trip', async () => {
    await fc.assert(
      fc.asyncProperty(table, async (tbl) => {
        const name = `p${++n}`;
        await call('data:importQuery', { name, sql: tableSql(tbl) });
        const { suite } = await call('data:suggest', { ref: name });
        const report = await call('data:validate', { ref: name, suite });
        const broken = report.results.filter((r) => !r.passed).map((r) => r.message);
        expect(broken, tableSql(tbl)).toEqual([]);
        // The suite as a file or the saved suite holds it: JSON, read back through the schema.
        const back = ExpectationSuite.parse(JSON.parse(JSON.stringify(suite)));
        await call('data:suite:save', { name, suite: back });
        const again = await call('data:validate', { ref: name });
        expect(again.results.filter((r) => !r.passed).map((r) => r.message)).toEqual([]);
      }),
      {
        seed: 1313,
        numRuns: 60,
        endOnFailure: true,
      },
    );
  }, 80_000);
});
