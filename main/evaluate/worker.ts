// Evaluation worker entry: scores a run's model on rows (predict.ts) off the main thread.
import { parentPort } from 'node:worker_threads';
import { toErrorShape } from '../../shared/contract';
import { initBackend } from '../train/backend';
import { scoreRows, type ScoreJob, type ScoredRows } from './predict';

export type EvalWorkerMessage =
  | { type: 'done'; backend: string; result: ScoredRows }
  | { type: 'error'; code: string; message: string };

const port = parentPort;
if (!port) throw new Error('eval-worker must run in a worker thread');

port.once('message', (job: ScoreJob) => {
  void (async () => {
    try {
      const backend = await initBackend();
      const result = await scoreRows(job);
      const message: EvalWorkerMessage = { type: 'done', backend, result };
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
