// A batch job's one-hot codes (batch-features.ts): read from the string headers DuckDB streams (inlineCoder)
// when every category is inline, else from DuckDB's list_position. Both give each row the slot of the
// category its value equals byte for byte (an imputed missing value its fill), and the other slot for
// anything else: a case or a space apart, a longer string sharing a category's first bytes, a missing one.
import fc from 'fast-check';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FittedFeatureSpec, type FittedColumn } from '../../../shared/contract/features';
import { batchFeatures, headerWords, inlineCoder } from '../../../main/serve/batch-features';
import { columnOutputs } from '../../../main/features/names';
import { literal } from '../../../main/workspace/db';

let instance: DuckDBInstance;
let conn: DuckDBConnection;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  conn = await instance.connect();
});
afterAll(() => {
  conn.closeSync();
  instance.closeSync();
});

/** Inline: 12 bytes at most in UTF-8 ('ünïcödé' is 11, '123456789012' exactly 12). */
const INLINE = ['ORD', '', 'é', 'ab', '123456789012', 'ünïcödé', '0', 'a\u0000b'];
/** One category of 13 bytes: DuckDB gives this column's codes. */
const LONG = ['x', '1234567890123', 'yz'];
const OTHERS = [
  'AB',
  'ab ',
  ' ab',
  'ord',
  '1234567890123',
  '12345678901',
  '123456789012 ',
  // A category but for its last bytes (each word of the header differs once).
  '123456789013',
  '123456780012',
  '123406789012',
  'ünïcödë',
  'é ',
  'e',
  'ünïcödé!',
  '00',
  'a',
  'a\u0000',
  '\u0000',
  // 'ab' and a zero byte: the same bytes in the header as 'ab' (zero-padded), but not the same length.
  'ab\u0000',
];

const onehot = (source: string, categories: string[], fill?: string): FittedColumn => ({
  kind: 'categorical',
  source,
  ...(fill !== undefined ? { impute: { fill, indicator: false } } : {}),
  encoding: { op: 'onehot', categories },
});

function specOf(columns: FittedColumn[]): FittedFeatureSpec {
  return FittedFeatureSpec.parse({
    version: 1,
    specHash: 'test',
    columns,
    derived: [],
    outputs: columns.flatMap(columnOutputs),
    docs: [],
    trainRows: 1,
  });
}

/** Streams the job's feature query over `values` (column a, b, c) and fills both matrices from its chunks. */
async function matrices(spec: FittedFeatureSpec, values: (string | null)[][]) {
  await conn.run('CREATE OR REPLACE TABLE v (i INTEGER, a VARCHAR, b VARCHAR, c VARCHAR)');
  const cell = (s: string | null) => (s === null ? 'NULL' : `${literal(s)}::VARCHAR`);
  for (let start = 0; start < values.length; start += 500)
    await conn.run(
      `INSERT INTO v VALUES ${values
        .slice(start, start + 500)
        .map((r, k) => `(${start + k}, ${r.map(cell).join(', ')})`)
        .join(', ')}`,
    );
  const query = batchFeatures(spec, spec.outputs, 'v', {
    keep: [],
    rowOrder: 'i',
  });
  const width = spec.outputs.length;
  // Each column's codes shifted past the slots of the columns before it (any offsets would do).
  let next = 0;
  const offsets = spec.columns.map(
    (c) => (next += columnOutputs(c).length) - columnOutputs(c).length,
  );
  const compactFill = query.compactFill(offsets);
  const x = new Float32Array(values.length * width);
  const compact = new Float32Array(values.length * spec.columns.length);
  const result = await conn.stream(query.sql);
  let at = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    // Two calls per chunk: a copy may start mid-chunk (the matrix fills up).
    const half = chunk.rowCount >> 1;
    query.fill(chunk, 0, half, x, at);
    query.fill(chunk, half, chunk.rowCount - half, x, at + half);
    compactFill(chunk, 0, half, compact, at);
    compactFill(chunk, half, chunk.rowCount - half, compact, at + half);
    at += chunk.rowCount;
  }
  expect(at).toBe(values.length);
  return { x, compact, offsets };
}

/** The slot a value takes among `categories` (the fill for a missing one), the other slot after them. */
const slotOf = (categories: string[], v: string | null, fill?: string) => {
  const k = categories.indexOf(v ?? fill ?? '\u0000missing');
  return v === null && fill === undefined ? categories.length : k < 0 ? categories.length : k;
};

async function check(values: (string | null)[][]) {
  const categories = [INLINE, LONG, INLINE];
  const fills = [undefined, undefined, 'ab'];
  const columns = [onehot('a', INLINE), onehot('b', LONG), onehot('c', INLINE, 'ab')];
  const spec = specOf(columns);
  const { x, compact, offsets } = await matrices(spec, values);
  const width = spec.outputs.length;
  values.forEach((row, r) => {
    let base = 0;
    columns.forEach((c, j) => {
      const want = slotOf(categories[j]!, row[j]!, fills[j]);
      const got = Array.from(
        x.subarray(r * width + base, r * width + base + categories[j]!.length + 1),
      );
      const expected = got.map((_, k) => (k === want ? 1 : 0));
      if (got.join() !== expected.join() || compact[r * columns.length + j] !== offsets[j]! + want)
        expect.fail(
          `row ${r}, column ${c.source}: value ${JSON.stringify(row[j])} should take slot ${want}; ` +
            `one-hot ${got.join('')}, compact code ${compact[r * columns.length + j]! - offsets[j]!}`,
        );
      base += categories[j]!.length + 1;
    });
  });
}

