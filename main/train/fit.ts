// One training pass from fresh seeded weights: epochs of shuffled mini-batches through a StepEngine,
// the learning-rate schedule, validation, early stopping, checkpoints and cancelling. Which engine takes
// the steps is the engine's business (engines/); this loop is the same for all of them.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { LatheError, type TrainConfig, type TrainPhase } from '../../shared/contract';
import {
  captureCheckpoint,
  restoreCheckpoint,
  type Checkpoint,
  type FitProgress,
} from './checkpoint';
import { createFusedEngine } from './engines/fused';
import type { EngineInput, StepEngine, TrainingRows } from './engines/step-engine';
import { createTfjsEngine } from './engines/tfjs';
import { buildModel } from './model';
import { createRng, permutation } from './random';
import { createLrScheduler, EarlyStopper, metricValue } from './schedules';
import type { SelectionResult } from './selection';
import { predict } from './validation';
import type { Scorer } from './validation-score';

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
  /** The training entered a phase (preparing data, training, importance, saving). */
  onPhase?(phase: TrainPhase): void;
  /** The data is prepared and a training loop starts (bench/train-vs-pytorch.mjs times from here). */
  onFitStart?(): void;
}

export type EngineName = 'fused' | 'tfjs';

const ENGINES: Record<EngineName, (input: EngineInput) => StepEngine> = {
  fused: createFusedEngine,
  tfjs: createTfjsEngine,
};

export interface FitInput {
  runId: string;
  config: TrainConfig;
  engine: EngineName;
  rows: TrainingRows;
  /** The validation rows' features, in the columns of `rows`. */
  valid: { x: Float32Array; rows: number };
  score: Scorer;
  outputDim: number;
  batchSize: number;
  /** Epochs of earlier passes (selection by importance trains twice): numbering goes on after them. */
  offset: number;
  /** Epochs over all passes, as progress reports count them. */
  totalEpochs: number;
  pass: 1 | 2;
  /** Pass 2: the first pass's selection, saved in checkpoints. */
  selection: SelectionResult | null;
  resume: Checkpoint | null;
  /** When the training started (Date.now()), for reports' elapsed time. */
  started: number;
}

export interface FitResult {
  /** The trained model; the caller's to dispose. */
  model: tfl.Sequential;
  /** The final metrics: the last epoch's, or the restored best epoch's. */
  metrics: Record<string, number>;
  earlyStop: { bestEpoch: number; stoppedEpoch: number; restored: boolean } | null;
}

/**
 * Trains one pass of `input.config` on `input.rows`, reporting each epoch through `hooks`, and returns
 * the model (with early stopping's best weights when it restores them).
 */
export async function fit(input: FitInput, hooks: TrainHooks): Promise<FitResult> {
  const { config, rows, batchSize, offset, resume } = input;
  const { epochs, lrSchedule, earlyStopping: es } = config.training;
  const model = buildModel(config, rows.width, input.outputDim);
  if (resume) {
    model.setWeights(resume.model);
    resume.model.forEach((t) => t.dispose());
  }
  const engine = ENGINES[input.engine]({
    config,
    model,
    rows,
    outputDim: input.outputDim,
    batchSize,
  });
  const stopper = es ? new EarlyStopper(es.metric, es.patience, es.mode, es.minDelta) : null;
  const progress: FitProgress = {
    pass: input.pass,
    offset,
    step: 0,
    rng: createRng(config.seed ^ 0x5bd1e995),
    stoppedEpoch: 0,
    metrics: {},
    stopper,
    scheduler: createLrScheduler(lrSchedule, config.training.learningRate, epochs),
    best: null,
    selection: input.selection,
  };
  const cancelled = () => {
    if (hooks.isCancelled?.())
      throw new LatheError('CANCELLED', `run ${input.runId} was cancelled`);
  };
  try {
    const firstEpoch = resume ? await restoreCheckpoint(resume, progress, engine, epochs) : 1;
    hooks.onFitStart?.();
    for (let epoch = firstEpoch; epoch <= epochs; epoch++) {
      const lr = progress.scheduler.lr(epoch);
      const loss = trainEpoch(engine, progress, rows.rows, lr, batchSize, cancelled);
      engine.syncModel();
      const { valLoss, metrics: m } = input.score(
        predict(model, input.valid.x, input.valid.rows, rows.width),
      );
      if (lrSchedule) m.lr = lr;
      progress.metrics = { loss, val_loss: valLoss, ...m };
      hooks.onEpoch?.({
        epoch: offset + epoch,
        epochs: input.totalEpochs,
        loss,
        valLoss,
        metrics: m,
        elapsedMs: Date.now() - input.started,
      });
      progress.stoppedEpoch = epoch;
      progress.scheduler.observe(progress.metrics);
      const stop = judgeEpoch(progress, epoch, model, es?.restoreBest ?? false);
      if (hooks.onCheckpoint)
        hooks.onCheckpoint(
          await captureCheckpoint(progress, epoch, stop, model, engine),
          offset + epoch,
        );
      if (stop) break;
    }
    const { best } = progress;
    if (best && stopper && stopper.bestEpoch !== progress.stoppedEpoch) {
      model.setWeights(best.weights);
      progress.metrics = best.metrics;
    }
  } catch (err) {
    model.dispose();
    throw err;
  } finally {
    engine.dispose();
    progress.best?.weights.forEach((w) => w.dispose());
  }
  const earlyStop = stopper
    ? {
        bestEpoch: offset + stopper.bestEpoch,
        stoppedEpoch: offset + progress.stoppedEpoch,
        restored: es!.restoreBest && stopper.bestEpoch !== progress.stoppedEpoch,
      }
    : null;
  return { model, metrics: progress.metrics, earlyStop };
}

/** One epoch of optimizer steps over a fresh shuffle of the rows: the mean batch loss. */
function trainEpoch(
  engine: StepEngine,
  progress: FitProgress,
  rows: number,
  lr: number,
  batchSize: number,
  cancelled: () => void,
): number {
  const order = permutation(rows, progress.rng);
  engine.beginEpoch(order, lr);
  let lossSum = 0;
  let batches = 0;
  for (let start = 0; start < order.length; start += batchSize) {
    cancelled();
    progress.step++;
    lossSum += engine.step(start, Math.min(batchSize, order.length - start), progress.step);
    batches++;
  }
  return lossSum / Math.max(1, batches);
}

/**
 * Early stopping's verdict on an epoch whose metrics are in `progress`: true to stop. An improvement
 * keeps a copy of the weights when they are to be restored.
 */
function judgeEpoch(
  progress: FitProgress,
  epoch: number,
  model: tfl.Sequential,
  restoreBest: boolean,
): boolean {
  const { stopper, metrics } = progress;
  if (!stopper) return false;
  if (!stopper.update(epoch, metricValue(metrics, stopper.metric, 'training.earlyStopping.metric')))
    return stopper.shouldStop;
  if (restoreBest) {
    progress.best?.weights.forEach((w) => w.dispose());
    progress.best = { weights: model.getWeights().map((w) => tf.clone(w)), metrics };
  }
  return false;
}
