import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelInput, ChannelOutput } from '../../shared/contract';
import { createServices, type Services } from '../../main/services';
import { contractClient } from '../helpers/services';
import { tempDir, vega } from '../helpers/workspace';

const t = tempDir('lathe-evaluate-');
let services: Services;
const { call, failure } = contractClient(() => services);

type Config = ChannelInput<'train:run'>['config'];
type Run = ChannelOutput<'train:run'>;

const rain = (overrides: Partial<Config> = {}): Config => ({
  dataset: 'rain',
  target: 'rain',
  task: 'binary',
  features: ['precipitation', 'temp_max', 'temp_min', 'wind', 'season'],
  model: { type: 'linear' },
  training: { epochs: 8, learningRate: 0.02, batchSize: 32 },
  split: { testFraction: 0.25 },
  seed: 4,
  ...overrides,
});

let good: Run;
let weak: Run;

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  const csv = vega('seattle-weather.csv');
  await call('data:importQuery', {
    name: 'rain',
    sql: `SELECT date, precipitation, temp_max, temp_min, wind, weather = 'rain' AS rain,
      CASE WHEN month(date) IN (12, 1, 2) THEN 'winter' ELSE 'other' END AS season FROM read_csv('${csv}')`,
  });
  await call('data:importQuery', {
    name: 'rain2015',
    sql: `SELECT date, precipitation, temp_max, temp_min, wind, weather = 'rain' AS rain,
      CASE WHEN month(date) IN (12, 1, 2) THEN 'winter' ELSE 'other' END AS season FROM read_csv('${csv}')
      WHERE year(date) = 2015`,
  });
  await call('data:import', { path: vega('cars.json'), name: 'cars' });
  good = await call('train:run', { config: rain() });
  weak = await call('train:run', {
    config: rain({
      features: ['wind'],
      training: { epochs: 2, learningRate: 0.001, batchSize: 32 },
    }),
  });
});
afterAll(async () => {
  await services.close();
  t.remove();
});

