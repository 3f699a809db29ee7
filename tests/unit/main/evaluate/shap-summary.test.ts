import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EvaluationReport, Explanations } from '../../../../shared/contract';
import {
  explainedCount,
  explainForReport,
  explainTrees,
  explanationOutputs,
  sampleRows,
  SHAP_MAX_ROWS,
  SHAP_MAX_STORED,
  SHAP_MIN_ROWS,
  SHAP_MIN_STORED,
  storedCount,
  summarizeShap,
  type ShapFn,
} from '../../../../main/evaluate/shap-summary';
import { predictRaw, type GbdtModel, type Tree } from '../../../../main/train/gbdt/tree-model';
import { binaryReport } from '../../../fixtures/evaluation-reports';

/** A one-split tree on `feature`: left leaf `lv` (cover `lc`), right leaf `rv` (cover `rc`). */
function stump(
  feature: number,
  threshold: number,
  lv: number,
  rv: number,
  lc = 1,
  rc = 1,
  opts: { categories?: number[]; defaultLeft?: boolean } = {},
): Tree {
  return {
    feature: [feature, -1, -1],
    threshold: [opts.categories ? 0 : threshold, 0, 0],
    categories: [opts.categories ?? null, null, null],
    defaultLeft: [opts.defaultLeft ?? true, false, false],
    left: [1, -1, -1],
    right: [2, -1, -1],
    value: [(lv * lc + rv * rc) / (lc + rc), lv, rv],
    cover: [lc + rc, lc, rc],
    gain: [1, 0, 0],
  };
}

function model(
  features: string[],
  trees: Tree[],
  outputs = 1,
  categorical: number[] = [],
  task: GbdtModel['task'] = outputs > 1 ? 'multiclass' : 'binary',
): GbdtModel {
  return {
    format: 'lathe-gbdt',
    formatVersion: 1,
    task,
    objective: task === 'multiclass' ? 'softmax' : task === 'binary' ? 'logistic' : 'squared_error',
    features,
    categorical,
    outputs,
    baseScore: Array.from({ length: outputs }, (_, k) => 0.25 * (k + 1)),
    trees,
    roundsTrained: trees.length / outputs,
  };
}

/**
 * Exact SHAP of a model of stumps, by hand: a stump on feature f gives f (its leaf's value − the
 * cover-weighted mean of its leaves) and the base that mean. Independent of tree-shap.ts.
 */
const stumpShap: ShapFn = (m, x, rows) => {
  const F = m.features.length;
  const K = m.outputs;
  const isCat = m.features.map((_, i) => m.categorical.includes(i));
  const out = new Float64Array(rows * K * (F + 1));
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < K; k++) out[(r * K + k) * (F + 1) + F] = m.baseScore[k]!;
    m.trees.forEach((t, i) => {
      const k = i % K;
      const f = t.feature[0]!;
      const expected = t.value[0]!;
      const v = x[r * F + f]!;
      const nanOrMissing = Number.isNaN(v) || (isCat[f] && v < 0);
      const left = nanOrMissing
        ? t.defaultLeft[0]!
        : t.categories[0]
          ? t.categories[0].includes(v)
          : v <= t.threshold[0]!;
      const leaf = left ? t.value[1]! : t.value[2]!;
      const o = (r * K + k) * (F + 1);
      out[o + f]! += leaf - expected;
      out[o + F]! += expected;
    });
  }
  return out;
};

/** Rows of `width` columns from a seeded generator: uniform in [0, 10), NaN at `nanRate`. */
function rowsOf(rows: number, width: number, seed: number, nanRate = 0): Float32Array {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return Float32Array.from({ length: rows * width }, () =>
    next() < nanRate ? Number.NaN : Math.floor(next() * 1000) / 100,
  );
}

