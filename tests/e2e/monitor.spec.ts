import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractClient, importPenguins, penguinsConfig, trainRun } from '../helpers/services';
import { vega } from '../helpers/workspace';
import { openSeededSession, type BrowserSession } from './pages/lathe-host';
import { centreY, checkboxLayout } from './pages/layout';
import { MonitorPage } from './pages/monitor-page';

type Penguin = Record<string, string | number | null>;

// Every numeric input moved by about three of its spreads: the captured rows drift from the reference.
const SHIFT: Record<string, number> = {
  'Beak Length (mm)': 16,
  'Beak Depth (mm)': 6,
  'Flipper Length (mm)': 42,
  'Body Mass (g)': 2400,
};

let session: BrowserSession;

/** The Monitor view of `species` on one of its sections, freshly loaded (each test stands alone). */
async function openAt(section: Parameters<MonitorPage['show']>[0]): Promise<MonitorPage> {
  const monitor = new MonitorPage(session.page);
  await monitor.openMonitor(session.url, 'species');
  await monitor.show(section);
  return monitor;
}
let files: string;
let labelled = 0;
let total = 0;

describe('the Monitor view', () => {
  beforeAll(async () => {
    files = mkdtempSync(join(tmpdir(), 'lathe-e2e-monitor-files-'));
    const penguins = (JSON.parse(readFileSync(vega('penguins.json'), 'utf8')) as Penguin[]).filter(
      (p) => Object.keys(SHIFT).every((k) => typeof p[k] === 'number'),
    );
    const inputs = penguins.map(({ Species: _y, ...p }, k) => ({
      id: `p${k}`,
      ...p,
      ...Object.fromEntries(Object.entries(SHIFT).map(([c, by]) => [c, (p[c] as number) + by])),
    }));
    writeFileSync(join(files, 'inputs.json'), JSON.stringify(inputs));
    // Labels for two rows in three, one of them given twice (the last wins), and one for no prediction.
    const labels = penguins.flatMap((p, k) => (k % 3 === 2 ? [] : [`p${k},${String(p.Species)}`]));
    labelled = labels.length;
    // The third held back, uploaded from the browser by the performance test.
    writeFileSync(
      join(files, 'late-labels.csv'),
      [
        'id,Species',
        ...penguins.flatMap((p, k) => (k % 3 === 2 ? [`p${k},${String(p.Species)}`] : [])),
      ].join('\n'),
    );
    total = penguins.length;
    writeFileSync(
      join(files, 'labels.csv'),
      ['id,Species', 'p0,Gentoo', ...labels, 'nobody,Adelie'].join('\n'),
    );

    session = await openSeededSession('lathe-e2e-monitor-', async (services) => {
      const api = contractClient(() => services);
      await importPenguins(services);
      const run = await trainRun(services, penguinsConfig());
      await api.call('models:register', { runId: run.id, name: 'species' });
      await api.call('models:alias', { ref: 'species@1', alias: 'champion' });
      await api.call('predict:batch', {
        model: 'species@1',
        input: join(files, 'inputs.json'),
        output: join(files, 'scores.csv'),
        idColumn: 'id',
      });
      // A few served requests (one refused for a missing input) for the service health section.
      const server = await api.call('serve:start', { ref: 'species@1' });
      for (const body of [...inputs.slice(0, 3), {}]) {
        await fetch(`${server.url}/v1/models/species/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      }
      await api.call('serve:stop', { id: server.id });
      await api.call('monitor:actuals', {
        model: 'species',
        file: join(files, 'labels.csv'),
        idColumn: 'id',
        targetColumn: 'Species',
      });
      await api.call('monitor:rules:set', {
        rules: {
          rules: [
            {
              name: 'species-inputs-moved',
              model: 'species',
              signal: 'drift_share',
              above: 0.3,
              window: '1d',
              severity: 'critical',
            },
          ],
        },
      });
      const check = await api.call('monitor:check', {});
      expect(check.fired.map((a) => a.rule)).toEqual(['species-inputs-moved']);
    });
  }, 300_000);

  afterAll(async () => {
    await session?.close();
    if (files) rmSync(files, { recursive: true, force: true });
  });

  it('opens on the champion, says what is captured and draws the served traffic', async () => {
    const monitor = new MonitorPage(session.page);
    await monitor.openMonitor(session.url, 'species');
    await expect.poll(() => monitor.selectedVersion()).toBe('species@1');
    expect(await monitor.byTestId('nav-monitor').getAttribute('aria-current')).toBe('page');
    const captured = monitor.byTestId('monitor-captured');
    await expect.poll(() => captured.getAttribute('data-rows')).not.toBe('0');
    // Four requests, one refused: volume, latency and errors per hour.
    const summary = (await monitor.byTestId('health-summary').textContent()) ?? '';
    expect(summary).toMatch(/^4 requests in 1 window · 1 error \(25%\)$/);
    expect(await monitor.byTestId('health-volume-chart').getAttribute('data-points')).toBe('1');
    expect(await monitor.byTestId('health-latency-chart').getAttribute('data-points')).toBe('1');
  });

  it('draws the drift heatmap and opens a cell on its reference and current distributions', async () => {
    const monitor = await openAt('drift');
    await monitor.byTestId('drift-heatmap').waitFor();
    expect(await monitor.byTestId('drift-summary').getAttribute('data-drift')).toBe('true');
    const features = await monitor.heatmapFeatures();
    for (const f of Object.keys(SHIFT)) expect(features).toContain(f);

    // The captured rows were all predicted today: one daily window, and every shifted input drifts in it.
    const cell = monitor.heatCell('Flipper Length (mm)', 0);
    expect(await cell.getAttribute('data-drifted')).toBe('true');
    // Keyboard: the cell is a button reached and pressed like any other.
    await cell.focus();
    await session.page.keyboard.press('Enter');
    const detail = await monitor.detail();
    expect(detail.drifted).toBe('true');
    expect(detail.method).toMatch(
      /^(ks|chisquare|ztest|wasserstein|jensenshannon|psi|kl|hellinger)$/,
    );
    expect(Number(detail.statistic.replace(/,/g, ''))).toBeGreaterThan(0);
    const chart = monitor.byTestId('drift-distribution-chart');
    expect(Number(await chart.getAttribute('data-bins'))).toBeGreaterThan(1);
    expect(await cell.getAttribute('aria-pressed')).toBe('true');
    // The arrow keys move between cells; only one cell is in the Tab order.
    await session.page.keyboard.press('Control+Home');
    const focused = () =>
      session.page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.cell);
    expect(await focused()).toBe('0:0');
    await session.page.keyboard.press('ArrowDown');
    expect(await focused()).toBe('1:0');
    expect(await monitor.byTestId('drift-heatmap').locator('[tabindex="0"]').count()).toBe(1);

    // The prediction over time: one daily window of class shares.
    const predictions = monitor.byTestId('prediction-chart');
    expect(await predictions.getAttribute('data-points')).toBe('1');
    expect(Number(await predictions.getAttribute('data-series'))).toBeGreaterThan(0);

    // Other current data: the training dataset itself does not drift; the batch job does.
    await monitor.byTestId('drift-current-kind').selectOption('dataset');
    await monitor.byTestId('drift-dataset').selectOption('penguins');
    await expect
      .poll(() => monitor.byTestId('drift-summary').getAttribute('data-drift'), { timeout: 30_000 })
      .toBe('false');
    await monitor.byTestId('drift-current-kind').selectOption('batch');
    await expect
      .poll(() => monitor.byTestId('drift-summary').getAttribute('data-drift'), { timeout: 30_000 })
      .toBe('true');
    expect(await monitor.byTestId('drift-summary').textContent()).toMatch(/batch rows/);
    // In windows of rows: the job's rows share one time, and a window's cell opens that window's rows.
    await monitor.byTestId('drift-batch-window').selectOption('1000');
    const windowCell = monitor.heatCell('Flipper Length (mm)', 0);
    await windowCell.waitFor();
    expect(await monitor.byTestId('drift-heatmap').locator('thead th').allTextContents()).toContain(
      `rows 0–${(total - 1).toLocaleString('en-US')}`,
    );
    await windowCell.click();
    const windowDetail = await monitor.detail();
    expect(windowDetail.drifted).toBe('true');
    expect(Number(windowDetail.statistic.replace(/,/g, ''))).toBeGreaterThan(0);

    // The same drift as a standalone HTML report.
    const [download] = await Promise.all([
      session.page.waitForEvent('download'),
      monitor.byTestId('drift-download-html').click(),
    ]);
    expect(download.suggestedFilename()).toBe('drift-species-v1.html');
    const html = readFileSync(await download.path(), 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('Flipper Length (mm)');
  });

  it('shows performance on the uploaded labels beside the estimate and its assumption', async () => {
    const monitor = await openAt('performance');
    await monitor.byTestId('performance-table').waitFor();
    expect(await monitor.labelledRows()).toBe(labelled);
    expect(await monitor.byTestId('performance-assumption').textContent()).toMatch(/calibrat/i);
    const actual = Number(await monitor.byTestId('performance-actual').first().textContent());
    expect(actual).toBeGreaterThanOrEqual(0);
    expect(actual).toBeLessThanOrEqual(1);
    const estimated = Number(await monitor.byTestId('performance-estimated').first().textContent());
    expect(estimated).toBeGreaterThanOrEqual(0);
    expect(estimated).toBeLessThanOrEqual(1);

    // The rest of the labels, picked in the browser: every batch row now has one.
    await monitor.uploadLabels(join(files, 'late-labels.csv'), 'id', 'Species');
    expect(await monitor.byTestId('labels-done').textContent()).toMatch(
      new RegExp(
        `^${(total - labelled).toLocaleString('en-US')} labels read: ${(total - labelled).toLocaleString('en-US')} matched`,
      ),
    );
    await expect.poll(() => monitor.labelledRows()).toBe(total);
  });

  it('lists the fired alert and acknowledges it with a note', async () => {
    const monitor = await openAt('alerts');
    const row = monitor.alertRows().filter({ hasText: 'species-inputs-moved' });
    await row.waitFor();
    const openOnly = await checkboxLayout(monitor.byTestId('alerts-open-only'));
    expect(openOnly.height).toBeLessThan(20);
    expect(openOnly.offset).toBeLessThanOrEqual(2);
    expect(await row.getAttribute('data-acknowledged')).toBe('false');
    await monitor.acknowledge(row, 'shift expected: new colony');
    await expect.poll(() => row.getAttribute('data-acknowledged')).toBe('true');
    expect(await row.getByTestId('alert-acknowledged').textContent()).toMatch(/new colony/);
    const [stored] = await monitor.invoke('monitor:alerts', { model: 'species' });
    expect(stored?.acknowledgedAt).not.toBeNull();
    expect(stored?.note).toBe('shift expected: new colony');
  });

  it('edits the alert rules as YAML and names the field of a mistake', async () => {
    const monitor = await openAt('alerts');
    const text = monitor.byTestId('rules-text');
    await text.waitFor();
    expect(await text.inputValue()).toMatch(/species-inputs-moved/);
    await text.fill(
      'rules:\n  - { name: slow, model: species, signal: latency_p99, above: 50, window: 2 days }\n',
    );
    expect(await monitor.byTestId('rules-errors').textContent()).toMatch(
      /rules\[0\] \(slow\)\.window/,
    );
    expect(await monitor.byTestId('rules-save').isDisabled()).toBe(true);
    await text.fill(
      'rules:\n  - { name: slow, model: species, signal: latency_p99, above: 50, window: 2d }\n',
    );
    await monitor.byTestId('rules-save').click();
    await monitor.byTestId('rules-notice').waitFor();
    const stored = await monitor.invoke('monitor:rules:get', {});
    expect(stored.rules.rules.map((r) => [r.name, r.window])).toEqual([['slow', '2d']]);
  });

  it('retrains on new data, shows the champion timeline and rolls the champion back with a reason', async () => {
    const monitor = await openAt('retraining');
    await monitor.byTestId('retrain-empty').waitFor();
    // "promote when the gates hold": a box of its own size beside its text, on the line of the field.
    const promote = monitor.byTestId('retrain-promote');
    const box = await checkboxLayout(promote);
    expect(box.height).toBeLessThan(20);
    expect(box.offset).toBeLessThanOrEqual(2);
    expect(
      Math.abs((await centreY(promote)) - (await centreY(monitor.byTestId('retrain-data')))),
    ).toBeLessThanOrEqual(2);
    await monitor.byTestId('retrain-data').fill('penguins');
    await monitor.byTestId('retrain-promote').check();
    await monitor.byTestId('retrain-run').click();
    await monitor.byTestId('retrain-done').waitFor({ timeout: 180_000 });
    const row = monitor.byTestId('retrain-row').first();
    await row.waitFor();
    const status = await row.getAttribute('data-status');
    expect(['registered', 'promoted']).toContain(status);
    expect(await row.textContent()).toMatch(/v1 → v2/);
    if (status === 'registered') {
      // The gates kept v2 a challenger: promote it by hand, as a user overriding them would.
      await monitor.invoke('models:alias', {
        ref: 'species@challenger',
        alias: 'champion',
        override: 'e2e: promote the challenger',
      });
      await openAt('retraining');
    }
    const changes = monitor.byTestId('champion-change');
    await expect.poll(() => changes.first().textContent()).toMatch(/^.*v2 promoted.*\(was v1\)/);

    await monitor.byTestId('rollback-open').click();
    expect(await monitor.byTestId('rollback-confirm').isDisabled()).toBe(true);
    await monitor.byTestId('rollback-reason').fill('v2 misses the new colony');
    await monitor.byTestId('rollback-confirm').click();
    expect(await monitor.byTestId('rollback-done').textContent()).toBe(
      'Champion rolled back from v2 to v1.',
    );
    await expect.poll(() => changes.first().getAttribute('data-kind')).toBe('rollback');
    expect(await changes.first().textContent()).toMatch(/v1 rolled back \(was v2\).*new colony/);
    const champion = await monitor.invoke('models:version', { ref: 'species@champion' });
    expect(champion.version).toBe(1);
  });

  it("shows a running retraining's progress, and Stop ends it failed with nothing promoted", async () => {
    const monitor = await openAt('retraining');
    const before = (await monitor.invoke('retrain:list', { model: 'species' })).length;
    await monitor.byTestId('retrain-data').fill('penguins');
    await monitor.byTestId('retrain-promote').check();
    await monitor.byTestId('retrain-run').click();
    const progress = monitor.byTestId('retrain-progress');
    await progress.waitFor();
    expect(await progress.getByRole('progressbar').count()).toBe(1);
    await monitor.byTestId('retrain-stop').click();
    const done = monitor.byTestId('retrain-done');
    await done.waitFor({ timeout: 180_000 });
    expect(await done.textContent()).toMatch(/^Retraining failed — .*cancel/);
    expect(await progress.count()).toBe(0);
    const list = await monitor.invoke('retrain:list', { model: 'species' });
    expect(list).toHaveLength(before + 1);
    expect(list[0]!.status).toBe('failed');
    const champion = await monitor.invoke('models:version', { ref: 'species@champion' });
    expect(champion.version).toBe(1);
  });
});
