// Random tree ensembles in Lathe's stored format (train/gbdt/tree-model.ts) and feature rows that probe
// them: values on and beside the thresholds, NaN, category codes in and out of the split sets, and -1 (the
// ordinal encoder's null/unseen code). Seeded, so every run builds the same models.
import { createRng } from '../../../main/train/random';
import { emptyTree, type GbdtModel, type Tree } from '../../../main/train/gbdt/tree-model';

/** mulberry32, the trainer's seeded generator. */
export const rng = (seed: number): (() => number) => createRng(seed);

export interface RandomModelOptions {
  task: GbdtModel['task'];
  /** Outputs per row (k for multiclass). */
  outputs: number;
  rounds: number;
  features: number;
  /** Indexes of categorical features. */
  categorical: number[];
  /** Category codes are 0..categories-1. */
  categories: number;
  maxDepth: number;
  /** Spread of the leaf values (a learning rate of ~0.1 on gradients of size ~1). */
  leafScale: number;
  /** Nodes per tree at most (a deep tree stops growing there); default unbounded. */
  maxNodes?: number;
  /** Chance that a node below the root stays a leaf; default 0.2. */
  stop?: number;
}

/** Thresholds come from this grid (float32 values), so rows can hit them exactly. */
export const grid = (r: () => number) => Math.fround(Math.round((r() * 20 - 10) * 8) / 8 + 1 / 3);

function randomTree(r: () => number, o: RandomModelOptions): Tree {
  const t: Tree = emptyTree();
  const node = (depth: number): number => {
    const id = t.feature.length;
    t.feature.push(-1);
    t.threshold.push(0);
    t.categories.push(null);
    t.defaultLeft.push(false);
    t.left.push(-1);
    t.right.push(-1);
    t.value.push((r() * 2 - 1) * o.leafScale);
    t.cover.push(1);
    t.gain.push(0);
    if (depth >= o.maxDepth || (depth > 0 && r() < (o.stop ?? 0.2))) return id;
    if (t.feature.length + 2 > (o.maxNodes ?? Infinity)) return id;
    const f = Math.floor(r() * o.features);
    t.feature[id] = f;
    t.defaultLeft[id] = r() < 0.5;
    if (o.categorical.includes(f) && r() < 0.9) {
      const cats: number[] = [];
      for (let c = 0; c < o.categories; c++) if (r() < 0.4) cats.push(c);
      // Sometimes none at all: only missing values (if defaultLeft) go left.
      t.categories[id] = r() < 0.05 ? [] : cats;
    } else {
      // A threshold; on a categorical feature now and then too (negative codes still go the default way).
      t.threshold[id] = o.categorical.includes(f) ? Math.round(r() * o.categories) - 0.5 : grid(r);
    }
    t.gain[id] = r();
    t.left[id] = node(depth + 1);
    t.right[id] = node(depth + 1);
    return id;
  };
  node(0);
  return t;
}

export function randomModel(seed: number, o: RandomModelOptions): GbdtModel {
  const r = rng(seed);
  return {
    format: 'lathe-gbdt',
    formatVersion: 1,
    task: o.task,
    objective:
      o.task === 'binary' ? 'logistic' : o.task === 'multiclass' ? 'softmax' : 'squared_error',
    features: Array.from({ length: o.features }, (_, i) =>
      o.categorical.includes(i) ? `c${i}__ordinal` : `x${i}`,
    ),
    categorical: o.categorical,
    outputs: o.outputs,
    baseScore: Array.from({ length: o.outputs }, () => r() * 2 - 1),
    trees: Array.from({ length: o.rounds * o.outputs }, () => randomTree(r, o)),
    roundsTrained: o.rounds,
  };
}

/**
 * `rows` rows of float32 features: numeric values from the threshold grid (so ties are common), between
 * grid points, NaN or ±Infinity; categorical codes from -1 to categories (one past the last: unseen at
 * training) or NaN.
 */
export function randomRows(seed: number, o: RandomModelOptions, rows: number): Float32Array {
  const r = rng(seed);
  const x = new Float32Array(rows * o.features);
  for (let i = 0; i < x.length; i++) {
    const f = i % o.features;
    const u = r();
    if (u < 0.08) x[i] = NaN;
    else if (o.categorical.includes(f)) x[i] = Math.floor(r() * (o.categories + 2)) - 1;
    else if (u < 0.5) x[i] = grid(r);
    else if (u < 0.51) x[i] = r() < 0.5 ? Infinity : -Infinity;
    else x[i] = r() * 24 - 12;
  }
  return x;
}
