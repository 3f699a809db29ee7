// GBDT in cross-validation and search (model paths in the space; rounds judged like epochs, so median
// pruning stops weak trials), and resume: a cancelled gbdt run continues from its last checkpoint to
// the same trees, bit for bit, as an uninterrupted run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainConfig, type ChannelInput, type Run } from '../../../shared/contract';
import { createServices, type Services } from '../../../main/services';
import { checkpointState } from '../../../main/train/checkpoint-state';
import { contractClient, importPenguins } from '../../helpers/services';
import { tempDir } from '../../helpers/workspace';

const t = tempDir('lathe-gbdt-families-');
let services: Services;
const { call, failure } = contractClient(() => services);

type Config = ChannelInput<'train:run'>['config'];
const penguins = (overrides: Partial<Config> = {}): Config => ({
  dataset: 'penguins',
  target: 'Species',
  task: 'multiclass',
  model: { type: 'gbdt', trees: 12, learningRate: 0.3, maxDepth: 3, threads: 1 },
  seed: 9,
  ...overrides,
});

const file = (run: Run, path: string) => {
  const a = run.artifacts.find((x) => x.path === path);
  if (!a) throw new Error(`run ${run.id} has no ${path}`);
  return readFileSync(services.workspace.artifacts.pathOf(a.sha256), 'utf8');
};
const history = async (id: string) =>
  (await call('runs:metrics', { id, maxPoints: 100_000 })).points
    .map((p) => `${p.key}@${p.step}=${p.value}`)
    .sort();

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  await importPenguins(services);
});
afterAll(async () => {
  await services.close();
  t.remove();
});

describe('gbdt families', () => {
  it('cross-validates: every fold trains trees, the parent records mean and std', async () => {
    const parent = await call('train:run', {
      config: penguins({ crossValidation: { folds: 3, parallel: 2 } }),
    });
    expect(parent.status).toBe('finished');
    expect(parent.kind).toBe('cv');
    const folds = (await call('runs:list', {})).filter((r) => r.parentId === parent.id);
    expect(folds).toHaveLength(3);
    for (const f of folds) {
      const run = await call('runs:get', { id: f.id });
      expect(run.status).toBe('finished');
      expect(run.params['training.engine']).toBe('gbdt');
      expect(run.artifacts.map((a) => a.path)).toContain('model/gbdt.json');
    }
    const acc = folds.map((f) => f.metrics.val_accuracy!);
    const mean = acc.reduce((a, b) => a + b, 0) / 3;
    expect(parent.metrics.val_accuracy).toBeCloseTo(mean, 9);
    expect(mean).toBeGreaterThan(0.9);
  }, 90_000);

  it('searches model.maxDepth and model.learningRate on a grid; each trial trained what it was given', async () => {
    const out = await call('tune:run', {
      config: penguins({
        search: {
          space: {
            'model.maxDepth': { type: 'int', low: 1, high: 3 },
            'model.learningRate': { type: 'choice', values: [0.01, 0.3] },
          },
          strategy: 'grid',
          parallel: 2,
          metric: 'val_loss',
        },
      }),
    });
    expect(out.run.status).toBe('finished');
    expect(out.report!.children).toHaveLength(6);
    const trials = (await call('runs:list', {})).filter((r) => r.parentId === out.run.id);
    for (const c of out.report!.children) {
      const trial = await call('runs:get', { id: c.runId });
      expect(Number(trial.params['model.maxDepth'])).toBe(c.assignment['model.maxDepth']);
      expect(Number(trial.params['model.learningRate'])).toBe(c.assignment['model.learningRate']);
      expect(trial.config?.model).toMatchObject({ type: 'gbdt', trees: 12 });
    }
    expect(trials.every((r) => r.status === 'finished')).toBe(true);
    // 12 rounds at rate 0.01 barely leave the prior: the best trial takes the larger rate.
    expect(out.report!.best!.assignment['model.learningRate']).toBe(0.3);
  }, 90_000);

  it('prunes weak trials by round, as it does by epoch', async () => {
    const out = await call('tune:run', {
      config: penguins({
        model: { type: 'gbdt', trees: 8, maxDepth: 2, threads: 1 },
        search: {
          space: { 'model.learningRate': { type: 'choice', values: [0.5, 0.001, 0.0005] } },
          strategy: 'grid',
          parallel: 1,
          metric: 'val_loss',
          pruning: { type: 'median', warmupEpochs: 1, minTrials: 1 },
        },
      }),
    });
    const statuses = out.report!.children.map((c) => c.status);
    expect(statuses[0]).toBe('finished');
    expect(statuses.slice(1)).toContain('pruned');
    const pruned = out.report!.children.find((c) => c.status === 'pruned')!;
    const rounds = await call('runs:metrics', { id: pruned.runId, key: 'val_loss' });
    expect(rounds.points.length).toBeLessThan(8);
  }, 90_000);

  it('refuses a search over a network path, naming it, before any run', async () => {
    const before = (await call('runs:list', {})).length;
    const e = await failure('tune:run', {
      config: penguins({
        search: { space: { 'model.hidden': { type: 'choice', values: [[8]] } } },
      }),
    });
    expect(e.code).toBe('INVALID_CONFIG');
    expect(e.message).toMatch(
      /search\.space\.model\.hidden: .*only an mlp has hidden layers, not a gbdt/,
    );
    expect((await call('runs:list', {})).length).toBe(before);
  });
});

