// "explain": true on the prediction server, over real runs: gradient-boosted models trained through the
// services (binary, multiclass, regression), registered, packaged and served answer TreeSHAP
// contributions that add up to their own scores and equal treeShap over the transformed rows; a linear
// model and a package without trees answer 400 naming explain; a bad flag 422; plain requests answer as
// before and the log keeps predictions only; the Docker context carries gbdt.json and explains too.
import type { ChildProcess } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelInput, ModelVersion, Run } from '../../../shared/contract';
import { createServices, type Services } from '../../../main/services';
import { exportDocker } from '../../../main/serve/docker-export';
import { writeModelPackage } from '../../../main/serve/package';
import { packageOf, type PackageDeps } from '../../../main/serve/packaged-model';
import { parsePredictBody, recordSchema } from '../../../main/serve/openapi';
import { loadPredictor } from '../../../main/serve/predictor';
import { createPredictionLog, type PredictionLogRow } from '../../../main/serve/prediction-log';
import { startPredictServer, type PredictServer } from '../../../main/serve/server';
import type { Predictor } from '../../../main/serve/types';
import { createRowTransformer } from '../../../main/features/row';
import type { GbdtModel } from '../../../main/train/gbdt/tree-model';
import { treeShap } from '../../../main/train/gbdt/tree-shap';
import { startServerCjs } from '../../helpers/server-process';
import { contractClient } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';

type Config = ChannelInput<'train:run'>['config'];

const t = tempDir('lathe-explain-');
let services: Services;
const { call } = contractClient(() => services);

const gbdt = { type: 'gbdt' as const, trees: 15, maxDepth: 4 };
const cases: { name: string; config: Config }[] = [
  {
    name: 'rain',
    config: { dataset: 'rain', target: 'rainy', task: 'binary', model: gbdt, seed: 2 },
  },
  {
    name: 'penguins',
    config: { dataset: 'penguins', target: 'Species', task: 'multiclass', model: gbdt, seed: 3 },
  },
  {
    name: 'cars',
    config: {
      dataset: 'cars',
      target: 'Miles_per_Gallon',
      task: 'regression',
      model: gbdt,
      seed: 4,
    },
  },
  {
    name: 'cars-linear',
    config: {
      dataset: 'cars',
      target: 'Miles_per_Gallon',
      task: 'regression',
      model: { type: 'linear' },
      training: { epochs: 2, batchSize: 32, learningRate: 0.01 },
      seed: 5,
    },
  },
];

interface Served {
  run: Run;
  version: ModelVersion;
  dir: string;
  predictor: Predictor;
  records: Record<string, unknown>[];
}
const served = new Map<string, Served>();
let server: PredictServer;
const logged: PredictionLogRow[] = [];
const children: ChildProcess[] = [];

/** A few rows of the dataset as a client would send them (dates as ISO text, nulls kept). */
function recordsOf(name: string): Record<string, unknown>[] {
  if (name === 'rain')
    return [
      { date: '2012-01-02', precipitation: 10.9, temp_max: 10.6, temp_min: 2.8, wind: 4.5 },
      { date: '2012-06-03', precipitation: 0, temp_max: 21.1, temp_min: 11.7, wind: 2.1 },
      { date: '2013-11-20', precipitation: null, temp_max: 8, temp_min: null, wind: 3 },
    ];
  const rows = JSON.parse(readFileSync(vega(`${name}.json`), 'utf8')) as Record<string, unknown>[];
  return [rows[0]!, rows[7]!, rows[60]!, rows[rows.length - 1]!];
}

