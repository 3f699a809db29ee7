import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESTART_NOTE, TrainConfig, type TrainProgress } from '../../shared/contract';
import { contractClient, importPenguins, penguinsConfig, trainRun } from '../helpers/services';
import { openSeededSession, type BrowserSession } from './pages/lathe-host';
import { RunPage } from './pages/run-page';

let session: BrowserSession;
let stopped = '';
let finished = '';
let killed = '';

describe('Resume on the run page', () => {
  beforeAll(async () => {
    session = await openSeededSession('lathe-e2e-run-resume-', async (services) => {
      const { version } = await importPenguins(services);
      const { call } = contractClient(() => services);
      // Killed before its first checkpoint was stored: recorded running with no epoch, then marked
      // interrupted, as opening the workspace after the kill does.
      killed = await services.tracking.createRun({
        experiment: 'penguins',
        project: 'Default',
        config: TrainConfig.parse(penguinsConfig({ seed: 3 })),
        configHash: 'e2e',
        datasetVersionId: version.id,
        latheVersion: 'e2e',
        system: {},
      });
      await services.tracking.markInterrupted();
      finished = (await trainRun(services, penguinsConfig())).id;
      const { runId } = await call('train:start', {
        config: penguinsConfig({
          training: { epochs: 400, batchSize: 8, learningRate: 0.01, validationFraction: 0.25 },
        }),
      });
      // Cancelled once a few epochs are in, so its checkpoint is stored.
      await new Promise<void>((resolveEnd) => {
        let cancel: Promise<unknown> | undefined;
        const off = services.bus.subscribe((f) => {
          const p = f.payload as TrainProgress;
          if (f.event === 'train:progress' && p.runId === runId && p.epoch >= 5)
            cancel ??= call('train:cancel', { id: runId });
          const s = f.payload as { runId: string; status: string };
          if (f.event === 'run:status' && s.runId === runId && s.status !== 'running') {
            off();
            resolveEnd();
          }
        });
      });
      const cancelled = await call('runs:get', { id: runId });
      if (
        cancelled.status !== 'cancelled' ||
        !cancelled.artifacts.some((a) => a.path === 'checkpoint/state.bin')
      )
        throw new Error(
          `the seeded run is ${cancelled.status} without a checkpoint to resume from`,
        );
      stopped = runId;
    });
  });

  afterAll(async () => {
    await session?.close();
  });

  it('resumes a cancelled run to the end; a finished run offers no Resume', async () => {
    const { page, url } = session;
    const run = new RunPage(page);
    await run.openRun(url, finished);
    expect(await run.byTestId('run-delete').count()).toBe(1);
    expect(await run.byTestId('run-resume').count()).toBe(0);

    await run.openRun(url, stopped);
    expect(await run.byTestId('run-status').getAttribute('data-status')).toBe('cancelled');
    await run.byTestId('run-resume').click();
    // The resumed training ends, or the refusal shows beside the button.
    await page
      .locator(
        '[data-testid="run-status"][data-status="finished"], [data-testid="run-resume-error"]',
      )
      .first()
      .waitFor();
    expect(await run.byTestId('run-resume-error').count()).toBe(0);
    await page.locator('[data-testid="run-status"][data-status="finished"]').waitFor();
    await page.locator('[data-testid="run-resume"]').waitFor({ state: 'detached' });
    const done = await run.invoke('runs:get', { id: stopped });
    expect(done.status).toBe('finished');
    expect(await run.byTestId('run-resume-error').count()).toBe(0);
  });

  it('offers Resume for an interrupted run with no checkpoint: it restarts from the first epoch to the end', async () => {
    const { page, url } = session;
    const run = new RunPage(page);
    await run.openRun(url, killed);
    expect(await run.byTestId('run-status').getAttribute('data-status')).toBe('interrupted');
    const button = run.byTestId('run-resume');
    expect(await button.textContent()).toBe('Resume');
    expect(await button.getAttribute('title')).toBe(`Resume: ${RESTART_NOTE}`);
    await button.click();
    await page
      .locator(
        '[data-testid="run-status"][data-status="finished"], [data-testid="run-resume-error"]',
      )
      .first()
      .waitFor();
    expect(await run.byTestId('run-resume-error').count()).toBe(0);
    const done = await run.invoke('runs:get', { id: killed });
    expect(done.status).toBe('finished');
    const loss = await run.invoke('runs:metrics', { id: killed, key: 'loss' });
    expect(loss.points.map((p) => p.step)).toEqual([1, 2, 3]);
  });
});
