// `lathe export mlflow-model`: a trained version written as an MLflow model folder. MLmodel carries the onnx
// and python_function flavors as mlflow.onnx.save_model writes them, the signature is the graph's tensors,
// the input example runs through model.onnx to the prediction Lathe's server gives for the same record,
// onnx.checker accepts model.onnx, and a non-empty folder is refused with nothing overwritten.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { ModelVersion } from '../../../shared/contract';
import { createServices, type Services } from '../../../main/services';
import { exportMlflowModel } from '../../../main/mlflow/mlflow-model';
import { packageOf, type PackageDeps } from '../../../main/serve/packaged-model';
import { loadPredictor } from '../../../main/serve/predictor';
import { initBackend } from '../../../main/train/backend';
import { trainRegistered } from '../../helpers/runs';
import { carsConfig, contractClient, penguinsConfig } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';

const t = tempDir('lathe-mlflow-model-');
let services: Services;
let deps: PackageDeps & { workspaceDir: string };
const { call } = contractClient(() => services);
let mpg: ModelVersion;
let species: ModelVersion;
const training = { epochs: 3, batchSize: 32, learningRate: 0.01, validationFraction: 0.25 };

beforeAll(async () => {
  await initBackend('cpu');
  const ws = join(t.dir, 'ws');
  services = await createServices({ workspaceDir: ws });
  deps = {
    registry: services.registry,
    tracking: services.tracking,
    artifacts: services.workspace.artifacts,
    tmpDir: services.workspace.paths.tmp,
    packagesDir: services.workspace.paths.packages,
    workspaceDir: ws,
  };
  await call('data:import', { path: vega('cars.json'), name: 'cars' });
  await call('data:import', { path: vega('penguins.json'), name: 'penguins' });
  mpg = await trainRegistered(
    call,
    carsConfig({ model: { type: 'mlp', hidden: [8] }, training, seed: 1 }),
    'mpg',
  );
  species = await trainRegistered(call, penguinsConfig({ training, seed: 2 }), 'species');
}, 300_000);

afterAll(async () => {
  await services?.close();
  t.remove();
});

/** The fields of MLmodel these tests read. */
interface MLmodel {
  flavors: {
    onnx: Record<string, unknown> & { onnx_version: string };
    python_function: Record<string, unknown>;
  };
  metadata: { lathe_task: string; lathe_columns: { name: string; type: string }[] };
  signature: { inputs: string; outputs: string; params: null };
  saved_input_example_info: Record<string, string>;
  model_uuid: string;
  utc_time_created: string;
  mlflow_version: string;
  model_size_bytes: number;
}

interface TensorSpec {
  type: string;
  'tensor-spec': { dtype: string; shape: number[] };
  name: string;
}

/** The prediction Lathe's own predictor gives for a record with every field missing. */
async function latheAnswer(ref: string) {
  const { dir } = await packageOf(deps, ref, join(t.dir, `pkg-${ref.replace('@', '-')}`));
  const p = await loadPredictor(dir);
  try {
    return (await p.predictRecords([{}]))[0]!;
  } finally {
    await p.close();
  }
}

