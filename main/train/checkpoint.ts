// Training checkpoints: everything fitOnce needs to continue a run exactly where it stopped, in one
// small binary file (checkpoint-state.ts).
import * as tf from '@tensorflow/tfjs-core';
import { readHeader, type CheckpointState, type Header, type Specs } from './checkpoint-state';

export { CHECKPOINT_PATH, checkpointState, type CheckpointState } from './checkpoint-state';

export interface Checkpoint {
  state: CheckpointState;
  model: tf.Tensor[];
  optimizer: NamedTensor[];
  best: tf.Tensor[] | null;
}

type NamedTensor = { name: string; tensor: tf.Tensor };

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

export async function encodeCheckpoint(
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
