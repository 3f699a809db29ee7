// A fast scorer of a stored tree ensemble (tree-model.ts): every tree's nodes flattened into one set of
// typed arrays, categorical splits as per-node bitsets (codes are small non-negative integers; a split
// with a code of BITSET_CODES or more, a negative or a fractional one keeps a sorted list searched by
// halves), each row walked through all trees in order. The raw outputs equal predictRaw's bit for bit:
// each row's sums start at the base score and add the trees' leaf values in tree order in float64, with
// predictRaw's left/right/missing rules.
//
// Rows are taken in fixed chunks from a shared counter, so any number of threads may score one matrix
// and each row's result is the same: scoreThreaded runs the same kernel (its source text) in
// worker_threads over SharedArrayBuffers, the calling thread taking chunks too.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { wasm, type WasmMemory } from '../../workspace/wasm';
import type { GbdtModel } from './tree-model';
import { gbdtKernelModule, gbdtKernels } from './wasm-engine';

/** Categorical splits whose codes are all integers in [0, BITSET_CODES) test a bitset. */
export const BITSET_CODES = 4096;
/** Rows a thread takes at a time. */
export const SCORE_CHUNK_ROWS = 1024;

const DEFAULT_LEFT = 1;
const MISSING_NEGATIVE = 2;
const BY_CATEGORIES = 4;
const BITSET = 8;

/** The ensemble as flat typed arrays (node indexes global across trees). */
export interface CompiledEnsemble {
  width: number;
  outputs: number;
  base: Float64Array;
  roots: Int32Array;
  /** Output each tree adds to (t % outputs). */
  treeOutput: Int32Array;
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
  /** Each node's cover (training rows' hessian sum; 0 when the model has none). */
  cover: Float64Array;
  flags: Uint8Array;
  /** Categorical split: offset of its bitset words in `bits` or of its codes in `codes`. */
  catAt: Int32Array;
  /** Categorical split: its bitset's words or its number of codes. */
  catLen: Int32Array;
  bits: Uint32Array;
  codes: Float64Array;
}

export function compileEnsemble(model: GbdtModel): CompiledEnsemble {
  const width = model.features.length;
  const isCategorical = new Uint8Array(width);
  for (const f of model.categorical) isCategorical[f] = 1;
  let nodes = 0;
  for (const t of model.trees) nodes += t.feature.length;
  const c: CompiledEnsemble = {
    width,
    outputs: model.outputs,
    base: Float64Array.from(model.baseScore),
    roots: new Int32Array(model.trees.length),
    treeOutput: Int32Array.from(model.trees, (_, t) => t % model.outputs),
    feature: new Int32Array(nodes),
    threshold: new Float64Array(nodes),
    left: new Int32Array(nodes),
    right: new Int32Array(nodes),
    value: new Float64Array(nodes),
    cover: new Float64Array(nodes),
    flags: new Uint8Array(nodes),
    catAt: new Int32Array(nodes),
    catLen: new Int32Array(nodes),
    bits: new Uint32Array(0),
    codes: new Float64Array(0),
  };
  const bits: number[] = [];
  const codes: number[] = [];
  let at = 0;
  model.trees.forEach((tree, t) => {
    c.roots[t] = at;
    for (let n = 0; n < tree.feature.length; n++) {
      const g = at + n;
      const f = tree.feature[n]!;
      c.feature[g] = f;
      c.threshold[g] = tree.threshold[n]!;
      c.left[g] = f >= 0 ? at + tree.left[n]! : -1;
      c.right[g] = f >= 0 ? at + tree.right[n]! : -1;
      c.value[g] = tree.value[n]!;
      c.cover[g] = tree.cover?.[n] ?? 0;
      let flags = tree.defaultLeft[n] ? DEFAULT_LEFT : 0;
      if (f >= 0 && isCategorical[f] === 1) flags |= MISSING_NEGATIVE;
      const cats = f >= 0 ? tree.categories[n] : null;
      if (cats) {
        flags |= BY_CATEGORIES;
        const small = cats.every((v) => Number.isInteger(v) && v >= 0 && v < BITSET_CODES);
        if (small) {
          flags |= BITSET;
          const words = cats.length ? (Math.max(...cats) >>> 5) + 1 : 0;
          c.catAt[g] = bits.length;
          c.catLen[g] = words;
          for (let w = 0; w < words; w++) bits.push(0);
          const at = c.catAt[g];
          for (const v of cats)
            bits[at + (v >>> 5)] = (bits[at + (v >>> 5)] ?? 0) | (1 << (v & 31));
        } else {
          c.catAt[g] = codes.length;
          c.catLen[g] = cats.length;
          // Object.is-free equality: -0 and 0 are one code, as Array.includes has it.
          codes.push(...[...cats].map((v) => v + 0).sort((a, b) => a - b));
        }
      }
      c.flags[g] = flags;
    }
    at += tree.feature.length;
  });
  c.bits = Uint32Array.from(bits, (b) => b >>> 0);
  c.codes = Float64Array.from(codes);
  return c;
}

