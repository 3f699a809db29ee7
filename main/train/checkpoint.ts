// Training checkpoints: everything fit (fit.ts) needs to continue a run exactly where it stopped, in one
// small binary file (checkpoint-state.ts), and the capture and restore of a fit's state through it.
import * as tf from '@tensorflow/tfjs-core';
import { readHeader, type CheckpointState, type Header, type Specs } from './checkpoint-state';
import type { NamedTensor, StepEngine } from './engines/step-engine';
import type { Rng } from './random';
import type { EarlyStopper, LrScheduler } from './schedules';
import type { SelectionResult } from './selection';

export { CHECKPOINT_PATH, checkpointState, type CheckpointState } from './checkpoint-state';

export interface Checkpoint {
  state: CheckpointState;
  model: tf.Tensor[];
  optimizer: NamedTensor[];
  best: tf.Tensor[] | null;
}

/** Model weights through a save handler (as the final model is saved): specs and bytes. */
export async function modelWeights(model: {
  save(handler: tf.io.IOHandler): Promise<unknown>;
}): Promise<{ specs: Specs; data: ArrayBuffer; topology: unknown }> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved?.weightData || !saved.weightSpecs)
    throw new Error('model serialization produced no weights');
  return {
    specs: saved.weightSpecs,
    data: tf.io.CompositeArrayBuffer.join(saved.weightData),
    topology: saved.modelTopology,
  };
}

async function encodeCheckpoint(
  state: CheckpointState,
  model: { save(handler: tf.io.IOHandler): Promise<unknown> },
  optimizer: NamedTensor[],
  best: tf.Tensor[] | null,
): Promise<Uint8Array<ArrayBuffer>> {
  const m = await modelWeights(model);
  const o = await tf.io.encodeWeights(optimizer);
  const b = best
    ? await tf.io.encodeWeights(best.map((tensor, i) => ({ name: `best/${i}`, tensor })))
    : { data: new ArrayBuffer(0), specs: [] };
  const header: Header = {
    version: 1,
    state: { ...state, stopper: state.stopper && { ...state.stopper } },
    model: m.specs,
    optimizer: o.specs,
    best: b.specs,
    sizes: [m.data.byteLength, o.data.byteLength, b.data.byteLength],
  };
  const head = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(
    4 + head.byteLength + m.data.byteLength + o.data.byteLength + b.data.byteLength,
  );
  new DataView(out.buffer).setUint32(0, head.byteLength, true);
  let at = 4;
  for (const part of [
    head,
    new Uint8Array(m.data),
    new Uint8Array(o.data),
    new Uint8Array(b.data),
  ]) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/** Decodes a checkpoint into tensors, in their saved order (names may differ in a new process). */
export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  const { header, at } = readHeader(bytes);
  const block = (start: number, size: number) =>
    bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + start + size) as ArrayBuffer;
  const [ms, os, bs] = header.sizes;
  const ordered = (data: ArrayBuffer, specs: Specs) => {
    const map = tf.io.decodeWeights(data, specs);
    return specs.map((s) => ({ name: s.name, tensor: map[s.name]! }));
  };
  const model = ordered(block(at, ms), header.model).map((t) => t.tensor);
  const optimizer = ordered(block(at + ms, os), header.optimizer);
  const best = header.best.length
    ? ordered(block(at + ms + os, bs), header.best).map((t) => t.tensor)
    : null;
  return { state: header.state, model, optimizer, best };
}

/** What a fit carries from epoch to epoch besides the model's weights and the optimizer's state. */
export interface FitProgress {
  pass: 1 | 2;
  /** Epochs of earlier passes: this pass's epoch e is metric step offset + e. */
  offset: number;
  /** Optimizer steps so far in this pass. */
  step: number;
  /** Shuffles the rows of each epoch. */
  rng: Rng;
  stoppedEpoch: number;
  /** The last epoch's metrics. */
  metrics: Record<string, number>;
  stopper: EarlyStopper | null;
  scheduler: LrScheduler;
  /** The best epoch's weights and metrics, kept for early stopping's restoreBest. */
  best: { weights: tf.Tensor[]; metrics: Record<string, number> } | null;
  /** Pass 2: the selection the first pass made. */
  selection: SelectionResult | null;
}

/** The checkpoint after `epoch` of a fit: its progress, the model's weights and the engine's Adam. */
export async function captureCheckpoint(
  progress: FitProgress,
  epoch: number,
  stopped: boolean,
  model: { save(handler: tf.io.IOHandler): Promise<unknown> },
  engine: StepEngine,
): Promise<Uint8Array<ArrayBuffer>> {
  const { stopper, best } = progress;
  const optimizer = await engine.saveOptimizer();
  const state: CheckpointState = {
    pass: progress.pass,
    epoch,
    globalStep: progress.offset + epoch,
    step: progress.step,
    rng: progress.rng.getState(),
    stoppedEpoch: progress.stoppedEpoch,
    stopped,
    metrics: progress.metrics,
    stopper: stopper
      ? {
          best: Number.isNaN(stopper.best) ? null : stopper.best,
          bestEpoch: stopper.bestEpoch,
          wait: stopper.wait,
        }
      : null,
    scheduler: progress.scheduler.state(),
    bestMetrics: best?.metrics ?? null,
    accBeta: optimizer.accBeta,
    selection: progress.pass === 2 ? progress.selection : null,
  };
  try {
    return await encodeCheckpoint(state, model, optimizer.weights, best?.weights ?? null);
  } finally {
    tf.dispose(optimizer.weights.map((w) => w.tensor));
  }
}

/**
 * Continues `progress` and the engine's optimizer from a checkpoint (the model's weights are the
 * caller's to set before it builds the engine). Returns the first epoch left to train, past `epochs`
 * when the checkpointed pass had stopped.
 */
export async function restoreCheckpoint(
  resume: Checkpoint,
  progress: FitProgress,
  engine: StepEngine,
  epochs: number,
): Promise<number> {
  const r = resume.state;
  await engine.restoreOptimizer({ weights: resume.optimizer, accBeta: r.accBeta }, r.step);
  tf.dispose(resume.optimizer.map((w) => w.tensor));
  progress.rng.setState(r.rng);
  progress.step = r.step;
  progress.stoppedEpoch = r.stoppedEpoch;
  progress.metrics = r.metrics;
  progress.scheduler.restore(r.scheduler);
  const { stopper } = progress;
  if (stopper && r.stopper) {
    stopper.best = r.stopper.best ?? NaN;
    stopper.bestEpoch = r.stopper.bestEpoch;
    stopper.wait = r.stopper.wait;
  }
  if (resume.best && r.bestMetrics)
    progress.best = { weights: resume.best, metrics: r.bestMetrics };
  return r.stopped ? epochs + 1 : r.epoch + 1;
}
