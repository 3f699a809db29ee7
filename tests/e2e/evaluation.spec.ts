import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { EvaluationReport } from '../../shared/contract';
import { contractClient } from '../helpers/services';
import { vega } from '../helpers/workspace';
import { openSeededSession, type BrowserSession } from './pages/lathe-host';
import { EvaluationPage } from './pages/evaluation-page';
import { overhang, sidewaysScroll } from './pages/layout';

/** A segment value that is markup: the view and the downloaded file must show it as text. */
const HOSTILE = `<b id="injected">winter</b> & "cold"`;

let session: BrowserSession;
let page: Page;
let url: string;
let report: EvaluationReport;

describe('the Evaluation view', () => {
  beforeAll(async () => {
    // A binary run on seattle-weather with a markup-valued sensitive column, evaluated once.
    session = await openSeededSession('lathe-e2e-eval-', async (services) => {
      const { call } = contractClient(() => services);
      const csv = vega('seattle-weather.csv');
      await call('data:importQuery', {
        name: 'rain',
        sql: `SELECT precipitation, temp_max, temp_min, wind, weather = 'rain' AS rain,
          CASE WHEN month(date) IN (12, 1, 2) THEN '${HOSTILE.replace(/'/g, "''")}' ELSE 'other' END AS season
          FROM read_csv('${csv}')`,
      });
      const run = await call('train:run', {
        config: {
          dataset: 'rain',
          target: 'rain',
          task: 'binary',
          features: ['precipitation', 'temp_max', 'temp_min', 'wind', 'season'],
          model: { type: 'linear' },
          training: { epochs: 6, learningRate: 0.02, batchSize: 32 },
          split: { testFraction: 0.25 },
          seed: 4,
        },
      });
      report = await call('eval:run', {
        target: run.id,
        sensitive: ['season'],
        importanceRepeats: 2,
      });
    });
    ({ page, url } = session);
  });

  afterAll(async () => {
    await session?.close();
  });

  it('lists the evaluation under its nav entry and opens the report from the row', async () => {
    const ev = new EvaluationPage(page);
    await ev.open(url);
    await ev.byTestId('nav-evaluations').click();
    await ev.byTestId('evaluations-view').waitFor();
    // Every stored evaluation, whether or not another test has evaluated the run again.
    const stored = await ev.invoke('eval:list', {});
    await expect.poll(() => ev.rows().count()).toBe(stored.length);
    const row = ev.rows().and(page.locator(`[data-id="${report.id}"]`));
    expect(await row.count()).toBe(1);
    await row.click();
    await ev.byTestId('evaluation-report').waitFor();
    expect(page.url()).toContain(`#/evaluations/${report.id}`);
    expect(await ev.byTestId('nav-evaluations').getAttribute('aria-current')).toBe('page');
  });

  it('draws the stored curves point for point, the matrix cell for cell, and shows markup as text', async () => {
    const ev = new EvaluationPage(page);
    await ev.openReport(url, report.id);
    expect(await ev.seriesPoints('roc', 'roc')).toBe(report.curves.roc!.length);
    expect(await ev.seriesPoints('pr', 'pr')).toBe(report.curves.pr!.length);
    expect(await ev.chart('confusion').locator('rect.cm-cell').count()).toBe(4);
    expect(await ev.byTestId('eval-metrics').locator('tbody tr').count()).toBeGreaterThan(3);

    const fairness = ev.byTestId('eval-fairness');
    expect(await fairness.locator('tbody tr').count()).toBe(2);
    expect(await fairness.textContent()).toContain(HOSTILE);
    expect(await fairness.locator('li[data-measure]').count()).toBe(4);
    expect(await page.locator('#injected').count()).toBe(0);
  });

  it('shows the per-class and thresholds tables whole in a narrow window, the page not scrolling sideways', async () => {
    const ev = new EvaluationPage(page);
    await page.setViewportSize({ width: 1100, height: 720 });
    try {
      await ev.openReport(url, report.id);
      await ev.byTestId('eval-thresholds').waitFor();
      expect(await sidewaysScroll(page)).toBe(0);
      expect(await overhang(ev.byTestId('eval-per-class'))).toBe(0);
      expect(await overhang(ev.byTestId('eval-thresholds'))).toBe(0);
    } finally {
      await page.setViewportSize({ width: 1400, height: 1000 });
    }
  });

  it('downloads the offline HTML report of the evaluation', async () => {
    const ev = new EvaluationPage(page);
    await ev.openReport(url, report.id);
    const download = await ev.downloadHtml();
    expect(download.suggestedFilename()).toMatch(/^evaluation-.+\.html$/);
    const html = readFileSync(await download.path(), 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(report.id);
    expect(html).toContain(
      '&lt;b id=&quot;injected&quot;&gt;winter&lt;/b&gt; &amp; &quot;cold&quot;',
    );
    expect(html.toLowerCase()).not.toContain('<script');
  });

  it('opens the downloaded file offline, styled, with nothing its CSP has to refuse', async () => {
    const ev = new EvaluationPage(page);
    await ev.openReport(url, report.id);
    const download = await ev.downloadHtml();
    const dir = mkdtempSync(join(tmpdir(), 'lathe-e2e-eval-html-'));
    const file = join(dir, 'report.html');
    await download.saveAs(file);
    const context = await page.context().browser()!.newContext({ offline: true });
    try {
      const offline = await context.newPage();
      const problems: string[] = [];
      offline.on('console', (m) => {
        if (m.type() === 'error' || /Content Security Policy|Refused/i.test(m.text()))
          problems.push(m.text());
      });
      offline.on('pageerror', (err) => problems.push(err.message));
      await offline.goto(pathToFileURL(file).href);
      const roc = offline.locator('svg[data-chart="roc"]');
      expect((await roc.boundingBox())!.width).toBeGreaterThan(100);
      // The inline stylesheet applied (style-src 'unsafe-inline'): curves are stroked, not filled.
      const series = roc.locator('polyline[data-series="roc"]');
      expect(await series.evaluate((el) => getComputedStyle(el).fill)).toBe('none');
      expect(await offline.locator('section#fairness svg').count()).toBe(1);
      expect(await offline.locator('#injected').count()).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('evaluates a run from its page and opens the new report', async () => {
    const ev = new EvaluationPage(page);
    await page.goto(`${url}#/runs/${report.runId}`);
    await ev.byTestId('evaluate-run').click();
    await page.waitForURL(/#\/evaluations\/[0-9a-f]{32}$/, { timeout: 60_000 });
    const id = decodeURIComponent(new URL(page.url()).hash.split('/').pop()!);
    expect(id).not.toBe(report.id);
    const fresh = await ev.invoke('eval:get', { id });
    expect(fresh.runId).toBe(report.runId);
    // Same model, same rows: the same metrics as the stored evaluation.
    expect(fresh.metrics.roc_auc).toBe(report.metrics.roc_auc);
    const runEvaluations = ev.byTestId('run-evaluations');
    await page.goto(`${url}#/runs/${report.runId}`);
    expect(await runEvaluations.getAttribute('href')).toBe(`#/evaluations?target=${report.runId}`);
  });

  it("shows a running evaluation's progress, and Stop ends it storing nothing", async () => {
    const ev = new EvaluationPage(page);
    const before = (await ev.invoke('eval:list', { target: report.runId })).length;
    await page.goto(`${url}#/runs/${report.runId}`);
    await ev.byTestId('evaluate-options').click();
    const dialog = ev.byTestId('evaluate-options-dialog');
    await dialog.waitFor();
    // Six trainings after the scoring: Stop arrives long before they end.
    await ev.byTestId('evaluate-learning-curve').fill('0.5, 0.6, 0.7, 0.8, 0.9, 1');
    await ev.byTestId('evaluate-options-submit').click();
    const progress = dialog.getByTestId('evaluation-progress');
    await expect
      .poll(() => progress.locator('.progress-label').textContent(), { timeout: 60_000 })
      .toMatch(/^learning curve: training on 50% of the training rows \(1 of 6\)$/);
    expect(
      Number(await progress.getByRole('progressbar').getAttribute('aria-valuenow')),
    ).toBeGreaterThanOrEqual(30);
    await progress.getByTestId('evaluation-stop').click();
    await dialog.getByTestId('evaluate-stopped').waitFor({ timeout: 60_000 });
    expect(await dialog.getByTestId('evaluate-stopped').textContent()).toBe(
      'Evaluation stopped: nothing was stored.',
    );
    expect(await dialog.getByTestId('evaluate-error').count()).toBe(0);
    expect(await progress.count()).toBe(0);
    // Still on the run's page, with nothing stored; the dialog closes again.
    expect(page.url()).toContain(`#/runs/${report.runId}`);
    expect(await ev.invoke('eval:list', { target: report.runId })).toHaveLength(before);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it('filters by run, and names a target that matches no run or model', async () => {
    const ev = new EvaluationPage(page);
    await ev.openList(url);
    await ev.filter(report.runId.slice(0, 8));
    const ofRun = (await ev.invoke('eval:list', { target: report.runId })).length;
    expect(ofRun).toBeGreaterThanOrEqual(1);
    await expect.poll(() => ev.rows().count()).toBe(ofRun);
    expect(page.url()).toContain(`#/evaluations?target=${report.runId.slice(0, 8)}`);
    await ev.filter('nosuchrun');
    await ev.byTestId('error-banner').waitFor();
    expect(await ev.byTestId('error-banner').textContent()).toContain('nosuchrun');
    expect(await ev.rows().count()).toBe(0);
  });
});
