// GBDT through the training service: binary, multiclass and regression runs on vega tables with nulls
// and categorical columns, their artifacts, params and per-round metrics, and early stopping keeping the
// best round's trees.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run } from '../../../shared/contract';
import type { FittedFeatureSpec } from '../../../shared/contract/features';
import { createServices, type Services } from '../../../main/services';
import { predictRaw, type GbdtModel } from '../../../main/train/gbdt/tree-model';
import { prepareTrainingData } from '../../../main/train/dataset';
import { contractClient, importPenguins } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';

const t = tempDir('lathe-gbdt-train-');
let services: Services | null = null;
const { call } = contractClient(() => services!);

const file = (run: Run, path: string) => {
  const a = run.artifacts.find((x) => x.path === path);
  if (!a) throw new Error(`run ${run.id} has no ${path}`);
  return readFileSync(services!.workspace.artifacts.pathOf(a.sha256), 'utf8');
};
const json = <T>(run: Run, path: string) => JSON.parse(file(run, path)) as T;
const metricSteps = async (id: string, key: string) =>
  (await call('runs:metrics', { id, key, maxPoints: 100_000 })).points.map(
    (p): [number, number] => [p.step, p.value],
  );

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  await importPenguins(services);
  await call('data:import', { path: vega('cars.json'), name: 'cars' });
  await call('data:importQuery', {
    name: 'sexes',
    sql: `SELECT * FROM read_json('${vega('penguins.json')}') WHERE Sex IN ('MALE', 'FEMALE')`,
  });
});
afterAll(async () => {
  await services?.close();
  t.remove();
});

