import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelInput, ChannelOutput } from '../../shared/contract';
import { createServices, type Services } from '../../main/services';
import { contractClient, penguinsConfig } from '../helpers/services';
import { tempDir, vega } from '../helpers/workspace';

const t = tempDir('lathe-train-options-');
let services: Services;

const { call, failure } = contractClient(() => services);

type Config = ChannelInput<'train:run'>['config'];
type Run = ChannelOutput<'train:run'>;

const penguins = (overrides: Partial<Config> = {}): Config =>
  penguinsConfig({
    training: { epochs: 8, batchSize: 32, learningRate: 0.01, validationFraction: 0.25 },
    seed: 5,
    ...overrides,
  });

/** Sum of |w| over every kernel of a run's saved model. */
function kernelL1(run: Run): number {
  const file = (path: string) =>
    readFileSync(
      services.workspace.artifacts.pathOf(run.artifacts.find((a) => a.path === path)!.sha256),
    );
  const manifest = JSON.parse(file('model/model.json').toString()) as {
    weightsManifest: { weights: { name: string; shape: number[] }[] }[];
  };
  const bin = file('model/weights.bin');
  const floats = new Float32Array(bin.buffer, bin.byteOffset, bin.byteLength / 4);
  let offset = 0;
  let sum = 0;
  for (const w of manifest.weightsManifest[0]!.weights) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    if (w.name.endsWith('kernel'))
      for (let i = offset; i < offset + n; i++) sum += Math.abs(floats[i]!);
    offset += n;
  }
  return sum;
}

const history = async (id: string, key: string) =>
  (await call('runs:metrics', { id, key })).points.map((p) => [p.step, p.value] as const);

/** The same length, and every value equal to 9 decimals. */
function expectClose(got: number[], want: number[]): void {
  expect(got).toHaveLength(want.length);
  got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 9));
}

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  await call('data:import', { path: vega('penguins.json'), name: 'penguins' });
  await call('data:importQuery', {
    name: 'snow',
    sql: `SELECT precipitation, temp_max, temp_min, wind, weather = 'snow' AS snowy FROM read_csv('${vega('seattle-weather.csv')}')`,
  });
});
afterAll(async () => {
  await services.close();
  t.remove();
});

describe('model options', () => {
  it('L1 and L2 regularization shrink a softmax regression and change its metrics', async () => {
    const plain = await call('train:run', { config: penguins() });
    const l2 = await call('train:run', {
      config: penguins({ model: { type: 'linear', l2: 0.05 } }),
    });
    const l1 = await call('train:run', {
      config: penguins({ model: { type: 'linear', l1: 0.02 } }),
    });
    for (const r of [plain, l2, l1]) expect(r.status).toBe('finished');
    expect(l2.metrics.val_loss).not.toBe(plain.metrics.val_loss);
    expect(l1.metrics.val_loss).not.toBe(plain.metrics.val_loss);
    expect(kernelL1(l2)).toBeLessThan(kernelL1(plain));
    expect(kernelL1(l1)).toBeLessThan(kernelL1(plain));
    expect(l2.params).toMatchObject({ 'model.l2': '0.05' });
    // The training loss is the objective: cross-entropy plus the penalty.
    expect(l2.metrics.loss).toBeGreaterThan(plain.metrics.loss!);
  });

  it('a dropout + batch norm MLP with another activation trains, and the same seed gives the same run', async () => {
    const config = penguins({
      model: { type: 'mlp', hidden: [16, 8], activation: 'tanh', dropout: 0.3, batchNorm: true },
      training: { epochs: 10, batchSize: 32, learningRate: 0.01, validationFraction: 0.25 },
    });
    const a = await call('train:run', { config });
    const b = await call('train:run', { config });
    expect(a.status).toBe('finished');
    expect(a.metrics.val_accuracy).toBeGreaterThan(0.85);
    expect(b.metrics).toEqual(a.metrics);
    expect(a.params).toMatchObject({
      'model.activation': 'tanh',
      'model.dropout': '0.3',
      'model.batchNorm': 'true',
    });
    const other = await call('train:run', { config: { ...config, seed: 6 } });
    expect(other.metrics).not.toEqual(a.metrics);
  });

  it('trains on the fused engine by default, close to the same model trained by tfjs kernels', async () => {
    const config = penguins({
      model: { type: 'mlp', hidden: [16, 8], activation: 'elu', l2: 0.001 },
      training: { epochs: 10, batchSize: 32, learningRate: 0.01, validationFraction: 0.25 },
    });
    const fused = await call('train:run', { config });
    const tfjs = await call('train:run', {
      config: { ...config, training: { ...config.training, engine: 'tfjs' } },
    });
    expect(fused.params['training.engine']).toBe('fused');
    expect(tfjs.params['training.engine']).toBe('tfjs');
    // The same seeded weights and batches, float32 arithmetic in another order: the same model to
    // within rounding, after 10 epochs of Adam.
    expect(fused.metrics.val_loss).toBeCloseTo(tfjs.metrics.val_loss!, 3);
    expect(fused.metrics.val_accuracy).toBeCloseTo(tfjs.metrics.val_accuracy!, 2);
    expect(fused.metrics.val_accuracy).toBeGreaterThan(0.85);
  });

  it('a fused dropout MLP is reproducible from its seed', async () => {
    const config = penguins({
      model: { type: 'mlp', hidden: [16], dropout: 0.4 },
      training: { epochs: 6, batchSize: 32, learningRate: 0.01, validationFraction: 0.25 },
    });
    const a = await call('train:run', { config });
    const b = await call('train:run', { config });
    expect(a.params['training.engine']).toBe('fused');
    expect(b.metrics).toEqual(a.metrics);
    expect(a.metrics.val_accuracy).toBeGreaterThan(0.8);
  });

  it('rejects options a linear model does not have', async () => {
    const err = await failure('train:run', {
      config: penguins({ model: { type: 'linear', dropout: 0.5 } }),
    });
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toMatch(/dropout/);
  });
});

