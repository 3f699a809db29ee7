// A running batch prediction stops when cancelled (predict:cancel, Ctrl-C in `lathe predict`, a cancel of
// the pipeline whose predict step runs it): it fails as CANCELLED having written and recorded nothing (no
// output, no temporary or spill file beside it, no capture file, no batch record), and the next job into
// the same output runs whole.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataProgress } from '../../../shared/contract';
import { createServices, type Services } from '../../../main/services';
import { createEngine } from '../../../main/data/engine';
import { literal } from '../../../main/workspace/db';
import { latheBackground } from '../../helpers/cli';
import { trainRegistered } from '../../helpers/runs';
import { contractClient, runPipelineCancelledAt } from '../../helpers/services';
import { tempDir } from '../../helpers/workspace';

const t = tempDir('lathe-batch-cancel-');
const W = join(t.dir, 'ws');
const TRAIN = join(t.dir, 'churn.csv');
const OUT = join(t.dir, 'out');
const BIG = join(OUT, 'big.csv');
/** Rows of the input, scored 1,000 a chunk: hundreds of chunks after the first progress. */
const ROWS = 1_000_000;
let services: Services | undefined;
const { call, failure } = contractClient(() => services!);

beforeAll(async () => {
  const lines = ['customer,usage,plan,churned'];
  for (let i = 0; i < 200; i++) {
    const usage = (i * 37) % 100;
    lines.push(`c${i},${usage},${i % 3 === 0 ? 'basic' : 'pro'},${usage < 50 ? 1 : 0}`);
  }
  writeFileSync(TRAIN, lines.join('\n') + '\n');
  mkdirSync(OUT, { recursive: true });
  const engine = await createEngine();
  try {
    await engine.run(
      `COPY (SELECT 'c' || i AS customer, (i * 37) % 100 AS usage,
         CASE WHEN i % 3 = 0 THEN 'basic' ELSE 'pro' END AS plan
       FROM range(${ROWS}) t(i)) TO ${literal(BIG)} (HEADER)`,
    );
  } finally {
    engine.close();
  }
  services = await createServices({ workspaceDir: W, validateOutput: true });
  await call('data:import', { path: TRAIN, name: 'churn' });
  await trainRegistered(
    call,
    {
      dataset: 'churn',
      target: 'churned',
      task: 'binary',
      features: ['usage', 'plan'],
      model: { type: 'linear' },
      training: { epochs: 2, batchSize: 32, learningRate: 0.05, validationFraction: 0.25 },
      seed: 1,
    },
    'churn',
  );
}, 300_000);

afterAll(async () => {
  await services?.close().catch(() => undefined);
  t.remove();
});

/** What a cancelled job must leave as it was: the output folder, the kept captures, the batch records. */
const state = async () => ({
  folder: readdirSync(OUT).sort(),
  captures: existsSync(join(W, 'captures')) ? readdirSync(join(W, 'captures')).sort() : [],
  batches: (await call('predict:batches', { ref: 'churn' })).length,
});

describe('a running batch prediction', () => {
  it('stops when cancelled: CANCELLED, nothing written or recorded; the same job then runs whole', async () => {
    const output = join(OUT, 'scores.csv');
    const before = await state();
    const asked: { cancel?: Promise<unknown> } = {};
    const off = services!.bus.subscribe((f) => {
      if (f.event !== 'data:progress' || asked.cancel) return;
      const p = f.payload as DataProgress;
      if (p.op === 'predict' && p.name === output)
        asked.cancel = call('predict:cancel', { output });
    });
    let err: { code: string; message: string };
    try {
      err = await failure('predict:batch', {
        model: 'churn@1',
        input: BIG,
        output,
        chunkRows: 1000,
        capture: 'all',
      });
    } finally {
      off();
    }
    expect(await asked.cancel).toEqual({ output, cancelled: true });
    expect(err.code).toBe('CANCELLED');
    expect(err.message).toBe(`the batch prediction into ${output} was cancelled`);
    expect(existsSync(output)).toBe(false);
    expect(await state()).toEqual(before);
    expect(readdirSync(join(W, 'tmp', 'capture'))).toEqual([]);
    expect(await call('predict:cancel', { output })).toEqual({ output, cancelled: false });

    const whole = await call('predict:batch', { model: 'churn@1', input: BIG, output });
    expect(whole.rows).toBe(ROWS);
    expect(existsSync(output)).toBe(true);
    expect((await state()).batches).toBe(before.batches + 1);
  });

  it('stops when the pipeline running it is cancelled: the predict step ends cancelled, nothing written', async () => {
    const output = join(OUT, 'piped.csv');
    const file = join(t.dir, 'scoring.yaml');
    writeFileSync(
      file,
      `name: scoring
steps:
  - id: raw
    type: import
    name: churn
    file: ${JSON.stringify(TRAIN)}
  - id: fit
    type: train
    from: raw
    config:
      target: churned
      task: binary
      features: [usage, plan]
      model: { type: linear }
      training: { epochs: 2, batchSize: 32, learningRate: 0.05, validationFraction: 0.25 }
      seed: 2
  - id: publish
    type: register
    from: fit
    name: churn-piped
  - id: score
    type: predict
    from: publish
    batches:
      - { input: ${JSON.stringify(BIG)}, output: ${JSON.stringify(output)} }
`,
    );
    const before = await state();
    // Its batch job's first progress cancels the pipeline.
    const { run: r, cancel } = await runPipelineCancelledAt(services!, file, (f) => {
      const p = f.payload as DataProgress;
      return f.event === 'data:progress' && p.op === 'predict' && p.name === output;
    });
    expect(cancel).toMatchObject({ cancelled: true });
    expect(r.status).toBe('cancelled');
    const score = r.steps.find((s) => s.id === 'score')!;
    expect(score.status).toBe('cancelled');
    expect(r.steps.find((s) => s.id === 'publish')!.status).toBe('succeeded');
    // The job stopped, not only the pipeline: no output, no leftover beside it, no capture, no record.
    expect(existsSync(output)).toBe(false);
    expect(await state()).toEqual(before);
    expect(await call('predict:batches', { ref: 'churn-piped' })).toEqual([]);
    expect(await call('predict:cancel', { output })).toEqual({ output, cancelled: false });
  });

  it('stops on Ctrl-C in lathe predict (exit 130), leaving no output', async () => {
    await services!.close();
    services = undefined;
    const output = join(OUT, 'cli.csv');
    const bg = latheBackground([
      'predict',
      'churn@1',
      '--input',
      BIG,
      '--output',
      output,
      '--chunk-rows',
      '1000',
      '--workspace',
      W,
    ]);
    // Without a terminal, a line per tenth of the way once the rows are counted.
    await bg.waitFor('stderr', /rows\/s/);
    bg.child.kill('SIGINT');
    expect(await bg.exit).toBe(130);
    await bg.waitFor('stderr', /cancelling the batch prediction into .*cli\.csv…/);
    await bg.waitFor('stderr', /the batch prediction into .*cli\.csv was cancelled/);
    expect(existsSync(output)).toBe(false);
    expect(readdirSync(OUT).filter((f) => f.includes('cli.csv'))).toEqual([]);
  });
});
