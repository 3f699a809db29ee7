import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LatheError, type ColumnInfo, type TrainConfig } from '../../shared/contract';
import { initBackend } from './backend';
import { accuracy, f1Macro, regressionMetrics, rocAuc } from './metrics';
import type { FittedFeatureSpec } from '../../shared/contract/features';
import { prepareTrainingData, type SplitMatrix } from './dataset';
import { createRng, permutation } from './random';

/** Everything a training needs; plain data so it can cross into a worker thread. */
export interface TrainJob {
  runId: string;
  config: TrainConfig;
  parquetPath: string;
  columns: ColumnInfo[];
  latheVersion: string;
}

export interface EpochReport {
  epoch: number;
  epochs: number;
  loss: number;
  valLoss: number;
  metrics: Record<string, number>;
  elapsedMs: number;
}

export interface TrainHooks {
  onEpoch?(report: EpochReport): void;
  /** Polled between batches; true stops the training with CANCELLED. */
  isCancelled?(): boolean;
  log?(message: string): void;
}

export interface TrainedArtifact {
  path: string;
  bytes: Uint8Array<ArrayBuffer>;
}

export interface TrainResult {
  backend: string;
  metrics: Record<string, number>;
  params: Record<string, string>;
  fitted: FittedFeatureSpec;
  /** Leakage and data warnings a user should read. */
  warnings: string[];
  artifacts: TrainedArtifact[];
  rows: { train: number; validation: number; test: number; droppedNullTarget: number };
}

function buildModel(config: TrainConfig, inputDim: number, outputDim: number): tfl.Sequential {
  const model = tfl.sequential();
  const hidden = config.model.type === 'mlp' ? (config.model.hidden ?? [64, 64]) : [];
  hidden.forEach((units, i) => {
    model.add(
      tfl.layers.dense({
        units,
        activation: 'relu',
        kernelInitializer: tfl.initializers.heNormal({ seed: config.seed + i }),
        ...(i === 0 ? { inputShape: [inputDim] } : {}),
      }),
    );
  });
  model.add(
    tfl.layers.dense({
      units: outputDim,
      kernelInitializer: tfl.initializers.glorotUniform({ seed: config.seed + hidden.length }),
      ...(hidden.length === 0 ? { inputShape: [inputDim] } : {}),
    }),
  );
  return model;
}

