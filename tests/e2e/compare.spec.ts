import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Services } from '../../main/services';
import { runRecorder } from '../helpers/services';
import { openSeededSession, repo, type BrowserSession } from './pages/lathe-host';
import { ComparePage } from './pages/compare-page';

/** Six hand-made runs over two experiments: three params differ, two are the same everywhere. */
const SMALL = [
  { lr: '0.001', optimizer: 'adam', layers: '2' },
  { lr: '0.01', optimizer: 'adam', layers: '3' },
  { lr: '0.1', optimizer: 'adam', layers: '2' },
  { lr: '0.001', optimizer: 'sgd', layers: '3' },
  { lr: '0.01', optimizer: 'sgd', layers: '2' },
  { lr: '0.1', optimizer: 'sgd', layers: '3' },
].map((p, i) => ({ ...p, batch_size: '32', seed: '7', name: `small-${i}` }));
const STEPS = 100;
/** Milliseconds between two logged steps of run i: relative wall time differs from the step. */
const dt = (i: number) => 500 * (i + 1);
/** A noisy decaying loss per run (deterministic), and an accuracy rising with the step. */
const loss = (i: number, step: number) =>
  (1 + i / 4) * Math.exp(-step / 30) + 0.05 * Math.sin(step * 1.7 + i);
const acc = (i: number, step: number) => (step / (STEPS - 1)) * (0.5 + i / 20);
/** Final val_loss per run; the last run logs none. */
const valLoss = (i: number) => (i === 5 ? null : 0.9 - ((i * 37) % 6) / 10);

const BIG_RUNS = 500;
const BIG_STEPS = 1000;

let session: BrowserSession;
let page: Page;
let url: string;
const small: string[] = [];
const big: string[] = [];

async function seed(services: Services): Promise<void> {
  const record = await runRecorder(services, { label: 'e2e' });
  for (const [i, p] of SMALL.entries()) {
    const { name, ...params } = p;
    const id = await record({ name, experiment: i < 3 ? 'compare-a' : 'compare-b', params });
    small.push(id);
    const t0 = 1_700_000_000_000 + i * 10_000_000;
    await services.tracking.logMetricsBulk(
      id,
      Array.from({ length: STEPS }, (_, step) => [
        { key: 'loss', step, value: loss(i, step), timestamp: t0 + step * dt(i) },
        { key: 'acc', step, value: acc(i, step), timestamp: t0 + step * dt(i) },
      ]).flat(),
    );
    const v = valLoss(i);
    if (v !== null)
      await services.tracking.logMetricsBulk(id, [
        { key: 'val_loss', step: STEPS - 1, value: v, timestamp: t0 },
      ]);
  }
  for (let r = 0; r < BIG_RUNS; r++) {
    const id = await record({
      name: `sweep-${r}`,
      experiment: 'sweep',
      params: { lr: String(10 ** -(1 + (r % 4))), units: String(16 * (1 + (r % 5))) },
    });
    big.push(id);
    await services.tracking.logMetricsBulk(
      id,
      Array.from({ length: BIG_STEPS }, (_, step) => ({
        key: 'loss',
        step,
        value: Math.exp(-step / (100 + r)) + ((step * 7919 + r) % 100) / 2000,
        timestamp: 1_700_000_000_000 + step * 1000,
      })),
    );
  }
}

