// Training: prepares the data, runs one training pass (fit.ts) or two (selection by permutation
// importance), and assembles the run's metrics, params and artifacts.
import { LatheError, type ColumnInfo, type TrainConfig } from '../../shared/contract';
import type { FittedFeatureSpec } from '../../shared/contract/features';
import { initBackend } from './backend';
import { decodeCheckpoint, type Checkpoint } from './checkpoint';
import { prepareTrainingData, type TrainingData } from './dataset';
import { fit, type EngineName, type FitResult, type TrainHooks } from './fit';
import { chooseEngine } from './kernel/engine-choice';
import { saveModel, type TrainedArtifact } from './model';
import { runParams } from './run-params';
import {
  selectByFilter,
  selectByImportance,
  subsetColumns,
  type SelectionResult,
} from './selection';
import { createScorer, permutationImportance } from './validation';

export type { EpochReport, TrainHooks } from './fit';
export type { TrainedArtifact } from './model';

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
  model: FitResult['model'],
  data: TrainingData,
  config: TrainConfig,
  spec: FittedFeatureSpec,
  importance: Record<string, number>,
  selection: SelectionResult | null,
): Promise<TrainedArtifact[]> {
  const artifacts = await saveModel(model);
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
  const classes = data.target.kind === 'classes' ? data.target.classes : [];
  const outputDim = config.task === 'multiclass' ? classes.length : 1;
  const trainRows = data.train.rows;
  const validRows = data.valid.rows;
  const classWeightsSpec = config.task === 'regression' ? undefined : config.training.classWeights;
  const classWeights = classWeightsSpec
    ? classWeightsFor(classWeightsSpec, classes, data.train.labels)
    : null;
  const { epochs } = config.training;
  const batchSize = config.training.batchSize ?? defaultBatchSize(trainRows);
  const engine: EngineName = chooseEngine(config);
  const y = trainingTargets(config, data);
  const weights = classWeights
    ? Float32Array.from(data.train.labels, (c) => classWeights[c]!)
    : null;
  const score = createScorer(config.task, data.target, data.valid, outputDim);

  /** One training pass on the columns `names` (x holds them), then the importance of each. */
  const trainPass = async (
    x: Float32Array,
    names: string[],
    offset: number,
    totalEpochs: number,
    pass: 1 | 2,
    resume: Checkpoint | null,
    selection: SelectionResult | null,
  ) => {
    const xVal =
      names.length === data.width
        ? data.valid.x
        : subsetColumns(data.valid.x, validRows, data.fitted.outputs, names);
    const result = await fit(
      {
        runId: job.runId,
        config,
        engine,
        rows: { x, rows: trainRows, width: names.length, y, weights },
        valid: { x: xVal, rows: validRows },
        score,
        outputDim,
        batchSize,
        offset,
        totalEpochs,
        pass,
        selection: pass === 2 ? selection : null,
        resume,
        started,
      },
      hooks,
    );
    const importance = permutationImportance(
      result.model,
      xVal,
      validRows,
      names,
      score,
      config.seed,
    );
    return { ...result, importance };
  };

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
  let trained: Awaited<ReturnType<typeof trainPass>>;
  if (twoPasses && sel && resume?.state.pass === 2 && resume.state.selection) {
    // Resuming the second training: the first one's selection is in the checkpoint.
    selection = resume.state.selection;
    names = selection.kept;
    const x = subsetColumns(data.train.x, trainRows, data.fitted.outputs, names);
    trained = await trainPass(x, names, epochs, 2 * epochs, 2, resume, selection);
  } else {
    trained = await trainPass(xTr, names, 0, twoPasses ? 2 * epochs : epochs, 1, resume, null);
    if (twoPasses && sel) {
      selection = selectByImportance(sel, trained.importance, names);
      names = selection.kept;
      trained.model.dispose();
      const x = subsetColumns(data.train.x, trainRows, data.fitted.outputs, names);
      trained = await trainPass(x, names, epochs, 2 * epochs, 2, null, selection);
    }
  }
  try {
    const spec = selection
      ? { ...data.fitted, selection: { method: selection.method, kept: selection.kept } }
      : data.fitted;
    return {
      backend,
      metrics: trained.metrics,
      params: runParams({
        config,
        data,
        batchSize,
        names,
        selection,
        engine,
        earlyStop: trained.earlyStop,
        classWeights,
      }),
      fitted: spec,
      warnings: data.warnings,
      artifacts: await runArtifacts(
        trained.model,
        data,
        config,
        spec,
        trained.importance,
        selection,
      ),
      rows: {
        train: data.counts.train,
        validation: data.counts.valid,
        test: data.counts.test,
        droppedNullTarget: data.droppedNullTarget,
      },
      ...(trained.earlyStop?.restored ? { finalStep: trained.earlyStop.stoppedEpoch + 1 } : {}),
    };
  } finally {
    trained.model.dispose();
  }
}
