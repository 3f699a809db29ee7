// A retraining a dead process left running is closed as failed with its finish time in UTC, whatever
// the database session's time zone (DuckDB's now() in a TIMESTAMP column is the zone's wall clock).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { withServices } from '../../helpers/services';

const dir = mkdtempSync(join(tmpdir(), 'lathe-retrain-interrupted-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('stamps an interrupted retraining finished in UTC, not in the session zone', async () => {
  await withServices(dir, async (services) => {
    const db = services.workspace.db;
    await db.run(`SET TimeZone = 'Asia/Tokyo'`);
    await db.run(
      `INSERT INTO retrainings VALUES ('r1', 'm', 'manual', NULL, '2026-01-01T00:00:00'::TIMESTAMP, NULL,
         'running', 1, NULL, NULL, NULL, '[]', NULL)`,
    );
    const before = Date.now();
    // Any retraining channel first closes what a dead process left running (the model need not exist).
    const r = await services.dispatch('retrain:list', { model: 'm' });
    expect(r.ok).toBe(false);
    const after = Date.now();
    const row = await db.one<{ status: string; at: number }>(
      `SELECT status, epoch_ms(finished_at) AS at FROM retrainings WHERE id = 'r1'`,
    );
    expect(row?.status).toBe('failed');
    expect(Number(row?.at)).toBeGreaterThanOrEqual(before - 1);
    expect(Number(row?.at)).toBeLessThanOrEqual(after + 1);
  });
});
