// Training: prepares the data, runs one training pass (fit.ts) or two (selection by permutation
// importance), and assembles the run's metrics, params and artifacts.
import {
  LatheError,
  type ColumnInfo,
  type TrainConfig,
  type TrainPhase,
} from '../../shared/contract';
import type { FittedFeatureSpec } from '../../shared/contract/features';
import { initBackend } from './backend';
import { decodeCheckpoint } from './checkpoint';
import { checkpointState } from './checkpoint-state';
import { prepareTrainingData, type TrainingData } from './dataset';
import { fit, type EngineName, type FitResult, type TrainHooks } from './fit';
import { GBDT_IMPORTANCE_ROWS } from './gbdt/ensemble-predict';
import {
  categoricalOutputs,
  fitGbdt,
  gbdtArtifacts,
  gbdtParams,
  gbdtTrainedModel,
} from './gbdt/gbdt-fit';
import { threadedScorer, type ThreadedScorer } from './gbdt/tree-scorer';
import { chooseEngine } from './kernel/engine-choice';
import { saveModel, type TrainedArtifact } from './model';
import { createRng, permutation } from './random';
import { runParams } from './run-params';
import {
  selectByFilter,
  selectByImportance,
  subsetColumns,
  type SelectionResult,
} from './selection';
import { permutationImportance, tfjsTrainedModel, type TrainedModel } from './validation';
import { createScorer, scorerThread, type Scorer } from './validation-score';

/** The artifact of a run's validation predictions: monitoring's reference of the prediction. */
export const VALID_PREDICTIONS = 'monitor/valid-predictions.json';
export type ValidPredictionsPath = typeof VALID_PREDICTIONS;

/** A run's validation predictions, scored as captured predictions are (main/serve capture). */
export interface ValidPredictions {
  task: TrainConfig['task'];
  classes: string[] | null;
  /** Regression: the value; binary: P(classes[1]); multiclass: the predicted class's probability. */
  scores: number[];
  /** Index of the predicted class (classifiers); null for regression. */
  predicted: number[] | null;
}

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

/** 256, or smaller on small data so an epoch still takes about 50 optimizer steps. */
export function defaultBatchSize(trainRows: number): number {
  return Math.max(16, Math.min(256, Math.ceil(trainRows / 50)));
}

/** The training targets as engines take them: 0/1 labels, class indices or standardized values. */
function trainingTargets(config: TrainConfig, data: TrainingData): Float32Array | Int32Array {
  const { target, train: m } = data;
  if (target.kind === 'regression')
    return Float32Array.from(m.values, (v) => (v - target.mean) / target.std);
  return config.task === 'binary' ? Float32Array.from(m.labels) : Int32Array.from(m.labels);
}

/** The model's files and the feature, split and target files a run keeps beside it. */
async function runArtifacts(
  modelFiles: TrainedArtifact[],
  data: TrainingData,
  config: TrainConfig,
  spec: FittedFeatureSpec,
  importance: Record<string, number>,
  selection: SelectionResult | null,
): Promise<TrainedArtifact[]> {
  const artifacts = [...modelFiles];
  const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value, null, 2));
  artifacts.push(
    { path: 'features/spec.json', bytes: json(data.spec) },
    { path: 'features/fitted.json', bytes: json(spec) },
    { path: 'features/importance.json', bytes: json(importance) },
    ...(selection ? [{ path: 'features/selection.json', bytes: json(selection) }] : []),
    { path: 'split.json', bytes: json(data.rule) },
    {
      path: 'target.json',
      bytes: json({ task: config.task, column: config.target, ...data.target }),
    },
  );
  return artifacts;
}

