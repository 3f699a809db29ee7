import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPenguins, penguinsConfig, trainRun } from '../helpers/services';
import { openSeededSession, type BrowserSession } from './pages/lathe-host';
import { DeployPage } from './pages/deploy-page';

let session: BrowserSession;

describe('the Deploy view API keys panel', () => {
  beforeAll(async () => {
    session = await openSeededSession('lathe-e2e-deploy-keys-', async (services) => {
      await importPenguins(services);
      const run = await trainRun(services, penguinsConfig());
      await services.registry.register({ runId: run.id, name: 'species' });
    });
  }, 300_000);

  afterAll(async () => {
    await session?.close();
  });

  it('creates a key for one model, shows its secret once, lists it, answers a request with it, and revokes it', async () => {
    const deploy = new DeployPage(session.page);
    await deploy.openDeploy(session.url);
    const panel = deploy.byTestId('deploy-keys');
    await panel.getByTestId('deploy-no-keys').waitFor();
    // The model list box shows rows, not one clipped row at a text field's height.
    expect(
      await deploy.listRows(panel.getByTestId('deploy-key-models-pick')),
    ).toBeGreaterThanOrEqual(3);

    await panel.getByTestId('deploy-key-name').fill('partner');
    await panel.getByTestId('deploy-key-models-pick').selectOption(['species']);
    // A bad rate limit is named beside its box and the form cannot be sent.
    await panel.getByTestId('deploy-key-rate-input').fill('1.5');
    expect(await panel.getByTestId('deploy-key-rate-input-error').textContent()).toContain(
      'whole number above 0',
    );
    expect(await panel.getByTestId('deploy-key-create').isDisabled()).toBe(true);
    await panel.getByTestId('deploy-key-rate-input').fill('30');
    await panel.getByTestId('deploy-key-create').click();

    const notice = panel.getByTestId('deploy-key-secret');
    await notice.waitFor();
    expect(await notice.textContent()).toContain('shown only once');
    const secret = (await panel.getByTestId('deploy-key-secret-value').textContent()) ?? '';
    expect(secret.length).toBeGreaterThan(16);

    const row = panel.locator('[data-testid="deploy-key"][data-key-name="partner"]');
    await row.waitFor();
    expect(await row.getByTestId('deploy-key-models').textContent()).toBe('species');
    expect(await row.getByTestId('deploy-key-rate').textContent()).toBe('30 req/min');
    expect(await row.getByTestId('deploy-key-revoked').textContent()).toBe('active');
    // The list never carries the secret; once dismissed it is gone from the page.
    expect(await row.textContent()).not.toContain(secret);

    // With a key in the workspace a server asks for one; the request panel's box hides what is typed.
    await deploy.startServer();
    const keyBox = deploy.byTestId('deploy-request-key');
    await keyBox.waitFor();
    expect(await keyBox.getAttribute('type')).toBe('password');
    await keyBox.fill(secret);
    await deploy.byTestId('deploy-request-send').click();
    expect(await deploy.byTestId('deploy-request-status').textContent()).toMatch(/^HTTP 200 /);
    await deploy.stopServer();

    await notice.getByRole('button', { name: 'Done' }).click();
    await notice.waitFor({ state: 'detached' });
    // Gone from the keys panel (the request panel above keeps what the user typed into its key box until
    // the stopped server leaves its list).
    expect(await deploy.byTestId('deploy-keys').innerHTML()).not.toContain(secret);

    await row.getByTestId('deploy-key-revoke').click();
    await row.getByTestId('deploy-key-confirm').waitFor();
    await row.getByTestId('deploy-key-revoke-confirm').click();
    await expect
      .poll(async () => row.getByTestId('deploy-key-revoked').textContent())
      .not.toBe('active');
    expect(await row.getByTestId('deploy-key-revoke').count()).toBe(0);
  });
});
