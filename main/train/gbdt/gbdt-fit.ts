// One GBDT training pass as the trainer runs it (the network's counterpart is fit.ts): the config's model
// options as GbdtParams, every round reported as an epoch with the task's validation metrics, early
// stopping that keeps the trees up to the best round, a checkpoint every checkpointEvery rounds, cancel.
import { availableParallelism } from 'node:os';
import { LatheError, type TrainConfig } from '../../../shared/contract';
import type { FittedFeatureSpec } from '../../../shared/contract/features';
import { columnOutputs } from '../../features/names';
import {
  decodeGbdtCheckpoint,
  encodeGbdtCheckpoint,
  type CheckpointState,
} from '../checkpoint-state';
import type { TrainingRows } from '../engines/step-engine';
import type { FitResult, TrainHooks } from '../fit';
import { EarlyStopper, metricValue } from '../schedules';
import type { SelectionResult } from '../selection';
import type { TrainedModel } from '../validation';
import type { Scorer, ScorerThread } from '../validation-score';
import { featureImportance, IMPORTANCE_PATH } from './importance';
import { trainGbdt, type GbdtCheckpoint, type GbdtParams } from './train-gbdt';
import { ensemblePredictor } from './ensemble-predict';
import { histogramThreads } from './wasm-engine';
import { GBDT_MODEL_PATH, type GbdtModel, type Tree } from './tree-model';

/** The GbdtParams of a gbdt config (documented defaults for the options it leaves out). */
export function gbdtParams(config: TrainConfig, outputs: number): GbdtParams {
  const m = config.model;
  return {
    objective:
      config.task === 'binary'
        ? 'logistic'
        : config.task === 'multiclass'
          ? 'softmax'
          : (m.loss ?? 'squared_error'),
    outputs,
    trees: m.trees ?? 100,
    learningRate: m.learningRate ?? 0.1,
    maxDepth: m.maxDepth ?? 6,
    maxLeaves: m.maxLeaves ?? 0,
    growth: m.maxLeaves === undefined ? 'depthwise' : 'leafwise',
    minChildWeight: m.minChildWeight ?? 1,
    minSplitGain: m.minSplitGain ?? 0,
    l1: m.l1 ?? 0,
    l2: m.l2 ?? 1,
    subsample: m.subsample ?? 1,
    colsample: m.colsample ?? 1,
    maxBins: m.maxBins ?? 256,
    huberDelta: m.huberDelta ?? 1,
    seed: config.seed,
    threads: m.threads ?? availableParallelism(),
  };
}

/** The fitted outputs a tree splits as categories: each ordinal encoding's code. */
export function categoricalOutputs(fitted: FittedFeatureSpec): Set<string> {
  const out = new Set<string>();
  for (const c of fitted.columns)
    if (c.kind === 'categorical' && c.encoding.op === 'ordinal') out.add(columnOutputs(c)[0]!);
  return out;
}

/** Validation rows × outputs from which a GBDT scores its rounds on a worker thread (gbdt-fit). */
export const SCORER_THREAD_ROWS = 20_000;

/**
 * Whether a GBDT of `threads` threads on `width` features scores its validation outputs (rows × outputs)
 * on a worker thread: when the histograms leave a thread idle and the outputs are enough to pay for it.
 */
export function scoresOnThread(threads: number, width: number, outputs: number): boolean {
  return threads > histogramThreads(threads, width) && outputs >= SCORER_THREAD_ROWS;
}

/** A tree ensemble as a TrainedModel: raw outputs as float32, as a network's. */
export function gbdtTrainedModel(model: GbdtModel): TrainedModel {
  const predict = ensemblePredictor(model);
  return { predict: (x, rows) => Float32Array.from(predict(x, rows)), dispose: () => {} };
}

/** The files of a trained ensemble: the model and its importance by gain and by split count. */
export function gbdtArtifacts(
  model: GbdtModel,
): { path: string; bytes: Uint8Array<ArrayBuffer> }[] {
  const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  return [
    { path: GBDT_MODEL_PATH, bytes: json(model) },
    { path: IMPORTANCE_PATH, bytes: json(featureImportance(model)) },
  ];
}

export interface GbdtFitInput {
  runId: string;
  config: TrainConfig;
  rows: TrainingRows;
  /** The feature columns of `rows`, and those of them holding category codes. */
  names: string[];
  categorical: Set<string>;
  valid: { x: Float32Array; rows: number };
  score: Scorer;
  /** `score` on a worker thread (validation-score.ts), or null; used when a thread is idle (scoresOnThread). */
  scorerThread?: () => ScorerThread | null;
  outputDim: number;
  /** As in fit.ts's FitInput: the epochs (rounds) of an earlier pass, all passes', this pass. */
  offset: number;
  totalEpochs: number;
  pass: 1 | 2;
  selection: SelectionResult | null;
  /** A GBDT checkpoint (checkpoint-state.ts) to continue from. */
  resume: Uint8Array | null;
  started: number;
}

export interface GbdtFitResult {
  model: GbdtModel;
  metrics: Record<string, number>;
  earlyStop: FitResult['earlyStop'];
}

/**
 * Trains one pass of a gbdt config, reporting each round through `hooks` as an epoch, and returns the
 * ensemble: with early stopping that restores the best, its trees up to the best round.
 */
