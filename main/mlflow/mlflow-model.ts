// A Lathe model package written as an MLflow model folder, as mlflow.onnx.save_model writes one:
//   MLmodel                     YAML: the onnx flavor and the python_function flavor (loader mlflow.onnx),
//                               signature, saved_input_example_info, model_uuid, utc_time_created, …
//   model.onnx                  the package's graph, byte for byte
//   input_example.json          one row of model input, as MLflow's _Example writes an ndarray example
//   serving_input_payload.json  the same, as `mlflow models serve` takes it
//   conda.yaml, python_env.yaml, requirements.txt
//   lathe/                      fitted.json, target.json, package.json: how raw records become the model's
//                               input, for a reader that wants to start from records
//
// The signature is the graph's own inputs and outputs as MLflow tensor specs. mlflow.onnx's pyfunc feeds a
// single-input model the DataFrame's values as that one tensor, so a column signature of the raw fields
// (strings, booleans) would not be what the model takes: a Lathe graph reads the fitted spec's outputs
// (`features`, float32 [N, width]). The raw fields, with MLflow's column types, are kept in MLmodel's
// metadata (lathe_columns) with the rest of the version's description.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { LatheError, type FittedFeatureSpec, type ModelSignature } from '../../shared/contract';
import type { MlflowModelExportOut } from '../../shared/contract/mlflow-import';
import { createRowTransformer } from '../features/row';
import { readModelPackage } from '../serve/package';
import { packageOf, type PackageDeps } from '../serve/packaged-model';
import { isInside } from '../workspace/paths';
import { fieldText, readFields } from '../serve/onnx-proto';
import type { PackageMeta } from '../serve/types';
import { makeUserDirs } from '../workspace/make-dirs';

/** The MLflow release whose model format this folder follows (written as mlflow_version). */
export const MLFLOW_FORMAT_VERSION = '2.17.2';
/** The Python the environment files ask for. */
const PYTHON_VERSION = '3.10.12';
/** onnxruntime releases before this cannot run opset 17 graphs with IR 8. */
const ONNXRUNTIME_MIN = '1.13.1';

/** The ONNX release that introduced each default opset (onnx/helper.py VERSION_TABLE). */
const ONNX_FOR_OPSET: [opset: number, release: string][] = [
  [11, '1.6.0'],
  [12, '1.7.0'],
  [13, '1.8.0'],
  [14, '1.10.0'],
  [15, '1.10.0'],
  [16, '1.11.0'],
  [17, '1.12.0'],
  [18, '1.13.0'],
  [19, '1.14.0'],
  [20, '1.15.0'],
  [21, '1.16.0'],
  [22, '1.17.0'],
];

/** ONNX TensorProto.DataType → the numpy dtype name MLflow's TensorSpec writes. */
const DTYPE: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'object',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
};

export interface TensorSpec {
  type: 'tensor';
  'tensor-spec': { dtype: string; shape: number[] };
  name: string;
}

export interface OnnxGraphInfo {
  inputs: TensorSpec[];
  /** Tensor outputs; null when an output is not a tensor (e.g. skl2onnx's ZipMap sequence of maps). */
  outputs: TensorSpec[] | null;
  /** The highest opset of the default domain. */
  opset: number;
}

const sub = (buf: Uint8Array, field: number) =>
  readFields(buf).filter((f) => f.field === field && f.payload !== null);

/** The graph's inputs (initializers excluded), outputs and opset, read from ModelProto bytes. */
export function onnxGraphInfo(bytes: Uint8Array, file = 'model.onnx'): OnnxGraphInfo {
  try {
    const model = readFields(bytes);
    let opset = 0;
    for (const o of model.filter((f) => f.field === 8 && f.payload)) {
      const fields = readFields(o.payload!);
      const domain = fields.find((f) => f.field === 1);
      const version = fields.find((f) => f.field === 2)?.varint;
      if ((!domain || fieldText(domain) === '' || fieldText(domain) === 'ai.onnx') && version)
        opset = Math.max(opset, Number(version));
    }
    const graph = model.find((f) => f.field === 7)?.payload;
    if (!graph) throw new Error('no graph');
    const initializers = new Set(
      sub(graph, 5).map((t) => fieldText(readFields(t.payload!).find((f) => f.field === 8)!)),
    );
    const spec = (v: Uint8Array): TensorSpec | null => {
      const fields = readFields(v);
      const name = fieldText(fields.find((f) => f.field === 1)!);
      const type = fields.find((f) => f.field === 2)?.payload;
      const tensor = type ? sub(type, 1)[0]?.payload : undefined;
      if (!tensor) return null;
      const tf = readFields(tensor);
      const elem = Number(tf.find((f) => f.field === 1)?.varint ?? 0n);
      const shapeMsg = tf.find((f) => f.field === 2)?.payload;
      const shape = shapeMsg
        ? sub(shapeMsg, 1).map((d) => {
            const v = readFields(d.payload!).find((f) => f.field === 1)?.varint;
            return v === undefined || v === null ? -1 : Number(v);
          })
        : [-1];
      return { type: 'tensor', 'tensor-spec': { dtype: DTYPE[elem] ?? 'object', shape }, name };
    };
    const inputs = sub(graph, 11)
      .map((f) => spec(f.payload!))
      .filter((s): s is TensorSpec => s !== null && !initializers.has(s.name));
    const outs = sub(graph, 12).map((f) => spec(f.payload!));
    return {
      inputs,
      outputs: outs.every((o) => o !== null) ? outs : null,
      opset,
    };
  } catch (err) {
    throw new LatheError(
      'CORRUPT_FILE',
      `${file} is not an ONNX model this export can read: ${(err as Error).message}`,
      { file },
    );
  }
}

