// The fused engine (kernel/dense-engine.ts) behind the StepEngine seam: whole Adam steps in one
// WebAssembly module, with the tfjs model as the model of record it reads weights from and writes them to.
import * as tf from '@tensorflow/tfjs-core';
import { DenseEngine } from '../kernel/dense-engine';
import { denseNetSpec } from '../model';
import type { EngineInput, StepEngine } from './step-engine';

/** A fused engine over the pass's rows, starting from the model's current weights. */
export function createFusedEngine({
  config,
  model,
  rows,
  outputDim,
  batchSize,
}: EngineInput): StepEngine {
  const engine = new DenseEngine(denseNetSpec(config, rows.width, outputDim, batchSize), {
    x: rows.x,
    rows: rows.rows,
    y: rows.y,
    weights: rows.weights,
  });
  engine.setWeights(model.getWeights().map((w) => w.dataSync() as Float32Array));
  /** The model's variables, in the order of its trainable weights (and the engine's vectors). */
  const variables = () => model.trainableWeights.map((w) => w.read() as tf.Variable);
  let lr = 0;
  return {
    beginEpoch(order, epochLr) {
      engine.setOrder(order);
      lr = epochLr;
    },
    step: (start, count, step) => engine.step(start, count, lr, step),
    syncModel() {
      const shapes = model.getWeights().map((w) => w.shape);
      tf.tidy(() => model.setWeights(engine.getWeights().map((v, i) => tf.tensor(v, shapes[i]))));
    },
    saveOptimizer() {
      const state = engine.adamState();
      const vars = variables();
      const named = (suffix: string, values: Float32Array[]) =>
        values.map((v, i) => ({
          name: `${vars[i]!.name}/${suffix}`,
          tensor: tf.tensor(v, vars[i]!.shape),
        }));
      return Promise.resolve({
        weights: [
          { name: 'iter', tensor: tf.scalar(state.iterations, 'int32') },
          ...named('m', state.m),
          ...named('v', state.v),
        ],
        accBeta: engine.accBeta(),
      });
    },
    restoreOptimizer({ weights, accBeta }, step) {
      const moments = weights.filter((w) => w.name !== 'iter');
      const count = moments.length / 2;
      engine.setAdamState({
        iterations: step,
        accBeta1: accBeta[0],
        accBeta2: accBeta[1],
        m: moments.slice(0, count).map((w) => w.tensor.dataSync() as Float32Array),
        v: moments.slice(count).map((w) => w.tensor.dataSync() as Float32Array),
      });
      return Promise.resolve();
    },
    // The engine's WebAssembly memory goes with it to the garbage collector.
    dispose() {},
  };
}
