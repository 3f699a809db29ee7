// Where GBDT training keeps its per-row buffers and builds gradient histograms. A histogram slot holds,
// for every feature and bin, the sums of gradient and hessian (float64 pairs) of a node's rows.
import type { BinSpec } from './binning';
import type { Tree } from './tree-model';

/** The raw scores an engine keeps: outputs per row, and the validation rows'. */
export interface EngineScores {
  outputs: number;
  validRows: number;
}

/** The rows of each node of a grown tree: index[begin[n], end[n]). */
export interface NodeSegments {
  begin: number[];
  end: number[];
}

export interface HistTask {
  /** The node's rows: index[begin .. begin + count). */
  begin: number;
  count: number;
  slot: number;
}

export interface PartitionJob {
  begin: number;
  end: number;
  feature: number;
  /** Per bin of the feature: 1 = the row goes left. */
  table: Uint8Array;
}

export interface HistEngine {
  readonly rows: number;
  readonly width: number;
  /** Bin of each training value, row-major [rows, width]. */
  readonly bins: Uint8Array | Uint16Array;
  /** Gradient and hessian of each row for the tree being grown, [rows, 2]. */
  readonly gpair: Float32Array;
  /** Row index buffer: the rows of the tree being grown come first, `count` of them. */
  readonly index: Uint32Array;
  count: number;
  /** Histogram slot `slot`: [width, stride, 2] float64 (views are valid until the next allocSlot). */
  hist(slot: number): Float64Array;
  allocSlot(): number;
  freeSlot(slot: number): void;
  /** Fills each task's slot (the features listed; others unspecified) from its rows, in row order. */
  build(tasks: HistTask[], features: Int32Array): void;
  /** hist(parent) −= hist(child) over the features listed. */
  subtract(parent: number, child: number, features: Int32Array): void;
  /**
   * Stable partition of index[begin, end) by whether `table[bin of feature]` is 1: those rows first.
   * Returns how many.
   */
  partition(begin: number, end: number, feature: number, table: Uint8Array): number;
  /** partition() of several nodes (disjoint segments); how many rows of each go left. */
  partitionAll(jobs: PartitionJob[]): number[];
  /** Training raw scores [rows, outputs] (float64). */
  readonly raw: Float64Array;
  /** Validation raw scores [validRows, outputs] (float64). */
  readonly validRaw: Float64Array;
  /** Validation bins [validRows, width], as validBins() makes them (filled by the caller). */
  readonly validBins: Uint16Array;
  /**
   * Adds `tree`'s values to output `c` of raw and validRaw, routing rows by `tables` (per node, 1 = the
   * bin goes left); training rows by the leaves' segments instead when `segments` is given (every row in
   * the index buffer). The same float64 additions in the same order for every engine.
   */
  addTree(
    tree: Tree,
    tables: (Uint8Array | null)[],
    c: number,
    segments: NodeSegments | null,
  ): void;
  /** Ends the engine's workers. */
  close(): Promise<void>;
  /**
   * The logistic objective in the engine (optional): writes gpair for raw scores `raw` [rows] and returns
   * Σ weight · log loss (weights null = 1).
   */
  logistic?(raw: Float64Array, y: Float32Array | Int32Array, weights: Float32Array | null): number;
  /** Worker threads running now (0 once close() resolved). */
  liveWorkers(): number;
}

/** The engine in plain TypeScript, single-threaded: the reference the WebAssembly engine must equal. */
export function createJsEngine(
  spec: BinSpec,
  rows: number,
  width: number,
  scores: EngineScores,
): HistEngine {
  const k = scores.outputs;
  const raw = new Float64Array(rows * k);
  const validRaw = new Float64Array(scores.validRows * k);
  const validBins = new Uint16Array(scores.validRows * width);
  const bins = spec.narrow ? new Uint8Array(rows * width) : new Uint16Array(rows * width);
  const gpair = new Float32Array(rows * 2);
  const index = new Uint32Array(rows);
  const scratch = new Uint32Array(rows);
  const slotSize = width * spec.stride * 2;
  const slots: Float64Array[] = [];
  const free: number[] = [];
  const engine: HistEngine = {
    rows,
    width,
    bins,
    gpair,
    index,
    count: rows,
    hist: (slot) => slots[slot]!,
    allocSlot() {
      const s = free.pop();
      if (s !== undefined) return s;
      slots.push(new Float64Array(slotSize));
      return slots.length - 1;
    },
    freeSlot(slot) {
      if (slot >= 0) free.push(slot);
    },
    build(tasks, features) {
      const stride = spec.stride;
      for (const t of tasks) {
        const hist = slots[t.slot]!;
        for (let fi = 0; fi < features.length; fi++) {
          const f = features[fi]!;
          const base = f * stride * 2;
          hist.fill(0, base, base + stride * 2);
          for (let i = t.begin, end = t.begin + t.count; i < end; i++) {
            const r = index[i]!;
            const o = base + 2 * bins[r * width + f]!;
            hist[o]! += gpair[2 * r]!;
            hist[o + 1]! += gpair[2 * r + 1]!;
          }
        }
      }
    },
    subtract(parent, child, features) {
      const a = slots[parent]!;
      const b = slots[child]!;
      const n = spec.stride * 2;
      for (let fi = 0; fi < features.length; fi++) {
        const base = features[fi]! * n;
        for (let i = base; i < base + n; i++) a[i]! -= b[i]!;
      }
    },
    partition(begin, end, feature, table) {
      let l = begin;
      let r = 0;
      for (let i = begin; i < end; i++) {
        const row = index[i]!;
        if (table[bins[row * width + feature]!]) index[l++] = row;
        else scratch[r++] = row;
      }
      index.set(scratch.subarray(0, r), l);
      return l - begin;
    },
    raw,
    validRaw,
    validBins,
    addTree(tree, tables, c, segments) {
      if (segments) addTreeByLeaves(tree, segments.begin, segments.end, index, raw, k, c);
      else addTreeByBins(tree, tables, bins, rows, width, raw, k, c);
      addTreeByBins(tree, tables, validBins, scores.validRows, width, validRaw, k, c);
    },
    partitionAll: (jobs) => jobs.map((j) => engine.partition(j.begin, j.end, j.feature, j.table)),
    close: () => Promise.resolve(),
    liveWorkers: () => 0,
  };
  return engine;
}

/** Adds `tree`'s value to output `c` of every training row, routing rows by their bins. */
export function addTreeByBins(
  tree: Tree,
  tables: (Uint8Array | null)[],
  bins: Uint8Array | Uint16Array,
  rows: number,
  width: number,
  raw: Float64Array,
  k: number,
  c: number,
): void {
  const { feature, left, right, value } = tree;
  for (let r = 0; r < rows; r++) {
    let n = 0;
    let f = feature[0]!;
    const o = r * width;
    while (f >= 0) {
      n = tables[n]![bins[o + f]!] ? left[n]! : right[n]!;
      f = feature[n]!;
    }
    raw[r * k + c]! += value[n]!;
  }
}

/** Adds each leaf's value to output `c` of its rows (a leaf's rows: index[begin[n], end[n])). */
export function addTreeByLeaves(
  tree: Tree,
  begin: number[],
  end: number[],
  index: Uint32Array,
  raw: Float64Array,
  k: number,
  c: number,
): void {
  for (let n = 0; n < tree.feature.length; n++) {
    if (tree.feature[n]! >= 0) continue;
    const v = tree.value[n]!;
    for (let i = begin[n]!, e = end[n]!; i < e; i++) raw[index[i]! * k + c]! += v;
  }
}
