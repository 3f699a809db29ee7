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
import type { GbdtModel } from './tree-model';

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

/** Raw outputs [rows, outputs] on the calling thread. */
export function scoreRows(m: CompiledEnsemble, x: ArrayLike<number>, rows: number): Float64Array {
  const out = new Float64Array(rows * m.outputs);
  scoreChunks(m, x, rows, out, new Int32Array(1), SCORE_CHUNK_ROWS);
  return out;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const scoreChunks = ${scoreChunks.toString()};
const m = workerData;
parentPort.on('message', (job) => {
  try {
    scoreChunks(m, new Float32Array(job.x), job.rows, new Float64Array(job.out), new Int32Array(job.counter), job.chunk);
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

export function threadedScorer(model: GbdtModel, threads = availableParallelism()): ThreadedScorer {
  const m = compileEnsemble(model);
  const n = Math.max(1, Math.floor(threads));
  const workers: Worker[] = [];
  for (let i = 1; i < n; i++)
    workers.push(new Worker(WORKER_SOURCE, { eval: true, workerData: m }));
  let closed = false;
  let failure: Error | null = null;
  for (const w of workers) {
    w.on('error', (err) => (failure ??= err));
    w.once('exit', (code) => (failure ??= new Error(`tree scorer worker exited (${code})`)));
  }
  return {
    threads: n,
    async score(x, rows) {
      if (closed) throw new Error('tree scorer: closed');
      if (failure) throw failure;
      if (x.length < rows * m.width)
        throw new Error(`tree scorer: ${x.length} values for ${rows} rows of ${m.width} features`);
      if (!workers.length || rows <= SCORE_CHUNK_ROWS) return scoreRows(m, x, rows);
      const xs = new SharedArrayBuffer(rows * m.width * 4);
      new Float32Array(xs).set(x.subarray(0, rows * m.width));
      const outs = new SharedArrayBuffer(rows * m.outputs * 8);
      const counters = new SharedArrayBuffer(4);
      const job = { x: xs, out: outs, counter: counters, rows, chunk: SCORE_CHUNK_ROWS };
      const done = workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const onExit = (code: number) =>
              reject(new Error(`tree scorer worker exited (${code})`));
            w.once('exit', onExit);
            w.once('message', (msg: { ok: boolean; message?: string }) => {
              w.off('exit', onExit);
              if (msg.ok) resolve();
              else reject(new Error(`tree scorer worker: ${msg.message}`));
            });
            w.postMessage(job);
          }),
      );
      const out = new Float64Array(outs);
      let mine: Error | null = null;
      try {
        scoreChunks(m, new Float32Array(xs), rows, out, new Int32Array(counters), SCORE_CHUNK_ROWS);
      } catch (err) {
        mine = err instanceof Error ? err : new Error(String(err));
      }
      // Every worker is waited for before returning, so none still writes into `out` afterwards.
      const settled = await Promise.allSettled(done);
      if (mine) throw mine;
      for (const s of settled) if (s.status === 'rejected') throw s.reason as Error;
      return out;
    },
    async close() {
      closed = true;
      failure ??= new Error('tree scorer: closed');
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
