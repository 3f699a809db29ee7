import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { TrainConfig } from '../../../../shared/contract';
import { buildModel, denseNetSpec, sigmoidCrossEntropy } from '../../../../main/train/model';
import { chooseEngine } from '../../../../main/train/kernel/engine-choice';
import { DenseEngine } from '../../../../main/train/kernel/dense-engine';
import { createRng } from '../../../../main/train/random';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const ROWS = 96;
const BATCH = 32;

function problem(
  seed: number,
  inputDim: number,
  task: 'binary' | 'multiclass' | 'regression',
  k = 3,
) {
  const rng = createRng(seed);
  const x = Float32Array.from({ length: ROWS * inputDim }, () => rng() * 4 - 2);
  const labels = Int32Array.from({ length: ROWS }, (_, i) =>
    task === 'multiclass' ? Math.floor(rng() * k) : x[i * inputDim]! + rng() > 0.5 ? 1 : 0,
  );
  const values = Float32Array.from(
    { length: ROWS },
    (_, i) => x[i * inputDim]! * 2 - x[i * inputDim + 1]!,
  );
  return { x, labels, values };
}

/** `steps` Adam steps in tfjs (the trainer's model, losses and penalties) on consecutive batches. */
function tfjsSteps(
  config: TrainConfig,
  x: Float32Array,
  inputDim: number,
  outputDim: number,
  y: tf.Tensor,
  w: tf.Tensor | undefined,
  steps: number,
) {
  const model = buildModel(config, inputDim, outputDim);
  const initial = model.getWeights().map((t) => t.dataSync().slice());
  const optimizer = tf.train.adam(config.training.learningRate);
  const xs = tf.tensor2d(x, [ROWS, inputDim]);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const idx = tf.range(s * BATCH, (s + 1) * BATCH, 1, 'int32');
    const xb = tf.gather(xs, idx);
    const yb = tf.gather(y, idx);
    const wb = w ? tf.gather(w, idx) : undefined;
    const cost = optimizer.minimize(() => {
      const logits = model.apply(xb, { training: true }) as tf.Tensor;
      const loss: tf.Scalar =
        config.task === 'binary'
          ? sigmoidCrossEntropy(yb, logits, wb)
          : config.task === 'multiclass'
            ? tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(yb, logits, wb)
            : tf.losses.meanSquaredError<tf.Tensor, tf.Scalar>(yb, logits);
      const penalties = model.layers.flatMap((l) => l.calculateLosses());
      return penalties.length ? tf.addN<tf.Scalar>([loss, ...penalties]) : loss;
    }, true)!;
    losses.push(cost.dataSync()[0]!);
  }
  return { initial, final: model.getWeights().map((t) => t.dataSync()), losses };
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number) {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++)
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / (1 + Math.abs(expected[i]!)));
  expect(worst).toBeLessThan(tol);
}

const cases: {
  name: string;
  task: 'binary' | 'multiclass' | 'regression';
  model: Record<string, unknown>;
  classWeights?: boolean;
  inputDim: number;
}[] = [
  {
    name: 'relu MLP, binary, L2, class weights',
    task: 'binary',
    model: { type: 'mlp', hidden: [16, 8], l2: 0.01 },
    classWeights: true,
    inputDim: 5,
  },
  {
    name: 'tanh MLP, multiclass, L1',
    task: 'multiclass',
    model: { type: 'mlp', hidden: [12], activation: 'tanh', l1: 0.001 },
    inputDim: 7,
  },
  {
    name: 'elu MLP, multiclass, class weights',
    task: 'multiclass',
    model: { type: 'mlp', hidden: [10, 6], activation: 'elu' },
    classWeights: true,
    inputDim: 4,
  },
  {
    name: 'selu MLP, regression',
    task: 'regression',
    model: { type: 'mlp', hidden: [9], activation: 'selu' },
    inputDim: 3,
  },
  {
    name: 'gelu MLP, regression',
    task: 'regression',
    model: { type: 'mlp', hidden: [13], activation: 'gelu' },
    inputDim: 6,
  },
  {
    name: 'batch-normalized relu MLP, binary, class weights',
    task: 'binary',
    model: { type: 'mlp', hidden: [12, 6], batchNorm: true },
    classWeights: true,
    inputDim: 5,
  },
  {
    name: 'batch-normalized tanh MLP, multiclass, L2',
    task: 'multiclass',
    model: { type: 'mlp', hidden: [10], activation: 'tanh', batchNorm: true, l2: 0.01 },
    inputDim: 4,
  },
  {
    name: 'logistic regression with L1 and L2',
    task: 'binary',
    model: { type: 'linear', l1: 0.01, l2: 0.01 },
    inputDim: 9,
  },
];

