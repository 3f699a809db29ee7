import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Services } from '../../main/services';
import { runRecorder } from '../helpers/services';
import { openSeededSession, type BrowserSession } from './pages/lathe-host';
import { ComparePage } from './pages/compare-page';
import { RunPage } from './pages/run-page';
import { RunsTablePage } from './pages/runs-table-page';

/**
 * A run logged through MLflow's REST API (plain fetch, the requests the Python client sends) shows in the
 * Experiments view beside a run Lathe made, opens on the run page with its params, tags, artifact and
 * metric chart, and Compare overlays its `loss` with the native run's.
 */
const STEPS = 20;
const nativeLoss = (step: number) => 2 * Math.exp(-step / 5);
const mlflowLoss = (step: number) => 1.5 * Math.exp(-step / 8) + 0.1;

let session: BrowserSession;
let page: Page;
let url: string;
let nativeId = '';
let mlflowId = '';

async function seed(services: Services): Promise<void> {
  const record = await runRecorder(services, { label: 'e2e' });
  nativeId = await record({ name: 'native-run', experiment: 'native', params: { lr: '0.01' } });
  await services.tracking.logMetricsBulk(
    nativeId,
    Array.from({ length: STEPS }, (_, step) => ({
      key: 'loss',
      step,
      value: nativeLoss(step),
      timestamp: 1_733_392_800_000 + step * 1000,
    })),
  );
  await services.tracking.endRun(nativeId, { status: 'finished' });
}

/** One MLflow REST call as the Python client makes it; the answer parsed, or the test fails naming it. */
async function mlflow(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) {
  const res = await fetch(new URL(path, url), {
    method,
    headers: {
      'User-Agent': 'mlflow-python-client/2.17.0',
      ...(typeof body === 'string' ? { 'Content-Type': 'text/plain' } : {}),
      ...(body !== undefined && typeof body !== 'string'
        ? { 'Content-Type': 'application/json' }
        : {}),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : {}) as Record<string, unknown>;
}

async function logThroughMlflow(): Promise<string> {
  const created = await mlflow('POST', 'api/2.0/mlflow/experiments/create', { name: 'notebook' });
  const experimentId = created.experiment_id as string;
  const run = (await mlflow('POST', 'api/2.0/mlflow/runs/create', {
    experiment_id: experimentId,
    user_id: 'ada',
    start_time: 1_733_392_900_000,
    run_name: 'from-notebook',
    tags: [{ key: 'mlflow.user', value: 'ada' }],
  })) as { run: { info: { run_id: string; artifact_uri: string } } };
  const { run_id: runId, artifact_uri: artifactUri } = run.run.info;
  await mlflow('POST', 'api/2.0/mlflow/runs/log-batch', {
    run_id: runId,
    params: [{ key: 'optimizer', value: 'adam' }],
    tags: [{ key: 'team', value: 'fraud' }],
    metrics: Array.from({ length: STEPS }, (_, step) => ({
      key: 'loss',
      value: mlflowLoss(step),
      timestamp: 1_733_392_900_000 + step * 1000,
      step,
    })),
  });
  const artifacts = artifactUri.replace(/^mlflow-artifacts:(\/\/[^/]+)?/, '');
  await mlflow('PUT', `api/2.0/mlflow-artifacts/artifacts${artifacts}/notes.txt`, 'hello\n');
  await mlflow('POST', 'api/2.0/mlflow/runs/update', {
    run_id: runId,
    status: 'FINISHED',
    end_time: 1_733_392_920_000,
  });
  return runId;
}

describe('a run logged through MLflow in the app', () => {
  beforeAll(async () => {
    session = await openSeededSession('lathe-e2e-mlflow-', seed, { width: 1400, height: 1200 });
    ({ page, url } = session);
    mlflowId = await logThroughMlflow();
  }, 300_000);

  afterAll(async () => {
    await session?.close();
  });

  it('is listed beside the native run, labelled MLflow', async () => {
    const table = new RunsTablePage(page);
    await table.openExperiments(url, 2);
    const mlflowRow = table.row(mlflowId);
    await mlflowRow.waitFor();
    await table.row(nativeId).waitFor();
    expect(await table.cell(mlflowId, 'model').textContent()).toBe('MLflow');
    expect(await table.cell(mlflowId, 'name').textContent()).toContain('from-notebook');
    expect(await table.table().textContent()).not.toMatch(/undefined|null@|NaN/);
  });

  it('opens on the run page with its params, tags, artifact and loss chart', async () => {
    const run = new RunPage(page);
    await page.goto(`${url}#/runs/${mlflowId}`);
    await run.byTestId('run-logged-by-mlflow').waitFor();
    await expect.poll(() => run.byTestId('run-params').textContent()).toContain('adam');
    // The artifacts, lineage and tags panels load on their own: wait for each to show what was logged.
    await expect.poll(() => run.byTestId('run-artifacts').textContent()).toContain('notes.txt');
    await expect
      .poll(() => run.byTestId('run-lineage').textContent())
      .toContain('Logged through MLflow');
    await expect.poll(() => page.locator('body').textContent()).toContain('fraud');
    expect(await run.waitForSeries(['loss'])).toBe(STEPS);
    expect(await page.locator('.page').textContent()).not.toMatch(/undefined/);
  });

  it('is compared with the native run: both loss curves by step', async () => {
    const compare = new ComparePage(page);
    await compare.openRuns(url, [nativeId, mlflowId]);
    await compare.row(mlflowId).waitFor();
    await compare.setMetric('loss');
    const drawn = await compare.waitForChart(
      (s) => s.datasets === 2 && s.xMax === STEPS - 1,
      'the native and the MLflow loss curves',
    );
    let expected = 0;
    for (let s = 0; s < STEPS; s++) expected += nativeLoss(s) + mlflowLoss(s);
    expect(drawn.ySum).toBeCloseTo(expected, 6);
    expect(await compare.paramColumns()).toEqual(['lr', 'optimizer']);
  });
});
