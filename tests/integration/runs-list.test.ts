import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../main/services';
import type { RunSummary } from '../../shared/contract';
import { contractClient } from '../helpers/services';
import { seedRuns, seededRunId } from '../helpers/seed-runs';
import { tempDir } from '../helpers/workspace';
import { listOrderBy, sortOrder } from '../../renderer/views/Experiments/runs-table/sort';
import { decodeRunColumns, summaryAt } from '../../renderer/views/Experiments/runs-table/model';

const t = tempDir('lathe-runs-list-');
let services: Services | undefined;
const { call, failure } = contractClient(() => services!);
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

  it('gives the same runs by column (runs:listColumns) as runs:list, in its order', async () => {
    await call('runs:delete', { ids: [seededRunId(9)] });
    for (const input of [
      { limit: 100000 },
      { limit: 100000, deleted: true },
      {
        experiment: 'beta',
        filter: 'metrics.val_auc > 0.5',
        orderBy: 'metrics.loss desc',
        limit: 30,
      },
    ]) {
      const list = await call('runs:list', input);
      const columns = await call('runs:listColumns', input);
      expect(columns.count).toBe(list.length);
      const model = decodeRunColumns(columns);
      expect(Array.from({ length: model.count }, (_, i) => summaryAt(model, i))).toEqual(list);
      // Repeated text (statuses, experiments, param values) is sent once.
      expect(new Set(columns.strings).size).toBe(columns.strings.length);
      expect(columns.strings.filter((s) => s === 'finished')).toHaveLength(1);
    }
    // No run matches: every column is empty (no strings, no keys).
    expect(
      await call('runs:listColumns', { filter: 'metrics.val_auc > 2', limit: 10 }),
    ).toMatchObject({
      count: 0,
      strings: [],
      ids: [],
      status: '',
      startedAt: '',
      metrics: [],
      params: [],
      tags: [],
    });
    const bad = await failure('runs:listColumns', { filter: 'metrics.val_auc >' });
    expect(bad).toMatchObject({ code: 'INVALID_INPUT' });
    expect(bad.message).toContain('position 18');
    await call('runs:restore', { ids: [seededRunId(9)] });
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

  it('keeps every latest value equal to the history it summarizes, as points arrive and a run reopens', async () => {
    const tracking = services!.tracking;
    const id = seededRunId(7);
    // The buffered path: an earlier step logged later does not replace a later one.
    await tracking.logMetrics(id, 40, { loss: 0.25 });
    await tracking.logMetrics(id, 12, { loss: 9 });
    // A bulk write (which flushes the buffer first): at one step the later timestamp wins, whatever the
    // order; an old step does not.
    await tracking.logMetricsBulk(id, [
      { key: 'val_auc', step: 50, value: 0.75, timestamp: 10 },
      { key: 'val_auc', step: 50, value: 0.5, timestamp: 5 },
      { key: 'val_auc', step: 2, value: 0.1, timestamp: 99 },
    ]);
    const db = services!.workspace.db;
    const truth = async () =>
      db.all(
        `SELECT run_id, key, arg_max(value, (step, ts)) AS value FROM metrics
         GROUP BY ALL ORDER BY run_id, key`,
      );
    const kept = () => db.all('SELECT run_id, key, value FROM latest_metrics ORDER BY run_id, key');
    expect(await kept()).toEqual(await truth());
    const listed = (await call('runs:list', { limit: 100000 })).find((r) => r.id === id)!;
    expect(listed.metrics).toMatchObject({ loss: 0.25, val_auc: 0.75 });
    const filtered = await call('runs:list', { filter: 'metrics.loss = 0.25', limit: 100000 });
    expect(filtered.map((r) => r.id)).toEqual([id]);

    // Reopening for a resume drops the steps after the checkpoint, and their latest values with them.
    await tracking.reopenRun(id, 3);
    expect(await kept()).toEqual(await truth());
    const reopened = await call('runs:get', { id });
    const history = (await truth()).filter((r) => r.run_id === id);
    expect(reopened.metrics).toEqual(Object.fromEntries(history.map((r) => [r.key, r.value])));
    expect(reopened.metrics.loss).not.toBe(0.25);
    expect(reopened.metrics.val_auc).not.toBe(0.75);
  });

  it('gives a first page in the order the runs table sorts the whole list (listOrderBy)', async () => {
    // A metric only some runs have: missing values go last in both directions, on both sides.
    for (const i of [3, 30, 150, 200])
      await services!.tracking.logMetricsBulk(seededRunId(i), [
        { key: 'rare', step: 1, value: i % 7, timestamp: 1 },
      ]);
    const all = await call('runs:list', { limit: 100000 });
    for (const column of ['started', 'duration', 'metrics.val_auc', 'metrics.rare'])
      for (const direction of ['asc', 'desc'] as const) {
        const orderBy = listOrderBy({ column, direction });
        expect(orderBy, column).not.toBeNull();
        const page = await call('runs:list', { orderBy: orderBy!, limit: 100 });
        const order = sortOrder(
          decodeRunColumns(await call('runs:listColumns', { limit: 100000 })),
          column,
          direction,
        );
        expect(
          page.map((r) => r.id),
          `${column} ${direction}`,
        ).toEqual(Array.from(order.subarray(0, 100), (i) => all[i]!.id));
      }
    const newest = await call('runs:list', { limit: 100 });
    expect(listOrderBy(null)).toBe('');
    expect(newest).toEqual(all.slice(0, 100));
  });
});

describe('runs:listColumns past one chunk', () => {
  // More runs than a DuckDB vector holds (2,048): each column's (position, value) list spans several
  // vectors' worth, and the runs past the first 2,048 must land at their own positions.
  const big = tempDir('lathe-runs-columns-');
  let many: Services | undefined;
  const client = contractClient(() => many!);
  afterAll(async () => {
    await many?.close();
    big.remove();
  });

  it('gives every run of a long list the values runs:list gives it', async () => {
    many = await createServices({ workspaceDir: join(big.dir, 'ws'), validateOutput: true });
    await seedRuns(many, { runs: 4500, metrics: 3, extraParams: 1 });
    const list = await client.call('runs:list', { limit: 100000 });
    const model = decodeRunColumns(await client.call('runs:listColumns', { limit: 100000 }));
    expect(list).toHaveLength(4500);
    expect(model.count).toBe(4500);
    expect(Array.from({ length: model.count }, (_, i) => summaryAt(model, i))).toEqual(list);
  });
});