describe('DenseEngine', () => {
  it.each(cases)('matches tfjs step for step: $name', ({ task, model, classWeights, inputDim }) => {
    const config = TrainConfig.parse({
      dataset: 'd',
      target: 't',
      task,
      model,
      training: {
        learningRate: 0.01,
        batchSize: BATCH,
        ...(classWeights ? { classWeights: 'balanced' } : {}),
      },
      seed: 7,
    });
    const k = 3;
    const outputDim = task === 'multiclass' ? k : 1;
    const { x, labels, values } = problem(11, inputDim, task, k);
    const weights = classWeights ? Float32Array.from(labels, (c) => [0.5, 2, 1.5][c]!) : null;
    const y =
      task === 'binary'
        ? tf.tensor2d(Float32Array.from(labels), [ROWS, 1])
        : task === 'multiclass'
          ? tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), k), 'float32')
          : tf.tensor2d(values, [ROWS, 1]);
    const w = weights ? tf.tensor(weights, task === 'binary' ? [ROWS, 1] : [ROWS]) : undefined;
    const steps = 3;
    const ref = tfjsSteps(config, x, inputDim, outputDim, y, w, steps);

    const engine = new DenseEngine(denseNetSpec(config, inputDim, outputDim, BATCH), {
      x,
      rows: ROWS,
      y: task === 'binary' ? Float32Array.from(labels) : task === 'multiclass' ? labels : values,
      weights,
    });
    engine.setWeights(ref.initial);
    engine.setOrder(Int32Array.from({ length: ROWS }, (_, i) => i));
    const losses = Array.from({ length: steps }, (_, s) =>
      engine.step(s * BATCH, BATCH, config.training.learningRate, s + 1),
    );
    expectClose(losses, ref.losses, 1e-5);
    // Under batch normalization a hidden layer's bias has a zero gradient up to rounding, which Adam
    // scales into ±lr steps of noise in either implementation; the network's outputs do not depend on it
    // (nor on the moving mean that follows it), so those two are not compared.
    const hidden = ((model as { hidden?: number[] }).hidden ?? []).length;
    const trainable = ref.final.length - (model.batchNorm ? 2 * hidden : 0);
    const noise = new Set(
      model.batchNorm
        ? Array.from({ length: hidden }, (_, i) => [1 + 4 * i, trainable + 2 * i]).flat()
        : [],
    );
    engine.getWeights().forEach((v, i) => {
      if (!noise.has(i)) expectClose(v, ref.final[i]!, 1e-5);
    });
    expect(engine.adamState().iterations).toBe(steps);
  });

  it('updates batch normalization moving statistics as tfjs-layers does', () => {
    // A learning rate too small to move the weights: the moving mean and variance then follow the batch
    // statistics of the same network in both implementations.
    const config = TrainConfig.parse({
      dataset: 'd',
      target: 't',
      task: 'regression',
      model: { type: 'mlp', hidden: [7, 5], batchNorm: true },
      training: { learningRate: 1e-9, batchSize: BATCH },
      seed: 2,
    });
    const { x, values } = problem(4, 3, 'regression');
    const y = tf.tensor2d(values, [ROWS, 1]);
    const ref = tfjsSteps(config, x, 3, 1, y, undefined, 3);
    const engine = new DenseEngine(denseNetSpec(config, 3, 1, BATCH), {
      x,
      rows: ROWS,
      y: values,
      weights: null,
    });
    engine.setWeights(ref.initial);
    engine.setOrder(Int32Array.from({ length: ROWS }, (_, i) => i));
    for (let s = 0; s < 3; s++) engine.step(s * BATCH, BATCH, 1e-9, s + 1);
    const got = engine.getWeights();
    // The last four: moving mean and variance of each normalization, which moved away from 0 and 1.
    for (let i = got.length - 4; i < got.length; i++) {
      expectClose(got[i]!, ref.final[i]!, 1e-5);
      expect(Array.from(got[i]!)).not.toEqual(Array.from(ref.initial[i]!));
    }
  });

  it('draws the same dropout masks for the same step, others for another step', () => {
    const config = TrainConfig.parse({
      dataset: 'd',
      target: 't',
      task: 'binary',
      model: { type: 'mlp', hidden: [32], dropout: 0.5 },
      training: { batchSize: BATCH },
      seed: 3,
    });
    const { x, labels } = problem(5, 4, 'binary');
    const make = () => {
      const e = new DenseEngine(denseNetSpec(config, 4, 1, BATCH), {
        x,
        rows: ROWS,
        y: Float32Array.from(labels),
        weights: null,
      });
      e.setWeights(
        buildModel(config, 4, 1)
          .getWeights()
          .map((t) => t.dataSync()),
      );
      e.setOrder(Int32Array.from({ length: ROWS }, (_, i) => i));
      return e;
    };
    const a = make();
    const b = make();
    expect(a.step(0, BATCH, 0.01, 1)).toBe(b.step(0, BATCH, 0.01, 1));
    expect(a.getWeights()).toEqual(b.getWeights());
    // Another step number, other masks: the same batch and weights give another loss.
    const c = make();
    expect(c.step(0, BATCH, 0.01, 2)).not.toBe(make().step(0, BATCH, 0.01, 1));
  });

  it('continues from saved weights and Adam state to the same result as without a stop', () => {
    const config = TrainConfig.parse({
      dataset: 'd',
      target: 't',
      task: 'multiclass',
      model: { type: 'mlp', hidden: [8] },
      training: { batchSize: BATCH, learningRate: 0.05 },
      seed: 1,
    });
    const { x, labels } = problem(9, 4, 'multiclass');
    const initial = buildModel(config, 4, 3)
      .getWeights()
      .map((t) => t.dataSync());
    const make = () => {
      const e = new DenseEngine(denseNetSpec(config, 4, 3, BATCH), {
        x,
        rows: ROWS,
        y: labels,
        weights: null,
      });
      e.setOrder(Int32Array.from({ length: ROWS }, (_, i) => ROWS - 1 - i));
      return e;
    };
    const straight = make();
    straight.setWeights(initial);
    for (let s = 0; s < 3; s++) straight.step(s * BATCH, BATCH, 0.05, s + 1);
    const first = make();
    first.setWeights(initial);
    first.step(0, BATCH, 0.05, 1);
    const resumed = make();
    resumed.setWeights(first.getWeights());
    resumed.setAdamState(first.adamState());
    for (let s = 1; s < 3; s++) resumed.step(s * BATCH, BATCH, 0.05, s + 1);
    expect(resumed.getWeights()).toEqual(straight.getWeights());
  });

  it('is chosen unless training.engine says tfjs', () => {
    const base = { dataset: 'd', target: 't', task: 'binary' as const, seed: 1 };
    expect(chooseEngine(TrainConfig.parse({ ...base, model: { type: 'mlp' } }))).toBe('fused');
    expect(
      chooseEngine(TrainConfig.parse({ ...base, model: { type: 'mlp', batchNorm: true } })),
    ).toBe('fused');
    expect(
      chooseEngine(
        TrainConfig.parse({ ...base, model: { type: 'mlp' }, training: { engine: 'tfjs' } }),
      ),
    ).toBe('tfjs');
  });
});
