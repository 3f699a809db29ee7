import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LatheError, type ColumnInfo, type TrainConfig } from '../../shared/contract';
import { initBackend } from './backend';
import { accuracy, f1Macro, regressionMetrics, rocAuc } from './metrics';
import type { FittedFeatureSpec } from '../../shared/contract/features';
import { prepareTrainingData, type SplitMatrix } from './dataset';
import {
  selectByFilter,
  selectByImportance,
  subsetColumns,
  type SelectionResult,
} from './selection';
import { createRng, permutation } from './random';
import {
  decodeCheckpoint,
  encodeCheckpoint,
  modelWeights,
  type Checkpoint,
  type CheckpointState,
} from './checkpoint';
import { createLrScheduler, EarlyStopper, metricValue } from './schedules';
import { FlatAdamOptimizer } from './flat-adam';
import { DenseEngine, type DenseNetSpec } from './kernel/dense-engine';
import { chooseEngine } from './kernel/engine-choice';

/** Everything a training needs; plain data so it can cross into a worker thread. */
export interface TrainJob {
  runId: string;
  config: TrainConfig;
  parquetPath: string;
  columns: ColumnInfo[];
  latheVersion: string;
  /** A checkpoint (checkpoint.ts) to continue from instead of starting fresh. */
  resume?: Uint8Array;
  /** Train on this share of the training rows (learning curves); default all. */
  trainFraction?: number;
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
  /** After every epoch: the encoded checkpoint (checkpoint.ts) and the metric step of that epoch. */
  onCheckpoint?(bytes: Uint8Array<ArrayBuffer>, step: number): void;
  /** The data is prepared and a training loop starts (bench/train-vs-pytorch.mjs times from here). */
  onFitStart?(): void;
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
  /**
   * Set when early stopping restored an earlier epoch's weights: the step after the last reported epoch,
   * where the restored model's metrics are logged so they become the run's latest.
   */
  finalStep?: number;
}

/** Dropout layers, whose seed the training loop moves on every step (a fixed seed is a fixed mask). */
type SeededDropout = tfl.layers.Layer & { seed?: number };

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

/** Per-class loss weights: 'balanced' gives n / (k · n_c); a map names classes (others weigh 1). */
export function classWeightsFor(
  spec: 'balanced' | Record<string, number>,
  classes: string[],
  labels: Int32Array | ArrayLike<number>,
): number[] {
  if (spec === 'balanced') {
    const counts = new Array<number>(classes.length).fill(0);
    for (let i = 0; i < labels.length; i++) counts[labels[i]!]!++;
    const k = counts.filter((c) => c > 0).length;
    return counts.map((c) => (c > 0 ? labels.length / (k * c) : 1));
  }
  const unknown = Object.keys(spec).filter((c) => !classes.includes(c));
  if (unknown.length) {
    throw new LatheError(
      'INVALID_CONFIG',
      `training.classWeights: ${unknown.map((c) => `'${c}'`).join(', ')} ${unknown.length === 1 ? 'is not a class' : 'are not classes'} of the target (classes: ${classes.join(', ')})`,
      { field: 'training.classWeights' },
    );
  }
  return classes.map((c) => spec[c] ?? 1);
}