/**
 * Scores rows of row-major `x` into `out` [rows, outputs], chunk by chunk as `counter[0]` hands them
 * out (Atomics.add; shared between threads). Self-contained (its source runs in the workers): no
 * references outside its parameters.
 */
export function scoreChunks(
  m: CompiledEnsemble,
  x: ArrayLike<number>,
  rows: number,
  out: Float64Array,
  counter: Int32Array,
  chunk: number,
): void {
  const { width, outputs: k, base, roots, treeOutput, feature, threshold, left, right, value } = m;
  const { flags, catAt, catLen, bits, codes } = m;
  const trees = roots.length;
  for (;;) {
    const start = Atomics.add(counter, 0, chunk);
    if (start >= rows) return;
    const end = Math.min(rows, start + chunk);
    for (let r = start; r < end; r++) for (let c = 0; c < k; c++) out[r * k + c] = base[c]!;
    // Tree by tree over the chunk's rows (one tree's nodes stay in cache); each row still adds the
    // trees in order.
    for (let t = 0; t < trees; t++) {
      const root = roots[t]!;
      const to = treeOutput[t]!;
      for (let r = start; r < end; r++) {
        const row = r * width;
        let n = root;
        let f = feature[n]!;
        while (f >= 0) {
          const v = x[row + f]!;
          const fl = flags[n]!;
          if ((fl & 6) === 0) {
            // Numeric feature, numeric split: a comparison with NaN is false.
            if (v <= threshold[n]!) n = left[n]!;
            else n = v !== v && (fl & 1) !== 0 ? left[n]! : right[n]!;
          } else if (v !== v || ((fl & 2) !== 0 && v < 0)) {
            n = (fl & 1) !== 0 ? left[n]! : right[n]!;
          } else if ((fl & 4) === 0) {
            n = v <= threshold[n]! ? left[n]! : right[n]!;
          } else if ((fl & 8) !== 0) {
            const i = v | 0;
            const hit =
              i === v &&
              i >= 0 &&
              i >>> 5 < catLen[n]! &&
              (bits[catAt[n]! + (i >>> 5)]! & (1 << (i & 31))) !== 0;
            n = hit ? left[n]! : right[n]!;
          } else {
            let lo = catAt[n]!;
            let hi = lo + catLen[n]!;
            while (lo < hi) {
              const mid = (lo + hi) >>> 1;
              if (codes[mid]! < v) lo = mid + 1;
              else hi = mid;
            }
            n = lo < catAt[n]! + catLen[n]! && codes[lo] === v ? left[n]! : right[n]!;
          }
          f = feature[n]!;
        }
        out[r * k + to]! += value[n]!;
      }
    }
  }
}

