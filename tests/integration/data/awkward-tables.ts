import fc from 'fast-check';
import { literal, sqlInteger, sqlNumber } from '../../../main/workspace/db';

// Typed DuckDB tables of awkward values for property tests: full-precision doubles (tiny, huge, -0, NaN,
// ±Infinity), integers past 2^53, nulls, unicode and quote-laden text, dates and timestamps, under awkward
// column names.

export type Type =
  | 'DOUBLE'
  | 'FLOAT'
  | 'INTEGER'
  | 'BIGINT'
  | 'UBIGINT'
  | 'HUGEINT'
  | 'VARCHAR'
  | 'BOOLEAN'
  | 'DATE'
  | 'TIMESTAMP'
  | 'DECIMAL(9,2)'
  | 'DECIMAL(38,10)';
export type Cell = number | bigint | string | boolean | Date | null;

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

export const VALUES: Record<Type, fc.Arbitrary<Cell>> = {
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
  // Whole hundredths, and ten-billionths up to ±1e15: exact as a DOUBLE literal's cast.
  'DECIMAL(9,2)': fc.integer({ min: -9_999_999, max: 9_999_999 }).map((k) => k / 100),
  'DECIMAL(38,10)': fc.oneof(
    fc.integer({ min: -1e6, max: 1e6 }).map((k) => k / 1e4),
    fc.double({ min: -1e15, max: 1e15, noNaN: true }),
  ),
};

/** A cell as a SQL literal of its column's type. */
export function cellSql(type: Type, v: Cell): string {
  if (v === null) return `NULL::${type}`;
  if (typeof v === 'boolean') return `${v}::BOOLEAN`;
  if (typeof v === 'number') return `${sqlNumber(v)}::${type}`;
  if (typeof v === 'bigint') return `'${v}'::${type}`;
  if (v instanceof Date)
    return `make_timestamp(${sqlInteger(BigInt(v.getTime()) * 1000n)}::BIGINT)::${type}`;
  return `${literal(v)}::VARCHAR`;
}

const NAMES = ['x', 'h', 'n', 'select', 'a"b', "it's", 'ünï', '__src', 'c0', 'Value', 'order by'];
/** The column types a table draws from unless told otherwise. */
export const TYPES: readonly Type[] = [
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
];
const column = (types: readonly Type[]) =>
  fc.record({
    type: fc.constantFrom<Type>(...types),
    nulls: fc.boolean(),
    repeated: fc.boolean(),
  });
/**
 * A table of 1 to 4 awkward columns (of `types`) and 1 to `maxRows` rows. A column may draw its values from
 * a few of them (`repeated`), so values repeat, tie and group as real data's do.
 */
export function awkwardTable(maxRows = 12, types: readonly Type[] = TYPES) {
  return fc
    .record({
      names: fc.uniqueArray(fc.constantFrom(...NAMES), {
        minLength: 1,
        maxLength: 4,
        selector: (n) => n.toLowerCase(),
      }),
      columns: fc.array(column(types), { minLength: 4, maxLength: 4 }),
      rows: fc.integer({ min: 1, max: maxRows }),
    })
    .chain(({ names, columns, rows }) => {
      const cols = names.map((name, i) => ({ name, ...columns[i]! }));
      const row = fc.tuple(
        ...cols.map((c) => {
          const values = c.repeated
            ? fc
                .array(VALUES[c.type], { minLength: 1, maxLength: 3 })
                .chain((pool) => fc.constantFrom(...pool))
            : VALUES[c.type];
          return c.nulls ? fc.option(values, { freq: 3 }) : values;
        }),
      );
      return fc.record({
        columns: fc.constant(cols),
        rows: fc.array(row, { minLength: rows, maxLength: rows }),
      });
    });
}

export type Table = { columns: { name: string; type: Type }[]; rows: Cell[][] };

export function tableSql({ columns, rows }: Table): string {
  const names = columns.map((c) => `"${c.name.replace(/"/g, '""')}"`).join(', ');
  const values = rows
    .map((r) => `(${r.map((v, i) => cellSql(columns[i]!.type, v)).join(', ')})`)
    .join(', ');
  return `SELECT * FROM (VALUES ${values}) AS t(${names})`;
}
