// A network's raw outputs on many rows (validation every epoch, importance, evaluation) come a
// PREDICT_BATCH of rows at a time, each batch its own tensor: the same numbers, bit for bit, as tfjs's own
// batching over one tensor of every row (which on the WebAssembly backend copied that whole tensor out for
// each batch), with several outputs per row, a last partial batch, one batch and none; and no tensor is left.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../main/train/backend';
import { PREDICT_BATCH, predict } from '../../../../main/train/validation';
import { createRng } from '../../../../main/train/random';

beforeAll(async () => {
  expect(await initBackend('wasm')).toBe('wasm');
});

function network(width: number, outputs: number): tfl.Sequential {
  const model = tfl.sequential();
  model.add(
    tfl.layers.dense({ inputShape: [width], units: 16, activation: 'relu', useBias: true }),
  );
  model.add(tfl.layers.dense({ units: outputs }));
  return model;
}

function rows(n: number, width: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n * width }, () => rng() * 4 - 2);
}

describe('predict', () => {
  for (const [n, outputs] of [
    [2 * PREDICT_BATCH + 1234, 3],
    [PREDICT_BATCH, 1],
    [17, 2],
  ] as const)
    it(`gives tfjs's batched outputs bit for bit (${n} rows, ${outputs} outputs)`, () => {
      const width = 7;
      const model = network(width, outputs);
      const x = rows(n, width, n);
      try {
        const want = tf.tidy(
          () =>
            (
              model.predict(tf.tensor2d(x, [n, width]), { batchSize: PREDICT_BATCH }) as tf.Tensor
            ).dataSync() as Float32Array,
        );
        const before = tf.memory().numTensors;
        const got = predict(model, x, n, width);
        expect(tf.memory().numTensors).toBe(before);
        expect(got.length).toBe(n * outputs);
        expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
      } finally {
        model.dispose();
      }
    });

  it('answers no rows with no outputs', () => {
    const model = network(3, 2);
    try {
      expect(predict(model, new Float32Array(0), 0, 3)).toEqual(new Float32Array(0));
    } finally {
      model.dispose();
    }
  });
});
