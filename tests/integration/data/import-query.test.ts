import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../main/services';
import { contractClient } from '../../helpers/services';
import { tempDir } from '../../helpers/workspace';

const t = tempDir('lathe-import-query-');
let services: Services;
const { call, failure, snapshot } = contractClient(() => services);
const workspace = () => join(t.dir, 'ws');

beforeAll(async () => {
  services = await createServices({ workspaceDir: workspace(), validateOutput: true });
  await call('data:import', { path: t.file('people.csv', 'id,age\n1,36\n2,41\n'), name: 'people' });
});
afterAll(async () => {
  await services.close();
  t.remove();
});

describe('a query import runs one SELECT and nothing else', () => {
  it('refuses text that ends its SELECT and starts other statements, before any of them runs', async () => {
    const before = await snapshot();
    const written = join(t.dir, 'written.csv');
    for (const sql of [
      // Closing the parentheses the import wraps the query in, then statements of its own.
      `SELECT 1 AS x); ATTACH '${join(workspace(), 'lathe.duckdb')}' AS ws; DELETE FROM ws.datasets; DETACH ws; SELECT (1`,
      `SELECT 1 AS x); COPY (SELECT 42) TO '${written}'; SELECT (1`,
    ]) {
      const e = await failure('data:importQuery', { sql, name: 'sneaky' });
      expect(e.code).toBe('INVALID_INPUT');
      expect(e.message).toMatch(/^the query: syntax error/);
    }
    expect(existsSync(written)).toBe(false);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses another statement and several, naming what it got', async () => {
    const before = await snapshot();
    const attach = await failure('data:importQuery', {
      sql: `ATTACH '${join(t.dir, 'other.duckdb')}' AS other`,
      name: 'x',
    });
    expect(attach).toMatchObject({
      code: 'INVALID_INPUT',
      message: 'the query must be a SELECT (or WITH/FROM), not ATTACH',
    });
    expect(existsSync(join(t.dir, 'other.duckdb'))).toBe(false);
    const two = await failure('data:importQuery', { sql: 'SELECT 1; SELECT 2', name: 'x' });
    expect(two.message).toBe(
      "the query must be one statement; this text holds 2 (separated by ';')",
    );
    expect(await snapshot()).toEqual(before);
  });

  it('names the missing file, column or table with its code, without DuckDB’s class prefix', async () => {
    const missing = join(t.dir, 'nowhere-*.csv');
    expect(
      await failure('data:importQuery', { sql: `SELECT * FROM '${missing}'`, name: 'x' }),
    ).toMatchObject({
      code: 'FILE_NOT_FOUND',
      message: `the query: no file matches ${missing}`,
      details: { file: missing },
    });
    expect(
      await failure('data:importQuery', { sql: 'SELECT nope FROM range(3)', name: 'x' }),
    ).toMatchObject({
      code: 'COLUMN_NOT_FOUND',
      message: 'the query: Referenced column "nope" not found in FROM clause',
      details: { column: 'nope' },
    });
    expect(
      await failure('data:importQuery', { sql: 'SELECT * FROM people_table', name: 'x' }),
    ).toMatchObject({ code: 'NOT_FOUND', details: { table: 'people_table' } });
  });

  it('takes WITH, FROM, VALUES and a query ending in a comment', async () => {
    for (const [name, sql] of [
      ['with_q', 'WITH a AS (SELECT 1 AS v) SELECT * FROM a'],
      ['from_q', 'FROM range(4)'],
      ['values_q', 'VALUES (1), (2)'],
      ['commented', 'SELECT range AS v FROM range(3) -- three rows'],
    ] as const) {
      const r = await call('data:importQuery', { sql, name });
      expect(r.version.rows).toBeGreaterThan(0);
    }
  });
});

describe('a transform runs its SQL step as part of one statement', () => {
  it('refuses a step that ends the statement and starts others, naming the step', async () => {
    const before = await snapshot();
    const written = join(t.dir, 'from-transform.csv');
    const e = await failure('data:transform', {
      name: 'people_t',
      from: ['people'],
      steps: [
        {
          type: 'sql',
          query: `SELECT * FROM input)) SELECT 1; COPY (SELECT 42) TO '${written}'; SELECT * FROM ((SELECT 1`,
        },
      ],
    });
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toMatch(/^steps\[0\] \(sql\): /);
    expect(existsSync(written)).toBe(false);
    expect(await snapshot()).toEqual(before);
  });

  it('takes a SQL step ending in a comment, as the query import does', async () => {
    const r = await call('data:transform', {
      name: 'people_c',
      from: ['people'],
      steps: [{ type: 'sql', query: 'SELECT * FROM input WHERE age > 40 -- the older ones' }],
    });
    expect(r.version.rows).toBe(1);
  });
});
