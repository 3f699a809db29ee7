// Gradient-boosted versions everywhere a model goes: GBDT runs trained through the services (binary,
// multiclass, regression; nulls and native categories), registered, packaged as ONNX tree ensembles.
// onnxruntime must give what the trainer's trees give (predictRaw) within 1e-6 on 10,000 rows, and batch
// prediction, the REST server and a Docker export run with plain node must answer the same.
import { execFileSync, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelInput, ModelVersion, Run } from '../../../shared/contract';
import type { FittedFeatureSpec } from '../../../shared/contract/features';
import { createServices, type Services } from '../../../main/services';
import { createRowTransformer } from '../../../main/features/row';
import { readModelPackage } from '../../../main/serve/package';
import { loadPredictor } from '../../../main/serve/predictor';
import type { GbdtModel } from '../../../main/train/gbdt/tree-model';
import { contractClient, importPenguins } from '../../helpers/services';
import { headOutputs, trainRegisterAndPackage } from '../../helpers/gbdt';
import { startServerCjs } from '../../helpers/server-process';
import { tempDir, vega } from '../../helpers/workspace';

type Config = ChannelInput<'train:run'>['config'];

const t = tempDir('lathe-gbdt-serve-');
let services: Services;
const { call } = contractClient(() => services);
const children: ChildProcess[] = [];
const ROWS = 10_000;

const gbdt = { type: 'gbdt' as const, trees: 30, learningRate: 0.3, maxDepth: 4, threads: 1 };
const cases: { name: string; config: Config; records: () => Record<string, unknown>[] }[] = [
  {
    name: 'sex',
    config: { dataset: 'sexes', target: 'Sex', task: 'binary', model: gbdt, seed: 1 },
    records: () => penguins().filter((p) => p.Sex === 'MALE' || p.Sex === 'FEMALE'),
  },
  {
    name: 'species',
    config: { dataset: 'penguins', target: 'Species', task: 'multiclass', model: gbdt, seed: 2 },
    records: () => penguins(),
  },
  {
    name: 'mpg',
    config: {
      dataset: 'cars',
      target: 'Miles_per_Gallon',
      task: 'regression',
      model: { ...gbdt, trees: 60 },
      seed: 3,
    },
    records: () =>
      (JSON.parse(readFileSync(vega('cars.json'), 'utf8')) as Record<string, unknown>[]).filter(
        (c) => c.Miles_per_Gallon !== null,
      ),
  },
];
const penguins = () =>
  JSON.parse(readFileSync(vega('penguins.json'), 'utf8')) as Record<string, unknown>[];

let trained = new Map<string, { run: Run; version: ModelVersion }>();

const artifact = (run: Run, path: string) =>
  readFileSync(
    services.workspace.artifacts.pathOf(run.artifacts.find((a) => a.path === path)!.sha256),
    'utf8',
  );

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  await importPenguins(services);
  await call('data:import', { path: vega('cars.json'), name: 'cars' });
  await call('data:importQuery', {
    name: 'sexes',
    sql: `SELECT * FROM read_json('${vega('penguins.json')}') WHERE Sex IN ('MALE', 'FEMALE')`,
  });
  trained = await trainRegisterAndPackage(services, cases, join(t.dir, 'packages'));
}, 300_000);
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await services?.close();
  t.remove();
});

