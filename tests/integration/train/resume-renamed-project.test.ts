import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunChildEvent } from '../../../shared/contract';
import { createServices, type Services } from '../../../main/services';
import { contractClient, penguinsConfig } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';

const t = tempDir('lathe-resume-renamed-');
let services: Services;
const { call } = contractClient(() => services);

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  await call('data:import', { path: vega('penguins.json'), name: 'penguins', project: 'Old' });
});
afterAll(async () => {
  await services.close();
  t.remove();
});

/** Starts a cross-validation and cancels it once its first fold has ended; resolves with its end status. */
async function startAndStopAfterOneFold(config: ReturnType<typeof penguinsConfig>) {
  const { runId } = await call('train:start', { config });
  return new Promise<{ runId: string; status: string }>((resolve) => {
    let stopped = false;
    const off = services.bus.subscribe((f) => {
      if (f.event === 'run:child' && !stopped) {
        const e = f.payload as RunChildEvent;
        if (e.status !== 'running') {
          stopped = true;
          void call('train:cancel', { id: runId });
        }
      }
      const p = f.payload as { runId?: string; status?: string };
      if (f.event === 'run:status' && p.runId === runId && p.status !== 'running') {
        off();
        resolve({ runId, status: p.status! });
      }
    });
  });
}

describe('a cross-validation resumed after its project was renamed', () => {
  it('trains its remaining folds in the renamed project, not in a re-created old one', async () => {
    const config = penguinsConfig({
      training: { epochs: 6, batchSize: 16, learningRate: 0.05, validationFraction: 0.25 },
      crossValidation: { folds: 4, parallel: 1 },
    });
    const { runId, status } = await startAndStopAfterOneFold(config);
    expect(status).toBe('cancelled');
    await call('projects:rename', { name: 'Old', to: 'New' });
    const resumed = await call('runs:resume', { id: runId });
    expect(resumed.status, resumed.error ?? '').toBe('finished');
    const folds = await call('runs:list', { parentId: runId });
    expect(folds.map((f) => f.project)).toEqual(folds.map(() => 'New'));
    expect((await call('projects:list', {})).map((p) => p.name)).not.toContain('Old');
  });
});
