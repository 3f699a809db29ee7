import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelOutput, EvaluationReport, Explanations } from '../../../shared/contract';
import { createServices, type Services } from '../../../main/services';
import { SHAP_MAX_ROWS, SHAP_MAX_STORED } from '../../../main/evaluate/shap-summary';
import { predictRaw, type GbdtModel } from '../../../main/train/gbdt/tree-model';
import { treeShap } from '../../../main/train/gbdt/tree-shap';
import { carsConfig, contractClient, penguinsConfig } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';

const t = tempDir('lathe-evaluate-shap-');
let services: Services;
const { call } = contractClient(() => services);

type Run = ChannelOutput<'train:run'>;
let penguinsGbdt: Run;
let carsGbdt: Run;
let penguinsLinear: Run;
let rainGbdt: Run;
let rainReport: EvaluationReport;
let penguinsReport: EvaluationReport;
let carsReport: EvaluationReport;

const gbdt = { type: 'gbdt' as const, trees: 25, maxDepth: 4, learningRate: 0.3, threads: 1 };

async function artifactJson<T>(run: Run, path: string): Promise<T> {
  const out = await call('runs:artifact', { id: run.id, path, content: true });
  return JSON.parse(Buffer.from(out.contentBase64 ?? '', 'base64').toString('utf8')) as T;
}

/**
 * The model inputs of stored row i, rebuilt from the explanation's values (null: missing) as the float32
 * values the model compares with its thresholds.
 */
function storedRow(e: Explanations, model: GbdtModel, i: number): Float32Array {
  const byName = new Map(e.features.map((f) => [f.feature, f]));
  return Float32Array.from(model.features, (name) => byName.get(name)!.values[i] ?? Number.NaN);
}

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  await call('data:import', { path: vega('penguins.json'), name: 'penguins' });
  await call('data:import', { path: vega('cars.json'), name: 'cars' });
  // A gbdt takes no batch size or epochs: only the validation share of the small runs' training.
  const training = { validationFraction: 0.25 };
  penguinsGbdt = await call('train:run', {
    config: penguinsConfig({ model: gbdt, training, split: { testFraction: 0.3 } }),
  });
  carsGbdt = await call('train:run', {
    config: carsConfig({ model: gbdt, training, split: { testFraction: 0.3 } }),
  });
  const csv = vega('seattle-weather.csv');
  await call('data:importQuery', {
    name: 'rain',
    sql: `SELECT precipitation, temp_max, temp_min, wind, weather = 'rain' AS rain,
      CASE WHEN wind > 4 THEN NULL ELSE temp_min END AS temp_min_calm FROM read_csv('${csv}')`,
  });
  rainGbdt = await call('train:run', {
    config: {
      dataset: 'rain',
      target: 'rain',
      task: 'binary',
      model: gbdt,
      training: { validationFraction: 0.25 },
      split: { testFraction: 0.3 },
      seed: 2,
    },
  });
  penguinsLinear = await call('train:run', {
    config: penguinsConfig({ split: { testFraction: 0.3 } }),
  });
  penguinsReport = await call('eval:run', { target: penguinsGbdt.id, importanceRepeats: 0 });
  carsReport = await call('eval:run', { target: carsGbdt.id, importanceRepeats: 0 });
  rainReport = await call('eval:run', { target: rainGbdt.id, importanceRepeats: 0 });
}, 240_000);

afterAll(async () => {
  await services?.close();
  t.remove();
});

