import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../main/services';
import type { RunSummary } from '../../shared/contract';
import { contractClient } from '../helpers/services';
import { seedRuns, seededRunId } from '../helpers/seed-runs';
import { tempDir } from '../helpers/workspace';

const t = tempDir('lathe-runs-list-');
let services: Services | undefined;
const { call } = contractClient(() => services!);
const N = 240;

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  await seedRuns(services, { runs: N, metrics: 6, steps: 3, extraParams: 2 });
  // A later step logged with an older timestamp still wins: the latest value is by step, then time.
  await services.tracking.logMetricsBulk(seededRunId(5), [
    { key: 'val_auc', step: 9, value: 0.125, timestamp: 1 },
  ]);
});
afterAll(async () => {
  await services?.close();
  t.remove();
});

/** What runs:get says about a run, cut down to a summary: the reference the list must agree with. */
async function summaryOf(id: string): Promise<RunSummary> {
  const run = await call('runs:get', { id });
  const { id: _id, name, experiment, project, status, task, modelType, dataset } = run;
  return {
    id: _id,
    name,
    experiment,
    project,
    status,
    task,
    modelType,
    dataset,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    durationMs: run.durationMs,
    backend: run.backend,
    metrics: run.metrics,
    params: run.params,
    deletedAt: run.deletedAt,
    kind: run.kind,
    parentId: run.parentId,
    tags: run.tags,
  };
}

describe('runs:list', () => {
  it('lists every run with the same summary runs:get gives, newest first', async () => {
    const list = await call('runs:list', { limit: 100000 });
    expect(list).toHaveLength(N);
    expect(list.map((r) => r.id)).toEqual(
      Array.from({ length: N }, (_, i) => seededRunId(N - 1 - i)),
    );
    for (const i of [0, 1, 5, 50, 51, 119, N - 1]) {
      const listed = list.find((r) => r.id === seededRunId(i));
      expect(listed).toEqual(await summaryOf(seededRunId(i)));
    }
    expect(list.find((r) => r.id === seededRunId(5))?.metrics.val_auc).toBe(0.125);
    expect(list.find((r) => r.id === seededRunId(51))).toMatchObject({
      kind: 'fold',
      parentId: seededRunId(50),
      tags: { team: 'vision' },
    });
  });

  it('keeps filter, order, limit, experiment and deleted working together', async () => {
    const top = await call('runs:list', {
      experiment: 'alpha',
      filter: "metrics.val_auc > 0.5 and params.model.type = 'mlp'",
      orderBy: 'metrics.val_auc desc',
      limit: 7,
    });
    const all = (await call('runs:list', { limit: 100000 })).filter(
      (r) =>
        r.experiment === 'alpha' && r.metrics.val_auc! > 0.5 && r.params['model.type'] === 'mlp',
    );
    const expected = all
      .sort(
        (a, b) => b.metrics.val_auc! - a.metrics.val_auc! || b.startedAt.localeCompare(a.startedAt),
      )
      .slice(0, 7);
    expect(top.map((r) => r.id)).toEqual(expected.map((r) => r.id));
    await call('runs:delete', { ids: [seededRunId(3)] });
    expect((await call('runs:list', { limit: 100000 })).map((r) => r.id)).not.toContain(
      seededRunId(3),
    );
    const withDeleted = await call('runs:list', { limit: 100000, deleted: true });
    expect(withDeleted.find((r) => r.id === seededRunId(3))?.deletedAt).toEqual(expect.any(String));
    await call('runs:restore', { ids: [seededRunId(3)] });
  });

  it('lists experiments with live and deleted run counts', async () => {
    await call('runs:delete', { ids: [seededRunId(0), seededRunId(1)] });
    const experiments = await call('experiments:list', { project: 'Default' });
    expect(experiments.map((e) => e.name).sort()).toEqual(['alpha', 'beta']);
    const alpha = experiments.find((e) => e.name === 'alpha')!;
    // Blocks of 50 alternate: alpha holds runs 0-49, 100-149, 200-239.
    expect(alpha).toMatchObject({ project: 'Default', runs: 140 - 2, deletedRuns: 2 });
    expect(experiments.find((e) => e.name === 'beta')).toMatchObject({ runs: 100, deletedRuns: 0 });
    expect(alpha.lastRunAt).toBe(new Date(Date.UTC(2026, 0, 1) + (N - 1) * 1000).toISOString());
    expect(await call('experiments:list', { project: 'nope' })).toEqual([]);
    await call('runs:restore', { ids: [seededRunId(0), seededRunId(1)] });
  });
});
