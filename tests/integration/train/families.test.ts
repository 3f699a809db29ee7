import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelInput, RunChildEvent } from '../../../shared/contract';
import { FamilyReport, Run } from '../../../shared/contract';
import { createServices, type Services } from '../../../main/services';
import { shouldPrune } from '../../../main/train/search-space';
import { refusedBeforeRun } from '../../helpers/runs';
import { contractClient } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';

const t = tempDir('lathe-families-');
let services: Services;
const client = contractClient(() => services);
const { call, failure } = client;

type Config = ChannelInput<'train:run'>['config'];

const penguins = (overrides: Partial<Config> = {}): Config => ({
  dataset: 'penguins',
  target: 'Species',
  task: 'multiclass',
  model: { type: 'linear' },
  training: { epochs: 4, batchSize: 32, learningRate: 0.05 },
  seed: 3,
  ...overrides,
});

/** Collects run:child events until the returned function is called. */
function childEvents() {
  const events: RunChildEvent[] = [];
  const off = services.bus.subscribe((f) => {
    if (f.event === 'run:child') events.push(f.payload as RunChildEvent);
  });
  return { events, off };
}

const report = async (runId: string, path: string) => {
  const run = await call('runs:get', { id: runId });
  const a = run.artifacts.find((x) => x.path === path)!;
  return FamilyReport.parse(
    JSON.parse((await services.workspace.artifacts.read(a.sha256)).toString()),
  );
};

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  await call('data:import', { path: vega('penguins.json'), name: 'penguins' });
  await call('data:import', { path: vega('seattle-weather.csv'), name: 'weather' });
});
afterAll(async () => {
  await services.close();
  t.remove();
});

describe('cross-validation', () => {
  it('trains every fold as a child run and records mean and std per metric on the parent', async () => {
    const { events, off } = childEvents();
    const parent = await call('train:run', {
      config: penguins({ crossValidation: { folds: 3, parallel: 2 } }),
    });
    off();
    expect(parent.status).toBe('finished');
    expect(parent.kind).toBe('cv');
    expect(parent.params['cv.folds']).toBe('3');
    expect(parent.params['cv.method']).toBe('stratified');
    const folds = await call('runs:list', { filter: `kind = 'fold'` }).catch(() => null);
    const all = (await call('runs:list', {})).filter((r) => r.parentId === parent.id);
    if (folds) expect(folds.map((f) => f.id).sort()).toEqual(all.map((f) => f.id).sort());
    expect(all).toHaveLength(3);
    expect(all.every((r) => r.kind === 'fold' && r.status === 'finished')).toBe(true);
    const accuracies = all.map((r) => r.metrics.val_accuracy!);
    const mean = accuracies.reduce((a, b) => a + b, 0) / 3;
    const std = Math.sqrt(accuracies.reduce((a, b) => a + (b - mean) ** 2, 0) / 3);
    expect(parent.metrics.val_accuracy).toBeCloseTo(mean, 9);
    expect(parent.metrics.val_accuracy_std).toBeCloseTo(std, 9);
    expect(mean).toBeGreaterThan(0.7);
    // Every fold validated on different rows: together they cover every row once.
    const validRows = all.map((r) => Number(r.params['rows.validation']));
    const trainRows = all.map((r) => Number(r.params['rows.train']));
    expect(validRows.reduce((a, b) => a + b, 0)).toBe(validRows[0]! + trainRows[0]!);
    const r = await report(parent.id, 'cv-report.json');
    expect(r.children.map((c) => c.index)).toEqual([1, 2, 3]);
    expect(r.summary.val_accuracy!.mean).toBeCloseTo(mean, 9);
    expect(events.filter((e) => e.status === 'finished')).toHaveLength(3);
    expect(events.filter((e) => e.status === 'running')).toHaveLength(3);
    // Each fold's own config names its fold: it can be retrained alone, to the same metrics.
    const fold2 = await call('runs:get', { id: all.find((f) => f.name.endsWith('fold2'))!.id });
    expect(fold2.config?.crossValidation).toEqual({ folds: 3, parallel: 2, fold: 2 });
    const again = await call('train:run', { config: Run.parse(fold2).config });
    expect(again.kind).toBe('train');
    expect(again.metrics.val_accuracy).toBe(fold2.metrics.val_accuracy);
  });

  it('time-series folds train on the past; a fold with nothing to validate fails before any run', async () => {
    const config: Config = {
      dataset: 'weather',
      target: 'temp_max',
      task: 'regression',
      features: ['temp_min', 'precipitation', 'wind'],
      model: { type: 'linear' },
      training: { epochs: 3, batchSize: 64, learningRate: 0.05 },
      split: { method: 'time', column: 'date' },
      crossValidation: { folds: 4 },
    };
    const parent = await call('train:run', { config });
    expect(parent.status).toBe('finished');
    const folds = (await call('runs:list', {}))
      .filter((r) => r.parentId === parent.id)
      .sort((a, b) => a.name.localeCompare(b.name));
    const train = folds.map((f) => Number(f.params['rows.train']));
    expect(train).toEqual([...train].sort((a, b) => a - b));
    expect(new Set(train).size).toBe(4);
    expect(parent.metrics.val_rmse).toBeGreaterThan(0);
    expect(parent.metrics.val_rmse_std).toBeGreaterThan(0);

    // Three islands dealt into five folds leave folds 4 and 5 empty: refused before any run is recorded.
    const bad = await refusedBeforeRun(client, 'train:run', {
      config: {
        ...penguins(),
        crossValidation: { folds: 5 },
        split: { method: 'group', column: 'Island' },
      },
    });
    expect(bad.message).toMatch(
      /crossValidation: fold 4 of 5 \(group\) has \d+ training and 0 validation rows/,
    );
  });
});

