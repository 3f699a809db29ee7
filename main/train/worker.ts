// Training worker entry: decodes a zod-checked message and calls train() from trainer.ts.
import { parentPort } from 'node:worker_threads';
import { toErrorShape } from '../../shared/contract';
import { initBackend } from './backend';
import { WorkerStart, type WorkerMessage } from './protocol';
import { train } from './trainer';

const port = parentPort;
if (!port) throw new Error('train-worker must run in a worker thread');
const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []) =>
  port.postMessage(message, transfer);

port.once('message', (raw: unknown) => {
  void (async () => {
    try {
      const { job, cancelFlag, awaitVerdict } = WorkerStart.parse(raw);
      const flag = new Int32Array(cancelFlag);
      /** Blocks until main has judged `epoch` (or asked to stop): see WorkerStart. */
      const awaitJudged = (epoch: number) => {
        for (let seen = Atomics.load(flag, 1); seen < epoch && Atomics.load(flag, 0) !== 1;) {
          // Main notifies on every verdict and stop; the timeout only bounds a missed wake-up.
          Atomics.wait(flag, 1, seen, 1000);
          seen = Atomics.load(flag, 1);
        }
      };
      post({ type: 'backend', backend: await initBackend() });
      const result = await train(job, {
        isCancelled: () => Atomics.load(flag, 0) === 1,
        onPhase: (phase) => post({ type: 'phase', phase }),
        onEpoch: (r) => {
          post({ type: 'epoch', ...r });
          if (awaitVerdict) awaitJudged(r.epoch);
        },
        onCheckpoint: (bytes, step) => post({ type: 'checkpoint', step, bytes }, [bytes.buffer]),
      });
      post(
        {
          type: 'done',
          backend: result.backend,
          metrics: result.metrics,
          params: result.params,
          rows: result.rows,
          warnings: result.warnings,
          artifacts: result.artifacts,
          ...(result.finalStep !== undefined ? { finalStep: result.finalStep } : {}),
        },
        result.artifacts.map((a) => a.bytes.buffer),
      );
    } catch (err) {
      const shape = toErrorShape(err);
      post({ type: 'error', code: shape.code, message: shape.message });
    }
  })();
});
