// The validation worker's entry (out/main/validation-worker.cjs): scores each raw output matrix it is sent
// with createScorer (validation-score.ts) and answers in order.
import { parentPort, workerData } from 'node:worker_threads';
import { createScorer, type ScorerSpec } from './validation-score';

const port = parentPort;
if (!port) throw new Error('validation-worker must run in a worker thread');
const spec = workerData as ScorerSpec;
const score = createScorer(spec.task, spec.target, spec.valid, spec.outputDim);
port.on('message', (out: Float32Array) => {
  try {
    port.postMessage({ ok: true, score: score(out) });
  } catch (err) {
    port.postMessage({ ok: false, message: err instanceof Error ? err.message : String(err) });
  }
});