describe('hyperparameter search', () => {
  it('runs trials as child runs, prunes weak ones and records the best on the parent', async () => {
    const { events, off } = childEvents();
    const out = await call('tune:run', {
      config: penguins({
        training: { epochs: 5, batchSize: 32, learningRate: 0.01 },
        search: {
          space: {
            'training.learningRate': { type: 'loguniform', low: 1e-5, high: 0.3 },
            'model.l2': { type: 'choice', values: [0, 0.001] },
          },
          strategy: 'random',
          trials: 8,
          // One at a time: which trials have finished when another is judged is then fixed.
          parallel: 1,
          metric: 'val_accuracy',
          pruning: { type: 'median', warmupEpochs: 1, minTrials: 2 },
        },
      }),
    });
    off();
    const { run, report: rep } = out;
    expect(run.status).toBe('finished');
    expect(run.kind).toBe('tune');
    expect(rep).not.toBeNull();
    expect(rep!.children).toHaveLength(8);
    const trials = (await call('runs:list', {})).filter((r) => r.parentId === run.id);
    expect(trials).toHaveLength(8);
    expect(trials.every((r) => r.kind === 'trial')).toBe(true);
    const done = trials.filter((r) => r.status === 'finished');
    const best = Math.max(...done.map((r) => r.metrics.val_accuracy!));
    expect(run.metrics.val_accuracy).toBe(best);
    expect(rep!.best!.value).toBe(best);
    expect(run.params['best.runId']).toBe(rep!.best!.runId);
    expect(Number(run.params['best.training.learningRate'])).toBe(
      rep!.best!.assignment['training.learningRate'],
    );
    // Each trial trained the value it was given.
    for (const c of rep!.children) {
      const trial = trials.find((x) => x.id === c.runId)!;
      expect(Number(trial.params['training.learningRate'])).toBe(
        c.assignment['training.learningRate'],
      );
    }
    // Pruned trials stopped before the last epoch, with their metrics kept.
    const prunedTrials = trials.filter((r) => r.status === 'pruned');
    expect(prunedTrials.length).toBeGreaterThan(0);
    expect(run.metrics['trials.pruned']).toBe(prunedTrials.length);
    for (const p of prunedTrials) {
      const h = await call('runs:metrics', { id: p.id, key: 'val_accuracy' });
      expect(h.points.length).toBeLessThan(5);
      expect(h.points.length).toBeGreaterThan(1);
    }
    // Each epoch is judged before the next one starts, however fast training is: replaying the median
    // rule over the trials in order, each stopped right after the first epoch the rule condemned, and
    // the finished ones were never condemned.
    const finished: number[][] = [];
    for (const c of [...rep!.children].sort((a, b) => a.index - b.index)) {
      const h = await call('runs:metrics', { id: c.runId, key: 'val_accuracy' });
      const history = h.points.map((p) => p.value);
      const condemned = history.findIndex((_, k) =>
        shouldPrune({
          history: history.slice(0, k + 1),
          finished,
          mode: 'max',
          warmupEpochs: 1,
          minTrials: 2,
        }),
      );
      if (c.status === 'pruned') expect(condemned + 1, `trial ${c.index}`).toBe(history.length);
      else {
        expect(c.status).toBe('finished');
        expect(condemned, `trial ${c.index}`).toBe(-1);
        finished.push(history);
      }
    }
    expect(events.filter((e) => e.status !== 'running')).toHaveLength(8);
    const curve = await call('runs:metrics', { id: run.id, key: 'best_val_accuracy' });
    const values = curve.points.map((p) => p.value);
    expect(values).toEqual([...values].sort((a, b) => a - b));
  });

  it('finds the known-better learning rate region: tiny rates lose to sensible ones', async () => {
    const out = await call('tune:run', {
      config: penguins({
        training: { epochs: 3, batchSize: 32, learningRate: 0.01 },
        search: {
          space: { 'training.learningRate': { type: 'loguniform', low: 1e-6, high: 0.1 } },
          strategy: 'grid',
          gridPoints: 6,
          parallel: 2,
        },
      }),
    });
    expect(out.report!.children).toHaveLength(6);
    const lr = out.report!.best!.assignment['training.learningRate'] as number;
    expect(lr).toBeGreaterThanOrEqual(1e-3);
    expect(out.run.params['search.metric']).toBe('val_accuracy');
  });

  it('names a search value that makes an invalid config, before any run is recorded', async () => {
    const err = await refusedBeforeRun(client, 'tune:run', {
      config: penguins({
        search: {
          space: { 'model.dropout': { type: 'uniform', low: 0, high: 0.5 } },
          strategy: 'random',
        },
      }),
    });
    expect(err.code).toBe('INVALID_CONFIG');
    expect(err.message).toMatch(
      /search\.space\.model\.dropout: 0 makes an invalid config: model\.dropout: only an mlp has dropout/,
    );
    const noSearch = await refusedBeforeRun(client, 'tune:run', { config: penguins() });
    expect(noSearch.message).toMatch(/search: the config has no search space/);
    const badMetric = await refusedBeforeRun(client, 'tune:run', {
      config: penguins({
        search: {
          space: { 'training.learningRate': { type: 'loguniform', low: 1e-4, high: 1 } },
          metric: 'val_auc',
        },
      }),
    });
    expect(badMetric.message).toMatch(
      /search\.metric.*multiclass training reports val_loss, val_accuracy, val_f1_macro; not val_auc/,
    );
  });
});

