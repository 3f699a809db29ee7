// The GBDT histogram engine in WebAssembly SIMD (main/train/kernel/assembly/gbdt.ts) over one shared
// memory, with `threads - 1` worker threads beside the calling thread. Histograms are split by feature:
// each feature's bins are summed by one thread over the node's rows in order, so every thread count gives
// the same sums bit for bit. Partitions of the nodes of a level are shared out whole (each node's rows are
// its own segment). Threads meet on Atomics over a small shared control block; the workers are inline
// scripts (no file to locate, the same in the CLI bundle, the Electron app and vitest), started per
// training and terminated by close().
import { Worker } from 'node:worker_threads';
import { LatheError } from '../../../shared/contract/errors';
import { wasm, type WasmMemory } from '../../workspace/wasm';
import { GBDT_WASM_BASE64 } from '../kernel/gbdt-wasm';
import type { BinSpec } from './binning';
import {
  addTreeByBins,
  addTreeByLeaves,
  type EngineScores,
  type HistEngine,
  type HistTask,
  type PartitionJob,
} from './hist-engine';

interface Kernels {
  heapBase(): number;
  buildHist(
    index: number,
    begin: number,
    count: number,
    bins: number,
    narrow: number,
    width: number,
    gpair: number,
    hist: number,
    stride: number,
    features: number,
    nf: number,
  ): void;
  subtractHist(a: number, b: number, pairs: number): void;
  logistic(raw: number, y: number, w: number, gpair: number, n: number): number;
  routeAdd(
    bins: number,
    narrow: number,
    width: number,
    begin: number,
    end: number,
    feature: number,
    left: number,
    right: number,
    value: number,
    tables: number,
    tableBytes: number,
    raw: number,
    k: number,
    c: number,
  ): void;
  addLeaf(
    index: number,
    begin: number,
    end: number,
    raw: number,
    k: number,
    c: number,
    v: number,
  ): void;
  partition(
    index: number,
    begin: number,
    end: number,
    bins: number,
    narrow: number,
    width: number,
    f: number,
    table: number,
    scratch: number,
  ): number;
}

const PAGE = 65536;
const MAX_PAGES = 65536;
/** Control words: generation, threads done, error flag, operation. */
const GEN = 0;
const DONE = 1;
const ERROR = 2;
const OP = 3;
const OP_EXIT = 0;
const OP_BUILD = 1;
const OP_PARTITION = 2;
const OP_LOGISTIC = 3;
const OP_ADD_TREE = 4;
/** Rows per chunk of the logistic pass: chunk losses are summed in chunk order, whatever the threads. */
const CHUNK = 16384;
/** Job words: the buffers' addresses, then per-thread feature counts, then the items. */
const J_COUNT = 0;
const J_INDEX = 1;
const J_BINS = 2;
const J_NARROW = 3;
const J_WIDTH = 4;
const J_GPAIR = 5;
const J_STRIDE = 6;
const J_FEATURES = 7;
const J_SCRATCH = 8;
const J_RAW = 9;
const J_Y = 10;
const J_W = 11;
const J_ROWS = 12;
const J_LOSSES = 13;
const J_THREADS = 14;
const J_T_FEATURE = 16;
const J_T_LEFT = 17;
const J_T_RIGHT = 18;
const J_T_VALUE = 19;
const J_T_TABLES = 20;
const J_TABLE_BYTES = 21;
const J_K = 22;
const J_C = 23;
const J_VALID_ROWS = 24;
const J_VBINS = 25;
const J_VRAW = 26;
const J_MODE = 27;
const J_NODES = 28;
const J_NF = 40;
const MAX_THREADS = 64;
const J_ITEMS = J_NF + MAX_THREADS;
/** Items a dispatch holds at most: build tasks (3 words) or partitions (6 words). */
const MAX_ITEMS = 4096;
const JOB_WORDS = J_ITEMS + 6 * MAX_ITEMS;

