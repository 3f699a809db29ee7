// Evaluation worker entry: scores a run's model on rows (predict.ts) and builds their report (report.ts)
// off the main thread.
import { parentPort } from 'node:worker_threads';
import { toErrorShape } from '../../shared/contract';
import { initBackend } from '../train/backend';
import { scoreRows, type ScoreJob, type ScoredRows } from './predict';
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
  | { type: 'error'; code: string; message: string };

const port = parentPort;
if (!port) throw new Error('eval-worker must run in a worker thread');

/**
 * A scoring job, the learning curve to draw on the same rows when asked for, and the context of the report
 * to build from them (an evaluation's own rows; not a champion's comparison).
 */
export type EvalWorkerJob = ScoreJob & { learningCurve?: LearningCurveJob; report?: ReportContext };

port.once('message', (job: EvalWorkerJob) => {
  void (async () => {
    try {
      const backend = await initBackend();
      const result = await scoreRows(job);
      const curve = job.learningCurve ? await learningCurve(job, job.learningCurve) : null;
      const report = job.report ? reportOf(job.report, result, curve) : null;
      const message: EvalWorkerMessage = {
        type: 'done',
        backend,
        result,
        learningCurve: curve,
        report,
      };
      port.postMessage(message, [
        result.labels.buffer,
        result.actual.buffer,
        result.probs.buffer,
        result.predicted.buffer,
      ] as ArrayBuffer[]);
    } catch (err) {
      const shape = toErrorShape(err);
      const message: EvalWorkerMessage = {
        type: 'error',
        code: shape.code,
        message: shape.message,
      };
      port.postMessage(message);
    }
  })();
});
