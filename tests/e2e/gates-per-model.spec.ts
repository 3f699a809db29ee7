// Issue 12, defects 2 and 6 in the app: a run evaluated before it was registered passes the gates of its
// version; Evaluate on the model page; a project-wide roc_auc gate is skipped for a regression model, the
// champion gate with no champion says so, and a model gets its own gates in the policy editor.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { carsConfig, contractClient, importPenguins, penguinsConfig } from '../helpers/services';
import { vega } from '../helpers/workspace';
import { openSeededSession, type BrowserSession } from './pages/lathe-host';
import { DeployPage } from './pages/deploy-page';
import { ModelsPage } from './pages/models-page';

let session: BrowserSession;
let page: Page;
let url: string;
let penguinRun: string;

describe('gates per model, passed from the app', () => {
  beforeAll(async () => {
    session = await openSeededSession('lathe-e2e-gates-model-', async (services) => {
      const { call } = contractClient(() => services);
      await importPenguins(services);
      await call('data:import', { path: vega('cars.json'), name: 'cars' });
      penguinRun = (await call('train:run', { config: penguinsConfig({ seed: 3 }) })).id;
      const cars = await call('train:run', { config: carsConfig({ seed: 2 }) });
      await call('models:register', { runId: cars.id, name: 'mpg' });
    });
    ({ page, url } = session);
  });
  afterAll(async () => {
    await session?.close();
  });

  it('a run evaluated before it was registered passes its version to champion', async () => {
    const models = new ModelsPage(page);
    await models.openList(url);
    await models
      .byTestId('gate-policy-text')
      .fill(
        'metrics: [{ metric: accuracy, min: 0 }, { metric: roc_auc, min: 0 }]\nchampion: { test: bootstrap }',
      );
    await models.byTestId('gate-policy-save').click();
    await expect.poll(() => models.byTestId('gate-policy-state').textContent()).toBe('active');

    await models.invoke('eval:run', { target: penguinRun, importanceRepeats: 0 });
    await models.invoke('models:register', { runId: penguinRun, name: 'penguin' });
    await models.openModel(url, 'penguin');
    await models.selectVersion(1);
    const latest = models.byTestId('version-evaluation-latest');
    await latest.waitFor();
    expect(await latest.textContent()).toMatch(/of its run on \d+ validation rows/);
    expect(await models.byTestId('version-evaluation-verdict').textContent()).toBe(
      'all gates pass',
    );
    await models.setAlias('champion', 'passed on its run');
    await models.waitForAliases(1, ['champion']);
    expect(await models.byTestId('gate-failed').count()).toBe(0);
  });

  it("Evaluate on a regression model: the project's roc_auc gate is skipped, the champion gate says there is none", async () => {
    const models = new ModelsPage(page);
    await models.openModel(url, 'mpg');
    await models.selectVersion(1);
    await models.byTestId('version-evaluation-none').waitFor();
    await models.byTestId('evaluate-version').click();
    await models.byTestId('version-evaluation-latest').waitFor({ timeout: 60_000 });
    expect(await models.byTestId('version-evaluation-verdict').textContent()).toBe(
      'all gates pass',
    );
    const roc = models.byTestId('version-gates').locator('[data-gate="metric:roc_auc"]');
    expect(await roc.getAttribute('data-verdict')).toBe('skipped');
    expect(await roc.textContent()).toMatch(/roc_auc is a binary\/multiclass metric/);
    const champion = models.byTestId('version-gates').locator('[data-gate="champion:bootstrap"]');
    expect(await champion.textContent()).toMatch(/no champion yet: passes, nothing to compare/);
    await models.setAlias('champion', 'first regression model');
    await models.waitForAliases(1, ['champion']);
  });

  it('gives one model its own gates in the policy editor, which its next evaluation checks', async () => {
    const models = new ModelsPage(page);
    await models.openList(url);
    await models.byTestId('gate-policy-scope').selectOption('mpg');
    const text = models.byTestId('gate-policy-text');
    await expect.poll(() => text.inputValue()).toMatch(/mpg has no gates of its own/);
    await text.fill('metrics: [{ metric: rmse, max: 0.001 }]');
    await models.byTestId('gate-policy-save').click();
    await expect
      .poll(() => models.byTestId('gate-policy-notice').textContent())
      .toMatch(/evaluations of mpg from now on check these gates/);
    const stored = await models.invoke('gates:get', { project: 'Default' });
    expect(stored.policy?.models?.mpg?.metrics).toEqual([{ metric: 'rmse', max: 0.001 }]);
    expect(stored.policy?.metrics.map((m) => m.metric)).toEqual(['accuracy', 'roc_auc']);

    await models.openModel(url, 'mpg');
    await models.selectVersion(1);
    await models.byTestId('version-evaluation-latest').waitFor();
    await models.byTestId('evaluate-version').click();
    // The new evaluation replaces the passing one once it is stored.
    await page
      .locator('[data-testid="version-evaluation-latest"][data-passed="false"]')
      .waitFor({ timeout: 60_000 });
    expect(await models.byTestId('version-evaluation-verdict').textContent()).toBe('a gate failed');
    expect(await models.byTestId('version-evaluation-latest').textContent()).toMatch(
      /model mpg's own gates/,
    );
    const rmse = models.byTestId('version-gates').locator('[data-gate="metric:rmse"]');
    expect(await rmse.getAttribute('data-verdict')).toBe('fail');
  });

  it('a Docker export into a folder that is not empty says so beside the folder, with no CLI flag', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lathe-e2e-docker-full-'));
    try {
      writeFileSync(join(dir, 'keep.txt'), 'x');
      const deploy = new DeployPage(page);
      await deploy.openDeploy(url);
      await deploy.byTestId('deploy-docker-out').fill(dir);
      await deploy.byTestId('deploy-docker-export').click();
      const error = deploy.byTestId('deploy-docker-out-error');
      await error.waitFor();
      expect(await error.textContent()).toBe(
        `the folder ${dir} is not empty: choose a new or empty folder for the Docker context`,
      );
      expect(await deploy.byTestId('deploy-docker').textContent()).not.toMatch(
        /--out|Export failed/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