/** The final model's predictions on the validation rows, from its raw outputs `out` on them. */
function validPredictions(
  out: Float32Array,
  data: TrainingData,
  config: TrainConfig,
): TrainedArtifact {
  const rows = data.valid.rows;
  const round = (v: number) => Number(v.toPrecision(7));
  const body: ValidPredictions = { task: config.task, classes: null, scores: [], predicted: null };
  if (data.target.kind === 'regression') {
    const { mean, std } = data.target;
    body.scores = Array.from(out, (z) => round(z * std + mean));
  } else {
    body.classes = data.target.classes;
    const k = config.task === 'multiclass' ? body.classes.length : 1;
    body.predicted = [];
    for (let i = 0; i < rows; i++) {
      if (k === 1) {
        const p = 1 / (1 + Math.exp(-out[i]!));
        body.scores.push(round(p));
        body.predicted.push(p >= 0.5 ? 1 : 0);
        continue;
      }
      const row = out.subarray(i * k, (i + 1) * k);
      const max = Math.max(...row);
      const z = row.reduce((s, v) => s + Math.exp(v - max), 0);
      body.scores.push(round(1 / z));
      body.predicted.push(row.indexOf(max));
    }
  }
  return { path: VALID_PREDICTIONS, bytes: new TextEncoder().encode(JSON.stringify(body)) };
}

/** What the passes of one training share: its data and what was resolved from its config. */
interface Training {
  job: TrainJob;
  hooks: TrainHooks;
  data: TrainingData;
  /** How the model trains: a network's step engine, or gradient-boosted trees. */
  engine: EngineName | 'gbdt';
  batchSize: number;
  outputDim: number;
  /** The training targets and per-row loss weights (TrainingRows' y and weights). */
  y: Float32Array | Int32Array;
  weights: Float32Array | null;
  score: Scorer;
  started: number;
}

/** Where a pass stands among the passes: its epoch numbering, the checkpoint it resumes, its selection. */
interface PassPlan {
  offset: number;
  totalEpochs: number;
  pass: 1 | 2;
  /** The encoded checkpoint (checkpoint.ts, or a GBDT's) this pass continues from. */
  resume: Uint8Array | null;
  selection: SelectionResult | null;
  /** The run's model comes from this pass (a first pass of two only chooses the second's features). */
  last: boolean;
}

/** A trained pass: its model whatever the kind, the model's files, and what the pass measured. */
interface PassResult {
  model: TrainedModel;
  save(): Promise<TrainedArtifact[]>;
  metrics: Record<string, number>;
  earlyStop: FitResult['earlyStop'];
  importance: Record<string, number>;
  /** The model's raw outputs on the validation rows (the run's valid-predictions artifact); the last pass's. */
  validOutputs: Float32Array;
}

/** Throws CANCELLED when the run was asked to stop: checked between and within the phases after fit. */
function stopIfCancelled(hooks: TrainHooks, runId: string): void {
  if (hooks.isCancelled?.()) throw new LatheError('CANCELLED', `run ${runId} was cancelled`);
}

/** Stops a cancelled run, else reports the phase it enters. */
function enter(hooks: TrainHooks, runId: string, phase: TrainPhase): void {
  stopIfCancelled(hooks, runId);
  hooks.onPhase?.(phase);
}

/**
 * A seeded sample of GBDT_IMPORTANCE_ROWS validation rows (in row order) and their scorer, or null when
 * there are no more rows than that.
 */
function importanceSample(
  t: Training,
  xVal: Float32Array,
  width: number,
): { x: Float32Array; rows: number; score: Scorer } | null {
  const { valid } = t.data;
  if (valid.rows <= GBDT_IMPORTANCE_ROWS) return null;
  const picked = permutation(valid.rows, createRng(t.job.config.seed ^ 0x1b873593))
    .subarray(0, GBDT_IMPORTANCE_ROWS)
    .sort();
  const n = picked.length;
  const x = new Float32Array(n * width);
  picked.forEach((r, i) => x.set(xVal.subarray(r * width, (r + 1) * width), i * width));
  const sample = {
    rows: n,
    x,
    labels: Int32Array.from(picked, (r) => valid.labels[r]!),
    values: Float64Array.from(picked, (r) => valid.values[r]!),
  };
  return { x, rows: n, score: createScorer(t.job.config.task, t.data.target, sample, t.outputDim) };
}

