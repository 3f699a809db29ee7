// Growing one regression tree on gradient/hessian histograms (XGBoost's exact-greedy gain over bins).
// Rows of a node are a segment of the engine's row index buffer; splitting a node partitions its segment
// (left rows first, each side in row order) so a node's histogram is always summed over rows in order,
// whatever the number of threads.
import { minDataPerGroup, type BinSpec } from './binning';
import type { HistEngine } from './hist-engine';
import { emptyTree, type Tree } from './tree-model';

export interface GrowParams {
  maxDepth: number;
  maxLeaves: number;
  growth: 'depthwise' | 'leafwise';
  minChildWeight: number;
  minSplitGain: number;
  l1: number;
  l2: number;
  learningRate: number;
}

/** LightGBM's categorical split defaults (min_data_per_group scales with the rows: minDataPerGroup). */
const MAX_CAT_TO_ONEHOT = 4;
const MAX_CAT_THRESHOLD = 32;
const CAT_SMOOTH = 10;
const CAT_L2 = 10;

interface Split {
  gain: number;
  feature: number;
  /** Numeric: the last bin that goes left. */
  bin: number;
  defaultLeft: boolean;
  /** Categorical: the category bins that go left. */
  catBins: number[] | null;
  gl: number;
  hl: number;
}

interface Node {
  id: number;
  begin: number;
  end: number;
  depth: number;
  g: number;
  h: number;
  slot: number;
  split: Split | null;
}

export interface GrownTree {
  tree: Tree;
  /** Per node: whether each bin goes left (internal nodes), for routing binned rows (see validBins). */
  tables: (Uint8Array | null)[];
  /** Per node: its rows' segment of the row index buffer. */
  begin: number[];
  end: number[];
}

function thresholdL1(g: number, l1: number): number {
  if (l1 <= 0) return g;
  if (g > l1) return g - l1;
  if (g < -l1) return g + l1;
  return 0;
}