describe('resuming a gbdt run', () => {
  it('continues a cancelled run from its checkpoint to the trees of an uninterrupted run', async () => {
    const config = penguins({
      model: {
        type: 'gbdt',
        trees: 30,
        learningRate: 0.2,
        maxDepth: 4,
        subsample: 0.7,
        colsample: 0.8,
        checkpointEvery: 4,
        threads: 2,
      },
      training: { earlyStopping: { metric: 'val_loss', patience: 25 } },
      experiment: 'gbdt-resume',
    });
    const straight = await call('train:run', { config });
    expect(straight.status).toBe('finished');

    // Judged round by round: cancelled at round 10, the run keeps its checkpoint of round 8.
    let runId = '';
    const started = await services.train.start(TrainConfig.parse(config), {
      onEpoch: (epoch) => {
        if (epoch === 10) services.train.cancel(runId);
      },
    });
    runId = started.runId;
    expect(await started.done).toBe('cancelled');
    const cancelled = await call('runs:get', { id: runId });
    const checkpoint = cancelled.artifacts.find((a) => a.path === 'checkpoint/state.bin');
    expect(checkpoint).toBeDefined();
    const state = checkpointState(
      new Uint8Array(await services.workspace.artifacts.read(checkpoint!.sha256)),
    );
    expect(state.globalStep).toBe(8);

    const resumed = await call('runs:resume', { id: runId });
    expect(resumed.status).toBe('finished');
    expect(file(resumed, 'model/gbdt.json')).toBe(file(straight, 'model/gbdt.json'));
    expect(file(resumed, 'model/importance.json')).toBe(file(straight, 'model/importance.json'));
    expect(resumed.metrics).toEqual(straight.metrics);
    expect(await history(resumed.id)).toEqual(await history(straight.id));
  }, 90_000);

  it('resumed between its best round and the stop, early stopping ends where it would have, keeping the best', async () => {
    const config = penguins({
      model: {
        type: 'gbdt',
        trees: 200,
        learningRate: 0.6,
        maxDepth: 4,
        checkpointEvery: 1,
        threads: 2,
      },
      training: { earlyStopping: { metric: 'val_loss', patience: 6 } },
      experiment: 'gbdt-resume-es',
    });
    const straight = await call('train:run', { config });
    const best = Number(straight.params['earlyStopping.bestEpoch']);
    const stopped = Number(straight.params['earlyStopping.stoppedEpoch']);
    expect(stopped).toBe(best + 6);

    // Cancelled three rounds past the best: the checkpoint holds the best round's metrics and the wait.
    let runId = '';
    const started = await services.train.start(TrainConfig.parse(config), {
      onEpoch: (epoch) => {
        if (epoch === best + 3) services.train.cancel(runId);
      },
    });
    runId = started.runId;
    expect(await started.done).toBe('cancelled');
    const cancelled = await call('runs:get', { id: runId });
    const checkpoint = cancelled.artifacts.find((a) => a.path === 'checkpoint/state.bin')!;
    const state = checkpointState(
      new Uint8Array(await services.workspace.artifacts.read(checkpoint.sha256)),
    );
    expect(state.globalStep).toBeGreaterThan(best);
    expect(state.stopper?.bestEpoch).toBe(best);

    const resumed = await call('runs:resume', { id: runId });
    expect(resumed.status).toBe('finished');
    expect(resumed.params['earlyStopping.bestEpoch']).toBe(String(best));
    expect(resumed.params['earlyStopping.stoppedEpoch']).toBe(String(stopped));
    expect(file(resumed, 'model/gbdt.json')).toBe(file(straight, 'model/gbdt.json'));
    expect(resumed.metrics).toEqual(straight.metrics);
    expect(await history(resumed.id)).toEqual(await history(straight.id));
  }, 90_000);
});
