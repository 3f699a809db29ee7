// A model's onnxruntime session as a batch scorer sees it: rows in, the output's values out. It runs on
// the calling thread, or on a worker thread of its own. onnxruntime-node's `run` computes on the thread
// that calls it (with one intra-op thread, all of it), so a batch job scoring on its main thread could not
// fill the next rows' matrix meanwhile: the two took turns. On a worker the two overlap.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type * as Ort from 'onnxruntime-node';
import { packageRoot } from '../version';
import { loadOrt } from './ort';

/** Rows per session run: large enough that per-call overhead vanishes, small enough to bound memory. */
export const PREDICT_BATCH = 8192;

/** A session's options as onnxruntime-node takes them. */
export type SessionOptions = Ort.InferenceSession.SessionOptions;

/** What a session reads and answers: its input's name and width, and the output read. */
export interface SessionIo {
  input: string;
  output: string;
  width: number;
}

export interface MatrixSession {
  /**
   * The output's values (`out`: rows × k) for `rows` rows of `x` (row-major, `width` features each).
   * With `lend`, a worker session borrows x's buffer instead of copying it (a batch job's matrix of
   * 100,000 rows is tens of MB): x is detached until the promise settles and its buffer comes back,
   * whole, as `input`.
   */
  run(
    x: Float32Array,
    rows: number,
    lend?: boolean,
  ): Promise<{ out: Float32Array; input?: Float32Array }>;
  release(): Promise<void>;
}

