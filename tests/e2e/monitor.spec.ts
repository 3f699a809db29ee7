import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractClient, importPenguins, penguinsConfig, trainRun } from '../helpers/services';
import { vega } from '../helpers/workspace';
import { openSeededSession, type BrowserSession } from './pages/lathe-host';
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
let files: string;
let labelled = 0;

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

  it('opens on the champion and says what is captured; health is empty for batch-only traffic', async () => {
    const monitor = new MonitorPage(session.page);
    await monitor.openMonitor(session.url, 'species');
    await expect.poll(() => monitor.selectedVersion()).toBe('species@1');
    const captured = monitor.byTestId('monitor-captured');
    await expect.poll(() => captured.getAttribute('data-rows')).not.toBe('0');
    // A batch job is not served traffic: the health section says how to get some.
    await monitor.byTestId('health-empty').waitFor();
    expect(await monitor.byTestId('health-empty').textContent()).toMatch(/lathe serve species@1/);
  });

  it('draws the drift heatmap and opens a cell on its reference and current distributions', async () => {
    const monitor = new MonitorPage(session.page);
    await monitor.show('drift');
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
  });

  it('shows performance on the uploaded labels beside the estimate and its assumption', async () => {
    const monitor = new MonitorPage(session.page);
    await monitor.show('performance');
    await monitor.byTestId('performance-table').waitFor();
    const summary = (await monitor.byTestId('performance-labelled').textContent()) ?? '';
    const [withLabel] = summary.replace(/,/g, '').match(/\d+/) ?? [];
    expect(Number(withLabel)).toBe(labelled);
    expect(await monitor.byTestId('performance-assumption').textContent()).toMatch(/calibrat/i);
    const actual = Number(await monitor.byTestId('performance-actual').first().textContent());
    expect(actual).toBeGreaterThanOrEqual(0);
    expect(actual).toBeLessThanOrEqual(1);
    const estimated = Number(await monitor.byTestId('performance-estimated').first().textContent());
    expect(estimated).toBeGreaterThanOrEqual(0);
    expect(estimated).toBeLessThanOrEqual(1);
  });

  it('lists the fired alert and acknowledges it with a note', async () => {
    const monitor = new MonitorPage(session.page);
    await monitor.show('alerts');
    const row = monitor.alertRows().filter({ hasText: 'species-inputs-moved' });
    await row.waitFor();
    expect(await row.getAttribute('data-acknowledged')).toBe('false');
    await monitor.acknowledge(row, 'shift expected: new colony');
    await expect.poll(() => row.getAttribute('data-acknowledged')).toBe('true');
    expect(await row.getByTestId('alert-acknowledged').textContent()).toMatch(/new colony/);
    const [stored] = await monitor.invoke('monitor:alerts', { model: 'species' });
    expect(stored?.acknowledgedAt).not.toBeNull();
    expect(stored?.note).toBe('shift expected: new colony');
  });

  it('edits the alert rules as YAML and names the field of a mistake', async () => {
    const monitor = new MonitorPage(session.page);
    await monitor.show('alerts');
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
});
