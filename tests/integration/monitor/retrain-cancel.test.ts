// A running retraining reports its steps (retrain:progress: the data, the training's epochs, the register,
// the evaluation's stages) and stops when cancelled (retrain:cancel): the step it is in is cancelled, the
// record ends failed, and nothing is served or promoted.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelOutput, RetrainProgress } from '../../../shared/contract';
import { createServices, type Services } from '../../../main/services';
import { latheBackground } from '../../helpers/cli';
import { contractClient, importPenguins } from '../../helpers/services';
import { tempDir } from '../../helpers/workspace';
import { championOf } from './retrain-fixtures';

const t = tempDir('lathe-retrain-cancel-');
let services: Services;
const { call } = contractClient(() => services);

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  await importPenguins(services);
}, 120_000);
afterAll(async () => {
  await services.close();
  t.remove();
});

/** Runs a retraining of `model` with every retrain:progress it sends; `on` hears each as it comes. */
async function retrain(
  model: string,
  on: (p: RetrainProgress) => void = () => undefined,
): Promise<{ record: ChannelOutput<'retrain:run'>; events: RetrainProgress[] }> {
  const events: RetrainProgress[] = [];
  const off = services.bus.subscribe((f) => {
    if (f.event !== 'retrain:progress') return;
    const p = f.payload as RetrainProgress;
    events.push(p);
    on(p);
  });
  try {
    const record = await call('retrain:run', { model, trigger: 'manual', promote: true });
    return { record, events };
  } finally {
    off();
  }
}

const versions = async (model: string) =>
  (await call('models:get', { ref: model })).versions.map((v) => v.version);
const champion = async (model: string) =>
  (await call('models:version', { ref: `${model}@champion` })).version;

describe('a running retraining', () => {
  it('reports its steps in order: the data, each epoch, the register, the evaluation, the gates', async () => {
    await championOf(call, 'steps');
    const { record, events } = await retrain('steps');
    expect(['registered', 'promoted']).toContain(record.status);
    expect(events.every((e) => e.model === 'steps' && e.retrainId === record.id)).toBe(true);
    const fractions = events.map((e) => e.fraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    // Each step once it starts, in the job's order (consecutive repeats folded).
    const steps = events.map((e) => e.step).filter((s, i, all) => s !== all[i - 1]);
    expect(steps).toEqual(['data', 'train', 'register', 'evaluate', 'canary']);
    const epochs = events.filter((e) => /^training: epoch \d+ of 25$/.test(e.message));
    expect(epochs.length).toBeGreaterThan(1);
    expect(epochs.at(-1)!.message).toBe('training: epoch 25 of 25');
    expect(events.some((e) => e.message === 'evaluating: reading the rows')).toBe(true);
  }, 120_000);

  it.each([
    [
      'its training',
      (p: RetrainProgress) => /^training: epoch \d+ of 25$/.test(p.message),
      'train',
      /^the retraining was cancelled \(run [0-9a-f]+ cancelled/,
    ],
    [
      'its evaluation',
      (p: RetrainProgress) => p.message === 'evaluating: reading the rows',
      'evaluate',
      /^the retraining was cancelled \(the evaluation of run [0-9a-f]{8} was cancelled\)$/,
    ],
  ])(
    'stops when cancelled during %s: that step fails, nothing is promoted',
    async (_, when, step, message) => {
      const model = `stop-${step}`;
      await championOf(call, model);
      const before = await versions(model);
      const asked: { cancel?: Promise<unknown> } = {};
      const { record } = await retrain(model, (p) => {
        if (!asked.cancel && when(p)) asked.cancel = call('retrain:cancel', { model });
      });
      expect(await asked.cancel).toEqual({ model, cancelled: true });
      expect(record.status).toBe('failed');
      const failed = record.steps.find((s) => s.status === 'failed')!;
      expect(failed.step).toBe(step);
      expect(failed.message).toMatch(message);
      expect(record.error).toBe(failed.message);
      // Nothing after the step that failed: no gates, canary or promotion.
      expect(record.steps.at(-1)).toBe(failed);
      expect(await champion(model)).toBe(1);
      if (step === 'train') {
        expect((await call('runs:get', { id: record.runId! })).status).toBe('cancelled');
        expect(await versions(model)).toEqual(before);
        expect(record.challengerVersion).toBeNull();
      }
      expect(await call('retrain:cancel', { model })).toEqual({ model, cancelled: false });
      expect((await call('retrain:list', { model }))[0]).toEqual(record);
    },
    120_000,
  );

  it('stops on Ctrl-C in lathe retrain (exit 130), the record failed and the champion kept', async () => {
    await championOf(call, 'cli');
    await services.close();
    const bg = latheBackground(['retrain', 'cli', '--promote', '--workspace', join(t.dir, 'ws')]);
    // Without a terminal, a line per tenth of the way: the training's epochs come first.
    await bg.waitFor('stderr', /training: epoch \d+ of 25/);
    bg.child.kill('SIGINT');
    expect(await bg.exit).toBe(130);
    await bg.waitFor('stderr', /cancelling the retraining of cli…/);
    services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
    const [record] = await call('retrain:list', { model: 'cli' });
    expect(record!.status).toBe('failed');
    expect(record!.error).toMatch(/cancel/);
    expect(await champion('cli')).toBe(1);
  }, 120_000);
});
