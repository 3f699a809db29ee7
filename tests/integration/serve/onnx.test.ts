// ONNX export and the package predictor against the model training saved: real models trained through the
// services, registered, packaged; onnxruntime must give what tfjs gives, and what evaluation computes.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelInput, ModelVersion, Run } from '../../../shared/contract';
import { createServices, type Services } from '../../../main/services';
import { createEngine } from '../../../main/data/engine';
import { loadModel, scoreRows, type StoredTarget } from '../../../main/evaluate/predict';
import type { SplitRule } from '../../../main/data/splits';
import { createRowTransformer } from '../../../main/features/row';
import { initBackend } from '../../../main/train/backend';
import { exportOnnx } from '../../../main/serve/onnx-export';
import { readModelPackage, writeModelPackage } from '../../../main/serve/package';
import { loadPredictor } from '../../../main/serve/predictor';
import { ident, literal, toPlain } from '../../../main/workspace/db';
import { contractClient } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';

type Config = ChannelInput<'train:run'>['config'];

const t = tempDir('lathe-onnx-');
let services: Services;
const { call } = contractClient(() => services);
const ROWS = 10_000;

interface Case {
  name: string;
  config: Config;
}

const training = { epochs: 6, batchSize: 32, learningRate: 0.01, validationFraction: 0.25 };
const cases: Case[] = [
  {
    name: 'penguins-mlp',
    config: {
      dataset: 'penguins',
      target: 'Species',
      task: 'multiclass',
      model: { type: 'mlp', hidden: [16, 8], activation: 'gelu', dropout: 0.2, batchNorm: true },
      training,
      seed: 3,
    },
  },
  {
    name: 'rain-linear',
    config: {
      dataset: 'rain',
      target: 'rainy',
      task: 'binary',
      model: { type: 'linear', l2: 0.01 },
      training,
      seed: 4,
    },
  },
  {
    name: 'cars-tanh',
    config: {
      dataset: 'cars',
      target: 'Miles_per_Gallon',
      task: 'regression',
      model: { type: 'mlp', hidden: [12, 6], activation: 'tanh' },
      training,
      seed: 5,
    },
  },
  {
    name: 'cars-elu-bn',
    config: {
      dataset: 'cars',
      target: 'Miles_per_Gallon',
      task: 'regression',
      model: { type: 'mlp', hidden: [12], activation: 'elu', batchNorm: true, dropout: 0.1 },
      training,
      seed: 6,
    },
  },
  {
    name: 'penguins-selu',
    config: {
      dataset: 'penguins',
      target: 'Species',
      task: 'multiclass',
      model: { type: 'mlp', hidden: [8], activation: 'selu' },
      training,
      seed: 7,
    },
  },
];

interface Trained {
  run: Run;
  version: ModelVersion;
  dir: string;
}
const trained = new Map<string, Trained>();

const artifact = async (run: Run, path: string) =>
  services.workspace.artifacts.read(run.artifacts.find((a) => a.path === path)!.sha256);

/** The dataset's rows with a target, in file order, as JSON-like records (dates as ISO text). */
async function records(dataset: string, target: string): Promise<Record<string, unknown>[]> {
  const v = await services.data.resolve(dataset);
  const engine = await createEngine();
  try {
    const cols = v.columns.map((c) =>
      /DATE|TIME/.test(c.type) ? `${ident(c.name)}::VARCHAR AS ${ident(c.name)}` : ident(c.name),
    );
    const r = await engine.columns(
      `SELECT ${cols.join(', ')} FROM read_parquet(${literal(v.storagePath)}, file_row_number = true)
       WHERE ${ident(target)} IS NOT NULL ORDER BY file_row_number`,
    );
    const n = r.values[0]?.length ?? 0;
    return Array.from({ length: n }, (_, i) =>
      Object.fromEntries(r.names.map((name, j) => [name, toPlain(r.values[j]![i])])),
    );
  } finally {
    engine.close();
  }
}

/** `rows` records: the dataset's rows repeated in order. */
const repeat = <T>(xs: T[], rows: number): T[] =>
  Array.from({ length: rows }, (_, i) => xs[i % xs.length]!);

