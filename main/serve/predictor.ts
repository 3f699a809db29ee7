// The predictor of a model package: onnxruntime-node runs model.onnx; records go through the TypeScript
// executor of the fitted spec (features/row.ts), matrices come already transformed (batch jobs use the
// DuckDB executor, features/sql.ts).
import {
  matrixSession,
  type MatrixSession,
  type SessionIo,
  type SessionOptions,
} from './ort-session';
import { LatheError } from '../../shared/contract';
import { classValues } from '../../shared/contract/serve';
import { createRowTransformer } from '../features/row';
import { createExplain, readPackageGbdt } from './explain';
import { ONNX_INPUT, onnxOutputName } from './onnx-export';
import { loadImportedPredictor } from './onnx-import';
import { readModelPackage, type LoadedPackage } from './package';
import type { Prediction, Predictor } from './types';

/** Rows explained between two turns of the event loop. */
const EXPLAIN_SLICE = 64;

/** onnxruntime's options: with `threads`, that many intra-op threads, waiting without spinning. */
function sessionOptionsOf(threads: number | undefined): SessionOptions {
  return {
    graphOptimizationLevel: 'all',
    ...(threads
      ? { intraOpNumThreads: threads, extra: { session: { intra_op: { allow_spinning: '0' } } } }
      : {}),
  };
}

/**
 * What a session's output `out` (rows × k) predicts: the values (regression, `answers` null), or each
 * row's most probable answer (the first of ties) with the probabilities.
 */
function predictionsOf(
  out: Float32Array,
  rows: number,
  answers: readonly (string | number)[] | null,
): { predictions: (string | number)[]; probabilities: Float32Array | null } {
  const predictions: (string | number)[] = new Array<string | number>(rows);
  if (!answers) {
    for (let r = 0; r < rows; r++) predictions[r] = out[r]!;
    return { predictions, probabilities: null };
  }
  const k = answers.length;
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (out[r * k + c]! > out[r * k + best]!) best = c;
    predictions[r] = answers[best]!;
  }
  return { predictions, probabilities: out };
}

/**
 * A session on `onnx`, the package in `dir`'s model.onnx (`form` says in what form, when not its own); a
 * model onnxruntime refuses fails naming model.onnx.
 */
async function startSession(
  dir: string,
  onnx: Uint8Array,
  options: SessionOptions,
  io: SessionIo,
  worker: boolean,
  form = '',
): Promise<MatrixSession> {
  try {
    return await matrixSession(onnx, options, io, worker);
  } catch (err) {
    throw new LatheError(
      'CORRUPT_FILE',
      `${dir}/model.onnx${form} cannot be loaded by onnxruntime: ${(err as Error).message}`,
      { file: `${dir}/model.onnx` },
    );
  }
}

/** predictMatrix over `session`, whose rows hold `width` values. */
function matrixScorer(
  session: MatrixSession,
  width: number,
  answers: readonly (string | number)[] | null,
): Predictor['predictMatrix'] {
  return async (x, rows, lend) => {
    if (x.length !== rows * width)
      throw new LatheError(
        'INVALID_INPUT',
        `predictMatrix: ${x.length} values for ${rows} rows of ${width} features (expected ${rows * width})`,
      );
    const { out, input } = await session.run(x, rows, lend);
    return { ...predictionsOf(out, rows, answers), ...(input ? { input } : {}) };
  };
}

/**
 * A batch job's scorer of the package in `dir` (already read: `pkg`) running `onnx`, its model.onnx in
 * another form (onnx-gather.ts) whose rows hold `width` values, on a worker thread with `threads`
 * intra-op threads.
 */
export async function loadMatrixScorer(
  dir: string,
  pkg: LoadedPackage,
  { onnx, width, threads }: { onnx: Uint8Array; width: number; threads: number },
): Promise<Pick<Predictor, 'predictMatrix' | 'close'>> {
  const answers = pkg.target.kind === 'classes' ? classValues(pkg.target.classes) : null;
  const io = { input: ONNX_INPUT, output: onnxOutputName(pkg.target), width };
  const session = await startSession(
    dir,
    onnx,
    sessionOptionsOf(threads),
    io,
    true,
    ', rewritten for a batch job,',
  );
  return {
    predictMatrix: matrixScorer(session, width, answers),
    close: () => session.release(),
  };
}