// --- The WebAssembly scorer ---------------------------------------------------------------------------
// The same walk in the GBDT kernel (kernel/assembly/gbdt.ts, scoreTrees), with no branch on the data: each
// tree is walked a fixed number of steps (its depth; leaves step to themselves) and every node computes
// both tests (threshold and bitset) and selects. Eight rows walk side by side, so their loads overlap. It
// compares float32 features with float32 thresholds (deciding as the double comparison above does, both
// being float32 values) and adds the leaves in tree order in float64: the outputs are the same bit for
// bit. Ensembles with a sorted code list (codes past the bitset range) or a threshold that is not a float32
// value, and inputs that are not all float32 values, are scored by scoreChunks instead.

/** Bytes of a node in the kernel's table (see scoreTrees in kernel/assembly/gbdt.ts). */
const NODE_BYTES = 32;
const PAGE = 65536;
/** The kernel memory's maximum (1 GiB): a shared memory reserves its maximum up front. */
const MAX_PAGES = 16384;
/** Rows and outputs of one call go through the memory in slices of about this many bytes. */
const SLICE_BYTES = 256 << 20;
/** Node tables larger than this are scored by scoreChunks (they would crowd out the rows). */
const MAX_TABLE_BYTES = 256 << 20;

/** Where the tables of an ensemble lie in the kernel's memory (byte offsets), and its shape. */
export interface TreeTables {
  nodes: number;
  roots: number;
  depths: number;
  trees: number;
  k: number;
  base: number;
  bits: number;
  /** The shared chunk counter (an i32). */
  counter: number;
  rowBytes: number;
  /** Where a call's rows begin. */
  data: number;
}

/** One call's rows: float32 features at `x`, the float64 sums at `out`. */
export interface TreeJob {
  rows: number;
  x: number;
  out: number;
  chunk: number;
}

interface TreeKernels {
  heapBase(): number;
  scoreTrees(
    nodes: number,
    roots: number,
    depths: number,
    trees: number,
    k: number,
    base: number,
    bits: number,
    x: number,
    rowBytes: number,
    begin: number,
    end: number,
    out: number,
  ): void;
}

/**
 * Scores chunks of `job` as the shared `counter` hands them out, until none is left. Self-contained (its
 * source runs in the workers).
 */
export function scoreTreeChunks(
  kernels: TreeKernels,
  t: TreeTables,
  job: TreeJob,
  counter: Int32Array,
): void {
  for (;;) {
    const start = Atomics.add(counter, 0, job.chunk);
    if (start >= job.rows) return;
    const end = Math.min(job.rows, start + job.chunk);
    kernels.scoreTrees(
      t.nodes,
      t.roots,
      t.depths,
      t.trees,
      t.k,
      t.base,
      t.bits,
      job.x,
      t.rowBytes,
      start,
      end,
      job.out,
    );
  }
}

/**
 * The ensemble's nodes in the kernel's layout and each tree's depth; null when a split keeps a code list, a
 * threshold is not a float32 value (the kernel compares in float32) or the trees are so unbalanced that
 * walking each the whole depth takes more than twice the steps the rows take.
 */
