import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TrainConfig,
  type ChannelInput,
  type EventFrame,
  type TrainProgress,
} from '../../shared/contract';
import { createServices, type Services } from '../../main/services';
import { sha256Bytes } from '../../main/workspace/artifacts';
import { refusedBeforeRun } from '../helpers/runs';
import { contractClient, penguinsConfig } from '../helpers/services';
import { tempDir, vega } from '../helpers/workspace';

const t = tempDir('lathe-train-');
let services: Services;

const client = contractClient(() => services);
const { call } = client;

const penguins = (overrides: Partial<ChannelInput<'train:run'>['config']> = {}) =>
  penguinsConfig({
    model: { type: 'mlp', hidden: [16] },
    training: { epochs: 12, batchSize: 32, learningRate: 0.01, validationFraction: 0.25 },
    seed: 3,
    ...overrides,
  });

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  await call('data:import', { path: vega('penguins.json'), name: 'penguins' });
  await call('data:import', { path: vega('seattle-weather.csv'), name: 'weather' });
  await call('data:import', { path: vega('cars.json'), name: 'cars' });
});
afterAll(async () => {
  await services.close();
  t.remove();
});

describe('a training run', () => {
  it('trains in a worker, reports every epoch and is tracked with metrics, artifacts and lineage', async () => {
    const frames: EventFrame[] = [];
    const off = services.bus.subscribe((f) => frames.push(f));
    const run = await call('train:run', { config: penguins() });
    off();
    expect(run.status).toBe('finished');
    expect(run.backend).toBe('wasm');
    expect(run.metrics.val_accuracy).toBeGreaterThan(0.9);
    expect(run.metrics.val_f1_macro).toBeGreaterThan(0.85);
    expect(Object.keys(run.metrics)).toEqual(expect.arrayContaining(['loss', 'val_loss']));

    const progress = frames
      .filter((f) => f.event === 'train:progress')
      .map((f) => f.payload as TrainProgress);
    expect(progress.map((p) => p.epoch)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(progress.at(-1)).toMatchObject({ fraction: 1, etaMs: 0, runId: run.id });
    const statuses = frames
      .filter((f) => f.event === 'run:status')
      .map((f) => (f.payload as { status: string }).status);
    expect(statuses).toEqual(['running', 'finished']);

    const history = await call('runs:metrics', { id: run.id, key: 'val_accuracy' });
    expect(history.points.map((p) => p.step)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(history.points.at(-1)!.value).toBe(run.metrics.val_accuracy);

    expect(run.lineage).toMatchObject({
      dataset: 'penguins',
      datasetVersion: 1,
      seed: 3,
      backend: 'wasm',
      latheVersion: '0.1.0',
    });
    expect(run.lineage.configHash).toMatch(/^[0-9a-f]{64}$/);
    expect(run.params).toMatchObject({
      task: 'multiclass',
      'model.type': 'mlp',
      'model.hidden': '16',
      'training.epochs': '12',
      'rows.validation': '86',
    });
    expect(run.system).toMatchObject({ node: process.versions.node });

    expect(run.artifacts.map((a) => a.path)).toEqual([
      'features/fitted.json',
      'features/importance.json',
      'features/spec.json',
      'model/model.json',
      'model/weights.bin',
      'monitor/valid-predictions.json',
      'split.json',
      'target.json',
      'train-config.json',
    ]);
    for (const a of run.artifacts) {
      const bytes = readFileSync(services.workspace.artifacts.pathOf(a.sha256));
      expect(sha256Bytes(bytes)).toBe(a.sha256);
      expect(bytes.length).toBe(a.sizeBytes);
    }
    const artifact = <T>(path: string): T =>
      JSON.parse(
        readFileSync(
          services.workspace.artifacts.pathOf(run.artifacts.find((a) => a.path === path)!.sha256),
          'utf8',
        ),
      ) as T;
    expect(artifact<{ format: string }>('model/model.json').format).toBe('layers-model');
    expect(artifact<{ classes: string[] }>('target.json').classes).toEqual([
      'Adelie',
      'Chinstrap',
      'Gentoo',
    ]);
    expect(artifact<{ method: string; seed: number }>('split.json')).toMatchObject({
      method: 'stratified',
      seed: 3,
    });
    const fitted = artifact<{ specHash: string; outputs: string[] }>('features/fitted.json');
    expect(fitted.specHash).toBe(run.params['featureSpec.hash']);
    // The default spec (none in the config): the lineage names the fitted spec, as the params do.
    expect(run.params['featureSpec.source']).toBe('default');
    expect(run.lineage.featureSpecHash).toBe(fitted.specHash);
    expect(fitted.outputs).toContain('Island=Biscoe');
    expect(run.warnings).toEqual([]);
    const importance = artifact<Record<string, number>>('features/importance.json');
    expect(Object.keys(importance).sort()).toEqual([...fitted.outputs].sort());
    // Shuffling what the model relies on costs validation loss.
    expect(Math.max(...Object.values(importance))).toBeGreaterThan(0.01);
  });

  it('gives the same metrics for the same config, data, seed and backend', async () => {
    const a = await call('train:run', {
      config: penguins({
        seed: 11,
        training: { epochs: 5, batchSize: 16, learningRate: 0.01, validationFraction: 0.3 },
      }),
    });
    const b = await call('train:run', {
      config: penguins({
        seed: 11,
        training: { epochs: 5, batchSize: 16, learningRate: 0.01, validationFraction: 0.3 },
      }),
    });
    expect(b.metrics).toEqual(a.metrics);
    expect(b.lineage.configHash).toBe(a.lineage.configHash);
    const c = await call('train:run', {
      config: penguins({
        seed: 12,
        training: { epochs: 5, batchSize: 16, learningRate: 0.01, validationFraction: 0.3 },
      }),
    });
    expect(c.metrics).not.toEqual(a.metrics);
  });

  it('trains binary and regression heads with their named metrics', async () => {
    await call('data:importQuery', {
      name: 'rain',
      sql: `SELECT precipitation, temp_max, temp_min, wind, date, weather = 'rain' AS rainy FROM read_csv('${vega('seattle-weather.csv')}')`,
    });
    const binary = await call('train:run', {
      config: {
        dataset: 'rain',
        target: 'rainy',
        task: 'binary',
        model: { type: 'linear' },
        training: { epochs: 20, learningRate: 0.01, batchSize: 32 },
      },
    });
    expect(Object.keys(binary.metrics).sort()).toEqual([
      'loss',
      'val_accuracy',
      'val_auc',
      'val_loss',
    ]);
    expect(binary.metrics.val_auc).toBeGreaterThan(0.8);
    const multi = await call('train:run', {
      config: {
        dataset: 'weather',
        target: 'weather',
        task: 'multiclass',
        model: { type: 'linear' },
        training: { epochs: 3 },
      },
    });
    expect(Object.keys(multi.metrics).sort()).toEqual([
      'loss',
      'val_accuracy',
      'val_f1_macro',
      'val_loss',
    ]);
    // No batch size given: 1,169 training rows get batches of 24, about 50 steps an epoch.
    expect(multi.params['training.batchSize']).toBe('24');
    const reg = await call('train:run', {
      config: {
        dataset: 'cars',
        target: 'Miles_per_Gallon',
        task: 'regression',
        features: [
          'Cylinders',
          'Displacement',
          'Horsepower',
          'Weight_in_lbs',
          'Acceleration',
          'Year',
          'Origin',
        ],
        model: { type: 'linear' },
        training: { epochs: 150, batchSize: 32, learningRate: 0.01 },
      },
    });
    expect(reg.status).toBe('finished');
    expect(reg.metrics.val_r2).toBeGreaterThan(0.7);
    // Reported in miles per gallon, not in standardized units.
    expect(reg.metrics.val_rmse).toBeGreaterThan(1);
    expect(reg.metrics.val_rmse).toBeLessThan(6);
    expect(reg.metrics.val_mae).toBeLessThan(reg.metrics.val_rmse!);
  });

  it('can be cancelled while it runs and is recorded as cancelled', async () => {
    const { runId } = await call('train:start', {
      config: penguins({
        training: { epochs: 5000, batchSize: 8, learningRate: 0.001, validationFraction: 0.2 },
      }),
    });
    expect((await call('runs:get', { id: runId })).params).toMatchObject({
      'model.type': 'mlp',
      'training.epochs': '5000',
      seed: '3',
    });
    let cancel: Promise<unknown> | undefined;
    const ended = new Promise<string>((resolveEnd) => {
      const off = services.bus.subscribe((f) => {
        if (f.event === 'train:progress' && (f.payload as TrainProgress).runId === runId) {
          // The first epoch asks once; later epochs may still report while the worker stops.
          cancel ??= call('train:cancel', { id: runId.slice(0, 10) });
        }
        const s = f.payload as { runId: string; status: string };
        if (f.event === 'run:status' && s.runId === runId && s.status !== 'running') {
          off();
          resolveEnd(s.status);
        }
      });
    });
    expect(await ended).toBe('cancelled');
    expect(await cancel).toEqual({ runId, cancelled: true });
    const run = await call('runs:get', { id: runId });
    expect(run.status).toBe('cancelled');
    expect(run.error).toMatch(/cancelled/);
    expect(run.endedAt).not.toBeNull();
  });

  it('refuses a bad config before creating a run', async () => {
    const refused = (config: unknown) => refusedBeforeRun(client, 'train:run', { config });
    const missing = await refused(penguins({ target: 'no_such_column' }));
    expect(missing.code).toBe('COLUMN_NOT_FOUND');
    expect(missing.message).toMatch(/target: column 'no_such_column' is not in dataset 'penguins'/);
    const binary = await refused(penguins({ task: 'binary' }));
    expect(binary.message).toMatch(/has 3 distinct values; a binary task needs exactly 2/);
    const unknown = await refused(penguins({ dataset: 'ghost' }));
    expect(unknown.code).toBe('NOT_FOUND');
    const invalid = await refused({ ...penguins(), task: 'sideways' });
    expect(invalid.message).toMatch(/config\.task/);
  });

  it('lists runs newest first with their latest metrics', async () => {
    const runs = await call('runs:list', { experiment: 'penguins' });
    expect(runs.length).toBeGreaterThanOrEqual(4);
    expect(runs.every((r) => r.experiment === 'penguins')).toBe(true);
    const times = runs.map((r) => Date.parse(r.startedAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(
      TrainConfig.safeParse((await call('runs:get', { id: runs[0]!.id })).config).success,
    ).toBe(true);
  });
});

describe('runs that do not finish', () => {
  it('marks a run whose worker crashes as failed', async () => {
    const crash = t.file('crash-worker.cjs', "throw new Error('boom in the worker');\n");
    const other = await createServices({
      workspaceDir: join(t.dir, 'crash-ws'),
      workerPath: crash,
    });
    try {
      await other.dispatch('data:import', { path: vega('penguins.json'), name: 'penguins' });
      const r = await other.dispatch('train:run', { config: penguins() });
      expect(r.ok).toBe(true);
      const run = r.ok ? (r.result as { status: string; error: string }) : null;
      expect(run?.status).toBe('failed');
      expect(run?.error).toMatch(/boom in the worker/);
    } finally {
      await other.close();
    }
  });

  it('marks runs left running by a process that died as interrupted when the workspace reopens', async () => {
    const dir = join(t.dir, 'interrupt-ws');
    const first = await createServices({ workspaceDir: dir });
    await first.dispatch('data:import', { path: vega('penguins.json'), name: 'penguins' });
    const version = await first.data.resolve('penguins');
    const id = await first.tracking.createRun({
      experiment: 'x',
      project: 'Default',
      config: TrainConfig.parse(penguins()),
      configHash: 'h',
      datasetVersionId: version.id,
      latheVersion: '0.1.0',
      system: {},
      params: {},
    });
    await first.close();
    const second = await createServices({ workspaceDir: dir });
    try {
      const run = await second.tracking.get(id);
      expect(run.status).toBe('interrupted');
      expect(run.error).toMatch(/stopped before it finished/);
    } finally {
      await second.close();
    }
  });
});