/** Why a worker session did not start: onnxruntime did not load there, or the model did not. */
export class SessionStartError extends Error {
  constructor(
    readonly stage: 'load' | 'session',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Runs `rows` rows of `x` through `session` PREDICT_BATCH at a time and gathers the output. Plain
 * JavaScript without closures: the worker runs its source too (WORKER_SOURCE), so both threads score alike.
 */
async function runBatches(
  ort: typeof Ort,
  session: Ort.InferenceSession,
  io: SessionIo,
  batch: number,
  x: Float32Array,
  rows: number,
): Promise<Float32Array> {
  const width = io.width;
  let out: Float32Array | null = null;
  let k = 0;
  for (let start = 0; start < rows; start += batch) {
    const n = Math.min(batch, rows - start);
    const input = new ort.Tensor('float32', x.subarray(start * width, (start + n) * width), [
      n,
      width,
    ]);
    const result = await session.run({ [io.input]: input });
    const data = result[io.output]!.data as Float32Array;
    if (!out) {
      k = data.length / n;
      out = new Float32Array(rows * k);
    }
    out.set(data, start * k);
    for (const name of Object.keys(result)) result[name]!.dispose();
  }
  return out ?? new Float32Array(0);
}

/** A session on the calling thread. */
export async function inThreadSession(
  onnx: Uint8Array,
  options: SessionOptions,
  io: SessionIo,
): Promise<MatrixSession> {
  const ort = await loadOrt();
  const session = await ort.InferenceSession.create(onnx, options);
  return {
    run: async (x, rows) => ({ out: await runBatches(ort, session, io, PREDICT_BATCH, x, rows) }),
    release: () => session.release(),
  };
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const runBatches = ${runBatches.toString()};
const { ortPath, onnx, options, io, batch } = workerData;
let ort;
try {
  ort = require(ortPath);
} catch (err) {
  parentPort.postMessage({ type: 'failed', stage: 'load', message: String((err && err.message) || err) });
}
if (ort)
  ort.InferenceSession.create(onnx, options).then(
    (session) => {
      parentPort.postMessage({ type: 'ready' });
      parentPort.on('message', (job) => {
        const failed = (err) =>
          parentPort.postMessage({ type: 'error', id: job.id, message: String((err && err.message) || err) });
        try {
          const x = new Float32Array(job.buffer, job.offset, job.length);
          runBatches(ort, session, io, batch, x, job.rows).then(
            (out) => parentPort.postMessage({ type: 'done', id: job.id, out, buffer: job.buffer }, [out.buffer, job.buffer]),
            failed,
          );
        } catch (err) {
          failed(err);
        }
      });
    },
    (err) => parentPort.postMessage({ type: 'failed', stage: 'session', message: String((err && err.message) || err) }),
  );
`;

type WorkerReply =
  | { type: 'ready' }
  | { type: 'failed'; stage: 'load' | 'session'; message: string }
  | { type: 'done'; id: number; out: Float32Array; buffer: ArrayBuffer }
  | { type: 'error'; id: number; message: string };

/**
 * A session on a worker thread of its own: a matrix goes there and back by transfer (see `lend`).
 * Rejects with SessionStartError when onnxruntime or the model does not load there. The worker keeps the
 * process alive only while a run is in flight: a session its owner never released cannot hold a command
 * open after its work.
 */
export async function workerSession(
  onnx: Uint8Array,
  options: SessionOptions,
  io: SessionIo,
  ortPath = createRequire(join(packageRoot(), 'package.json')).resolve('onnxruntime-node'),
): Promise<MatrixSession> {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { ortPath, onnx, options, io, batch: PREDICT_BATCH },
  });
  const pending = new Map<
    number,
    {
      resolve: (reply: { out: Float32Array; buffer: ArrayBuffer }) => void;
      reject: (e: Error) => void;
    }
  >();
  let failure: Error | null = null;
  const fail = (err: Error) => {
    failure ??= err;
    for (const p of pending.values()) p.reject(failure);
    pending.clear();
  };
  const started = new Promise<void>((resolve, reject) => {
    worker.on('message', (reply: WorkerReply) => {
      if (reply.type === 'ready') resolve();
      else if (reply.type === 'failed') reject(new SessionStartError(reply.stage, reply.message));
      else {
        const p = pending.get(reply.id);
        pending.delete(reply.id);
        if (!pending.size) worker.unref();
        if (reply.type === 'done') p?.resolve(reply);
        else p?.reject(new Error(`onnxruntime: ${reply.message}`));
      }
    });
    worker.on('error', (err) => {
      reject(err);
      fail(err);
    });
    worker.once('exit', (code) => {
      const err = new Error(`onnxruntime worker exited (${code})`);
      reject(err);
      fail(err);
    });
  });
  try {
    await started;
  } catch (err) {
    await worker.terminate();
    throw err;
  }
  worker.unref();
  let next = 0;
  let released = false;
  return {
    async run(x, rows, lend = false) {
      if (released) throw new Error('onnxruntime worker: released');
      if (failure) throw failure;
      if (x.length < rows * io.width)
        throw new Error(
          `onnxruntime worker: ${x.length} values for ${rows} rows of ${io.width} features`,
        );
      const id = next++;
      // Lent: the buffer itself moves (and comes back); otherwise a copy of the rows moves.
      const source = lend ? x : x.slice(0, rows * io.width);
      const buffer = source.buffer as ArrayBuffer;
      const reply = await new Promise<{ out: Float32Array; buffer: ArrayBuffer }>(
        (resolve, reject) => {
          pending.set(id, { resolve, reject });
          worker.ref();
          worker.postMessage(
            { id, buffer, offset: source.byteOffset, length: rows * io.width, rows },
            [buffer],
          );
        },
      );
      return { out: reply.out, ...(lend ? { input: new Float32Array(reply.buffer) } : {}) };
    },
    async release() {
      if (released) return;
      released = true;
      // Runs still in flight end with the worker.
      fail(new Error('onnxruntime worker: released'));
      await worker.terminate();
    },
  };
}

/**
 * A session on a worker thread (`worker`) or on this one. Where onnxruntime does not start on a worker
 * (it did not load there, or the worker failed), the session runs here instead; a model onnxruntime
 * refuses fails either way.
 */
export async function matrixSession(
  onnx: Uint8Array,
  options: SessionOptions,
  io: SessionIo,
  worker: boolean,
  startWorker: typeof workerSession = workerSession,
): Promise<MatrixSession> {
  if (!worker) return inThreadSession(onnx, options, io);
  try {
    return await startWorker(onnx, options, io);
  } catch (err) {
    if (err instanceof SessionStartError && err.stage === 'session') throw err;
    return inThreadSession(onnx, options, io);
  }
}