export function packTrees(m: CompiledEnsemble): { nodes: ArrayBuffer; depths: Int32Array } | null {
  const count = m.feature.length;
  for (let g = 0; g < count; g++) {
    if ((m.flags[g]! & (BY_CATEGORIES | BITSET)) === BY_CATEGORIES) return null;
    if (m.feature[g]! >= 0 && Math.fround(m.threshold[g]!) !== m.threshold[g]) return null;
  }
  if (count * NODE_BYTES + m.bits.length * 4 > MAX_TABLE_BYTES) return null;
  const nodes = new ArrayBuffer(count * NODE_BYTES);
  const f64 = new Float64Array(nodes);
  const f32 = new Float32Array(nodes);
  const i32 = new Int32Array(nodes);
  for (let g = 0; g < count; g++) {
    const leaf = m.feature[g]! < 0;
    const bitset = (m.flags[g]! & BITSET) !== 0;
    if (leaf) f64[g * 4] = m.value[g]!;
    else f32[g * 8] = m.threshold[g]!;
    i32[g * 8 + 2] = (leaf ? g : m.left[g]!) * NODE_BYTES;
    i32[g * 8 + 3] = (leaf ? g : m.right[g]!) * NODE_BYTES;
    i32[g * 8 + 4] = leaf ? 0 : m.feature[g]! * 4;
    i32[g * 8 + 5] = leaf ? 0 : m.flags[g]! & (DEFAULT_LEFT | MISSING_NEGATIVE | BITSET);
    i32[g * 8 + 6] = bitset ? m.catAt[g]! : 0;
    f32[g * 8 + 7] = bitset ? m.catLen[g]! * 32 : 0;
  }
  // Each tree's depth, and the steps a row takes in it on average (its leaves' depths weighed by cover).
  const depths = new Int32Array(m.roots.length);
  let fixed = 0;
  let expected = 0;
  m.roots.forEach((root, t) => {
    let weighed = 0;
    let weight = 0;
    let leaves = 0;
    let plain = 0;
    const stack = [root, 0];
    while (stack.length) {
      const depth = stack.pop()!;
      const n = stack.pop()!;
      if (m.feature[n]! >= 0) {
        stack.push(m.left[n]!, depth + 1, m.right[n]!, depth + 1);
        continue;
      }
      depths[t] = Math.max(depths[t]!, depth);
      weighed += m.cover[n]! * depth;
      weight += m.cover[n]!;
      plain += depth;
      leaves++;
    }
    fixed += depths[t]!;
    expected += weight > 0 ? weighed / weight : plain / leaves;
  });
  // The kernel walks every row the whole depth at about half the cost of a step of scoreChunks: an
  // unbalanced ensemble (leaf-wise growth) whose rows stop far sooner is walked faster there.
  if (fixed > 2 * expected) return null;
  return { nodes, depths };
}

/** The ensemble's tables in a kernel memory of their own, and the rows of one call after them. */
class TreeMemory {
  readonly module: object;
  readonly memory: WasmMemory<SharedArrayBuffer>;
  readonly kernels: TreeKernels;
  readonly tables: TreeTables;
  /** Rows per slice (see SLICE_BYTES). */
  readonly sliceRows: number;

  constructor(
    m: CompiledEnsemble,
    packed: { nodes: ArrayBuffer; depths: Int32Array },
    sliceBytes = SLICE_BYTES,
  ) {
    this.module = gbdtKernelModule();
    this.memory = new wasm.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    this.kernels = gbdtKernels<TreeKernels>(this.module, this.memory);
    let top = this.kernels.heapBase();
    const take = (bytes: number) => {
      const at = top;
      top += Math.ceil(Math.max(bytes, 8) / 64) * 64;
      return at;
    };
    const trees = m.roots.length;
    this.tables = {
      nodes: take(packed.nodes.byteLength),
      roots: take(trees * 4),
      depths: take(trees * 4),
      trees,
      k: m.outputs,
      base: take(m.outputs * 8),
      // At least one word: nodes that are not bitset splits read the first (and ignore it).
      bits: take(Math.max(1, m.bits.length) * 4),
      counter: take(4),
      rowBytes: m.width * 4,
      data: 0,
    };
    this.tables.data = top;
    this.sliceRows = Math.max(
      SCORE_CHUNK_ROWS,
      Math.floor(sliceBytes / (this.tables.rowBytes + this.tables.k * 8)),
    );
    this.ensure(top);
    const buf = this.memory.buffer;
    const t = this.tables;
    new Uint8Array(buf, t.nodes, packed.nodes.byteLength).set(new Uint8Array(packed.nodes));
    new Int32Array(buf, t.roots, trees).set(m.roots.map((r) => r * NODE_BYTES));
    new Int32Array(buf, t.depths, trees).set(packed.depths);
    new Float64Array(buf, t.base, m.outputs).set(m.base);
    new Uint32Array(buf, t.bits, m.bits.length).set(m.bits);
  }

  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / PAGE);
    if (have / PAGE + pages > MAX_PAGES)
      throw new Error(`tree scorer: ${end} bytes of tables, rows and outputs exceed 1 GiB`);
    this.memory.grow(pages);
  }

  /**
   * Copies rows begin..end of `x` (at most sliceRows) into the memory and resets the counter; null when
   * a value is not a float32 (such an input is scored by scoreChunks, which compares the value itself).
   */
  load(x: ArrayLike<number>, begin: number, end: number): TreeJob | null {
    const t = this.tables;
    const width = t.rowBytes / 4;
    const values = (end - begin) * width;
    const xAt = t.data;
    const outAt = xAt + Math.ceil((values * 4) / 64) * 64;
    this.ensure(outAt + (end - begin) * t.k * 8);
    const into = new Float32Array(this.memory.buffer, xAt, values);
    const from = begin * width;
    if (x instanceof Float32Array) into.set(x.subarray(from, from + values));
    else
      for (let i = 0; i < values; i++) {
        const v = x[from + i]!;
        into[i] = v;
        if (into[i] !== v && v === v) return null;
      }
    Atomics.store(this.counter(), 0, 0);
    return { rows: end - begin, x: xAt, out: outAt, chunk: SCORE_CHUNK_ROWS };
  }

  counter(): Int32Array {
    return new Int32Array(this.memory.buffer, this.tables.counter, 1);
  }

  /** Copies the sums of `job` into `out` from row `begin`. */
  copyOut(job: TreeJob, out: Float64Array, begin: number): void {
    const k = this.tables.k;
    out.set(new Float64Array(this.memory.buffer, job.out, job.rows * k), begin * k);
  }

  /** Scores `job` on this thread (taking chunks until none is left). */
  run(job: TreeJob): void {
    scoreTreeChunks(this.kernels, this.tables, job, this.counter());
  }
}