describe('export mlflow-model', () => {
  it.each([
    ['mpg@1', 'regression'],
    ['species@1', 'multiclass'],
  ])('%s: MLmodel, signature and input example as mlflow.onnx writes them', async (ref, task) => {
    const out = join(t.dir, `out-${ref.replace('@', '-')}`);
    const r = await exportMlflowModel(deps, { ref, out });
    const v = ref.startsWith('mpg') ? mpg : species;
    expect(r).toMatchObject({ dir: out, model: v.model, version: v.version });
    expect(r.files).toEqual(
      [
        'MLmodel',
        'conda.yaml',
        'input_example.json',
        'lathe/fitted.json',
        'lathe/package.json',
        'lathe/target.json',
        'model.onnx',
        'python_env.yaml',
        'requirements.txt',
        'serving_input_payload.json',
      ].sort(),
    );

    const mlmodel = parseYaml(readFileSync(join(out, 'MLmodel'), 'utf8')) as MLmodel;
    expect(mlmodel.flavors.onnx).toMatchObject({
      code: null,
      data: 'model.onnx',
      onnx_session_options: null,
      providers: ['CUDAExecutionProvider', 'CPUExecutionProvider'],
    });
    expect(mlmodel.flavors.onnx.onnx_version).toMatch(/^1\.\d+\.\d+$/);
    expect(mlmodel.flavors.python_function).toMatchObject({
      loader_module: 'mlflow.onnx',
      data: 'model.onnx',
      code: null,
      env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' },
    });
    expect(mlmodel.model_uuid).toBe(r.modelUuid);
    expect(mlmodel.model_uuid).toMatch(/^[0-9a-f]{32}$/);
    expect(mlmodel.utc_time_created).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
    expect(mlmodel.mlflow_version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(mlmodel.metadata.lathe_task).toBe(task);
    expect(mlmodel.metadata.lathe_columns.map((c) => c.name)).toEqual(
      v.signature!.inputs.map((i) => i.name),
    );
    for (const c of mlmodel.metadata.lathe_columns)
      expect(['long', 'double', 'string', 'boolean', 'datetime']).toContain(c.type);

    // The signature is the graph's own input and output tensors.
    const inputs = JSON.parse(mlmodel.signature.inputs) as TensorSpec[];
    const outputs = JSON.parse(mlmodel.signature.outputs) as TensorSpec[];
    const session = await InferenceSession.create(readFileSync(join(out, 'model.onnx')));
    try {
      expect(inputs.map((i) => i.name)).toEqual([...session.inputNames]);
      expect(outputs.map((o) => o.name)).toEqual([...session.outputNames]);
      expect(inputs[0]!['tensor-spec'].dtype).toBe('float32');
      const width = inputs[0]!['tensor-spec'].shape[1]!;
      expect(inputs[0]!['tensor-spec'].shape).toEqual([-1, width]);

      // The example, as MLflow's _Example writes an ndarray dict, runs through the graph to Lathe's answer.
      expect(mlmodel.saved_input_example_info).toEqual({
        artifact_path: 'input_example.json',
        serving_input_path: 'serving_input_payload.json',
        type: 'ndarray',
        format: 'tf-serving',
      });
      const example = JSON.parse(readFileSync(join(out, 'input_example.json'), 'utf8')) as {
        inputs: Record<string, number[][]>;
      };
      expect(JSON.parse(readFileSync(join(out, 'serving_input_payload.json'), 'utf8'))).toEqual(
        example,
      );
      const row = example.inputs[inputs[0]!.name]![0]!;
      expect(row).toHaveLength(width);
      const result = await session.run({
        [inputs[0]!.name]: new Tensor('float32', Float32Array.from(row), [1, width]),
      });
      const got = Array.from(result[outputs[0]!.name]!.data as Float32Array);
      const lathe = await latheAnswer(ref);
      if (task === 'regression') expect(got[0]).toBeCloseTo(lathe.prediction as number, 4);
      else {
        const classes = v.signature!.output.classes!;
        classes.forEach((c, i) => expect(got[i]).toBeCloseTo(lathe.probabilities![c]!, 5));
      }
    } finally {
      await session.release();
    }

    const req = readFileSync(join(out, 'requirements.txt'), 'utf8').split('\n');
    expect(req.map((l) => l.split(/[=<>]/)[0])).toEqual(['mlflow', 'onnx', 'onnxruntime']);
    const conda = parseYaml(readFileSync(join(out, 'conda.yaml'), 'utf8')) as {
      dependencies: unknown[];
      name: string;
    };
    expect(conda.name).toBe('mlflow-env');
    expect(conda.dependencies.at(-1)).toEqual({ pip: req });
    const pyenv = parseYaml(readFileSync(join(out, 'python_env.yaml'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(pyenv.dependencies).toEqual(['-r requirements.txt']);
    expect(mlmodel.model_size_bytes).toBeGreaterThan(0);
  });

  it('python: onnx.checker passes and MLmodel reads as MLflow reads it (yaml.safe_load)', async (ctx) => {
    const probe = spawnSync('/usr/bin/python3', ['-c', 'import onnx, yaml'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      ctx.skip(
        `python3-onnx / python3-yaml are not importable by /usr/bin/python3: ${probe.stderr.trim().split('\n').pop() ?? ''}`,
      );
      return;
    }
    const out = join(t.dir, 'out-python');
    await exportMlflowModel(deps, { ref: 'species@1', out });
    const script = `
import json, os, sys, yaml, onnx
d = sys.argv[1]
m = yaml.safe_load(open(os.path.join(d, 'MLmodel')))
model = onnx.load(os.path.join(d, m['flavors']['onnx']['data']))
onnx.checker.check_model(model, full_check=True)
sig = json.loads(m['signature']['inputs'])
graph_inputs = [i.name for i in model.graph.input if i.name not in {t.name for t in model.graph.initializer}]
assert [s['name'] for s in sig] == graph_inputs, (sig, graph_inputs)
ex = json.load(open(os.path.join(d, m['saved_input_example_info']['artifact_path'])))
assert list(ex['inputs'].keys()) == graph_inputs
assert m['flavors']['python_function']['loader_module'] == 'mlflow.onnx'
# Strings stay strings for PyYAML (a bare 2024-01-01 12:00:00 would load as a datetime).
for k in ('utc_time_created', 'mlflow_version', 'model_uuid'):
    assert isinstance(m[k], str), (k, m[k])
assert isinstance(m['flavors']['onnx']['onnx_version'], str)
assert isinstance(m['flavors']['python_function']['python_version'], str)
print('ok')
`;
    expect(execFileSync('/usr/bin/python3', ['-c', script, out], { encoding: 'utf8' }).trim()).toBe(
      'ok',
    );
  });

  it('refuses a non-empty folder (nothing overwritten), a folder inside the workspace and an unknown version', async () => {
    const busy = join(t.dir, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, 'MLmodel'), 'mine\n');
    const err = (await exportMlflowModel(deps, { ref: 'mpg@1', out: busy }).catch(
      (e: unknown) => e,
    )) as { code: string; message: string };
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toContain(busy);
    expect(err.message).toContain('not empty');
    expect(readdirSync(busy)).toEqual(['MLmodel']);
    expect(readFileSync(join(busy, 'MLmodel'), 'utf8')).toBe('mine\n');

    const inside = (await exportMlflowModel(deps, {
      ref: 'mpg@1',
      out: join(deps.workspaceDir, 'export'),
    }).catch((e: unknown) => e)) as { code: string; message: string };
    expect(inside.code).toBe('INVALID_INPUT');
    expect(inside.message).toContain('inside the workspace');

    const missing = (await exportMlflowModel(deps, {
      ref: 'mpg@9',
      out: join(t.dir, 'never'),
    }).catch((e: unknown) => e)) as { code: string };
    expect(missing.code).toBe('NOT_FOUND');
    expect(readdirSync(t.dir)).not.toContain('never');
    // No scratch package is left in the workspace's tmp folder.
    expect(readdirSync(deps.tmpDir).filter((f) => f.startsWith('mlflow-model-'))).toEqual([]);
  });
});
