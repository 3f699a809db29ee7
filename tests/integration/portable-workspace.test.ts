import { cpSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Run } from '../../shared/contract';
import { createServices, type Services } from '../../main/services';
import { sha256Bytes } from '../../main/workspace/artifacts';
import { fromStoredPath, toStoredPath } from '../../main/workspace/paths';
import { contractClient } from '../helpers/services';
import { tempDir, vega } from '../helpers/workspace';

const t = tempDir('lathe-portable-');
let services: Services | undefined;
const { call } = contractClient(() => services!);
afterAll(async () => {
  await services?.close();
  t.remove();
});

/** Every text value in every table of the workspace database. */
async function storedText(s: Services): Promise<string> {
  const tables = await s.workspace.db.all<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'main'`,
  );
  const dump: unknown[] = [];
  for (const { name } of tables) dump.push(await s.workspace.db.all(`SELECT * FROM "${name}"`));
  return JSON.stringify(dump, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));
}

describe('stored paths', () => {
  it('are relative inside the workspace and absolute outside it', () => {
    const dir = join(t.dir, 'w');
    expect(toStoredPath(dir, join(dir, 'datasets', 'ab.parquet'))).toBe('datasets/ab.parquet');
    expect(fromStoredPath(join(t.dir, 'moved'), 'datasets/ab.parquet')).toBe(
      join(t.dir, 'moved', 'datasets', 'ab.parquet'),
    );
    const outside = join(t.dir, 'elsewhere', 'x.csv');
    expect(toStoredPath(dir, outside)).toBe(outside);
    expect(fromStoredPath(dir, outside)).toBe(outside);
    expect(toStoredPath(dir, join(t.dir, 'w-sibling', 'x'))).toBe(join(t.dir, 'w-sibling', 'x'));
  });
});

describe('a workspace folder', () => {
  it('keeps working after being copied to another place and the original deleted', async () => {
    const original = join(t.dir, 'original');
    services = await createServices({ workspaceDir: original, validateOutput: true });
    await call('data:import', { path: vega('penguins.json'), name: 'penguins' });
    const profileBefore = await call('data:profile', { ref: 'penguins' });
    const previewBefore = await call('data:preview', { ref: 'penguins', offset: 0, limit: 50 });
    const run: Run = await call('train:run', {
      config: {
        dataset: 'penguins',
        target: 'Species',
        task: 'multiclass',
        model: { type: 'mlp', hidden: [8] },
        training: { epochs: 2, batchSize: 64, learningRate: 0.01, validationFraction: 0.25 },
        seed: 3,
      },
    });
    expect(run.status).toBe('finished');
    expect(run.artifacts.length).toBeGreaterThan(0);
    const lineageBefore = await call('lineage:get', { id: run.id });
    // Nothing in the database names the folder it lives in.
    expect(await storedText(services)).not.toContain(original);
    await services.close();
    services = undefined;

    const copy = join(t.dir, 'copied', 'ws');
    cpSync(original, copy, { recursive: true });
    rmSync(original, { recursive: true, force: true });
    expect(existsSync(original)).toBe(false);

    services = await createServices({ workspaceDir: copy, validateOutput: true });
    const preview = await call('data:preview', { ref: 'penguins', offset: 0, limit: 50 });
    expect(preview).toEqual(previewBefore);
    // The profile is computed again from the copied file, not read from the cache.
    await services.workspace.db.run('DELETE FROM profiles');
    const profile = await call('data:profile', { ref: 'penguins' });
    expect(profile.columns).toEqual(profileBefore.columns);
    expect(profile.rows).toBe(profileBefore.rows);

    const got = await call('runs:get', { id: run.id });
    expect(got.artifacts).toEqual(run.artifacts);
    expect(got.lineage).toEqual(run.lineage);
    expect(got.metrics).toEqual(run.metrics);
    for (const a of got.artifacts) {
      const bytes = await services.workspace.artifacts.read(a.sha256);
      expect(bytes.byteLength).toBe(a.sizeBytes);
      expect(sha256Bytes(bytes)).toBe(a.sha256);
    }
    expect(await call('lineage:get', { id: run.id })).toEqual(lineageBefore);
    const history = await call('runs:metrics', { id: run.id, key: 'loss' });
    expect(history.points.map((p) => p.step)).toEqual([1, 2]);
    // A new run can train from the copied dataset.
    const again = await call('train:run', { config: run.config });
    expect(again.status).toBe('finished');
    expect(again.metrics).toEqual(run.metrics);
  });

  it('migration 6 makes absolute dataset paths of an older (or moved) workspace relative', async () => {
    await services?.close();
    const dir = join(t.dir, 'old');
    services = await createServices({ workspaceDir: dir });
    const { version } = await call('data:import', { path: vega('cars.json'), name: 'cars' });
    // What a workspace written before migration 6 holds, as if it had lived somewhere else.
    const stale = join(t.dir, 'was-here', 'datasets', `${version.hash}.parquet`);
    await services.workspace.db.run('UPDATE dataset_versions SET storage_path = ?', [stale]);
    await services.workspace.db.run('DELETE FROM schema_migrations WHERE version = 6');
    await services.close();

    services = await createServices({ workspaceDir: dir });
    const rows = await services.workspace.db.all<{ storage_path: string }>(
      'SELECT storage_path FROM dataset_versions',
    );
    expect(rows.map((r) => r.storage_path)).toEqual([`datasets/${version.hash}.parquet`]);
    expect((await call('data:preview', { ref: 'cars', offset: 0, limit: 3 })).rows).toHaveLength(3);
  });
});
