import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DataPage } from './pages/data-page';
import { ExperimentsPage } from './pages/experiments-page';

const repo = resolve(import.meta.dirname, '../..');
const fixture = join(repo, 'tests/fixtures/seattle-weather.csv');
// The host entry; overridable to point the same test at another build of `lathe ui`.
const hostScript = resolve(repo, process.env.LATHE_E2E_HOST ?? 'main/cli/lathe.cjs');

let workspace: string;
let host: ChildProcessWithoutNullStreams | undefined;
let hostLog = '';
let browser: Browser | undefined;
let page: Page;
let url: string;

/** Starts `lathe ui --port 0 --json` and resolves with the URL from its first stdout line. */
function startHost(): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    const child = spawn(
      process.execPath,
      [hostScript, 'ui', '--port', '0', '--workspace', workspace, '--json'],
      {
        cwd: repo,
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    host = child;
    child.stderr.on('data', (chunk: Buffer) => {
      hostLog += chunk.toString();
    });
    child.on('exit', (code) => reject(new Error(`lathe ui exited with ${code}:\n${hostLog}`)));
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      try {
        const parsed = JSON.parse(line) as { url?: unknown };
        if (typeof parsed.url !== 'string') throw new Error('no url');
        resolveUrl(parsed.url);
      } catch {
        reject(new Error(`lathe ui printed an unexpected first line: ${line}\n${hostLog}`));
      }
    });
  });
}

describe('Lathe UI in the browser', () => {
  beforeAll(async () => {
    workspace = mkdtempSync(join(tmpdir(), 'lathe-e2e-'));
    url = await startHost();
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.setDefaultTimeout(60_000);
  });

  afterAll(async () => {
    await browser?.close();
    if (host && host.exitCode === null) {
      host.removeAllListeners('exit');
      const exited = new Promise((r) => host?.once('exit', r));
      host.kill('SIGTERM');
      await exited;
    }
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  it('imports a file, profiles it, trains a model and shows it finish', async () => {
    const data = new DataPage(page);
    await data.open(url);
    expect(await data.workspacePath()).toContain(workspace.split('/').pop());

    await data.goto('data');
    await data.importFile(fixture, 'seattle_weather');
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