/** Serializes a layers model to the tfjs `model.json` + `weights.bin` pair. */
async function saveModel(model: tfl.LayersModel): Promise<TrainedArtifact[]> {
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
 * Rows per forward pass when predicting validation rows (tfjs's default, 32, makes a pass per 32 rows):
 * large enough that per-op overhead vanishes, small enough that activations of millions of rows fit.
 */
const PREDICT_BATCH = 8192;

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

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

/** 256, or smaller on small data so an epoch still takes about 50 optimizer steps. */
export function defaultBatchSize(trainRows: number): number {
  return Math.max(16, Math.min(256, Math.ceil(trainRows / 50)));
}

/**
 * Trains one model: reads the dataset version, splits it by the config's rule, fits the feature spec on the
 * training split, optionally selects features, trains with Adam in seeded mini-batches, reports every
 * epoch, measures permutation importance, and returns metrics and artifacts.
 */
export async function train(job: TrainJob, hooks: TrainHooks = {}): Promise<TrainResult> {
  const { config } = job;
  const started = Date.now();
  const backend = await initBackend();
  const data = await prepareTrainingData(config, job.parquetPath, job.columns, job.trainFraction);
  const { target } = data;
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
  const valLabels = config.task === 'regression' ? null : data.valid.labels;
  const valActual = config.task === 'regression' ? data.valid.values : null;
  const trainRows = data.train.rows;
  const validRows = data.valid.rows;
  const yTrain = yTensor(data.train);
  const classWeightsSpec = config.task === 'regression' ? undefined : config.training.classWeights;
  const classWeights = classWeightsSpec
    ? classWeightsFor(classWeightsSpec, classes, data.train.labels)
    : null;
  // Per-example loss weights: [rows, 1] for binary (like its labels), [rows] for multiclass.
  const wTrain = classWeights
    ? tf.tensor(
        Float32Array.from(data.train.labels, (c) => classWeights[c]!),
        config.task === 'binary' ? [trainRows, 1] : [trainRows],
      )
    : null;
  const lossFn = (y: tf.Tensor, logits: tf.Tensor, w?: tf.Tensor): tf.Scalar =>
    config.task === 'binary'
      ? sigmoidCrossEntropy(y, logits, w)
      : config.task === 'multiclass'
        ? tf.losses.softmaxCrossEntropy(y, logits, w)
        : tf.losses.meanSquaredError(y, logits);
  const { epochs } = config.training;
  const batchSize = config.training.batchSize ?? defaultBatchSize(trainRows);
  const engineName = chooseEngine(config);
  /** The training targets as the fused engine takes them: labels, 0/1 or standardized values. */
  const engineTargets = (): Float32Array | Int32Array => {
    const m = data.train;
    if (target.kind === 'regression')
      return Float32Array.from(m.values, (v) => (v - target.mean) / target.std);
    return config.task === 'binary' ? Float32Array.from(m.labels) : Int32Array.from(m.labels);
  };

  /** Validation loss and metrics of raw model outputs. */
  const score = (out: Float32Array): { valLoss: number; metrics: Record<string, number> } => {
    const m = validRows;
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
  const predict = (model: tfl.Sequential, x: Float32Array, width: number): Float32Array =>
    tf.tidy(
      () =>
        (
          model.predict(tf.tensor2d(x, [validRows, width]), {
            batchSize: PREDICT_BATCH,
          }) as tf.Tensor
        ).dataSync() as Float32Array,
    );

  /**
   * One training from fresh seeded weights on the given feature columns. `offset` numbers its epochs
   * after an earlier pass (selection by importance trains twice), so progress and metric steps go on.
   */
  async function fitOnce(
    xTr: Float32Array,
    width: number,
    offset: number,
    totalEpochs: number,
    pass: 1 | 2,
    resume: Checkpoint | null,
  ) {
    const model = buildModel(config, width, outputDim);
    const engine =
      engineName === 'fused'
        ? new DenseEngine(denseNetSpec(config, width, outputDim, batchSize), {
            x: xTr,
            rows: trainRows,
            y: engineTargets(),
            weights: classWeights
              ? Float32Array.from(data.train.labels, (c) => classWeights[c]!)
              : null,
          })
        : null;
    const xTrain = engine ? null : tf.tensor2d(xTr, [trainRows, width]);
    /** The model's variables, in the order of its trainable weights (and the engine's vectors). */
    const variables = () => model.trainableWeights.map((w) => w.read() as tf.Variable);
    /** The engine's weights into the model, which validation, checkpoints and saving read. */
    const syncModel = () => {
      if (!engine) return;
      const shapes = model.getWeights().map((w) => w.shape);
      tf.tidy(() => model.setWeights(engine.getWeights().map((v, i) => tf.tensor(v, shapes[i]))));
    };
    const optimizer = new FlatAdamOptimizer(config.training.learningRate);
    // Adam's bias-correction accumulators: checkpointed bit-exact (its setWeights recomputes them).
    const adamAcc = optimizer as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable };
    // Adam reads its learningRate field on every step, so a schedule can set it between epochs.
    const adamLr = optimizer as unknown as { learningRate: number };
    const { lrSchedule, earlyStopping: es } = config.training;
    const scheduler = createLrScheduler(lrSchedule, config.training.learningRate, epochs);
    const stopper = es ? new EarlyStopper(es.metric, es.patience, es.mode, es.minDelta) : null;
    let best: { weights: tf.Tensor[]; metrics: Record<string, number> } | null = null;
    let stoppedEpoch = 0;
    const dropouts = model.layers.filter((l) => l.getClassName() === 'Dropout') as SeededDropout[];
    const dropoutSeeds = dropouts.map((l) => l.seed ?? 0);
    let step = 0;
    const rng = createRng(config.seed ^ 0x5bd1e995);
    const xValArr =
      width === data.width
        ? data.valid.x
        : subsetColumns(data.valid.x, validRows, data.fitted.outputs, names);
    // Kept as a tensor between epochs: validation every epoch copies nothing.
    const xValTensor = tf.tensor2d(xValArr, [validRows, width]);
    let metrics: Record<string, number> = {};
    let firstEpoch = 1;
    if (resume) {
      const r = resume.state;
      model.setWeights(resume.model);
      // Adam's state goes to whichever engine takes the steps.
      if (!engine) {
        await optimizer.setWeights(
          resume.optimizer,
          model.trainableWeights.map((w) => w.read() as tf.Variable),
        );
        adamAcc.accBeta1.assign(tf.scalar(r.accBeta[0]));
        adamAcc.accBeta2.assign(tf.scalar(r.accBeta[1]));
      } else {
        // Adam's moments as tfjs's Adam saves them: `iter`, then m per variable, then v per variable.
        const moments = resume.optimizer.filter((w) => w.name !== 'iter');
        const count = moments.length / 2;
        engine.setAdamState({
          iterations: r.step,
          accBeta1: r.accBeta[0],
          accBeta2: r.accBeta[1],
          m: moments.slice(0, count).map((w) => w.tensor.dataSync() as Float32Array),
          v: moments.slice(count).map((w) => w.tensor.dataSync() as Float32Array),
        });
      }
      rng.setState(r.rng);
      step = r.step;
      stoppedEpoch = r.stoppedEpoch;
      metrics = r.metrics;
      scheduler.restore(r.scheduler);
      if (stopper && r.stopper) {
        stopper.best = r.stopper.best ?? NaN;
        stopper.bestEpoch = r.stopper.bestEpoch;
        stopper.wait = r.stopper.wait;
      }
      if (resume.best && r.bestMetrics) best = { weights: resume.best, metrics: r.bestMetrics };
      resume.model.forEach((t) => t.dispose());
      firstEpoch = r.stopped ? epochs + 1 : r.epoch + 1;
    }
    engine?.setWeights(model.getWeights().map((w) => w.dataSync() as Float32Array));
    const checkpoint = async (epoch: number, stopped: boolean) => {
      if (!hooks.onCheckpoint) return;
      const state: CheckpointState = {
        pass,
        epoch,
        globalStep: offset + epoch,
        step,
        rng: rng.getState(),
        stoppedEpoch,
        stopped,
        metrics,
        stopper: stopper
          ? {
              best: Number.isNaN(stopper.best) ? null : stopper.best,
              bestEpoch: stopper.bestEpoch,
              wait: stopper.wait,
            }
          : null,
        scheduler: scheduler.state(),
        bestMetrics: best?.metrics ?? null,
        accBeta: engine
          ? engine.accBeta()
          : [adamAcc.accBeta1.dataSync()[0]!, adamAcc.accBeta2.dataSync()[0]!],
        selection: pass === 2 ? selection : null,
      };
      // Fresh tensors either way (the engine's state, or the flat moments split per variable).
      const optimizerWeights = engine
        ? engineOptimizerWeights(engine)
        : await optimizer.getWeights();
      let bytes: Uint8Array<ArrayBuffer>;
      try {
        bytes = await encodeCheckpoint(state, model, optimizerWeights, best?.weights ?? null);
      } finally {
        tf.dispose(optimizerWeights.map((w) => w.tensor));
      }
      hooks.onCheckpoint(bytes, offset + epoch);
    };
    /** The engine's Adam state in the layout of tfjs's Adam (FlatAdamOptimizer.getWeights). */
    const engineOptimizerWeights = (e: DenseEngine) => {
      const state = e.adamState();
      const vars = variables();
      const named = (suffix: string, values: Float32Array[]) =>
        values.map((v, i) => ({
          name: `${vars[i]!.name}/${suffix}`,
          tensor: tf.tensor(v, vars[i]!.shape),
        }));
      return [
        { name: 'iter', tensor: tf.scalar(state.iterations, 'int32') },
        ...named('m', state.m),
        ...named('v', state.v),
      ];
    };
    hooks.onFitStart?.();
    try {
      for (let epoch = firstEpoch; epoch <= epochs; epoch++) {
        const perm = permutation(trainRows, rng);
        const lr = scheduler.lr(epoch);
        adamLr.learningRate = lr;
        let lossSum = 0;
        let batches = 0;
        engine?.setOrder(perm);
        for (let start = 0; start < perm.length; start += batchSize) {
          if (hooks.isCancelled?.())
            throw new LatheError('CANCELLED', `run ${job.runId} was cancelled`);
          if (engine) {
            step++;
            lossSum += engine.step(start, Math.min(batchSize, perm.length - start), lr, step);
            batches++;
            continue;
          }
          const idx = tf.tensor1d(
            perm.subarray(start, Math.min(start + batchSize, perm.length)),
            'int32',
          );
          step++;
          dropouts.forEach((l, k) => (l.seed = dropoutSeeds[k]! + step * 7919));
          // Gathered outside the gradient function: the tape keeps a copy of every op's inputs, and
          // on wasm that copy of the whole training matrix would be made at every step.
          const xb = tf.gather(xTrain!, idx);
          const yb = tf.gather(yTrain, idx);
          const wb = wTrain ? tf.gather(wTrain, idx) : undefined;
          idx.dispose();
          const cost = optimizer.minimize(() => {
            const loss = lossFn(yb, model.apply(xb, { training: true }) as tf.Tensor, wb);
            // The layers' kernel regularizers: a custom loop adds their losses itself.
            const penalties = model.layers.flatMap((l) => l.calculateLosses());
            return penalties.length ? tf.addN<tf.Scalar>([loss, ...penalties]) : loss;
          }, true);
          tf.dispose([xb, yb, ...(wb ? [wb] : [])]);
          if (cost) {
            lossSum += cost.dataSync()[0]!;
            cost.dispose();
          }
          batches++;
        }
        syncModel();
        const out = tf.tidy(
          () =>
            (
              model.predict(xValTensor, { batchSize: PREDICT_BATCH }) as tf.Tensor
            ).dataSync() as Float32Array,
        );
        const { valLoss, metrics: m } = score(out);
        const loss = lossSum / Math.max(1, batches);
        if (lrSchedule) m.lr = lr;
        metrics = { loss, val_loss: valLoss, ...m };
        hooks.onEpoch?.({
          epoch: offset + epoch,
          epochs: totalEpochs,
          loss,
          valLoss,
          metrics: m,
          elapsedMs: Date.now() - started,
        });
        stoppedEpoch = epoch;
        scheduler.observe(metrics);
        let stop = false;
        if (stopper && es) {
          if (
            stopper.update(epoch, metricValue(metrics, es.metric, 'training.earlyStopping.metric'))
          ) {
            if (es.restoreBest) {
              best?.weights.forEach((w) => w.dispose());
              best = { weights: model.getWeights().map((w) => tf.clone(w)), metrics };
            }
          } else stop = stopper.shouldStop;
        }
        await checkpoint(epoch, stop);
        if (stop) break;
      }
      if (best && stopper && stopper.bestEpoch !== stoppedEpoch) {
        model.setWeights(best.weights);
        metrics = best.metrics;
      }
    } catch (err) {
      model.dispose();
      throw err;
    } finally {
      xTrain?.dispose();
      xValTensor.dispose();
      optimizer.dispose();
      best?.weights.forEach((w) => w.dispose());
    }
    const earlyStop = stopper
      ? {
          bestEpoch: offset + stopper.bestEpoch,
          stoppedEpoch: offset + stoppedEpoch,
          restored: es!.restoreBest && stopper.bestEpoch !== stoppedEpoch,
        }
      : null;
    return { model, metrics, xVal: xValArr, earlyStop };
  }

  /** Rise in validation loss when one feature's values are shuffled among the validation rows. */
  function permutationImportance(
    model: tfl.Sequential,
    xVal: Float32Array,
    featureNames: string[],
  ): Record<string, number> {
    const width = featureNames.length;
    const base = score(predict(model, xVal, width)).valLoss;
    const rng = createRng(config.seed ^ 0x2545f491);
    const out: Record<string, number> = {};
    const shuffled = Float32Array.from(xVal);
    featureNames.forEach((name, k) => {
      const order = permutation(validRows, rng);
      for (let r = 0; r < validRows; r++) shuffled[r * width + k] = xVal[order[r]! * width + k]!;
      out[name] = score(predict(model, shuffled, width)).valLoss - base;
      for (let r = 0; r < validRows; r++) shuffled[r * width + k] = xVal[r * width + k]!;
    });
    return out;
  }

  let names = data.fitted.outputs;
  let selection: SelectionResult | null = null;
  let xTr = data.train.x;
  const sel = config.selection;
  if (sel && sel.method !== 'permutation') {
    selection = selectByFilter(
      sel,
      {
        x: data.train.x,
        rows: trainRows,
        width: data.width,
        target: config.task === 'regression' ? data.train.values : data.train.labels,
      },
      names,
    );
    names = selection.kept;
    xTr = subsetColumns(data.train.x, trainRows, data.fitted.outputs, names);
  }
  const twoPasses = sel?.method === 'permutation';
  const resume = job.resume ? decodeCheckpoint(job.resume) : null;
  let fit: Awaited<ReturnType<typeof fitOnce>>;
  let importance: Record<string, number>;
  if (twoPasses && sel && resume?.state.pass === 2 && resume.state.selection) {
    // Resuming the second training: the first one's selection is in the checkpoint.
    selection = resume.state.selection;
    names = selection.kept;
    fit = await fitOnce(
      subsetColumns(data.train.x, trainRows, data.fitted.outputs, names),
      names.length,
      epochs,
      2 * epochs,
      2,
      resume,
    );
    importance = permutationImportance(fit.model, fit.xVal, names);
  } else {
    fit = await fitOnce(xTr, names.length, 0, twoPasses ? 2 * epochs : epochs, 1, resume);
    importance = permutationImportance(fit.model, fit.xVal, names);
    if (twoPasses && sel) {
      selection = selectByImportance(sel, importance, names);
      names = selection.kept;
      fit.model.dispose();
      fit = await fitOnce(
        subsetColumns(data.train.x, trainRows, data.fitted.outputs, names),
        names.length,
        epochs,
        2 * epochs,
        2,
        null,
      );
      importance = permutationImportance(fit.model, fit.xVal, names);
    }
  }
  const model = fit.model;
  try {
    const artifacts = await saveModel(model);
    const fitted = selection
      ? { ...data.fitted, selection: { method: selection.method, kept: selection.kept } }
      : data.fitted;
    const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value, null, 2));
    artifacts.push(
      { path: 'features/spec.json', bytes: json(data.spec) },
      { path: 'features/fitted.json', bytes: json(fitted) },
      { path: 'features/importance.json', bytes: json(importance) },
      ...(selection ? [{ path: 'features/selection.json', bytes: json(selection) }] : []),
      { path: 'split.json', bytes: json(data.rule) },
      {
        path: 'target.json',
        bytes: json({ task: config.task, column: config.target, ...data.target }),
      },
    );
    return {
      backend,
      metrics: fit.metrics,
      params: {
        'training.batchSize': String(batchSize),
        features: data.features.join(','),
        'featureSpec.hash': data.fitted.specHash,
        'featureSpec.source': config.featureSpec ? 'config' : 'default',
        'split.method': data.rule.method,
        ...(data.rule.column ? { 'split.column': data.rule.column } : {}),
        'split.testFraction': String(data.rule.testFraction),
        ...(selection
          ? {
              'selection.method': selection.method,
              'selection.kept': String(selection.kept.length),
              'selection.dropped': String(selection.dropped.length),
            }
          : {}),
        inputDim: String(names.length),
        optimizer: 'adam',
        'training.engine': engineName,
        ...(fit.earlyStop
          ? {
              'earlyStopping.bestEpoch': String(fit.earlyStop.bestEpoch),
              'earlyStopping.stoppedEpoch': String(fit.earlyStop.stoppedEpoch),
            }
          : {}),
        ...(classWeights
          ? {
              'training.classWeights.resolved': classes
                .map((c, i) => `${c}:${Number(classWeights[i]!.toPrecision(6))}`)
                .join(','),
            }
          : {}),
        ...Object.fromEntries(data.dropped.map((d) => [`dropped.${d.column}`, d.reason])),
      },
      fitted,
      warnings: data.warnings,
      artifacts,
      rows: {
        train: data.counts.train,
        validation: data.counts.valid,
        test: data.counts.test,
        droppedNullTarget: data.droppedNullTarget,
      },
      ...(fit.earlyStop?.restored ? { finalStep: fit.earlyStop.stoppedEpoch + 1 } : {}),
    };
  } finally {
    yTrain.dispose();
    wTrain?.dispose();
    model.dispose();
  }
}