describe('sampleRows', () => {
  it('draws distinct ascending positions, as many as asked, the same for a seed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 0, max: 600 }),
        fc.integer(),
        (n, m, seed) => {
          const a = sampleRows(n, m, seed);
          expect(a.length).toBe(Math.min(n, m));
          for (let i = 1; i < a.length; i++) expect(a[i]!).toBeGreaterThan(a[i - 1]!);
          if (a.length) expect(a[0]!).toBeGreaterThanOrEqual(0);
          if (a.length) expect(a[a.length - 1]!).toBeLessThan(n);
          expect(Array.from(sampleRows(n, m, seed))).toEqual(Array.from(a));
        },
      ),
      { seed: 1401, numRuns: 60 },
    );
  });

  it('spreads over the rows (not the first m) and another seed draws others', () => {
    const a = sampleRows(100_000, 2000, 7);
    const b = sampleRows(100_000, 2000, 8);
    expect(a[a.length - 1]!).toBeGreaterThan(90_000);
    expect(a[0]!).toBeLessThan(1000);
    // About half the draws fall in each half of the rows.
    const firstHalf = Array.from(a).filter((p) => p < 50_000).length;
    expect(firstHalf).toBeGreaterThan(850);
    expect(firstHalf).toBeLessThan(1150);
    expect(Array.from(a)).not.toEqual(Array.from(b));
  });
});

describe('summarizeShap: ranking', () => {
  it('ranks inputs by mean |SHAP|, largest first, ties in column order', () => {
    // 3 rows, 4 features, 1 output: |SHAP| means a=1, b=3, c=0, d=1.
    const c = Float64Array.from(
      [
        [1, -3, 0, 1, 0.5],
        [-1, 3, 0, -1, 0.5],
        [1, 3, 0, 1, 0.5],
      ].flat(),
    );
    const s = summarizeShap({
      contributions: c,
      x: rowsOf(3, 4, 1),
      rows: 3,
      features: ['a', 'b', 'c', 'd'],
      categorical: [],
      outputs: ['yes'],
      units: 'log-odds of “yes”',
      positions: [10, 20, 30],
      stored: [0, 2],
      evaluatedRows: 40,
      seed: 3,
    });
    expect(s.features.map((f) => f.feature)).toEqual(['b', 'a', 'd', 'c']);
    expect(s.features.map((f) => f.meanAbs[0])).toEqual([3, 1, 1, 0]);
    expect(s.base).toEqual([0.5]);
    expect(s.storedRows).toEqual([10, 30]);
    expect(s.features[0]!.shap).toEqual([[-3, 3]]);
    expect(() => Explanations.parse(s)).not.toThrow();
  });

  it('refuses contributions of the wrong shape, naming both shapes', () => {
    expect(() =>
      summarizeShap({
        contributions: new Float64Array(7),
        x: new Float32Array(4),
        rows: 2,
        features: ['a', 'b'],
        categorical: [],
        outputs: ['y'],
        units: '',
        positions: [0, 1],
        stored: [0],
        evaluatedRows: 2,
        seed: 0,
      }),
    ).toThrow(/7 values, expected 2 rows × 1 outputs × 3/);
  });
});

