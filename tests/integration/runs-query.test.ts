import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelInput, Run, RunSummary } from '../../shared/contract';
import { createServices, type Services } from '../../main/services';
import { lathe } from '../helpers/cli';
import { contractClient, penguinsConfig } from '../helpers/services';
import { tempDir, vega } from '../helpers/workspace';

const t = tempDir('lathe-runs-query-');
const W = join(t.dir, 'ws');
let services: Services | undefined;
const { call, failure } = contractClient(() => services!);

const penguins = (overrides: Partial<ChannelInput<'train:run'>['config']> = {}) =>
  penguinsConfig({
    model: { type: 'mlp', hidden: [8] },
    training: { epochs: 3, batchSize: 64, learningRate: 0.01, validationFraction: 0.25 },
    ...overrides,
  });

let runs: { mlp8: Run; mlp16: Run; linear: Run; other: Run };
const ids = (list: RunSummary[]) => list.map((r) => r.id).sort();

beforeAll(async () => {
  services = await createServices({ workspaceDir: W, validateOutput: true });
  await call('data:import', { path: vega('penguins.json'), name: 'penguins' });
  const train = (c: ChannelInput<'train:run'>['config']) => call('train:run', { config: c });
  runs = {
    mlp8: await train(penguins({ name: 'mlp-8' })),
    mlp16: await train(penguins({ name: 'mlp-16', model: { type: 'mlp', hidden: [16] }, seed: 2 })),
    linear: await train(penguins({ name: 'linear', model: { type: 'linear' }, seed: 3 })),
    other: await train(penguins({ name: 'other-exp', experiment: 'other', seed: 4 })),
  };
  await services.workspace.db.run("INSERT INTO tags VALUES (?, 'team', 'vision')", [runs.mlp16.id]);
});
afterAll(async () => {
  await services?.close();
  t.remove();
});

describe('querying runs', () => {
  it('filters on params, metrics, tags and attributes with and/or/not/in/like', async () => {
    for (const r of Object.values(runs)) expect(r.status).toBe('finished');
    const list = (filter: string) => call('runs:list', { filter });
    expect(ids(await list("params.model.type = 'mlp'"))).toEqual(
      ids([runs.mlp8, runs.mlp16, runs.other]),
    );
    expect(ids(await list("model = 'linear' or tags.team = 'vision'"))).toEqual(
      ids([runs.linear, runs.mlp16]),
    );
    expect(ids(await list("not model = 'mlp' and experiment = 'penguins'"))).toEqual(
      ids([runs.linear]),
    );
    expect(ids(await list('params.model.hidden >= 10'))).toEqual(ids([runs.mlp16]));
    expect(ids(await list("name like 'mlp-%' and dataset = 'penguins'"))).toEqual(
      ids([runs.mlp8, runs.mlp16]),
    );
    expect(ids(await list("name in ('linear', 'other-exp')"))).toEqual(
      ids([runs.linear, runs.other]),
    );
    expect(ids(await list('metrics.val_accuracy >= 0 and duration >= 0'))).toHaveLength(4);
    expect(await list('metrics.no_such_metric > 0')).toEqual([]);
    const threshold = runs.mlp16.metrics.val_loss!;
    expect(ids(await list(`metrics.val_loss <= ${threshold}`))).toEqual(
      ids(Object.values(runs).filter((r) => r.metrics.val_loss! <= threshold)),
    );
  });

  it('orders by metrics and params, ascending or descending', async () => {
    const byLoss = await call('runs:list', { orderBy: 'metrics.val_loss desc' });
    const losses = byLoss.map((r) => r.metrics.val_loss!);
    expect(losses).toEqual([...losses].sort((a, b) => b - a));
    const byHidden = await call('runs:list', {
      experiment: 'penguins',
      filter: "params.model.type = 'mlp'",
      orderBy: 'params.model.hidden desc',
    });
    expect(byHidden.map((r) => r.name)).toEqual(['mlp-16', 'mlp-8']);
    const byName = await call('runs:list', { orderBy: 'name' });
    expect(byName.map((r) => r.name)).toEqual(['linear', 'mlp-16', 'mlp-8', 'other-exp']);
  });

  it('rejects a malformed filter naming the position', async () => {
    const err = await failure('runs:list', { filter: 'metrics.val_auc > ' });
    expect(err).toEqual({
      code: 'INVALID_INPUT',
      details: { position: 19 },
      message:
        "filter: position 19: expected a value after '>' (a number or a 'quoted string'), found the end",
    });
    expect((await failure('runs:list', { orderBy: 'metrics.x up' })).code).toBe('INVALID_INPUT');
  });
});

