import { describe, expect, it } from 'vitest';
import type { TransformStep } from '../../../../shared/contract';
import {
  planTransform,
  transformHash,
  type TransformParent,
} from '../../../../main/data/transforms';
import { canonicalJson } from '../../../../main/workspace/canonical-json';
import { downloadName, isUrl } from '../../../../main/data/download';
import { latheRejection } from '../../../helpers/errors';

const parent = (dataset: string, columns: string[]): TransformParent => ({
  dataset,
  version: 1,
  id: `${dataset}-id`,
  hash: `${dataset}-hash`,
  storagePath: `/ws/${dataset}.parquet`,
  columns: columns.map((name) => ({ name, type: 'BIGINT', kind: 'numeric' })),
});

/** A describe() that knows nothing but the parent's columns: enough for steps checked before SQL runs. */
const describeAs = (columns: string[]) => async () =>
  columns.map((name) => ({ name, type: 'BIGINT' }));

describe('canonical JSON and the transform hash', () => {
  it('does not depend on key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}',
    );
    const steps: TransformStep[] = [{ type: 'cast', column: 'x', to: 'INTEGER' }];
    const reordered = [{ to: 'INTEGER', column: 'x', type: 'cast' }] as TransformStep[];
    expect(transformHash([{ hash: 'h1' }], steps)).toBe(transformHash([{ hash: 'h1' }], reordered));
    expect(transformHash([{ hash: 'h1' }], steps)).not.toBe(transformHash([{ hash: 'h2' }], steps));
    expect(transformHash([{ hash: 'h1' }], steps)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('planTransform', () => {
  it('names the missing column and the step that reads it', async () => {
    const err = await latheRejection(
      planTransform(
        describeAs(['a', 'b']),
        [parent('t', ['a', 'b'])],
        [
          { type: 'filter', where: 'a > 0' },
          { type: 'dedupe', columns: ['a', 'c'] },
        ],
      ),
    );
    expect(err.code).toBe('COLUMN_NOT_FOUND');
    expect(err.message).toBe("steps[1] (dedupe): no column 'c' (columns: a, b)");
    expect(err.details).toEqual({ step: 1, type: 'dedupe', column: 'c' });
  });

  it('refuses to drop every column', async () => {
    const err = await latheRejection(
      planTransform(describeAs(['a']), [parent('t', ['a'])], [{ type: 'drop', columns: ['a'] }]),
    );
    expect(err.message).toBe('steps[0] (drop): would drop every column');
  });

  it('needs a sql step first to combine several parents', async () => {
    const err = await latheRejection(
      planTransform(
        describeAs(['a']),
        [parent('x', ['a']), parent('y', ['a'])],
        [{ type: 'dedupe' }],
      ),
    );
    expect(err.message).toMatch(/^steps\[0\] \(dedupe\): with 2 parents \(x@1, y@1\)/);
  });

  it('binds parents as views by dataset name and name@version, and keeps row order', async () => {
    const plan = await planTransform(
      describeAs(['a']),
      [parent('x', ['a']), parent('y', ['a'])],
      [{ type: 'sql', query: 'SELECT * FROM x UNION ALL SELECT * FROM "y@1";' }],
    );
    expect(plan.select).toContain(`"x" AS (SELECT * FROM read_parquet('/ws/x.parquet'))`);
    expect(plan.select).toContain(`"y@1" AS (SELECT * FROM read_parquet('/ws/y.parquet'))`);
    expect(plan.select).not.toContain(';');
    expect(plan.select).toMatch(/ORDER BY "__lathe_row"\)$/);
  });
});

describe('download names', () => {
  it('keeps the URL extension, else takes one from the Content-Type', () => {
    expect(isUrl('https://example.org/x.csv')).toBe(true);
    expect(isUrl('/tmp/https.csv')).toBe(false);
    expect(downloadName('http://h/data/flights%202k.json?x=1', 'text/plain')).toBe(
      'flights_2k.json',
    );
    expect(downloadName('http://h/api/export', 'text/csv; charset=utf-8')).toBe('export.csv');
    expect(downloadName('http://h/', 'application/vnd.apache.parquet')).toBe('download.parquet');
    expect(downloadName('http://h/file', null)).toBe('file');
  });
});