describe('TreeSHAP in the evaluation of a gradient-boosted run', () => {
  it('multiclass: per class, every input ranked, the evaluated rows explained and stored', async () => {
    const e = penguinsReport.explanations!;
    expect(e).toBeDefined();
    const model = await artifactJson<GbdtModel>(penguinsGbdt, 'model/gbdt.json');
    expect(e.outputs).toEqual(penguinsReport.classes);
    expect(e.base).toHaveLength(3);
    expect(e.features.map((f) => f.feature).sort()).toEqual([...model.features].sort());
    expect(e.evaluatedRows).toBe(penguinsReport.rows);
    expect(e.explainedRows).toBe(Math.min(penguinsReport.rows, SHAP_MAX_ROWS));
    expect(e.storedRows).toHaveLength(Math.min(penguinsReport.rows, SHAP_MAX_STORED));
    for (let i = 1; i < e.storedRows.length; i++)
      expect(e.storedRows[i]!).toBeGreaterThan(e.storedRows[i - 1]!);
    expect(e.storedRows[e.storedRows.length - 1]!).toBeLessThan(penguinsReport.rows);
    const sums = e.features.map((f) => f.meanAbs.reduce((a, b) => a + b, 0));
    for (let i = 1; i < sums.length; i++) expect(sums[i]!).toBeLessThanOrEqual(sums[i - 1]!);
    // The model splits on something: the top input moves the output.
    expect(sums[0]!).toBeGreaterThan(0.1);
  });

  it('multiclass: base + SHAP of each stored row is the model output, and each SHAP value exact', async () => {
    const e = penguinsReport.explanations!;
    const model = await artifactJson<GbdtModel>(penguinsGbdt, 'model/gbdt.json');
    const F = model.features.length;
    e.storedRows.forEach((_, i) => {
      const x = storedRow(e, model, i);
      const raw = predictRaw(model, x, 1);
      const exact = treeShap(model, x, 1);
      for (let k = 0; k < 3; k++) {
        const sum = e.base[k]! + e.features.reduce((a, f) => a + f.shap[k]![i]!, 0);
        expect(Math.abs(sum - raw[k]!)).toBeLessThan(1e-4);
        for (const f of e.features) {
          const j = model.features.indexOf(f.feature);
          expect(Math.abs(f.shap[k]![i]! - exact[k * (F + 1) + j]!)).toBeLessThan(1e-5);
        }
      }
    });
  });

  it('the stored values are real rows of the data (numeric inputs pass through the tree spec)', () => {
    const e = penguinsReport.explanations!;
    const rows = JSON.parse(readFileSync(vega('penguins.json'), 'utf8')) as Record<
      string,
      number | string | null
    >[];
    const numeric = e.features.filter((f) => !f.categorical && f.feature in rows[0]!);
    expect(numeric.length).toBeGreaterThanOrEqual(3);
    const key = (vals: (number | string | null | undefined)[]) => JSON.stringify(vals);
    const known = new Set(rows.map((r) => key(numeric.map((f) => r[f.feature] ?? null))));
    e.storedRows.forEach((_, i) => {
      expect(known.has(key(numeric.map((f) => f.values[i] ?? null)))).toBe(true);
    });
  });

  it('binary: one output, the log-odds of the second class, missing values stored as null', async () => {
    const e = rainReport.explanations!;
    expect(e.outputs).toEqual([rainReport.classes[1]]);
    expect(e.units).toBe(`log-odds of “${rainReport.classes[1]}”`);
    const calm = e.features.find((f) => f.feature === 'temp_min_calm')!;
    expect(calm.values).toContain(null);
    const model = await artifactJson<GbdtModel>(rainGbdt, 'model/gbdt.json');
    e.storedRows.forEach((_, i) => {
      const raw = predictRaw(model, storedRow(e, model, i), 1)[0]!;
      const sum = e.base[0]! + e.features.reduce((a, f) => a + f.shap[0]![i]!, 0);
      expect(Math.abs(sum - raw)).toBeLessThan(1e-4);
    });
  });

  it('regression: in the target’s units, summing to the prediction in those units', async () => {
    const e = carsReport.explanations!;
    expect(e.outputs).toEqual(['Miles_per_Gallon']);
    expect(e.units).toBe('Miles_per_Gallon');
    const model = await artifactJson<GbdtModel>(carsGbdt, 'model/gbdt.json');
    const target = await artifactJson<{ mean: number; std: number }>(carsGbdt, 'target.json');
    e.storedRows.forEach((_, i) => {
      const raw = predictRaw(model, storedRow(e, model, i), 1)[0]!;
      const sum = e.base[0]! + e.features.reduce((a, f) => a + f.shap[0]![i]!, 0);
      expect(Math.abs(sum - (raw * target.std + target.mean))).toBeLessThan(1e-3);
    });
  });

  it('is stored with the report, read back the same, and drawn in the HTML report', async () => {
    const again = await call('eval:get', { id: penguinsReport.id });
    expect(again.explanations).toEqual(penguinsReport.explanations);
    const { html } = await call('eval:html', { id: penguinsReport.id });
    expect(html).toContain('<section id="explanations">');
    expect(html).toContain('data-chart="shap-bars"');
    for (let k = 0; k < 3; k++)
      expect(html).toContain(`data-chart="${k === 0 ? 'shap-beeswarm' : `shap-beeswarm-${k}`}"`);
  });

  it('a network or linear model’s report has no explanations section', async () => {
    const report = await call('eval:run', { target: penguinsLinear.id, importanceRepeats: 0 });
    expect(report.explanations).toBeUndefined();
    const { html } = await call('eval:html', { id: report.id });
    expect(html).not.toContain('id="explanations"');
  });
});
