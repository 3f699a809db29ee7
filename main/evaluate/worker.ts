// Evaluation worker entry: scores a run's model on rows (predict.ts) and builds their report (report.ts)
// off the main thread.
import { parentPort } from 'node:worker_threads';
import { toErrorShape } from '../../shared/contract';
import { initBackend } from '../train/backend';
import {
  evaluationCancelled,
  scoreRows,
  throwIfCancelled,
  type ScoreCancel,
  type ScoreJob,
  type ScoredRows,
} from './predict';
import { learningCurve, type LearningCurveJob } from './learning-curve';
import { reportOf, type ReportContext } from './report';
import type { EvaluationReport } from '../../shared/contract';

export type EvalWorkerMessage =
  | {
      type: 'done';
      backend: string;
      result: ScoredRows;
      learningCurve: EvaluationReport['learningCurve'];
      /** The report of these rows, when the job gave its context. */
      report: EvaluationReport | null;
    }
  | { type: 'error'; code: string; message: string }
  /** How far the job has come: `fraction` of it done, and what it does now. */
  | { type: 'progress'; fraction: number; message: string };

/** What the worker is sent after its job: stop (the job then ends with a CANCELLED error message). */
export type EvalWorkerCancel = 'cancel';

const port = parentPort;
if (!port) throw new Error('eval-worker must run in a worker thread');

/**
 * A scoring job, the learning curve to draw on the same rows when asked for, and the context of the report
 * to build from them (an evaluation's own rows; not a champion's comparison). `cancelled` is a shared
 * Int32 the caller sets to 1 to stop the job: read between its stages and passes, which a message could
 * not reach while they run. The worker then ends with an error message (CANCELLED); ending it from
 * outside while DuckDB runs a statement would take the whole process down.
 */
export type EvalWorkerJob = ScoreJob & {
  learningCurve?: LearningCurveJob;
  report?: ReportContext;
  cancelled: SharedArrayBuffer;
};

const hooks = new Set<() => void>();
let started = false;
let flag: Int32Array | null = null;
const cancel: ScoreCancel = {
  isCancelled: () => flag !== null && Atomics.load(flag, 0) === 1,
  onCancel(hook) {
    hooks.add(hook);
    return () => hooks.delete(hook);
  },
};

port.on('message', (m: EvalWorkerJob | EvalWorkerCancel) => {
  // The cancel message reaches a job that waits (on DuckDB): its statements are interrupted.
  if (m === 'cancel') {
    for (const hook of [...hooks]) hook();
    return;
  }
  if (started) return;
  started = true;
  flag = new Int32Array(m.cancelled);
  void run(m);
});

async function run(job: EvalWorkerJob): Promise<void> {
  try {
    const progress = (fraction: number, message: string) => {
      const m: EvalWorkerMessage = { type: 'progress', fraction, message };
      port!.postMessage(m);
    };
    // The share of the progress the scoring takes: a learning curve trains a model per share after it.
    const scoring = job.learningCurve ? 0.3 : 0.95;
    const backend = await initBackend();
    const result = await scoreRows(job, (f, m) => progress(f * scoring, m), cancel);
    const curve = job.learningCurve
      ? await learningCurve(job, job.learningCurve, cancel, (f, m) =>
          progress(scoring + f * (0.95 - scoring), m),
        )
      : null;
    throwIfCancelled(cancel);
    if (job.report) progress(0.95, 'building the report');
    const report = job.report ? reportOf(job.report, result, curve) : null;
    const message: EvalWorkerMessage = {
      type: 'done',
      backend,
      result,
      learningCurve: curve,
      report,
    };
    port!.postMessage(message, [
      result.labels.buffer,
      result.actual.buffer,
      result.probs.buffer,
      result.predicted.buffer,
    ] as ArrayBuffer[]);
  } catch (err) {
    // An interrupted statement fails with DuckDB's own error: a cancel says so.
    const shape = toErrorShape(cancel.isCancelled() ? evaluationCancelled() : err);
    const message: EvalWorkerMessage = {
      type: 'error',
      code: shape.code,
      message: shape.message,
    };
    port!.postMessage(message);
  }
}