describe('class weights', () => {
  const snow = (training: Config['training'] = {}): Config => ({
    dataset: 'snow',
    target: 'snowy',
    task: 'binary',
    model: { type: 'linear' },
    training: { epochs: 6, batchSize: 32, learningRate: 0.01, ...training },
    seed: 1,
  });

  it("'balanced' reweights a rare class and changes the binary metrics", async () => {
    const plain = await call('train:run', { config: snow() });
    const balanced = await call('train:run', { config: snow({ classWeights: 'balanced' }) });
    expect(balanced.status).toBe('finished');
    expect(balanced.metrics.val_loss).not.toBe(plain.metrics.val_loss);
    // Upweighting snow days pushes predictions towards snow: accuracy on a 98% no-snow split drops.
    expect(balanced.metrics.val_accuracy).toBeLessThan(plain.metrics.val_accuracy!);
    const resolved: Record<string, number> = Object.fromEntries(
      balanced.params['training.classWeights.resolved']!.split(',').map((kv) => {
        const [k, v] = kv.split(':');
        return [k!, Number(v)];
      }),
    );
    expect(resolved.true).toBeGreaterThan(10);
    expect(resolved.false).toBeLessThan(1);

    const map = await call('train:run', {
      config: snow({ classWeights: { true: resolved.true!, false: resolved.false! } }),
    });
    expect(map.metrics.val_loss).toBeCloseTo(balanced.metrics.val_loss!, 4);
  });

  it('names an unknown class, and refuses class weights on regression', async () => {
    const unknown = await call('train:run', { config: snow({ classWeights: { maybe: 2 } }) });
    expect(unknown.status).toBe('failed');
    expect(unknown.error).toMatch(/'maybe' is not a class/);
    const reg = await failure('train:run', {
      config: { ...snow({ classWeights: 'balanced' }), target: 'wind', task: 'regression' },
    });
    expect(reg.message).toMatch(/class weights/);
  });
});

