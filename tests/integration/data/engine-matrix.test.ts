// engine.matrix reads a feature matrix's columns as Float64Arrays, copying plain numeric vectors instead of
// making a JS value per row: every value is Number() of what engine.columns gives (NULL as 0), for every
// type a feature query can produce (DECIMAL and DATE vectors hold scaled integers and days, not their
// numbers), across many chunks, with NaN and ±Infinity; the other columns come as engine.columns gives them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../main/data/engine';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ threads: 2 });
});
afterAll(() => engine?.close());

const SQL = `
  SELECT
    CASE WHEN i % 97 = 0 THEN NULL WHEN i % 89 = 0 THEN 'nan'::DOUBLE WHEN i % 83 = 0 THEN '-inf'::DOUBLE
         ELSE i * 0.37 - 900 END AS d,
    (i / 7)::FLOAT AS f,
    CASE WHEN i % 11 = 0 THEN NULL ELSE (i - 5000)::INTEGER END AS n,
    (i % 100)::SMALLINT AS s,
    (i % 100)::TINYINT AS t,
    (i % 250)::UTINYINT AS ut,
    (i * 1000003)::BIGINT AS b,
    (i / 8.0)::DECIMAL(9, 3) AS dec,
    DATE '2001-01-01' + (i % 400)::INTEGER AS day,
    i % 3 = 0 AS flag,
    'row ' || i AS label,
    CASE WHEN i % 5 = 0 THEN NULL ELSE i END AS tail
  FROM range(10000) r(i)
  ORDER BY i`;

describe('engine.matrix', () => {
  it("gives Number() of engine.columns' values, NULL as 0, and the rest as they are", async () => {
    const want = await engine.columns(SQL);
    const numeric = 10;
    const got = await engine.matrix(SQL, numeric);
    expect(got.names).toEqual(want.names);
    expect(got.numeric).toHaveLength(numeric);
    for (let k = 0; k < numeric; k++) {
      const col = want.values[k]!;
      const out = got.numeric[k]!;
      expect(out.length, want.names[k]).toBe(10000);
      for (let r = 0; r < col.length; r++)
        if (!Object.is(out[r], Number(col[r])))
          expect([want.names[k], r, out[r]]).toEqual([want.names[k], r, Number(col[r])]);
    }
    // The typed copies saw NULLs, NaN and infinities: the masks and the values were read.
    expect(got.numeric[0]!.filter(Number.isNaN).length).toBeGreaterThan(0);
    expect(got.numeric[2]![11]).toBe(0);
    expect(got.values).toEqual(want.values.slice(numeric));
  });

  it('reads no rows as empty columns', async () => {
    const got = await engine.matrix(`${SQL} LIMIT 0`, 3);
    expect(got.numeric.map((c) => c.length)).toEqual([0, 0, 0]);
    expect(got.values.map((c) => c.length)).toEqual(Array(9).fill(0));
  });
});
