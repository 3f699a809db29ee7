import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainConfig } from '../../shared/contract';
import { createServices, type Services } from '../../main/services';
import { METRIC_FLUSH_POINTS } from '../../main/tracking/tracking-store';
import { contractClient } from '../helpers/services';
import { tempDir, vega } from '../helpers/workspace';

const t = tempDir('lathe-run-details-');
const W = join(t.dir, 'ws');
let services: Services | undefined;
const { call, failure } = contractClient(() => services!);

const config = TrainConfig.parse({
  dataset: 'penguins',
  target: 'Species',
  task: 'multiclass',
  model: { type: 'mlp', hidden: [8] },
});
let versionId = '';

/** A running run recorded straight through the store, as the trainer records one. */
const newRun = (name: string, extra: { parentId?: string; kind?: 'cv' | 'fold' } = {}) =>
  services!.tracking.createRun({
    name,
    experiment: 'details',
    project: 'Default',
    config,
    configHash: 'h',
    datasetVersionId: versionId,
    latheVersion: 'test',
    system: { os: 'linux' },
    ...extra,
  });

beforeAll(async () => {
  services = await createServices({ workspaceDir: W, validateOutput: true });
  const imported = await call('data:import', { path: vega('penguins.json'), name: 'penguins' });
  versionId = imported.version.id;
});
afterAll(async () => {
  await services?.close();
  t.remove();
});

describe('runs:update', () => {
  it('renames, keeps notes and sets and deletes tags; tags are queryable', async () => {
    const id = await newRun('before');
    const renamed = await call('runs:update', {
      id: id.slice(0, 10),
      name: 'after',
      notes: '# Why\nlower lr',
      tags: { set: { team: 'vision', stage: 'dev' } },
    });
    expect(renamed).toMatchObject({
      id,
      name: 'after',
      notes: '# Why\nlower lr',
      tags: { team: 'vision', stage: 'dev' },
    });
    const next = await call('runs:update', {
      id,
      tags: { set: { stage: 'prod' }, delete: ['team', 'never-set'] },
    });
    expect(next.tags).toEqual({ stage: 'prod' });
    expect(next.name).toBe('after');
    expect(next.notes).toBe('# Why\nlower lr');
    expect((await call('runs:get', { id })).tags).toEqual({ stage: 'prod' });

    const list = await call('runs:list', { filter: "tags.stage = 'prod'" });
    expect(list.map((r) => r.id)).toEqual([id]);
    expect(await call('runs:list', { filter: "tags.team = 'vision'" })).toEqual([]);
    expect((await call('runs:update', { id, notes: '' })).notes).toBe('');
  });

  it('refuses bad tag keys naming them, and changes nothing when any part is refused', async () => {
    const id = await newRun('strict');
    await call('runs:update', { id, tags: { set: { keep: '1' } } });
    const empty = await failure('runs:update', { id, name: 'x', tags: { set: { '': 'v' } } });
    expect(empty).toMatchObject({ code: 'INVALID_INPUT', message: 'a tag key cannot be empty' });
    const long = 'k'.repeat(251);
    expect((await failure('runs:update', { id, tags: { set: { [long]: 'v' } } })).message).toMatch(
      /is 251 characters; at most 250/,
    );
    const control = await failure('runs:update', {
      id,
      name: 'changed',
      tags: { set: { ok: 'v', 'bad\tkey': 'v' } },
    });
    expect(control.message).toBe('tag key "bad\\tkey" contains a control character (U+0009)');
    expect((await failure('runs:update', { id, tags: { delete: ['a\u0000'] } })).message).toMatch(
      /contains a control character \(U\+0000\)/,
    );
    expect(
      (await failure('runs:update', { id, tags: { set: { x: '1' }, delete: ['x'] } })).message,
    ).toBe("tag 'x' is both set and deleted; give it once");
    expect((await failure('runs:update', { id, name: '  ' })).message).toMatch(
      /run name cannot be empty/,
    );
    expect(await failure('runs:update', { id: 'ffffffffff', name: 'n' })).toMatchObject({
      code: 'NOT_FOUND',
      message: "no run with id 'ffffffffff'",
    });
    const after = await call('runs:get', { id });
    expect(after.name).toBe('strict');
    expect(after.tags).toEqual({ keep: '1' });
  });

  it('lists the children of a parent run', async () => {
    const parent = await newRun('cv', { kind: 'cv' });
    const folds = [
      await newRun('fold-1', { parentId: parent, kind: 'fold' }),
      await newRun('fold-2', { parentId: parent, kind: 'fold' }),
    ];
    await newRun('unrelated');
    const children = await call('runs:list', { parentId: parent });
    expect(children.map((r) => r.id).sort()).toEqual([...folds].sort());
    expect(children.every((r) => r.kind === 'fold' && r.parentId === parent)).toBe(true);
  });
});

