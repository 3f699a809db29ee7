// Exact path-dependent TreeSHAP (Lundberg, Erion & Lee 2018, "Consistent Individualized Feature
// Attribution for Tree Ensembles", Algorithm 2 — the values of shap's tree_shap and XGBoost's
// pred_contribs): per row, each feature's share of the raw output. Plain TypeScript importing only
// types, so the prediction server explains without training code.
//
// The expectation of a tree is weighed by `cover` (the training hessian that reached each node): an
// unknown feature sends a row down both children in proportion to their covers.
//
// Computed leaf by leaf, as Fast TreeSHAP (Yang 2021) does: a leaf's share of each feature on its path
// depends on the row only through which of those features the row agrees with (the path's "one"
// fractions, 0 or 1). Algorithm 2 builds the same permutation weights by extending the path feature by
// feature (a repeated feature merged into one element), and the weights do not depend on the order.
// With many rows, a tree's leaves get a table of their shares for every agreement pattern (2^depth
// entries per leaf, built once and kept), and a row then costs one lookup per leaf.
import type { GbdtModel, Tree } from './tree-model';

/** Unique features on one leaf's path above which a pattern table is never built (2^12 entries each). */
const TABLE_MAX_DEPTH = 12;
/** Table entries (float64) one explainer keeps at most: 32 MB. */
const TABLE_BUDGET = 1 << 22;

/** A tree flattened for explanation: node decisions, then per leaf its path's unique features. */
interface PreparedTree {
  feature: Int32Array;
  threshold: Float64Array;
  defaultLeft: Uint8Array;
  /** Whether the node's feature is categorical (a negative code is missing there). */
  catFeature: Uint8Array;
  categories: (Set<number> | null)[];
  /** The cover-weighted mean of the leaves: the tree's output with every feature unknown. */
  expected: number;
  leaves: number;
  leafValue: Float64Array;
  /** Unique features on the leaf's path (d). */
  leafDepth: Int32Array;
  /** Slots of leaf l: slotStart[l] … slotStart[l] + leafDepth[l] − 1 in slotFeature / slotZero. */
  slotStart: Int32Array;
  slotFeature: Int32Array;
  /** The share of cover that reaches the leaf through the slot's splits (the path's "zero" fraction). */
  slotZero: Float64Array;
  /** Nodes on leaf l's path: pathStart[l] … pathStart[l + 1] − 1, each with its slot and direction. */
  pathStart: Int32Array;
  pathNode: Int32Array;
  pathSlot: Int32Array;
  /** 1 when the leaf lies left of the node. */
  pathLeft: Uint8Array;
  /**
   * Path nodes leaf l shares with leaf l − 1 (leaves are in depth-first order, and a shared prefix has the
   * same slots), so agreement masks are carried down the prefix instead of recomputed.
   */
  pathShared: Int32Array;
  /** The longest path. */
  maxPath: number;
  /** The pattern tables once built: leaf l's at tableAt[l], 2^d × d shares (pattern-major). */
  table: Float64Array | null;
  tableAt: Int32Array;
  /** Entries the tables take: Σ 2^d·d (Infinity when a leaf is too deep for one). */
  tableSize: number;
  /** Work of one row without tables (Σ d² over the leaves) and of building the tables (Σ 2^d·d²). */
  rowCost: number;
  buildCost: number;
  /** Work spent on rows without tables so far. */
  spent: number;
}

/** Shares of the children's summed cover: they add to 1 exactly (0.5 each when neither has cover). */
function shares(tree: Tree, n: number): [number, number] {
  const l = tree.cover[tree.left[n]!]!;
  const r = tree.cover[tree.right[n]!]!;
  const total = l + r;
  return total > 0 ? [l / total, r / total] : [0.5, 0.5];
}

