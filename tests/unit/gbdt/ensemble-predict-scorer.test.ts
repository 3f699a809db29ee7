// The fast tree scorer (bitsets, flat typed arrays, worker threads) gives predictRaw's raw outputs bit for
// bit: on random ensembles probing thresholds, NaN, ±Infinity, -1 and unseen codes; with category codes too
// large for a bitset (the sorted-list path); on 1 and 2 threads.
import { describe, expect, it } from 'vitest';
import { ensemblePredictor } from '../../../main/train/gbdt/ensemble-predict';
import { emptyTree, predictRaw, type GbdtModel } from '../../../main/train/gbdt/tree-model';
import {
  BITSET_CODES,
  SCORE_CHUNK_ROWS,
  compileEnsemble,
  packTrees,
  scoreRows,
  threadedScorer,
} from '../../../main/train/gbdt/tree-scorer';
import {
  randomModel,
  randomRows,
  type RandomModelOptions,
} from '../../integration/onnx-trees/random-model';

const options: RandomModelOptions[] = [
  {
    task: 'binary',
    outputs: 1,
    rounds: 20,
    features: 4,
    categorical: [1],
    categories: 40,
    maxDepth: 6,
    leafScale: 0.3,
  },
  {
    task: 'multiclass',
    outputs: 3,
    rounds: 8,
    features: 5,
    categorical: [0, 3],
    categories: 7,
    maxDepth: 4,
    leafScale: 0.5,
  },
  {
    task: 'regression',
    outputs: 1,
    rounds: 15,
    features: 3,
    categorical: [],
    categories: 0,
    maxDepth: 5,
    leafScale: 1,
  },
];

/** Shifts every code of `model` and of the categorical columns of `x` by `by` (past the bitset range). */
function shiftCodes(model: GbdtModel, x: Float32Array, by: number): [GbdtModel, Float32Array] {
  const width = model.features.length;
  const shifted = structuredClone(model);
  for (const t of shifted.trees) t.categories = t.categories.map((c) => c && c.map((v) => v + by));
  const y = Float32Array.from(x, (v, i) =>
    model.categorical.includes(i % width) && v >= 0 ? v + by : v,
  );
  return [shifted, y];
}

const same = (a: Float64Array, b: Float64Array) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++)
    if (!Object.is(a[i], b[i])) expect([i, a[i]]).toEqual([i, b[i]]);
};

