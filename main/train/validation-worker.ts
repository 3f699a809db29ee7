// The validation worker's entry (out/main/validation-worker.cjs): decodes its zod-checked arguments, then
// scores each raw output matrix it is sent with createScorer (validation-score.ts) and answers in order.
// Arguments the schema refuses are named in the answer to every request.
import { parentPort, workerData } from 'node:worker_threads';
import { createScorer, ScorerAsk, ScorerWorkerData, type Scorer } from './validation-score';

const port = parentPort;
if (!port) throw new Error('validation-worker must run in a worker thread');
const spec = ScorerWorkerData.safeParse(workerData);
let score: Scorer | null = null;
let refused = '';
if (spec.success)
  score = createScorer(spec.data.task, spec.data.target, spec.data.valid, spec.data.outputDim);
else {
  const issue = spec.error.issues[0]!;
  refused = `arguments refused: ${issue.path.join('.')}: ${issue.message}`;
}
port.on('message', (raw: unknown) => {
  try {
    if (!score) throw new Error(refused);
    port.postMessage({ ok: true, score: score(ScorerAsk.parse(raw)) });
  } catch (err) {
    port.postMessage({ ok: false, message: err instanceof Error ? err.message : String(err) });
  }
});