describe('one-hot codes of a batch job', () => {
  it('takes the slot of the category a value equals byte for byte, the other slot for anything else', async () => {
    const all = [...INLINE, ...LONG, ...OTHERS, null];
    // Every value in every column, over several chunks (2048 rows each).
    const values = Array.from({ length: 5000 }, (_, r) => [
      all[r % all.length]!,
      all[(r * 7) % all.length]!,
      all[(r * 13) % all.length]!,
    ]);
    await check(values);
  });

  it('reads the codes from the string headers of the chunks DuckDB streams (not a slower fallback)', async () => {
    const result = await conn.stream(
      `SELECT (CASE WHEN range % 3 = 0 THEN 'ORD' ELSE 'é' END)::VARCHAR AS s FROM range(5000)`,
    );
    const chunk = (await result.fetchChunk())!;
    const words = headerWords(chunk.getColumnVector(0), chunk.rowCount);
    expect(words).not.toBeNull();
    const out = new Int32Array(chunk.rowCount);
    inlineCoder(['é', 'ORD'])(words!, 0, chunk.rowCount, out);
    expect(Array.from(out.subarray(0, 4))).toEqual([1, 0, 0, 1]);
  });

  it('a spec with a lag codes in DuckDB: its sort carries 4-byte codes, not strings', () => {
    const spec = FittedFeatureSpec.parse({
      ...specOf([onehot('a', INLINE)]),
      derived: [{ op: 'lag', column: 'i', time: 'i', lags: [1] }],
    });
    expect(batchFeatures(spec, spec.outputs, 'v', { keep: [], rowOrder: 'i' }).sql).toContain(
      'list_position',
    );
    const plain = specOf([onehot('a', INLINE)]);
    expect(batchFeatures(plain, plain.outputs, 'v', { keep: [], rowOrder: 'i' }).sql).not.toContain(
      'list_position',
    );
  });

  it('agrees on random strings, categories among them', async () => {
    const value = fc.oneof(
      fc.constantFrom<string | null>(...INLINE, ...LONG, null),
      fc.string({ maxLength: 14 }),
      fc.string({ unit: 'grapheme', maxLength: 8 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(value, value, value), { minLength: 1, maxLength: 3000 }),
        (rows) => check(rows),
      ),
      { seed: 4242, numRuns: 12 },
    );
  });
});

/** Strings' 16-byte headers as DuckDB lays them out for inline strings: the length, the bytes zero-padded. */
function headersOf(strings: string[]): Int32Array {
  const headers = new Int32Array(strings.length * 4);
  const encoder = new TextEncoder();
  strings.forEach((s, r) => {
    const bytes = encoder.encode(s);
    headers[r * 4] = bytes.length;
    new Uint8Array(headers.buffer, r * 16 + 4, 12).set(bytes.subarray(0, 12));
  });
  return headers;
}

/** The codes `categories` give `strings` (their headers). */
function codesOf(categories: string[], strings: string[]): number[] {
  const out = new Int32Array(strings.length);
  inlineCoder(categories)(headersOf(strings), 0, strings.length, out);
  return Array.from(out);
}

describe('inlineCoder', () => {
  it('codes a header by its length and bytes', () => {
    expect(codesOf(['ab', 'é', ''], ['é', 'ab', '', 'abc'])).toEqual([1, 0, 2, 3]);
    // A string too long to be inline (its header holds a prefix and a pointer) is no category.
    const headers = headersOf(['abcdefghijklm']);
    const out = new Int32Array(1);
    inlineCoder(['abcdefghijkl'])(headers, 0, 1, out);
    expect(out[0]).toBe(1);
  });

  it('matches every word of the header: strings a byte apart from a category, in any word, are others', () => {
    const category = 'abcdefghijkl';
    const variants: string[] = [];
    for (let at = 0; at < category.length; at++)
      for (let c = 0x30; c < 0x30 + 40; c++)
        variants.push(`${category.slice(0, at)}${String.fromCharCode(c)}${category.slice(at + 1)}`);
    variants.push(category.slice(0, 11), `${category.slice(0, 11)}\u0000`);
    const codes = codesOf([category], variants);
    // Many variants share the category's slot in a table this small (8 slots): only the compare tells.
    expect(variants.filter((_, r) => codes[r] === 0)).toEqual([]);
  });

  it('matches the length: a category and zero bytes after it (the same header bytes) is another string', () => {
    const matched: string[] = [];
    for (let n = 1; n < 12; n++) {
      const category = 'abcdefghijk'.slice(0, n);
      const variants = Array.from({ length: 12 - n }, (_, k) => category + '\u0000'.repeat(k + 1));
      const codes = codesOf([category], variants);
      matched.push(...variants.filter((_, r) => codes[r] === 0));
    }
    expect(matched).toEqual([]);
  });
});