/** One training pass on the feature columns `names` (x holds them), then the importance of each. */
async function trainPass(
  t: Training,
  x: Float32Array,
  names: string[],
  plan: PassPlan,
): Promise<PassResult> {
  const { data, job } = t;
  const validRows = data.valid.rows;
  const xVal =
    names.length === data.width
      ? data.valid.x
      : subsetColumns(data.valid.x, validRows, data.fitted.outputs, names);
  enter(t.hooks, job.runId, 'training');
  const rows = { x, rows: data.train.rows, width: names.length, y: t.y, weights: t.weights };
  const common = {
    runId: job.runId,
    config: job.config,
    rows,
    valid: { x: xVal, rows: validRows },
    score: t.score,
    outputDim: t.outputDim,
    offset: plan.offset,
    totalEpochs: plan.totalEpochs,
    pass: plan.pass,
    selection: plan.pass === 2 ? plan.selection : null,
    started: t.started,
  };
  let result: Omit<PassResult, 'importance' | 'validOutputs'>;
  // A GBDT's importance passes score on all its threads (tree-scorer.ts), the same outputs as predict's.
  let passes: ThreadedScorer | null = null;
  if (t.engine === 'gbdt') {
    const r = await fitGbdt(
      {
        ...common,
        names,
        categorical: categoricalOutputs(data.fitted),
        resume: plan.resume,
        scorerThread: () =>
          scorerThread({
            task: job.config.task,
            target: data.target,
            valid: data.valid,
            outputDim: t.outputDim,
          }),
      },
      t.hooks,
    );
    result = {
      model: gbdtTrainedModel(r.model),
      save: () => Promise.resolve(gbdtArtifacts(r.model)),
      metrics: r.metrics,
      earlyStop: r.earlyStop,
    };
    passes = threadedScorer(r.model, gbdtParams(job.config, t.outputDim).threads);
  } else {
    const r = await fit(
      {
        ...common,
        engine: t.engine,
        batchSize: t.batchSize,
        resume: plan.resume ? decodeCheckpoint(plan.resume) : null,
      },
      t.hooks,
    );
    result = {
      model: tfjsTrainedModel(r.model, names.length),
      save: () => saveModel(r.model),
      metrics: r.metrics,
      earlyStop: r.earlyStop,
    };
  }
  try {
    enter(t.hooks, job.runId, 'importance');
    const check = () => stopIfCancelled(t.hooks, job.runId);
    const on = t.engine === 'gbdt' ? importanceSample(t, xVal, names.length) : null;
    const model = result.model;
    const importance = await permutationImportance(
      passes
        ? async (x, rows) => Float32Array.from(await passes.score(x, rows))
        : (x, rows) => model.predict(x, rows),
      on?.x ?? xVal,
      on?.rows ?? validRows,
      names,
      on?.score ?? t.score,
      job.config.seed,
      check,
    );
    // The outputs the run stores as its validation predictions: a GBDT's on all its threads too.
    const validOutputs =
      !validRows || !plan.last
        ? new Float32Array(0)
        : passes
          ? Float32Array.from(await passes.score(xVal, validRows))
          : model.predict(xVal, validRows);
    return { ...result, importance, validOutputs };
  } catch (err) {
    result.model.dispose();
    throw err;
  } finally {
    await passes?.close();
  }
}

/** A filter selection (variance, correlation, mutual information) before training, or none. */
function filterSelection(
  config: TrainConfig,
  data: TrainingData,
): { names: string[]; selection: SelectionResult | null; x: Float32Array } {
  const sel = config.selection;
  if (!sel || sel.method === 'permutation')
    return { names: data.fitted.outputs, selection: null, x: data.train.x };
  const selection = selectByFilter(
    sel,
    {
      x: data.train.x,
      rows: data.train.rows,
      width: data.width,
      target: config.task === 'regression' ? data.train.values : data.train.labels,
    },
    data.fitted.outputs,
  );
  const x = subsetColumns(data.train.x, data.train.rows, data.fitted.outputs, selection.kept);
  return { names: selection.kept, selection, x };
}

