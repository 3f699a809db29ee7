import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { contractClient } from '../helpers/services';
import { vega } from '../helpers/workspace';
import { openSeededSession, type BrowserSession } from './pages/lathe-host';
import { ComparePage } from './pages/compare-page';
import { RunPage } from './pages/run-page';
import { RunsTablePage } from './pages/runs-table-page';
import { Run } from '../../shared/contract';

let session: BrowserSession;
let page: Page;
let url: string;
let ui: RunPage;

const field = (key: string) => ui.byTestId(`new-run-${key}`);

/** A fresh form: the page loaded again (a change of the hash alone keeps the last form's values). */
async function openForm(): Promise<void> {
  await page.goto(`${url}#/experiments/new`);
  await page.reload();
  await ui.byTestId('new-run-form').waitFor();
  await field('dataset').selectOption('rain01');
  await expect.poll(() => field('task').inputValue()).toBe('binary');
}

describe('the New run form: a gbdt', () => {
  beforeAll(async () => {
    // seattle-weather with a 0/1 `target` (rain) and a categorical season.
    session = await openSeededSession('lathe-e2e-newrun-gbdt-', async (services) => {
      const { call } = contractClient(() => services);
      await call('data:importQuery', {
        name: 'rain01',
        sql: `SELECT precipitation, temp_max, CAST(weather = 'rain' AS INTEGER) AS target, temp_min, wind,
          CASE WHEN month(date) IN (12, 1, 2) THEN 'winter' ELSE 'other' END AS season
          FROM read_csv('${vega('seattle-weather.csv')}')`,
      });
    });
    ({ page, url } = session);
    ui = new RunPage(page);
  });

  afterAll(async () => {
    await session?.close();
  });

  it("shows a gbdt's options instead of the networks', with its defaults and the growth", async () => {
    await openForm();
    await field('epochs').waitFor();
    await field('model').selectOption('gbdt');
    await field('trees').waitFor();
    for (const hidden of [
      'epochs',
      'batch-size',
      'learning-rate',
      'engine',
      'lr-schedule',
      'hidden',
    ])
      expect([hidden, await field(hidden).count()]).toEqual([hidden, 0]);
    expect(await field('trees').getAttribute('placeholder')).toBe('100');
    expect(await field('gbdt-learning-rate').getAttribute('placeholder')).toBe('0.1');
    expect(await field('l2').getAttribute('placeholder')).toBe('1');
    // A loss is for regression: not offered on a binary task.
    expect(await field('loss').count()).toBe(0);
    expect(await field('growth').textContent()).toMatch(/depth-wise.*depth 6/);
    await field('max-leaves').fill('15');
    await expect.poll(() => field('growth').textContent()).toMatch(/leaf-wise.*15 leaves/);
    await field('max-leaves').fill('');

    // The YAML is a gbdt's: its options, none of the networks'.
    await field('trees').fill('25');
    await field('max-depth').fill('3');
    await expect
      .poll(() => field('yaml').inputValue())
      .toMatch(/type: gbdt\n\s+trees: 25\n\s+maxDepth: 3/);
    expect(await field('yaml').inputValue()).not.toMatch(/epochs|batchSize|engine/);

    // A search offers the gbdt's paths, starting from its own first space.
    await field('search').selectOption('tpe');
    await expect.poll(() => field('space').inputValue()).toContain('model.maxDepth');
    expect(await field('space').inputValue()).not.toContain('training.learningRate');
    await field('space-add').selectOption('model.trees');
    await expect.poll(() => field('space').inputValue()).toMatch(/model\.trees: \{ type: int/);
    await field('search').selectOption('none');

    // Back to mlp: its settings again.
    await field('model').selectOption('mlp');
    await expect.poll(() => field('epochs').inputValue()).toBe('20');
    expect(await field('trees').count()).toBe(0);
  });

  it("names a bad gbdt option beside its field with the contract's message, and starts nothing", async () => {
    const before = (await ui.invoke('runs:list', {})).length;
    await openForm();
    await field('model').selectOption('gbdt');
    await field('trees').fill('0');
    await field('subsample').fill('2');
    await ui.byTestId('train-submit').click();
    await expect.poll(() => field('trees-error').textContent()).toMatch(/1/);
    expect(await field('subsample-error').textContent()).toMatch(/1/);
    await field('max-depth').fill('0');
    await expect.poll(() => field('max-depth-error').textContent()).toMatch(/maxLeaves/);
    expect(await ui.invoke('runs:list', {})).toHaveLength(before);
  });

  it('trains a gbdt with chosen trees and depth, shows it finish with its curves, and lists its size', async () => {
    await openForm();
    await field('model').selectOption('gbdt');
    await field('trees').fill('24');
    await field('max-depth').fill('3');
    await field('name').fill('trees-run');
    await ui.byTestId('train-submit').click();
    // The run's page, or the form's refusal (whose words then say why).
    const banner = ui.byTestId('error-banner');
    await Promise.race([page.waitForURL(/#\/runs\/.+/), banner.waitFor()]);
    if (await banner.isVisible()) expect(await banner.textContent()).toBe('');
    const runId = decodeURIComponent(new URL(page.url()).hash.replace(/^#\/runs\//, ''));
    await expect
      .poll(async () => (await ui.invoke('runs:get', { id: runId })).status, { timeout: 120_000 })
      .toBe('finished');
    const run = Run.parse(await ui.invoke('runs:get', { id: runId }));
    expect(run.modelType).toBe('gbdt');
    expect(run.config.model).toEqual({ type: 'gbdt', trees: 24, maxDepth: 3 });
    expect(run.metrics.val_auc).toBeGreaterThan(0.6);

    // Its curves: a point per round of the validation loss.
    await ui.openRun(url, runId);
    await ui.chart().waitFor();
    await expect
      .poll(async () => Number(await ui.chart().getAttribute('data-points')))
      .toBeGreaterThan(1);
    // Counted in rounds against the trees asked for (not the networks' 20 epochs).
    await expect.poll(() => page.getByText(/^round \d+ \/ 24$/).count()).toBe(1);
    const history = await ui.invoke('runs:metrics', { id: runId, key: 'val_loss' });
    const steps = history.points.map((p) => p.step);
    expect(steps.length).toBeGreaterThan(1);
    expect(Math.max(...steps)).toBeLessThanOrEqual(24);

    // Compared with another gbdt, the curves' step axis counts rounds.
    const { runId: other } = await ui.invoke('train:start', {
      config: { ...run.config, name: 'trees-run-2', model: { type: 'gbdt', trees: 10 } },
    });
    await expect
      .poll(async () => (await ui.invoke('runs:get', { id: other })).status, { timeout: 120_000 })
      .toBe('finished');
    const compare = new ComparePage(page);
    await compare.openRuns(url, [runId, other]);
    await expect
      .poll(() => ui.byTestId('curve-x').locator('option[value="step"]').textContent())
      .toBe('round');

    // The runs table's model column: each gbdt and its size.
    const table = new RunsTablePage(page);
    await table.openExperiments(url, 2);
    await expect.poll(() => table.row(other).textContent()).toContain('gbdt 10 trees, depth 6');
    await expect.poll(() => table.row(runId).textContent()).toContain('gbdt 24 trees, depth 3');
  });
});