/** The tree grown from the `count` rows at the start of the engine's row index buffer. */
export function growTree(
  engine: HistEngine,
  spec: BinSpec,
  p: GrowParams,
  features: Int32Array,
): GrownTree {
  const { l1, l2 } = p;
  const scoreL2 = (g: number, h: number, lambda: number) => {
    const t = thresholdL1(g, l1);
    return (t * t) / (h + lambda);
  };
  const score = (g: number, h: number) => scoreL2(g, h, l2);
  const minGroup = minDataPerGroup(engine.rows);
  const weight = (g: number, h: number) => (h + l2 > 0 ? -thresholdL1(g, l1) / (h + l2) : 0);
  const stride = spec.stride;

  const tree: Tree = emptyTree();
  const tables: (Uint8Array | null)[] = [];
  const begins: number[] = [];
  const ends: number[] = [];
  const addNode = (begin: number, end: number, g: number, h: number): number => {
    const id = tree.feature.length;
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.categories.push(null);
    tree.defaultLeft.push(false);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push(weight(g, h) * p.learningRate);
    tree.cover.push(h);
    tree.gain.push(0);
    tables.push(null);
    begins.push(begin);
    ends.push(end);
    return id;
  };

  const findSplit = (node: Node): Split | null => {
    const hist = engine.hist(node.slot);
    const { g: G, h: H } = node;
    const parent = score(G, H);
    const mcw = p.minChildWeight;
    let best: Split | null = null;
    let bestGain = Math.max(p.minSplitGain, 0);
    const consider = (
      gl: number,
      hl: number,
      f: number,
      bin: number,
      defaultLeft: boolean,
      catBins: number[] | null,
      extraL2 = 0,
    ) => {
      const hr = H - hl;
      if (hl < mcw || hr < mcw || hl <= 0 || hr <= 0) return;
      const gain =
        extraL2 > 0
          ? scoreL2(gl, hl, l2 + extraL2) + scoreL2(G - gl, hr, l2 + extraL2) - parent
          : score(gl, hl) + score(G - gl, hr) - parent;
      if (gain > bestGain) {
        bestGain = gain;
        best = { gain, feature: f, bin, defaultLeft, catBins, gl, hl };
      }
    };
    for (let fi = 0; fi < features.length; fi++) {
      const f = features[fi]!;
      const fb = spec.features[f]!;
      const base = f * stride * 2;
      const miss = fb.missingBin;
      const gm = miss >= 0 ? hist[base + 2 * miss]! : 0;
      const hm = miss >= 0 ? hist[base + 2 * miss + 1]! : 0;
      const hasMissing = hm > 0 || gm !== 0;
      if (!fb.categorical) {
        let gl = 0;
        let hl = 0;
        const last = hasMissing ? fb.valueBins - 1 : fb.valueBins - 2;
        for (let b = 0; b <= last; b++) {
          const gb = hist[base + 2 * b]!;
          const hb = hist[base + 2 * b + 1]!;
          if (hb === 0 && gb === 0) continue;
          gl += gb;
          hl += hb;
          if (hasMissing) {
            consider(gl, hl, f, b, false, null);
            consider(gl + gm, hl + hm, f, b, true, null);
          } else consider(gl, hl, f, b, hl >= H - hl, null);
        }
        continue;
      }
      const cats: number[] = [];
      const catLimit = fb.otherBin >= 0 ? fb.otherBin : fb.valueBins;
      for (let b = 0; b < catLimit; b++) if (hist[base + 2 * b + 1]! > 0) cats.push(b);
      if (cats.length === 0) continue;
      const tryLeft = (gl: number, hl: number, bins: number[], extraL2: number) => {
        if (hasMissing) {
          consider(gl, hl, f, -1, false, bins, extraL2);
          consider(gl + gm, hl + hm, f, -1, true, bins, extraL2);
        } else consider(gl, hl, f, -1, hl >= H - hl, bins, extraL2);
      };
      if (cats.length <= MAX_CAT_TO_ONEHOT) {
        for (const b of cats) tryLeft(hist[base + 2 * b]!, hist[base + 2 * b + 1]!, [b], 0);
        continue;
      }
      // LightGBM's many-category split: categories with at least CAT_SMOOTH rows (counted through the
      // hessian, rows ≈ h · rows of the node / H), ordered by smoothed G/H; a prefix goes left, grown a
      // group of at least minGroup rows at a time, with cat_l2 more L2 on both children.
      const rowsPerHess = (node.end - node.begin) / H;
      const used = cats.filter((b) => hist[base + 2 * b + 1]! * rowsPerHess >= CAT_SMOOTH);
      if (used.length < 2) continue;
      const ratio = (b: number) => hist[base + 2 * b]! / (hist[base + 2 * b + 1]! + CAT_SMOOTH);
      used.sort((a, b) => ratio(a) - ratio(b) || a - b);
      const maxLeft = Math.min(MAX_CAT_THRESHOLD, (used.length + 1) >> 1);
      for (const order of [used, [...used].reverse()]) {
        let gl = 0;
        let hl = 0;
        let group = 0;
        for (let i = 0; i < maxLeft; i++) {
          const b = order[i]!;
          gl += hist[base + 2 * b]!;
          hl += hist[base + 2 * b + 1]!;
          group += hist[base + 2 * b + 1]! * rowsPerHess;
          if ((H - hl) * rowsPerHess < minGroup) break;
          if (group < minGroup) continue;
          group = 0;
          tryLeft(gl, hl, order.slice(0, i + 1), CAT_L2);
        }
      }
    }
    return best;
  };

  const canSplit = (node: Node, leaves: number) =>
    node.split !== null &&
    (p.maxDepth <= 0 || node.depth < p.maxDepth) &&
    (p.maxLeaves <= 0 || leaves < p.maxLeaves);

  /** The goLeft table of `node`'s split over its feature's bins. */
  const tableOf = (node: Node): Uint8Array => {
    const s = node.split!;
    const fb = spec.features[s.feature]!;
    // Two more entries for rows binned by validBins(): missing without a missing bin, and right.
    const table = new Uint8Array(stride + 2);
    if (s.catBins) for (const b of s.catBins) table[b] = 1;
    else for (let b = 0; b <= s.bin; b++) table[b] = 1;
    if (fb.missingBin >= 0) table[fb.missingBin] = s.defaultLeft ? 1 : 0;
    table[stride] = s.defaultLeft ? 1 : 0;
    return table;
  };

  /** Records `node`'s split, whose first `nLeft` rows went left, and makes its children. */
  const apply = (node: Node, table: Uint8Array, nLeft: number): [Node, Node] => {
    const s = node.split!;
    const fb = spec.features[s.feature]!;
    const mid = node.begin + nLeft;
    const n = node.id;
    tree.feature[n] = s.feature;
    tree.threshold[n] = s.catBins ? 0 : fb.cuts[s.bin]!;
    tree.categories[n] = s.catBins
      ? s.catBins.map((b) => fb.codes[b]!).sort((a, b) => a - b)
      : null;
    tree.defaultLeft[n] = s.defaultLeft;
    tree.gain[n] = s.gain;
    tables[n] = table;
    const gr = node.g - s.gl;
    const hr = node.h - s.hl;
    const left: Node = {
      id: addNode(node.begin, mid, s.gl, s.hl),
      begin: node.begin,
      end: mid,
      depth: node.depth + 1,
      g: s.gl,
      h: s.hl,
      slot: -1,
      split: null,
    };
    const right: Node = {
      id: addNode(mid, node.end, gr, hr),
      begin: mid,
      end: node.end,
      depth: node.depth + 1,
      g: gr,
      h: hr,
      slot: -1,
      split: null,
    };
    tree.left[n] = left.id;
    tree.right[n] = right.id;
    return [left, right];
  };

  /** Splits `nodes` (all splittable): children's histograms (smaller built, larger subtracted) and splits. */
  const splitAll = (nodes: Node[]): Node[] => {
    const jobs = nodes.map((n) => ({
      begin: n.begin,
      end: n.end,
      feature: n.split!.feature,
      table: tableOf(n),
    }));
    const nLeft = engine.partitionAll(jobs);
    const pairs = nodes.map((n, i) => apply(n, jobs[i]!.table, nLeft[i]!));
    // Children at the depth limit never split: they need no histogram.
    const growing = pairs.filter(([l]) => p.maxDepth <= 0 || l.depth < p.maxDepth);
    const tasks = growing.map(([l, r]) => {
      const small = l.end - l.begin <= r.end - r.begin ? l : r;
      small.slot = engine.allocSlot();
      return { begin: small.begin, count: small.end - small.begin, slot: small.slot };
    });
    engine.build(tasks, features);
    const children: Node[] = [];
    pairs.forEach(([l, r], i) => {
      const parent = nodes[i]!;
      children.push(l, r);
      if (l.slot < 0 && r.slot < 0) {
        engine.freeSlot(parent.slot);
        parent.slot = -1;
        return;
      }
      const small = l.slot >= 0 ? l : r;
      const large = small === l ? r : l;
      engine.subtract(parent.slot, small.slot, features);
      large.slot = parent.slot;
      parent.slot = -1;
    });
    for (const c of children) if (c.slot >= 0) c.split = findSplit(c);
    return children;
  };

  const count = engine.count;
  const root: Node = {
    id: -1,
    begin: 0,
    end: count,
    depth: 0,
    g: 0,
    h: 0,
    slot: engine.allocSlot(),
    split: null,
  };
  engine.build([{ begin: 0, count, slot: root.slot }], features);
  // The root's sums from its histogram (every row is in one bin of each feature).
  const rootHist = engine.hist(root.slot);
  const base0 = features[0]! * stride * 2;
  for (let b = 0; b < spec.features[features[0]!]!.total; b++) {
    root.g += rootHist[base0 + 2 * b]!;
    root.h += rootHist[base0 + 2 * b + 1]!;
  }
  root.id = addNode(0, count, root.g, root.h);
  root.split = findSplit(root);

  let leaves = 1;
  if (p.growth === 'leafwise') {
    const open: Node[] = [root];
    for (;;) {
      let bi = -1;
      for (let i = 0; i < open.length; i++) {
        const n = open[i]!;
        if (canSplit(n, leaves) && (bi < 0 || n.split!.gain > open[bi]!.split!.gain)) bi = i;
      }
      if (bi < 0) break;
      const node = open.splice(bi, 1)[0]!;
      open.push(...splitAll([node]));
      leaves++;
    }
    for (const n of open) engine.freeSlot(n.slot);
  } else {
    let level: Node[] = [root];
    while (level.length > 0) {
      const splitting: Node[] = [];
      for (const n of level) {
        if (canSplit(n, leaves)) {
          splitting.push(n);
          leaves++;
        } else engine.freeSlot(n.slot);
      }
      level = splitting.length > 0 ? splitAll(splitting) : [];
    }
  }
  return { tree, tables, begin: begins, end: ends };
}