/**
 * Trains one model: reads the dataset version, splits it by the config's rule, fits the feature spec on the
 * training split, optionally selects features, trains with Adam in seeded mini-batches, reports every
 * epoch, measures permutation importance, and returns metrics and artifacts.
 */
export async function train(job: TrainJob, hooks: TrainHooks = {}): Promise<TrainResult> {
  const { config } = job;
  const started = Date.now();
  hooks.onPhase?.('preparing');
  const backend = await initBackend();
  const data = await prepareTrainingData(config, job.parquetPath, job.columns, job.trainFraction);
  const classes = data.target.kind === 'classes' ? data.target.classes : [];
  const outputDim = config.task === 'multiclass' ? classes.length : 1;
  const classWeightsSpec = config.task === 'regression' ? undefined : config.training.classWeights;
  const classWeights = classWeightsSpec
    ? classWeightsFor(classWeightsSpec, classes, data.train.labels)
    : null;
  const t: Training = {
    job,
    hooks,
    data,
    engine: config.model.type === 'gbdt' ? 'gbdt' : chooseEngine(config),
    batchSize: config.training.batchSize ?? defaultBatchSize(data.train.rows),
    outputDim,
    y: trainingTargets(config, data),
    weights: classWeights ? Float32Array.from(data.train.labels, (c) => classWeights[c]!) : null,
    score: createScorer(config.task, data.target, data.valid, outputDim),
    started,
  };
  // A GBDT's rounds are its epochs.
  const epochs =
    config.model.type === 'gbdt' ? (config.model.trees ?? 100) : config.training.epochs;
  const columns = (names: string[]) =>
    subsetColumns(data.train.x, data.train.rows, data.fitted.outputs, names);
  const sel = config.selection;
  const twoPasses = sel?.method === 'permutation';
  const resume = job.resume ?? null;
  const resumed = resume ? checkpointState(resume) : null;
  const filtered = filterSelection(config, data);
  let { names, selection } = filtered;
  let trained: PassResult;
  if (twoPasses && sel && resumed?.pass === 2 && resumed.selection) {
    // Resuming the second training: the first one's selection is in the checkpoint.
    selection = resumed.selection;
    names = selection.kept;
    const plan = {
      offset: epochs,
      totalEpochs: 2 * epochs,
      pass: 2 as const,
      resume,
      selection,
      last: true,
    };
    trained = await trainPass(t, columns(names), names, plan);
  } else {
    const totalEpochs = twoPasses ? 2 * epochs : epochs;
    trained = await trainPass(t, filtered.x, names, {
      offset: 0,
      totalEpochs,
      pass: 1,
      resume,
      selection,
      last: !twoPasses,
    });
    if (twoPasses && sel) {
      selection = selectByImportance(sel, trained.importance, names);
      names = selection.kept;
      trained.model.dispose();
      const plan = {
        offset: epochs,
        totalEpochs,
        pass: 2 as const,
        resume: null,
        selection,
        last: true,
      };
      trained = await trainPass(t, columns(names), names, plan);
    }
  }
  try {
    enter(hooks, job.runId, 'saving');
    const spec = selection
      ? { ...data.fitted, selection: { method: selection.method, kept: selection.kept } }
      : data.fitted;
    const { earlyStop } = trained;
    const artifacts = [
      ...(await runArtifacts(
        await trained.save(),
        data,
        config,
        spec,
        trained.importance,
        selection,
      )),
      validPredictions(trained.validOutputs, data, config),
    ];
    stopIfCancelled(hooks, job.runId);
    return {
      backend,
      metrics: trained.metrics,
      params: runParams({
        config,
        data,
        batchSize: t.batchSize,
        names,
        selection,
        engine: t.engine,
        earlyStop,
        classWeights,
      }),
      fitted: spec,
      warnings: data.warnings,
      artifacts,
      rows: {
        train: data.counts.train,
        validation: data.counts.valid,
        test: data.counts.test,
        droppedNullTarget: data.droppedNullTarget,
      },
      ...(earlyStop?.restored ? { finalStep: earlyStop.stoppedEpoch + 1 } : {}),
    };
  } finally {
    trained.model.dispose();
  }
}
