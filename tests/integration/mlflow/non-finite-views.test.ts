// NaN and ±Infinity logged through MLflow's API: MLflow's own reads answer them, and the views' channels
// (runs list, run page, charts, Compare) still answer, leaving them out (a chart's gap), never an error.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../main/services';
import { tempDir } from '../../helpers/workspace';
import type { RunColumns } from '../../../shared/contract';
import { decodeRunColumns } from '../../../renderer/views/Experiments/runs-table/model';

const t = tempDir('lathe-mlflow-non-finite-');
let services: Services;
const ids: string[] = [];

async function call<T>(channel: string, input: unknown): Promise<T> {
  const res = await services.dispatch(channel, input);
  if (!res.ok) throw new Error(`${channel}: ${res.error.code} ${res.error.message}`);
  return res.result as T;
}

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  for (const name of ['nan-run', 'finite-run']) {
    const created = await call<{ run: { info: { run_id: string } } }>('mlflow:runs:create', {
      experiment_id: '0',
      run_name: name,
      start_time: 1_700_000_000_000,
    });
    ids.push(created.run.info.run_id);
  }
  await call('mlflow:runs:log-batch', {
    run_id: ids[0],
    metrics: [
      { key: 'loss', value: 0.9, timestamp: 1, step: 0 },
      { key: 'loss', value: 'NaN', timestamp: 2, step: 1 },
      { key: 'loss', value: 0.5, timestamp: 3, step: 2 },
      { key: 'acc', value: 'Infinity', timestamp: 3, step: 2 },
      { key: 'gap', value: '-Infinity', timestamp: 3, step: 2 },
    ],
  });
  await call('mlflow:runs:log-batch', {
    run_id: ids[1],
    metrics: [
      { key: 'loss', value: 0.7, timestamp: 1, step: 0 },
      { key: 'acc', value: 0.8, timestamp: 1, step: 0 },
    ],
  });
});

afterAll(async () => {
  await services.close();
  t.remove();
});

describe('non-finite metric values in the views', () => {
  it("MLflow's metric history keeps them", async () => {
    const history = await call<{ metrics: { value: unknown; step: number }[] }>(
      'mlflow:metrics:get-history',
      { run_id: ids[0], metric_key: 'loss' },
    );
    expect(history.metrics.map((m) => m.step)).toEqual([0, 1, 2]);
    expect(Number.isNaN(Number(history.metrics[1]!.value))).toBe(true);
  });

  it('the runs list, run page, charts and Compare answer with the finite values', async () => {
    const list = await call<{ id: string; metrics: Record<string, number> }[]>('runs:list', {});
    const nan = list.find((r) => r.id === ids[0])!;
    // The latest loss is finite (step 2); acc and gap have no finite value.
    expect(nan.metrics).toEqual({ loss: 0.5 });
    // The runs table's columnar list: the same finite values, null where a run has none.
    const columns = decodeRunColumns(await call<RunColumns>('runs:listColumns', {}));
    const at = columns.indexOf.get(ids[0]!)!;
    expect([...columns.metrics].map(([key, values]) => [key, values[at]])).toEqual(
      expect.arrayContaining([['loss', 0.5]]),
    );
    for (const [key, values] of columns.metrics) if (key !== 'loss') expect(values[at]).toBeNaN();
    expect(
      (await call<{ metrics: Record<string, number> }>('runs:get', { id: ids[0] })).metrics,
    ).toEqual({ loss: 0.5 });

    const chart = await call<{ points: { step: number; value: number }[] }>('runs:metrics', {
      id: ids[0],
      key: 'loss',
    });
    expect(chart.points.map((p) => [p.step, p.value])).toEqual([
      [0, 0.9],
      [2, 0.5],
    ]);
    const many = await call<{ series: { runId: string; key: string; points: unknown[] }[] }>(
      'runs:metricsMany',
      { ids, keys: ['loss', 'acc'] },
    );
    expect(many.series.map((s) => [s.runId, s.key, s.points.length])).toEqual([
      [ids[0], 'loss', 2],
      [ids[1], 'acc', 1],
      [ids[1], 'loss', 1],
    ]);
    const compared = await call<{ runs: { id: string }[] }>('runs:compare', { ids });
    expect(compared.runs.map((r) => r.id)).toEqual(ids);
  });
});
