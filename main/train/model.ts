// The network a config describes, as a tfjs-layers model (the model of record: validation, checkpoints and
// saving read it) and as the fused engine's spec of the same layers, plus the loss both engines share.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { TrainConfig } from '../../shared/contract';
import { modelWeights } from './checkpoint';
import type { DenseNetSpec } from './kernel/dense-engine';

/** A file of a trained model, relative to the run's artifact folder. */
export interface TrainedArtifact {
  path: string;
  bytes: Uint8Array<ArrayBuffer>;
}

/** The tfjs-layers model of a config: dense layers with seeded initializers, batch norm, dropout. */
export function buildModel(
  config: TrainConfig,
  inputDim: number,
  outputDim: number,
): tfl.Sequential {
  const model = tfl.sequential();
  const spec = config.model;
  const hidden = spec.type === 'mlp' ? (spec.hidden ?? [64, 64]) : [];
  const activation = spec.activation ?? 'relu';
  const l1 = spec.l1 ?? 0;
  const l2 = spec.l2 ?? 0;
  const kernelRegularizer = l1 || l2 ? tfl.regularizers.l1l2({ l1, l2 }) : undefined;
  const dropout = spec.dropout ?? 0;
  const hiddenInit = (seed: number) =>
    activation === 'selu'
      ? tfl.initializers.leCunNormal({ seed })
      : activation === 'tanh'
        ? tfl.initializers.glorotUniform({ seed })
        : tfl.initializers.heNormal({ seed });
  hidden.forEach((units, i) => {
    model.add(
      tfl.layers.dense({
        units,
        // With batch norm the activation follows the normalization.
        activation: spec.batchNorm ? 'linear' : activation,
        kernelInitializer: hiddenInit(config.seed + i),
        ...(kernelRegularizer ? { kernelRegularizer } : {}),
        ...(i === 0 ? { inputShape: [inputDim] } : {}),
      }),
    );
    if (spec.batchNorm) {
      model.add(tfl.layers.batchNormalization());
      model.add(tfl.layers.activation({ activation }));
    }
    if (dropout > 0) model.add(tfl.layers.dropout({ rate: dropout, seed: config.seed + 1000 + i }));
  });
  model.add(
    tfl.layers.dense({
      units: outputDim,
      kernelInitializer: tfl.initializers.glorotUniform({ seed: config.seed + hidden.length }),
      ...(kernelRegularizer ? { kernelRegularizer } : {}),
      ...(hidden.length === 0 ? { inputShape: [inputDim] } : {}),
    }),
  );
  return model;
}

/** Serializes a layers model to the tfjs `model.json` + `weights.bin` pair. */
export async function saveModel(model: tfl.LayersModel): Promise<TrainedArtifact[]> {
  const { specs, data: weights, topology } = await modelWeights(model);
  const modelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tfl.version_layers}`,
    convertedBy: null,
    modelTopology: topology,
    weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
  };
  return [
    { path: 'model/model.json', bytes: new TextEncoder().encode(JSON.stringify(modelJson)) },
    { path: 'model/weights.bin', bytes: new Uint8Array(weights) },
  ];
}

/**
 * `tf.losses.sigmoidCrossEntropy` (the same forward arithmetic, so the same loss values) with its gradient
 * written out, (sigmoid(z) − y) · w / n: one node on the gradient tape instead of ~20 kernels of
 * backpropagation through the stable formula, at every step.
 */
export function sigmoidCrossEntropy(y: tf.Tensor, logits: tf.Tensor, w?: tf.Tensor): tf.Scalar {
  const f = tf.customGrad((z, save) => {
    const zt = z as tf.Tensor;
    const losses = tf.add(tf.sub(tf.relu(zt), tf.mul(zt, y)), tf.log1p(tf.exp(tf.neg(tf.abs(zt)))));
    // Weighted: the sum over the count of non-zero weights (tfjs's SUM_BY_NONZERO_WEIGHTS).
    const n = w
      ? tf.cast(tf.sum(tf.notEqual(tf.mul(w, tf.onesLike(losses)), 0)), 'float32')
      : tf.scalar(losses.size);
    const value = tf.div(tf.sum(w ? tf.mul(losses, w) : losses), n);
    (save as tf.GradSaveFunc)([zt, n]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [zs, ns] = saved as [tf.Tensor, tf.Tensor];
        const g = tf.sub(tf.sigmoid(zs), y);
        return tf.mul(tf.div(w ? tf.mul(g, w) : g, ns), dy);
      },
    };
  });
  return f(logits) as tf.Scalar;
}

/** The network of buildModel(config, inputDim, outputDim) as the fused engine's spec. */
export function denseNetSpec(
  config: TrainConfig,
  inputDim: number,
  outputDim: number,
  batchSize: number,
): DenseNetSpec {
  const spec = config.model;
  const hidden = spec.type === 'mlp' ? (spec.hidden ?? [64, 64]) : [];
  const dropout = spec.dropout ?? 0;
  return {
    inputDim,
    layers: [
      ...hidden.map((units, i) => ({
        units,
        activation: spec.activation ?? 'relu',
        dropout,
        dropoutSeed: config.seed + 1000 + i,
        batchNorm: spec.batchNorm ?? false,
      })),
      { units: outputDim, activation: 'linear' as const, dropout: 0, dropoutSeed: 0 },
    ],
    loss: config.task === 'binary' ? 'binary' : config.task === 'multiclass' ? 'softmax' : 'mse',
    l1: spec.l1 ?? 0,
    l2: spec.l2 ?? 0,
    batchSize,
  };
}
