// Migration 9 (imported model versions) on a workspace written before it: registered versions keep their
// run, get no source, and the table then takes versions without a run.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openWorkspace } from '../../main/workspace/workspace';
import { tempDir } from '../helpers/workspace';

const t = tempDir('lathe-migration-9-');
afterAll(() => t.remove());

describe('migration 9: imported model versions', () => {
  it('keeps the versions of a v8 workspace and then allows versions without a run', async () => {
    const dir = join(t.dir, 'ws');
    const ws = await openWorkspace(dir);
    try {
      // Back to the v8 shape, with a version registered from a run as v8 wrote it (positional columns).
      await ws.db.run('DROP TABLE model_version_files');
      await ws.db.run('ALTER TABLE model_versions DROP COLUMN source');
      await ws.db.run('ALTER TABLE model_versions ALTER COLUMN run_id SET NOT NULL');
      await ws.db.run('DELETE FROM schema_migrations WHERE version = 9');
      await ws.db.run(
        `INSERT INTO model_versions VALUES ('v1', 'm1', 1, 'run-1', 'none', '{}', NULL, now(), 'me')`,
      );
    } finally {
      ws.close();
    }
    const again = await openWorkspace(dir);
    try {
      const rows = await again.db.all<{ run_id: string | null; source: string | null }>(
        'SELECT run_id, source::VARCHAR AS source FROM model_versions ORDER BY version',
      );
      expect(rows).toEqual([{ run_id: 'run-1', source: null }]);
      await again.db.run(
        `INSERT INTO model_versions (id, model_id, version, run_id, stage, signature, source, card, created_at, created_by)
         VALUES ('v2', 'm1', 2, NULL, 'none', '{}', '{"kind":"import"}', NULL, now(), 'me')`,
      );
      await again.db.run("INSERT INTO model_version_files VALUES ('v2', 'model.onnx', 'ab', 3)");
      expect(
        (await again.db.all('SELECT version FROM schema_migrations WHERE version = 9')).length,
      ).toBe(1);
    } finally {
      again.close();
    }
  });
});
