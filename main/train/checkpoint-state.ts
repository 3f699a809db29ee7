// The checkpoint file's layout and plain state, without TensorFlow (main reads it): one small binary
// file, [u32 LE header length][header JSON][model weights][optimizer state][best weights]; for a
// gradient-boosted tree ensemble, [u32 LE header length][header JSON][the trees so far as JSON].
import type * as tf from '@tensorflow/tfjs-core';
import type { SelectionResult } from './selection';

export const CHECKPOINT_PATH = 'checkpoint/state.bin';

/** The plain (non-tensor) state of a fit after an epoch. */
export interface CheckpointState {
  /** 1, or 2 for the second training of permutation selection. */
  pass: 1 | 2;
  /** Epochs done in this pass. */
  epoch: number;
  /** The metric step of the last epoch done (the epoch counted over both passes). */
  globalStep: number;
  /** Optimizer steps so far in this pass: dropout seeds follow it. */
  step: number;
  /** The shuffling RNG's state. */
  rng: number;
  stoppedEpoch: number;
  /** Early stopping ended the pass after this epoch. */
  stopped: boolean;
  /** The last epoch's metrics. */
  metrics: Record<string, number>;
  stopper: { best: number | null; bestEpoch: number; wait: number } | null;
  scheduler: unknown;
  /** Metrics of the kept best weights (early stopping with restoreBest). */
  bestMetrics: Record<string, number> | null;
  /** Adam's bias-correction accumulators, bit-exact (setWeights would recompute them with pow). */
  accBeta: [number, number];
  /** Pass 2: the selection the first pass made. */
  selection: SelectionResult | null;
}

export type Specs = tf.io.WeightsManifestEntry[];

export interface Header {
  version: 1;
  /**
   * What the blocks hold: a network's weights (unset) or, for 'gbdt', one block of JSON (GbdtState) and
   * no tensors; the network-only state fields (step, rng, scheduler, accBeta) are then neutral.
   */
  kind?: 'gbdt';
  state: CheckpointState;
  model: Specs;
  optimizer: Specs;
  best: Specs;
  /** Byte lengths of the three weight blocks. */
  sizes: [number, number, number];
}

export function readHeader(bytes: Uint8Array): { header: Header; at: number } {
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + len))) as Header;
  if (header.version !== 1) throw new Error(`unknown checkpoint version ${String(header.version)}`);
  return { header, at: 4 + len };
}

/** The plain state alone (no tensors): main reads it to know where a resume starts. */
export function checkpointState(bytes: Uint8Array): CheckpointState {
  return readHeader(bytes).header.state;
}

/** A GBDT pass's trees so far (train-gbdt.ts's GbdtCheckpoint: plain JSON, float64 values exact). */
export interface GbdtState {
  round: number;
  trees: unknown[];
  baseScore: number[];
}

/** The checkpoint of a GBDT pass: its state and its trees. */
export function encodeGbdtCheckpoint(
  state: CheckpointState,
  gbdt: GbdtState,
): Uint8Array<ArrayBuffer> {
  const body = new TextEncoder().encode(JSON.stringify(gbdt));
  const header: Header = {
    version: 1,
    kind: 'gbdt',
    state,
    model: [],
    optimizer: [],
    best: [],
    sizes: [body.byteLength, 0, 0],
  };
  const head = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(4 + head.byteLength + body.byteLength);
  new DataView(out.buffer).setUint32(0, head.byteLength, true);
  out.set(head, 4);
  out.set(body, 4 + head.byteLength);
  return out;
}

/** A GBDT checkpoint's state and trees; null when `bytes` is a network's checkpoint. */
export function decodeGbdtCheckpoint(
  bytes: Uint8Array,
): { state: CheckpointState; gbdt: GbdtState } | null {
  const { header, at } = readHeader(bytes);
  if (header.kind !== 'gbdt') return null;
  const gbdt = JSON.parse(
    new TextDecoder().decode(bytes.subarray(at, at + header.sizes[0])),
  ) as GbdtState;
  return { state: header.state, gbdt };
}
