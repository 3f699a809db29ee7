import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { importPenguins, penguinsConfig, trainRun } from '../helpers/services';
import { AppPage } from './pages/app-page';
import { openSeededSession, repo, type BrowserSession } from './pages/lathe-host';

// Issue 13: `workspace:verify` is reachable from the app (Projects → Workspace integrity): a sound
// workspace verifies with its counts; an artifact whose bytes changed on disk is listed by its hash.
const shots = join(repo, 'test-results', 'verify-workspace');
let session: BrowserSession;
let page: Page;
let app: AppPage;

const result = (state: 'ok' | 'problems') =>
  app.byTestId('verify-result').and(page.locator(`[data-state="${state}"]`));

describe('Verify workspace in the app', () => {
  beforeAll(async () => {
    session = await openSeededSession('lathe-e2e-verify-', async (services) => {
      await importPenguins(services);
      await trainRun(services, penguinsConfig());
    });
    ({ page } = session);
    app = new AppPage(page);
    await app.open(session.url);
    await app.goto('projects');
  }, 300_000);

  afterAll(async () => {
    await session?.close();
  });

  it('verifies a fresh workspace with a dataset and a run (no problems), then names an artifact damaged on disk', async () => {
    await app.byTestId('verify-workspace').click();
    await result('ok').waitFor();
    const headline = (await app.byTestId('verify-headline').textContent()) ?? '';
    expect(headline).toMatch(
      /^Workspace verified: \d+ artifacts, 1 dataset version, 0 capture files, 0 model versions, 0 aliases checked, no problems$/,
    );
    expect(Number(/(\d+) artifacts/.exec(headline)![1])).toBeGreaterThan(0);
    expect(await app.byTestId('verify-problem').count()).toBe(0);
    expect(await app.byTestId('verify-workspace').isEnabled()).toBe(true);

    // Then a byte of one artifact is flipped on disk: verify lists that artifact by its hash.
    const store = join(session.workspace, 'artifacts', 'sha256');
    // A file the run recorded, found through the API as the app would.
    const [run] = await app.invoke('runs:list', {});
    const sha = (await app.invoke('runs:get', { id: run!.id })).artifacts[0]!.sha256;
    const file = join(store, sha.slice(0, 2), sha);
    const bytes = readFileSync(file);
    bytes[0] = bytes[0]! ^ 0xff;
    writeFileSync(file, bytes);

    await app.byTestId('verify-workspace').click();
    await result('problems').waitFor();
    expect(await app.byTestId('verify-headline').textContent()).toMatch(
      /^Workspace verify found 1 problem \(checked \d+ artifacts/,
    );
    const problems = app.byTestId('verify-problem');
    expect(await problems.count()).toBe(1);
    expect(await problems.first().getAttribute('data-subject')).toBe(sha);
    expect(await problems.first().textContent()).toContain(
      `artifact ${sha} holds content hashing to`,
    );
    expect(await problems.first().textContent()).toMatch(/^Artifact changed/);
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: join(shots, 'verify-problem.png'), fullPage: true });
  });
});
