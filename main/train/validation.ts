// Scoring a model on the validation rows: the loss and metrics reported every epoch, and permutation
// importance (the rise in that loss when one feature's values are shuffled).
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { TrainConfig } from '../../shared/contract';
import type { SplitMatrix, TargetSpec } from './dataset';
import { accuracy, f1Macro, regressionMetrics, rocAuc } from './metrics';
import { createRng, permutation } from './random';

/**
 * Rows per forward pass when predicting validation rows (tfjs's default, 32, makes a pass per 32 rows):
 * large enough that per-op overhead vanishes, small enough that activations of millions of rows fit.
 */
export const PREDICT_BATCH = 8192;

export interface ValidationScore {
  valLoss: number;
  metrics: Record<string, number>;
}

/** Validation loss and metrics of raw model outputs ([rows, outputDim] logits or standardized values). */
export type Scorer = (out: Float32Array) => ValidationScore;

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** The scorer of a task's validation rows. */
export function createScorer(
  task: TrainConfig['task'],
  target: TargetSpec,
  valid: SplitMatrix,
  outputDim: number,
): Scorer {
  const m = valid.rows;
  const valLabels = valid.labels;
  const eps = 1e-7;
  // Plain loops without allocations per row: a GBDT scores its validation rows every round, and
  // from(…, map), subarray views and array destructuring made that 110 ms per round of 200,000 rows.
  if (task === 'binary') {
    return (out) => {
      const p = new Float32Array(m);
      for (let i = 0; i < m; i++) p[i] = sigmoid(out[i]!);
      let ll = 0;
      const predicted = new Int32Array(m);
      for (let i = 0; i < m; i++) {
        const y = valLabels[i]!;
        const pi = Math.min(1 - eps, Math.max(eps, p[i]!));
        ll -= y ? Math.log(pi) : Math.log(1 - pi);
        predicted[i] = p[i]! >= 0.5 ? 1 : 0;
      }
      const auc = rocAuc(valLabels, p);
      return {
        valLoss: ll / m,
        metrics: {
          val_accuracy: accuracy(valLabels, predicted),
          ...(Number.isNaN(auc) ? {} : { val_auc: auc }),
        },
      };
    };
  }
  if (task === 'multiclass') {
    return (out) => {
      let ll = 0;
      const predicted = new Int32Array(m);
      for (let i = 0; i < m; i++) {
        const at = i * outputDim;
        let max = -Infinity;
        let arg = 0;
        for (let c = 0; c < outputDim; c++) {
          if (out[at + c]! > max) {
            max = out[at + c]!;
            arg = c;
          }
        }
        let z = 0;
        for (let c = 0; c < outputDim; c++) z += Math.exp(out[at + c]! - max);
        ll -= out[at + valLabels[i]!]! - max - Math.log(z);
        predicted[i] = arg;
      }
      return {
        valLoss: ll / m,
        metrics: {
          val_accuracy: accuracy(valLabels, predicted),
          val_f1_macro: f1Macro(valLabels, predicted, outputDim),
        },
      };
    };
  }
  const s = target as { mean: number; std: number };
  const valActual = valid.values;
  return (out) => {
    const predicted = new Float64Array(m);
    for (let i = 0; i < m; i++) predicted[i] = out[i]! * s.std + s.mean;
    const r = regressionMetrics(valActual, predicted);
    return {
      valLoss: r.mse / (s.std * s.std),
      metrics: { val_rmse: r.rmse, val_mae: r.mae, val_r2: r.r2 },
    };
  };
}

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

/** The model's raw outputs on `rows` rows of `width` features. */
export function predict(
  model: tfl.LayersModel,
  x: Float32Array | tf.Tensor2D,
  rows: number,
  width: number,
): Float32Array {
  return tf.tidy(() => {
    const out = model.predict(x instanceof tf.Tensor ? x : tf.tensor2d(x, [rows, width]), {
      batchSize: PREDICT_BATCH,
    });
    // A multi-output model's first output is its prediction (evaluate loads saved models through here).
    return (Array.isArray(out) ? out[0]! : out).dataSync() as Float32Array;
  });
}

/** Rise in validation loss when one feature's values are shuffled among the validation rows. */
export function permutationImportance(
  model: TrainedModel,
  xVal: Float32Array,
  rows: number,
  featureNames: string[],
  score: Scorer,
  seed: number,
  /** Called before each feature is shuffled: it throws to stop (a cancelled run). */
  check: () => void = () => {},
): Record<string, number> {
  const width = featureNames.length;
  const base = score(model.predict(xVal, rows)).valLoss;
  const rng = createRng(seed ^ 0x2545f491);
  const out: Record<string, number> = {};
  const shuffled = Float32Array.from(xVal);
  featureNames.forEach((name, k) => {
    check();
    const order = permutation(rows, rng);
    for (let r = 0; r < rows; r++) shuffled[r * width + k] = xVal[order[r]! * width + k]!;
    out[name] = score(model.predict(shuffled, rows)).valLoss - base;
    for (let r = 0; r < rows; r++) shuffled[r * width + k] = xVal[r * width + k]!;
  });
  return out;
}
