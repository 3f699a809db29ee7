import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../../main/workspace/db';

let db: Database;
beforeAll(async () => {
  db = await openDatabase(':memory:');
  await db.run('CREATE TABLE t (x INTEGER)');
});
afterAll(() => db.close());

describe('Database.writes', () => {
  it('counts every statement that may write as it is queued, and no read', async () => {
    const before = db.writes;
    await db.all('SELECT count(*) AS n FROM t');
    await db.one('  with s AS (SELECT 1 AS x) SELECT * FROM s');
    await db.all('FROM t');
    await db.all('DESCRIBE t');
    await db.chunks('SELECT * FROM range(10)', undefined, () => undefined);
    expect(db.writes).toBe(before);

    const written = [
      () => db.run('INSERT INTO t VALUES (1)'),
      () => db.one('INSERT INTO t VALUES (2) RETURNING x'),
      () => db.all('WITH s AS (SELECT 3 AS x) INSERT INTO t SELECT x FROM s'),
      () => db.all('UPDATE t SET x = x + 1'),
      () => db.tx((sql) => sql.run('DELETE FROM t WHERE x = 2')),
      () => db.all('SELECT 1; INSERT INTO t VALUES (5); DELETE FROM t WHERE x = 5'),
      () =>
        db.append('t', (a) => {
          a.appendInteger(9);
          a.endRow();
        }),
    ];
    for (const [k, write] of written.entries()) {
      const pending = write();
      // Counted as it is queued: a read queued after it sees its effect.
      expect(db.writes).toBe(before + k + 1);
      await pending;
    }
    expect((await db.all('SELECT x FROM t ORDER BY x')).map((r) => Number(r.x))).toEqual([3, 4, 9]);
  });
});

describe('Database.chunks', () => {
  const read = async (stream: boolean) => {
    const chunks: number[] = [];
    const values: number[] = [];
    await db.chunks(
      'SELECT range::INTEGER AS i FROM range(5000) ORDER BY i DESC',
      undefined,
      (chunk) => {
        chunks.push(chunk.rowCount);
        const v = chunk.getColumnVector(0);
        for (let r = 0; r < chunk.rowCount; r++) values.push(Number(v.getItem(r)));
      },
      { stream },
    );
    return { chunks, values };
  };

  it('hands over the same chunks, in order, collected (the default) or streamed', async () => {
    for (const stream of [false, true]) {
      const { chunks, values } = await read(stream);
      expect(chunks.every((n) => n > 0 && n <= 2048)).toBe(true);
      expect(values).toEqual(Array.from({ length: 5000 }, (_, i) => 4999 - i));
    }
  });

  it('hands over nothing for an empty result, and rejects with the error of a failing query', async () => {
    let called = 0;
    for (const stream of [false, true]) {
      await db.chunks('SELECT * FROM range(0)', undefined, () => called++, { stream });
      await expect(
        db.chunks('SELECT * FROM no_such_table', undefined, () => called++, { stream }),
      ).rejects.toThrow(/no_such_table/);
    }
    expect(called).toBe(0);
  });
});
