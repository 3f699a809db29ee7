import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openBrowserSession, type BrowserSession } from './pages/lathe-host';
import { AppPage } from './pages/app-page';

let session: BrowserSession;
let page: Page;

describe('gate policy in the Models view', () => {
  beforeAll(async () => {
    session = await openBrowserSession({ prefix: 'lathe-e2e-gates-' });
    page = session.page;
  });
  afterAll(async () => {
    await session?.close();
  });

  it('checks the policy as it is typed, saves it with a reason and removes it', async () => {
    const app = new AppPage(page);
    await page.goto(`${session.url}#/models`);
    const state = app.byTestId('gate-policy-state');
    await expect.poll(() => state.textContent()).toMatch(/none/);
    const text = app.byTestId('gate-policy-text');
    await text.fill('metrics: [{ metric: roc_auc }]');
    await expect
      .poll(() => app.byTestId('gate-policy-error').textContent())
      .toMatch(/give min, max or both/);
    expect(await app.byTestId('gate-policy-save').isDisabled()).toBe(true);

    await text.fill('metrics: [{ metric: roc_auc, min: 0.9 }]\nchampion: { test: mcnemar }');
    await app.byTestId('gate-policy-reason').fill('launch review');
    await app.byTestId('gate-policy-save').click();
    await expect.poll(() => state.textContent()).toBe('active');
    const stored = await app.invoke('gates:get', { project: 'Default' });
    expect(stored.policy).toMatchObject({
      metrics: [{ metric: 'roc_auc', min: 0.9 }],
      champion: { test: 'mcnemar', alpha: 0.05 },
    });
    await page.reload();
    await expect.poll(() => text.inputValue()).toMatch(/test: mcnemar/);

    await app.byTestId('gate-policy-remove').click();
    await expect.poll(() => state.textContent()).toMatch(/none/);
    expect((await app.invoke('gates:get', { project: 'Default' })).policy).toBeNull();
  });
});
