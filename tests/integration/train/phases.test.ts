import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainConfig, type TrainPhase, type TrainPhaseEvent } from '../../../shared/contract';
import { createServices, type Services } from '../../../main/services';
import { contractClient, penguinsConfig } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';

const t = tempDir('lathe-train-phases-');
let services: Services;
const { call } = contractClient(() => services);
const config = TrainConfig.parse(
  penguinsConfig({
    model: { type: 'mlp', hidden: [8] },
    training: { epochs: 2, batchSize: 32, learningRate: 0.01, validationFraction: 0.25 },
  }),
);

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  await call('data:import', { path: vega('penguins.json'), name: 'penguins' });
});
afterAll(async () => {
  await services.close();
  t.remove();
});

/** Trains `config`; when it enters `cancelAt`, cancels it. Resolves with its phases and end status. */
async function trainWatching(cancelAt?: TrainPhase) {
  const phases: TrainPhase[] = [];
  let runId = '';
  const off = services.bus.subscribe((f) => {
    if (f.event !== 'train:phase') return;
    const e = f.payload as TrainPhaseEvent;
    if (e.runId !== runId) return;
    phases.push(e.phase);
    if (e.phase === cancelAt) expect(services.train.cancel(runId)).toBe(true);
  });
  try {
    const started = await services.train.start(config);
    runId = started.runId;
    return { status: await started.done, phases, runId };
  } finally {
    off();
  }
}

describe('the phases of a training', () => {
  it('are reported from preparing the data to recording the run', async () => {
    const { status, phases } = await trainWatching();
    expect(status).toBe('finished');
    // 'preparing' may come before the run id is known to the listener; the rest in order.
    expect(phases.filter((p) => p !== 'preparing')).toEqual([
      'training',
      'importance',
      'saving',
      'recording',
    ]);
  });

  it.each(['importance', 'saving', 'recording'] as const)(
    'can be cancelled while %s: the run ends cancelled, not finished',
    async (phase) => {
      const { status, runId } = await trainWatching(phase);
      expect(status).toBe('cancelled');
      const run = await call('runs:get', { id: runId });
      expect(run.status).toBe('cancelled');
      expect(run.error).toMatch(/cancelled/);
    },
  );
});
