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
