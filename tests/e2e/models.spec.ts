import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { contractClient, importPenguins, penguinsConfig, trainRun } from '../helpers/services';
import { openSeededSession, repo, type BrowserSession } from './pages/lathe-host';
import { overhang, sidewaysScroll } from './pages/layout';
import { ModelsPage } from './pages/models-page';

let session: BrowserSession;
let page: Page;
let url: string;
const runs: string[] = [];

const today = () => new Date().toISOString().slice(0, 10);

/** Registers the first `count` trained runs as versions 1, 2, … of `name`: a model one test owns. */
async function registerModel(models: ModelsPage, name: string, count: number): Promise<void> {
  await models.openList(url); // the API is called from the app's page, on the host's origin
  for (const runId of runs.slice(0, count)) await models.invoke('models:register', { runId, name });
}

describe('the Models view', () => {
  beforeAll(async () => {
    // Two trained runs and a gate policy no version passes unevaluated, so a champion move needs an
    // override. Each test registers the runs under a model name of its own, so none sees another's
    // versions, aliases, stages or card.
    session = await openSeededSession('lathe-e2e-models-', async (services) => {
      await importPenguins(services);
      for (const seed of [1, 2]) {
        const config = penguinsConfig({ seed });
        const training = { ...config.training, epochs: 4 };
        runs.push((await trainRun(services, { ...config, training })).id);
      }
      await contractClient(() => services).call('gates:set', {
        project: 'Default',
        policy: { metrics: [{ metric: 'accuracy', min: 0.999 }] },
      });
    });
    ({ page, url } = session);
  });

  afterAll(async () => {
    await session?.close();
  });

  it('registers a run from its page as the next version and lists the model', async () => {
    const models = new ModelsPage(page);
    await registerModel(models, 'penguin-registered', 1);
    await page.goto(`${url}#/runs/${runs[1]}`);
    await models.byTestId('register-model').click();
    await models.byTestId('register-model-name').fill('penguin-registered');
    await models.byTestId('register-model-submit').click();
    const done = models.byTestId('register-model-done');
    expect(await done.textContent()).toBe('Registered penguin-registered v2');
    await done.click();
    await models.byTestId('model-versions').waitFor();
    expect(await models.version(2).textContent()).toContain('penguins@1');
    expect(await models.version(1).count()).toBe(1);

    // A long description wraps in its column; the list stays inside a narrow window.
    await models.invoke('models:register', {
      runId: runs[0]!,
      name: 'penguin-described',
      description:
        'Predicts the species of a penguin from its beak, flipper and body mass measurements, ' +
        'trained on the Palmer Archipelago sample; for the field team, not for new islands.',
    });
    await page.setViewportSize({ width: 1100, height: 720 });
    try {
      await models.openList(url);
      await models.row('penguin-described').waitFor();
      expect(await sidewaysScroll(page)).toBe(0);
      expect(await overhang(models.byTestId('models-table'))).toBe(0);
    } finally {
      await page.setViewportSize({ width: 1400, height: 1000 });
    }

    await models.openList(url);
    const row = models.row('penguin-registered');
    expect(await row.locator('td').nth(1).textContent()).toBe('2');
    await row.getByRole('link', { name: 'penguin-registered' }).click();
    await models.byTestId('model-versions').waitFor();
    expect(await models.byTestId('signature-inputs').textContent()).toContain('Island (VARCHAR)');
    expect(await models.byTestId('lineage-run').getAttribute('href')).toBe(`#/runs/${runs[1]}`);
  });

  it('moves aliases and stages; a failed promotion gate shows why and takes an audited override', async () => {
    const models = new ModelsPage(page);
    await registerModel(models, 'penguin-aliases', 2);
    await models.openModel(url, 'penguin-aliases');
    await models.selectVersion(2);
    await models.setAlias('challenger', 'newer seed');
    await models.waitForAliases(2, ['challenger']);
    await models.setStage('staging', 'QA run');
    await models.waitForStage(2, 'staging');

    await models.selectVersion(1);
    await models.setAlias('champion', 'first release');
    await models.byTestId('gate-failed').waitFor();
    expect(await models.gateFailures().count()).toBeGreaterThan(0);
    await models.waitForAliases(1, []);
    await models.override('approved by the penguin board');
    await models.waitForAliases(1, ['champion']);

    const entries = models.auditEntries();
    await entries.filter({ hasText: 'override of failed gates for v1' }).waitFor();
    expect(await entries.first().textContent()).toMatch(
      /override of failed gates for v1 \(alias champion\).*— approved by the penguin board/,
    );
    expect(await entries.filter({ hasText: 'stage none → staging' }).textContent()).toMatch(
      /— QA run/,
    );

    // NAME@alias opens the model with the version the alias points at.
    await models.openModel(url, 'penguin-aliases@champion');
    expect(await models.version(1).getAttribute('aria-selected')).toBe('true');

    // Staging v1 with "archive the versions already in staging" archives v2.
    await models.setStage('staging', 'replaces v2', true);
    await models.waitForStage(1, 'staging');
    await models.waitForStage(2, 'archived');
    await entries.filter({ hasText: 'stage staging → archived' }).waitFor();
  });

  it('answers which version was champion on a date', async () => {
    const models = new ModelsPage(page);
    await registerModel(models, 'penguin-dates', 1);
    await models.invoke('models:alias', {
      ref: 'penguin-dates@1',
      alias: 'champion',
      override: 'champion for the date query',
    });
    await models.openModel(url, 'penguin-dates');
    expect(await models.championOn(today())).toMatch(/champion was v1$/);
    expect(await models.championOn('2020-01-01')).toMatch(/no version was champion$/);
  });

  it('renders, edits and exports the model card', async () => {
    const models = new ModelsPage(page);
    await registerModel(models, 'penguin-card', 1);
    await models.openModel(url, 'penguin-card');
    await models.selectVersion(1);
    expect(await models.cardText().textContent()).toMatch(/Predicts Species/);
    await expect
      .poll(() =>
        models
          .cardText()
          .locator('td', { hasText: /^val_accuracy$/ })
          .count(),
      )
      .toBe(1);
    expect(await models.byTestId('card-state').textContent()).toBe('generated from the run');
    await models.editCard('intendedUse', 'Sorting **penguins** in the field.');
    await expect
      .poll(() => models.cardText().locator('strong', { hasText: 'penguins' }).count())
      .toBe(1);
    expect(await models.byTestId('card-state').textContent()).toMatch(/^edited /);

    const download = page.waitForEvent('download');
    await models.byTestId('card-export').click();
    const file = await (await download).path();
    const md = readFileSync(file, 'utf8');
    expect(md).toMatch(/^# Model card: penguin-card v1/);
    expect(md).toContain('Sorting **penguins** in the field.');
    const stored = await models.invoke('models:card:get', { ref: 'penguin-card@1' });
    expect(stored.card.intendedUse).toBe('Sorting **penguins** in the field.');
    mkdirSync(join(repo, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(repo, 'test-results/models.png'), fullPage: true });
  });
});
