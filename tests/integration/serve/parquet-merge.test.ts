// Parquet files DuckDB wrote in parts, joined into one (parquet-merge.ts): DuckDB reads the joined file as
// the file it writes of the whole, row for row and in order, across types, nulls, dictionaries, lists and
// row groups; one part joins into the same bytes; files that cannot be joined are refused, naming them.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeParquet } from '../../../main/serve/parquet-merge';
import { literal } from '../../../main/workspace/db';
import { tempDir } from '../../helpers/workspace';

const t = tempDir('lathe-parquet-merge-');
let instance: DuckDBInstance;
let conn: DuckDBConnection;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  conn = await instance.connect();
  // 250,000 rows: over two of DuckDB's row groups (122,880 rows) in the first part.
  await conn.run(`CREATE TABLE v AS SELECT
      i::BIGINT AS id,
      CASE WHEN i % 7 = 0 THEN NULL ELSE i * 0.25 END AS x,
      (i % 1000)::FLOAT / 3 AS f,
      CASE WHEN i % 11 = 0 THEN NULL ELSE ['ORD', 'JFK', 'a much longer value than twelve bytes', 'ü'][i % 4 + 1] END AS s,
      [i * 0.5, -i]::DOUBLE[] AS p,
      i % 3 = 0 AS b,
      TIMESTAMP '2001-01-01' + to_seconds(i) AS ts
    FROM range(250000) r(i)`);
});
afterAll(() => {
  conn.closeSync();
  instance.closeSync();
  t.remove();
});

const file = (name: string) => join(t.dir, name);
async function write(name: string, where: string): Promise<string> {
  await conn.run(
    `COPY (SELECT * FROM v WHERE ${where} ORDER BY id) TO ${literal(file(name))} (FORMAT parquet)`,
  );
  return file(name);
}
const one = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJS()[0]!;

describe('mergeParquet', () => {
  it('joins parts into the file DuckDB reads as the whole: every row, in order, every row group', async () => {
    const parts = [
      await write('p0.parquet', 'id < 150000'),
      await write('p1.parquet', 'id >= 150000 AND id < 150010'),
      await write('p2.parquet', 'id >= 150010'),
    ];
    const merged = file('merged.parquet');
    mergeParquet(parts, merged);
    const read = `read_parquet(${literal(merged)}, file_row_number = true)`;
    expect(await one(`SELECT count(*) AS n, max(file_row_number) AS last FROM ${read}`)).toEqual({
      n: 250000n,
      last: 249999n,
    });
    // Row for row, in order: the position in the file is the id.
    const differ = await one(
      `SELECT count(*) AS n FROM ${read} m JOIN v ON v.id = m.file_row_number
       WHERE m.id IS DISTINCT FROM v.id OR m.x IS DISTINCT FROM v.x OR m.f IS DISTINCT FROM v.f
         OR m.s IS DISTINCT FROM v.s OR m.p IS DISTINCT FROM v.p OR m.b IS DISTINCT FROM v.b
         OR m.ts IS DISTINCT FROM v.ts`,
    );
    expect(differ.n).toBe(0n);
    // Each part's row groups, with their statistics (a filter skips them as in the parts).
    const groups = async (f: string) =>
      Number(
        (await one(`SELECT count(DISTINCT row_group_id) AS n FROM parquet_metadata(${literal(f)})`))
          .n,
      );
    expect(await groups(merged)).toBe(
      (await groups(parts[0]!)) + (await groups(parts[1]!)) + (await groups(parts[2]!)),
    );
    expect(
      await one(
        `SELECT count(*) AS n, min(id) AS lo FROM ${read} WHERE id BETWEEN 150005 AND 150012`,
      ),
    ).toEqual({ n: 8n, lo: 150005n });
    expect(await one(`SELECT count(*) AS n FROM ${read} WHERE s = 'ü'`)).toEqual(
      await one(`SELECT count(*) AS n FROM v WHERE s = 'ü'`),
    );
  });

  it('joins footers whose lists are long (Thrift writes a list of 15 or more with its size apart)', async () => {
    // 20 columns (a schema of 21 elements) and row groups of 2,048 rows: 30 of them per part of 61,440.
    const columns = Array.from({ length: 20 }, (_, k) => `(id * ${k + 1}) % 97 AS c${k}`).join(
      ', ',
    );
    const wide = async (name: string, where: string) => {
      await conn.run(
        `COPY (SELECT ${columns} FROM v WHERE ${where} ORDER BY id) TO ${literal(file(name))} (FORMAT parquet, ROW_GROUP_SIZE 2048)`,
      );
      return file(name);
    };
    const parts = [
      await wide('w0.parquet', 'id < 61440'),
      await wide('w1.parquet', 'id >= 61440 AND id < 122880'),
    ];
    mergeParquet(parts, file('wide.parquet'));
    const [merged, whole] = [
      `read_parquet(${literal(file('wide.parquet'))}, file_row_number = true)`,
      `(SELECT ${columns}, id FROM v WHERE id < 122880)`,
    ];
    expect(
      await one(
        `SELECT count(*) AS n, count(*) FILTER (WHERE m.c19 IS DISTINCT FROM w.c19 OR m.c0 IS DISTINCT FROM w.c0) AS differ
         FROM ${merged} m JOIN ${whole} w ON w.id = m.file_row_number`,
      ),
    ).toEqual({ n: 122880n, differ: 0n });
    expect(
      await one(
        `SELECT count(DISTINCT row_group_id) AS groups, count(DISTINCT path_in_schema) AS columns FROM parquet_metadata(${literal(file('wide.parquet'))})`,
      ),
    ).toEqual({ groups: 60n, columns: 20n });
    // And read and written again, the footer is the same bytes.
    mergeParquet([parts[0]!], file('wide-one.parquet'));
    expect(readFileSync(file('wide-one.parquet')).equals(readFileSync(parts[0]!))).toBe(true);
  });

  it('one part joins into the same bytes (the footer read and written again)', async () => {
    const part = await write('single.parquet', 'id % 5 = 0');
    mergeParquet([part], file('single-merged.parquet'));
    expect(readFileSync(file('single-merged.parquet')).equals(readFileSync(part))).toBe(true);
  });

  it('refuses parts of other schemas, a file that is no Parquet, and an output that exists', async () => {
    const a = await write('a.parquet', 'id < 10');
    await conn.run(`COPY (SELECT id, x FROM v WHERE id < 10) TO ${literal(file('b.parquet'))}`);
    expect(() => mergeParquet([a, file('b.parquet')], file('ab.parquet'))).toThrow(
      /b\.parquet has another schema than .*a\.parquet/,
    );
    writeFileSync(file('text.parquet'), 'id,x\n1,2\n');
    expect(() => mergeParquet([a, file('text.parquet')], file('at.parquet'))).toThrow(
      /text\.parquet is not a Parquet file/,
    );
    // The refused joins leave no output; refusing an existing output leaves it as it was.
    expect(existsSync(file('ab.parquet')) || existsSync(file('at.parquet'))).toBe(false);
    expect(() => mergeParquet([a], a)).toThrow(/EEXIST/);
    expect(await one(`SELECT count(*) AS n FROM read_parquet(${literal(a)})`)).toEqual({ n: 10n });
  });
});
