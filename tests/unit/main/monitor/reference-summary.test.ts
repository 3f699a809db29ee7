import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarize } from '../../../../main/monitor/reference';

// A monitoring reference summarizes a training column; awkward doubles must not fail it or leave
// non-finite numbers in the stored distribution.
let instance: DuckDBInstance;
let conn: DuckDBConnection;
const engine = {
  all: async <T>(sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJS() as T[],
};
const src = (values: string[]) =>
  `(SELECT x FROM (VALUES ${values.map((v) => `(${v})`).join(', ')}) t(x))`;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
});
afterAll(() => instance.closeSync());

describe('reference summary of a numeric column', () => {
  it('keeps a 17-digit minimum exact as the first edge and counts it in the first bin', async () => {
    const f = await summarize(
      engine,
      src(["'0.17055522598064407'::DOUBLE", "'0.9'::DOUBLE", "'0.5'::DOUBLE"]),
      'x',
      'numeric',
    );
    expect(f.numeric?.min).toBe(0.17055522598064407);
    expect(f.distribution.kind === 'numeric' && f.distribution.edges[0]).toBe(0.17055522598064407);
    expect(f.distribution.kind === 'numeric' && f.distribution.counts.reduce((a, b) => a + b)).toBe(
      3,
    );
  });

  it('summarizes values spanning the whole double range with finite edges and every row counted', async () => {
    const f = await summarize(
      engine,
      src(["'-1.7976931348623157e308'::DOUBLE", "'1.7976931348623157e308'::DOUBLE", "'0'::DOUBLE"]),
      'x',
      'numeric',
    );
    if (f.distribution.kind !== 'numeric') throw new Error('numeric expected');
    expect(f.distribution.edges.every(Number.isFinite)).toBe(true);
    expect(f.distribution.edges[0]).toBe(-1.7976931348623157e308);
    expect(f.distribution.edges.at(-1)).toBe(1.7976931348623157e308);
    expect(f.distribution.counts.reduce((a, b) => a + b)).toBe(3);
  });

  it('does not fail on NaN or ±Infinity (stddev_pop raised "out of range")', async () => {
    const f = await summarize(
      engine,
      src(["'NaN'::DOUBLE", "'Infinity'::DOUBLE", "'1'::DOUBLE", "'2'::DOUBLE"]),
      'x',
      'numeric',
    );
    expect(f.rows).toBe(4);
    const both = await summarize(
      engine,
      src(["'-Infinity'::DOUBLE", "'Infinity'::DOUBLE", "'1'::DOUBLE"]),
      'x',
      'numeric',
    );
    expect(both.rows).toBe(3);
  });
});