describe('buffered metric logging', () => {
  const values = (step: number) =>
    Object.fromEntries(Array.from({ length: 20 }, (_, k) => [`m${k}`, step * 100 + k + 0.5]));

  it('every point is readable through every read path as soon as logMetrics resolves', async () => {
    const id = await newRun('buffered');
    const other = await newRun('buffered-2');
    // Enough steps to cross the size threshold and leave a partial batch behind.
    const steps = Math.ceil((METRIC_FLUSH_POINTS * 1.5) / 20);
    for (let s = 0; s < steps; s++) {
      await services!.tracking.logMetrics(id, s, values(s));
      await services!.tracking.logMetrics(other, s, { m0: -s });
    }
    const history = await call('runs:metrics', { id, key: 'm3', maxPoints: 1_000_000 });
    expect(history.points.map((p) => p.step)).toEqual(Array.from({ length: steps }, (_, s) => s));
    expect(history.points.map((p) => p.value)).toEqual(
      Array.from({ length: steps }, (_, s) => s * 100 + 3.5),
    );
    expect(history.series.m3).toEqual({ downsampled: false, totalPoints: steps });
    const all = await call('runs:metrics', { id, maxPoints: 1_000_000 });
    expect(all.points).toHaveLength(steps * 20);

    // Points logged right before each read, never flushed by size or time: every reader sees them.
    const last = steps - 1;
    await services!.tracking.logMetrics(id, steps, { m0: 1e9 });
    expect((await call('runs:get', { id })).metrics.m0).toBe(1e9);
    await services!.tracking.logMetrics(id, steps + 1, { m0: 2e9 });
    const listed = await call('runs:list', { filter: 'metrics.m0 >= 2e9' });
    expect(listed.map((r) => r.id)).toEqual([id]);
    await services!.tracking.logMetrics(other, steps, { m0: 7 });
    const compared = await call('runs:compare', { ids: [id, other] });
    expect(compared.runs[1]!.metrics.m0).toBe(7);
    expect(compared.runs[0]!.metrics.m19).toBe(last * 100 + 19.5);
    await services!.tracking.logMetrics(other, steps + 1, { m0: 8 });
    const many = await call('runs:metricsMany', { ids: [id, other], keys: ['m0'] });
    const otherSeries = many.series.find((s) => s.runId === other)!;
    expect(otherSeries.points.at(-1)).toMatchObject({ step: steps + 1, value: 8 });
  });

  it('refuses a step that is not a 32-bit integer, naming it', async () => {
    const id = await newRun('bad-step');
    await expect(services!.tracking.logMetrics(id, 1.5, { a: 1 })).rejects.toThrow(
      'a metric step must be a 32-bit integer: 1.5',
    );
    await expect(services!.tracking.logMetrics(id, 2 ** 31, { a: 1 })).rejects.toThrow(
      /32-bit integer: 2147483648/,
    );
    await services!.tracking.logMetrics(id, 0, { a: 1, b: Number.NaN });
    const h = await call('runs:metrics', { id });
    expect(h.points.map((p) => [p.key, p.step, p.value])).toEqual([['a', 0, 1]]);
  });

  it('endRun and closing the workspace write what is still buffered', async () => {
    const ended = await newRun('ended');
    await services!.tracking.logMetrics(ended, 0, { loss: 0.25 });
    await services!.tracking.endRun(ended, { status: 'finished' });
    const direct = await services!.workspace.db.all('SELECT value FROM metrics WHERE run_id = ?', [
      ended,
    ]);
    expect(direct.map((r) => r.value)).toEqual([0.25]);

    const checkpointed = await newRun('checkpointed');
    await services!.tracking.logMetrics(checkpointed, 1, { loss: 0.5 });
    await services!.tracking.saveCheckpoint(checkpointed, {
      path: 'checkpoint/state.bin',
      sha256: 'a'.repeat(64),
      sizeBytes: 1,
    });
    const stored = await services!.workspace.db.all(
      'SELECT step, value FROM metrics WHERE run_id = ?',
      [checkpointed],
    );
    expect(stored.map((r) => [r.step, r.value])).toEqual([[1, 0.5]]);

    const id = await newRun('closing');
    for (let s = 0; s < 5; s++) await services!.tracking.logMetrics(id, s, { loss: 1 / (s + 1) });
    await services!.close();
    services = await createServices({ workspaceDir: W, validateOutput: true });
    const h = await call('runs:metrics', { id, key: 'loss' });
    expect(h.points.map((p) => p.value)).toEqual([1, 1 / 2, 1 / 3, 1 / 4, 1 / 5]);
  });
});