describe('tree scorer', () => {
  options.forEach((o, i) => {
    it(`equals predictRaw bit for bit (${o.task})`, () => {
      const model = randomModel(100 + i, o);
      const rows = 3000;
      const x = randomRows(200 + i, o, rows);
      const want = predictRaw(model, x, rows);
      // The WebAssembly kernel scores this one.
      expect(packTrees(compileEnsemble(model))).not.toBeNull();
      same(scoreRows(compileEnsemble(model), x, rows), want);
      same(ensemblePredictor(model)(x, rows), want);
      same(ensemblePredictor(model)(Float64Array.from(x), rows), want);
      // Fractional values on a categorical feature match no code.
      const frac = Float32Array.from(x, (v) => v + 0.5);
      same(scoreRows(compileEnsemble(model), frac, rows), predictRaw(model, frac, rows));
    });
  });

  it('odd values on a categorical feature go where predictRaw sends them', () => {
    const o = options[0]!;
    const model = randomModel(61, o);
    const odd = [
      -0,
      0.5,
      1 - 2 ** -24,
      2 ** 23,
      2 ** 23 + 2,
      2 ** 24 + 4,
      1e30,
      Infinity,
      -Infinity,
      -0.5,
    ];
    const rows = odd.length * 40;
    const x = randomRows(62, o, rows);
    for (let r = 0; r < rows; r++) x[r * o.features + 1] = odd[r % odd.length]!;
    same(scoreRows(compileEnsemble(model), x, rows), predictRaw(model, x, rows));
  });

  it('codes beyond the bitset range take the sorted-list path, with the same outputs', () => {
    const o = options[0]!;
    const base = randomModel(7, o);
    const x0 = randomRows(8, o, 2000);
    const [model, x] = shiftCodes(base, x0, BITSET_CODES + 5);
    const compiled = compileEnsemble(model);
    expect(compiled.codes.length).toBeGreaterThan(0);
    expect(compileEnsemble(base).codes.length).toBe(0);
    same(scoreRows(compiled, x, 2000), predictRaw(model, x, 2000));
    // The WebAssembly kernel has bitsets only: this ensemble is scored by the loop in JavaScript.
    expect(packTrees(compiled)).toBeNull();
    expect(packTrees(compileEnsemble(base))).not.toBeNull();
  });

  it('packs each tree with its depth and leaves that step to themselves', () => {
    const o = options[0]!;
    const model = randomModel(21, o);
    const compiled = compileEnsemble(model);
    const packed = packTrees(compiled)!;
    const depth = (tree: GbdtModel['trees'][number], n: number): number =>
      tree.feature[n]! < 0
        ? 0
        : 1 + Math.max(depth(tree, tree.left[n]!), depth(tree, tree.right[n]!));
    expect([...packed.depths]).toEqual(model.trees.map((t) => depth(t, 0)));
    const words = new Int32Array(packed.nodes);
    for (let g = 0; g < compiled.feature.length; g++)
      if (compiled.feature[g]! < 0)
        expect([words[g * 8 + 2], words[g * 8 + 3]]).toEqual([g * 32, g * 32]);
    // A threshold that is not a float32 value: the kernel (comparing in float32) is not used, and the
    // JavaScript loop still equals predictRaw.
    const odd = structuredClone(model);
    const tree = odd.trees.find((t) => t.feature[0]! >= 0 && !t.categories[0])!;
    tree.threshold[0] = tree.threshold[0]! + 1e-9;
    expect(Math.fround(tree.threshold[0])).not.toBe(tree.threshold[0]);
    expect(packTrees(compileEnsemble(odd))).toBeNull();
    const x = randomRows(22, o, 1000);
    same(scoreRows(compileEnsemble(odd), x, 1000), predictRaw(odd, x, 1000));
  });

  it('trees whose rows stop far above their depth are walked in JavaScript, the same', () => {
    // A chain: each split sends most rows (by cover) to a leaf on the left; the rest go on down.
    const depth = 12;
    const tree = emptyTree();
    const node = (split: boolean, threshold: number, value: number, cover: number) => {
      const n = tree.feature.length;
      tree.feature.push(split ? 0 : -1);
      tree.threshold.push(threshold);
      tree.categories.push(null);
      tree.defaultLeft.push(false);
      tree.left.push(split ? n + 1 : -1);
      tree.right.push(split ? n + 2 : -1);
      tree.value.push(value);
      tree.cover.push(cover);
      tree.gain.push(split ? 1 : 0);
    };
    for (let d = 0; d < depth; d++) {
      node(true, d, 0, 0);
      node(false, 0, d + 1, 2 ** (depth - d));
    }
    node(false, 0, -1, 1);
    const chain: GbdtModel = {
      ...randomModel(91, options[2]!),
      features: ['x0'],
      categorical: [],
      trees: [tree, tree],
    };
    expect(packTrees(compileEnsemble(chain))).toBeNull();
    // Rows spread evenly over the leaves instead: the kernel walks it.
    const even = structuredClone(chain);
    for (const t of even.trees) t.cover = t.cover.map((c) => (c > 0 ? 1 : 0));
    expect(packTrees(compileEnsemble(even))).not.toBeNull();
    const x = Float32Array.from({ length: 40 }, (_, i) => i / 2 - 3);
    same(scoreRows(compileEnsemble(chain), x, 40), predictRaw(chain, x, 40));
    same(scoreRows(compileEnsemble(even), x, 40), predictRaw(even, x, 40));
  });

  it('doubles that are not float32 values are compared as they are (predictRaw), not rounded', () => {
    const o = options[2]!;
    const model = randomModel(31, o);
    const rows = 500;
    const x = Float64Array.from(randomRows(32, o, rows));
    // Just above a threshold: rounded to float32 the value would equal it and go left.
    const t = model.trees[0]!;
    const root = t.threshold[0]!;
    for (let r = 0; r < rows; r += 2)
      x[r * o.features + t.feature[0]!] = root + Math.max(Math.abs(root) * 1e-12, 1e-300);
    const want = predictRaw(model, x, rows);
    same(ensemblePredictor(model)(x, rows), want);
    const rounded = Float32Array.from(x);
    expect(predictRaw(model, rounded, rows)).not.toEqual(want);
  });

  it('1 and 2 threads give the same outputs as predictRaw', async () => {
    const o = options[1]!;
    const model = randomModel(11, o);
    const rows = SCORE_CHUNK_ROWS * 7 + 13;
    const x = randomRows(12, o, rows);
    const want = predictRaw(model, x, rows);
    for (const threads of [1, 2]) {
      const scorer = threadedScorer(model, threads);
      try {
        expect(scorer.threads).toBe(threads);
        same(await scorer.score(x, rows), want);
        // Again on the same workers, and a matrix shorter than one chunk.
        same(await scorer.score(x.subarray(0, 10 * o.features), 10), want.subarray(0, 30));
        same(await scorer.score(x, rows), want);
      } finally {
        await scorer.close();
      }
      await expect(scorer.score(x, rows)).rejects.toThrow(/closed/);
    }
  });

  it('a matrix larger than a slice of the kernel memory is scored slice by slice, the same', async () => {
    const o = options[1]!;
    const model = randomModel(71, o);
    const rows = SCORE_CHUNK_ROWS * 5 + 3;
    const x = randomRows(72, o, rows);
    // Slices of SCORE_CHUNK_ROWS rows (the least): six of them, the last of 3 rows.
    const scorer = threadedScorer(model, 2, 1);
    try {
      same(await scorer.score(x, rows), predictRaw(model, x, rows));
    } finally {
      await scorer.close();
    }
  });

  it('calls made before the last one returns are scored one after another, each right', async () => {
    const o = options[0]!;
    const model = randomModel(41, o);
    const rows = SCORE_CHUNK_ROWS * 3 + 5;
    const a = randomRows(42, o, rows);
    const b = randomRows(43, o, rows);
    const scorer = threadedScorer(model, 2);
    try {
      const [sa, sb] = await Promise.all([scorer.score(a, rows), scorer.score(b, rows)]);
      same(sa, predictRaw(model, a, rows));
      same(sb, predictRaw(model, b, rows));
    } finally {
      await scorer.close();
    }
  });

  it('an ensemble with codes past the bitsets scores on 2 threads in JavaScript, the same', async () => {
    const o = options[0]!;
    const rows = SCORE_CHUNK_ROWS * 2 + 7;
    const [model, x] = shiftCodes(randomModel(51, o), randomRows(52, o, rows), BITSET_CODES + 1);
    const scorer = threadedScorer(model, 2);
    try {
      same(await scorer.score(x, rows), predictRaw(model, x, rows));
    } finally {
      await scorer.close();
    }
  });
});