describe('explainTrees', () => {
  const features = ['f0', 'f1', 'f2', 'f3', 'f4'];
  // f2 matters most, then f0, f4 a little, f1 and f3 never split on.
  const binary = model(features, [
    stump(2, 5, -2, 2, 3, 1),
    stump(0, 3, 1, -1),
    stump(2, 8, 0.5, -0.5, 2, 1),
    stump(4, 5, 0.1, -0.1),
  ]);

  it('explains a seeded sample of at most 2,000 rows and stores at most 500 of them', () => {
    const rows = 12_000;
    const x = rowsOf(rows, 5, 11);
    const e = explainTrees({
      model: binary,
      x,
      rows,
      outputs: ['yes'],
      units: 'u',
      seed: 42,
      shap: stumpShap,
    });
    expect(e.evaluatedRows).toBe(rows);
    expect(e.explainedRows).toBe(SHAP_MAX_ROWS);
    expect(e.storedRows.length).toBe(SHAP_MAX_STORED);
    expect(new Set(e.storedRows).size).toBe(SHAP_MAX_STORED);
    expect(e.storedRows.every((p) => p >= 0 && p < rows)).toBe(true);
    for (const f of e.features) {
      expect(f.values).toHaveLength(SHAP_MAX_STORED);
      expect(f.shap).toHaveLength(1);
      expect(f.shap[0]).toHaveLength(SHAP_MAX_STORED);
    }
    expect(e.features.map((f) => f.feature)).toEqual(['f2', 'f0', 'f4', 'f1', 'f3']);
    expect(e.features.find((f) => f.feature === 'f1')!.meanAbs).toEqual([0]);
    // Deterministic: the same seed gives the same JSON; another seed other rows.
    const again = explainTrees({
      model: binary,
      x,
      rows,
      outputs: ['yes'],
      units: 'u',
      seed: 42,
      shap: stumpShap,
    });
    expect(JSON.stringify(again)).toBe(JSON.stringify(e));
    const other = explainTrees({
      model: binary,
      x,
      rows,
      outputs: ['yes'],
      units: 'u',
      seed: 43,
      shap: stumpShap,
    });
    expect(other.storedRows).not.toEqual(e.storedRows);
  });

  it('explains every row when there are fewer than the bound', () => {
    const x = rowsOf(37, 5, 2);
    const e = explainTrees({
      model: binary,
      x,
      rows: 37,
      outputs: ['yes'],
      units: 'u',
      seed: 1,
      shap: stumpShap,
    });
    expect(e.explainedRows).toBe(37);
    expect(e.storedRows).toEqual(Array.from({ length: 37 }, (_, i) => i));
  });

  it('stored rows: base + their SHAP values sum to the model output of that row, and values are theirs', () => {
    const rows = 3000;
    const x = rowsOf(rows, 5, 5, 0.1);
    const raw = predictRaw(binary, x, rows);
    const e = explainTrees({
      model: binary,
      x,
      rows,
      outputs: ['yes'],
      units: 'u',
      seed: 9,
      shap: stumpShap,
    });
    e.storedRows.forEach((row, i) => {
      const sum = e.base[0]! + e.features.reduce((a, f) => a + f.shap[0]![i]!, 0);
      expect(sum).toBeCloseTo(raw[row]!, 4);
      for (const f of e.features) {
        const v = x[row * 5 + features.indexOf(f.feature)]!;
        const stored = f.values[i]!;
        // Stored in its shortest decimal form, which reads back as the same float32.
        if (Number.isNaN(v)) expect(stored).toBeNull();
        else {
          expect(Math.fround(stored)).toBe(v);
          expect(String(stored).length).toBeLessThanOrEqual(
            String(Number(v.toPrecision(9))).length,
          );
        }
      }
    });
    // NaN values are stored as missing and kept out of the colour range.
    expect(e.features.some((f) => f.values.includes(null))).toBe(true);
    for (const f of e.features) {
      const [lo, hi] = f.range!;
      expect(lo).toBeGreaterThanOrEqual(0);
      expect(hi).toBeLessThanOrEqual(10);
      expect(lo).toBeLessThan(hi);
    }
  });

  it('multiclass: mean |SHAP| per class, ranked by their sum, SHAP per class per stored row', () => {
    // Class 0 leans hard on f0; classes 1 and 2 on f1 moderately: f1's sum (2 × 1.5) beats f0's 2.
    const m = model(
      ['f0', 'f1', 'f2'],
      [stump(0, 5, -2, 2), stump(1, 5, -1.5, 1.5), stump(1, 5, 1.5, -1.5)],
      3,
    );
    const rows = 400;
    const x = rowsOf(rows, 3, 21);
    const e = explainTrees({
      model: m,
      x,
      rows,
      outputs: ['a', 'b', 'c'],
      units: 'u',
      seed: 4,
      shap: stumpShap,
    });
    expect(e.outputs).toEqual(['a', 'b', 'c']);
    expect(e.base).toHaveLength(3);
    const f0 = e.features.find((f) => f.feature === 'f0')!;
    const f1 = e.features.find((f) => f.feature === 'f1')!;
    expect(f0.meanAbs[0]!).toBeCloseTo(2, 6);
    expect(f0.meanAbs[1]).toBe(0);
    expect(f1.meanAbs[0]).toBe(0);
    expect(f1.meanAbs[1]!).toBeCloseTo(1.5, 6);
    expect(f1.meanAbs[2]!).toBeCloseTo(1.5, 6);
    expect(e.features.map((f) => f.feature)).toEqual(['f1', 'f0', 'f2']);
    expect(f1.shap).toHaveLength(3);
    const raw = predictRaw(m, x, rows);
    e.storedRows.forEach((row, i) => {
      for (let k = 0; k < 3; k++) {
        const sum = e.base[k]! + e.features.reduce((a, f) => a + f.shap[k]![i]!, 0);
        expect(sum).toBeCloseTo(raw[row * 3 + k]!, 4);
      }
    });
  });

  it('a wide multiclass model stores fewer rows, within the budget, never fewer than the floor', () => {
    expect(storedCount(2000, 6, 1)).toBe(SHAP_MAX_STORED);
    expect(storedCount(2000, 30, 3)).toBe(222);
    expect(storedCount(2000, 400, 10)).toBe(SHAP_MIN_STORED);
    expect(storedCount(20, 400, 10)).toBe(20);
    const width = 30;
    const trees = Array.from({ length: width * 3 }, (_, t) =>
      stump(t % width, 5, -(1 + (t % 7)) / 10, (1 + (t % 7)) / 10),
    );
    const m = model(
      Array.from({ length: width }, (_, i) => `feature_${i}`),
      trees,
      3,
    );
    const rows = 5000;
    const x = rowsOf(rows, width, 8, 0.05);
    const e = explainTrees({
      model: m,
      x,
      rows,
      outputs: ['a', 'b', 'c'],
      units: 'u',
      seed: 1,
      shap: stumpShap,
    });
    expect(e.storedRows).toHaveLength(222);
    // The report stays small: well under half a megabyte of JSON.
    const report = EvaluationReport.parse({ ...binaryReport(), explanations: e });
    expect(JSON.stringify(report.explanations).length).toBeLessThan(300_000);
  });

  it('a model with many leaves explains fewer rows (down to 500), so its evaluation stays quick', () => {
    const leaves = (n: number) => ({ trees: [{ feature: Array<number>(n).fill(-1) } as Tree] });
    expect(explainedCount(leaves(64))).toBe(SHAP_MAX_ROWS);
    expect(explainedCount(leaves(100 * 64))).toBe(SHAP_MAX_ROWS);
    expect(explainedCount(leaves(300 * 64))).toBe(666);
    expect(explainedCount(leaves(10_000 * 64))).toBe(SHAP_MIN_ROWS);
    const deep = model(
      ['a'],
      Array.from({ length: 3000 }, () => stump(0, 5, -0.1, 0.1)),
    );
    const x = rowsOf(4000, 1, 1);
    const e = explainTrees({
      model: deep,
      x,
      rows: 4000,
      outputs: ['y'],
      units: 'u',
      seed: 1,
      shap: stumpShap,
    });
    expect(e.explainedRows).toBe(explainedCount(deep));
    expect(e.explainedRows).toBe(SHAP_MAX_ROWS);
  });

  it('categorical codes below 0 are missing; a categorical input is marked', () => {
    const m = model(
      ['city', 'size'],
      [stump(0, 0, 1, -1, 1, 1, { categories: [1, 3] }), stump(1, 5, -1, 1)],
      1,
      [0],
    );
    const x = Float32Array.from([1, 2, -1, 7, 3, 1, 2, 9, -1, 4]);
    const e = explainTrees({
      model: m,
      x,
      rows: 5,
      outputs: ['yes'],
      units: 'u',
      seed: 0,
      shap: stumpShap,
    });
    const city = e.features.find((f) => f.feature === 'city')!;
    expect(city.categorical).toBe(true);
    expect(city.values).toEqual([1, null, 3, 2, null]);
    expect(e.features.find((f) => f.feature === 'size')!.categorical).toBe(false);
  });

  it('regression: SHAP and base in the target’s units (× std, base + mean)', () => {
    const m = model(['a', 'b'], [stump(0, 5, -1, 1), stump(1, 5, 0.5, -0.5)], 1, [], 'regression');
    const rows = 300;
    const x = rowsOf(rows, 2, 3);
    const target = { kind: 'regression' as const, column: 'price', mean: 100, std: 20 };
    const o = explanationOutputs(target);
    expect(o).toEqual({ outputs: ['price'], units: 'price', scale: { mul: 20, add: 100 } });
    const e = explainTrees({ model: m, x, rows, ...o, seed: 2, shap: stumpShap });
    const raw = predictRaw(m, x, rows);
    expect(e.features[0]!.meanAbs[0]!).toBeCloseTo(20, 6);
    e.storedRows.forEach((row, i) => {
      const sum = e.base[0]! + e.features.reduce((acc, f) => acc + f.shap[0]![i]!, 0);
      expect(sum).toBeCloseTo(raw[row]! * 20 + 100, 3);
    });
  });

  it('names outputs by task', () => {
    expect(explanationOutputs({ kind: 'classes', classes: ['no', 'yes'] })).toEqual({
      outputs: ['yes'],
      units: 'log-odds of “yes”',
    });
    expect(explanationOutputs({ kind: 'classes', classes: ['a', 'b', 'c'] }).outputs).toEqual([
      'a',
      'b',
      'c',
    ]);
  });
});

