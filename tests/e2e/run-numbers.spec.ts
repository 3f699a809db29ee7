import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { TrainConfig } from '../../shared/contract';
import { importPenguins, penguinsConfig, trainRun } from '../helpers/services';
import { vega } from '../helpers/workspace';
import { ComparePage } from './pages/compare-page';
import { openSeededSession, type BrowserSession } from './pages/lathe-host';
import { dotStartsLine, overhang, showsWholeValue, sidewaysScroll } from './pages/layout';
import { RunPage } from './pages/run-page';

let session: BrowserSession;
let page: Page;
let url: string;
const ids = { trained: '', hashed: '', search: '', longName: '' };
const HASH = 'ab'.repeat(32);

const config = penguinsConfig({
  model: { type: 'linear' },
  training: { epochs: 2, batchSize: 64, learningRate: 0.05, validationFraction: 0.25 },
});

describe('the numbers users look for, on screen', () => {
  beforeAll(async () => {
    session = await openSeededSession('lathe-e2e-numbers-', async (services) => {
      const { version } = await importPenguins(services);
      ids.trained = (await trainRun(services, config)).id;
      // A dataset named as users name theirs, for a suggested model name as long as theirs.
      await services.data.importFile({
        path: vega('penguins.json'),
        name: 'penguins_q1_clean',
        project: 'Default',
      });
      ids.longName = (await trainRun(services, { ...config, dataset: 'penguins_q1_clean' })).id;
      // A run with many long params, one of them a 64-digit hash, as trackers record them.
      const params: Record<string, string> = { 'dataset.hash': HASH };
      for (let i = 0; i < 30; i++)
        params[`p.${String(i).padStart(2, '0')}`] = `value-${i}-`.repeat(6);
      ids.hashed = await services.tracking.createRun({
        name: 'hashed',
        experiment: 'penguins',
        project: 'Default',
        config: TrainConfig.parse(config),
        configHash: 'h',
        datasetVersionId: version.id,
        latheVersion: 'test',
        system: {},
        params,
      });
      await services.tracking.logMetrics(ids.hashed, 1, { val_accuracy: 0.5 });
      await services.tracking.endRun(ids.hashed, { status: 'finished' });
      // A real search: three trials of a linear model.
      const search = await trainRun(
        services,
        penguinsConfig({
          ...config,
          search: {
            strategy: 'grid',
            trials: 3,
            parallel: 1,
            metric: 'val_accuracy',
            // A second, fixed dimension: one more column in the trials table, as real searches have.
            space: {
              'training.learningRate': { type: 'choice', values: [0.001, 0.05, 0.1] },
              'training.batchSize': { type: 'choice', values: [64] },
            },
          },
        }),
      );
      ids.search = search.id;
    });
    ({ page, url } = session);
  });

  afterAll(async () => {
    await session?.close();
  });

  it('the runs table and Compare put metrics before params, and hashes show short', async () => {
    const compare = new ComparePage(page);
    await compare.openRuns(url, [ids.trained, ids.hashed]);
    const heads = await compare
      .table()
      .locator('th')
      .evaluateAll((ths) => ths.map((th) => th.getAttribute('data-testid') ?? ''));
    const firstParam = heads.findIndex((h) => h.startsWith('param-col-'));
    const lastMetric = heads.map((h) => h.startsWith('metric-col-')).lastIndexOf(true);
    expect(lastMetric).toBeGreaterThan(-1);
    expect(lastMetric).toBeLessThan(firstParam);
    const hash = compare.table().locator(`[data-hash="${HASH}"]`);
    expect(await hash.locator('code').textContent()).toBe(`${HASH.slice(0, 12)}…`);
    expect(await hash.locator('code').getAttribute('title')).toBe(HASH);

    await page.goto(`${url}#/experiments`);
    await page.locator('[role="columnheader"][data-col]').first().waitFor();
    const cols = await page
      .locator('[role="columnheader"][data-col]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-col') ?? ''));
    const metricAt = cols.findIndex((c) => c.startsWith('metrics.'));
    const paramAt = cols.findIndex((c) => c.startsWith('params.'));
    expect(metricAt).toBeGreaterThan(-1);
    expect(metricAt).toBeLessThan(paramAt);
  });

  it('the Parameters panel wraps inside the page and Register opens a popover, not a header row', async () => {
    const run = new RunPage(page);
    await run.openRun(url, ids.hashed);
    const params = run.byTestId('run-params');
    await params.waitFor();
    const overflow = await params.evaluate((el) => {
      const panel = el.closest('.panel')!;
      return {
        table: el.scrollWidth,
        panel: panel.clientWidth,
        doc: document.documentElement.scrollWidth,
        view: window.innerWidth,
      };
    });
    expect(overflow.table).toBeLessThanOrEqual(overflow.panel);
    expect(overflow.doc).toBeLessThanOrEqual(overflow.view);
    expect(await params.locator(`[data-hash="${HASH}"] code`).textContent()).toBe(
      `${HASH.slice(0, 12)}…`,
    );

    await run.openRun(url, ids.longName);
    const header = page.locator('.page-header');
    const before = await header.boundingBox();
    await run.byTestId('register-model').click();
    await run.byTestId('register-model-form').waitFor();
    const after = await header.boundingBox();
    expect(after!.height).toBe(before!.height);
    // The suggested name (dataset and target) shows whole in its box.
    const name = run.byTestId('register-model-name');
    expect(await name.inputValue()).toBe('penguins_q1_clean_1-Species');
    expect(await showsWholeValue(name)).toBe(true);
    await run.byTestId('register-model-name').press('Escape');
    await run.byTestId('register-model-form').waitFor({ state: 'detached' });
  });

  it('artifacts download through the host', async () => {
    const run = new RunPage(page);
    await run.openRun(url, ids.trained);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      run.byTestId('artifact-download-model/model.json').click(),
    ]);
    expect(download.suggestedFilename()).toBe('model.json');
    expect(await download.failure()).toBeNull();
  });

  it('a search parent charts its trials (axis: trial) and registers its best trial in one click', async () => {
    const run = new RunPage(page);
    await run.openRun(url, ids.search);
    const chart = run.chart();
    await chart.waitFor();
    expect(await chart.getAttribute('data-x-label')).toBe('trial');
    expect(await chart.getAttribute('data-series')).toBe('val_accuracy,best val_accuracy');
    expect(await page.getByText('Pick a metric to draw').count()).toBe(0);
    await expect
      .poll(() => run.byTestId('family-chart-status').textContent())
      .toMatch(/^3 of 3 trials done · best val_accuracy [\d.]+ \(trial \d\)$/);
    await run.byTestId('register-best').click();
    await run.byTestId('register-best-done').waitFor();
    const report = await run.invoke('runs:report', { id: ids.search });
    expect(await run.byTestId('register-best-done').textContent()).toMatch(
      /^Registered penguins\S* v1$/,
    );
    const models = await run.invoke('models:list', {});
    const version = await run.invoke('models:version', { ref: `${models[0]!.name}@1` });
    expect(version.runId).toBe(report.report!.best!.runId);
  });

  it("a search parent lists its trials inside the page at 1100 px, and a trial's header wraps between its facts", async () => {
    const run = new RunPage(page);
    await page.setViewportSize({ width: 1100, height: 720 });
    try {
      await run.openRun(url, ids.search);
      await run.byTestId('run-child').first().waitFor();
      expect(await sidewaysScroll(page)).toBe(0);
      expect(await overhang(run.byTestId('run-children'))).toBe(0);

      const [trial] = await run.invoke('runs:list', { parentId: ids.search, limit: 1 });
      await run.openRun(url, trial!.id);
      // At whatever width the header wraps, a line breaks after a "·", never before one.
      for (let width = 900; width <= 1400; width += 4) {
        await page.setViewportSize({ width, height: 720 });
        expect(await dotStartsLine(page.locator('.page-subtitle')), `at ${width}px`).toBe(false);
      }
    } finally {
      await page.setViewportSize({ width: 1400, height: 1000 });
    }
  });

  it('follows the OS dark-mode preference', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${url}#/experiments`);
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = bg.match(/\d+/g)!.map(Number);
    expect(r! + g! + b!).toBeLessThan(150);
    await page.emulateMedia({ colorScheme: 'light' });
  });
});
