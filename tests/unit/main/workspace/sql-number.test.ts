import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlInteger, sqlNumber } from '../../../../main/workspace/db';

describe('sqlNumber', () => {
  let instance: DuckDBInstance;
  let read: (sql: string) => Promise<unknown>;
  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    read = async (sql) => (await conn.runAndReadAll(`SELECT ${sql} AS v`)).getRowObjectsJS()[0]!.v;
  });
  afterAll(() => instance.closeSync());

  it('reads back every double exactly, including -0, NaN and the infinities', async () => {
    for (const x of [
      0.17055522598064407,
      5e-324,
      1.7976931348623157e308,
      -0,
      NaN,
      Infinity,
      -Infinity,
    ]) {
      expect(Object.is(await read(sqlNumber(x)), x)).toBe(true);
    }
    await fc.assert(
      fc.asyncProperty(fc.double(), async (x) => Object.is(await read(sqlNumber(x)), x)),
      { numRuns: 300 },
    );
  });

  it('keeps integers past 2^53 exact', async () => {
    const big = 2n ** 53n + 1n;
    expect(await read(`${sqlNumber(big)} = 9007199254740993::HUGEINT`)).toBe(true);
    expect(await read(sqlNumber(-big))).toBe(-big);
  });

  it('compares equal to a DOUBLE holding the same value, where a bare literal (a DECIMAL) does not', async () => {
    const x = -0.000039434416199038757;
    expect(await read(`'${x}'::DOUBLE >= ${x}`)).toBe(false);
    expect(await read(`'${x}'::DOUBLE >= ${sqlNumber(x)}`)).toBe(true);
    expect(await read(`'${x}'::DOUBLE <= ${sqlNumber(x)}`)).toBe(true);
  });

  it('writes only safe integers as integers', () => {
    expect(sqlInteger(42)).toBe('42');
    expect(sqlInteger(2n ** 70n)).toBe('1180591620717411303424');
    expect(() => sqlInteger(1.5)).toThrow(/not a safe integer/);
  });
});