/** The MLflow column type of a Lathe input (mlflow/types/schema.py DataType). */
function columnType(kind: string, type: string): string {
  if (kind === 'boolean') return 'boolean';
  if (kind === 'numeric')
    return /int/i.test(type) && !/float|double|decimal/i.test(type) ? 'long' : 'double';
  if (kind === 'datetime') return 'datetime';
  return 'string';
}

/** MLflow column specs of the raw fields a version predicts from. */
export function columnSpecs(signature: ModelSignature) {
  return signature.inputs.map((i) => ({
    type: columnType(i.kind, i.type),
    name: i.name,
    required: true,
  }));
}

/**
 * One row of the graph's `features` input: a record with every field missing, through the fitted spec
 * (each field's imputed value, as the server computes it) and the selection. Null when the graph does
 * not take one float `features` tensor (an imported model's own inputs).
 */
function exampleRow(fitted: FittedFeatureSpec, info: OnnxGraphInfo): (number | null)[] | null {
  if (info.inputs.length !== 1 || info.inputs[0]!['tensor-spec'].dtype !== 'float32') return null;
  const row = createRowTransformer(fitted)({});
  const position = new Map(fitted.outputs.map((name, i) => [name, i]));
  const kept = fitted.selection?.kept ?? fitted.outputs;
  const width = info.inputs[0]!['tensor-spec'].shape[1];
  if (width !== undefined && width !== -1 && width !== kept.length) return null;
  return kept.map((name) => {
    const v = row[position.get(name)!]!;
    // float32, as the graph reads it; NaN as null, as MLflow's _handle_ndarray_nans writes it.
    return Number.isFinite(v) ? Math.fround(v) : null;
  });
}

export interface MlflowModelResult {
  dir: string;
  files: string[];
  bytes: number;
  modelUuid: string;
}

const yaml = (doc: unknown) =>
  toYaml(doc, { version: '1.1', sortMapEntries: true, lineWidth: 0, nullStr: 'null' });

/** Checks that `out` is new or empty; a file or a non-empty folder is refused (nothing is overwritten). */
export function checkOutFolder(out: string): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory())
    throw new LatheError(
      'INVALID_INPUT',
      `${out} is a file: choose a new or empty folder for the MLflow model`,
      {
        field: 'out',
        path: out,
      },
    );
  if (readdirSync(out).length > 0)
    throw new LatheError(
      'INVALID_INPUT',
      `${out} is not empty: choose a new or empty folder for the MLflow model`,
      {
        field: 'out',
        path: out,
      },
    );
}

/**
 * Writes the MLflow model folder `out` from the Lathe model package in `packageDir` (see the top of this
 * file). `out` must be new or empty; on failure what this wrote is removed.
 */
