import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openBrowserSession, type BrowserSession } from './pages/lathe-host';
import { ExperimentsPage } from './pages/experiments-page';
import { lathe } from '../helpers/cli';
import { vega } from '../helpers/workspace';

let session: BrowserSession;
let page: Page;
let url: string;

describe('searches and cross-validations from the UI', () => {
  beforeAll(async () => {
    session = await openBrowserSession({
      prefix: 'lathe-e2e-search-',
      prepare: (ws) => {
        const r = lathe([
          'data',
          'import',
          vega('penguins.json'),
          '--name',
          'penguins',
          '--workspace',
          ws,
        ]);
        if (r.code !== 0) throw new Error(r.stderr);
      },
    });
    ({ page, url } = session);
  });
  afterAll(async () => {
    await session?.close();
  });

  it('starts a search from the New run form and follows its trials to the best one', async () => {
    const ui = new ExperimentsPage(page);
    await ui.open(url);
    await ui.goto('experiments');
    const parentId = await ui.startRun({
      dataset: 'penguins',
      target: 'Species',
      task: 'multiclass',
      model: 'linear',
      epochs: 3,
      search: {
        strategy: 'random',
        trials: 3,
        space: 'training.learningRate: { type: loguniform, low: 0.001, high: 0.3 }',
      },
    });
    const trials = ui.byTestId('run-children').locator('[data-testid="run-child"]');
    await expect.poll(() => trials.count(), { timeout: 120_000 }).toBe(3);
    await ui
      .byTestId('run-status')
      .first()
      .and(page.locator('[data-status="finished"]'))
      .waitFor({ timeout: 120_000 });
    // The trial table shows each trial's learning rate; the best one is marked and the parent names it.
    await expect
      .poll(() => ui.byTestId('run-children').locator('[data-best="true"]').count())
      .toBe(1);
    const header = await ui.byTestId('run-children').locator('thead').textContent();
    expect(header).toContain('training.learningRate');
    const rates = await trials.locator('td.mono').allTextContents();
    expect(rates.every((r) => Number(r) >= 0.001 && Number(r) <= 0.3)).toBe(true);
    // Compare trials opens the compare view on the three of them.
    const href = await ui.byTestId('run-children-compare').getAttribute('href');
    expect(href).toMatch(/^#\/compare\?ids=/);
    expect(decodeURIComponent(href!.split('=')[1]!).split(',')).toHaveLength(3);
    expect(parentId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('names a bad search space in the form before anything is sent', async () => {
    const ui = new ExperimentsPage(page);
    await ui.goto('experiments');
    await ui.byTestId('new-run-open').click();
    await ui.byTestId('new-run-dataset').selectOption('penguins');
    await ui.byTestId('new-run-target').selectOption('Species');
    await ui.byTestId('new-run-search').selectOption('tpe');
    await ui
      .byTestId('new-run-space')
      .fill('model.dropout: { type: uniform, low: 0.6, high: 0.2 }');
    await ui.byTestId('train-submit').click();
    // Beside the field it is about, saying where in the space.
    await expect
      .poll(() => ui.byTestId('new-run-space-error').textContent())
      .toBe('model.dropout.high: high must be above low (0.6)');
  });
});