function prepare(tree: Tree, isCategorical: boolean[]): PreparedTree {
  const n = tree.feature.length;
  const feature = Int32Array.from(tree.feature);
  const catFeature = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (feature[i]! >= 0 && isCategorical[feature[i]!]) catFeature[i] = 1;
  const leafValue: number[] = [];
  const leafDepth: number[] = [];
  const slotStart: number[] = [];
  const slotFeature: number[] = [];
  const slotZero: number[] = [];
  const pathStart: number[] = [];
  const pathNode: number[] = [];
  const pathSlot: number[] = [];
  const pathLeft: number[] = [];
  const pathShared: number[] = [];
  let previous: number[] = [];
  let maxPath = 0;
  // The current path from the root: nodes, directions and the share of cover each step keeps.
  const nodes: number[] = [];
  const lefts: boolean[] = [];
  const kept: number[] = [];
  // Depth-first with an explicit stack (a leaf-wise tree can be deep): [node, depth on path, went left, share].
  const stack: [number, number, boolean, number][] = [[0, 0, false, 1]];
  let expected = 0;
  while (stack.length) {
    const [node, depth, left, share] = stack.pop()!;
    nodes.length = lefts.length = kept.length = depth;
    if (depth > 0) {
      lefts[depth - 1] = left;
      kept[depth - 1] = share;
    }
    if (feature[node]! >= 0) {
      const [l, r] = shares(tree, node);
      nodes[depth] = node;
      stack.push([tree.right[node]!, depth + 1, false, r], [tree.left[node]!, depth + 1, true, l]);
      continue;
    }
    // A leaf: merge the path's splits by feature.
    const value = tree.value[node]!;
    let reach = 1;
    const slots = new Map<number, number>();
    const start = slotFeature.length;
    slotStart.push(start);
    pathStart.push(pathNode.length);
    for (let j = 0; j < depth; j++) {
      const f = feature[nodes[j]!]!;
      let s = slots.get(f);
      if (s === undefined) {
        s = slots.size;
        slots.set(f, s);
        slotFeature.push(f);
        slotZero.push(1);
      }
      slotZero[start + s]! *= kept[j]!;
      reach *= kept[j]!;
      pathNode.push(nodes[j]!);
      pathSlot.push(s);
      pathLeft.push(lefts[j] ? 1 : 0);
    }
    let shared = 0;
    // A step is shared when it leaves the same node the same way.
    const steps = nodes.slice(0, depth).map((n, j) => (lefts[j] ? n : -1 - n));
    while (shared < depth && shared < previous.length && previous[shared] === steps[shared])
      shared++;
    pathShared.push(shared);
    previous = steps;
    maxPath = Math.max(maxPath, depth);
    expected += reach * value;
    leafValue.push(value);
    leafDepth.push(slots.size);
  }
  pathStart.push(pathNode.length);
  const depths = Int32Array.from(leafDepth);
  let tableSize = 0;
  let rowCost = 0;
  let buildCost = 0;
  for (const d of depths) {
    tableSize += d > TABLE_MAX_DEPTH ? Infinity : 2 ** d * d;
    rowCost += d * d;
    buildCost += 2 ** d * d * d;
  }
  return {
    feature,
    threshold: Float64Array.from(tree.threshold),
    defaultLeft: Uint8Array.from(tree.defaultLeft, (b) => (b ? 1 : 0)),
    catFeature,
    categories: tree.categories.map((c) => (c ? new Set(c) : null)),
    expected,
    leaves: leafValue.length,
    leafValue: Float64Array.from(leafValue),
    leafDepth: depths,
    slotStart: Int32Array.from(slotStart),
    slotFeature: Int32Array.from(slotFeature),
    slotZero: Float64Array.from(slotZero),
    pathStart: Int32Array.from(pathStart),
    pathNode: Int32Array.from(pathNode),
    pathSlot: Int32Array.from(pathSlot),
    pathLeft: Uint8Array.from(pathLeft),
    pathShared: Int32Array.from(pathShared),
    maxPath,
    table: null,
    tableAt: new Int32Array(leafValue.length).fill(-1),
    tableSize,
    rowCost,
    buildCost,
    spent: 0,
  };
}

/** Scratch space for one leaf's path (element 0 is the root's, with fractions 1). */
class Path {
  zero: Float64Array;
  one: Float64Array;
  weight: Float64Array;
  constructor(size: number) {
    this.zero = new Float64Array(size + 1);
    this.one = new Float64Array(size + 1);
    this.weight = new Float64Array(size + 1);
  }
}

