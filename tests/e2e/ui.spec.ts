import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openBrowserSession, repo, type BrowserSession } from './pages/lathe-host';
import { DataPage } from './pages/data-page';
import { ExperimentsPage } from './pages/experiments-page';

const fixture = join(repo, 'tests/fixtures/seattle-weather.csv');

let session: BrowserSession;
let workspace: string;
let page: Page;
let url: string;

describe('Lathe UI in the browser', () => {
  beforeAll(async () => {
    session = await openBrowserSession({ prefix: 'lathe-e2e-' });
    ({ workspace, page, url } = session);
  });

  afterAll(async () => {
    await session?.close();
  });

  it('imports a file, profiles it, trains a model and shows it finish', async () => {
    const data = new DataPage(page);
    await data.open(url);
    expect(await data.workspacePath()).toContain(workspace.split('/').pop());

    await data.goto('data');
    // The app profiles the file while it imports it: the dataset page then shows the stored profile.
    const imported = page.waitForResponse((r) => r.url().endsWith('/api/invoke/data:import'));
    await data.importFile(fixture, 'seattle_weather');
    const importCall = await imported;
    expect(importCall.request().postDataJSON()).toMatchObject({ profile: true });
    expect(await importCall.json()).toMatchObject({
      ok: true,
      result: { profile: { rows: 1461 } },
    });
    await data.datasetRow('seattle_weather').waitFor();
    await data.profileTable().waitFor();
    expect(await data.profileRows()).toBe('1,461');
    await expect.poll(() => data.profileTable().locator('tbody tr').count()).toBe(6);
    await data.histogram('temp_max').locator('canvas').waitFor();
    await data.histogram('weather').locator('canvas').waitFor();

    const outliers = await data.showOutliers();
    // The four numeric columns (precipitation, temp_max, temp_min, wind), most outliers first.
    await expect.poll(() => outliers.locator('tbody tr').count()).toBe(4);
    const shares = await outliers
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-share'))));
    expect(shares).toEqual([...shares].sort((a, b) => b - a));

    const suite = await data.suggestSuite();
    expect(suite).toContain('type: null_rate');
    const report = await data.runValidation();
    expect(await report.getAttribute('data-success')).toBe('true');
    const rows = report.locator('[data-testid^="expectation-row-"]');
    expect(await rows.count()).toBeGreaterThan(10);
    expect(await report.locator('[data-passed="false"]').count()).toBe(0);
    await data.byTestId('reports-table').locator('tbody tr').first().waitFor();

    // A broken suite shows the field that is wrong; one that fails says so, row by row.
    await data.editSuite('expectations:\n  - type: range\n    column: wind\n');
    expect(await data.byTestId('suite-errors').textContent()).toContain('expectations.0.min');
    await data.editSuite(
      'name: strict\nexpectations:\n  - type: range\n    column: wind\n    max: 5\n  - type: row_count\n    min: 1\n',
    );
    const failed = await data.runValidation();
    await expect.poll(() => failed.getAttribute('data-success')).toBe('false');
    expect(await data.expectationRow(0).getAttribute('data-passed')).toBe('false');
    expect(await data.expectationRow(1).getAttribute('data-passed')).toBe('true');
    await data.expectationRow(0).click();
    await data.byTestId('expectation-detail-0').locator('tbody tr').first().waitFor();

    const grid = await data.showRows();
    await grid.locator('[data-row="0"]').waitFor();
    expect(await grid.getAttribute('data-total')).toBe('1461');

    const experiments = new ExperimentsPage(page);
    await experiments.goto('experiments');
    const runId = await experiments.startRun({
      dataset: 'seattle_weather',
      target: 'weather',
      task: 'multiclass',
      model: 'linear',
      epochs: 5,
    });
    expect(await experiments.waitForChartPoints(1)).toBeGreaterThanOrEqual(1);

    await experiments.goto('experiments');
    await experiments.waitForRunStatus(runId, 'finished');
    await experiments.runRow(runId).click();
    expect(await experiments.waitForChartPoints(5)).toBe(5);
    expect(await experiments.errorBanner().count()).toBe(0);

    mkdirSync(join(repo, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(repo, 'test-results/ui-e2e.png'), fullPage: true });
  });

  it('shows the error from the API when an import fails', async () => {
    const data = new DataPage(page);
    await data.goto('data');
    await data.importPath(join(workspace, 'missing.csv'), 'missing');
    const banner = data.errorBanner();
    await banner.waitFor();
    expect(await banner.textContent()).toContain('missing.csv');
  });
});
