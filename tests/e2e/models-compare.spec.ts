import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPenguins, penguinsConfig, trainRun } from '../helpers/services';
import { openSeededSession, type BrowserSession } from './pages/lathe-host';
import { ModelsPage } from './pages/models-page';

let session: BrowserSession;
const runs: string[] = [];

describe('Compare versions on the Models page', () => {
  beforeAll(async () => {
    session = await openSeededSession('lathe-e2e-models-compare-', async (services) => {
      await importPenguins(services);
      for (const seed of [1, 2]) {
        const config = penguinsConfig({ seed });
        runs.push(
          (await trainRun(services, { ...config, training: { ...config.training, epochs: 2 } })).id,
        );
      }
    });
  });

  afterAll(async () => {
    await session?.close();
  });

  it('compares two registered versions: metrics side by side, the better marked, same data', async () => {
    const { page, url } = session;
    const models = new ModelsPage(page);
    await models.openList(url);
    for (const runId of runs)
      await models.invoke('models:register', { runId, name: 'penguin-cmp' });
    // The panels that load on their own (evaluation, card, batch jobs) are answered only once the page
    // stands: none of them may then move the Compare panel. (A click that straddled such a move went to
    // the element below the pointer, and the compare was never asked for.)
    const late = /\/api\/invoke\/(eval:list|models:card:get|models:card:markdown|predict:batches)$/;
    const held: (() => Promise<void>)[] = [];
    await page.route(late, (route) => void held.push(() => route.continue()));
    await models.openModel(url, 'penguin-cmp', { settled: false });
    const panel = models.byTestId('model-compare');
    await expect.poll(() => held.length).toBe(4);
    const placed = await panel.boundingBox();
    // Each panel still waiting says so (aria-busy): the evaluation, the card and the batch jobs.
    const busy = models.byTestId('model-page').locator('[aria-busy="true"]');
    expect(await busy.evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')))).toEqual([
      'version-evaluation',
      'model-card',
      'model-batches',
    ]);
    await Promise.all(held.map((answer) => answer()));
    await page.unroute(late);
    await models.byTestId('card-rendered').waitFor();
    await models.byTestId('version-evaluation-none').waitFor();
    await models.byTestId('model-batches-empty').waitFor();
    expect(await busy.count()).toBe(0);
    expect(await panel.boundingBox()).toEqual(placed);

    // The same version on both sides is refused beside the field, before any call.
    await panel.getByTestId('compare-a').selectOption('2');
    await panel.getByTestId('compare-b').selectOption('2');
    expect(await panel.getByTestId('compare-a-error').textContent()).toBe(
      'Pick two different versions',
    );
    expect(await panel.getByTestId('compare-run').isDisabled()).toBe(true);

    await panel.getByTestId('compare-a').selectOption('1');
    // Whether the call left the page and was answered, for a failure to say where it stopped.
    const call = { sent: false, answered: false };
    const isCompare = (u: string) => u.endsWith('/api/invoke/models:compare');
    page.on('request', (r) => void (isCompare(r.url()) && (call.sent = true)));
    page.on('response', (r) => void (isCompare(r.url()) && (call.answered = true)));
    await panel.getByTestId('compare-run').click();
    // The result, or the error the panel shows instead: a failure then names it rather than timing out.
    await panel
      .getByTestId('compare-result')
      .or(panel.getByTestId('error-banner'))
      .waitFor()
      .catch(async (err: Error) => {
        const health = await fetch(`${url}/api/health`, {
          signal: AbortSignal.timeout(5_000),
        }).then(
          (r) => `HTTP ${r.status}`,
          (e: Error) => e.message,
        );
        throw new Error(
          `${err.message}\nmodels:compare ${call.sent ? 'was sent' : 'was never sent'}, ` +
            `${call.answered ? 'answered' : 'not answered'}; /api/health: ${health}; ` +
            `the panel shows: ${await panel.innerText()}\nhost log:\n${session.log()}`,
        );
      });
    expect(await panel.getByTestId('error-banner').count(), await panel.innerText()).toBe(0);
    const expected = await models.invoke('models:compare', {
      a: 'penguin-cmp@1',
      b: 'penguin-cmp@2',
    });
    expect(await panel.getByTestId('compare-same-data').textContent()).toBe(
      'Both were validated on the same data.',
    );
    const acc = expected.metrics.find((m) => m.key === 'val_accuracy')!;
    const row = panel.getByTestId('compare-metrics-val_accuracy');
    const header = await panel.locator('[data-testid="compare-metrics"] th').allTextContents();
    expect(header).toEqual(['metric', 'v1', 'v2', 'better']);
    expect(await row.getByTestId('compare-better').textContent()).toBe(
      acc.better === null ? '—' : acc.better === 'a' ? 'v1' : 'v2',
    );
    expect(await panel.locator('[data-testid^="compare-metrics-"]').count()).toBe(
      expected.metrics.length,
    );
  });
});