describe('the report contract', () => {
  it('an older report without explanations still parses; a bad section is refused by field', () => {
    const old = binaryReport();
    delete (old as Partial<typeof old>).explanations;
    expect(EvaluationReport.parse(JSON.parse(JSON.stringify(old))).explanations).toBeUndefined();
    const bad = EvaluationReport.safeParse({
      ...old,
      explanations: { method: 'treeshap', outputs: [] },
    });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues.map((i) => i.path))).toContain('explanations');
  });
});

describe('explainForReport (tree-shap.ts)', () => {
  it('on a model of stumps gives what the hand computation does, NaN and categories included', () => {
    const m = model(
      ['a', 'b', 'city'],
      [
        stump(0, 5, -1, 2, 3, 1),
        stump(1, 2.5, 0.5, -0.5, 1, 4, { defaultLeft: false }),
        stump(2, 0, 1, -1, 2, 2, { categories: [0, 2] }),
        stump(0, 8, 0.3, -0.2, 5, 1),
      ],
      1,
      [2],
    );
    const rows = 700;
    const x = rowsOf(rows, 3, 17, 0.1);
    for (let r = 0; r < rows; r++) x[r * 3 + 2] = (r % 5) - 1;
    const target = { kind: 'classes' as const, classes: ['no', 'yes'] };
    const real = explainForReport(m, x, rows, target, 5);
    const hand = explainTrees({
      model: m,
      x,
      rows,
      seed: 5,
      shap: stumpShap,
      ...explanationOutputs(target),
    });
    expect(real.storedRows).toEqual(hand.storedRows);
    expect(real.features.map((f) => f.feature)).toEqual(hand.features.map((f) => f.feature));
    real.features.forEach((f, i) => {
      const h = hand.features[i]!;
      f.meanAbs.forEach((v, k) => expect(v).toBeCloseTo(h.meanAbs[k]!, 9));
      f.shap[0]!.forEach((v, j) => expect(v).toBeCloseTo(h.shap[0]![j]!, 9));
    });
    expect(real.base[0]!).toBeCloseTo(hand.base[0]!, 9);
  });
});
