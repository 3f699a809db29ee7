// Synthetic tables for the GBDT tests: seeded, with missing values and categorical codes.
import { createRng } from '../../../main/train/random';
import type { GbdtData, GbdtParams } from '../../../main/train/gbdt/train-gbdt';

export const defaults: GbdtParams = {
  objective: 'logistic',
  outputs: 1,
  trees: 10,
  learningRate: 0.3,
  maxDepth: 4,
  maxLeaves: 0,
  growth: 'depthwise',
  minChildWeight: 1,
  minSplitGain: 0,
  l1: 0,
  l2: 1,
  subsample: 1,
  colsample: 1,
  maxBins: 256,
  huberDelta: 1,
  seed: 7,
  threads: 1,
};

/**
 * `rows` rows of 5 features: x0, x1 uniform numbers (x1 missing in 10 % of rows), x2 noise, c3 a category
 * code 0..11 (missing in 5 %), x4 a number with few distinct values. The signal: s = x0 + x1 (missing →
 * 0.8) + an effect per category. Targets: logistic 0/1 (s above its typical value, with 10 % noise),
 * softmax 0..2 (thirds of s), regression s plus noise with a few outliers.
 */
export function table(
  rows: number,
  seed: number,
  task: 'logistic' | 'softmax' | 'regression',
): GbdtData {
  const rng = createRng(seed);
  const width = 5;
  const x = new Float32Array(rows * width);
  const y = task === 'softmax' ? new Int32Array(rows) : new Float32Array(rows);
  const catEffect = [0.6, -0.4, 0.1, 0.9, -0.8, 0.3, 0, -0.2, 0.5, -0.6, 0.2, 0.7];
  for (let r = 0; r < rows; r++) {
    const o = r * width;
    const x0 = rng();
    const x1 = rng() < 0.1 ? NaN : rng();
    const code = rng() < 0.05 ? -1 : Math.floor(rng() * 12);
    x[o] = x0;
    x[o + 1] = x1;
    x[o + 2] = rng();
    x[o + 3] = code;
    x[o + 4] = Math.floor(rng() * 5);
    const s = x0 + (Number.isNaN(x1) ? 0.8 : x1) + (code >= 0 ? catEffect[code]! : 0);
    if (task === 'logistic') y[r] = s > 1.2 !== rng() < 0.1 ? 1 : 0;
    else if (task === 'softmax') y[r] = s < 0.8 ? 0 : s < 1.5 ? 1 : 2;
    else y[r] = s + (rng() - 0.5) * 0.3 + (rng() < 0.02 ? 5 : 0);
  }
  return {
    x,
    rows,
    width,
    features: ['x0', 'x1', 'x2', 'c3', 'x4'],
    categorical: [3],
    y,
    weights: null,
  };
}

/** Hooks that record every round and never stop. */
export function recorder() {
  const rounds: { round: number; trainLoss: number; validRaw: Float32Array }[] = [];
  return {
    rounds,
    hooks: {
      onRound: (r: { round: number; trainLoss: number; validRaw: Float32Array }) => {
        rounds.push(r);
        return 'continue' as const;
      },
    },
  };
}