describe('early stopping', () => {
  it('stops before the last epoch and reports the best epoch, with its weights restored', async () => {
    const run = await call('train:run', {
      config: penguins({
        model: { type: 'mlp', hidden: [32] },
        training: {
          epochs: 60,
          batchSize: 16,
          learningRate: 0.05,
          validationFraction: 0.25,
          earlyStopping: { metric: 'val_loss', patience: 3 },
        },
      }),
    });
    expect(run.status).toBe('finished');
    const best = Number(run.params['earlyStopping.bestEpoch']);
    const stopped = Number(run.params['earlyStopping.stoppedEpoch']);
    expect(stopped).toBeLessThan(60);
    expect(stopped).toBe(best + 3);
    const valLoss = await history(run.id, 'val_loss');
    const epochs = valLoss.filter(([step]) => step <= stopped);
    expect(epochs.map(([step]) => step)).toEqual(Array.from({ length: stopped }, (_, i) => i + 1));
    const bestValue = Math.min(...epochs.map(([, v]) => v));
    expect(epochs.find(([step]) => step === best)![1]).toBe(bestValue);
    // The run's metrics are the best epoch's, logged again one step after the last epoch.
    expect(run.metrics.val_loss).toBe(bestValue);
    for (const key of ['val_accuracy', 'val_f1_macro', 'loss']) {
      const atBest = (await history(run.id, key)).find(([step]) => step === best)![1];
      expect(run.metrics[key]).toBe(atBest);
    }
    expect(valLoss.at(-1)).toEqual([stopped + 1, bestValue]);
  });

  it('follows a max metric and can keep the last weights', async () => {
    const run = await call('train:run', {
      config: penguins({
        training: {
          epochs: 40,
          batchSize: 32,
          learningRate: 0.01,
          validationFraction: 0.25,
          earlyStopping: { metric: 'val_accuracy', patience: 2, restoreBest: false },
        },
      }),
    });
    const stopped = Number(run.params['earlyStopping.stoppedEpoch']);
    expect(stopped).toBeLessThan(40);
    const acc = await history(run.id, 'val_accuracy');
    expect(acc.at(-1)![0]).toBe(stopped);
    expect(run.metrics.val_accuracy).toBe(acc.at(-1)![1]);
  });

  it('fails with the reported metrics when the metric does not exist', async () => {
    const run = await call('train:run', {
      config: penguins({
        training: { epochs: 3, earlyStopping: { metric: 'val_auc', patience: 1 } },
      }),
    });
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/val_auc.*val_accuracy/);
  });
});

describe('learning-rate schedules', () => {
  const lrs = async (lrSchedule: NonNullable<Config['training']>['lrSchedule'], epochs = 6) => {
    const run = await call('train:run', {
      config: penguins({
        training: {
          epochs,
          batchSize: 32,
          learningRate: 0.01,
          validationFraction: 0.25,
          lrSchedule,
        },
      }),
    });
    expect(run.status).toBe('finished');
    return (await history(run.id, 'lr')).map(([, v]) => v);
  };

  it('step decays every n epochs', async () => {
    const got = await lrs({ type: 'step', every: 2, factor: 0.5 });
    expectClose(got, [0.01, 0.01, 0.005, 0.005, 0.0025, 0.0025]);
  });

  it('cosine anneals towards minLr', async () => {
    const got = await lrs({ type: 'cosine', minLr: 0.001 }, 4);
    const want = [0, 1, 2, 3].map((e) => 0.001 + 0.5 * 0.009 * (1 + Math.cos((Math.PI * e) / 4)));
    expectClose(got, want);
  });

  it('reduce_on_plateau cuts the rate when the metric stalls', async () => {
    const run = await call('train:run', {
      config: penguins({
        training: {
          epochs: 30,
          batchSize: 16,
          learningRate: 0.05,
          validationFraction: 0.25,
          lrSchedule: { type: 'reduce_on_plateau', patience: 2, factor: 0.5, minLr: 0.01 },
        },
      }),
    });
    const lr = (await history(run.id, 'lr')).map(([, v]) => v);
    const valLoss = (await history(run.id, 'val_loss')).map(([, v]) => v);
    // Replays the rule on the logged val_loss.
    let best = Infinity;
    let wait = 0;
    let current = 0.05;
    const want: number[] = [];
    for (const v of valLoss) {
      want.push(current);
      if (v < best) [best, wait] = [v, 0];
      else if (++wait >= 2) [current, wait] = [Math.max(0.01, current * 0.5), 0];
    }
    expectClose(lr, want);
    expect(new Set(lr).size).toBeGreaterThan(1);
    expect(Math.min(...lr)).toBeGreaterThanOrEqual(0.01);
  });
});
