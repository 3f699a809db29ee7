// Random tree ensembles and rows for the TreeSHAP properties: numeric and categorical splits, missing
// values both ways, covers that are sometimes 0, one or several outputs; all drawn from a seed.
import { createRng } from '../../../main/train/random';
import { emptyTree, type GbdtModel, type Tree } from '../../../main/train/gbdt/tree-model';

/** mulberry32, the trainer's seeded generator. */
export const rng = (seed: number): (() => number) => createRng(seed);

export const THRESHOLDS = [-1, -0.5, 0, 0.25, 1].map(Math.fround);
export const CATEGORIES = 6;

export interface RandomModelOptions {
  features: number;
  outputs: number;
  trees: number;
  maxDepth: number;
  /** Features that are never split on (their contributions must be 0). */
  unused?: number[];
}

function randomTree(next: () => number, o: RandomModelOptions, categorical: Set<number>): Tree {
  const t: Tree = emptyTree();
  const usable = Array.from({ length: o.features }, (_, i) => i).filter(
    (i) => !o.unused?.includes(i),
  );
  const node = (depth: number): number => {
    const i = t.feature.length;
    t.feature.push(-1);
    t.threshold.push(0);
    t.categories.push(null);
    t.defaultLeft.push(false);
    t.left.push(-1);
    t.right.push(-1);
    t.value.push(Math.round((next() * 4 - 2) * 1000) / 1000);
    t.cover.push(0);
    t.gain.push(0);
    if (depth >= o.maxDepth || (depth > 0 && next() < 0.25) || usable.length === 0) {
      // Now and then a leaf no training row reached.
      t.cover[i] = next() < 0.08 ? 0 : 0.5 + Math.floor(next() * 20);
      return i;
    }
    const f = usable[Math.floor(next() * usable.length)]!;
    t.feature[i] = f;
    t.defaultLeft[i] = next() < 0.5;
    t.gain[i] = Math.round(next() * 100) / 10;
    if (categorical.has(f)) {
      const cats = Array.from({ length: CATEGORIES }, (_, c) => c).filter(() => next() < 0.5);
      t.categories[i] = cats;
    } else t.threshold[i] = THRESHOLDS[Math.floor(next() * THRESHOLDS.length)]!;
    const l = node(depth + 1);
    const r = node(depth + 1);
    t.left[i] = l;
    t.right[i] = r;
    t.cover[i] = t.cover[l]! + t.cover[r]!;
    return i;
  };
  node(0);
  return t;
}

export function randomModel(seed: number, o: RandomModelOptions): GbdtModel {
  const next = rng(seed);
  const categorical = Array.from({ length: o.features }, (_, i) => i).filter(() => next() < 0.35);
  const set = new Set(categorical);
  return {
    format: 'lathe-gbdt',
    formatVersion: 1,
    task: o.outputs > 1 ? 'multiclass' : 'binary',
    objective: o.outputs > 1 ? 'softmax' : 'logistic',
    features: Array.from({ length: o.features }, (_, i) => `x${i}`),
    categorical,
    outputs: o.outputs,
    baseScore: Array.from({ length: o.outputs }, () => Math.round((next() * 2 - 1) * 100) / 100),
    trees: Array.from({ length: o.trees * o.outputs }, () => randomTree(next, o, set)),
    roundsTrained: o.trees,
  };
}

/** Rows for `model`: split values themselves, values beside them, NaN, negative and unseen codes. */
export function randomRows(seed: number, model: GbdtModel, rows: number): Float32Array {
  const next = rng(seed ^ 0x5bd1e995);
  const width = model.features.length;
  const x = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < width; j++) {
      const u = next();
      if (u < 0.15) x[r * width + j] = NaN;
      else if (model.categorical.includes(j))
        x[r * width + j] = u < 0.22 ? -1 : Math.floor(next() * (CATEGORIES + 2));
      else if (u < 0.5) x[r * width + j] = THRESHOLDS[Math.floor(next() * THRESHOLDS.length)]!;
      else x[r * width + j] = next() * 3 - 1.5;
    }
  return x;
}
