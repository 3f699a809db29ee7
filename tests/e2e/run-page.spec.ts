import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { Run, TrainConfig } from '../../shared/contract';
import { importPenguins, penguinsConfig, trainRun } from '../helpers/services';
import { openSeededSession, repo, type BrowserSession } from './pages/lathe-host';
import { RunPage } from './pages/run-page';

let session: BrowserSession;
let page: Page;
let url: string;
const ids = { trained: '', cv: '', folds: [] as string[] };

const config = penguinsConfig({
  model: { type: 'mlp', hidden: [8] },
  training: { epochs: 3, batchSize: 64, learningRate: 0.01, validationFraction: 0.25 },
  seed: 7,
});

describe('the run page', () => {
  beforeAll(async () => {
    // A trained run, and a cross-validation with two folds recorded as the trainer records them.
    session = await openSeededSession('lathe-e2e-run-', async (services) => {
      const { version } = await importPenguins(services);
      ids.trained = (await trainRun(services, config)).id;
      const record = (name: string, kind: 'cv' | 'fold', parentId?: string) =>
        services.tracking.createRun({
          name,
          experiment: 'cv',
          project: 'Default',
          config: TrainConfig.parse(config),
          configHash: 'h',
          datasetVersionId: version.id,
          latheVersion: 'test',
          system: {},
          kind,
          parentId,
        });
      ids.cv = await record('penguins-cv', 'cv');
      for (const [i, acc] of [0.8, 0.9].entries()) {
        const fold = await record(`fold-${i + 1}`, 'fold', ids.cv);
        await services.tracking.logMetrics(fold, 1, { val_accuracy: acc, val_loss: 1 - acc });
        await services.tracking.endRun(fold, { status: 'finished' });
        ids.folds.push(fold);
      }
      await services.tracking.endRun(ids.cv, { status: 'finished' });
    });
    ({ page, url } = session);
  });

  afterAll(async () => {
    await session?.close();
  });

  it('charts every metric on demand and shows params, artifacts, lineage and system', async () => {
    const run = new RunPage(page);
    await run.openRun(url, ids.trained);
    expect(await run.waitForSeries(['loss', 'val_loss', 'val_accuracy'])).toBe(3);
    await run.toggleMetric('val_f1_macro');
    await run.toggleMetric('loss');
    expect(await run.waitForSeries(['val_loss', 'val_accuracy', 'val_f1_macro'])).toBe(3);

    expect(await run.byTestId('run-params').locator('tr').count()).toBeGreaterThan(3);
    const stored = Run.parse(await run.invoke('runs:get', { id: ids.trained }));
    const artifacts = run.byTestId('run-artifacts');
    for (const a of stored.artifacts) {
      const row = artifacts.locator('tr', { hasText: a.path });
      expect(await row.locator('.sha').getAttribute('title')).toBe(a.sha256);
    }
    expect(await run.byTestId('lineage-config-hash').getAttribute('title')).toBe(
      stored.lineage.configHash,
    );
    expect(await run.byTestId('lineage-dataset-link').getAttribute('href')).toBe('#/data/penguins');
    expect(await run.byTestId('run-system').textContent()).toMatch(/Cores\d+/);
    await run.byTestId('lineage-graph-toggle').click();
    await run.byTestId('lineage-graph').waitFor();
    expect(await run.byTestId('lineage-node-run').count()).toBe(1);
    // The run node shows the run's id, as the rest of the app does, not its config hash.
    const runNode = await run.byTestId('lineage-node-run').locator('.lineage-kind').textContent();
    expect(runNode).toContain(ids.trained.slice(0, 8));
    expect(runNode).not.toContain(stored.lineage.configHash.slice(0, 8));
    mkdirSync(join(repo, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(repo, 'test-results/run-page.png'), fullPage: true });
  });

  it('edits tags, notes and the name, and deletes and restores the run', async () => {
    const run = new RunPage(page);
    await run.openRun(url, ids.trained);
    await run.addTag('team', 'vision');
    await run.tag('team').waitFor();
    await run.addTag('   ', 'x');
    expect(await run.byTestId('tag-error').textContent()).toBe('a tag key cannot be empty');
    await run.addTag('stage', 'dev');
    await run.tag('stage').waitFor();
    await run.removeTag('stage');
    await run.saveNotes('# Baseline\nlr 0.01 overfits');
    await run.rename('baseline mlp');
    const stored = await run.invoke('runs:get', { id: ids.trained });
    expect(stored).toMatchObject({
      name: 'baseline mlp',
      notes: '# Baseline\nlr 0.01 overfits',
      tags: { team: 'vision' },
    });

    await run.openRun(url, ids.trained);
    expect(await run.byTestId('run-notes').inputValue()).toBe('# Baseline\nlr 0.01 overfits');
    await run.deleteRun();
    expect((await run.invoke('runs:get', { id: ids.trained })).deletedAt).not.toBeNull();
    await run.restoreRun();
    expect((await run.invoke('runs:get', { id: ids.trained })).deletedAt).toBeNull();
  });

  it('lists the folds of a cross-validation with their metrics, and links a fold to it', async () => {
    const run = new RunPage(page);
    // While the folds are being listed their panel says so (aria-busy), and stops saying so once listed.
    const listing = '**/api/invoke/runs:list';
    // Held until released; what is asked after that goes through at once.
    const held: (() => Promise<void>)[] = [];
    let released = false;
    await page.route(listing, (route) =>
      released ? route.continue() : void held.push(() => route.continue()),
    );
    await run.openRun(url, ids.cv);
    const panel = run.byTestId('run-children-panel');
    await expect.poll(() => held.length).toBeGreaterThan(0);
    expect(await panel.getAttribute('aria-busy')).toBe('true');
    released = true;
    await Promise.all(held.map((answer) => answer()));
    await page.unroute(listing);
    await expect.poll(() => run.children().count()).toBe(2);
    expect(await panel.getAttribute('aria-busy')).toBeNull();
    expect(await run.byTestId('run-children').locator('th').allTextContents()).toEqual([
      'fold',
      'status',
      'val_accuracy',
    ]);
    expect(await run.byTestId('run-children-mean').textContent()).toMatch(/0\.85\d* ± 0\.05/);
    await run.children().first().locator('a').click();
    await run.byTestId('run-parent-link').waitFor();
    expect(await run.byTestId('run-name').textContent()).toBe('fold-1');
    await run.byTestId('run-parent-link').click();
    await run.byTestId('run-children').waitFor();
    expect(await run.byTestId('run-name').textContent()).toBe('penguins-cv');
  });

  it('draws a training run live, epoch by epoch', async () => {
    const run = new RunPage(page);
    await run.openRun(url, ids.trained);
    const { runId } = await run.invoke('train:start', {
      config: { ...config, training: { ...config.training, epochs: 8 }, seed: 8 },
    });
    await run.openRun(url, runId);
    await run.waitForChartPoints(8);
    await run.page.waitForFunction(
      () =>
        document.querySelector('[data-testid="run-status"]')?.getAttribute('data-status') ===
        'finished',
    );
    expect(await run.errorBanner().count()).toBe(0);
  });
});