/**
 * Opens the package in `dir` (package.json checked with zod, model.onnx against its sha256) and starts an
 * onnxruntime session on it (an imported model's through onnx-import.ts). Errors name the file at fault.
 */
export async function loadPredictor(
  dir: string,
  options: {
    /**
     * onnxruntime's intra-op threads, which then wait without spinning: a batch job leaves the other cores
     * to DuckDB. Default: onnxruntime's own (one per core, spinning between runs, for latency).
     */
    threads?: number;
    /**
     * Runs the session on a worker thread, so predictMatrix leaves the event loop free (a batch job fills
     * the next rows meanwhile). Where onnxruntime does not load on a worker, it runs here.
     */
    worker?: boolean;
  } = {},
): Promise<Predictor> {
  const pkg = readModelPackage(dir);
  if (pkg.meta.source?.kind === 'import') return loadImportedPredictor(dir, pkg);
  const { fitted, target, meta } = pkg;
  const outputs = fitted.outputs;
  const kept = fitted.selection?.kept ?? outputs;
  const position = new Map(outputs.map((name, i) => [name, i]));
  const pick = kept.map((name) => {
    const i = position.get(name);
    if (i === undefined)
      throw new LatheError(
        'CORRUPT_FILE',
        `${dir}/fitted.json: selected feature '${name}' is not an output of the fitted spec`,
        { file: `${dir}/fitted.json` },
      );
    return i;
  });
  const width = kept.length;
  const classes = target.kind === 'classes' ? target.classes : null;
  const answers = classes ? classValues(classes) : null;
  const k = classes ? classes.length : 1;
  const outputName = onnxOutputName(target);

  const sessionOptions = sessionOptionsOf(options.threads);
  const transform = createRowTransformer(fitted);
  // A tree model's trees, checked now (a broken file fails the load, as model.onnx does); its explainer is
  // prepared on the first request that asks for explanations. Read before the session starts, so a
  // broken file leaves no session (nor its worker) behind.
  const gbdt = meta.gbdtSha256 ? readPackageGbdt(dir, meta, width) : null;
  const io = { input: ONNX_INPUT, output: outputName, width };
  const session = await startSession(dir, pkg.onnx, sessionOptions, io, options.worker ?? false);
  let explainRows: ReturnType<typeof createExplain> | null = null;
  const matrixOf = (records: readonly Record<string, unknown>[]) => {
    const x = new Float32Array(records.length * width);
    records.forEach((record, r) => {
      const row = transform(record);
      for (let j = 0; j < width; j++) x[r * width + j] = row[pick[j]!]!;
    });
    return x;
  };

  const predictMatrix = matrixScorer(session, width, answers);

  const toPredictions = ({
    predictions,
    probabilities,
  }: Awaited<ReturnType<Predictor['predictMatrix']>>) =>
    predictions.map((prediction, r): Prediction => {
      if (!probabilities || !classes) return { prediction };
      return {
        prediction,
        probabilities: Object.fromEntries(classes.map((c, i) => [c, probabilities[r * k + i]!])),
      };
    });

  return {
    meta,
    width,
    predictMatrix,
    async predictRecords(records) {
      const x = matrixOf(records);
      return toPredictions(await predictMatrix(x, records.length));
    },
    ...(gbdt
      ? {
          async explainRecords(records: readonly Record<string, unknown>[]) {
            const x = matrixOf(records);
            const predictions = toPredictions(await predictMatrix(x, records.length));
            const explain = (explainRows ??= createExplain(gbdt, target));
            const out: Prediction[] = [];
            // In slices, yielding between them: a large explained request (about 0.3 ms of CPU a row for
            // 100 trees) must not hold up the plain requests arriving meanwhile.
            for (let start = 0; start < records.length; start += EXPLAIN_SLICE) {
              if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
              const n = Math.min(EXPLAIN_SLICE, records.length - start);
              const explained = explain(x.subarray(start * width, (start + n) * width), n);
              for (let r = 0; r < n; r++)
                out.push({ ...predictions[start + r]!, ...explained[r]! });
            }
            return out;
          },
        }
      : {}),
    async close() {
      await session.release();
    },
  };
}
