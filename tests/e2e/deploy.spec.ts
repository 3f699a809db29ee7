import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractClient, importPenguins, penguinsConfig, trainRun } from '../helpers/services';
import { vega } from '../helpers/workspace';
import { createEngine } from '../../main/data/engine';
import { literal } from '../../main/workspace/db';
import { routeHref } from '../../renderer/lib/routes';
import { openSeededSession, type BrowserSession } from './pages/lathe-host';
import { DeployPage } from './pages/deploy-page';
import { fieldFit, overhang, sidewaysScroll } from './pages/layout';

let session: BrowserSession;

const penguins = JSON.parse(readFileSync(vega('penguins.json'), 'utf8')) as Record<
  string,
  unknown
>[];
const { Species: _y, ...record } = penguins.find((p) => p['Beak Length (mm)'] !== null)!;

describe('the Deploy view', () => {
  beforeAll(async () => {
    // Two penguin classifiers registered as species@1 (alias champion) and species@2.
    session = await openSeededSession('lathe-e2e-deploy-', async (services) => {
      await importPenguins(services);
      const run = await trainRun(services, penguinsConfig());
      await services.registry.register({ runId: run.id, name: 'species' });
      const second = await trainRun(services, penguinsConfig({ seed: 2 }));
      await services.registry.register({ runId: second.id, name: 'species' });
      await contractClient(() => services).call('models:alias', {
        ref: 'species@1',
        alias: 'champion',
      });
    });
  }, 300_000);

  afterAll(async () => {
    await session?.close();
  });

  it('starts a server, counts a request sent to its URL, and stops it', async () => {
    const deploy = new DeployPage(session.page);
    await deploy.openDeploy(session.url);
    await expect.poll(() => deploy.selectedVersion()).toBe('species@champion');
    await deploy.noServers().waitFor();

    await deploy.startServer();
    await deploy.servers().first().waitFor();
    const url = await deploy.serverUrl();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await deploy.serverRequests()).toBe(0);

    const res = await fetch(`${url}/v1/models/species/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(record),
    });
    expect(res.status).toBe(200);
    // The view polls serve:list every second: the count and the rate rise without a reload.
    await expect.poll(() => deploy.serverRequests(), { timeout: 10_000 }).toBe(1);
    expect(await deploy.serverRate()).not.toBe('0.0 req/s');

    await deploy.stopServer();
    await deploy.noServers().waitFor();
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });

  it('serves the champion alias, tries a request from the signature form, and follows a moved alias on restart', async () => {
    const deploy = new DeployPage(session.page);
    await deploy.openDeploy(session.url);
    await expect.poll(() => deploy.selectedVersion()).toBe('species@champion');
    await deploy.startServer();
    await deploy.servers().first().waitFor();
    await expect.poll(() => deploy.serverRef()).toBe('via species@champion');
    expect(await deploy.serverModel()).toBe('species@1');

    // The servers table fits its card, Restart and Stop whole; in a narrow window it scrolls inside
    // the card, not the page, and each request field is as wide as its caption and its placeholder.
    expect(await overhang(deploy.servers().first().getByTestId('deploy-server-stop'))).toBe(0);
    await session.page.setViewportSize({ width: 1100, height: 720 });
    try {
      expect(await sidewaysScroll(session.page)).toBe(0);
      for (const name of ['Beak Length (mm)', 'Body Mass (g)']) {
        const fit = await fieldFit(deploy.byTestId(`deploy-request-field-${name}`));
        expect(fit.placeholder).toBeLessThanOrEqual(fit.room);
        expect(fit.caption).toBeLessThanOrEqual(fit.width);
      }
    } finally {
      await session.page.setViewportSize({ width: 1400, height: 1000 });
    }

    // The request panel: one field per signature input; the answer is the server's own JSON.
    await deploy.fillRequest({
      'Beak Length (mm)': 39.1,
      'Beak Depth (mm)': 18.7,
      'Flipper Length (mm)': 181,
      'Body Mass (g)': 3750,
    });
    const { status, answer } = await deploy.sendRequest();
    expect(status).toMatch(/^HTTP 200/);
    expect(answer).toMatchObject({ model: 'species', version: 1 });
    expect(['Adelie', 'Chinstrap', 'Gentoo']).toContain(
      (answer as { prediction: string }).prediction,
    );
    const url = await deploy.serverUrl();
    expect(await deploy.curl()).toContain(`curl -X POST '${url}/v1/models/species/predict'`);
    expect(await deploy.curl()).toContain('"Flipper Length (mm)":181');

    // The alias moves: the row says so; Restart serves the new champion on the same URL.
    await deploy.invoke('models:alias', { ref: 'species@2', alias: 'champion' });
    await expect
      .poll(() => deploy.serverRef(), { timeout: 10_000 })
      .toBe('species@champion is now v2: restart to follow');
    await deploy.restartServer();
    await expect.poll(() => deploy.serverModel(), { timeout: 10_000 }).toBe('species@2');
    expect(await deploy.serverUrl()).toBe(url);
    await deploy.stopServer();
    await deploy.noServers().waitFor();
  });

  it('keeps input columns in a batch, asks before replacing an existing output, and lists the job on the Models page', async () => {
    const deploy = new DeployPage(session.page);
    await deploy.openDeploy(session.url);
    await deploy.chooseVersion('species@1');
    // A long path, as batch inputs often have: its cell on the Models page wraps (checked below).
    const inputs = join(
      session.workspace,
      '..',
      'batch-inputs',
      'penguins-sampled-for-a-batch-job',
    );
    mkdirSync(inputs, { recursive: true });
    const input = join(inputs, 'penguins-in.json');
    writeFileSync(input, JSON.stringify(penguins.slice(0, 20)));
    const output = join(session.workspace, '..', 'scores.csv');
    writeFileSync(output, 'keep me\n');

    await deploy.runBatch(input, output, 'Island');
    await deploy.byTestId('deploy-batch-exists').waitFor();
    expect(readFileSync(output, 'utf8')).toBe('keep me\n');
    await deploy.byTestId('deploy-batch-overwrite').click();
    await deploy.byTestId('deploy-batch-result').waitFor();
    expect(readFileSync(output, 'utf8').split('\n')[0]).toMatch(/^row,Island,prediction,/);

    await session.page.goto(`${session.url}${routeHref({ view: 'models', model: 'species@1' })}`);
    await deploy.byTestId('model-batch').first().waitFor();
    expect(await deploy.byTestId('model-batch-output').first().textContent()).toBe(output);
    expect(await deploy.byTestId('model-batch-rows').first().textContent()).toBe('20');

    // The model page in a narrow window: long paths and metrics wrap inside their cards, and the
    // header counts the versions in words.
    expect(await deploy.byTestId('model-page').locator('.page-subtitle').textContent()).toContain(
      '· 2 versions ·',
    );
    await session.page.setViewportSize({ width: 1100, height: 720 });
    try {
      expect(await sidewaysScroll(session.page)).toBe(0);
      expect(await overhang(deploy.byTestId('model-batches-table'))).toBe(0);
      expect(await overhang(deploy.byTestId('model-versions').locator('table'))).toBe(0);
    } finally {
      await session.page.setViewportSize({ width: 1400, height: 1000 });
    }
  });

  it('warns, per column, when a numeric input held values that are no number', async () => {
    const deploy = new DeployPage(session.page);
    await deploy.openDeploy(session.url);
    await deploy.chooseVersion('species@1');
    const columns = Object.keys(penguins[0]!).filter((c) => c !== 'Species');
    const rows = penguins
      .slice(0, 6)
      .map((p, i) =>
        columns
          .map((c) =>
            c === 'Body Mass (g)' && i % 2 === 1
              ? 'unknown'
              : String((p[c] as string | number | null) ?? ''),
          )
          .join(','),
      );
    // A folder of its own: /tmp is shared, and an output left there would be asked about first.
    const dir = mkdtempSync(join(tmpdir(), 'lathe-deploy-text-'));
    const input = join(dir, 'penguins-text.csv');
    writeFileSync(input, [columns.map((c) => `"${c}"`).join(','), ...rows].join('\n'));
    await deploy.runBatch(input, join(dir, 'scores.csv'), '');
    await deploy.byTestId('deploy-batch-result').waitFor();
    expect(await deploy.byTestId('deploy-batch-unreadable').allTextContents()).toEqual([
      "Body Mass (g): 3 values are not a number (e.g. 'unknown'); scored as missing, imputed as in training",
    ]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows a batch job running with Stop, which ends it writing and recording nothing', async () => {
    const deploy = new DeployPage(session.page);
    // A million penguins (the 344 of vega, again and again): a job of seconds.
    const folder = join(session.workspace, '..', 'stop');
    const input = join(folder, 'many.csv');
    const engine = await createEngine();
    try {
      mkdirSync(folder, { recursive: true });
      await engine.run(
        `COPY (SELECT p.* FROM read_json(${literal(vega('penguins.json'))}) p, range(2907)) TO ${literal(input)} (HEADER)`,
      );
    } finally {
      engine.close();
    }
    const output = join(folder, 'scores.csv');
    const before = (await deploy.invoke('predict:batches', { ref: 'species' })).length;
    await deploy.openDeploy(session.url);
    await deploy.chooseVersion('species@1');
    await deploy.runBatch(input, output);
    const busy = deploy.byTestId('deploy-batch-busy');
    await busy.waitFor();
    expect(await busy.getByRole('progressbar').count()).toBe(1);
    await deploy.byTestId('deploy-batch-stop').click();
    await deploy.byTestId('deploy-batch-stopped').waitFor({ timeout: 60_000 });
    expect(await deploy.byTestId('deploy-batch-stopped').textContent()).toBe(
      'Batch prediction stopped: nothing was written or recorded.',
    );
    expect(await busy.count()).toBe(0);
    expect(await deploy.byTestId('error-banner').count()).toBe(0);
    expect(existsSync(output)).toBe(false);
    expect(readdirSync(folder)).toEqual(['many.csv']);
    expect(await deploy.invoke('predict:batches', { ref: 'species' })).toHaveLength(before);
  });
});