/** Serializes a layers model to the tfjs `model.json` + `weights.bin` pair. */
async function saveModel(model: tfl.LayersModel): Promise<TrainedArtifact[]> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved?.weightData || !saved.weightSpecs)
    throw new Error('model serialization produced no weights');
  const weights = tf.io.CompositeArrayBuffer.join(saved.weightData);
  const modelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tfl.version_layers}`,
    convertedBy: null,
    modelTopology: saved.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: saved.weightSpecs }],
  };
  return [
    { path: 'model/model.json', bytes: new TextEncoder().encode(JSON.stringify(modelJson)) },
    { path: 'model/weights.bin', bytes: new Uint8Array(weights) },
  ];
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** 256, or smaller on small data so an epoch still takes about 50 optimizer steps. */
export function defaultBatchSize(trainRows: number): number {
  return Math.max(16, Math.min(256, Math.ceil(trainRows / 50)));
}

/**
 * Trains one model: reads the dataset version, splits it with the seed, fits preprocessing on the training
 * split, trains with Adam in seeded mini-batches, reports every epoch, and returns metrics and artifacts.
 */
export async function train(job: TrainJob, hooks: TrainHooks = {}): Promise<TrainResult> {
  const { config } = job;
  const started = Date.now();
  const backend = await initBackend();
  const data = await prepareTrainingData(config, job.parquetPath, job.columns);
  const { width, target } = data;
  const classes = target.kind === 'classes' ? target.classes : [];
  const outputDim = config.task === 'multiclass' ? classes.length : 1;
  const yTensor = (m: SplitMatrix): tf.Tensor2D => {
    if (target.kind === 'regression') {
      return tf.tensor2d(
        Float32Array.from(m.values, (v) => (v - target.mean) / target.std),
        [m.rows, 1],
      );
    }
    if (config.task === 'binary') return tf.tensor2d(Float32Array.from(m.labels), [m.rows, 1]);
    return tf.cast(tf.oneHot(tf.tensor1d(m.labels, 'int32'), outputDim), 'float32') as tf.Tensor2D;
  };

  const xTrain = tf.tensor2d(data.train.x, [data.train.rows, width]);
  const yTrain = yTensor(data.train);
  const xVal = tf.tensor2d(data.valid.x, [data.valid.rows, width]);
  const valLabels = config.task === 'regression' ? null : data.valid.labels;
  const valActual = config.task === 'regression' ? data.valid.values : null;
  const trainRows = data.train.rows;

  const model = buildModel(config, width, outputDim);
  const optimizer = tf.train.adam(config.training.learningRate);
  const lossFn = (y: tf.Tensor, logits: tf.Tensor): tf.Scalar =>
    config.task === 'binary'
      ? tf.losses.sigmoidCrossEntropy(y, logits)
      : config.task === 'multiclass'
        ? tf.losses.softmaxCrossEntropy(y, logits)
        : tf.losses.meanSquaredError(y, logits);

  const rng = createRng(config.seed ^ 0x5bd1e995);
  const { epochs } = config.training;
  const batchSize = config.training.batchSize ?? defaultBatchSize(trainRows);
  let finalMetrics: Record<string, number> = {};
  const evaluate = (): { valLoss: number; metrics: Record<string, number> } => {
    const out = tf.tidy(() => (model.predict(xVal) as tf.Tensor).dataSync() as Float32Array);
    const m = data.valid.rows;
    const eps = 1e-7;
    if (config.task === 'binary') {
      const p = Float32Array.from(out, sigmoid);
      let ll = 0;
      const predicted = new Int32Array(m);
      for (let i = 0; i < m; i++) {
        const y = valLabels![i]!;
        const pi = Math.min(1 - eps, Math.max(eps, p[i]!));
        ll -= y ? Math.log(pi) : Math.log(1 - pi);
        predicted[i] = p[i]! >= 0.5 ? 1 : 0;
      }
      const auc = rocAuc(valLabels!, p);
      return {
        valLoss: ll / m,
        metrics: {
          val_accuracy: accuracy(valLabels!, predicted),
          ...(Number.isNaN(auc) ? {} : { val_auc: auc }),
        },
      };
    }
    if (config.task === 'multiclass') {
      let ll = 0;
      const predicted = new Int32Array(m);
      for (let i = 0; i < m; i++) {
        const row = out.subarray(i * outputDim, (i + 1) * outputDim);
        let max = -Infinity;
        let arg = 0;
        for (let c = 0; c < outputDim; c++) if (row[c]! > max) [max, arg] = [row[c]!, c];
        let z = 0;
        for (let c = 0; c < outputDim; c++) z += Math.exp(row[c]! - max);
        ll -= row[valLabels![i]!]! - max - Math.log(z);
        predicted[i] = arg;
      }
      return {
        valLoss: ll / m,
        metrics: {
          val_accuracy: accuracy(valLabels!, predicted),
          val_f1_macro: f1Macro(valLabels!, predicted, outputDim),
        },
      };
    }
    const s = target as { mean: number; std: number };
    const predicted = Float64Array.from(out, (z) => z * s.std + s.mean);
    const r = regressionMetrics(valActual!, predicted);
    return {
      valLoss: r.mse / (s.std * s.std),
      metrics: { val_rmse: r.rmse, val_mae: r.mae, val_r2: r.r2 },
    };
  };

  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const perm = permutation(trainRows, rng);
      let lossSum = 0;
      let batches = 0;
      for (let start = 0; start < perm.length; start += batchSize) {
        if (hooks.isCancelled?.())
          throw new LatheError('CANCELLED', `run ${job.runId} was cancelled`);
        const idx = tf.tensor1d(
          perm.subarray(start, Math.min(start + batchSize, perm.length)),
          'int32',
        );
        const cost = optimizer.minimize(() => {
          const xb = tf.gather(xTrain, idx);
          const yb = tf.gather(yTrain, idx);
          return lossFn(yb, model.apply(xb, { training: true }) as tf.Tensor);
        }, true);
        idx.dispose();
        if (cost) {
          lossSum += cost.dataSync()[0]!;
          cost.dispose();
        }
        batches++;
      }
      const { valLoss, metrics } = evaluate();
      const loss = lossSum / Math.max(1, batches);
      finalMetrics = { loss, val_loss: valLoss, ...metrics };
      hooks.onEpoch?.({ epoch, epochs, loss, valLoss, metrics, elapsedMs: Date.now() - started });
    }
    const artifacts = await saveModel(model);
    const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value, null, 2));
    artifacts.push(
      { path: 'features/spec.json', bytes: json(data.spec) },
      { path: 'features/fitted.json', bytes: json(data.fitted) },
      { path: 'split.json', bytes: json(data.rule) },
      {
        path: 'target.json',
        bytes: json({ task: config.task, column: config.target, ...data.target }),
      },
    );
    return {
      backend,
      metrics: finalMetrics,
      params: {
        'training.batchSize': String(batchSize),
        features: data.features.join(','),
        'featureSpec.hash': data.fitted.specHash,
        'featureSpec.source': config.featureSpec ? 'config' : 'default',
        'split.method': data.rule.method,
        ...(data.rule.column ? { 'split.column': data.rule.column } : {}),
        'split.testFraction': String(data.rule.testFraction),
        inputDim: String(width),
        optimizer: 'adam',
        ...Object.fromEntries(data.dropped.map((d) => [`dropped.${d.column}`, d.reason])),
      },
      fitted: data.fitted,
      warnings: data.warnings,
      artifacts,
      rows: {
        train: data.counts.train,
        validation: data.counts.valid,
        test: data.counts.test,
        droppedNullTarget: data.droppedNullTarget,
      },
    };
  } finally {
    xTrain.dispose();
    yTrain.dispose();
    xVal.dispose();
    optimizer.dispose();
    model.dispose();
  }
}