/** Each compiled ensemble's kernel memory (undefined until first used; null when it cannot be packed). */
const memories = new WeakMap<CompiledEnsemble, TreeMemory | null>();

function treeMemory(m: CompiledEnsemble): TreeMemory | null {
  let mem = memories.get(m);
  if (mem === undefined) {
    const packed = packTrees(m);
    mem = packed ? new TreeMemory(m, packed) : null;
    memories.set(m, mem);
  }
  return mem;
}

/** Raw outputs [rows, outputs] on the calling thread. */
export function scoreRows(m: CompiledEnsemble, x: ArrayLike<number>, rows: number): Float64Array {
  const out = new Float64Array(rows * m.outputs);
  const mem = treeMemory(m);
  if (mem) {
    let begin = 0;
    for (; begin < rows; begin += mem.sliceRows) {
      const job = mem.load(x, begin, Math.min(rows, begin + mem.sliceRows));
      if (!job) break;
      mem.run(job);
      mem.copyOut(job, out, begin);
    }
    if (begin >= rows) return out;
  }
  scoreChunks(m, x, rows, out, new Int32Array(1), SCORE_CHUNK_ROWS);
  return out;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const scoreChunks = ${scoreChunks.toString()};
const scoreTreeChunks = ${scoreTreeChunks.toString()};
const { m, kernel } = workerData;
const abort = () => { throw new Error('wasm abort'); };
const kernels = kernel && new WebAssembly.Instance(kernel.module, { env: { memory: kernel.memory, abort } }).exports;
parentPort.on('message', (job) => {
  try {
    if (kernel) scoreTreeChunks(kernels, kernel.tables, job, new Int32Array(kernel.memory.buffer, kernel.tables.counter, 1));
    else scoreChunks(m, new Float32Array(job.x), job.rows, new Float64Array(job.out), new Int32Array(job.counter), job.chunk);
    parentPort.postMessage({ ok: true });
  } catch (err) {
    parentPort.postMessage({ ok: false, message: String(err && err.message || err) });
  }
});
`;

/** A scorer of Float32Array matrices on `threads` threads (the calling one and threads − 1 workers). */
export interface ThreadedScorer {
  readonly threads: number;
  score(x: Float32Array, rows: number): Promise<Float64Array>;
  /** Terminates the workers; always call it. */
  close(): Promise<void>;
}

/** `sliceBytes`: how much of the matrix goes through the kernel's memory at a time (tests make it small). */
export function threadedScorer(
  model: GbdtModel,
  threads = availableParallelism(),
  sliceBytes = SLICE_BYTES,
): ThreadedScorer {
  const m = compileEnsemble(model);
  const packed = packTrees(m);
  // The scorer's own memory (not treeMemory's): its workers write into it. An ensemble the kernel cannot
  // take is known as such to scoreRows (the small calls' path), which then does not pack it again.
  const mem = packed ? new TreeMemory(m, packed, sliceBytes) : null;
  if (!packed) memories.set(m, null);
  const n = Math.max(1, Math.floor(threads));
  const workerData = mem
    ? { m: null, kernel: { module: mem.module, memory: mem.memory, tables: mem.tables } }
    : { m, kernel: null };
  const workers: Worker[] = [];
  for (let i = 1; i < n; i++) workers.push(new Worker(WORKER_SOURCE, { eval: true, workerData }));
  let closed = false;
  let failure: Error | null = null;
  for (const w of workers) {
    w.on('error', (err) => (failure ??= err));
    w.once('exit', (code) => (failure ??= new Error(`tree scorer worker exited (${code})`)));
  }
  /** Runs `job` on every worker and `mine` here; returns once all have stopped. */
  const together = async (job: object, mine: () => void) => {
    const done = workers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          const onExit = (code: number) => reject(new Error(`tree scorer worker exited (${code})`));
          w.once('exit', onExit);
          w.once('message', (msg: { ok: boolean; message?: string }) => {
            w.off('exit', onExit);
            if (msg.ok) resolve();
            else reject(new Error(`tree scorer worker: ${msg.message}`));
          });
          w.postMessage(job);
        }),
    );
    let own: Error | null = null;
    try {
      mine();
    } catch (err) {
      own = err instanceof Error ? err : new Error(String(err));
    }
    // Every worker is waited for before returning, so none still writes into the outputs afterwards.
    const settled = await Promise.allSettled(done);
    if (own) throw own;
    for (const s of settled) if (s.status === 'rejected') throw s.reason as Error;
  };
  const scoreOnce = async (x: Float32Array, rows: number): Promise<Float64Array> => {
    if (closed) throw new Error('tree scorer: closed');
    if (failure) throw failure;
    if (x.length < rows * m.width)
      throw new Error(`tree scorer: ${x.length} values for ${rows} rows of ${m.width} features`);
    if (mem) {
      const out = new Float64Array(rows * m.outputs);
      for (let begin = 0; begin < rows; begin += mem.sliceRows) {
        // A Float32Array's values are all float32: load always copies them.
        const job = mem.load(x, begin, Math.min(rows, begin + mem.sliceRows))!;
        if (workers.length && job.rows > SCORE_CHUNK_ROWS) await together(job, () => mem.run(job));
        else mem.run(job);
        mem.copyOut(job, out, begin);
      }
      return out;
    }
    if (!workers.length || rows <= SCORE_CHUNK_ROWS) return scoreRows(m, x, rows);
    const xs = new SharedArrayBuffer(rows * m.width * 4);
    new Float32Array(xs).set(x.subarray(0, rows * m.width));
    const outs = new SharedArrayBuffer(rows * m.outputs * 8);
    const counters = new SharedArrayBuffer(4);
    const job = { x: xs, out: outs, counter: counters, rows, chunk: SCORE_CHUNK_ROWS };
    const out = new Float64Array(outs);
    await together(job, () =>
      scoreChunks(m, new Float32Array(xs), rows, out, new Int32Array(counters), SCORE_CHUNK_ROWS),
    );
    return out;
  };
  // One call at a time: a call's rows and outputs live in the scorer's memory until it returns.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    threads: n,
    score(x, rows) {
      const result = queue.then(() => scoreOnce(x, rows));
      queue = result.catch(() => undefined);
      return result;
    },
    async close() {
      closed = true;
      failure ??= new Error('tree scorer: closed');
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
