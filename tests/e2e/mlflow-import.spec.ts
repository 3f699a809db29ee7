import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Route } from 'playwright-core';
import { openBrowserSession, type BrowserSession } from './pages/lathe-host';
import { MlrunsImportPage } from './pages/mlruns-import-page';
import { RunsTablePage } from './pages/runs-table-page';
// @ts-expect-error -- a plain .mjs generator, also run from the command line
import { makeMlruns } from '../fixtures/mlflow/mlruns-make.mjs';

/**
 * The Experiments view imports an MLflow file-store folder: a corrupt one is refused naming the file and
 * line with nothing imported; a good one shows its progress, what it added (runs, points, registered
 * models) and what it left out, its runs join the table, and importing it again adds nothing. The
 * "Log from an MLflow notebook" hint shows the page's own origin as the tracking URI.
 */
interface GenTree {
  root: string;
  experiments: {
    name: string;
    deleted: boolean;
    runs: { runId: string; name: string; deleted: boolean; dir: string }[];
  }[];
}
const make = makeMlruns as (root: string) => GenTree;

let session: BrowserSession;
let page: Page;
let url: string;
let folders: string;
let tree: GenTree;

beforeAll(async () => {
  session = await openBrowserSession({ prefix: 'lathe-e2e-mlruns-' });
  ({ page, url } = session);
  folders = mkdtempSync(join(tmpdir(), 'lathe-e2e-mlruns-folders-'));
  tree = make(join(folders, 'mlruns'));
}, 300_000);

afterAll(async () => {
  await session?.close();
  if (folders) rmSync(folders, { recursive: true, force: true });
});

describe('Import mlruns folder in the Experiments view', () => {
  it('the notebook hint shows the two lines, with the origin this page is served from', async () => {
    const app = new MlrunsImportPage(page);
    await app.openExperiments(url);
    expect(await app.notebookLines()).toEqual([
      `export MLFLOW_TRACKING_URI=${new URL(url).origin}`,
      'mlflow.set_experiment("my-experiment")',
    ]);
  });

  it('a corrupt metric file is named with its line, and nothing is imported', async () => {
    const app = new MlrunsImportPage(page);
    await app.openExperiments(url);
    const bad = make(join(folders, 'bad'));
    const file = join(bad.experiments[1]!.runs[0]!.dir, 'metrics', 'loss');
    appendFileSync(file, 'not a metric line\n');
    await app.openPanel();
    await app.submit(bad.root);
    const banner = app.byTestId('mlruns-import-panel').getByTestId('error-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toContain(`${file}:6`);
    expect(await app.invoke('experiments:list', { project: 'Default' })).not.toContainEqual(
      expect.objectContaining({ name: 'churn' }),
    );
    await app.byTestId('runs-empty').waitFor();
  });

  it('imports with progress, says what it added, lists the runs; a second import adds nothing', async () => {
    const app = new MlrunsImportPage(page);
    await app.openExperiments(url);
    await app.openPanel();
    // The answer is held until the progress bar has shown the import's last event (1: imported), so the
    // bar is seen whatever the speed of the import.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await page.route('**/api/invoke/mlflow:import-mlruns', async (route: Route) => {
      const response = await route.fetch();
      await held;
      await route.fulfill({ response });
    });
    await app.submit(tree.root);
    await page.waitForSelector(
      '[data-testid="mlruns-busy"] [role="progressbar"][aria-valuenow="100"]',
    );
    expect(await app.byTestId('mlruns-busy').textContent()).toContain('imported');
    release();
    await app.result().waitFor();
    await page.unroute('**/api/invoke/mlflow:import-mlruns');

    const runs = tree.experiments.flatMap((e) => e.runs);
    const text = (await app.result().textContent()) ?? '';
    expect(text).toContain(tree.root);
    expect(text).toContain('3 experiments (3 new)');
    expect(text).toContain(`${runs.length} runs added, 0 updated, 0 unchanged`);
    expect(text).toContain('2 registered models, 4 versions, 2 aliases added');
    expect(await app.byTestId('mlruns-warnings').textContent()).toContain(
      'churn-model version 3 was deleted in MLflow: not imported',
    );

    // The runs MLflow had not deleted are listed, by their MLflow ids.
    const listed = runs.filter((r) => !r.deleted);
    const table = new RunsTablePage(page);
    await table.waitForTotal(listed.length);
    for (const r of listed) await table.row(r.runId).waitFor({ state: 'attached' });
    const models = await app.invoke('models:list', {});
    expect(models.map((m) => m.name).sort()).toEqual(['churn-model', 'fox-external']);

    await app.submit(tree.root);
    await page.waitForFunction(
      (want) =>
        document.querySelector('[data-testid="mlruns-result"]')?.textContent?.includes(want),
      `0 runs added, 0 updated, ${runs.length} unchanged`,
    );
    const again = (await app.result().textContent()) ?? '';
    expect(again).toContain('0 metric points, 0 params, 0 tags, 0 artifacts');
    expect(again).toContain('0 registered models, 0 versions, 0 aliases added');
    expect(await app.invoke('models:list', {})).toEqual(models);
  });
});
