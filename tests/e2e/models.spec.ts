import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { Run } from '../../shared/contract';
import { createServices } from '../../main/services';
import { vega } from '../helpers/workspace';
import { openBrowserSession, repo, type BrowserSession } from './pages/lathe-host';
import { ModelsPage } from './pages/models-page';

let session: BrowserSession;
let page: Page;
let url: string;
const runs: string[] = [];

const config = (seed: number) => ({
  dataset: 'penguins',
  target: 'Species',
  task: 'multiclass' as const,
  model: { type: 'linear' as const },
  training: { epochs: 4, batchSize: 32, learningRate: 0.01, validationFraction: 0.25 },
  seed,
});

const today = () => new Date().toISOString().slice(0, 10);

describe('the Models view', () => {
  beforeAll(async () => {
    session = await openBrowserSession({
      prefix: 'lathe-e2e-models-',
      // Two trained runs, the first registered as penguin v1, and a gate policy no version passes
      // unevaluated, so a champion move needs an override.
      prepare: async (workspace) => {
        const services = await createServices({ workspaceDir: workspace });
        try {
          await services.data.importFile({
            path: vega('penguins.json'),
            name: 'penguins',
            project: 'Default',
          });
          for (const seed of [1, 2]) {
            const r = await services.dispatch('train:run', { config: config(seed) });
            if (!r.ok) throw new Error(r.error.message);
            runs.push(Run.parse(r.result).id);
          }
          await services.registry.register({ runId: runs[0]!, name: 'penguin' });
          await services.workspace.db.run(
            `INSERT INTO gate_policies SELECT id, '{"metrics": [{"metric": "val_accuracy", "min": 0.999}]}', now()
             FROM projects WHERE name = 'Default'`,
          );
        } finally {
          await services.close();
        }
      },
    });
    ({ page, url } = session);
  });

  afterAll(async () => {
    await session?.close();
  });

  it('registers a run from its page as the next version and lists the model', async () => {
    const models = new ModelsPage(page);
    await page.goto(`${url}#/runs/${runs[1]}`);
    await models.byTestId('register-model').click();
    await models.byTestId('register-model-name').fill('penguin');
    await models.byTestId('register-model-submit').click();
    const done = models.byTestId('register-model-done');
    expect(await done.textContent()).toBe('Registered penguin v2');
    await done.click();
    await models.byTestId('model-versions').waitFor();
    expect(await models.version(2).textContent()).toContain('penguins@1');
    expect(await models.version(1).count()).toBe(1);

    await models.openList(url);
    expect(await models.row('penguin').locator('td').nth(1).textContent()).toBe('2');
    await models.row('penguin').getByRole('link', { name: 'penguin' }).click();
    await models.byTestId('model-versions').waitFor();
    expect(await models.byTestId('signature-inputs').textContent()).toContain('Island (VARCHAR)');
    expect(await models.byTestId('lineage-run').getAttribute('href')).toBe(`#/runs/${runs[1]}`);
  });

  it('moves aliases and stages; a failed promotion gate shows why and takes an audited override', async () => {
    const models = new ModelsPage(page);
    await models.openModel(url, 'penguin');
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
    await models.openModel(url, 'penguin@champion');
    expect(await models.version(1).getAttribute('aria-selected')).toBe('true');

    // Staging v1 with "archive the versions already in staging" archives v2.
    await models.setStage('staging', 'replaces v2', true);
    await models.waitForStage(1, 'staging');
    await models.waitForStage(2, 'archived');
    await entries.filter({ hasText: 'stage staging → archived' }).waitFor();
  });

  it('answers which version was champion on a date', async () => {
    const models = new ModelsPage(page);
    await models.openModel(url, 'penguin');
    expect(await models.championOn(today())).toMatch(/champion was v1$/);
    expect(await models.championOn('2020-01-01')).toMatch(/no version was champion$/);
  });

  it('renders, edits and exports the model card', async () => {
    const models = new ModelsPage(page);
    await models.openModel(url, 'penguin');
    await models.selectVersion(1);
    expect(await models.cardText().textContent()).toMatch(/Predicts Species/);
    expect(
      await models
        .cardText()
        .locator('td', { hasText: /^val_accuracy$/ })
        .count(),
    ).toBe(1);
    expect(await models.byTestId('card-state').textContent()).toBe('generated from the run');
    await models.editCard('intendedUse', 'Sorting **penguins** in the field.');
    expect(await models.cardText().locator('strong', { hasText: 'penguins' }).count()).toBe(1);
    expect(await models.byTestId('card-state').textContent()).toMatch(/^edited /);

    const download = page.waitForEvent('download');
    await models.byTestId('card-export').click();
    const file = await (await download).path();
    const md = readFileSync(file, 'utf8');
    expect(md).toMatch(/^# Model card: penguin v1/);
    expect(md).toContain('Sorting **penguins** in the field.');
    const stored = await models.invoke('models:card:get', { ref: 'penguin@1' });
    expect(stored.card.intendedUse).toBe('Sorting **penguins** in the field.');
    mkdirSync(join(repo, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(repo, 'test-results/models.png'), fullPage: true });
  });
});
