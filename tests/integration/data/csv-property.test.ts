// Property: a table of strings and full-precision doubles, written as CSV in any quoting style the
// importer reads (minimal, all quoted, strings quoted; `,` `;` tab `|`; LF, CRLF or both; with or without
// a BOM and a final line end), imports to equal values. Conventions a writer relies on: an empty unquoted
// field is null, a quoted empty field ("") is the empty string, and a quoted field is always text.
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../main/services';
import { tempDir } from '../../helpers/workspace';

const t = tempDir('lathe-csv-prop-');
let services: Services;
let n = 0;

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws') });
});
afterAll(async () => {
  await services?.close();
  t.remove();
});

type Cell = string | number | null;
interface Table {
  kinds: ('text' | 'number')[];
  rows: Cell[][];
}
interface Style {
  delimiter: ',' | ';' | '\t' | '|';
  quoting: 'minimal' | 'all' | 'strings';
  lineEnd: '\n' | '\r\n' | 'mixed';
  bom: boolean;
  finalLineEnd: boolean;
}

// Text always starts (after optional spaces) with a letter no type sniffer reads as a number, date,
// boolean or NaN/inf, so a text column stays text; the rest is anything a CSV field can hold.
const PIECES = [
  'a',
  'b',
  ' ',
  ',',
  ';',
  '|',
  '\t',
  '"',
  '""',
  '\n',
  '\r\n',
  "'",
  'é',
  'ß',
  '😀',
  '中',
  '1',
  '.',
  '-',
  '\\',
];
const text = fc
  .tuple(
    fc.constantFrom('', ' ', '  '),
    fc.constantFrom('x', 'q', 'z', 'é', 'Ж'),
    fc.array(fc.constantFrom(...PIECES), { maxLength: 6 }),
    fc.constantFrom('', ' ', '  '),
  )
  .map(([lead, first, rest, trail]) => `${lead}${first}${rest.join('')}${trail}`);
const number = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e-300, max: 1e-300 }),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
  fc.constantFrom(0, -0, 0.1, 0.17055522598064407, 1e21, -1.7976931348623157e308, 5e-324),
);

const table: fc.Arbitrary<Table> = fc
  .array(fc.constantFrom<'text' | 'number'>('text', 'number'), { minLength: 1, maxLength: 4 })
  .chain((kinds) =>
    fc.record({
      kinds: fc.constant(kinds),
      rows: fc.array(
        fc.tuple(
          ...kinds.map((k): fc.Arbitrary<Cell> => {
            const value: fc.Arbitrary<Cell> =
              k === 'text' ? fc.oneof(text, fc.constant('')) : number;
            // A one-column row that is null would be a blank line, which CSV cannot tell from none.
            return kinds.length === 1 ? value : fc.option(value, { nil: null, freq: 5 });
          }),
        ),
        { minLength: 1, maxLength: 8 },
      ),
    }),
  )
  // An empty string in a one-column table is written "" and is fine; a column needs one non-empty value
  // for its type to be seen.
  .filter((tb) => tb.kinds.every((k, c) => tb.rows.some((r) => r[c] !== null && r[c] !== '')));

const style: fc.Arbitrary<Style> = fc.record({
  delimiter: fc.constantFrom<Style['delimiter']>(',', ';', '\t', '|'),
  quoting: fc.constantFrom<Style['quoting']>('minimal', 'all', 'strings'),
  lineEnd: fc.constantFrom<Style['lineEnd']>('\n', '\r\n', 'mixed'),
  bom: fc.boolean(),
  finalLineEnd: fc.boolean(),
});

const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
const formatNumber = (x: number) => (Object.is(x, -0) ? '-0.0' : String(x));

function writeCsv(tb: Table, st: Style): string {
  // A one-column file has no delimiter in its header to be told by: it is comma-separated.
  const delimiter = tb.kinds.length === 1 ? ',' : st.delimiter;
  const field = (cell: Cell, kind: 'text' | 'number'): string => {
    if (cell === null) return '';
    if (kind === 'number') {
      const s = formatNumber(cell as number);
      return st.quoting === 'all' ? quote(s) : s;
    }
    const s = cell as string;
    if (st.quoting !== 'minimal' || s === '') return quote(s);
    const needs =
      s.includes(delimiter) ||
      s.includes('"') ||
      s.includes('\n') ||
      s.includes('\r') ||
      /^\s|\s$/.test(s);
    return needs ? quote(s) : s;
  };
  const header = tb.kinds.map((_, i) => (st.quoting === 'all' ? quote(`c${i}`) : `c${i}`));
  const lines = [
    header.join(delimiter),
    ...tb.rows.map((r) => r.map((c, i) => field(c, tb.kinds[i]!)).join(delimiter)),
  ];
  const end = (i: number) => (st.lineEnd === 'mixed' ? (i % 2 ? '\r\n' : '\n') : st.lineEnd);
  const body = lines
    .map((l, i) => (i < lines.length - 1 || st.finalLineEnd ? l + end(i) : l))
    .join('');
  return `${st.bom ? '\uFEFF' : ''}${body}`;
}

describe('CSV written with any quoting imports to equal values (fast-check)', () => {
  it('strings (quotes, delimiters, line breaks, unicode, edge spaces, empty vs null) and full-precision doubles', async () => {
    await fc.assert(
      fc.asyncProperty(table, style, async (tb, st) => {
        const name = `p${n++}`;
        const file = join(t.dir, `${name}.csv`);
        writeFileSync(file, writeCsv(tb, st));
        await services.data.importFile({ path: file, name, project: 'Default' });
        const preview = await services.data.preview(name, 0, 100);
        expect(preview.columns.map((c) => c.name)).toEqual(tb.kinds.map((_, i) => `c${i}`));
        const got = preview.rows.map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v)));
        expect(got).toEqual(tb.rows);
        // -0 keeps its sign (toEqual treats 0 and -0 alike).
        tb.rows.forEach((r, i) =>
          r.forEach((c, j) => {
            if (Object.is(c, -0))
              expect(Object.is(got[i]![j], -0), `row ${i} c${j} is -0`).toBe(true);
          }),
        );
      }),
      { seed: 1313, numRuns: 60 },
    );
  });
});