/** tfjs's output for transformed rows, with the head evaluation applies (probabilities or the value). */
async function tfjsPredict(run: Run, x: Float32Array, rows: number, width: number) {
  const model = await loadModel(
    (await artifact(run, 'model/model.json')).toString('utf8'),
    new Uint8Array(await artifact(run, 'model/weights.bin')),
  );
  const target = JSON.parse((await artifact(run, 'target.json')).toString()) as StoredTarget;
  const raw = tf.tidy(() => {
    const out = model.predict(tf.tensor2d(x, [rows, width]), { batchSize: 8192 }) as tf.Tensor;
    return out.dataSync() as Float32Array;
  });
  model.dispose();
  if (target.kind === 'regression')
    return Float64Array.from(raw, (z) => z * target.std + target.mean);
  const k = target.classes.length;
  const probs = new Float64Array(rows * k);
  for (let i = 0; i < rows; i++) {
    if (k === 2) {
      const p = 1 / (1 + Math.exp(-raw[i]!));
      probs[i * 2] = 1 - p;
      probs[i * 2 + 1] = p;
    } else {
      let max = -Infinity;
      for (let c = 0; c < k; c++) max = Math.max(max, raw[i * k + c]!);
      let z = 0;
      for (let c = 0; c < k; c++) z += Math.exp(raw[i * k + c]! - max);
      for (let c = 0; c < k; c++) probs[i * k + c] = Math.exp(raw[i * k + c]! - max) / z;
    }
  }
  return probs;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

beforeAll(async () => {
  await initBackend('cpu');
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  await call('data:import', { path: vega('penguins.json'), name: 'penguins' });
  await call('data:import', { path: vega('cars.json'), name: 'cars' });
  await call('data:importQuery', {
    name: 'rain',
    sql: `SELECT date, precipitation, temp_max, temp_min, wind, weather = 'rain' AS rainy FROM read_csv('${vega('seattle-weather.csv')}')`,
  });
  for (const c of cases) {
    const run = await call('train:run', { config: c.config });
    expect(run.status, `${c.name}: ${run.error ?? ''}`).toBe('finished');
    const version = await call('models:register', { runId: run.id, name: c.name });
    const dir = join(t.dir, 'packages', c.name);
    await writeModelPackage({
      version,
      run,
      artifacts: services.workspace.artifacts,
      dir,
      latheVersion: 'test',
    });
    trained.set(c.name, { run, version, dir });
  }
}, 600_000);
afterAll(async () => {
  await services.close();
  t.remove();
});

describe('ONNX export', () => {
  it.each(cases.map((c) => c.name))(
    '%s: onnxruntime predicts what tfjs and the evaluation path predict, on 10,000 rows',
    async (name) => {
      const { run, version, dir } = trained.get(name)!;
      const predictor = await loadPredictor(dir);
      try {
        expect(predictor.meta).toMatchObject({
          model: name,
          version: version.version,
          runId: run.id,
        });
        const pkg = readModelPackage(dir);
        const rows = await records(run.config.dataset.split('@')[0]!, run.config.target);
        const many = repeat(rows, ROWS);

        // The fitted spec by the TypeScript executor, then the selection: the model's input.
        const transform = createRowTransformer(pkg.fitted);
        const outputs = pkg.fitted.outputs;
        const kept = pkg.fitted.selection?.kept ?? outputs;
        const width = predictor.width;
        expect(width).toBe(kept.length);
        const x = new Float32Array(ROWS * width);
        many.forEach((rec, r) => {
          const v = transform(rec);
          kept.forEach((f, j) => (x[r * width + j] = v[outputs.indexOf(f)]!));
        });

        const onnx = await predictor.predictMatrix(x, ROWS);
        const want = await tfjsPredict(run, x, ROWS, width);
        const target = pkg.target;
        if (target.kind === 'classes') {
          expect(onnx.probabilities).toHaveLength(ROWS * target.classes.length);
          expect(maxDiff(onnx.probabilities!, want)).toBeLessThanOrEqual(1e-5);
          const k = target.classes.length;
          // Each row's probabilities sum to 1 and the prediction is the most probable class.
          for (let r = 0; r < ROWS; r += 997) {
            const p = Array.from(onnx.probabilities!.subarray(r * k, r * k + k));
            expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
            expect(onnx.predictions[r]).toBe(target.classes[p.indexOf(Math.max(...p))]);
          }
        } else {
          expect(onnx.probabilities).toBeNull();
          expect(maxDiff(onnx.predictions as number[], want)).toBeLessThanOrEqual(
            1e-5 * Math.max(1, Math.abs(target.mean)),
          );
        }

        // predictRecords (raw records in) gives the same as the matrix path.
        const viaRecords = await predictor.predictRecords(many.slice(0, 500));
        viaRecords.forEach((p, r) => {
          expect(p.prediction).toEqual(onnx.predictions[r]);
          if (target.kind === 'classes')
            target.classes.forEach((c, i) =>
              expect(p.probabilities![c]).toBeCloseTo(
                onnx.probabilities![r * target.classes.length + i]!,
                6,
              ),
            );
        });

        // The evaluation path (DuckDB executor + tfjs) on every row of the dataset.
        const scored = await scoreRows({
          config: run.config,
          parquetPath: (await services.data.resolve(run.config.dataset)).storagePath,
          columns: (await services.data.resolve(run.config.dataset)).columns,
          fitted: pkg.fitted,
          target,
          rule: JSON.parse((await artifact(run, 'split.json')).toString()) as SplitRule,
          which: 'all',
          model: {
            kind: 'tfjs',
            modelJson: (await artifact(run, 'model/model.json')).toString('utf8'),
            weights: new Uint8Array(await artifact(run, 'model/weights.bin')),
          },
          segmentColumns: [],
          importanceRepeats: 0,
          seed: 1,
        });
        expect(scored.rows).toBe(rows.length);
        const all = await predictor.predictRecords(rows);
        if (target.kind === 'classes') {
          const got = all.flatMap((p) => target.classes.map((c) => p.probabilities![c]!));
          expect(maxDiff(got, scored.probs)).toBeLessThanOrEqual(1e-5);
        } else {
          const got = all.map((p) => p.prediction as number);
          expect(maxDiff(got, scored.predicted)).toBeLessThanOrEqual(
            1e-5 * Math.max(1, Math.abs(target.mean)),
          );
        }
      } finally {
        await predictor.close();
      }
    },
  );

  it('the onnx checker accepts every exported model (full_check)', (ctx) => {
    const probe = spawnSync('/usr/bin/python3', ['-c', 'import onnx'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      ctx.skip(
        `python3-onnx is not importable by /usr/bin/python3 (apt-get install python3-onnx): ${probe.stderr.trim().split('\n').pop() ?? ''}`,
      );
      return;
    }
    for (const { dir } of trained.values()) {
      const file = join(dir, 'model.onnx');
      execFileSync('/usr/bin/python3', [
        '-c',
        'import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)',
        file,
      ]);
    }
  });

  it('a broken package names the file at fault', async () => {
    const { dir } = trained.get('rain-linear')!;
    const copy = join(t.dir, 'broken');
    mkdirSync(copy, { recursive: true });
    for (const f of ['model.onnx', 'fitted.json', 'target.json'])
      writeFileSync(join(copy, f), readFileSync(join(dir, f)));
    const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    writeFileSync(join(copy, 'package.json'), JSON.stringify({ ...meta, version: 'one' }));
    await expect(loadPredictor(copy)).rejects.toThrow(/broken\/package\.json: version/);
    writeFileSync(join(copy, 'package.json'), JSON.stringify(meta));
    writeFileSync(join(copy, 'model.onnx'), Buffer.from('not onnx'));
    await expect(loadPredictor(copy)).rejects.toThrow(/model\.onnx: sha256/);
    await expect(loadPredictor(join(t.dir, 'nowhere'))).rejects.toThrow(
      /nowhere\/package\.json is missing/,
    );
  });

  it('refuses a layer it cannot export, naming it', () => {
    const model = JSON.stringify({
      modelTopology: {
        class_name: 'Sequential',
        config: { layers: [{ class_name: 'Conv1D', config: { name: 'conv1d_1' } }] },
      },
      weightsManifest: [{ weights: [] }],
    });
    expect(() =>
      exportOnnx({
        modelJson: model,
        weights: new Uint8Array(0),
        target: { task: 'regression', column: 'y', kind: 'regression', mean: 0, std: 1 },
        producerVersion: 'test',
      }),
    ).toThrow(/layer conv1d_1 \(Conv1D\)/);
  });
});
