// TreeSHAP on random ensembles (numeric and categorical splits, NaN and negative or unseen codes, covers
// of 0, several outputs): contributions add up to predictRaw, equal the exact Shapley values enumerated
// over every subset of features, and give nothing to a feature no tree splits on. Plus hand-worked
// cases and feature importance.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { featureImportance } from '../../../main/train/gbdt/importance';
import {
  goesLeft,
  predictRaw,
  type GbdtModel,
  type Tree,
} from '../../../main/train/gbdt/tree-model';
import { createTreeExplainer, treeShap } from '../../../main/train/gbdt/tree-shap';
import { randomModel, randomRows } from './random-model';

/**
 * The value of a coalition S for one tree and row, as path-dependent TreeSHAP defines it: a split on a
 * feature in S follows the row; any other split averages its children by their shares of cover.
 */
function coalitionValue(
  tree: Tree,
  model: GbdtModel,
  x: Float32Array,
  offset: number,
  inS: (f: number) => boolean,
): number {
  const visit = (n: number): number => {
    const f = tree.feature[n]!;
    if (f < 0) return tree.value[n]!;
    const l = tree.left[n]!;
    const r = tree.right[n]!;
    if (inS(f))
      return visit(goesLeft(tree, n, x[offset + f]!, model.categorical.includes(f)) ? l : r);
    const total = tree.cover[l]! + tree.cover[r]!;
    const wl = total > 0 ? tree.cover[l]! / total : 0.5;
    return wl * visit(l) + (1 - wl) * visit(r);
  };
  return visit(0);
}

/** Exact Shapley values by enumerating all 2^M coalitions: [rows][outputs][M + 1] like treeShap. */
function bruteForceShap(model: GbdtModel, x: Float32Array, rows: number): Float64Array {
  const m = model.features.length;
  const k = model.outputs;
  const out = new Float64Array(rows * k * (m + 1));
  const fact = [1];
  for (let i = 1; i <= m; i++) fact.push(fact[i - 1]! * i);
  for (let r = 0; r < rows; r++) {
    const v = new Float64Array(k << m);
    for (let s = 0; s < 1 << m; s++)
      model.trees.forEach((t, i) => {
        v[(i % k) * (1 << m) + s]! += coalitionValue(
          t,
          model,
          x,
          r * m,
          (f) => (s & (1 << f)) !== 0,
        );
      });
    for (let c = 0; c < k; c++) {
      const base = (r * k + c) * (m + 1);
      out[base + m] = model.baseScore[c]! + v[c * (1 << m)]!;
      for (let f = 0; f < m; f++)
        for (let s = 0; s < 1 << m; s++) {
          if (s & (1 << f)) continue;
          let size = 0;
          for (let b = s; b; b &= b - 1) size++;
          const weight = (fact[size]! * fact[m - size - 1]!) / fact[m]!;
          out[base + f]! += weight * (v[c * (1 << m) + (s | (1 << f))]! - v[c * (1 << m) + s]!);
        }
    }
  }
  return out;
}

// One split on x0 (left: value 1 over cover 3; right: −1 over cover 1), x1 unused. Expected value
// 0.75·1 + 0.25·(−1) = 0.5, so x0 takes +0.5 on the left and −1.5 on the right.
const stump: GbdtModel = {
  format: 'lathe-gbdt',
  formatVersion: 1,
  task: 'regression',
  objective: 'squared_error',
  features: ['x0', 'x1'],
  categorical: [],
  outputs: 1,
  baseScore: [0.25],
  trees: [
    {
      feature: [0, -1, -1],
      threshold: [Math.fround(0.5), 0, 0],
      categories: [null, null, null],
      defaultLeft: [false, false, false],
      left: [1, -1, -1],
      right: [2, -1, -1],
      value: [0, 1, -1],
      cover: [4, 3, 1],
      gain: [2, 0, 0],
    },
  ],
  roundsTrained: 1,
};

const shapes = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  features: fc.integer({ min: 1, max: 5 }),
  outputs: fc.constantFrom(1, 3),
  trees: fc.integer({ min: 1, max: 4 }),
  maxDepth: fc.integer({ min: 1, max: 6 }),
  rows: fc.integer({ min: 1, max: 12 }),
});

