// Migration 9 (imported model versions) on a workspace written before it: registered versions keep their
// run, get no source, and the table then takes versions without a run.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateFromBefore } from '../helpers/migrations';
import { tempDir } from '../helpers/workspace';

const t = tempDir('lathe-migration-9-');
afterAll(() => t.remove());

describe('migration 9: imported model versions', () => {
  it('keeps the versions of a v8 workspace and then allows versions without a run', async () => {
    await migrateFromBefore(
      9,
      join(t.dir, 'ws'),
      async (db) => {
        // Back to the v8 shape, with a version registered from a run as v8 wrote it (its columns only:
        // later migrations' columns stay).
        await db.run('DROP TABLE model_version_files');
        await db.run('ALTER TABLE model_versions DROP COLUMN source');
        await db.run('ALTER TABLE model_versions ALTER COLUMN run_id SET NOT NULL');
        await db.run(
          `INSERT INTO model_versions (id, model_id, version, run_id, stage, signature, card, created_at, created_by)
           VALUES ('v1', 'm1', 1, 'run-1', 'none', '{}', NULL, now(), 'me')`,
        );
      },
      async (db) => {
        const rows = await db.all<{ run_id: string | null; source: string | null }>(
          'SELECT run_id, source::VARCHAR AS source FROM model_versions ORDER BY version',
        );
        expect(rows).toEqual([{ run_id: 'run-1', source: null }]);
        await db.run(
          `INSERT INTO model_versions (id, model_id, version, run_id, stage, signature, source, card, created_at, created_by)
           VALUES ('v2', 'm1', 2, NULL, 'none', '{}', '{"kind":"import"}', NULL, now(), 'me')`,
        );
        await db.run("INSERT INTO model_version_files VALUES ('v2', 'model.onnx', 'ab', 3)");
      },
    );
  });
});
