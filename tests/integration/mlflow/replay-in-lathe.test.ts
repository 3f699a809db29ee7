import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractClient, runRecorder } from '../../helpers/services';
import { latheAsync } from '../../helpers/cli';
import { replay, replayFixtures, startMlflowHost, httpCall, pick } from './replay-http';

/**
 * After the Python client's notebook sequences (the committed fixtures), the runs they logged are ordinary
 * Lathe runs: listed, filtered by the runs query language, read with their params, tags, metric history and
 * artifacts, compared with a native run, printed by `lathe runs list/show` — and refused, by name, where a
 * run Lathe trained is needed (evaluation, registration as a Lathe-trained model).
 */
let server: Awaited<ReturnType<typeof startMlflowHost>>;
const { call, failure } = contractClient(() => server.services);
let notebookRun = '';
let historyRun = '';
let nativeRun = '';

beforeAll(async () => {
  server = await startMlflowHost('lathe-mlflow-views-');
  const fixtures = Object.fromEntries(replayFixtures().map((f) => [f.file, f.fixture]));
  for (const file of ['client-tracking-run.json', 'client-metric-history.json']) {
    const problems = await replay(server.base, fixtures[file]!);
    if (problems.length) throw new Error(`${file}: ${problems.join('\n')}`);
  }
  const search = await httpCall(server.base, 'POST', '/api/2.0/mlflow/runs/search', {
    json: { experiment_ids: ['0'], max_results: 10 },
  });
  historyRun = pick(search.json, 'runs[0].info.run_id') as string;
  const byName = await httpCall(server.base, 'GET', '/api/2.0/mlflow/experiments/get-by-name', {
    query: { experiment_name: 'notebook-x' },
  });
  const experimentId = pick(byName.json, 'experiment.experiment_id') as string;
  const found = await httpCall(server.base, 'POST', '/api/2.0/mlflow/runs/search', {
    json: { experiment_ids: [experimentId] },
  });
  notebookRun = pick(found.json, 'runs[0].info.run_id') as string;

  const record = await runRecorder(server.services, { label: 'native' });
  nativeRun = await record({ name: 'native', experiment: 'notebook-x', params: { lr: '0.1' } });
  await server.services.tracking.logMetricsBulk(nativeRun, [
    { key: 'loss', step: 0, value: 2, timestamp: 1_733_392_800_000 },
    { key: 'loss', step: 1, value: 1, timestamp: 1_733_392_801_000 },
  ]);
  await server.services.tracking.endRun(nativeRun, { status: 'finished' });
});
afterAll(async () => {
  await server?.close();
});

describe('runs logged through MLflow, read as Lathe runs', () => {
  it('are listed beside native runs, kind mlflow, with no dataset, task or model', async () => {
    const runs = await call('runs:list', {});
    const ids = runs.map((r) => r.id);
    expect(ids).toEqual(expect.arrayContaining([notebookRun, historyRun, nativeRun]));
    const notebook = runs.find((r) => r.id === notebookRun)!;
    expect(notebook).toMatchObject({
      kind: 'mlflow',
      experiment: 'notebook-x',
      status: 'finished',
      task: null,
      modelType: null,
      dataset: null,
      params: { lr: '0.01', layers: '3' },
      metrics: { loss: 0.3333333333333333, acc: 0.7 },
    });
    expect(notebook.tags).toMatchObject({ team: 'fraud', stage: 'dev' });
    expect(runs.find((r) => r.id === nativeRun)).toMatchObject({
      kind: 'train',
      dataset: 'penguins@1',
    });
    // NaN and ±Infinity logged as the latest values do not break the listing.
    expect(runs.find((r) => r.id === historyRun)).toMatchObject({ kind: 'mlflow' });
  });

  it('are found by the runs query language', async () => {
    const q = async (filter: string) =>
      (await call('runs:list', { filter })).map((r) => r.id).sort();
    expect(await q("params.lr = '0.01' and tags.team = 'fraud'")).toEqual([notebookRun]);
    expect(await q('metrics.acc > 0.65')).toEqual([notebookRun]);
    expect(await q("params.lr = '0.1'")).toEqual([nativeRun]);
  });

  it('are read whole: params, tags, artifacts, metric history by step; no config or lineage', async () => {
    const run = await call('runs:get', { id: notebookRun });
    expect(run).toMatchObject({ kind: 'mlflow', config: null, lineage: null, task: null });
    expect(run.artifacts.map((a) => a.path)).toEqual(['notes.txt']);
    expect(run.tags).toMatchObject({ 'mlflow.user': 'ada', 'mlflow.source.type': 'LOCAL' });
    const history = await call('runs:metrics', { id: notebookRun, key: 'loss' });
    expect(history.points.map((p) => [p.step, p.value])).toEqual([
      [0, 1],
      [1, 0.5],
      [2, 0.3333333333333333],
    ]);
    // MLflow's timestamps are ms; Lathe reports the same instant.
    expect(history.points.map((p) => p.timestamp)).toEqual([
      1733392801000, 1733392802000, 1733392803000,
    ]);
  });

  it('are compared with a native run', async () => {
    const out = await call('runs:compare', { ids: [nativeRun, notebookRun] });
    expect(out.runs.map((r) => r.kind)).toEqual(['train', 'mlflow']);
    expect(out.params.find((p) => p.key === 'lr')).toMatchObject({
      values: ['0.1', '0.01'],
      differs: true,
    });
    const series = await call('runs:metricsMany', {
      ids: [nativeRun, notebookRun],
      keys: ['loss'],
    });
    expect(series.series.map((s) => s.points.length)).toEqual([2, 3]);
  });

  it('are refused, by name, where a run Lathe trained is needed', async () => {
    for (const [channel, input] of [
      ['eval:run', { target: notebookRun }],
      ['models:register', { runId: notebookRun, name: 'from-mlflow' }],
    ] as const) {
      const err = await failure(channel, input);
      expect(err.code).toBe('INVALID_INPUT');
      expect(err.message).toMatch(/logged through MLflow/);
    }
  });

  it('print in lathe runs list and runs show without undefined or null', async () => {
    server.services.advertiseHost(server.host.url);
    const ws = server.services.workspaceDir;
    const list = await latheAsync(['runs', 'list', '--workspace', ws]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/MLflow/);
    expect(list.stdout).not.toMatch(/undefined|null/);
    const show = await latheAsync(['runs', 'show', notebookRun, '--workspace', ws]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/logged through MLflow/);
    expect(show.stdout).not.toMatch(/undefined|null/);
  });
});
