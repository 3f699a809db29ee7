import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LatheError, type ColumnInfo, type TrainConfig } from '../../shared/contract';
import { createEngine } from '../data/engine';
import { textOrNull } from '../workspace/db';
import { initBackend } from './backend';
import { accuracy, f1Macro, regressionMetrics, rocAuc } from './metrics';
import {
  fitPreprocessing,
  planInputs,
  selectFeatures,
  transformColumns,
  type FittedPreprocessing,
  type RawColumn,
} from './preprocess';
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
  preprocessing: FittedPreprocessing;
  artifacts: TrainedArtifact[];
  rows: { train: number; validation: number; droppedNullTarget: number };
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
const num = (v: unknown): number | null =>
  typeof v === 'number'
    ? Number.isFinite(v)
      ? v
      : null
    : typeof v === 'bigint'
      ? Number(v)
      : null;

async function loadColumns(job: TrainJob, features: string[]) {
  const { config } = job;
  const { inputs, dropped } = planInputs(job.columns, features);
  const targetCol = job.columns.find((c) => c.name === config.target)!;
  if (
    config.task === 'regression' &&
    targetCol.kind !== 'numeric' &&
    targetCol.kind !== 'boolean'
  ) {
    throw new LatheError(
      'INVALID_CONFIG',
      `target: column '${config.target}' is ${targetCol.type}; a regression target must be numeric`,
      { field: 'target' },
    );
  }
  const targetSql =
    config.task === 'regression'
      ? `${quote(config.target)}::DOUBLE`
      : `${quote(config.target)}::VARCHAR`;
  const engine = await createEngine();
  try {
    const select = inputs
      .map((p, i) => `${p.sql} AS c${i}`)
      .concat(`${targetSql} AS t`)
      .join(', ');
    const result = await engine.columns(
      `SELECT ${select} FROM read_parquet('${job.parquetPath.replace(/'/g, "''")}', file_row_number = true)
       WHERE ${quote(config.target)} IS NOT NULL ORDER BY file_row_number`,
    );
    const [{ n: total } = { n: 0 }] = await engine.all<{ n: bigint }>(
      `SELECT count(*) AS n FROM read_parquet('${job.parquetPath.replace(/'/g, "''")}')`,
    );
    const raw: RawColumn[] = inputs.map((p, i) =>
      p.kind === 'numeric'
        ? { name: p.name, kind: 'numeric', values: result.values[i]!.map(num) }
        : { name: p.name, kind: 'categorical', values: result.values[i]!.map(textOrNull) },
    );
    const t = result.values[inputs.length]!;
    const targetValues = config.task === 'regression' ? t.map(num) : t.map(textOrNull);
    return { raw, targetValues, dropped, droppedNullTarget: Number(total) - t.length };
  } finally {
    engine.close();
  }
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
  const features = selectFeatures(config, job.columns);
  const { raw, targetValues, dropped, droppedNullTarget } = await loadColumns(job, features);
  const n = targetValues.length;
  const nVal = Math.round(n * config.training.validationFraction);
  if (n < 4 || nVal < 1 || n - nVal < 2) {
    throw new LatheError(
      'INVALID_CONFIG',
      `dataset '${config.dataset}' has ${n} usable rows: too few to train and validate`,
    );
  }
  const order = permutation(n, createRng(config.seed));
  const valIdx = order.slice(0, nVal).sort();
  const trainIdx = order.slice(nVal).sort();

  const fitted = fitPreprocessing({
    task: config.task,
    target: config.target,
    inputs: raw,
    targetValues,
    train: trainIdx,
    dropped,
  });
  const width = fitted.featureNames.length;
  const classes = fitted.targetSpec.kind === 'classes' ? fitted.targetSpec.classes : [];
  const outputDim = config.task === 'multiclass' ? classes.length : 1;
  const classIndex = new Map(classes.map((c, i) => [c, i]));

  const labelsOf = (rows: Int32Array): Int32Array =>
    Int32Array.from(rows, (i) => classIndex.get(String(targetValues[i]))!);
  const regOf = (rows: Int32Array): Float64Array =>
    Float64Array.from(rows, (i) => targetValues[i] as number);
  const spec = fitted.targetSpec;
  const yTensor = (rows: Int32Array): tf.Tensor2D => {
    if (config.task === 'regression' && spec.kind === 'regression') {
      return tf.tensor2d(
        Float32Array.from(regOf(rows), (v) => (v - spec.mean) / spec.std),
        [rows.length, 1],
      );
    }
    const labels = labelsOf(rows);
    if (config.task === 'binary') return tf.tensor2d(Float32Array.from(labels), [rows.length, 1]);
    return tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), outputDim), 'float32') as tf.Tensor2D;
  };

  const xTrain = tf.tensor2d(transformColumns(fitted, raw, trainIdx), [trainIdx.length, width]);
  const yTrain = yTensor(trainIdx);
  const xVal = tf.tensor2d(transformColumns(fitted, raw, valIdx), [valIdx.length, width]);
  const valLabels = config.task === 'regression' ? null : labelsOf(valIdx);
  const valActual = config.task === 'regression' ? regOf(valIdx) : null;

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
  const batchSize = config.training.batchSize ?? defaultBatchSize(trainIdx.length);
  let finalMetrics: Record<string, number> = {};
  const evaluate = (): { valLoss: number; metrics: Record<string, number> } => {
    const out = tf.tidy(() => (model.predict(xVal) as tf.Tensor).dataSync() as Float32Array);
    const m = valIdx.length;
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
    const s = spec as { mean: number; std: number };
    const predicted = Float64Array.from(out, (z) => z * s.std + s.mean);
    const r = regressionMetrics(valActual!, predicted);
    return {
      valLoss: r.mse / (s.std * s.std),
      metrics: { val_rmse: r.rmse, val_mae: r.mae, val_r2: r.r2 },
    };
  };

  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const perm = permutation(trainIdx.length, rng);
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
    artifacts.push({
      path: 'preprocessing.json',
      bytes: new TextEncoder().encode(JSON.stringify(fitted, null, 2)),
    });
    return {
      backend,
      metrics: finalMetrics,
      params: {
        'training.batchSize': String(batchSize),
        features: features.join(','),
        inputDim: String(width),
        optimizer: 'adam',
      },
      preprocessing: fitted,
      artifacts,
      rows: { train: trainIdx.length, validation: valIdx.length, droppedNullTarget },
    };
  } finally {
    xTrain.dispose();
    yTrain.dispose();
    xVal.dispose();
    optimizer.dispose();
    model.dispose();
  }
}
