// Closing a DuckDB connection while a statement runs on libuv's threadpool deadlocks DuckDB, and the
// process then never exits (a `lathe ui` stopped with SIGTERM mid-request hung this way in CI). Both the
// workspace database and the data engine wait for the statements in flight, and refuse new ones.
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../../main/data/engine';
import { openDatabase } from '../../../../main/workspace/db';

const SLOW = 'SELECT count(*) AS n FROM range(200000000) t WHERE t.range % ? = 0';

describe('closing with a statement in flight', () => {
  it('the workspace database finishes the statement, then closes', async () => {
    const db = await openDatabase(':memory:');
    const running = db.all<{ n: bigint }>(SLOW, [7]);
    db.close();
    expect(Number((await running)[0]!.n)).toBe(Math.ceil(200000000 / 7));
    await expect(db.all('SELECT 1')).rejects.toThrow(/is closed/);
  }, 60_000);

  it('the data engine finishes the statement, then closes', async () => {
    const engine = await createEngine({ threads: 1 });
    const running = engine.all<{ n: bigint }>(SLOW, [7]);
    engine.close();
    expect(Number((await running)[0]!.n)).toBe(Math.ceil(200000000 / 7));
    await expect(engine.all('SELECT 1')).rejects.toThrow(/is closed/);
  }, 60_000);
});