describe('treeShap', () => {
  it('adds up to predictRaw for every row and output (random models and rows)', () => {
    fc.assert(
      fc.property(shapes, (s) => {
        const model = randomModel(s.seed, s);
        const x = randomRows(s.seed, model, s.rows);
        const raw = predictRaw(model, x, s.rows);
        const phi = treeShap(model, x, s.rows);
        const w = s.features + 1;
        expect(phi).toHaveLength(s.rows * s.outputs * w);
        for (let i = 0; i < s.rows * s.outputs; i++) {
          let sum = 0;
          for (let j = 0; j < w; j++) sum += phi[i * w + j]!;
          expect(Math.abs(sum - raw[i]!)).toBeLessThan(1e-9 * (1 + Math.abs(raw[i]!)));
        }
      }),
      { seed: 1414, numRuns: 150 },
    );
  });

  it('equals the exact Shapley values of every coalition (random models and rows)', () => {
    fc.assert(
      fc.property(shapes, (s) => {
        const model = randomModel(s.seed, s);
        const x = randomRows(s.seed, model, s.rows);
        const phi = treeShap(model, x, s.rows);
        const exact = bruteForceShap(model, x, s.rows);
        for (let i = 0; i < phi.length; i++)
          expect(Math.abs(phi[i]! - exact[i]!), `slot ${i}`).toBeLessThan(1e-9);
      }),
      { seed: 2018, numRuns: 120 },
    );
  });

  it('gives the same values row by row (leaf by leaf) as in a large batch (pattern tables)', () => {
    fc.assert(
      fc.property(shapes, (s) => {
        const model = randomModel(s.seed, { ...s, maxDepth: Math.max(3, s.maxDepth) });
        const x = randomRows(s.seed, model, s.rows);
        const w = s.features;
        const copies = 400;
        const many = new Float32Array(x.length * copies);
        for (let c = 0; c < copies; c++) many.set(x, c * x.length);
        const batch = createTreeExplainer(model).explain(many, s.rows * copies);
        const slots = s.outputs * (w + 1);
        for (let r = 0; r < s.rows; r++) {
          // A fresh explainer per row: one row never pays for tables.
          const alone = createTreeExplainer(model).explain(x.subarray(r * w, (r + 1) * w), 1);
          for (let c = 0; c < copies; c += 133)
            for (let j = 0; j < slots; j++)
              expect(Math.abs(batch[(c * s.rows + r) * slots + j]! - alone[j]!)).toBeLessThan(
                1e-12,
              );
        }
      }),
      { seed: 6, numRuns: 25 },
    );
  });

  it('gives 0 to features no tree splits on and the same expected value to every row', () => {
    fc.assert(
      fc.property(shapes, fc.integer({ min: 0, max: 4 }), (s, u) => {
        const features = Math.max(s.features, 2);
        const unused = u % features;
        const model = randomModel(s.seed, { ...s, features, unused: [unused] });
        const x = randomRows(s.seed, model, s.rows);
        const phi = treeShap(model, x, s.rows);
        const w = features + 1;
        for (let r = 0; r < s.rows; r++)
          for (let c = 0; c < s.outputs; c++) {
            expect(phi[(r * s.outputs + c) * w + unused]).toBe(0);
            expect(phi[(r * s.outputs + c) * w + features]).toBe(phi[c * w + features]);
          }
      }),
      { seed: 77, numRuns: 60 },
    );
  });

  it('works a one-split tree by hand: left, right, the threshold itself, and NaN by defaultLeft', () => {
    const x = Float32Array.from([0, 7, 1, 7, 0.5, 7, NaN, 7]);
    expect(Array.from(treeShap(stump, x, 4))).toEqual([
      0.5, 0, 0.75, -1.5, 0, 0.75, 0.5, 0, 0.75, -1.5, 0, 0.75,
    ]);
    const left = { ...stump, trees: [{ ...stump.trees[0]!, defaultLeft: [true, false, false] }] };
    expect(Array.from(treeShap(left, Float32Array.from([NaN, 0]), 1))).toEqual([0.5, 0, 0.75]);
  });

  it('sends a categorical split by its codes, and NaN or a negative code by defaultLeft', () => {
    const cat: GbdtModel = {
      ...stump,
      categorical: [0],
      trees: [{ ...stump.trees[0]!, threshold: [0, 0, 0], categories: [[1, 4], null, null] }],
    };
    const x = Float32Array.from([4, 0, 2, 0, -1, 0, NaN, 0, 9, 0]);
    const phi = treeShap(cat, x, 5);
    expect([0, 1, 2, 3, 4].map((r) => phi[r * 3])).toEqual([0.5, -1.5, -1.5, -1.5, -1.5]);
  });

  it('credits tree t to output t % outputs and a single-leaf tree to the expected value only', () => {
    const leaf: Tree = {
      feature: [-1],
      threshold: [0],
      categories: [null],
      defaultLeft: [false],
      left: [-1],
      right: [-1],
      value: [0.125],
      cover: [4],
      gain: [0],
    };
    const model: GbdtModel = {
      ...stump,
      task: 'multiclass',
      objective: 'softmax',
      outputs: 2,
      baseScore: [0, 1],
      trees: [stump.trees[0]!, leaf],
    };
    expect(Array.from(treeShap(model, Float32Array.from([1, 0]), 1))).toEqual([
      -1.5, 0, 0.5, 0, 0, 1.125,
    ]);
  });

  it('refuses a matrix shorter than rows × features', () => {
    expect(() => treeShap(stump, new Float32Array(3), 2)).toThrow(/3 values for 2 rows of 2/);
  });
});

describe('featureImportance', () => {
  it('sums gains and counts splits per feature name, 0 for features never split on', () => {
    const model = randomModel(99, { features: 5, outputs: 3, trees: 4, maxDepth: 4, unused: [2] });
    const gain = [0, 0, 0, 0, 0];
    const splits = [0, 0, 0, 0, 0];
    for (const t of model.trees)
      for (let n = 0; n < t.feature.length; n++)
        if (t.feature[n]! >= 0) {
          gain[t.feature[n]!]! += t.gain[n]!;
          splits[t.feature[n]!]!++;
        }
    const imp = featureImportance(model);
    expect(Object.keys(imp.gain)).toEqual(model.features);
    expect(Object.keys(imp.splits)).toEqual(model.features);
    expect(imp.gain.x2).toBe(0);
    expect(imp.splits.x2).toBe(0);
    expect(splits.reduce((a, b) => a + b)).toBeGreaterThan(0);
    model.features.forEach((name, f) => {
      expect(imp.gain[name]).toBeCloseTo(gain[f]!, 12);
      expect(imp.splits[name]).toBe(splits[f]);
    });
    expect(featureImportance(stump)).toEqual({ gain: { x0: 2, x1: 0 }, splits: { x0: 1, x1: 0 } });
  });
});