/** Algorithm 2's EXTEND: adds element `depth` (fractions pz, po) to the path's permutation weights. */
function extend(p: Path, depth: number, pz: number, po: number): void {
  const w = p.weight;
  p.zero[depth] = pz;
  p.one[depth] = po;
  w[depth] = depth === 0 ? 1 : 0;
  const d1 = depth + 1;
  for (let i = depth - 1; i >= 0; i--) {
    w[i + 1]! += (po * w[i]! * (i + 1)) / d1;
    w[i] = (pz * w[i]! * (depth - i)) / d1;
  }
}

/** The total permutation weight of the path (elements 0 … depth) without element `index`. */
function unwoundSum(p: Path, depth: number, index: number): number {
  const w = p.weight;
  const po = p.one[index]!;
  const pz = p.zero[index]!;
  const d1 = depth + 1;
  let total = 0;
  if (po !== 0) {
    let next = w[depth]!;
    for (let i = depth - 1; i >= 0; i--) {
      const t = (next * d1) / ((i + 1) * po);
      total += t;
      next = w[i]! - (t * pz * (depth - i)) / d1;
    }
  } else if (pz !== 0) {
    for (let i = depth - 1; i >= 0; i--) total += (w[i]! * d1) / (pz * (depth - i));
  }
  return total;
}

/**
 * Leaf l's share for each of its d slots into out[at … at + d − 1], for the agreement of the row with
 * each slot given by `agrees(s)` (1: the row follows every split on that feature toward the leaf).
 */
function leafShares(
  t: PreparedTree,
  l: number,
  agrees: (s: number) => number,
  p: Path,
  out: Float64Array,
  at: number,
): void {
  const d = t.leafDepth[l]!;
  const start = t.slotStart[l]!;
  extend(p, 0, 1, 1);
  for (let s = 0; s < d; s++) extend(p, s + 1, t.slotZero[start + s]!, agrees(s));
  const v = t.leafValue[l]!;
  for (let s = 0; s < d; s++) {
    const i = s + 1;
    out[at + s] = unwoundSum(p, d, i) * (p.one[i]! - p.zero[i]!) * v;
  }
}

function buildTables(t: PreparedTree, p: Path): void {
  const table = new Float64Array(t.tableSize);
  let at = 0;
  for (let l = 0; l < t.leaves; l++) {
    const d = t.leafDepth[l]!;
    t.tableAt[l] = at;
    for (let mask = 0; mask < 1 << d; mask++) {
      leafShares(t, l, (s) => (mask >> s) & 1, p, table, at);
      at += d;
    }
  }
  t.table = table;
}

/**
 * Adds tree `t`'s contributions of each row to out[offset + r·rowStride + feature]. `sharesOf` gives a
 * leaf's shares for an agreement mask when the tree has no tables.
 */
function explainTree(
  t: PreparedTree,
  x: ArrayLike<number>,
  rows: number,
  width: number,
  offset: number,
  rowStride: number,
  out: Float64Array,
  left: Uint8Array,
  maskAt: Int32Array,
  sharesOf: (leaf: number, mask: number) => Float64Array,
): void {
  const { feature, threshold, defaultLeft, catFeature, categories, table, tableAt } = t;
  const { leafDepth, slotStart, slotFeature, pathStart, pathNode, pathSlot, pathLeft, pathShared } =
    t;
  const nodes = feature.length;
  const leaves = t.leaves;
  for (let r = 0; r < rows; r++) {
    const xo = r * width;
    const phi = offset + r * rowStride;
    for (let n = 0; n < nodes; n++) {
      const f = feature[n]!;
      if (f < 0) continue;
      const v = x[xo + f]!;
      if (v !== v || (catFeature[n] === 1 && v < 0)) left[n] = defaultLeft[n]!;
      else {
        const cats = categories[n];
        left[n] = (cats ? cats.has(v) : v <= threshold[n]!) ? 1 : 0;
      }
    }
    for (let l = 0; l < leaves; l++) {
      const d = leafDepth[l]!;
      const start = slotStart[l]!;
      const begin = pathStart[l]!;
      const end = pathStart[l + 1]!;
      for (let j = begin + pathShared[l]!; j < end; j++) {
        const i = j - begin;
        maskAt[i + 1] =
          left[pathNode[j]!] !== pathLeft[j] ? maskAt[i]! & ~(1 << pathSlot[j]!) : maskAt[i]!;
      }
      const mask = maskAt[end - begin]!;
      if (table) {
        const at = tableAt[l]! + (mask & ((1 << d) - 1)) * d;
        for (let s = 0; s < d; s++) out[phi + slotFeature[start + s]!]! += table[at + s]!;
      } else {
        const shares = sharesOf(l, mask);
        for (let s = 0; s < d; s++) out[phi + slotFeature[start + s]!]! += shares[s]!;
      }
    }
  }
}

