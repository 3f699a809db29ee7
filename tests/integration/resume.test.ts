// Checkpoints and resume: a run killed with SIGKILL mid-training resumes from its last per-epoch
// checkpoint to exactly the metrics of the same training left uninterrupted.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainConfig, type ChannelOutput } from '../../shared/contract';
import { createServices, type Services } from '../../main/services';
import { latheBackground } from '../helpers/cli';
import { contractClient } from '../helpers/services';
import { tempDir, vega } from '../helpers/workspace';

const t = tempDir('lathe-resume-');
const ws = join(t.dir, 'ws');
let services: Services | undefined;
const { call, failure } = contractClient(() => services!);

const EPOCHS = 1500;
// Dropout, early stopping that keeps best weights, and a plateau schedule: every piece of state a
// checkpoint has to carry (weights, Adam moments, RNG, dropout step, tracker, best weights, LR).
const config = {
  dataset: 'penguins',
  target: 'Species',
  task: 'multiclass' as const,
  model: { type: 'mlp' as const, hidden: [16, 8], dropout: 0.3 },
  training: {
    epochs: EPOCHS,
    batchSize: 32,
    learningRate: 0.005,
    validationFraction: 0.25,
    earlyStopping: { metric: 'val_loss', patience: 1000 },
    lrSchedule: { type: 'reduce_on_plateau' as const, patience: 20, factor: 0.5 },
  },
  seed: 11,
  experiment: 'resume',
};

const history = async (id: string) =>
  (await call('runs:metrics', { id, maxPoints: 1_000_000 })).points
    .map((p) => `${p.key}@${p.step}=${p.value}`)
    .sort();

beforeAll(async () => {
  services = await createServices({ workspaceDir: ws, validateOutput: true });
  await call('data:import', { path: vega('penguins.json'), name: 'penguins' });
});
afterAll(async () => {
  await services?.close();
  t.remove();
});

describe('resuming a killed run', () => {
  it('continues from its last checkpoint to the metrics of an uninterrupted run', async () => {
    const straight = await call('train:run', { config });
    expect(straight.status).toBe('finished');
    expect(straight.artifacts.some((a) => a.path.startsWith('checkpoint/'))).toBe(false);
    await services!.close();
    services = undefined;

    const file = t.file('train.json', JSON.stringify(config));
    const child = latheBackground(['train', '--config', file, '--workspace', ws]);
    // Progress prints per 10% on a pipe. Epochs 150 to 599 of 1500 leave the checkpoint store, which
    // trails fast epochs by one write, time to have stored one, and the run at least 900 epochs (seconds
    // on the fused engine) to go on, so the kill lands mid-training on a busy machine too.
    // Within this test's 5 minutes rather than the 90 s default: a busy machine may need longer here.
    await child.waitFor('stderr', /epoch (1[5-9]\d|[2-5]\d\d)\/1500/, 240_000);
    child.child.kill('SIGKILL');
    await child.exit;

    services = await createServices({ workspaceDir: ws, validateOutput: true });
    const [killed] = (await call('runs:list', { experiment: 'resume' })).filter(
      (r) => r.id !== straight.id,
    );
    expect(killed?.status).toBe('interrupted');
    const before = await call('runs:get', { id: killed!.id });
    expect(before.artifacts.map((a) => a.path)).toContain('checkpoint/state.bin');

    const resumed: ChannelOutput<'runs:resume'> = await call('runs:resume', { id: killed!.id });
    expect(resumed.id).toBe(killed!.id);
    expect(resumed.status).toBe('finished');
    expect(resumed.error).toBeNull();
    expect(resumed.metrics).toEqual(straight.metrics);
    expect(await history(resumed.id)).toEqual(await history(straight.id));
    expect(resumed.artifacts.some((a) => a.path.startsWith('checkpoint/'))).toBe(false);
    const weights = (r: typeof straight) =>
      r.artifacts.find((a) => a.path === 'model/weights.bin')?.sha256;
    expect(weights(resumed)).toBe(weights(straight));

    // A finished run has nothing to resume.
    const again = await failure('runs:resume', { id: resumed.id });
    expect(again.code).toBe('INVALID_INPUT');
    expect(again.message).toMatch(/finished/);
  }, 300_000);

  it('resumes a cancelled run in the second training of permutation selection, with its selection', async () => {
    const perm = {
      ...config,
      model: { type: 'mlp' as const, hidden: [8], dropout: 0.2 },
      training: { ...config.training, epochs: 40 },
      selection: { method: 'permutation' as const, k: 3 },
      experiment: 'resume-perm',
    };
    const straight = await call('train:run', { config: perm });
    expect(straight.status).toBe('finished');

    // Cancel during the second pass (epochs 41..80 of 80), judged at epoch 50: the worker waits for each
    // epoch's verdict, so it stops before epoch 51 and keeps its last checkpoint.
    let runId = '';
    const started = await services!.train.start(TrainConfig.parse(perm), {
      onEpoch: (epoch) => {
        if (epoch === 50) services!.train.cancel(runId);
      },
    });
    runId = started.runId;
    expect(await started.done).toBe('cancelled');
    const cancelled = await call('runs:get', { id: runId });
    expect(cancelled.status).toBe('cancelled');
    const logged = await call('runs:metrics', { id: runId, key: 'val_loss' });
    expect(Math.max(...logged.points.map((p) => p.step))).toBe(50);

    const resumed = await call('runs:resume', { id: runId });
    expect(resumed.status).toBe('finished');
    expect(resumed.params['selection.kept']).toBe('3');
    expect(resumed.metrics).toEqual(straight.metrics);
    expect(await history(resumed.id)).toEqual(await history(straight.id));
  }, 120_000);
});