describe('gbdt training through the service', () => {
  it('multiclass on penguins: NaN for nulls, Island as native categories, one tree per class per round', async () => {
    const run = await call('train:run', {
      config: {
        dataset: 'penguins',
        target: 'Species',
        task: 'multiclass',
        model: { type: 'gbdt', trees: 20, learningRate: 0.3, maxDepth: 3, threads: 2 },
        seed: 3,
      },
    });
    expect(run.status).toBe('finished');
    const paths = run.artifacts.map((a) => a.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'model/gbdt.json',
        'model/importance.json',
        'features/importance.json',
        'features/fitted.json',
        'target.json',
        'split.json',
        'monitor/valid-predictions.json',
      ]),
    );
    expect(paths).not.toContain('model/model.json');
    expect(paths.some((p) => p.startsWith('checkpoint/'))).toBe(false);

    const fitted = json<FittedFeatureSpec>(run, 'features/fitted.json');
    expect(fitted.missing).toBe('nan');
    // Numeric columns pass through unimputed and unscaled; strings become ordinal codes.
    for (const c of fitted.columns) {
      if (c.kind === 'numeric') {
        expect(c.impute).toBeUndefined();
        expect(c.numeric).toEqual({});
      }
    }
    const island = fitted.columns.find((c) => c.source === 'Island');
    expect(island?.kind === 'categorical' && island.encoding.op).toBe('ordinal');

    const model = json<GbdtModel>(run, 'model/gbdt.json');
    expect(model.task).toBe('multiclass');
    expect(model.outputs).toBe(3);
    expect(model.trees).toHaveLength(60);
    expect(model.roundsTrained).toBe(20);
    expect(model.features).toEqual(fitted.outputs);
    expect(model.categorical.map((i) => model.features[i])).toEqual(
      expect.arrayContaining(['Island__ordinal', 'Sex__ordinal']),
    );
    const importance = json<{ gain: Record<string, number>; splits: Record<string, number> }>(
      run,
      'model/importance.json',
    );
    expect(Object.keys(importance.gain).sort()).toEqual([...model.features].sort());
    expect(Object.values(importance.splits).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);

    expect(run.params['training.engine']).toBe('gbdt');
    expect(run.params['model.trees']).toBe('20');
    expect(run.params['model.maxDepth']).toBe('3');
    expect(run.params['model.growth']).toBe('depthwise');
    expect(run.params['model.objective']).toBe('softmax');
    expect(run.params['training.epochs']).toBeUndefined();
    expect(run.params['training.batchSize']).toBeUndefined();
    expect(run.params.optimizer).toBeUndefined();
    // Rounds are epochs: one val_loss per round, falling.
    const valLoss = await metricSteps(run.id, 'val_loss');
    expect(valLoss.map(([s]) => s)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(valLoss[19]![1]).toBeLessThan(valLoss[0]![1]);
    expect(run.metrics.val_accuracy).toBeGreaterThan(0.9);
    expect(run.metrics.val_f1_macro).toBeDefined();

    // The validation predictions are the stored model's: its softmax on the run's validation rows.
    const valid = json<{ scores: number[]; predicted: number[] }>(
      run,
      'monitor/valid-predictions.json',
    );
    expect(valid.predicted.length).toBeGreaterThan(50);
    const version = await services!.data.resolve('penguins@1');
    const rows = await prepareTrainingData(run.config, version.storagePath, version.columns);
    const raw = predictRaw(model, rows.valid.x, rows.valid.rows);
    const k = 3;
    expect(valid.predicted).toHaveLength(rows.valid.rows);
    for (let r = 0; r < rows.valid.rows; r++) {
      const z = Array.from(raw.subarray(r * k, (r + 1) * k), (v) => Math.fround(v));
      const max = Math.max(...z);
      const sum = z.reduce((a, v) => a + Math.exp(v - max), 0);
      expect(valid.predicted[r]).toBe(z.indexOf(max));
      expect(valid.scores[r]).toBe(Number((1 / sum).toPrecision(7)));
    }
  }, 90_000);

  it('binary, and multiclass with a date and a many-valued string; regression with each loss', async () => {
    const binary = await call('train:run', {
      config: {
        dataset: 'sexes',
        target: 'Sex',
        task: 'binary',
        model: { type: 'gbdt', trees: 25, maxLeaves: 8, threads: 2 },
        training: { classWeights: 'balanced' },
        seed: 5,
      },
    });
    expect(binary.status).toBe('finished');
    expect(binary.params['model.growth']).toBe('leafwise');
    expect(binary.params['model.objective']).toBe('logistic');
    // Body measures tell the sexes apart well within a species.
    expect(binary.metrics.val_auc).toBeGreaterThan(0.85);
    expect(json<GbdtModel>(binary, 'model/gbdt.json').trees).toHaveLength(25);

    const cars = await call('train:run', {
      config: {
        dataset: 'cars',
        target: 'Origin',
        task: 'multiclass',
        features: ['Miles_per_Gallon', 'Horsepower', 'Weight_in_lbs', 'Year', 'Name'],
        model: { type: 'gbdt', trees: 15, threads: 1 },
        seed: 5,
      },
    });
    expect(cars.status).toBe('finished');
    const fitted = json<FittedFeatureSpec>(cars, 'features/fitted.json');
    const year = fitted.columns.find((c) => c.source === 'Year');
    expect(year?.kind === 'datetime' && year.parts).toEqual(
      expect.arrayContaining(['year', 'month', 'dayofyear']),
    );
    // Names: hundreds of distinct strings (not all unique) kept as ordinal codes.
    const name = fitted.columns.find((c) => c.source === 'Name');
    expect(name?.kind === 'categorical' && name.encoding.op).toBe('ordinal');

    for (const loss of ['squared_error', 'absolute_error', 'huber'] as const) {
      const run = await call('train:run', {
        config: {
          dataset: 'cars',
          target: 'Miles_per_Gallon',
          task: 'regression',
          // Wide bins (u16) on the huber run: Weight_in_lbs has about 350 distinct values.
          model: {
            type: 'gbdt',
            trees: 30,
            loss,
            threads: 2,
            ...(loss === 'huber' ? { maxBins: 1024 } : {}),
          },
          seed: 5,
        },
      });
      expect(run.status, loss).toBe('finished');
      expect(run.params['model.objective']).toBe(loss);
      // Cars' MPG spreads about 7.8 around its mean: trees explain most of it.
      expect(run.metrics.val_rmse, loss).toBeLessThan(5);
      expect(run.metrics.val_r2, loss).toBeGreaterThan(0.6);
      const model = json<GbdtModel>(run, 'model/gbdt.json');
      expect(model.objective).toBe(loss);
      // The stored predictions (original units) are the model's raw outputs de-standardized.
      const target = json<{ mean: number; std: number }>(run, 'target.json');
      expect(target.std).toBeGreaterThan(0);
    }
  }, 90_000);

  it('early stopping ends at patience and keeps the trees of the best round', async () => {
    const run = await call('train:run', {
      config: {
        dataset: 'penguins',
        target: 'Species',
        task: 'multiclass',
        model: { type: 'gbdt', trees: 300, learningRate: 0.5, maxDepth: 4, threads: 2 },
        training: { earlyStopping: { metric: 'val_loss', patience: 5 } },
        seed: 7,
      },
    });
    expect(run.status).toBe('finished');
    const best = Number(run.params['earlyStopping.bestEpoch']);
    const stopped = Number(run.params['earlyStopping.stoppedEpoch']);
    expect(stopped).toBeLessThan(300);
    expect(stopped - best).toBe(5);
    const model = json<GbdtModel>(run, 'model/gbdt.json');
    expect(model.roundsTrained).toBe(stopped);
    expect(model.trees).toHaveLength(best * 3);
    const valLoss = await metricSteps(run.id, 'val_loss');
    const atBest = valLoss.find(([s]) => s === best)![1];
    expect(Math.min(...valLoss.filter(([s]) => s <= stopped).map(([, v]) => v))).toBe(atBest);
    // The best round's metrics become the run's, logged after the last round (finalStep).
    expect(run.metrics.val_loss).toBe(atBest);
    expect(valLoss.at(-1)).toEqual([stopped + 1, atBest]);
  }, 90_000);

  it('selects features by permutation importance (two passes of rounds) and by filters with nulls', async () => {
    const perm = await call('train:run', {
      config: {
        dataset: 'penguins',
        target: 'Species',
        task: 'multiclass',
        model: { type: 'gbdt', trees: 10, learningRate: 0.3, maxDepth: 3, threads: 2 },
        selection: { method: 'permutation', k: 2 },
        seed: 3,
      },
    });
    expect(perm.status).toBe('finished');
    expect(perm.params['selection.kept']).toBe('2');
    const model = json<GbdtModel>(perm, 'model/gbdt.json');
    const fitted = json<FittedFeatureSpec>(perm, 'features/fitted.json');
    expect(model.features).toEqual(fitted.selection!.kept);
    // Categorical indexes follow the kept columns.
    for (const i of model.categorical) expect(model.features[i]).toMatch(/__ordinal$/);
    // The second pass numbers its rounds after the first: 20 epochs in all.
    const steps = (await metricSteps(perm.id, 'val_loss')).map(([s]) => s);
    expect(steps).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));

    // Filters read the values present: a column with nulls is scored, not dropped as NaN.
    for (const selection of [
      { method: 'variance' as const, threshold: 0 },
      { method: 'correlation' as const, threshold: 0.9 },
      { method: 'mutual_info' as const, k: 3 },
    ]) {
      const run = await call('train:run', {
        config: {
          dataset: 'penguins',
          target: 'Species',
          task: 'multiclass',
          model: { type: 'gbdt', trees: 5, threads: 1 },
          selection,
          seed: 3,
        },
      });
      expect(run.status, selection.method).toBe('finished');
      const chosen = json<{ scores: Record<string, number | null> }>(
        run,
        'features/selection.json',
      );
      for (const [name, score] of Object.entries(chosen.scores))
        expect(Number.isFinite(score), `${selection.method} ${name}`).toBe(true);
    }
  }, 90_000);

  it("takes a user's feature spec: its ordinal outputs split as categories, the rest as numbers", async () => {
    const run = await call('train:run', {
      config: {
        dataset: 'penguins',
        target: 'Species',
        task: 'multiclass',
        model: { type: 'gbdt', trees: 10, threads: 1 },
        featureSpec: {
          groups: [
            { columns: ['Island'], steps: [{ op: 'ordinal' }] },
            { columns: ['Sex'], steps: [{ op: 'onehot' }] },
            {
              columns: ['Beak Length (mm)'],
              steps: [{ op: 'impute', strategy: 'median', indicator: true }],
            },
            { columns: ['Flipper Length (mm)'], steps: [{ op: 'scale', method: 'standard' }] },
          ],
        },
        seed: 3,
      },
    });
    expect(run.status).toBe('finished');
    expect(run.params['featureSpec.source']).toBe('config');
    const model = json<GbdtModel>(run, 'model/gbdt.json');
    expect(model.categorical.map((i) => model.features[i])).toEqual(['Island__ordinal']);
    expect(model.features).toContain('Sex=MALE');
    expect(model.features).toContain('Beak Length (mm)__missing');
    expect(json<FittedFeatureSpec>(run, 'features/fitted.json').missing).toBe('nan');
    expect(run.metrics.val_accuracy).toBeGreaterThan(0.9);
  }, 60_000);
});