describe('Compare view', () => {
  beforeAll(async () => {
    session = await openSeededSession('lathe-e2e-compare-', seed, { width: 1400, height: 1400 });
    ({ page, url } = session);
  }, 300_000);

  afterAll(async () => {
    await session?.close();
  });

  it('diffs params, overlays curves, groups them and plots hyperparameters', async () => {
    const compare = new ComparePage(page);
    await compare.openRuns(url, small);

    // Params: all five, then only the three that differ.
    expect(await compare.paramColumns()).toEqual([
      'batch_size',
      'layers',
      'lr',
      'optimizer',
      'seed',
    ]);
    await compare.setOnlyDifferences(true);
    await expect.poll(() => compare.paramColumns()).toEqual(['layers', 'lr', 'optimizer']);
    await compare.setOnlyDifferences(false);
    await expect.poll(() => compare.paramColumns()).toHaveLength(5);

    // The lowest val_loss is highlighted, in its run's row; run names link to the run page.
    const finals = small.map((_, i) => valLoss(i));
    const bestIndex = finals.reduce<number>(
      (b, v, i) => (v !== null && (finals[b] === null || v < finals[b]!) ? i : b),
      0,
    );
    const bestValLoss = compare.table().locator('td[data-metric="val_loss"][data-best="true"]');
    expect(await bestValLoss.count()).toBe(1);
    expect(
      await compare
        .row(small[bestIndex]!)
        .locator('td[data-metric="val_loss"]')
        .getAttribute('data-best'),
    ).toBe('true');
    // Higher accuracy is better: the best acc is the last run's.
    expect(
      await compare.row(small[5]!).locator('td[data-metric="acc"]').getAttribute('data-best'),
    ).toBe('true');
    expect(await compare.row(small[2]!).locator('a').getAttribute('href')).toBe(
      `#/runs/${small[2]}`,
    );

    // One dataset per run, x by step, for the default metric (val_loss exists; pick loss).
    await compare.setMetric('loss');
    const byStep = await compare.waitForChart(
      (s) => s.datasets === 6 && s.xMax === STEPS - 1 && s.ySum > 0,
      'six loss curves by step',
    );
    expect(byStep).toMatchObject({ mode: 'runs', visible: 6, x: 'step', bands: 0 });
    let expectedSum = 0;
    for (let i = 0; i < 6; i++) for (let s = 0; s < STEPS; s++) expectedSum += loss(i, s);
    expect(byStep.ySum).toBeCloseTo(expectedSum, 6);

    // The legend hides a run and shows it again.
    await compare.toggleLegend(small[0]!);
    await compare.waitForChart((s) => s.visible === 5 && s.datasets === 6, 'five visible runs');
    await compare.toggleLegend(small[0]!);
    await compare.waitForChart((s) => s.visible === 6, 'six visible runs');

    // Smoothing changes the curves but not their length.
    await compare.setSmoothing(0.9);
    const smoothed = await compare.waitForChart(
      (s) => s.smoothing === 0.9 && s.checksum !== byStep.checksum,
      'smoothed curves',
    );
    expect(smoothed.xMax).toBe(STEPS - 1);
    expect(Math.abs(smoothed.ySum - byStep.ySum)).toBeGreaterThan(1e-3);
    await compare.setSmoothing(0);
    await compare.waitForChart((s) => s.checksum === byStep.checksum, 'unsmoothed curves again');

    // Log y: same data, another scale.
    await compare.setLogY(true);
    const logged = await compare.waitForChart((s) => s.logY, 'a log y axis');
    expect(logged.checksum).toBe(byStep.checksum);
    await compare.setLogY(false);

    // Relative wall time: the slowest run spans 99 steps × 3 s.
    await compare.setX('time');
    const byTime = await compare.waitForChart(
      (s) => s.x === 'time' && s.xMax === ((STEPS - 1) * dt(5)) / 1000,
      'curves by wall time',
    );
    expect(byTime.ySum).toBeCloseTo(byStep.ySum, 6);

    // Another metric on x: loss against acc, paired at the same step.
    await compare.setX('metric', 'acc');
    const byAcc = await compare.waitForChart(
      (s) => s.x === 'metric' && Math.abs(s.xMax - acc(5, STEPS - 1)) < 1e-9,
      'loss against acc',
    );
    expect(byAcc.datasets).toBe(6);
    await compare.setX('step');

    // Group by optimizer: two groups, each a band (two edges) and a mean line.
    await compare.setGroupBy('optimizer');
    const grouped = await compare.waitForChart(
      (s) => s.mode === 'groups' && s.x === 'step',
      'grouped curves',
    );
    expect(grouped).toMatchObject({ datasets: 6, bands: 2, xMax: STEPS - 1 });
    await expect.poll(() => page.locator('[data-testid="legend-group"]').count()).toBe(2);
    await compare.setGroupBy('layers');
    await compare.waitForChart((s) => s.mode === 'groups' && s.bands === 2, 'grouped by layers');
    await compare.setGroupBy('');
    await compare.waitForChart((s) => s.mode === 'runs' && s.datasets === 6, 'runs again');

    // Parallel coordinates: the three differing params and val_loss; the run without it is left out.
    await compare.setHyperparamMetric('val_loss');
    await expect.poll(() => compare.parallel().getAttribute('data-lines')).toBe('5');
    expect(await compare.parallel().getAttribute('data-axes')).toBe('4');
    expect(await compare.parallel().locator('[data-testid="pc-line"]').count()).toBe(5);
    expect(
      await compare
        .parallel()
        .locator('[data-testid="pc-axis"]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-kind'))),
    ).toEqual(['linear', 'log', 'categorical', 'linear']);
    // Brushing val_loss ≥ 0.74 keeps the runs at 0.9 and 0.8 (both adam); adding optimizer = sgd leaves
    // none; replacing it with optimizer = adam keeps both again.
    expect(await compare.parallel().getAttribute('data-selected')).toBe('5');
    await compare.brushAxis(3, 0.6, 1.05);
    await expect.poll(() => compare.parallel().getAttribute('data-selected')).toBe('2');
    await compare.brushAxis(2, 0.6, 1.05);
    await expect.poll(() => compare.parallel().getAttribute('data-selected')).toBe('0');
    await compare.brushAxis(2, 0.4, -0.05);
    await expect.poll(() => compare.parallel().getAttribute('data-selected')).toBe('2');
    await compare.byTestId('pc-clear').click();
    await expect.poll(() => compare.parallel().getAttribute('data-selected')).toBe('5');
    await compare.setHyperparamMetric('loss');
    await expect.poll(() => compare.parallel().getAttribute('data-lines')).toBe('6');

    // Scatter: one point per run having the param and the metric.
    await compare.setScatterParam('lr');
    await expect
      .poll(() => compare.scatter().locator('[data-testid="scatter-point"]').count())
      .toBe(6);
    expect(await compare.scatter().getAttribute('data-x-kind')).toBe('log');
    await compare.setHyperparamMetric('val_loss');
    await compare.setScatterParam('optimizer');
    await expect.poll(() => compare.scatter().getAttribute('data-points')).toBe('5');
    expect(await compare.scatter().getAttribute('data-x-kind')).toBe('categorical');
    expect(await compare.errorBanner().count()).toBe(0);
    await compare.setGroupBy('optimizer');
    await compare.waitForChart((s) => s.mode === 'groups', 'grouped curves for the screenshot');
    mkdirSync(join(repo, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(repo, 'test-results/compare-e2e.png'), fullPage: true });
  });

  it('asks for two runs and names an unknown one', async () => {
    const compare = new ComparePage(page);
    await page.goto(`${url}#/compare?ids=${small[0]}`);
    await compare.byTestId('compare-empty').waitFor();
    await page.goto(`${url}#/compare?ids=${small[0]},nosuchrun`);
    const banner = compare.errorBanner();
    await banner.waitFor();
    expect(await banner.textContent()).toContain('nosuchrun');
  });

  it('overlays 500 runs of 1,000 steps', async () => {
    const compare = new ComparePage(page);
    await compare.openRuns(url, big);
    expect(await compare.table().locator('tbody tr').count()).toBe(BIG_RUNS);
    const state = await compare.waitForChart(
      (s) => s.datasets === BIG_RUNS && s.xMax === BIG_STEPS - 1,
      '500 curves',
    );
    expect(state).toMatchObject({ mode: 'runs', visible: BIG_RUNS });
    await page.screenshot({ path: join(repo, 'test-results/compare-500-e2e.png'), fullPage: true });
    expect(await compare.parallel().getAttribute('data-lines')).toBe(String(BIG_RUNS));
    await compare.setGroupBy('lr');
    const grouped = await compare.waitForChart((s) => s.mode === 'groups', 'groups by lr');
    expect(grouped).toMatchObject({ bands: 4, datasets: 12 });
    expect(await compare.errorBanner().count()).toBe(0);
  });
});
