import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractClient, importPenguins, penguinsConfig, trainRun } from '../helpers/services';
import { vega } from '../helpers/workspace';
import { openSeededSession, type BrowserSession } from './pages/lathe-host';
import { DeployPage } from './pages/deploy-page';

let session: BrowserSession;

const penguins = JSON.parse(readFileSync(vega('penguins.json'), 'utf8')) as Record<
  string,
  unknown
>[];
const { Species: _y, ...record } = penguins.find((p) => p['Beak Length (mm)'] !== null)!;

describe('the Deploy view', () => {
  beforeAll(async () => {
    // One penguin classifier registered as species@1, alias champion.
    session = await openSeededSession('lathe-e2e-deploy-', async (services) => {
      await importPenguins(services);
      const run = await trainRun(services, penguinsConfig());
      await services.registry.register({ runId: run.id, name: 'species' });
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
    await expect.poll(() => deploy.selectedVersion()).toBe('species@1');
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
});