describe('evaluation', () => {
  it("scores a run's test rows with every metric, beside the baseline, with slices, fairness and importance", async () => {
    const e = await call('eval:run', { target: good.id.slice(0, 10), sensitive: ['season'] });
    expect(e.split).toBe('test');
    expect(e.rows).toBe(Number(good.params['rows.test']));
    expect(e.classes).toEqual(['false', 'true']);
    expect(e.metrics.roc_auc).toBeGreaterThan(0.85);
    expect(e.baseline.metrics.roc_auc).toBe(0.5);
    expect(e.metrics.log_loss!).toBeLessThan(e.baseline.metrics.log_loss!);
    const cm = e.confusionMatrix!;
    expect(cm.flat().reduce((a, b) => a + b, 0)).toBe(e.rows);
    expect(e.metrics.accuracy).toBeCloseTo((cm[0]![0]! + cm[1]![1]!) / e.rows, 12);
    expect(e.perClass.map((c) => c.support)).toEqual([
      cm[0]![0]! + cm[0]![1]!,
      cm[1]![0]! + cm[1]![1]!,
    ]);
    expect(e.curves.roc!.at(0)).toMatchObject({ x: 0, y: 0 });
    expect(e.curves.roc!.at(-1)).toMatchObject({ x: 1, y: 1 });
    expect(e.thresholds!.maxF1.f1).toBeGreaterThanOrEqual(e.thresholds!.default.f1);
    // Slices worst first; fairness by season; importance largest first with a spread.
    const deltas = e.slices.map((s) => s.delta!);
    expect(deltas).toEqual([...deltas].sort((a, b) => a - b));
    expect(e.slices.some((s) => s.column === 'precipitation')).toBe(true);
    expect(e.fairness).toHaveLength(1);
    expect(e.fairness[0]!.groups.map((g) => g.group).sort()).toEqual(['other', 'winter']);
    const rates = e.fairness[0]!.groups.map((g) => g.selectionRate!);
    expect(e.fairness[0]!.demographicParityDifference).toBeCloseTo(
      Math.max(...rates) - Math.min(...rates),
      12,
    );
    expect(e.importance.map((i) => i.column).sort()).toEqual([
      'precipitation',
      'season',
      'temp_max',
      'temp_min',
      'wind',
    ]);
    const means = e.importance.map((i) => i.mean);
    expect(means).toEqual([...means].sort((a, b) => b - a));
    expect(e.importance.every((i) => i.std >= 0)).toBe(true);
    expect(e.passed).toBeNull();
    // Stored: get, list, and the HTML report.
    expect((await call('eval:get', { id: e.id.slice(0, 8) })).metrics).toEqual(e.metrics);
    expect((await call('eval:list', { target: good.id })).map((x) => x.id)).toContain(e.id);
    const { html } = await call('eval:html', { id: e.id });
    expect(html).toMatch(/<svg/);
    expect(html).not.toMatch(/<script|https?:\/\//);
  });

  it('scores every row of another dataset version, and a regression model against the mean', async () => {
    const e = await call('eval:run', { target: good.id, data: 'rain2015', importanceRepeats: 0 });
    expect(e.split).toBe('all');
    expect(e.dataset).toBe('rain2015@1');
    expect(e.rows).toBe(365);
    expect(e.importance).toEqual([]);
    const cars = await call('train:run', {
      config: {
        dataset: 'cars',
        target: 'Miles_per_Gallon',
        task: 'regression',
        features: ['Horsepower', 'Weight_in_lbs', 'Cylinders', 'Origin'],
        model: { type: 'linear' },
        training: { epochs: 40, learningRate: 0.05, batchSize: 16 },
        split: { testFraction: 0.2 },
      },
    });
    const r = await call('eval:run', { target: cars.id });
    expect(r.metrics.r2).toBeGreaterThan(0.5);
    expect(r.baseline.metrics.r2).toBeCloseTo(0, 12);
    expect(r.metrics.rmse).toBeCloseTo(Math.sqrt(r.metrics.mse!), 12);
    expect(r.curves.residuals!.reduce((a, b) => a + b.count, 0)).toBe(r.rows);
    expect(r.curves.predictedVsActual).toHaveLength(r.rows);
    expect(r.slices.every((s) => s.metric === 'mae')).toBe(true);
  });

  it('draws a learning curve whose full-data point is the run itself', async () => {
    const e = await call('eval:run', {
      target: good.id,
      importanceRepeats: 0,
      learningCurve: [1, 0.15],
    });
    const curve = e.learningCurve!;
    expect(curve.map((p) => p.fraction)).toEqual([0.15, 1]);
    expect(curve[0]!.rows).toBe(Math.round(Number(good.params['rows.train']) * 0.15));
    expect(curve[1]!.rows).toBe(Number(good.params['rows.train']));
    expect(curve.every((p) => p.metric === 'roc_auc')).toBe(true);
    // Trained again on every row with the same seed: the same model, so the same AUC.
    expect(curve[1]!.value).toBe(e.metrics.roc_auc);
  });

  it('compares two registered versions on the same held-out rows', async () => {
    await call('models:register', { runId: good.id, name: 'cmp' });
    await call('models:register', { runId: weak.id, name: 'cmp' });
    const c = await call('models:compare', { a: 'cmp@1', b: 'cmp@2' });
    const ev = c.evaluation!;
    expect(ev).toMatchObject({ dataset: 'rain', datasetVersion: 1, split: 'test' });
    // The generated card carries the latest evaluation's held-out metrics and fairness results.
    await call('eval:run', { target: 'cmp@1', sensitive: ['season'], importanceRepeats: 0 });
    const card = await call('models:card:get', { ref: 'cmp@1' });
    expect(card.card.metrics).toMatch(/\(test\)/);
    expect(card.card.metrics).toMatch(/\| roc_auc \| 0\.\d+ \| 0\.5000 \|/);
    expect(card.card.fairness).toMatch(/By `season`.*demographic parity difference/);
    const auc = ev.metrics.find((m) => m.key === 'roc_auc')!;
    expect(auc.a).toBe(
      (await call('eval:run', { target: good.id, importanceRepeats: 0 })).metrics.roc_auc,
    );
    expect(auc.better).toBe('a');
    expect(ev.metrics.find((m) => m.key === 'log_loss')!.better).toBe('a');
  });

  it('names what it cannot evaluate', async () => {
    expect((await failure('eval:run', { target: 'nosuch@champion' })).code).toBe('NOT_FOUND');
    const cv = await call('train:run', {
      config: rain({ crossValidation: { folds: 2 }, training: { epochs: 1 } }),
    });
    expect((await failure('eval:run', { target: cv.id })).message).toMatch(
      /is a cross-validation: it has no single model/,
    );
    expect((await failure('eval:run', { target: good.id, sensitive: ['nope'] })).message).toMatch(
      /column 'nope' not in the evaluation data/,
    );
    expect((await failure('eval:run', { target: good.id, data: 'cars' })).message).toMatch(
      /'rain'/,
    );
  });
});

describe('gates', () => {
  it('records every gate with what was observed, and blocks a promotion that fails one', async () => {
    await call('gates:set', {
      project: 'Default',
      policy: {
        metrics: [{ metric: 'roc_auc', min: 0.8 }],
        baseline: { metric: 'log_loss', margin: 0.05 },
        champion: { test: 'bootstrap', alpha: 0.05, iterations: 500 },
        fairness: [{ column: 'season', metric: 'demographic_parity_difference', max: 0.9 }],
        segments: [{ column: 'season', segment: 'winter', min: 0.5 }],
      },
      reason: 'launch criteria',
    });
    await call('models:register', { runId: good.id, name: 'rainy' });
    const first = await call('eval:run', { target: 'rainy@1' });
    expect(first.model).toEqual({ name: 'rainy', version: 1 });
    expect(first.gates.map((g) => g.gate)).toEqual([
      'metric:roc_auc',
      'fairness:season:demographic_parity_difference',
      'baseline:log_loss',
      'segment:season=winter',
      'champion:bootstrap',
    ]);
    expect(first.gates.find((g) => g.gate === 'champion:bootstrap')!.detail).toMatch(
      /no champion yet/,
    );
    expect(first.passed).toBe(true);
    await call('models:alias', { ref: 'rainy@1', alias: 'champion' });

    await call('models:register', { runId: weak.id, name: 'rainy' });
    const second = await call('eval:run', { target: 'rainy@2' });
    const failed = second.gates.filter((g) => !g.passed).map((g) => g.gate);
    expect(failed).toContain('metric:roc_auc');
    expect(failed).toContain('champion:bootstrap');
    expect(second.gates.find((g) => g.gate === 'champion:bootstrap')!.detail).toMatch(
      /vs rainy@1: accuracy difference -/,
    );
    expect(second.passed).toBe(false);
    const blocked = await failure('models:alias', { ref: 'rainy@2', alias: 'champion' });
    expect(blocked.code).toBe('GATE_FAILED');
    expect(blocked.message).toMatch(/roc_auc ≥ 0.8000/);
    expect((await call('models:version', { ref: 'rainy@champion' })).version).toBe(1);
    const moved = await call('models:alias', {
      ref: 'rainy@2',
      alias: 'champion',
      override: 'shadow test needs it as champion for a day',
    });
    expect(moved.version).toBe(2);
    const history = await call('models:history', { name: 'rainy' });
    expect(JSON.stringify(history)).toMatch(/override/);

    // McNemar on the same rows agrees that the weak model is worse than the good one.
    await call('gates:set', { project: 'Default', policy: { champion: { test: 'mcnemar' } } });
    await call('models:alias', {
      ref: 'rainy@1',
      alias: 'champion',
      override: 'back to the good one',
    });
    const paired = await call('eval:run', { target: 'rainy@2', importanceRepeats: 0 });
    const m = paired.gates[0]!;
    expect(m.gate).toBe('champion:mcnemar');
    expect(m.passed).toBe(false);
    expect(m.observed!).toBeLessThan(0.05);
    await call('gates:set', { project: 'Default', policy: null });
    expect((await call('gates:get', { project: 'Default' })).policy).toBeNull();
  });

  it('fails the champion gate, naming why, when the champion cannot score the same rows', async () => {
    const cars = await call('train:run', {
      config: {
        dataset: 'cars',
        target: 'Miles_per_Gallon',
        task: 'regression',
        features: ['Horsepower', 'Weight_in_lbs'],
        model: { type: 'linear' },
        training: { epochs: 2, learningRate: 0.05 },
        split: { testFraction: 0.2 },
      },
    });
    await call('models:register', { runId: cars.id, name: 'mixed' });
    await call('models:register', { runId: good.id, name: 'mixed' });
    await call('models:alias', { ref: 'mixed@1', alias: 'champion', override: 'test setup' });
    await call('gates:set', { project: 'Default', policy: { champion: { test: 'bootstrap' } } });
    try {
      const e = await call('eval:run', { target: 'mixed@2', importanceRepeats: 0 });
      expect(e.passed).toBe(false);
      expect(e.gates[0]!.detail).toMatch(
        /the champion \(mixed@1\) cannot score these rows: .*Miles_per_Gallon/,
      );
    } finally {
      await call('gates:set', { project: 'Default', policy: null });
    }
  });

  it('names a bad policy field', async () => {
    const bad = await failure('gates:set', {
      project: 'Default',
      policy: { metrics: [{ metric: 'roc_auc' }] },
    });
    expect(bad.message).toMatch(/give min, max or both/);
    const unknown = await failure('gates:set', {
      project: 'Default',
      policy: { champion: { test: 'ttest' } },
    });
    expect(unknown.message).toMatch(/champion\.test/);
  });
});