const WORKER_CONSTANTS = {
  J_T_FEATURE,
  J_T_LEFT,
  J_T_RIGHT,
  J_T_VALUE,
  J_T_TABLES,
  J_TABLE_BYTES,
  J_K,
  J_C,
  J_VALID_ROWS,
  J_VBINS,
  J_VRAW,
  J_MODE,
  J_NODES,
  OP_ADD_TREE,
  CHUNK,
  DONE,
  ERROR,
  GEN,
  J_BINS,
  J_COUNT,
  J_FEATURES,
  J_GPAIR,
  J_INDEX,
  J_ITEMS,
  J_LOSSES,
  J_NARROW,
  J_NF,
  J_RAW,
  J_ROWS,
  J_SCRATCH,
  J_STRIDE,
  J_THREADS,
  J_W,
  J_WIDTH,
  J_Y,
  OP,
  OP_BUILD,
  OP_EXIT,
  OP_LOGISTIC,
  OP_PARTITION,
};

// The worker: instantiates the kernels over the shared memory, then runs its share of each dispatch.
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const { module, memory, control, job, thread, constants: C } = workerData;
const k = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('wasm abort'); } } }).exports;
const c = new Int32Array(control);
const j = new Int32Array(job);
parentPort.postMessage('ready');
let seen = 0;
for (;;) {
  Atomics.wait(c, C.GEN, seen);
  seen = Atomics.load(c, C.GEN);
  const op = Atomics.load(c, C.OP);
  if (op === C.OP_EXIT) break;
  try {
    const n = j[C.J_COUNT];
    if (op === C.OP_BUILD) {
      const nf = j[C.J_NF + thread];
      const features = j[C.J_FEATURES] + thread * 4 * j[C.J_WIDTH];
      if (nf > 0)
        for (let i = 0; i < n; i++) {
          const t = C.J_ITEMS + 3 * i;
          k.buildHist(j[C.J_INDEX], j[t], j[t + 1], j[C.J_BINS], j[C.J_NARROW], j[C.J_WIDTH],
            j[C.J_GPAIR], j[t + 2], j[C.J_STRIDE], features, nf);
        }
    } else if (op === C.OP_ADD_TREE) {
      const T = j[C.J_THREADS];
      const K = j[C.J_K];
      const cc = j[C.J_C];
      const width = j[C.J_WIDTH];
      const tree = [j[C.J_T_FEATURE], j[C.J_T_LEFT], j[C.J_T_RIGHT], j[C.J_T_VALUE], j[C.J_T_TABLES], j[C.J_TABLE_BYTES]];
      if (j[C.J_MODE] === 1) {
        const values = new Float64Array(memory.buffer, j[C.J_T_VALUE], j[C.J_NODES]);
        for (let i = thread; i < n; i += T) {
          const t = C.J_ITEMS + 3 * i;
          k.addLeaf(j[C.J_INDEX], j[t], j[t + 1], j[C.J_RAW], K, cc, values[j[t + 2]]);
        }
      } else {
        const rows = j[C.J_ROWS];
        k.routeAdd(j[C.J_BINS], j[C.J_NARROW], width, Math.floor((rows * thread) / T),
          Math.floor((rows * (thread + 1)) / T), ...tree, j[C.J_RAW], K, cc);
      }
      const vrows = j[C.J_VALID_ROWS];
      k.routeAdd(j[C.J_VBINS], 0, width, Math.floor((vrows * thread) / T),
        Math.floor((vrows * (thread + 1)) / T), ...tree, j[C.J_VRAW], K, cc);
    } else if (op === C.OP_LOGISTIC) {
      const rows = j[C.J_ROWS];
      const losses = new Float64Array(memory.buffer, j[C.J_LOSSES], n);
      for (let i = thread; i < n; i += j[C.J_THREADS]) {
        const at = i * C.CHUNK;
        const count = Math.min(C.CHUNK, rows - at);
        losses[i] = k.logistic(j[C.J_RAW] + at * 8, j[C.J_Y] + at * 4, j[C.J_W] + at * 4,
          j[C.J_GPAIR] + at * 8, count + (count % 2));
      }
    } else if (op === C.OP_PARTITION) {
      for (let i = 0; i < n; i++) {
        const t = C.J_ITEMS + 6 * i;
        if (j[t + 4] !== thread) continue;
        j[t + 5] = k.partition(j[C.J_INDEX], j[t], j[t + 1], j[C.J_BINS], j[C.J_NARROW],
          j[C.J_WIDTH], j[t + 2], j[t + 3], j[C.J_SCRATCH]);
      }
    }
  } catch (e) {
    Atomics.store(c, C.ERROR, 1);
  }
  Atomics.add(c, C.DONE, 1);
  Atomics.notify(c, C.DONE);
}
`;

/** The threads the engine runs of `threads` asked for: histograms are shared out by feature. */
export function histogramThreads(threads: number, width: number): number {
  return Math.max(1, Math.min(MAX_THREADS, Math.floor(threads), width));
}

let compiled: object | null = null;

/** The GBDT kernels' module, compiled once per thread: the training engine and the tree scorer share it. */
export function gbdtKernelModule(): object {
  return (compiled ??= new wasm.Module(Buffer.from(GBDT_WASM_BASE64, 'base64')));
}

/** An instance of the GBDT kernels over a shared `memory`. */
export function gbdtKernels<K>(module: object, memory: WasmMemory<SharedArrayBuffer>): K {
  const abort = () => {
    throw new Error('wasm abort');
  };
  return new wasm.Instance(module, { env: { memory, abort } }).exports as K;
}

const align = (n: number) => Math.ceil(n / 64) * 64;

/** The engine for `rows` × `width` binned by `spec`, with `threads` threads (this one included). */
export async function createWasmEngine(
  spec: BinSpec,
  rows: number,
  width: number,
  threads: number,
  scores: EngineScores,
): Promise<HistEngine> {
  const module = gbdtKernelModule();
  threads = histogramThreads(threads, width);
  const stride = spec.stride;
  const binBytes = spec.narrow ? 1 : 2;
  const slotPairs = width * stride;
  const slotBytes = align(slotPairs * 16);
  // Tables have two entries beyond the bins for validation rows (see validBins).
  const tableBytes = align(stride + 2);
  const k = scores.outputs;
  const validRows = scores.validRows;

  const memory = new wasm.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  const kernels = gbdtKernels<Kernels>(module, memory);
  let top = align(kernels.heapBase());
  const take = (bytes: number) => {
    const at = top;
    top += align(bytes);
    return at;
  };
  const binsAt = take(rows * width * binBytes);
  // One row of padding: the logistic kernel works on pairs of rows.
  const gpairAt = take((rows + 1) * 8);
  const rawAt = take((rows * k + 1) * 8);
  const validRawAt = take(validRows * k * 8);
  const vbinsAt = take(validRows * width * 2);
  // One tree's nodes and tables at a time (a larger tree is added by the TypeScript loops).
  const maxNodes = Math.max(16, Math.min(MAX_ITEMS, Math.floor((8 << 20) / (tableBytes + 20))));
  const tFeatureAt = take(maxNodes * 4);
  const tLeftAt = take(maxNodes * 4);
  const tRightAt = take(maxNodes * 4);
  const tValueAt = take(maxNodes * 8);
  const tTablesAt = take(maxNodes * tableBytes);
  const yAt = take((rows + 1) * 4);
  const wAt = take((rows + 1) * 4);
  const chunks = Math.ceil(rows / CHUNK);
  const lossesAt = take(chunks * 8);
  const indexAt = take(rows * 4);
  const scratchAt = take(rows * 4);
  const featuresAt = take(threads * width * 4 + 4 * width);
  const ownFeaturesAt = featuresAt;
  // Partition tables of one dispatch: at most 16 MiB of them (bins as wide as u16 allow make big tables).
  const maxParts = Math.max(1, Math.min(MAX_ITEMS, Math.floor((16 << 20) / tableBytes)));
  const tablesAt = take(tableBytes * maxParts);
  const slotsAt = top;
  let slotCapacity = 0;
  const ensure = (end: number) => {
    const have = memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / PAGE);
    if (have / PAGE + pages > MAX_PAGES)
      throw new LatheError(
        'TRAINING_FAILED',
        `GBDT training needs more than 4 GiB of histogram memory (${rows} rows × ${width} features)`,
      );
    memory.grow(pages);
  };
  ensure(slotsAt);

  const control = new SharedArrayBuffer(16);
  const job = new SharedArrayBuffer(JOB_WORDS * 4);
  const c = new Int32Array(control);
  const j = new Int32Array(job);
  const workers: Worker[] = [];
  const closeWorkers = async () => {
    Atomics.store(c, OP, OP_EXIT);
    Atomics.add(c, GEN, 1);
    Atomics.notify(c, GEN);
    await Promise.all(workers.map((w) => w.terminate()));
    workers.length = 0;
  };
  try {
    await Promise.all(
      Array.from({ length: threads - 1 }, (_, i) => {
        const worker = new Worker(WORKER_SOURCE, {
          eval: true,
          workerData: { module, memory, control, job, thread: i + 1, constants: WORKER_CONSTANTS },
        });
        workers.push(worker);
        return new Promise<void>((resolve, reject) => {
          worker.once('message', () => resolve());
          worker.once('error', reject);
          worker.once('exit', (code) => reject(new Error(`GBDT worker exited (${code})`)));
        });
      }),
    );
  } catch (err) {
    await closeWorkers();
    throw new LatheError(
      'TRAINING_FAILED',
      `GBDT histogram workers failed to start: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  let live = workers.length;
  for (const w of workers) {
    w.removeAllListeners('exit').removeAllListeners('error');
    w.once('exit', () => live--);
    // A worker's failure is reported through the control block's error flag.
    w.on('error', () => undefined);
  }

  j[J_INDEX] = indexAt;
  j[J_BINS] = binsAt;
  j[J_NARROW] = spec.narrow ? 1 : 0;
  j[J_WIDTH] = width;
  j[J_GPAIR] = gpairAt;
  j[J_STRIDE] = stride;
  j[J_FEATURES] = featuresAt;
  j[J_SCRATCH] = scratchAt;
  j[J_RAW] = rawAt;
  j[J_Y] = yAt;
  j[J_W] = wAt;
  j[J_ROWS] = rows;
  j[J_LOSSES] = lossesAt;
  j[J_THREADS] = threads;
  j[J_T_FEATURE] = tFeatureAt;
  j[J_T_LEFT] = tLeftAt;
  j[J_T_RIGHT] = tRightAt;
  j[J_T_VALUE] = tValueAt;
  j[J_T_TABLES] = tTablesAt;
  j[J_TABLE_BYTES] = tableBytes;
  j[J_K] = k;
  j[J_VALID_ROWS] = validRows;
  j[J_VBINS] = vbinsAt;
  j[J_VRAW] = validRawAt;

  /** Runs the dispatch in `j` on the workers, while `own` runs here; waits for all. */
  const dispatch = (op: number, own: () => void) => {
    if (workers.length === 0) {
      own();
      return;
    }
    Atomics.store(c, DONE, 0);
    Atomics.store(c, OP, op);
    Atomics.add(c, GEN, 1);
    Atomics.notify(c, GEN);
    own();
    for (;;) {
      const done = Atomics.load(c, DONE);
      if (done >= workers.length) break;
      Atomics.wait(c, DONE, done);
    }
    if (Atomics.load(c, ERROR))
      throw new LatheError('TRAINING_FAILED', 'a GBDT histogram worker failed');
  };

  const free: number[] = [];
  let slotsUsed = 0;
  let targetsOf: { y: Float32Array | Int32Array; weights: Float32Array | null } | null = null;
  const views = () => memory.buffer;
  let buffer = views();
  const view = <T>(make: (b: SharedArrayBuffer) => T) => {
    let b = buffer;
    let v = make(b);
    return () => {
      if (b !== buffer) {
        b = buffer;
        v = make(b);
      }
      return v;
    };
  };
  const binsView = view((b) =>
    spec.narrow
      ? new Uint8Array(b, binsAt, rows * width)
      : new Uint16Array(b, binsAt, rows * width),
  );
  const gpairView = view((b) => new Float32Array(b, gpairAt, rows * 2));
  const indexView = view((b) => new Uint32Array(b, indexAt, rows));
  const rawView = view((b) => new Float64Array(b, rawAt, rows * k));
  const validRawView = view((b) => new Float64Array(b, validRawAt, validRows * k));
  const validBinsView = view((b) => new Uint16Array(b, vbinsAt, validRows * width));
  const featuresView = view((b) => new Int32Array(b, featuresAt, threads * width + width));
  const tablesView = view((b) => new Uint8Array(b, tablesAt, maxParts * tableBytes));
  const grown = () => {
    buffer = views();
  };

  /** Shares `features` among the threads: contiguous runs, the first threads one more when uneven. */
  const shareFeatures = (features: Int32Array) => {
    const fv = featuresView();
    const n = features.length;
    let at = 0;
    for (let t = 0; t < threads; t++) {
      const count = Math.floor(n / threads) + (t < n % threads ? 1 : 0);
      for (let i = 0; i < count; i++) fv[t * width + i] = features[at + i]!;
      j[J_NF + t] = count;
      at += count;
    }
  };

  const engine: HistEngine = {
    rows,
    width,
    get bins() {
      return binsView();
    },
    get gpair() {
      return gpairView();
    },
    get index() {
      return indexView();
    },
    count: rows,
    hist(slot) {
      return new Float64Array(buffer, slotsAt + slot * slotBytes, slotPairs * 2);
    },
    allocSlot() {
      const s = free.pop();
      if (s !== undefined) return s;
      if (slotsUsed === slotCapacity) {
        const more = Math.max(16, slotCapacity);
        ensure(slotsAt + (slotCapacity + more) * slotBytes);
        slotCapacity += more;
        grown();
      }
      return slotsUsed++;
    },
    freeSlot(slot) {
      if (slot >= 0) free.push(slot);
    },
    build(tasks: HistTask[], features: Int32Array) {
      shareFeatures(features);
      for (let from = 0; from < tasks.length; from += MAX_ITEMS) {
        const part = tasks.slice(from, from + MAX_ITEMS);
        j[J_COUNT] = part.length;
        part.forEach((t, i) => {
          j[J_ITEMS + 3 * i] = t.begin;
          j[J_ITEMS + 3 * i + 1] = t.count;
          j[J_ITEMS + 3 * i + 2] = slotsAt + t.slot * slotBytes;
        });
        const nf = j[J_NF]!;
        dispatch(OP_BUILD, () => {
          if (nf > 0)
            for (const t of part)
              kernels.buildHist(
                indexAt,
                t.begin,
                t.count,
                binsAt,
                spec.narrow ? 1 : 0,
                width,
                gpairAt,
                slotsAt + t.slot * slotBytes,
                stride,
                ownFeaturesAt,
                nf,
              );
        });
      }
    },
    subtract(parent, child, features) {
      const a = slotsAt + parent * slotBytes;
      const b = slotsAt + child * slotBytes;
      if (features.length === width) kernels.subtractHist(a, b, slotPairs);
      else
        for (const f of features)
          kernels.subtractHist(a + f * stride * 16, b + f * stride * 16, stride);
    },
    partition(begin, end, feature, table) {
      return engine.partitionAll([{ begin, end, feature, table }])[0]!;
    },
    partitionAll(jobs: PartitionJob[]) {
      const out: number[] = [];
      for (let from = 0; from < jobs.length; from += maxParts) {
        const part = jobs.slice(from, from + maxParts);
        const tv = tablesView();
        // Nodes go to threads in turn, largest first, each to the thread with the fewest rows so far.
        const load = new Float64Array(threads);
        const order = part
          .map((_, i) => i)
          .sort((a, b) => part[b]!.end - part[b]!.begin - (part[a]!.end - part[a]!.begin) || a - b);
        const owner = new Int32Array(part.length);
        for (const i of order) {
          let t = 0;
          for (let u = 1; u < threads; u++) if (load[u]! < load[t]!) t = u;
          owner[i] = t;
          load[t]! += part[i]!.end - part[i]!.begin;
        }
        j[J_COUNT] = part.length;
        part.forEach((p, i) => {
          tv.set(p.table.subarray(0, stride), i * tableBytes);
          const w = J_ITEMS + 6 * i;
          j[w] = p.begin;
          j[w + 1] = p.end;
          j[w + 2] = p.feature;
          j[w + 3] = tablesAt + i * tableBytes;
          j[w + 4] = owner[i]!;
        });
        dispatch(OP_PARTITION, () => {
          part.forEach((p, i) => {
            if (owner[i] === 0)
              j[J_ITEMS + 6 * i + 5] = kernels.partition(
                indexAt,
                p.begin,
                p.end,
                binsAt,
                spec.narrow ? 1 : 0,
                width,
                p.feature,
                tablesAt + i * tableBytes,
                scratchAt,
              );
          });
        });
        part.forEach((_, i) => out.push(j[J_ITEMS + 6 * i + 5]!));
      }
      return out;
    },
    get raw() {
      return rawView();
    },
    get validRaw() {
      return validRawView();
    },
    get validBins() {
      return validBinsView();
    },
    addTree(tree, tables, c, segments) {
      const nodes = tree.feature.length;
      if (nodes > maxNodes) {
        const raw = rawView();
        if (segments) addTreeByLeaves(tree, segments.begin, segments.end, indexView(), raw, k, c);
        else addTreeByBins(tree, tables, binsView(), rows, width, raw, k, c);
        addTreeByBins(tree, tables, validBinsView(), validRows, width, validRawView(), k, c);
        return;
      }
      const b = buffer;
      new Int32Array(b, tFeatureAt, nodes).set(tree.feature);
      new Int32Array(b, tLeftAt, nodes).set(tree.left);
      new Int32Array(b, tRightAt, nodes).set(tree.right);
      new Float64Array(b, tValueAt, nodes).set(tree.value);
      const tv = new Uint8Array(b, tTablesAt, nodes * tableBytes);
      tables.forEach((t, n) => {
        if (t) tv.set(t.subarray(0, stride + 2), n * tableBytes);
      });
      j[J_C] = c;
      j[J_NODES] = nodes;
      let items = 0;
      if (segments) {
        for (let n = 0; n < nodes; n++) {
          if (tree.feature[n]! >= 0) continue;
          const w = J_ITEMS + 3 * items++;
          j[w] = segments.begin[n]!;
          j[w + 1] = segments.end[n]!;
          j[w + 2] = n;
        }
      }
      j[J_MODE] = segments ? 1 : 0;
      j[J_COUNT] = items;
      const narrow = spec.narrow ? 1 : 0;
      dispatch(OP_ADD_TREE, () => {
        if (segments) {
          for (let i = 0; i < items; i += threads) {
            const w = J_ITEMS + 3 * i;
            kernels.addLeaf(indexAt, j[w]!, j[w + 1]!, rawAt, k, c, tree.value[j[w + 2]!]!);
          }
        } else
          kernels.routeAdd(
            binsAt,
            narrow,
            width,
            0,
            Math.floor(rows / threads),
            tFeatureAt,
            tLeftAt,
            tRightAt,
            tValueAt,
            tTablesAt,
            tableBytes,
            rawAt,
            k,
            c,
          );
        kernels.routeAdd(
          vbinsAt,
          0,
          width,
          0,
          Math.floor(validRows / threads),
          tFeatureAt,
          tLeftAt,
          tRightAt,
          tValueAt,
          tTablesAt,
          tableBytes,
          validRawAt,
          k,
          c,
        );
      });
    },
    logistic(raw, y, weights) {
      const b = buffer;
      if (targetsOf?.y !== y || targetsOf.weights !== weights) {
        new Float32Array(b, yAt, rows + 1).set(y);
        const w = new Float32Array(b, wAt, rows + 1);
        if (weights) w.set(weights);
        else w.fill(1, 0, rows);
        w[rows] = 0;
        targetsOf = { y, weights };
      }
      if (raw.buffer !== b || raw.byteOffset !== rawAt)
        new Float64Array(b, rawAt, rows + 1).set(raw.subarray(0, rows));
      const losses = new Float64Array(b, lossesAt, chunks);
      j[J_COUNT] = chunks;
      dispatch(OP_LOGISTIC, () => {
        for (let i = 0; i < chunks; i += threads) {
          const at = i * CHUNK;
          const count = Math.min(CHUNK, rows - at);
          losses[i] = kernels.logistic(
            rawAt + at * 8,
            yAt + at * 4,
            wAt + at * 4,
            gpairAt + at * 8,
            count + (count % 2),
          );
        }
      });
      let loss = 0;
      for (let i = 0; i < chunks; i++) loss += losses[i]!;
      return loss;
    },
    close: closeWorkers,
    liveWorkers: () => live,
  };
  return engine;
}
