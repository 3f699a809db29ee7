import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../../main/data/engine';

let engine: Engine;
const dir = mkdtempSync(join(tmpdir(), 'lathe-engine-'));
beforeAll(async () => {
  engine = await createEngine();
});
afterAll(() => {
  engine.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the data engine runs the user’s SQL as one statement', () => {
  it('describe refuses text of several statements before any of them runs', async () => {
    const file = join(dir, 'written.csv');
    await expect(
      engine.describe(`(SELECT 1 AS x); COPY (SELECT 42) TO '${file}'; SELECT (1)`),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: "the query must be one statement; this text holds 3 (separated by ';')",
    });
    expect(existsSync(file)).toBe(false);
    expect(await engine.describe('(SELECT 1 AS x, 2.5 AS y)')).toEqual([
      { name: 'x', type: 'INTEGER' },
      { name: 'y', type: 'DECIMAL(2,1)' },
    ]);
  });

  it('checkSelect takes one SELECT (WITH, FROM, VALUES) and names any other statement', async () => {
    for (const sql of ['SELECT 1', 'WITH a AS (SELECT 1) FROM a', 'FROM range(2)', 'VALUES (1)'])
      await expect(engine.checkSelect(sql)).resolves.toBeUndefined();
    const db = join(dir, 'other.duckdb');
    await expect(engine.checkSelect(`ATTACH '${db}' AS other`)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: 'the query must be a SELECT (or WITH/FROM), not ATTACH',
    });
    await expect(engine.checkSelect(`COPY (SELECT 1) TO '${db}.csv'`)).rejects.toMatchObject({
      message: 'the query must be a SELECT (or WITH/FROM), not COPY',
    });
    expect(existsSync(db)).toBe(false);
    expect(existsSync(`${db}.csv`)).toBe(false);
    // Syntax errors are DuckDB's own, without the statement extraction's prefix.
    await expect(engine.checkSelect('SELEC 1')).rejects.toThrow(/^Parser Error: syntax error/);
  });
});