describe('soft delete, restore and gc', () => {
  it('hides deleted runs until restored, and gc purges them with their artifact files', async () => {
    const s = services!;
    const deleted = await call('runs:delete', {
      ids: [runs.linear.id.slice(0, 10), runs.other.id, runs.other.id],
    });
    expect(deleted).toEqual({ deleted: 2 });
    expect(await call('runs:delete', { ids: [runs.other.id] })).toEqual({ deleted: 0 });
    expect(ids(await call('runs:list', {}))).toEqual(ids([runs.mlp8, runs.mlp16]));
    const all = await call('runs:list', { deleted: true });
    expect(
      all
        .filter((r) => r.deletedAt)
        .map((r) => r.name)
        .sort(),
    ).toEqual(['linear', 'other-exp']);
    expect((await failure('runs:delete', { ids: ['ffffffffffff'] })).code).toBe('NOT_FOUND');

    expect(await call('runs:restore', { ids: [runs.other.id] })).toEqual({ restored: 1 });
    expect(ids(await call('runs:list', {}))).toEqual(ids([runs.mlp8, runs.mlp16, runs.other]));

    const linear = await call('runs:get', { id: runs.linear.id });
    const onlyLinear = linear.artifacts.filter(
      (a) =>
        !Object.values(runs).some(
          (r) => r !== runs.linear && r.artifacts.some((b) => b.sha256 === a.sha256),
        ),
    );
    expect(onlyLinear.length).toBeGreaterThan(0);
    const kept = runs.mlp8.artifacts.map((a) => s.workspace.artifacts.pathOf(a.sha256));

    const gc = await call('workspace:gc', {});
    expect(gc.runsPurged).toBe(1);
    expect(gc.artifactsRemoved).toBe(onlyLinear.length);
    expect(gc.bytesFreed).toBe(onlyLinear.reduce((n, a) => n + a.sizeBytes, 0));
    for (const a of onlyLinear)
      expect(existsSync(s.workspace.artifacts.pathOf(a.sha256))).toBe(false);
    for (const p of kept) expect(existsSync(p)).toBe(true);
    expect((await failure('runs:get', { id: runs.linear.id })).code).toBe('NOT_FOUND');
    const leftovers = await s.workspace.db.all(
      `SELECT 'params' AS t FROM params WHERE run_id = ? UNION ALL SELECT 'metrics' FROM metrics WHERE run_id = ?
       UNION ALL SELECT 'artifacts' FROM artifacts WHERE run_id = ?`,
      [runs.linear.id, runs.linear.id, runs.linear.id],
    );
    expect(leftovers).toEqual([]);
    // The dataset the runs trained on is untouched, and a second gc has nothing to do.
    expect((await call('data:versions', { name: 'penguins' })).length).toBe(1);
    expect(await call('workspace:gc', {})).toEqual({
      runsPurged: 0,
      artifactsRemoved: 0,
      orphanFilesRemoved: [],
      bytesFreed: 0,
    });
  });

  it('works from the CLI: runs list --filter/--order-by, runs delete/restore, gc', async () => {
    await services!.close();
    services = undefined;
    const listed = lathe([
      'runs',
      'list',
      '--filter',
      "params.model.type = 'mlp'",
      '--order-by',
      'name desc',
      '--workspace',
      W,
      '--json',
    ]);
    expect(listed.code, listed.stderr).toBe(0);
    expect((listed.json as RunSummary[]).map((r) => r.name)).toEqual([
      'other-exp',
      'mlp-8',
      'mlp-16',
    ]);

    const bad = lathe(['runs', 'list', '--filter', 'status =', '--workspace', W]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("filter: position 9: expected a value after '='");

    const del = lathe([
      'runs',
      'delete',
      runs.mlp8.id,
      runs.mlp16.id.slice(0, 8),
      '--workspace',
      W,
      '--json',
    ]);
    expect(del.code, del.stderr).toBe(0);
    expect(del.json).toEqual({ deleted: 2 });
    const restored = lathe(['runs', 'restore', runs.mlp8.id, '--workspace', W, '--json']);
    expect(restored.json).toEqual({ restored: 1 });
    const withDeleted = lathe(['runs', 'list', '--deleted', '--workspace', W, '--json']);
    expect((withDeleted.json as RunSummary[]).length).toBe(3);

    const gc = lathe(['gc', '--workspace', W, '--json']);
    expect(gc.code, gc.stderr).toBe(0);
    const out = gc.json as { runsPurged: number; artifactsRemoved: number; bytesFreed: number };
    expect(out.runsPurged).toBe(1);
    expect(out.artifactsRemoved).toBeGreaterThan(0);
    expect(out.bytesFreed).toBeGreaterThan(0);
    const human = lathe(['gc', '--workspace', W]);
    expect(human.stdout).toMatch(/Purged 0 run\(s\), removed 0 artifact file\(s\), freed /);
  });
});
