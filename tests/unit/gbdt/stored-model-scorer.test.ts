// Evaluation scores a stored tree ensemble on every core (loadStoredModel → threadedScorer): its raw
// outputs are the one-thread walk's (predictRaw, rounded to float32) bit for bit, on one thread and on two,
// call after call (permutation importance reuses the scorer with the same buffer reshuffled).
import { describe, expect, it } from 'vitest';
import { loadStoredModel } from '../../../main/evaluate/predict';
import { predictRaw } from '../../../main/train/gbdt/tree-model';
import { randomModel, randomRows } from '../../integration/onnx-trees/random-model';

const binary = {
  task: 'binary' as const,
  outputs: 1,
  rounds: 25,
  features: 4,
  categorical: [2],
  categories: 30,
  maxDepth: 6,
  leafScale: 0.3,
};
const multiclass = { ...binary, task: 'multiclass' as const, outputs: 3, rounds: 10 };

const same = (a: Float32Array, b: Float32Array) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++)
    if (!Object.is(a[i], b[i])) expect([i, a[i]]).toEqual([i, b[i]]);
};

describe('a stored tree ensemble scored for evaluation', () => {
  for (const o of [binary, multiclass])
    for (const threads of [1, 2])
      it(`gives the one-thread walk's outputs (${o.task}, ${threads} thread(s))`, async () => {
        const model = randomModel(7 + threads, o);
        const rows = 5000;
        const x = randomRows(11 + threads, o, rows);
        const scorer = await loadStoredModel(
          { kind: 'gbdt', json: JSON.stringify(model) },
          o.features,
          threads,
        );
        try {
          const first = await scorer.predict(x, rows);
          same(first, Float32Array.from(predictRaw(model, x, rows)));
          // The same buffer with its rows reversed, as importance reshuffles one: scored afresh.
          const reversed = new Float32Array(x.length);
          for (let r = 0; r < rows; r++)
            reversed.set(
              x.subarray(r * o.features, (r + 1) * o.features),
              (rows - 1 - r) * o.features,
            );
          same(
            await scorer.predict(reversed, rows),
            Float32Array.from(predictRaw(model, reversed, rows)),
          );
          // A part of the rows.
          same(
            await scorer.predict(x.subarray(0, 10 * o.features), 10),
            first.subarray(0, 10 * o.outputs),
          );
        } finally {
          await scorer.dispose();
        }
      });

  it('names a stored model that is not a Lathe tree ensemble', async () => {
    await expect(
      loadStoredModel({ kind: 'gbdt', json: JSON.stringify({ format: 'other' }) }, 3),
    ).rejects.toThrow(/model\/gbdt.json is not a model Lathe trained/);
  });
});
