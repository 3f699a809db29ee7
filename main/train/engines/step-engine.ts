// The seam between the training loop (fit.ts: epochs, schedules, early stopping, checkpoints) and what
// takes its optimizer steps: the fused WebAssembly engine (fused.ts) or tfjs kernels (tfjs.ts). The loop
// calls this interface only, so another engine plugs in by implementing it.
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { TrainConfig } from '../../../shared/contract';

export type NamedTensor = { name: string; tensor: tf.Tensor };

/** The training rows of a pass, as every engine takes them. */
export interface TrainingRows {
  /** Row-major features, [rows, width]. */
  x: Float32Array;
  rows: number;
  width: number;
  /** Per row: 0/1 (binary), the class index (multiclass) or the standardized value (regression). */
  y: Float32Array | Int32Array;
  /** Per-row loss weights (class weights), or null. */
  weights: Float32Array | null;
}

/**
 * Adam's state as tfjs's Adam saves it (`iter`, then `<variable>/m` per variable, then `<variable>/v`),
 * the one checkpoint layout for every engine, with its bias-correction accumulators β1^t and β2^t
 * bit-exact (tfjs's setWeights would recompute them with pow).
 */
export interface OptimizerState {
  weights: NamedTensor[];
  accBeta: [number, number];
}

/** What an engine is built from: the model of record, its config and the pass's training rows. */
export interface EngineInput {
  config: TrainConfig;
  /** The model of record; an engine with weights of its own reads them from it when it is built. */
  model: tfl.Sequential;
  rows: TrainingRows;
  outputDim: number;
  batchSize: number;
}

export interface StepEngine {
  /** Starts an epoch: the row order its steps take consecutive slices of, and their learning rate. */
  beginEpoch(order: Int32Array, lr: number): void;
  /**
   * One optimizer step on rows order[start, start + count). `step` counts the pass's steps from 1 and
   * seeds the dropout masks, so a resumed run draws the same ones. Returns the batch loss with penalties.
   */
  step(start: number, count: number, step: number): number;
  /** Puts the engine's weights into the model of record (validation, checkpoints and saving read it). */
  syncModel(): void;
  /** The optimizer's state for a checkpoint: fresh tensors, the caller's to dispose. */
  saveOptimizer(): Promise<OptimizerState>;
  /** Restores saveOptimizer's state from a checkpoint taken after `step` steps. */
  restoreOptimizer(state: OptimizerState, step: number): Promise<void>;
  /** Frees what the engine holds (tensors, WebAssembly memory); the model stays. */
  dispose(): void;
}