export async function fitGbdt(input: GbdtFitInput, hooks: TrainHooks): Promise<GbdtFitResult> {
  const { config, rows, offset } = input;
  const params = gbdtParams(config, input.outputDim);
  const es = config.training.earlyStopping;
  const stopper = es ? new EarlyStopper(es.metric, es.patience, es.mode, es.minDelta) : null;
  let metrics: Record<string, number> = {};
  let bestMetrics: Record<string, number> | null = null;
  let resume: GbdtCheckpoint | undefined;
  if (input.resume) {
    const saved = decodeGbdtCheckpoint(input.resume);
    if (!saved)
      throw new LatheError('CORRUPT_FILE', `run ${input.runId}: its checkpoint is not a GBDT's`);
    const r = saved.state;
    metrics = r.metrics;
    bestMetrics = r.bestMetrics;
    if (stopper && r.stopper) {
      stopper.best = r.stopper.best ?? NaN;
      stopper.bestEpoch = r.stopper.bestEpoch;
      stopper.wait = r.stopper.wait;
    }
    resume = {
      round: saved.gbdt.round,
      trees: saved.gbdt.trees as Tree[],
      baseScore: saved.gbdt.baseScore,
    };
  }
  const state = (round: number): CheckpointState => ({
    pass: input.pass,
    epoch: round,
    globalStep: offset + round,
    step: 0,
    rng: 0,
    stoppedEpoch: round,
    stopped: false,
    metrics,
    stopper: stopper
      ? {
          best: Number.isNaN(stopper.best) ? null : stopper.best,
          bestEpoch: stopper.bestEpoch,
          wait: stopper.wait,
        }
      : null,
    scheduler: null,
    bestMetrics,
    accBeta: [0, 0],
    selection: input.pass === 2 ? input.selection : null,
  });
  const features = input.names;
  hooks.onFitStart?.();
  // Each round's validation scoring on a worker thread of its own, beside the next round's growing, when
  // the training has a thread the histograms leave idle (they are shared out by feature: threads beyond
  // the features wait) and rows enough to pay for it. 200,000 flights rows validating take about 19 ms of
  // each round on the training thread. 800,000 rows of one feature on two threads: rounds 1 to 100 in
  // 4.08-4.29 s instead of 4.39-5.50 s (three runs each). Taking a histogram thread for the worker when
  // none is idle gained nothing on two cores (six features: 4.07-4.48 s against 4.23-4.62 s).
  const thread = scoresOnThread(params.threads, rows.width, input.valid.rows * input.outputDim)
    ? (input.scorerThread?.() ?? null)
    : null;
  let model: GbdtModel;
  try {
    model = await trainGbdt(
      params,
      {
        x: rows.x,
        rows: rows.rows,
        width: rows.width,
        features,
        categorical: features.flatMap((f, i) => (input.categorical.has(f) ? [i] : [])),
        y: rows.y,
        weights: rows.weights,
      },
      input.valid,
      {
        // A failed worker leaves the scoring to this thread.
        ...(thread
          ? { measure: (raw: Float32Array) => thread.score(raw).catch(() => input.score(raw)) }
          : {}),
        onRound({ round, trainLoss, validRaw, measured }) {
          const { valLoss, metrics: m } = measured ?? input.score(validRaw);
          metrics = { loss: trainLoss, val_loss: valLoss, ...m };
          hooks.onEpoch?.({
            epoch: offset + round,
            epochs: input.totalEpochs,
            loss: trainLoss,
            valLoss,
            metrics: m,
            elapsedMs: Date.now() - input.started,
          });
          if (!stopper) return 'continue';
          const value = metricValue(metrics, stopper.metric, 'training.earlyStopping.metric');
          if (stopper.update(round, value)) {
            bestMetrics = metrics;
            return 'continue';
          }
          return stopper.shouldStop ? 'stop' : 'continue';
        },
        isCancelled: () => {
          if (hooks.isCancelled?.())
            throw new LatheError('CANCELLED', `run ${input.runId} was cancelled`);
          return false;
        },
        checkpointEvery: config.model.checkpointEvery ?? 10,
        ...(hooks.onCheckpoint
          ? {
              onCheckpoint: (c: GbdtCheckpoint) =>
                hooks.onCheckpoint!(
                  encodeGbdtCheckpoint(state(c.round), {
                    round: c.round,
                    trees: c.trees,
                    baseScore: c.baseScore,
                  }),
                  offset + c.round,
                ),
            }
          : {}),
      },
      resume,
    );
  } finally {
    await thread?.close();
  }
  const stoppedRound = model.roundsTrained;
  if (!stopper) return { model, metrics, earlyStop: null };
  const restored = es!.restoreBest && stopper.bestEpoch > 0 && stopper.bestEpoch !== stoppedRound;
  return {
    model: restored
      ? { ...model, trees: model.trees.slice(0, stopper.bestEpoch * model.outputs) }
      : model,
    metrics: restored && bestMetrics ? bestMetrics : metrics,
    earlyStop: {
      bestEpoch: offset + stopper.bestEpoch,
      stoppedEpoch: offset + stoppedRound,
      restored,
    },
  };
}
