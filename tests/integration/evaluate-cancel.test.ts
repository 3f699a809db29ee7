// A running evaluation reports how far it has come (eval:progress) and stops at once when cancelled
// (eval:cancel): its worker ends where it is, eval:run fails as CANCELLED, and nothing is stored. A
// pipeline cancelled during its evaluate step stops the evaluation too.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvalProgress } from '../../shared/contract';
import { createServices, type Services } from '../../main/services';
import {
  contractClient,
  importPenguins,
  penguinsConfig,
  runPipelineCancelledAt,
  trainRun,
} from '../helpers/services';
import { tempDir, vega } from '../helpers/workspace';

const t = tempDir('lathe-eval-cancel-');
let services: Services;
const { call, failure } = contractClient(() => services);
let runId = '';

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  await importPenguins(services);
  runId = (
    await trainRun(
      services,
      penguinsConfig({
        model: { type: 'gbdt', trees: 10, maxDepth: 3 },
        // A gbdt takes no batch size or epochs.
        training: { validationFraction: 0.25 },
        seed: 3,
      }),
    )
  ).id;
}, 120_000);
afterAll(async () => {
  await services?.close();
  t.remove();
});

/** Every eval:progress event while `fn` runs; `on` hears each as it comes. */
async function withProgress<T>(
  fn: () => Promise<T>,
  on: (p: EvalProgress) => void = () => undefined,
): Promise<{ events: EvalProgress[]; result: PromiseSettledResult<T> }> {
  const events: EvalProgress[] = [];
  const off = services.bus.subscribe((f) => {
    if (f.event !== 'eval:progress') return;
    events.push(f.payload as EvalProgress);
    on(f.payload as EvalProgress);
  });
  try {
    const [result] = await Promise.allSettled([fn()]);
    return { events, result: result };
  } finally {
    off();
  }
}

describe('a running evaluation', () => {
  it('reports each stage, in order, of its run: reading, scoring, explaining, each importance pass, the report', async () => {
    const { events, result } = await withProgress(() =>
      call('eval:run', { target: runId, importanceRepeats: 2 }),
    );
    expect(result.status).toBe('fulfilled');
    expect(events.every((e) => e.runId === runId)).toBe(true);
    const fractions = events.map((e) => e.fraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(fractions[0]).toBe(0);
    expect(fractions.at(-1)).toBe(0.95);
    const messages = events.map((e) => e.message);
    expect(messages[0]).toBe('reading the rows');
    expect(messages[1]).toMatch(/^scoring \d+ rows$/);
    expect(messages[2]).toBe('explaining the predictions (TreeSHAP)');
    expect(messages.at(-1)).toBe('building the report');
    // Each input column twice (two repeats), counted against the columns.
    const importance = messages.filter((m) => m.startsWith('importance: '));
    const columns = new Set(
      importance.map((m) => /^importance: (.+) \(\d+ of (\d+)\)$/.exec(m)![1]),
    );
    expect(importance).toHaveLength(columns.size * 2);
    expect(importance.at(-1)).toMatch(new RegExp(`\\(${columns.size} of ${columns.size}\\)$`));
  }, 60_000);

  it.each([
    ['while it reads its rows', (p: EvalProgress) => p.message === 'reading the rows'],
    [
      'while it trains a learning curve',
      (p: EvalProgress) => p.message.startsWith('learning curve'),
    ],
  ])(
    'stops when cancelled %s: CANCELLED, nothing stored, and the next evaluation runs',
    async (_, when) => {
      const before = (await call('eval:list', { target: runId })).length;
      const asked: { cancel?: Promise<unknown> } = {};
      const { events, result } = await withProgress(
        () =>
          call('eval:run', {
            target: runId,
            importanceRepeats: 5,
            // Six trainings after the scoring: far longer than a cancel takes to arrive.
            learningCurve: [0.5, 0.6, 0.7, 0.8, 0.9, 1],
          }),
        (p) => {
          if (!asked.cancel && when(p))
            asked.cancel = call('eval:cancel', { target: runId.slice(0, 8) });
        },
      );
      expect(await asked.cancel).toEqual({ runId, cancelled: true });
      expect(result.status).toBe('rejected');
      const err = (result as PromiseRejectedResult).reason as { code: string; message: string };
      expect(err.code).toBe('CANCELLED');
      expect(err.message).toBe(`the evaluation of run ${runId.slice(0, 8)} was cancelled`);
      // The worker ended where it was: no stage after the cancel.
      expect(events.filter((e) => e.message === 'building the report')).toEqual([]);
      expect(await call('eval:list', { target: runId })).toHaveLength(before);
      // Nothing left running: a second cancel finds none, and the next evaluation is whole.
      expect(await call('eval:cancel', { target: runId })).toEqual({ runId, cancelled: false });
      const next = await call('eval:run', { target: runId, importanceRepeats: 0 });
      expect(next.runId).toBe(runId);
      expect(await call('eval:list', { target: runId })).toHaveLength(before + 1);
    },
    120_000,
  );

  it('cancel names what it could not find, and finds nothing running when idle', async () => {
    expect(await call('eval:cancel', { target: runId })).toEqual({ runId, cancelled: false });
    const missing = await failure('eval:cancel', { target: 'no-such-model@1' });
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toContain('no-such-model');
    expect((await failure('eval:cancel', { target: '' })).code).toBe('INVALID_INPUT');
  });
});

describe('a pipeline cancelled during its evaluate step', () => {
  it('stops the evaluation: the step ends cancelled and no evaluation is stored', async () => {
    const file = join(t.dir, 'pipeline.yaml');
    writeFileSync(
      file,
      `name: judged
steps:
  - id: raw
    type: import
    name: penguins_raw
    file: ${JSON.stringify(vega('penguins.json'))}
  - id: fit
    type: train
    from: raw
    config:
      target: Species
      task: multiclass
      model: { type: gbdt, trees: 10, maxDepth: 3 }
      seed: 5
  - id: judge
    type: evaluate
    from: fit
    importanceRepeats: 50
`,
    );
    const before = (await call('eval:list', {})).length;
    // The first progress of its evaluation cancels the pipeline.
    const { run: r, cancel } = await runPipelineCancelledAt(
      services,
      file,
      (f) => f.event === 'eval:progress',
    );
    expect(cancel).toMatchObject({ cancelled: true });
    expect(r.status).toBe('cancelled');
    const judge = r.steps.find((s) => s.id === 'judge')!;
    expect(judge.status).toBe('cancelled');
    expect(judge.error ?? r.error).toMatch(/cancelled/);
    expect(await call('eval:list', {})).toHaveLength(before);
    expect((await call('workspace:verify', {})).ok).toBe(true);
  }, 120_000);
});
