// The trained gradient-boosted tree ensemble as Lathe stores it (the run artifact model/gbdt.json), and
// its raw predictions. Plain data and plain TypeScript with no imports beyond the contract: evaluation,
// ONNX export, batch prediction and the prediction server (explanations) read it without training code.
//
// Raw outputs are what the MLP's last layer gives, so everything downstream treats both alike:
//   binary      [rows, 1]  the logit of classes[1]
//   multiclass  [rows, k]  one logit per class (softmax)
//   regression  [rows, 1]  the standardized target ((y − mean) / std from target.json)

export const GBDT_MODEL_PATH = 'model/gbdt.json';
export const GBDT_FORMAT = 'lathe-gbdt';

/**
 * One tree as parallel arrays over its nodes; node 0 is the root. A row goes to `left[n]` when
 *   numeric feature:      x <= threshold[n]           (x a float32 feature value)
 *   categorical feature:  categories[n] includes x    (x an integer category code)
 * and to `right[n]` otherwise. A missing value (NaN; for a categorical feature also any negative code,
 * which is how the ordinal encoder writes null and unseen values) goes left when defaultLeft[n] is true.
 */
export interface Tree {
  /** Feature index split on; -1 at a leaf. */
  feature: number[];
  /** Numeric split: go left when x <= threshold (a float32 value); 0 at leaves and categorical splits. */
  threshold: number[];
  /** Categorical split: the codes that go left (ascending); null elsewhere. */
  categories: (number[] | null)[];
  defaultLeft: boolean[];
  /** Child node indexes; -1 at a leaf. */
  left: number[];
  right: number[];
  /** A leaf's output, learning rate applied (internal nodes: the value the node would have as a leaf). */
  value: number[];
  /** Sum of hessians of the training rows that reached the node (what TreeSHAP weighs paths by). */
  cover: number[];
  /** Loss reduction of the split; 0 at leaves. */
  gain: number[];
}

export interface GbdtModel {
  format: typeof GBDT_FORMAT;
  formatVersion: 1;
  task: 'binary' | 'multiclass' | 'regression';
  objective: 'logistic' | 'softmax' | 'squared_error' | 'absolute_error' | 'huber';
  /** The fitted feature names in column order of the input matrix (the fitted spec's outputs). */
  features: string[];
  /** Indexes of features split as categories (their values are ordinal codes). */
  categorical: number[];
  /** Outputs per row: k for multiclass, else 1. Tree t adds to output t % outputs. */
  outputs: number;
  /** The raw score every row starts from, per output. */
  baseScore: number[];
  /** Trees of the kept rounds, round-major (after early stopping: up to the best round). */
  trees: Tree[];
  /** Rounds trained before early stopping chose `trees.length / outputs`. */
  roundsTrained: number;
}

/** A tree with no nodes yet, for code that grows one node by node. */
export function emptyTree(): Tree {
  return {
    feature: [],
    threshold: [],
    categories: [],
    defaultLeft: [],
    left: [],
    right: [],
    value: [],
    cover: [],
    gain: [],
  };
}

/** Whether a row with value `x` at node `n` of `tree` goes left. */
export function goesLeft(tree: Tree, n: number, x: number, categorical: boolean): boolean {
  if (Number.isNaN(x) || (categorical && x < 0)) return tree.defaultLeft[n]!;
  const cats = tree.categories[n];
  if (cats) return cats.includes(x);
  return x <= tree.threshold[n]!;
}

/** The leaf a row (features `x` at `offset`) reaches in `tree`. */
export function leafOf(
  tree: Tree,
  x: ArrayLike<number>,
  offset: number,
  isCategorical: boolean[],
): number {
  let n = 0;
  while (tree.feature[n]! >= 0) {
    const f = tree.feature[n]!;
    n = goesLeft(tree, n, x[offset + f]!, isCategorical[f]!) ? tree.left[n]! : tree.right[n]!;
  }
  return n;
}

/**
 * Raw outputs [rows, model.outputs] of row-major features x [rows, model.features.length], summed in
 * float64 from the base score in tree order.
 */
export function predictRaw(model: GbdtModel, x: ArrayLike<number>, rows: number): Float64Array {
  const width = model.features.length;
  const k = model.outputs;
  const isCategorical = model.features.map((_, i) => model.categorical.includes(i));
  const out = new Float64Array(rows * k);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < k; c++) out[r * k + c] = model.baseScore[c]!;
    model.trees.forEach((tree, t) => {
      out[r * k + (t % k)]! += tree.value[leafOf(tree, x, r * width, isCategorical)]!;
    });
  }
  return out;
}
