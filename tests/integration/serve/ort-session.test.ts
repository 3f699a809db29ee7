import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import {
  PREDICT_BATCH,
  SessionStartError,
  inThreadSession,
  matrixSession,
  workerSession,
  type MatrixSession,
} from '../../../main/serve/ort-session';
import { buildOnnx } from './external-onnx';
import { tempDir } from '../../helpers/workspace';

// y = x · W + B: 3 features in, 2 values out per row.
const W = [0.5, -1, 2, 0.25, -0.75, 1.5];
const B = [0.1, -0.2];
const io = { input: 'x', output: 'y', width: 3 };
const onnx = buildOnnx({
  inputs: [{ name: 'x', elem: 'float', shape: ['N', 3] }],
  outputs: [{ name: 'y', elem: 'float', shape: ['N', 2] }],
  initializers: [
    { name: 'W', dims: [3, 2], data: W },
    { name: 'B', dims: [2], data: B },
  ],
  nodes: [
    { op: 'MatMul', inputs: ['x', 'W'], outputs: ['m'] },
    { op: 'Add', inputs: ['m', 'B'], outputs: ['y'] },
  ],
});
const options = { graphOptimizationLevel: 'all' as const, intraOpNumThreads: 1 };

/** Rows past two session runs' worth, so the output is gathered from several. */
const ROWS = PREDICT_BATCH * 2 + 123;
const matrix = () => Float32Array.from({ length: ROWS * 3 }, (_, i) => ((i * 37) % 101) / 10 - 5);

const open: MatrixSession[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.release()));
});
const opened = (s: MatrixSession) => (open.push(s), s);

describe('onnxruntime sessions for matrices', () => {
  it('scores on a worker thread what it scores here, across several runs', async () => {
    const here = opened(await inThreadSession(onnx, options, io));
    const there = opened(await workerSession(onnx, options, io));
    const x = matrix();
    const { out: expected } = await here.run(x, ROWS);
    expect(expected).toHaveLength(ROWS * 2);
    // Row 1 by hand: the model is what the test says.
    const [a, b, c] = [x[3]!, x[4]!, x[5]!];
    expect(expected[2]).toBeCloseTo(a * W[0]! + b * W[2]! + c * W[4]! + B[0]!, 4);
    const copied = await there.run(x, ROWS);
    expect(copied.out).toEqual(expected);
    // Not lent: the caller's matrix stays whole and its own.
    expect(copied.input).toBeUndefined();
    expect(x).toEqual(matrix());
  });

  it('borrows a lent matrix and hands its whole buffer back', async () => {
    const there = opened(await workerSession(onnx, options, io));
    const x = matrix();
    const { out: expected } = await opened(await inThreadSession(onnx, options, io)).run(x, ROWS);
    // A view of the first rows of a larger buffer, as a batch job lends it.
    const big = new Float32Array((ROWS + 10) * 3);
    big.set(x);
    const running = there.run(big.subarray(0, ROWS * 3), ROWS, true);
    expect(big.length).toBe(0); // detached while the worker has it
    const { out, input } = await running;
    expect(out).toEqual(expected);
    expect(input).toHaveLength((ROWS + 10) * 3);
    expect(input!.subarray(0, ROWS * 3)).toEqual(x);
  });

  it('says why a worker session did not start: onnxruntime or the model', async () => {
    const load = await workerSession(onnx, options, io, '/nonexistent/onnxruntime-node').catch(
      (e: unknown) => e,
    );
    expect(load).toBeInstanceOf(SessionStartError);
    expect(load).toMatchObject({ stage: 'load' });
    const session = await workerSession(new Uint8Array([1, 2, 3]), options, io).catch(
      (e: unknown) => e,
    );
    expect(session).toBeInstanceOf(SessionStartError);
    expect(session).toMatchObject({ stage: 'session' });
  });

  it('runs on this thread where the worker does not start, but not a model onnxruntime refuses', async () => {
    const x = matrix();
    const { out: expected } = await opened(await inThreadSession(onnx, options, io)).run(x, ROWS);
    const noOrt: typeof workerSession = (model, opts, shape) =>
      workerSession(model, opts, shape, '/nonexistent/onnxruntime-node');
    const here = opened(await matrixSession(onnx, options, io, true, noOrt));
    const ran = await here.run(x, ROWS, true);
    expect(ran.out).toEqual(expected);
    // Scored where it is: nothing was lent.
    expect(ran.input).toBeUndefined();
    expect(x).toEqual(matrix());
    await expect(
      matrixSession(new Uint8Array([1, 2, 3]), options, io, true, noOrt),
    ).rejects.toBeInstanceOf(Error);
    const broken = await matrixSession(new Uint8Array([1, 2, 3]), options, io, true).catch(
      (e: unknown) => e,
    );
    expect(broken).toMatchObject({ stage: 'session' });
  });

  it('refuses runs after release, and a failed run rejects without stopping the worker', async () => {
    const there = opened(await workerSession(onnx, options, io));
    await expect(there.run(new Float32Array(5), 2)).rejects.toThrow(
      '5 values for 2 rows of 3 features',
    );
    // A session told the wrong width: onnxruntime refuses each run, and the worker answers the next.
    const wrong = opened(await workerSession(onnx, options, { ...io, width: 4 }));
    for (let k = 0; k < 2; k++)
      await expect(wrong.run(new Float32Array(8), 2)).rejects.toThrow(/^onnxruntime: /);
    const { out } = await there.run(matrix(), ROWS);
    expect(out).toHaveLength(ROWS * 2);
    await there.release();
    await expect(there.run(matrix(), ROWS)).rejects.toThrow(/released/);
  });

  it('lets the process end after its runs when its owner never releases it', async () => {
    const t = tempDir('lathe-ort-session-');
    try {
      const model = join(t.dir, 'model.onnx');
      writeFileSync(model, onnx);
      const entry = join(t.dir, 'leak.ts');
      writeFileSync(
        entry,
        `import { readFileSync } from 'node:fs';
import { workerSession } from ${JSON.stringify(join(__dirname, '../../../main/serve/ort-session'))};
void (async () => {
  const s = await workerSession(readFileSync(${JSON.stringify(model)}), { intraOpNumThreads: 1 }, ${JSON.stringify(io)}, ${JSON.stringify(require.resolve('onnxruntime-node'))});
  const { out } = await s.run(new Float32Array(30), 10);
  console.log(out.length);
})();
`,
      );
      const bundled = join(t.dir, 'leak.cjs');
      await build({
        entryPoints: [entry],
        outfile: bundled,
        bundle: true,
        platform: 'node',
        format: 'cjs',
        packages: 'external',
        nodePaths: [join(__dirname, '../../../node_modules')],
        logLevel: 'error',
      });
      // Bounded: a worker that held the process open would be killed here, and the test fail.
      const r = spawnSync(process.execPath, [bundled], { encoding: 'utf8', timeout: 30_000 });
      expect(r.signal, r.stderr).toBeNull();
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe('20');
    } finally {
      t.remove();
    }
  });
});
