import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { contractClient } from '../helpers/services';
import { vega } from '../helpers/workspace';
import { openSeededSession, type BrowserSession } from './pages/lathe-host';
import { AppPage } from './pages/app-page';

let session: BrowserSession;
let page: Page;
let url: string;
let ui: AppPage;
let runId = '';

const field = (key: string) => ui.byTestId(`new-run-${key}`);

async function openForm(hash = '#/experiments/new'): Promise<void> {
  await page.goto(`${url}${hash}`);
  await ui.byTestId('new-run-form').waitFor();
}

describe('the New run form', () => {
  beforeAll(async () => {
    // A 0/1 integer column named `target` in the middle of seattle-weather, and vega's cars.
    session = await openSeededSession('lathe-e2e-newrun-', async (services) => {
      const { call } = contractClient(() => services);
      const csv = vega('seattle-weather.csv');
      await call('data:importQuery', {
        name: 'rain01',
        sql: `SELECT precipitation, temp_max, CAST(weather = 'rain' AS INTEGER) AS target, temp_min, wind,
          CASE WHEN month(date) IN (12, 1, 2) THEN 'winter' ELSE 'other' END AS season
          FROM read_csv('${csv}')`,
      });
      await call('data:import', { path: vega('cars.json'), name: 'cars' });
    });
    ({ page, url } = session);
    ui = new AppPage(page);
  });

  afterAll(async () => {
    await session?.close();
  });

  it('guesses the target by its name and the task from its values', async () => {
    await openForm();
    await field('dataset').selectOption('rain01');
    // `target` wins over the last column; its 0/1 integers make a binary task, not a regression.
    await expect.poll(() => field('target').inputValue()).toBe('target');
    await expect.poll(() => field('task').inputValue()).toBe('binary');
    // Rainfall in mm is a quantity; forced to binary, the refusal shows at the target and names the task.
    await field('target').selectOption('precipitation');
    await expect.poll(() => field('task').inputValue()).toBe('regression');
    await field('task').selectOption('binary');
    await ui.byTestId('train-submit').click();
    await expect
      .poll(() => field('target-error').textContent())
      .toMatch(
        /^column 'precipitation' has \d+ distinct values; a binary task needs exactly 2 \(use task: regression\)$/,
      );
    expect(await ui.invoke('runs:list', {})).toEqual([]);
    await field('dataset').selectOption('cars');
    await expect.poll(() => field('target').inputValue()).toBe('Miles_per_Gallon');
    await expect.poll(() => field('task').inputValue()).toBe('regression');
    // A target of text with three values: multiclass.
    await field('target').selectOption('Origin');
    await expect.poll(() => field('task').inputValue()).toBe('multiclass');
  });

  it('keeps the form and the YAML in step, names a bad value beside its field, and closes on Escape', async () => {
    await openForm();
    await field('dataset').selectOption('rain01');
    // The task is guessed until the dataset's profile comes, which then rewrites the generated YAML: an
    // edit of the YAML must not straddle that rewrite (Playwright's fill selects, then inserts).
    await expect.poll(() => field('task').inputValue()).toBe('binary');
    await field('epochs').fill('7');
    await expect.poll(() => field('yaml').inputValue()).toContain('epochs: 7');
    const yaml = await field('yaml').inputValue();
    await field('yaml').fill(
      yaml.replace('epochs: 7', 'epochs: 9\n  lrSchedule:\n    type: cosine'),
    );
    await expect.poll(() => field('epochs').inputValue()).toBe('9');
    expect(await field('lr-schedule').inputValue()).toBe('cosine');
    // Back in the form: the YAML follows again.
    await field('test-fraction').fill('0.3');
    await expect.poll(() => field('yaml').inputValue()).toContain('testFraction: 0.3');
    expect(await field('yaml').inputValue()).toContain('type: cosine');

    await field('epochs').fill('abc');
    await ui.byTestId('train-submit').click();
    await expect.poll(() => field('epochs-error').textContent()).toBe("'abc' is not a number");
    expect(await ui.byTestId('new-run-form').textContent()).not.toContain('NaN');

    await field('epochs').press('Escape');
    await ui.byTestId('new-run-form').waitFor({ state: 'detached' });
    expect(new URL(page.url()).hash).toBe('#/experiments');
  });

  it('starts a run with test rows and early stopping, clones it, and remembers it per dataset', async () => {
    await openForm();
    await field('dataset').selectOption('rain01');
    await expect.poll(() => field('task').inputValue()).toBe('binary');
    await field('model').selectOption('linear');
    await field('epochs').fill('4');
    await field('early-stopping').check();
    await field('es-patience').fill('2');
    await field('name').fill('first-run');
    await ui.byTestId('train-submit').click();
    await page.waitForURL(/#\/runs\/.+/);
    runId = decodeURIComponent(new URL(page.url()).hash.replace(/^#\/runs\//, ''));
    const run = await ui.invoke('runs:get', { id: runId });
    expect(run.config).toMatchObject({
      target: 'target',
      task: 'binary',
      split: { testFraction: 0.2 },
      training: { epochs: 4, earlyStopping: { patience: 2 } },
    });

    // Escape backs out of any form through its Cancel button: here the run's inline rename.
    await ui.byTestId('run-rename').click();
    await ui.byTestId('run-name-input').fill('renamed');
    await ui.byTestId('run-name-input').press('Escape');
    await ui.byTestId('run-name-input').waitFor({ state: 'detached' });
    expect(await ui.byTestId('run-name').textContent()).toBe('first-run');

    await ui.byTestId('run-clone').click();
    await page.waitForURL(/#\/experiments\/new\?clone=/);
    await ui.byTestId('new-run-note').waitFor();
    await expect.poll(() => field('epochs').inputValue()).toBe('4');
    expect(await field('model').inputValue()).toBe('linear');
    expect(await field('early-stopping').isChecked()).toBe(true);
    expect(await field('es-patience').inputValue()).toBe('2');
    expect(await field('name').inputValue()).toBe('');

    // A fresh form on the dataset last trained: its last settings, not the defaults.
    await page.goto(`${url}#/experiments`);
    await openForm();
    await expect.poll(() => field('epochs').inputValue()).toBe('4');
    expect(await field('dataset').inputValue()).toBe('rain01');
    expect(await field('model').inputValue()).toBe('linear');
    expect(await ui.byTestId('new-run-note').textContent()).toContain('last run on rain01');
    expect(await field('name').inputValue()).toBe('');
  });

  it('evaluates with a sensitive column, slice columns and a learning curve', async () => {
    await expect
      .poll(async () => (await ui.invoke('runs:get', { id: runId })).status, { timeout: 120_000 })
      .toBe('finished');
    await page.goto(`${url}#/runs/${runId}`);
    await ui.byTestId('evaluate-options').click();
    const dialog = ui.byTestId('evaluate-options-dialog');
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    await ui.byTestId('evaluate-options').click();
    await ui.byTestId('evaluate-sensitive').selectOption(['season']);
    await ui.byTestId('evaluate-slices').selectOption(['wind', 'season']);
    await ui.byTestId('evaluate-importance-repeats').fill('0');
    await ui.byTestId('evaluate-learning-curve').fill('2');
    await ui.byTestId('evaluate-options-submit').click();
    await expect
      .poll(() => ui.byTestId('evaluate-learning-curve-error').textContent())
      .toBe('each fraction is at most 1');
    await ui.byTestId('evaluate-learning-curve').fill('0.5, 1');
    await ui.byTestId('evaluate-options-submit').click();
    await page.waitForURL(/#\/evaluations\/[0-9a-f]{32}$/, { timeout: 120_000 });
    const id = decodeURIComponent(new URL(page.url()).hash.split('/').pop()!);
    const report = await ui.invoke('eval:get', { id });
    expect(report.split).toBe('test');
    expect(report.fairness.map((f) => f.column)).toEqual(['season']);
    // Only the chosen columns are sliced (the default slices every input: precipitation, temp_max, …).
    const sliced = new Set(report.slices.map((s) => s.column));
    expect(sliced.size).toBeGreaterThan(0);
    expect([...sliced].every((c) => c === 'wind' || c === 'season')).toBe(true);
    expect(report.importance).toEqual([]);
    expect(report.learningCurve?.map((p) => p.fraction)).toEqual([0.5, 1]);
  });
});