/** An explainer of one model: its trees prepared once, pattern tables kept between calls. */
export interface TreeExplainer {
  /** treeShap() of these rows (same layout). */
  explain(x: ArrayLike<number>, rows: number): Float64Array;
}

/** Prepares `model` for explaining many batches of rows (the server keeps one per loaded model). */
export function createTreeExplainer(model: GbdtModel): TreeExplainer {
  const width = model.features.length;
  const k = model.outputs;
  const isCategorical = model.features.map((_, i) => model.categorical.includes(i));
  const trees = model.trees.map((t) => prepare(t, isCategorical));
  let maxDepth = 0;
  let maxNodes = 0;
  let maxPath = 0;
  for (const t of trees) {
    maxPath = Math.max(maxPath, t.maxPath);
    for (const d of t.leafDepth) maxDepth = Math.max(maxDepth, d);
    maxNodes = Math.max(maxNodes, t.feature.length);
  }
  const expected = Float64Array.from({ length: k }, (_, c) => model.baseScore[c] ?? 0);
  trees.forEach((t, i) => (expected[i % k]! += t.expected));
  const path = new Path(maxDepth + 1);
  const left = new Uint8Array(maxNodes);
  const maskAt = new Int32Array(maxPath + 1);
  maskAt[0] = -1;
  const agree = new Uint8Array(maxDepth + 1);
  const shares = new Float64Array(maxDepth + 1);
  const agreeOf = (s: number) => agree[s]!;
  let budget = TABLE_BUDGET;

  return {
    explain(x, rows) {
      if (x.length < rows * width)
        throw new RangeError(
          `treeShap: ${x.length} values for ${rows} rows of ${width} features (expected ${rows * width})`,
        );
      const stride = width + 1;
      const out = new Float64Array(rows * k * stride);
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < k; c++) out[(r * k + c) * stride + width] = expected[c]!;
      trees.forEach((t, ti) => {
        if (t.feature[0]! < 0) return; // a single leaf: all of it is the expected value
        // Tables once the rows explained without them have cost as much as building them would (at most
        // twice the work of knowing the row count in advance).
        if (!t.table && t.tableSize <= budget) {
          t.spent += rows * t.rowCost;
          if (t.spent >= t.buildCost) {
            buildTables(t, path);
            budget -= t.tableSize;
          }
        }
        explainTree(
          t,
          x,
          rows,
          width,
          (ti % k) * stride,
          k * stride,
          out,
          left,
          maskAt,
          (l, mask) => {
            const d = t.leafDepth[l]!;
            if (d < 32) for (let s = 0; s < d; s++) agree[s] = (mask >>> s) & 1;
            else {
              // More features on one path than the mask has bits: agreement slot by slot.
              agree.fill(1, 0, d);
              for (let j = t.pathStart[l]!; j < t.pathStart[l + 1]!; j++)
                if (left[t.pathNode[j]!] !== t.pathLeft[j]) agree[t.pathSlot[j]!] = 0;
            }
            leafShares(t, l, agreeOf, path, shares, 0);
            return shares;
          },
        );
      });
      return out;
    },
  };
}

/**
 * TreeSHAP contributions of row-major features `x` [rows, model.features.length]: a Float64Array laid out
 * [rows][model.outputs][features + 1], where slot `features` of each (row, output) is the expected value
 * (the base score plus each tree's cover-weighted mean), so each (row, output) sums to predictRaw's raw
 * output. Missing values follow `defaultLeft`, categorical splits their `categories`, as in predictRaw.
 */
export function treeShap(model: GbdtModel, x: ArrayLike<number>, rows: number): Float64Array {
  return createTreeExplainer(model).explain(x, rows);
}
