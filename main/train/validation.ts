// A trained model on the validation rows: its raw outputs (a tfjs network's predictions in batches), and
// permutation importance (the rise in the validation loss when one feature's values are shuffled). The
// loss and metrics themselves are validation-score.ts's.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { createRng, permutation } from './random';
import type { Scorer } from './validation-score';

/**
 * Rows per forward pass when predicting validation rows (tfjs's default, 32, makes a pass per 32 rows):
 * large enough that per-op overhead vanishes, small enough that activations of millions of rows fit.
 */
export const PREDICT_BATCH = 8192;

/**
 * A trained model as validation, importance and saving see it, whatever its kind (a tfjs network, a
 * gradient-boosted tree ensemble): raw outputs [rows, outputs] of row-major features.
 */
export interface TrainedModel {
  predict(x: Float32Array, rows: number): Float32Array;
  dispose(): void;
}

/** A tfjs model of `width` inputs as a TrainedModel (dispose disposes the model). */
export function tfjsTrainedModel(model: tfl.LayersModel, width: number): TrainedModel {
  return {
    predict: (x, rows) => predict(model, x, rows, width),
    dispose: () => model.dispose(),
  };
}

/**
 * The model's raw outputs on `rows` rows of `width` features, PREDICT_BATCH rows a pass. Each pass gets a
 * tensor of its own rows: tfjs's own batching slices one tensor of every row, and the WebAssembly
 * backend's slice copies the whole tensor out of its heap for each slice, so the copies grew with the
 * square of the rows (40,000 rows of 105 features: 1.5 s of an evaluation's 4.5 s). The passes are
 * tfjs's, so the outputs are the same.
 */
export function predict(
  model: tfl.LayersModel,
  x: Float32Array,
  rows: number,
  width: number,
): Float32Array {
  let out: Float32Array | null = null;
  for (let start = 0; start < rows; start += PREDICT_BATCH) {
    const n = Math.min(PREDICT_BATCH, rows - start);
    const part = tf.tidy(() => {
      const batch = tf.tensor2d(x.subarray(start * width, (start + n) * width), [n, width]);
      const y = model.predict(batch, { batchSize: n });
      // A multi-output model's first output is its prediction (evaluate loads saved models through here).
      return (Array.isArray(y) ? y[0]! : y).dataSync() as Float32Array;
    });
    const outputs = part.length / n;
    out ??= new Float32Array(rows * outputs);
    out.set(part, start * outputs);
  }
  return out ?? new Float32Array(0);
}

/** Rise in validation loss when one feature's values are shuffled among the validation rows. */
export async function permutationImportance(
  /** The model's raw outputs on `rows` rows (TrainedModel's predict, or a threaded scorer's). */
  predict: (x: Float32Array, rows: number) => Float32Array | Promise<Float32Array>,
  xVal: Float32Array,
  rows: number,
  featureNames: string[],
  score: Scorer,
  seed: number,
  /** Called before each feature is shuffled: it throws to stop (a cancelled run). */
  check: () => void = () => {},
): Promise<Record<string, number>> {
  const width = featureNames.length;
  const base = score(await predict(xVal, rows)).valLoss;
  const rng = createRng(seed ^ 0x2545f491);
  const out: Record<string, number> = {};
  const shuffled = Float32Array.from(xVal);
  for (const [k, name] of featureNames.entries()) {
    check();
    const order = permutation(rows, rng);
    for (let r = 0; r < rows; r++) shuffled[r * width + k] = xVal[order[r]! * width + k]!;
    out[name] = score(await predict(shuffled, rows)).valLoss - base;
    for (let r = 0; r < rows; r++) shuffled[r * width + k] = xVal[r * width + k]!;
  }
  return out;
}
