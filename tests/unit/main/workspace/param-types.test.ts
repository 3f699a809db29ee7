// Issue 13: numbers bound as parameters keep their value. DuckDB's client types a whole JS number as
// INTEGER/BIGINT, so a metric of 1.5e20 threw "bigint out of int64 range" on flush and -0 lost its sign.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../../main/data/engine';
import { literal, openDatabase, paramTypes, type Database } from '../../../../main/workspace/db';

let db: Database;
let engine: Engine;
beforeAll(async () => {
  db = await openDatabase(':memory:');
  engine = await createEngine({ threads: 1 });
});
afterAll(() => {
  db.close();
  engine.close();
});

const VALUES = [
  1.5e20,
  -1e300,
  2 ** 63,
  2 ** 53 + 2,
  -0,
  0.17055522598064407,
  5e-324,
  7,
  -(2 ** 31),
];

describe('numbers bound as parameters', () => {
  it('round-trip through a DOUBLE column of the workspace database and the engine', async () => {
    await db.run('CREATE TABLE t (i INTEGER, v DOUBLE)');
    for (const [i, v] of VALUES.entries()) await db.run('INSERT INTO t VALUES (?, ?)', [i, v]);
    const rows = await db.all<{ v: number }>('SELECT v FROM t ORDER BY i');
    rows.forEach((r, i) => expect(Object.is(r.v, VALUES[i])).toBe(true));
    for (const v of VALUES) {
      const [row] = await engine.all<{ v: number }>('SELECT ? AS v', [v]);
      expect(Object.is(row!.v, v)).toBe(true);
    }
    expect(await db.one('SELECT count(*)::INTEGER AS n FROM t WHERE v = ?', [1.5e20])).toEqual({
      n: 1,
    });
  });

  it('leaves safe integers, strings and bigints to the inferred types', () => {
    expect(paramTypes([1, 'x', 2n, null])).toBeUndefined();
    expect(paramTypes([1, 1.5e20])?.map((t) => t?.toString())).toEqual([undefined, 'DOUBLE']);
  });

  it('literal() writes text with NUL, quotes and unicode so DuckDB reads it back exactly', async () => {
    for (const v of ['a\u0000b', '\u0000', "it's\u0000'", 'plain', '', 'é😀']) {
      const [row] = await engine.all<{ v: string; eq: boolean }>(
        `SELECT ${literal(v)} AS v, ${literal(v)} = ? AS eq`,
        [v],
      );
      expect(row).toEqual({ v, eq: true });
    }
    expect(literal("it's")).toBe("'it''s'");
  });
});
