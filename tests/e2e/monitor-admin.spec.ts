import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelVersion } from '../../shared/contract';
import { captureColumnsOf, segmentLines, segmentName } from '../../main/serve/capture-format';
import { contractClient, importPenguins, penguinsConfig, trainRun } from '../helpers/services';
import { vega } from '../helpers/workspace';
import { openSeededSession, type BrowserSession } from './pages/lathe-host';
import { MonitorPage } from './pages/monitor-page';

// The Monitor view's admin pieces: a version's reference replaced from a dataset version, and a Docker
// server's log folder ingested into the captures (`lathe monitor reference`, `lathe capture ingest`).
let session: BrowserSession;
let logDir: string;
let penguinRows = 0;

describe('monitor admin in the app', () => {
  beforeAll(async () => {
    logDir = mkdtempSync(join(tmpdir(), 'lathe-e2e-monitor-log-'));
    const penguins = JSON.parse(readFileSync(vega('penguins.json'), 'utf8')) as Record<
      string,
      unknown
    >[];
    penguinRows = penguins.length;
    let version: ModelVersion | null = null;
    session = await openSeededSession('lathe-e2e-monitor-admin-', async (services) => {
      const api = contractClient(() => services);
      await importPenguins(services);
      const run = await trainRun(services, penguinsConfig());
      version = await api.call('models:register', { runId: run.id, name: 'species' });
    });
    // One segment as an exported server writes it: two records of one request.
    const features = penguins.slice(0, 2).map(({ Species: _y, ...p }) => p);
    const line = segmentLines(
      {
        at: new Date().toISOString(),
        model: 'species',
        version: 1,
        requestId: 'docker-1',
        role: 'champion',
        features,
        predictions: [
          { prediction: 'Adelie', probabilities: { Adelie: 0.9, Chinstrap: 0.05, Gentoo: 0.05 } },
          { prediction: 'Gentoo', probabilities: { Adelie: 0.1, Chinstrap: 0.1, Gentoo: 0.8 } },
        ],
        latencyMs: 3,
      },
      captureColumnsOf(version!.signature!),
    );
    writeFileSync(join(logDir, segmentName('species', 1, new Date(), 'e2e0', 1)), `${line}\n`);
  }, 300_000);

  afterAll(async () => {
    await session?.close();
    if (logDir) rmSync(logDir, { recursive: true, force: true });
  });

  it('sets the reference from a dataset and ingests a log folder, twice counting once', async () => {
    const monitor = new MonitorPage(session.page);
    await monitor.openMonitor(session.url, 'species');
    await expect.poll(() => monitor.selectedVersion()).toBe('species@1');

    await monitor.show('drift');
    const source = monitor.byTestId('reference-source');
    await expect.poll(() => source.textContent()).toContain('(training split)');
    // A version that is not a number is refused beside the field, before any call.
    await monitor.byTestId('reference-dataset-version').fill('x');
    await monitor.byTestId('reference-set').click();
    expect(await monitor.byTestId('reference-dataset-version-error').textContent()).toContain(
      '"x"',
    );
    await monitor.byTestId('reference-dataset-version').fill('');
    await monitor.byTestId('reference-set').click();
    await monitor.byTestId('reference-done').waitFor();
    await expect.poll(() => source.textContent()).toContain('(every row)');
    expect(await monitor.byTestId('reference-rows').textContent()).toBe(String(penguinRows));
    expect(await monitor.byTestId('reference-feature').count()).toBeGreaterThan(3);

    // One drift panel beside the reference, and none once another tab is shown.
    expect(await monitor.byTestId('monitor-drift').count()).toBe(1);
    await monitor.show('health');
    await monitor.byTestId('monitor-ingest').waitFor();
    // The health panel above has loaded (its answer moves the ingest form down): a click before then can
    // land where the button was (CI, loaded, once clicked beside it and waited a minute for the error).
    await monitor.byTestId('health-empty').or(monitor.byTestId('health-summary')).waitFor();
    expect(await monitor.byTestId('monitor-drift').count()).toBe(0);
    expect(await monitor.byTestId('monitor-reference').count()).toBe(0);
    await monitor.byTestId('ingest-run').click();
    await monitor.byTestId('ingest-dir-error').waitFor();
    await monitor.byTestId('ingest-dir').fill(logDir);
    await monitor.byTestId('ingest-run').click();
    const summary = monitor.byTestId('ingest-summary');
    await expect
      .poll(() => summary.textContent())
      .toBe('1 segment: 1 ingested, 0 already ingested, 0 skipped · 2 new captured rows');
    expect(await monitor.byTestId('ingest-row').getAttribute('data-status')).toBe('ingested');
    // The header's captures reload with the two rows.
    await expect
      .poll(() => monitor.byTestId('monitor-captured').getAttribute('data-rows'))
      .toBe('2');

    await monitor.byTestId('ingest-run').click();
    await expect
      .poll(() => summary.textContent())
      .toBe('1 segment: 0 ingested, 1 already ingested, 0 skipped · 0 new captured rows');
    expect(await monitor.byTestId('monitor-captured').getAttribute('data-rows')).toBe('2');
  });
});
