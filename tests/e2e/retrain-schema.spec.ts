// The Monitor view's Retrain form with a file: "accept a schema change" shows once a file is chosen, a
// file whose columns differ fails the retraining saying how to go on, and the box retrains on it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractClient, penguinsConfig, trainRun } from '../helpers/services';
import { vega } from '../helpers/workspace';
import { openSeededSession, type BrowserSession } from './pages/lathe-host';
import { MonitorPage } from './pages/monitor-page';

type Penguin = Record<string, string | number | null>;

let session: BrowserSession;
let files: string;
/** Penguins as CSV with a column the champion's dataset does not have. */
let tagged: string;

describe('retraining on a file from the Monitor view', () => {
  beforeAll(async () => {
    files = mkdtempSync(join(tmpdir(), 'lathe-e2e-retrain-schema-files-'));
    const penguins = JSON.parse(readFileSync(vega('penguins.json'), 'utf8')) as Penguin[];
    const columns = Object.keys(penguins[0]!);
    const cell = (v: string | number | null | undefined) =>
      v === null || v === undefined ? '' : String(v);
    tagged = join(files, 'tagged.csv');
    writeFileSync(
      tagged,
      [
        [...columns, 'Tag'].join(','),
        ...penguins.map((p, k) => [...columns.map((c) => cell(p[c])), String(k % 5)].join(',')),
      ].join('\n'),
    );
    session = await openSeededSession('lathe-e2e-retrain-schema-', async (services) => {
      const api = contractClient(() => services);
      await api.call('data:import', { path: vega('penguins.json'), name: 'penguins' });
      const run = await trainRun(services, penguinsConfig());
      await api.call('models:register', { runId: run.id, name: 'species' });
      await api.call('models:alias', { ref: 'species@1', alias: 'champion' });
    });
  });
  afterAll(async () => {
    await session?.close();
    if (files) rmSync(files, { recursive: true, force: true });
  });

  it('offers "accept a schema change" with a file, says so when it is needed, and retrains with it', async () => {
    const monitor = new MonitorPage(session.page);
    await monitor.openMonitor(session.url, 'species');
    await monitor.show('retraining');
    const allow = monitor.byTestId('retrain-allow-schema-change');
    await monitor.byTestId('retrain-form').waitFor();
    expect(await allow.count()).toBe(0);

    // A chosen file is uploaded when the retraining starts, again for each attempt.
    await monitor.byTestId('retrain-file-input').setInputFiles(tagged);
    await allow.waitFor();
    expect(await monitor.byTestId('retrain-file').inputValue()).toBe('tagged.csv');
    expect(await allow.isChecked()).toBe(false);

    await monitor.byTestId('retrain-run').click();
    const done = monitor.byTestId('retrain-done');
    await done.waitFor({ timeout: 180_000 });
    expect(await done.textContent()).toMatch(
      /^Retraining failed — the file was not imported: .*differ from penguins@1.*adds Tag.*tick "accept a schema change" in the app's Retrain form/,
    );

    await allow.check();
    await monitor.byTestId('retrain-run').click();
    await expect
      .poll(() => done.textContent(), { timeout: 180_000 })
      .toMatch(/^Retraining registered: challenger v2/);
    const [latest] = await monitor.invoke('retrain:list', { model: 'species' });
    expect(latest!.status).toBe('registered');
    expect(latest!.steps[0]!.message).toMatch(/^new data penguins@2 /);
    expect((await monitor.invoke('data:versions', { name: 'penguins' })).length).toBe(2);

    // The box goes with the file: cleared, there is nothing to accept.
    await monitor.byTestId('retrain-file').fill('');
    expect(await allow.count()).toBe(0);
  });

  it('will not start with both a dataset and a file', async () => {
    const monitor = new MonitorPage(session.page);
    await monitor.openMonitor(session.url, 'species');
    await monitor.show('retraining');
    await monitor.byTestId('retrain-data').fill('penguins');
    await monitor.byTestId('retrain-file').fill(tagged);
    expect(await monitor.byTestId('retrain-run').isDisabled()).toBe(true);
    expect(await monitor.byTestId('retrain-file-error').textContent()).toBe(
      'give a dataset or a file, not both',
    );
  });
});