describe('resuming a family', () => {
  /** Starts a family and cancels its parent once `after` children have ended. */
  async function startAndStop(config: Config, after: number) {
    const { events, off } = childEvents();
    const { runId } = await call('train:start', { config });
    let stopped = false;
    const stop = services.bus.subscribe((f) => {
      if (f.event !== 'run:child' || stopped) return;
      if (events.filter((e) => e.status !== 'running').length >= after) {
        stopped = true;
        void call('train:cancel', { id: runId });
      }
    });
    const status = await new Promise<string>((resolve) => {
      const offStatus = services.bus.subscribe((f) => {
        const p = f.payload as { runId?: string; status?: string };
        if (f.event === 'run:status' && p.runId === runId && p.status !== 'running') {
          offStatus();
          resolve(p.status!);
        }
      });
    });
    stop();
    off();
    return { runId, status };
  }

  it('a cancelled cross-validation resumes to the result of an uninterrupted one', async () => {
    const config = penguins({
      training: { epochs: 6, batchSize: 16, learningRate: 0.05 },
      crossValidation: { folds: 4, parallel: 2 },
      experiment: 'cv-resume',
    });
    const whole = await call('train:run', { config });
    const { runId, status } = await startAndStop(config, 1);
    expect(status).toBe('cancelled');
    const stoppedFolds = (await call('runs:list', { parentId: runId })).filter(
      (r) => r.status !== 'finished',
    );
    expect(stoppedFolds.length).toBeGreaterThan(0);
    const resumed = await call('runs:resume', { id: runId });
    expect(resumed.status).toBe('finished');
    const folds = await call('runs:list', { parentId: runId });
    // Stopped folds continued under their own ids (or, stopped before a checkpoint, were trained anew).
    expect(folds.filter((f) => f.status === 'finished')).toHaveLength(4);
    expect(resumed.metrics.val_accuracy).toBeCloseTo(whole.metrics.val_accuracy!, 9);
    expect(resumed.metrics.val_loss).toBeCloseTo(whole.metrics.val_loss!, 9);
    expect(resumed.metrics.val_loss_std).toBeCloseTo(whole.metrics.val_loss_std!, 9);
    const again = await failure('runs:resume', { id: runId });
    expect(again.message).toMatch(
      /is finished; only an interrupted, cancelled or failed cross-validation/,
    );
  });

  it('a cancelled grid search resumes to the trials and best of an uninterrupted one', async () => {
    const config = penguins({
      training: { epochs: 4, batchSize: 32, learningRate: 0.01 },
      search: {
        space: { 'training.learningRate': { type: 'loguniform', low: 1e-4, high: 0.1 } },
        strategy: 'grid',
        gridPoints: 4,
        parallel: 1,
      },
      experiment: 'tune-resume',
    });
    const whole = await call('tune:run', { config });
    const { runId, status } = await startAndStop(config, 2);
    expect(status).toBe('cancelled');
    const resumed = await call('runs:resume', { id: runId });
    expect(resumed.status).toBe('finished');
    const { report } = await call('runs:report', { id: runId });
    expect(report!.children.map((c) => [c.index, c.assignment, c.value])).toEqual(
      whole.report!.children.map((c) => [c.index, c.assignment, c.value]),
    );
    expect(resumed.params['best.training.learningRate']).toBe(
      whole.run.params['best.training.learningRate'],
    );
    expect(resumed.metrics.val_accuracy).toBe(whole.run.metrics.val_accuracy);
  });
});