const post = async (url: string, model: string, body: unknown) => {
  const r = await fetch(`${url}/v1/models/${model}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as Answer };
};

interface Explained {
  prediction: string | number;
  probabilities?: Record<string, number>;
  contributions?: Record<string, number> | Record<string, Record<string, number>>;
  base?: number | Record<string, number>;
}
interface Answer {
  prediction?: unknown;
  predictions: Explained[];
  error?: string;
  code?: string;
  fields?: { field: string; message: string }[];
}

const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

beforeAll(async () => {
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
    const records = recordsOf(c.config.dataset);
    served.set(c.name, { run, version, dir, predictor: await loadPredictor(dir), records });
  }
  const log = createPredictionLog(
    {
      write: async ({ lines }) =>
        void logged.push(
          ...lines
            .toString('utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as PredictionLogRow),
        ),
    },
    { flushMs: 10, maxRows: 10 },
  );
  server = await startPredictServer({
    models: [...served].map(([name, s]) => ({ name, champion: s.predictor })),
    port: 0,
    log,
  });
}, 600_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await server?.close();
  await services?.close();
  t.remove();
});

/** The run's trees and the transformed rows of `records`, as the package predictor builds them. */
async function treesAndRows(s: Served) {
  const read = async (path: string) =>
    services.workspace.artifacts.read(s.run.artifacts.find((a) => a.path === path)!.sha256);
  const model = JSON.parse((await read('model/gbdt.json')).toString('utf8')) as GbdtModel;
  const fitted = JSON.parse((await read('features/fitted.json')).toString('utf8')) as Parameters<
    typeof createRowTransformer
  >[0];
  const transform = createRowTransformer(fitted);
  const kept = fitted.selection?.kept ?? fitted.outputs;
  const x = new Float32Array(s.records.length * kept.length);
  s.records.forEach((rec, r) => {
    const row = transform(rec);
    kept.forEach((name, j) => (x[r * kept.length + j] = row[fitted.outputs.indexOf(name)]!));
  });
  return { model, x };
}

describe('explain on the prediction server', () => {
  it.each(['rain', 'penguins', 'cars'])(
    '%s (gbdt): contributions per feature add up to the score and equal treeShap of the rows',
    async (name) => {
      const s = served.get(name)!;
      const { model, x } = await treesAndRows(s);
      expect(readFileSync(join(s.dir, 'gbdt.json'))).toEqual(
        await services.workspace.artifacts.read(
          s.run.artifacts.find((a) => a.path === 'model/gbdt.json')!.sha256,
        ),
      );
      const plain = await post(server.url, name, { records: s.records });
      const r = await post(server.url, name, { records: s.records, explain: true });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(plain.status).toBe(200);
      // Plain answers are unchanged; explained ones add contributions and base only.
      for (const p of plain.body.predictions) expect(Object.keys(p).sort()).not.toContain('base');
      expect(
        r.body.predictions.map(({ prediction, probabilities }) => ({ prediction, probabilities })),
      ).toEqual(plain.body.predictions.map((p) => ({ probabilities: undefined, ...p })));

      const target = s.version.signature!.output;
      const phi = treeShap(model, x, s.records.length);
      const m = model.features.length;
      const k = model.outputs;
      r.body.predictions.forEach((p, row) => {
        if (target.task === 'multiclass') {
          const classes = target.classes!;
          const contributions = p.contributions as Record<string, Record<string, number>>;
          const base = p.base as Record<string, number>;
          expect(Object.keys(contributions)).toEqual(classes);
          const logits = classes.map((c) => base[c]! + sum(contributions[c]!));
          const top = Math.max(...logits);
          const z = logits.reduce((a, l) => a + Math.exp(l - top), 0);
          classes.forEach((c, i) => {
            expect(Object.keys(contributions[c]!)).toEqual(model.features);
            expect(Math.exp(logits[i]! - top) / z).toBeCloseTo(p.probabilities![c]!, 5);
            model.features.forEach((f, j) =>
              expect(contributions[c]![f]).toBe(phi[(row * k + i) * (m + 1) + j]),
            );
          });
        } else {
          const contributions = p.contributions as Record<string, number>;
          const base = p.base as number;
          expect(Object.keys(contributions)).toEqual(model.features);
          const score = base + sum(contributions);
          if (target.task === 'binary') {
            expect(1 / (1 + Math.exp(-score))).toBeCloseTo(
              p.probabilities![target.classes![1]!]!,
              5,
            );
            model.features.forEach((f, j) => expect(contributions[f]).toBe(phi[row * (m + 1) + j]));
          } else {
            expect(Math.abs(score - (p.prediction as number))).toBeLessThan(
              1e-5 * Math.max(1, Math.abs(score)),
            );
            const std = (
              JSON.parse(readFileSync(join(s.dir, 'target.json'), 'utf8')) as {
                std: number;
              }
            ).std;
            model.features.forEach((f, j) =>
              expect(contributions[f]).toBeCloseTo(phi[row * (m + 1) + j]! * std, 9),
            );
          }
        }
      });
      // Some feature carries a real share: the answer is not all base.
      const first: Record<string, number | Record<string, number>> =
        r.body.predictions[0]!.contributions!;
      const values = Object.values(first).flatMap((v): number[] =>
        typeof v === 'number' ? [v] : Object.values(v),
      );
      expect(values.some((v) => Math.abs(v) > 1e-3)).toBe(true);
    },
  );

  it('explains a request of many records (in slices) in order, as treeShap explains them', async () => {
    const s = served.get('penguins')!;
    const all = JSON.parse(readFileSync(vega('penguins.json'), 'utf8')) as Record<
      string,
      unknown
    >[];
    const { model, x } = await treesAndRows({ ...s, records: all });
    const phi = treeShap(model, x, all.length);
    const r = await post(server.url, 'penguins', { records: all, explain: true });
    expect(r.status).toBe(200);
    const plain = await post(server.url, 'penguins', { records: all });
    expect(r.body.predictions.map((p) => p.prediction)).toEqual(
      plain.body.predictions.map((p) => p.prediction),
    );
    const classes = s.version.signature!.output.classes!;
    const m = model.features.length;
    r.body.predictions.forEach((p, row) => {
      const contributions = p.contributions as Record<string, Record<string, number>>;
      classes.forEach((c, i) =>
        model.features.forEach((f, j) =>
          expect(
            Math.abs(contributions[c]![f]! - phi[(row * classes.length + i) * (m + 1) + j]!),
          ).toBeLessThan(1e-12),
        ),
      );
    });
  });

  it('explains a single record sent with "explain": true; the log keeps predictions only', async () => {
    const s = served.get('penguins')!;
    const r = await post(server.url, 'penguins', { ...s.records[0], explain: true });
    expect(r.status).toBe(200);
    expect(r.body.prediction).toBe(r.body.predictions[0]!.prediction);
    expect(r.body.predictions[0]!.contributions).toBeDefined();
    await expect
      .poll(() => logged.filter((l) => l.model === 'penguins').length)
      .toBeGreaterThanOrEqual(1);
    for (const row of logged)
      for (const p of row.predictions) {
        expect(p).not.toHaveProperty('contributions');
        expect(p).not.toHaveProperty('base');
      }
  });

  it('a linear model answers 400 naming explain, with a code and no stack', async () => {
    const s = served.get('cars-linear')!;
    const r = await post(server.url, 'cars-linear', { records: s.records, explain: true });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('INVALID_INPUT');
    expect(r.body.error).toBe(
      'explain: explanations need a tree model (gbdt); this model is linear',
    );
    expect(r.body.fields).toEqual([
      { field: 'explain', message: 'explanations need a tree model (gbdt)' },
    ]);
    expect(JSON.stringify(r.body)).not.toMatch(/\n\s+at /);
    expect((await post(server.url, 'cars-linear', { records: s.records })).status).toBe(200);
  });

  it('under a canary without trees, explanations come from the champion that has them', async () => {
    const s = served.get('cars')!;
    const both = await startPredictServer({
      models: [
        {
          name: 'cars',
          // Own predictors: closing this server closes them.
          champion: await loadPredictor(s.dir),
          canary: { predictor: await loadPredictor(served.get('cars-linear')!.dir), percent: 99 },
        },
      ],
      port: 0,
    });
    try {
      const expected = (await post(server.url, 'cars', { records: s.records, explain: true })).body
        .predictions;
      let plainFromCanary = 0;
      for (let i = 0; i < 8; i++) {
        const r = await post(both.url, 'cars', { records: s.records, explain: true });
        expect(r.status).toBe(200);
        expect(r.body.predictions).toEqual(expected);
        const plain = await post(both.url, 'cars', { records: s.records });
        if (
          JSON.stringify(plain.body.predictions) !==
          JSON.stringify(expected.map(({ prediction }) => ({ prediction })))
        )
          plainFromCanary++;
      }
      // Plain requests still follow the split (99 % to the linear canary).
      expect(plainFromCanary).toBeGreaterThan(0);
    } finally {
      await both.close();
    }
  });

  it('"explain" that is not true or false is 422 naming the field; null is not asking', async () => {
    const s = served.get('cars')!;
    for (const explain of ['yes', 1, 'true', {}]) {
      const r = await post(server.url, 'cars', { records: s.records, explain });
      expect(r.status).toBe(422);
      expect(r.body.fields?.[0]?.field).toBe('explain');
    }
    const r = await post(server.url, 'cars', { records: s.records, explain: null });
    expect(r.status).toBe(200);
    expect(r.body.predictions[0]).not.toHaveProperty('contributions');
  });

  it('an old package of a tree model (no gbdt.json) still serves; explain is refused with 400', async () => {
    const s = served.get('cars')!;
    const old = join(t.dir, 'old-cars');
    cpSync(s.dir, old, { recursive: true });
    rmSync(join(old, 'gbdt.json'));
    const meta = JSON.parse(readFileSync(join(old, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    delete meta.gbdtSha256;
    delete meta.modelType;
    writeFileSync(join(old, 'package.json'), JSON.stringify(meta));
    const predictor = await loadPredictor(old);
    expect('explainRecords' in predictor).toBe(false);
    const one = await startPredictServer({
      models: [{ name: 'cars', champion: predictor }],
      port: 0,
    });
    try {
      const plain = await post(one.url, 'cars', { records: s.records });
      expect(plain.status).toBe(200);
      expect(plain.body.predictions).toEqual(
        (await post(server.url, 'cars', { records: s.records })).body.predictions,
      );
      const r = await post(one.url, 'cars', { records: s.records, explain: true });
      expect(r.status).toBe(400);
      expect(r.body.error).toMatch(
        /^explain: explanations need a tree model \(gbdt\).*no gbdt\.json/,
      );
    } finally {
      await one.close();
    }
  });

  it('the workspace cache (lathe serve) writes a package from before gbdt.json again, and reuses a current one', async () => {
    const deps: PackageDeps = {
      registry: services.registry,
      tracking: services.tracking,
      artifacts: services.workspace.artifacts,
      tmpDir: services.workspace.paths.tmp,
      packagesDir: services.workspace.paths.packages,
    };
    const first = await packageOf(deps, 'penguins@1');
    const metaFile = join(first.dir, 'package.json');
    const gbdtFile = join(first.dir, 'gbdt.json');
    expect(readFileSync(gbdtFile)).toEqual(
      readFileSync(join(served.get('penguins')!.dir, 'gbdt.json')),
    );
    // A current package is reused as it is (a marker in its package.json survives).
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(metaFile, JSON.stringify({ ...meta, createdAt: 'marker' }));
    await packageOf(deps, 'penguins@1');
    expect(JSON.parse(readFileSync(metaFile, 'utf8'))).toMatchObject({ createdAt: 'marker' });
    // One written before packages recorded their model type (and trees) is written again.
    rmSync(gbdtFile);
    const { modelType: _type, gbdtSha256: _sha, ...old } = meta;
    writeFileSync(metaFile, JSON.stringify(old));
    await packageOf(deps, 'penguins@1');
    expect(JSON.parse(readFileSync(metaFile, 'utf8'))).toMatchObject({
      modelType: 'gbdt',
      gbdtSha256: meta.gbdtSha256,
    });
    const predictor = await loadPredictor(first.dir);
    try {
      const explained = await predictor.explainRecords!(served.get('penguins')!.records);
      expect(explained[0]!.contributions).toBeDefined();
    } finally {
      await predictor.close();
    }
  });

  it('a tampered gbdt.json fails the load naming the file', async () => {
    const s = served.get('rain')!;
    const bad = join(t.dir, 'bad-rain');
    cpSync(s.dir, bad, { recursive: true });
    writeFileSync(join(bad, 'gbdt.json'), '{}');
    await expect(loadPredictor(bad)).rejects.toThrow(
      /bad-rain\/gbdt\.json: sha256 .* does not match/,
    );
  });

  it('the OpenAPI document describes explain, contributions and base for tree models only', async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
      paths: Record<string, { post: { requestBody: unknown } }>;
    };
    const item = (name: string) =>
      (
        doc.components.schemas[`${name}_Response`]!.properties.predictions as {
          items: { properties: Record<string, unknown> };
        }
      ).items.properties;
    expect(Object.keys(item('penguins'))).toEqual(
      expect.arrayContaining(['contributions', 'base']),
    );
    expect(item('cars-linear')).not.toHaveProperty('contributions');
    expect(JSON.stringify(doc.paths['/v1/models/rain/predict']!.post.requestBody)).toContain(
      '"explain"',
    );
  });

  it('the Docker context of a gbdt version holds model/gbdt.json and its server explains', async () => {
    const s = served.get('rain')!;
    const ctx = await exportDocker({
      version: s.version,
      out: join(t.dir, 'ctx'),
      writePackage: (dir) =>
        writeModelPackage({
          version: s.version,
          run: s.run,
          artifacts: services.workspace.artifacts,
          dir,
          latheVersion: 'test',
        }),
    });
    expect(ctx.files).toEqual(expect.arrayContaining(['model/model.onnx', 'model/gbdt.json']));
    const { child, ready } = await startServerCjs(ctx.dir, children);
    const r = await post(ready.url, 'rain', { records: s.records, explain: true });
    expect(r.status).toBe(200);
    expect(r.body.predictions).toEqual(
      (await post(server.url, 'rain', { records: s.records, explain: true })).body.predictions,
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }, 120_000);
});

describe('the explain flag in a request body', () => {
  const signature = (names: string[]) => ({
    inputs: names.map((name) => ({ name, type: 'DOUBLE', kind: 'numeric' as const })),
    output: { task: 'regression' as const, target: 'y' },
  });
  const plain = recordSchema(signature(['a']));

  it('is read beside records and in a single record, never in a bare array', () => {
    const asked = (body: unknown) => {
      const r = parsePredictBody(plain, body, 10);
      if (!r.ok) throw new Error(r.error);
      return [r.explain, r.records];
    };
    expect(asked({ records: [{ a: 1 }], explain: true })).toEqual([true, [{ a: 1 }]]);
    expect(asked({ a: 1, explain: true })).toEqual([true, [{ a: 1 }]]);
    expect(asked({ a: 1, explain: false })).toEqual([false, [{ a: 1 }]]);
    expect(asked([{ a: 1, explain: true }])).toEqual([false, [{ a: 1 }]]);
    expect(asked({ records: [{ a: 1 }] })).toEqual([false, [{ a: 1 }]]);
  });

  it('is an input, not the flag, in a single record of a model that reads a column named explain', () => {
    const schema = recordSchema(signature(['a', 'explain']));
    const r = parsePredictBody(schema, { a: 1, explain: 5 }, 10, { explainIsInput: true });
    expect(r).toEqual({ ok: true, records: [{ a: 1, explain: 5 }], single: true, explain: false });
    const both = parsePredictBody(schema, { records: [{ a: 1, explain: 5 }], explain: true }, 10, {
      explainIsInput: true,
    });
    expect(both.ok && both.explain).toBe(true);
  });
});
