// A GBDT run everywhere a network's run goes after training: evaluation (held-out rows, other data,
// permutation importance, a learning curve), gates with a champion comparison against a network
// (both kinds of model scored on the same rows), registration and monitoring's reference.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelInput, ChannelOutput } from '../../../shared/contract';
import { createServices, type Services } from '../../../main/services';
import { parseGbdtModel } from '../../../main/evaluate/predict';
import { modelArtifacts } from '../../../main/registry/signature';
import { contractClient } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';

const t = tempDir('lathe-gbdt-eval-');
let services: Services;
const { call } = contractClient(() => services);

type Config = ChannelInput<'train:run'>['config'];
type Run = ChannelOutput<'train:run'>;

const rain = (model: Config['model'], training: Config['training'] = {}): Config => ({
  dataset: 'rain',
  target: 'rain',
  task: 'binary',
  features: ['precipitation', 'temp_max', 'temp_min', 'wind', 'season', 'date'],
  model,
  training,
  split: { testFraction: 0.25 },
  seed: 4,
});

let gbdt: Run;
let linear: Run;

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  const csv = vega('seattle-weather.csv');
  const select = `SELECT date, precipitation, temp_max, temp_min, wind, weather = 'rain' AS rain,
      CASE WHEN month(date) IN (12, 1, 2) THEN 'winter' ELSE 'other' END AS season
    FROM read_csv('${csv}')`;
  await call('data:importQuery', { name: 'rain', sql: select });
  await call('data:importQuery', { name: 'rain2015', sql: `${select} WHERE year(date) = 2015` });
  gbdt = await call('train:run', {
    config: rain({ type: 'gbdt', trees: 40, learningRate: 0.2, maxDepth: 4, threads: 2 }),
  });
  linear = await call('train:run', {
    config: rain({ type: 'linear' }, { epochs: 8, learningRate: 0.02, batchSize: 32 }),
  });
}, 120_000);
afterAll(async () => {
  await services?.close();
  t.remove();
});

describe('evaluating a gbdt run', () => {
  it('scores its test rows with model/gbdt.json: metrics, importance, slices', async () => {
    expect(gbdt.status).toBe('finished');
    const e = await call('eval:run', { target: gbdt.id.slice(0, 10), importanceRepeats: 2 });
    expect(e.split).toBe('test');
    expect(e.metrics.roc_auc).toBeGreaterThan(0.8);
    // Precipitation decides rain: shuffling it hurts most.
    expect(e.importance[0]?.column).toBe('precipitation');
    expect(e.importance.map((i) => i.column).sort()).toEqual(
      ['date', 'precipitation', 'season', 'temp_max', 'temp_min', 'wind'].sort(),
    );
    // Another dataset version: every row of 2015.
    const other = await call('eval:run', {
      target: gbdt.id,
      data: 'rain2015',
      importanceRepeats: 0,
    });
    expect(other.split).toBe('all');
    expect(other.rows).toBe(365);
  }, 60_000);

  it('draws a learning curve by training gbdts on growing shares', async () => {
    const e = await call('eval:run', {
      target: gbdt.id,
      importanceRepeats: 0,
      learningCurve: [0.25, 1],
    });
    expect(e.learningCurve?.map((p) => p.fraction)).toEqual([0.25, 1]);
    const [small, full] = e.learningCurve!;
    expect(small!.rows).toBeLessThan(full!.rows);
    // The full share retrains the run's own model: its AUC is the evaluation's.
    expect(full!.value).toBeCloseTo(e.metrics.roc_auc!, 10);
  }, 90_000);

  it('registers it, gates it against a network champion on the same rows, and keeps a reference', async () => {
    await call('gates:set', {
      project: 'Default',
      policy: {
        metrics: [{ metric: 'roc_auc', min: 0.8 }],
        champion: { test: 'bootstrap', alpha: 0.05, iterations: 200 },
      },
    });
    try {
      const v1 = await call('models:register', { runId: linear.id, name: 'rainy' });
      expect(v1.version).toBe(1);
      await call('models:alias', { ref: 'rainy@1', alias: 'champion', override: 'baseline' });
      const v2 = await call('models:register', { runId: gbdt.id, name: 'rainy' });
      expect(v2.signature!.inputs.map((i) => i.name).sort()).toEqual(
        ['date', 'precipitation', 'season', 'temp_max', 'temp_min', 'wind'].sort(),
      );
      expect(v2.signature!.output).toEqual({
        task: 'binary',
        target: 'rain',
        classes: ['false', 'true'],
      });
      const e = await call('eval:run', { target: 'rainy@2', importanceRepeats: 0 });
      expect(e.model).toEqual({ name: 'rainy', version: 2 });
      const champion = e.gates.find((g) => g.gate === 'champion:bootstrap')!;
      expect(champion.detail).toMatch(/vs rainy@1/);
      expect(e.gates.find((g) => g.gate === 'metric:roc_auc')!.passed).toBe(true);
      const moved = await call('models:alias', {
        ref: 'rainy@2',
        alias: 'champion',
        ...(e.passed ? {} : { override: 'trees' }),
      });
      expect(moved.version).toBe(2);

      // Monitoring's reference: the training split's inputs (drift compares no dates) and the
      // validation predictions.
      const r = await call('monitor:reference', { ref: 'rainy@2' });
      expect(r.source).toEqual({ dataset: 'rain@1', split: 'train' });
      expect(r.rows).toBe(Number(gbdt.params['rows.train']));
      expect(r.features.map((f) => f.feature).sort()).toEqual(
        v2
          .signature!.inputs.filter((i) => i.kind !== 'datetime')
          .map((i) => i.name)
          .sort(),
      );
      expect(r.prediction?.rows).toBe(Number(gbdt.params['rows.validation']));
      const drift = await call('monitor:drift', { ref: 'rainy@2', data: 'rain' });
      expect(drift.features.every((f) => !f.drifted)).toBe(true);
    } finally {
      await call('gates:set', { project: 'Default', policy: null });
    }
  }, 90_000);

  it('names a stored ensemble that is not one, or that reads other features', () => {
    const json = JSON.stringify({ format: 'lathe-gbdt', trees: [], features: ['a', 'b'] });
    expect(parseGbdtModel(json, 2).features).toEqual(['a', 'b']);
    expect(() => parseGbdtModel(json, 3)).toThrow(
      /model\/gbdt\.json is not a model Lathe trained: it reads 2 features, the fitted spec gives 3/,
    );
    expect(() => parseGbdtModel('{"format":"xgboost"}', 2)).toThrow(/format is "xgboost"/);
    expect(() => parseGbdtModel('{', 2)).toThrow(/model\/gbdt\.json is not JSON/);
  });

  it('asks a gbdt run for model/gbdt.json to register or evaluate it, a network for its two files', () => {
    expect(modelArtifacts(gbdt)).toEqual([
      'model/gbdt.json',
      'features/fitted.json',
      'target.json',
    ]);
    expect(modelArtifacts(linear)).toEqual([
      'model/model.json',
      'model/weights.bin',
      'features/fitted.json',
      'target.json',
    ]);
    for (const path of modelArtifacts(gbdt))
      expect(gbdt.artifacts.map((a) => a.path)).toContain(path);
  });
});
