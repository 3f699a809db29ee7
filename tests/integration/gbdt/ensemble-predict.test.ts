// The fast ensemble predictor (training's validation, permutation importance and evaluation use it)
// equals tree-model.ts's predictRaw bit for bit: trained ensembles with numeric and categorical splits
// and learned missing directions, on rows with NaN, unseen and negative codes and values past the cuts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ensemblePredictor } from '../../../main/train/gbdt/ensemble-predict';
import { trainGbdt, type GbdtParams } from '../../../main/train/gbdt/train-gbdt';
import { predictRaw } from '../../../main/train/gbdt/tree-model';

const params = (objective: GbdtParams['objective'], outputs: number): GbdtParams => ({
  objective,
  outputs,
  trees: 6,
  learningRate: 0.3,
  maxDepth: 4,
  maxLeaves: 0,
  growth: 'depthwise',
  minChildWeight: 0.5,
  minSplitGain: 0,
  l1: 0,
  l2: 1,
  subsample: 1,
  colsample: 1,
  maxBins: 16,
  huberDelta: 1,
  seed: 1,
  threads: 1,
});

/** Rows of 3 features: a numeric one with NaN, a category code 0..5 with -1, another numeric. */
const row = fc.tuple(
  fc.oneof(fc.constant(NaN), fc.float({ min: -5, max: 5, noNaN: true })),
  fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 7 })),
  fc.float({ min: -100, max: 100, noNaN: true }),
);

describe('ensemblePredictor', () => {
  it('equals predictRaw bit for bit', async () => {
    const seen = { categorical: 0, missingLeft: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { minLength: 40, maxLength: 120 }),
        fc.array(row, { minLength: 1, maxLength: 60 }),
        fc.constantFrom(
          ['logistic', 1] as const,
          ['softmax', 3] as const,
          ['squared_error', 1] as const,
        ),
        async (train, test, [objective, outputs]) => {
          const x = Float32Array.from(train.flat());
          const y =
            objective === 'softmax'
              ? Int32Array.from(train, ([a, c]) => (c < 0 ? 0 : c % 3) + (Number.isNaN(a) ? 0 : 0))
              : Float32Array.from(train, ([a, c, b]) =>
                  objective === 'logistic'
                    ? Number(Number.isNaN(a) || c === 2 || b > 10)
                    : (Number.isNaN(a) ? 1 : a) + c * 0.5,
                );
          const model = await trainGbdt(
            params(objective, outputs),
            {
              x,
              rows: train.length,
              width: 3,
              features: ['a', 'c', 'b'],
              categorical: [1],
              y,
              weights: null,
            },
            { x: new Float32Array(0), rows: 0 },
            { onRound: () => 'continue' },
          );
          for (const t of model.trees) {
            if (t.categories.some((c) => c !== null)) seen.categorical++;
            if (t.defaultLeft.some((d, n) => d && t.feature[n]! >= 0)) seen.missingLeft++;
          }
          const xt = Float32Array.from(test.flat());
          const fast = ensemblePredictor(model)(xt, test.length);
          const slow = predictRaw(model, xt, test.length);
          for (let i = 0; i < slow.length; i++)
            expect(Object.is(fast[i], slow[i]), `value ${i}`).toBe(true);
        },
      ),
      { seed: 1416, numRuns: 25 },
    );
    // The ensembles had both kinds of split and sent missing values left somewhere.
    expect(seen.categorical).toBeGreaterThan(0);
    expect(seen.missingLeft).toBeGreaterThan(0);
  }, 60_000);
});
