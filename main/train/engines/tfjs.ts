// TensorFlow.js kernels behind the StepEngine seam: each step runs the layers model itself under
// FlatAdamOptimizer (tfjs's Adam, bit for bit), so its weights are the model's and need no syncing.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { FlatAdamOptimizer } from '../flat-adam';
import { sigmoidCrossEntropy } from '../model';
import type { EngineInput, StepEngine } from './step-engine';

/** Dropout layers, whose seed the training loop moves on every step (a fixed seed is a fixed mask). */
type SeededDropout = tfl.layers.Layer & { seed?: number };

/** A tfjs engine training `model` in place on the pass's rows. */
export function createTfjsEngine({ config, model, rows, outputDim }: EngineInput): StepEngine {
  const { task } = config;
  const x = tf.tensor2d(rows.x, [rows.rows, rows.width]);
  const y = tf.tidy(() =>
    task === 'multiclass'
      ? (tf.cast(tf.oneHot(tf.tensor1d(rows.y, 'int32'), outputDim), 'float32') as tf.Tensor2D)
      : tf.tensor2d(rows.y, [rows.rows, 1]),
  );
  // Per-example loss weights: [rows, 1] for binary (like its labels), [rows] for multiclass.
  const w = rows.weights
    ? tf.tensor(rows.weights, task === 'binary' ? [rows.rows, 1] : [rows.rows])
    : null;
  const lossFn = (yb: tf.Tensor, logits: tf.Tensor, wb?: tf.Tensor): tf.Scalar =>
    task === 'binary'
      ? sigmoidCrossEntropy(yb, logits, wb)
      : task === 'multiclass'
        ? tf.losses.softmaxCrossEntropy(yb, logits, wb)
        : tf.losses.meanSquaredError(yb, logits);
  const optimizer = new FlatAdamOptimizer(config.training.learningRate);
  // tfjs declares them private; they are the same accumulators the checkpoint saves.
  const adamAcc = optimizer as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable };
  // Adam reads its learningRate field on every step, so a schedule can set it between epochs.
  const adamLr = optimizer as unknown as { learningRate: number };
  const dropouts = model.layers.filter((l) => l.getClassName() === 'Dropout') as SeededDropout[];
  const dropoutSeeds = dropouts.map((l) => l.seed ?? 0);
  let order: Int32Array = new Int32Array(0);
  return {
    beginEpoch(epochOrder, lr) {
      order = epochOrder;
      adamLr.learningRate = lr;
    },
    step(start, count, step) {
      const idx = tf.tensor1d(order.subarray(start, start + count), 'int32');
      dropouts.forEach((l, k) => (l.seed = dropoutSeeds[k]! + step * 7919));
      // Gathered outside the gradient function: the tape keeps a copy of every op's inputs, and
      // on wasm that copy of the whole training matrix would be made at every step.
      const xb = tf.gather(x, idx);
      const yb = tf.gather(y, idx);
      const wb = w ? tf.gather(w, idx) : undefined;
      idx.dispose();
      const cost = optimizer.minimize(() => {
        const loss = lossFn(yb, model.apply(xb, { training: true }) as tf.Tensor, wb);
        // The layers' kernel regularizers: a custom loop adds their losses itself.
        const penalties = model.layers.flatMap((l) => l.calculateLosses());
        return penalties.length ? tf.addN<tf.Scalar>([loss, ...penalties]) : loss;
      }, true);
      tf.dispose([xb, yb, ...(wb ? [wb] : [])]);
      if (!cost) return 0;
      const loss = cost.dataSync()[0]!;
      cost.dispose();
      return loss;
    },
    syncModel() {},
    async saveOptimizer() {
      const accBeta: [number, number] = [
        adamAcc.accBeta1.dataSync()[0]!,
        adamAcc.accBeta2.dataSync()[0]!,
      ];
      return { weights: await optimizer.getWeights(), accBeta };
    },
    async restoreOptimizer({ weights, accBeta }) {
      await optimizer.setWeights(
        weights,
        model.trainableWeights.map((v) => v.read() as tf.Variable),
      );
      adamAcc.accBeta1.assign(tf.scalar(accBeta[0]));
      adamAcc.accBeta2.assign(tf.scalar(accBeta[1]));
    },
    dispose() {
      tf.dispose([x, y, ...(w ? [w] : [])]);
      optimizer.dispose();
    },
  };
}