export function writeMlflowModel(
  packageDir: string,
  out: string,
  options: {
    now?: Date;
    /** Added to MLmodel's metadata. */
    extraMetadata?: Record<string, unknown>;
    /** Top-level MLmodel fields a logged model has (run_id, artifact_path), for a push. */
    fields?: Record<string, unknown>;
  } = {},
): MlflowModelResult {
  checkOutFolder(out);
  const pkg = readModelPackage(packageDir);
  const meta: PackageMeta = pkg.meta;
  const signature = meta.signature;
  if (!signature)
    throw new LatheError(
      'INVALID_INPUT',
      `${meta.model}@${meta.version} has no signature: only a version with an ONNX model exports as an MLflow model`,
    );
  const info = onnxGraphInfo(pkg.onnx, join(packageDir, 'model.onnx'));
  const existed = existsSync(out);
  makeUserDirs(out, 'the MLflow model', { field: 'out' });
  try {
    const modelUuid = randomUUID().replace(/-/g, '');
    const onnxVersion =
      [...ONNX_FOR_OPSET].reverse().find(([o]) => o <= info.opset)?.[1] ?? ONNX_FOR_OPSET[0]![1];
    writeFileSync(join(out, 'model.onnx'), pkg.onnx);
    mkdirSync(join(out, 'lathe'));
    writeFileSync(join(out, 'lathe', 'fitted.json'), `${JSON.stringify(pkg.fitted, null, 2)}\n`);
    writeFileSync(join(out, 'lathe', 'target.json'), `${JSON.stringify(pkg.target, null, 2)}\n`);
    writeFileSync(join(out, 'lathe', 'package.json'), `${JSON.stringify(meta, null, 2)}\n`);

    const row = exampleRow(pkg.fitted, info);
    let exampleInfo: Record<string, string> | null = null;
    if (row) {
      const example = { inputs: { [info.inputs[0]!.name]: [row] } };
      writeFileSync(join(out, 'input_example.json'), JSON.stringify(example));
      writeFileSync(join(out, 'serving_input_payload.json'), JSON.stringify(example, null, 2));
      exampleInfo = {
        artifact_path: 'input_example.json',
        serving_input_path: 'serving_input_payload.json',
        type: 'ndarray',
        format: 'tf-serving',
      };
    }

    const requirements = [
      `mlflow>=${MLFLOW_FORMAT_VERSION.split('.').slice(0, 2).join('.')}`,
      `onnx>=${onnxVersion}`,
      `onnxruntime>=${ONNXRUNTIME_MIN}`,
    ];
    writeFileSync(join(out, 'requirements.txt'), requirements.join('\n'));
    writeFileSync(
      join(out, 'conda.yaml'),
      yaml({
        channels: ['conda-forge'],
        dependencies: [`python=${PYTHON_VERSION}`, 'pip<=24.2', { pip: requirements }],
        name: 'mlflow-env',
      }),
    );
    writeFileSync(
      join(out, 'python_env.yaml'),
      yaml({
        python: PYTHON_VERSION,
        build_dependencies: ['pip==24.2', 'setuptools', 'wheel'],
        dependencies: ['-r requirements.txt'],
      }),
    );

    const now = options.now ?? new Date();
    const mlmodel: Record<string, unknown> = {
      flavors: {
        onnx: {
          code: null,
          data: 'model.onnx',
          onnx_session_options: null,
          onnx_version: onnxVersion,
          providers: ['CUDAExecutionProvider', 'CPUExecutionProvider'],
        },
        python_function: {
          code: null,
          data: 'model.onnx',
          env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' },
          loader_module: 'mlflow.onnx',
          python_version: PYTHON_VERSION,
        },
      },
      metadata: {
        lathe_model: meta.model,
        lathe_version: meta.version,
        lathe_run_id: meta.runId,
        lathe_task: signature.output.task,
        lathe_target: signature.output.target,
        ...(signature.output.classes ? { lathe_classes: signature.output.classes } : {}),
        lathe_columns: columnSpecs(signature),
        ...(options.extraMetadata ?? {}),
      },
      mlflow_version: MLFLOW_FORMAT_VERSION,
      model_uuid: modelUuid,
      ...(exampleInfo ? { saved_input_example_info: exampleInfo } : {}),
      signature: {
        inputs: JSON.stringify(info.inputs),
        outputs: info.outputs ? JSON.stringify(info.outputs) : null,
        params: null,
      },
      // str(datetime.utcnow()), as Model() records it.
      utc_time_created: now.toISOString().replace('T', ' ').replace('Z', '000'),
      ...(options.fields ?? {}),
    };
    const files = () =>
      (readdirSync(out, { recursive: true }) as string[])
        .filter((f) => statSync(join(out, f)).isFile())
        .sort();
    const sizeOf = (list: string[]) => list.reduce((n, f) => n + statSync(join(out, f)).size, 0);
    // model_size_bytes: the folder without MLmodel, as save_model measures it before writing MLmodel.
    mlmodel.model_size_bytes = sizeOf(files());
    writeFileSync(join(out, 'MLmodel'), yaml(mlmodel));
    const list = files();
    return { dir: out, files: list, bytes: sizeOf(list), modelUuid };
  } catch (err) {
    if (existed)
      for (const f of readdirSync(out)) rmSync(join(out, f), { recursive: true, force: true });
    else rmSync(out, { recursive: true, force: true });
    throw err;
  }
}

/**
 * `lathe export mlflow-model`: the package of `ref` written to a scratch folder under `tmpDir`, then as
 * an MLflow model into `out` (new or empty, outside the workspace).
 */
export async function exportMlflowModel(
  deps: PackageDeps & { workspaceDir?: string },
  input: { ref: string; out: string },
): Promise<MlflowModelExportOut> {
  const out = resolve(input.out);
  if (out.includes('\0'))
    throw new LatheError('INVALID_INPUT', `the folder ${JSON.stringify(out)} contains a NUL byte`, {
      field: 'out',
    });
  if (deps.workspaceDir) {
    const ws = resolve(deps.workspaceDir);
    if (out === ws || isInside(ws, out))
      throw new LatheError(
        'INVALID_INPUT',
        `the folder ${out} is inside the workspace (${ws}): choose a folder outside it for the MLflow model`,
        { field: 'out', path: out },
      );
  }
  checkOutFolder(out);
  const scratch = join(deps.tmpDir, `mlflow-model-${randomUUID()}`);
  try {
    const { version } = await packageOf(deps, input.ref, scratch);
    const r = writeMlflowModel(scratch, out);
    return { ...r, model: version.model, version: version.version };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