describe('GBDT versions: ONNX, serving, batch, Docker', () => {
  it.each(cases.map((c) => c.name))(
    '%s: the package (ONNX trees) predicts what the trainer predicts, within 1e-6 on 10,000 rows',
    async (name) => {
      const { run } = trained.get(name)!;
      const c = cases.find((x) => x.name === name)!;
      const dir = join(t.dir, 'packages', name);
      const pkg = readModelPackage(dir);
      const model = JSON.parse(artifact(run, 'model/gbdt.json')) as GbdtModel;
      const fitted = JSON.parse(artifact(run, 'features/fitted.json')) as FittedFeatureSpec;
      expect(fitted.missing).toBe('nan');
      const predictor = await loadPredictor(dir);
      try {
        const all = c.records();
        const many = Array.from({ length: ROWS }, (_, i) => all[i % all.length]!);
        const transform = createRowTransformer(pkg.fitted);
        const kept = pkg.fitted.selection?.kept ?? pkg.fitted.outputs;
        expect(kept).toEqual(model.features);
        const width = kept.length;
        const x = new Float32Array(ROWS * width);
        many.forEach((rec, r) => {
          const v = transform(rec);
          kept.forEach((f, j) => (x[r * width + j] = v[pkg.fitted.outputs.indexOf(f)]!));
        });
        // The rows exercise categories (all three tables have string columns) and missing values
        // (penguins' and cars' nulls; the sexes table has none left).
        expect(model.categorical.length).toBeGreaterThan(0);
        expect(x.some((v) => Number.isNaN(v))).toBe(name !== 'sex');
        const got = await predictor.predictMatrix(x, ROWS);
        const want = headOutputs(model, pkg.target, x, ROWS);
        let worst = 0;
        if (pkg.target.kind === 'classes') {
          for (let i = 0; i < want.length; i++)
            worst = Math.max(worst, Math.abs(got.probabilities![i]! - want[i]!));
        } else
          for (let i = 0; i < ROWS; i++)
            worst = Math.max(
              worst,
              Math.abs((got.predictions[i] as number) - want[i]!) / Math.max(1, Math.abs(want[i]!)),
            );
        expect(worst).toBeLessThanOrEqual(1e-6);
        // Records in (the row transformer inside the predictor) give the same as the matrix.
        const viaRecords = await predictor.predictRecords(many.slice(0, 300));
        viaRecords.forEach((p, r) => expect(p.prediction).toEqual(got.predictions[r]));
      } finally {
        await predictor.close();
      }
    },
  );

  it('the onnx checker accepts the trained models (full_check)', (ctx) => {
    const probe = spawnSync('/usr/bin/python3', ['-c', 'import onnx'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      ctx.skip(
        `python3-onnx is not importable by /usr/bin/python3 (apt-get install python3-onnx): ${probe.stderr.trim().split('\n').pop() ?? ''}`,
      );
      return;
    }
    execFileSync('/usr/bin/python3', [
      '-c',
      'import onnx,sys\nfor f in sys.argv[1:]: onnx.checker.check_model(onnx.load(f), full_check=True)',
      ...cases.map((c) => join(t.dir, 'packages', c.name, 'model.onnx')),
    ]);
  });

  it('batch prediction, the REST server and a Docker export run with plain node answer alike', async () => {
    const cars = cases[2]!.records().slice(0, 50);
    const penguinRows = penguins().slice(0, 50);
    // Batch: the SQL executor of the fitted spec (nulls as NaN) feeding the ONNX trees.
    const input = join(t.dir, 'penguins.json');
    writeFileSync(input, JSON.stringify(penguinRows.map((p, i) => ({ id: `p${i}`, ...p }))));
    const output = join(t.dir, 'species.csv');
    const batch = await call('predict:batch', { model: 'species', input, output, idColumn: 'id' });
    expect(batch.rows).toBe(50);
    const lines = readFileSync(output, 'utf8').trim().split('\n');
    const header = lines[0]!.split(',');
    const classes = trained.get('species')!.version.signature!.output.classes!;
    expect(header).toEqual(['id', 'prediction', ...classes.map((c) => `probability_${c}`)]);

    const server = await call('serve:start', { ref: 'species' });
    let served: { prediction: unknown; probabilities: Record<string, number> }[];
    try {
      const r = await fetch(`${server.url}/v1/models/species/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ records: penguinRows }),
      });
      expect(r.status).toBe(200);
      served = ((await r.json()) as { predictions: typeof served }).predictions;
    } finally {
      await call('serve:stop', { id: server.id });
    }
    lines.slice(1).forEach((line, i) => {
      const cells = line.split(',');
      expect(cells[0]).toBe(`p${i}`);
      expect(cells[1]).toBe(served[i]!.prediction);
      classes.forEach((c, j) =>
        expect(Number(cells[2 + j])).toBeCloseTo(served[i]!.probabilities[c]!, 6),
      );
    });

    // Docker: the exported context's server.cjs, run with plain node from outside the workspace.
    const ctx = await call('export:docker', { ref: 'mpg', out: join(t.dir, 'ctx') });
    expect(ctx.files).toContain('model/model.onnx');
    const { child, ready } = await startServerCjs(ctx.dir, children);
    expect(ready).toMatchObject({ type: 'listening', model: 'mpg', version: 1 });
    const inDocker = await fetch(`${String(ready.url)}/v1/models/mpg/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ records: cars }),
    });
    expect(inDocker.status).toBe(200);
    const dockerAnswer = (await inDocker.json()) as { predictions: { prediction: number }[] };
    const local = await loadPredictor(join(t.dir, 'packages', 'mpg'));
    try {
      const want = await local.predictRecords(cars);
      dockerAnswer.predictions.forEach((p, i) =>
        expect(p.prediction).toBeCloseTo(want[i]!.prediction as number, 4),
      );
    } finally {
      await local.close();
    }
    child.kill('SIGTERM');
  });
});
