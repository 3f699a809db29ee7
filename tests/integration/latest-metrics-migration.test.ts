// Migration 10 (latest metrics) on a workspace written before it: each run's latest point of each metric
// is filled in from the histories already stored, by step first, then timestamp.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateFromBefore } from '../helpers/migrations';
import { tempDir } from '../helpers/workspace';

const t = tempDir('lathe-migration-10-');
afterAll(() => t.remove());

describe('migration 10: latest metrics', () => {
  it('fills the latest value of every metric of a v9 workspace from its histories', async () => {
    await migrateFromBefore(
      10,
      join(t.dir, 'ws'),
      async (db) => {
        await db.run('DROP TABLE latest_metrics');
        // run_id, key, step, ts, value: out of order, a tie on step broken by time, a negative step.
        await db.run(
          `INSERT INTO metrics VALUES
             ('a', 'loss', 3, 100, 0.3), ('a', 'loss', 10, 50, 0.1), ('a', 'loss', 7, 900, 0.2),
             ('a', 'acc', 2, 10, 0.5), ('a', 'acc', 2, 20, 0.6), ('a', 'acc', 2, 15, 0.55),
             ('b', 'loss', -1, 5, 4.0), ('b', 'loss', -2, 9, 5.0)`,
        );
      },
      async (db) => {
        expect(
          await db.all(
            'SELECT run_id, key, step, ts, value FROM latest_metrics ORDER BY run_id, key',
          ),
        ).toEqual([
          { run_id: 'a', key: 'acc', step: 2, ts: 20, value: 0.6 },
          { run_id: 'a', key: 'loss', step: 10, ts: 50, value: 0.1 },
          { run_id: 'b', key: 'loss', step: -1, ts: 5, value: 4 },
        ]);
      },
    );
  });
});
