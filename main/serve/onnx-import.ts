// ONNX models trained elsewhere (`lathe models import`): the declared signature file (ImportSignature),
// the check of the ONNX graph against it with onnxruntime, and the predictor of an imported package.
//
// An imported package is an ordinary model package (package.ts) whose fitted.json is synthesized from the
// signature: each number or boolean feature passes through as a number, each string feature is encoded by
// its position in the declared values. The REST server, batch prediction (DuckDB's SQL executor) and the
// Docker export therefore handle it like a native one; only the predictor differs — it splits the
// feature matrix over the graph's inputs in their element types and decodes the declared output.
//
// A classifier converted by skl2onnx ends, by default, in a ZipMap: its probabilities as a sequence of
// maps {class: p}, which onnxruntime-node cannot return. The predictor serves the tensor the ZipMap zips
// instead (unzipMaps rewrites the graph when it is loaded; the stored file stays as imported), after
// checking that the ZipMap's class labels are the signature's classes in the same order.
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { loadOrt, ort } from './ort';
import { PREDICT_BATCH } from './ort-session';
import {
  ImportSignature,
  LatheError,
  type FittedFeatureSpec,
  type ModelSignature,
  type ModelsImportIn,
  type ModelVersion,
} from '../../shared/contract';
import type { StoredTarget } from '../evaluate/predict';
import { createRowTransformer } from '../features/row';
import type { RegistryStore } from '../registry/registry-store';
import type { ArtifactStore } from '../workspace/artifacts';
import { loadConfigFile } from '../workspace/config-file';
import {
  fieldText,
  fieldTexts,
  ProtoWriter,
  readFields,
  writeValueInfo,
  type ProtoField,
} from './onnx-proto';
import type { PackageMeta, Prediction, Predictor } from './types';

const NUMERIC_TYPES = ['float32', 'float64', 'int64', 'int32'] as const;
const OUTPUT_TYPES = {
  value: ['float32', 'float64'],
  probabilities: ['float32', 'float64'],
  logits: ['float32', 'float64'],
  labels: ['int64', 'int32', 'string'],
} as const;

/** Reads and validates a signature file (YAML or JSON); errors name the file and the field. */
export const readImportSignature = (file: string): ImportSignature =>
  loadConfigFile(file, ImportSignature, 'ONNX model signature', undefined, 'path');

/** The request/batch signature of an imported model: its features as inputs, its task and classes. */
export function modelSignatureOf(sig: ImportSignature): ModelSignature {
  return {
    inputs: sig.features.map((f) => ({
      name: f.name,
      type: f.type === 'number' ? 'DOUBLE' : f.type === 'string' ? 'VARCHAR' : 'BOOLEAN',
      kind: f.type === 'number' ? 'numeric' : f.type === 'string' ? 'categorical' : 'boolean',
      ...(f.values ? { values: f.values } : {}),
    })),
    output: {
      task: sig.task,
      target: sig.target,
      ...(sig.classes ? { classes: sig.classes } : {}),
    },
  };
}

/** The feature name a feature takes in the synthesized fitted spec (features/names.ts columnOutputs). */
const outputName = (f: ImportSignature['features'][number]) =>
  f.type === 'string' ? `${f.name}__ordinal` : f.name;

/**
 * The fitted spec of an imported package: features in declared order, numbers and booleans passed
 * through (missing → 0, or NaN with `missing: 'nan'`: see learnsMissing), strings as the index of their
 * value (unknown or missing → -1).
 */
export function importedFittedSpec(
  sig: ImportSignature,
  sha256: string,
  options: { missing?: 'nan' } = {},
): FittedFeatureSpec {
  return {
    ...(options.missing ? { missing: options.missing } : {}),
    version: 1,
    specHash: sha256,
    columns: sig.features.map((f) =>
      f.type === 'string'
        ? {
            kind: 'categorical' as const,
            source: f.name,
            encoding: { op: 'ordinal' as const, categories: (f.values ?? []).map(String) },
          }
        : { kind: 'numeric' as const, source: f.name, numeric: {} },
    ),
    derived: [],
    outputs: sig.features.map(outputName),
    docs: sig.features.map((f) => ({
      name: outputName(f),
      sources: [f.name],
      transform: f.type === 'string' ? 'index of the declared value' : 'as given',
      fitted: {},
    })),
    trainRows: 0,
  };
}

/** target.json of an imported package. */
export function importedTarget(sig: ImportSignature): StoredTarget {
  return sig.task === 'regression'
    ? { task: 'regression', column: sig.target, kind: 'regression', mean: 0, std: 1 }
    : { task: sig.task, column: sig.target, kind: 'classes', classes: sig.classes! };
}

/** A ZipMap that produced a graph output: the tensor it zipped and its class labels, in order. */
export interface ZippedOutput {
  tensor: string;
  labels: string[];
}

/** The varints of a repeated integer field, packed or not. */
function integers(fields: ProtoField[], field: number): bigint[] {
  const out: bigint[] = [];
  for (const f of fields) {
    if (f.field !== field) continue;
    if (f.varint !== null) out.push(BigInt.asIntN(64, f.varint));
    else if (f.payload) {
      let v = 0n;
      let shift = 0n;
      for (const b of f.payload) {
        v |= BigInt(b & 0x7f) << shift;
        shift += 7n;
        if (b < 0x80) {
          out.push(BigInt.asIntN(64, v));
          v = 0n;
          shift = 0n;
        }
      }
    }
  }
  return out;
}

/**
 * Drops each ai.onnx.ml ZipMap node whose output is a graph output and makes the tensor it zips (float
 * [N, classes]) that graph output instead. Returns the bytes untouched when there is no such ZipMap (or
 * they do not parse as a ModelProto: onnxruntime then names the problem), and which outputs were zipped.
 */
export function unzipMaps(bytes: Uint8Array): {
  bytes: Uint8Array;
  zipped: Map<string, ZippedOutput>;
} {
  const zipped = new Map<string, ZippedOutput>();
  let model: ProtoField[];
  let graph: ProtoField[];
  let outputs: Set<string>;
  try {
    // ModelProto.graph = 7; GraphProto.node = 1, output = 12; NodeProto: input 1, output 2, op_type 4,
    // attribute 5, domain 7; AttributeProto: name 1, ints 8, strings 9; ValueInfoProto.name = 1.
    model = readFields(bytes);
    const g = model.find((f) => f.field === 7);
    if (!g?.payload) return { bytes, zipped };
    graph = readFields(g.payload);
    outputs = new Set(
      graph
        .filter((f) => f.field === 12 && f.payload)
        .map((f) => fieldText(readFields(f.payload!).find((x) => x.field === 1)!)),
    );
    for (const f of graph) {
      if (f.field !== 1 || !f.payload) continue;
      const node = readFields(f.payload);
      const text = (field: number) => fieldTexts(node, field);
      if (text(4)[0] !== 'ZipMap' || text(7)[0] !== 'ai.onnx.ml') continue;
      const [input] = text(1);
      const [output] = text(2);
      if (!input || !output || !outputs.has(output)) continue;
      let labels: string[] = [];
      for (const a of node.filter((x) => x.field === 5 && x.payload)) {
        const attr = readFields(a.payload!);
        const name = fieldText(attr.find((x) => x.field === 1)!);
        if (name === 'classlabels_strings') labels = fieldTexts(attr, 9);
        else if (name === 'classlabels_int64s') labels = integers(attr, 8).map(String);
      }
      zipped.set(output, { tensor: input, labels });
    }
  } catch {
    return { bytes, zipped: new Map() };
  }
  if (!zipped.size) return { bytes, zipped };
  const written = new Set<string>();
  const g = new ProtoWriter();
  for (const f of graph) {
    if (f.field === 1 && f.payload) {
      const node = readFields(f.payload);
      const op = node.find((x) => x.field === 4);
      const out = node.find((x) => x.field === 2);
      if (op && fieldText(op) === 'ZipMap' && out && zipped.has(fieldText(out))) continue;
    }
    if (f.field === 12 && f.payload) {
      const name = fieldText(readFields(f.payload).find((x) => x.field === 1)!);
      const z = zipped.get(name);
      if (z) {
        // Once per tensor, and not when the graph already puts it out.
        if (!outputs.has(z.tensor) && !written.has(z.tensor)) {
          written.add(z.tensor);
          g.message(12, (m) =>
            writeValueInfo(m, { name: z.tensor, shape: ['N', z.labels.length || 'classes'] }),
          );
        }
        continue;
      }
    }
    g.raw(f.bytes);
  }
  const w = new ProtoWriter();
  for (const f of model) {
    if (f.field === 7) w.bytes(7, g.finish());
    else w.raw(f.bytes);
  }
  return { bytes: w.finish(), zipped };
}

/**
 * Whether the graph has an ai.onnx.ml tree ensemble that learned where missing values go (a node whose
 * nodes_missing_value_tracks_true is 1: XGBoost, LightGBM, scikit-learn's histogram boosting). Such a
 * model is fed NaN for a missing number, as its trainer was, instead of 0. False for bytes that do not
 * parse.
 */
export function learnsMissing(bytes: Uint8Array): boolean {
  try {
    const g = readFields(bytes).find((f) => f.field === 7);
    if (!g?.payload) return false;
    return readFields(g.payload).some((f) => {
      if (f.field !== 1 || !f.payload) return false;
      const node = readFields(f.payload);
      const op = node.find((x) => x.field === 4);
      if (!op || !fieldText(op).startsWith('TreeEnsemble')) return false;
      return node.some((a) => {
        if (a.field !== 5 || !a.payload) return false;
        const attr = readFields(a.payload);
        const name = attr.find((x) => x.field === 1);
        return (
          !!name &&
          fieldText(name) === 'nodes_missing_value_tracks_true' &&
          integers(attr, 8).some((v) => v !== 0n)
        );
      });
    });
  } catch {
    return false;
  }
}

type TensorMeta = { name: string; type: string; shape: readonly (number | string)[] };

/** How each graph input is fed and how the output is read, resolved against the session's metadata. */
interface Plan {
  inputs: {
    name: string;
    columns: number[];
    type: string;
    rank: 1 | 2;
    values: (string[] | null)[];
  }[];
  output: { name: string; type: string; width: number };
  /** A batch size the graph fixes (e.g. torch exported without dynamic axes: [1, k]); null when free. */
  batch: number | null;
}

/** `float32[N, 4]`; a dimension without a size or name (None in onnx.helper) shows as `?`. */
const shapeOf = (m: TensorMeta) =>
  `${m.type}[${m.shape.map((d) => (d === '' ? '?' : d)).join(', ')}]`;

/**
 * Checks a session's graph against the signature: every graph input mapped and every mapped input in
 * the graph; element types that fit the features (floats or ints for numbers and booleans, bool for
 * booleans only, string for strings); ranks ([N, k] or, for one feature, [N] / [N, 1]); the output is
 * a tensor of the right type and width. `where` names the file in errors.
 */
function planOf(
  session: InferenceSession,
  sig: ImportSignature,
  where: string,
  zipped: Map<string, ZippedOutput>,
): Plan {
  const fail = (message: string, details: Record<string, unknown>): never => {
    throw new LatheError('INVALID_INPUT', `${where}: ${message}`, { file: where, ...details });
  };
  const metaOf = (list: readonly InferenceSession.ValueMetadata[], name: string, what: string) => {
    const m = list.find((x) => x.name === name);
    if (!m)
      return fail(
        `the model has no ${what} '${name}' (its ${what}s: ${list.map((x) => x.name).join(', ') || 'none'})`,
        { [what]: name },
      );
    if (!m.isTensor)
      return fail(
        `${what} '${name}' is not a tensor${what === 'output' ? ' (a sequence or map): declare the tensor output it is computed from' : ''}`,
        { [what]: name },
      );
    const meta: TensorMeta = { name, type: String(m.type), shape: m.shape };
    return meta;
  };
  const mapped = new Set(sig.inputs.map((i) => i.name));
  const unmapped = session.inputNames.filter((n) => !mapped.has(n));
  if (unmapped.length)
    fail(
      `the model's input${unmapped.length > 1 ? 's' : ''} ${unmapped.map((n) => `'${n}'`).join(', ')} ${unmapped.length > 1 ? 'are' : 'is'} not mapped in the signature's inputs`,
      { input: unmapped[0] },
    );
  const index = new Map(sig.features.map((f, i) => [f.name, i]));
  const inputs = sig.inputs.map((input) => {
    const m = metaOf(session.inputMetadata, input.name, 'input');
    const features = input.features.map((n) => sig.features[index.get(n)!]!);
    const k = features.length;
    const kinds = new Set(features.map((f) => f.type));
    const allowed: readonly string[] = kinds.has('string')
      ? ['string']
      : kinds.size === 1 && kinds.has('boolean')
        ? [...NUMERIC_TYPES, 'bool']
        : NUMERIC_TYPES;
    if (!allowed.includes(m.type))
      fail(
        `input '${input.name}' is ${shapeOf(m)} but its feature${k > 1 ? 's' : ''} ${input.features.join(', ')} need${k > 1 ? '' : 's'} ${allowed.join(' or ')}`,
        { input: input.name },
      );
    const rank = m.shape.length;
    const width = m.shape[1];
    if (rank === 2 ? typeof width === 'number' && width !== k : !(rank === 1 && k === 1))
      fail(
        `input '${input.name}' is ${shapeOf(m)} but the signature maps ${k} feature${k > 1 ? 's' : ''} onto it (expected [N, ${k}]${k === 1 ? ' or [N]' : ''})`,
        { input: input.name },
      );
    return {
      name: input.name,
      columns: input.features.map((n) => index.get(n)!),
      type: m.type,
      rank: rank as 1 | 2,
      values: features.map((f) => (f.type === 'string' ? (f.values ?? []).map(String) : null)),
    };
  });
  const kind = sig.output.kind;
  const zip = zipped.get(sig.output.name);
  if (zip) {
    // A ZipMap's probabilities, served from the tensor it zipped: its columns are the ZipMap's labels.
    if (kind !== 'probabilities')
      fail(
        `output '${sig.output.name}' is a ZipMap of class probabilities; declare its kind as probabilities`,
        { output: sig.output.name },
      );
    const classes = sig.classes ?? [];
    if (zip.labels.length && zip.labels.join('\u0000') !== classes.join('\u0000'))
      fail(
        `output '${sig.output.name}' (a ZipMap) is keyed by the classes ${zip.labels.join(', ')}, but the signature declares ${classes.join(', ') || 'none'}: list them in the model's order`,
        { output: sig.output.name },
      );
  }
  const out = metaOf(session.outputMetadata, zip?.tensor ?? sig.output.name, 'output');
  const types: readonly string[] = OUTPUT_TYPES[kind];
  if (!types.includes(out.type))
    fail(`output '${out.name}' is ${shapeOf(out)} but ${kind} need ${types.join(' or ')}`, {
      output: out.name,
    });
  const classes = sig.classes?.length ?? 0;
  const single = out.shape.length === 1 || (out.shape.length === 2 && out.shape[1] === 1);
  let width = 1;
  if (kind === 'probabilities' || kind === 'logits') {
    const w = out.shape.length === 2 ? out.shape[1] : 1;
    width = typeof w === 'number' ? w : classes;
    if (out.shape.length > 2 || (width !== classes && !(sig.task === 'binary' && width === 1)))
      fail(
        `output '${out.name}' is ${shapeOf(out)} but ${kind} of ${classes} classes need [N, ${classes}]${sig.task === 'binary' ? ' (or [N] / [N, 1] for the second class)' : ''}`,
        { output: out.name },
      );
  } else if (!single)
    fail(
      `output '${out.name}' is ${shapeOf(out)} but a ${kind === 'labels' ? 'label' : 'value'} per row needs [N] or [N, 1]`,
      { output: out.name },
    );
  // A fixed batch dimension (torch.onnx.export without dynamic_axes gives [1, k]) is served by scoring
  // that many rows at a time, padding the last chunk; inputs that disagree cannot be fed at all.
  const fixed = new Set(
    [...sig.inputs.map((i) => session.inputMetadata.find((m) => m.name === i.name)), out]
      .map((m) => (m && 'shape' in m ? m.shape[0] : undefined))
      .filter((d): d is number => typeof d === 'number'),
  );
  if (fixed.size > 1)
    fail(
      `the inputs and output fix different batch sizes (${[...fixed].join(', ')}); re-export with a dynamic batch axis`,
      {},
    );
  const batch = fixed.size ? [...fixed][0]! : null;
  if (batch !== null && batch < 1) fail(`the graph fixes a batch size of ${batch}`, {});
  return { inputs, output: { name: out.name, type: out.type, width }, batch };
}

/** The graph's feeds for `n` rows of the feature matrix `x` (row-major, `width` features). */
function feedsOf(plan: Plan, x: Float32Array, n: number, width: number): Record<string, OrtTensor> {
  const { Tensor } = ort();
  const feeds: Record<string, OrtTensor> = {};
  for (const input of plan.inputs) {
    const k = input.columns.length;
    const dims = input.rank === 2 ? [n, k] : [n];
    const whole = k === width && input.columns.every((c, i) => c === i);
    if (input.type === 'float32' && whole) {
      feeds[input.name] = new Tensor('float32', x.subarray(0, n * width), dims);
      continue;
    }
    const at = (r: number, j: number) => x[r * width + input.columns[j]!]!;
    switch (input.type) {
      case 'string': {
        const data = new Array<string>(n * k);
        for (let r = 0; r < n; r++)
          for (let j = 0; j < k; j++) data[r * k + j] = input.values[j]![at(r, j)] ?? '';
        feeds[input.name] = new Tensor('string', data, dims);
        break;
      }
      case 'int64': {
        const data = new BigInt64Array(n * k);
        for (let r = 0; r < n; r++)
          for (let j = 0; j < k; j++) {
            const v = at(r, j);
            data[r * k + j] = Number.isFinite(v) ? BigInt(Math.round(v)) : 0n;
          }
        feeds[input.name] = new Tensor('int64', data, dims);
        break;
      }
      case 'bool': {
        const data = new Uint8Array(n * k);
        for (let r = 0; r < n; r++) for (let j = 0; j < k; j++) data[r * k + j] = at(r, j) ? 1 : 0;
        feeds[input.name] = new Tensor('bool', data, dims);
        break;
      }
      default: {
        const data =
          input.type === 'float64'
            ? new Float64Array(n * k)
            : input.type === 'int32'
              ? new Int32Array(n * k)
              : new Float32Array(n * k);
        for (let r = 0; r < n; r++) for (let j = 0; j < k; j++) data[r * k + j] = at(r, j);
        feeds[input.name] = new Tensor(input.type as 'float32', data as Float32Array, dims);
      }
    }
  }
  return feeds;
}

/** Opens ONNX bytes with onnxruntime; a file it cannot load is named in the error. */
async function openSession(bytes: Uint8Array, where: string): Promise<InferenceSession> {
  const { InferenceSession } = await loadOrt();
  try {
    return await InferenceSession.create(bytes, { graphOptimizationLevel: 'all' });
  } catch (err) {
    throw new LatheError(
      'CORRUPT_FILE',
      `${where} is not an ONNX model onnxruntime can load: ${(err as Error).message.split('\n')[0]}`,
      { file: where },
    );
  }
}

interface Scorer {
  width: number;
  predictMatrix: Predictor['predictMatrix'];
  close: () => Promise<void>;
}

/** Scores feature matrices with an imported model's session, as its signature declares. */
async function createScorer(
  bytes: Uint8Array,
  sig: ImportSignature,
  where: string,
): Promise<Scorer> {
  const { bytes: served, zipped } = unzipMaps(bytes);
  const session = await openSession(served, where);
  let plan: Plan;
  try {
    plan = planOf(session, sig, where, zipped);
  } catch (err) {
    await session.release();
    throw err;
  }
  const width = sig.features.length;
  const classes = sig.classes ?? null;
  const k = classes?.length ?? 1;
  const kind = sig.output.kind;
  const outWidth = plan.output.width;

  const predictMatrix: Predictor['predictMatrix'] = async (x, rows) => {
    if (x.length !== rows * width)
      throw new LatheError(
        'INVALID_INPUT',
        `predictMatrix: ${x.length} values for ${rows} rows of ${width} features (expected ${rows * width})`,
      );
    const predictions = new Array<string | number>(rows);
    const probabilities = classes ? new Float32Array(rows * k) : null;
    // Rows per session run as for native packages, unless the model takes a fixed batch.
    const step = plan.batch ?? PREDICT_BATCH;
    for (let start = 0; start < rows; start += step) {
      const n = Math.min(step, rows - start);
      let chunk = x.subarray(start * width, (start + n) * width);
      // A fixed batch is fed whole: the rows past `n` are zeros, and their outputs are dropped.
      const fed = plan.batch ?? n;
      if (fed > n) {
        const padded = new Float32Array(fed * width);
        padded.set(chunk);
        chunk = padded;
      }
      // Only the declared output: another may be a sequence or map onnxruntime-node cannot return.
      const result = await session.run(feedsOf(plan, chunk, fed, width), [plan.output.name]);
      const tensor = result[plan.output.name]!;
      const out = tensor.data as ArrayLike<number | bigint | string>;
      const expected = fed * (kind === 'probabilities' || kind === 'logits' ? outWidth : 1);
      if (out.length !== expected)
        throw new LatheError(
          'INVALID_INPUT',
          `${where}: output '${plan.output.name}' gave ${out.length} values for ${fed} rows (expected ${expected})`,
        );
      if (!classes || !probabilities) {
        for (let r = 0; r < n; r++) predictions[start + r] = Number(out[r]);
      } else if (kind === 'labels') {
        for (let r = 0; r < n; r++) {
          const v = out[r]!;
          const c = typeof v === 'string' ? classes.indexOf(v) : Number(v);
          if (!(c >= 0 && c < k))
            throw new LatheError(
              'INVALID_INPUT',
              `${where}: output '${plan.output.name}' gave label ${String(v)}, not one of the ${k} declared classes`,
            );
          predictions[start + r] = classes[c]!;
          probabilities[(start + r) * k + c] = 1;
        }
      } else {
        for (let r = 0; r < n; r++) {
          const p = probabilities.subarray((start + r) * k, (start + r + 1) * k);
          if (outWidth === 1) {
            const v = Number(out[r]);
            const p1 = kind === 'logits' ? 1 / (1 + Math.exp(-v)) : v;
            p[0] = 1 - p1;
            p[1] = p1;
          } else if (kind === 'logits') {
            let max = -Infinity;
            for (let c = 0; c < k; c++) max = Math.max(max, Number(out[r * k + c]));
            let sum = 0;
            for (let c = 0; c < k; c++) sum += p[c] = Math.exp(Number(out[r * k + c]) - max);
            for (let c = 0; c < k; c++) p[c] = p[c]! / sum;
          } else for (let c = 0; c < k; c++) p[c] = Number(out[r * k + c]);
          let best = 0;
          for (let c = 1; c < k; c++) if (p[c]! > p[best]!) best = c;
          predictions[start + r] = classes[best]!;
        }
      }
      for (const t of Object.values(result)) t.dispose();
    }
    return { predictions, probabilities };
  };
  return { width, predictMatrix, close: () => session.release() };
}

/** A checked import: the ONNX bytes and the signatures to register them with. */
export interface CheckedImport {
  onnx: Buffer;
  signature: ImportSignature;
  modelSignature: ModelSignature;
}

/**
 * Reads the ONNX file and the signature file and checks one against the other: the file must load in
 * onnxruntime, its inputs and output must match the signature (names, element types, ranks), and one row
 * of neutral values must score to output of the declared shape. Nothing is stored.
 */
export async function checkOnnxImport(
  onnxFile: string,
  signatureFile: string,
): Promise<CheckedImport> {
  const signature = readImportSignature(signatureFile);
  let onnx: Buffer;
  try {
    onnx = readFileSync(onnxFile);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new LatheError(
      code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'INVALID_INPUT',
      `ONNX file ${onnxFile} ${code === 'ENOENT' ? 'does not exist' : `cannot be read: ${(err as Error).message}`}`,
      { file: onnxFile },
    );
  }
  return checkOnnxModel(onnx, signature, onnxFile, `the signature ${basename(signatureFile)}`);
}

/**
 * Checks ONNX bytes against a signature as checkOnnxImport does (`where` names the file in errors, `what`
 * the signature): loads in onnxruntime, inputs and output match, one row scores. Nothing is stored.
 */
export async function checkOnnxModel(
  onnx: Buffer,
  signature: ImportSignature,
  where: string,
  what: string,
): Promise<CheckedImport> {
  const scorer = await createScorer(onnx, signature, where);
  try {
    // A row of zeros (first declared values for strings) must run: catches fixed dims the metadata hid.
    const x = new Float32Array(scorer.width);
    await scorer.predictMatrix(x, 1);
  } catch (err) {
    if (err instanceof LatheError) throw err;
    throw new LatheError(
      'INVALID_INPUT',
      `${where}: scoring one row as ${what} declares failed: ${(err as Error).message.split('\n')[0]}`,
      { file: where },
    );
  } finally {
    await scorer.close();
  }
  return { onnx, signature, modelSignature: modelSignatureOf(signature) };
}

/** The predictor of an imported package (called by loadPredictor when package.json says `import`). */
export async function loadImportedPredictor(
  dir: string,
  pkg: { meta: PackageMeta; fitted: FittedFeatureSpec; onnx: Uint8Array },
): Promise<Predictor> {
  const source = pkg.meta.source;
  if (source?.kind !== 'import')
    throw new LatheError('CORRUPT_FILE', `${dir}/package.json: not an imported model`, {
      file: `${dir}/package.json`,
    });
  const sig = source.signature;
  const scorer = await createScorer(pkg.onnx, sig, `${dir}/model.onnx`);
  const transform = createRowTransformer(pkg.fitted);
  const classes = sig.classes ?? null;
  const k = classes?.length ?? 1;
  const width = scorer.width;
  return {
    meta: pkg.meta,
    width,
    predictMatrix: scorer.predictMatrix,
    async predictRecords(records) {
      const x = new Float32Array(records.length * width);
      records.forEach((record, r) => x.set(transform(record), r * width));
      const { predictions, probabilities } = await scorer.predictMatrix(x, records.length);
      return predictions.map((prediction, r): Prediction => {
        if (!probabilities || !classes) return { prediction };
        return {
          prediction,
          probabilities: Object.fromEntries(classes.map((c, i) => [c, probabilities[r * k + i]!])),
        };
      });
    },
    close: () => scorer.close(),
  };
}

/**
 * `models:import`: checks the ONNX file against its signature, stores both in the artifact store and
 * registers them as the next version of `input.name`. A failed check stores and registers nothing.
 */
export async function importOnnxModel(
  deps: {
    registry: Pick<RegistryStore, 'registerImport'>;
    artifacts: Pick<ArtifactStore, 'put'>;
  },
  input: ModelsImportIn,
): Promise<ModelVersion> {
  const file = resolve(input.onnx);
  const signatureFile = resolve(input.signature);
  const checked = await checkOnnxImport(file, signatureFile);
  const model = deps.artifacts.put(checked.onnx);
  const sig = deps.artifacts.put(
    Buffer.from(`${JSON.stringify(checked.signature, null, 2)}\n`, 'utf8'),
  );
  return deps.registry.registerImport({
    name: input.name,
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.project !== undefined ? { project: input.project } : {}),
    signature: checked.modelSignature,
    source: {
      kind: 'import',
      file,
      signatureFile,
      sha256: model.sha256,
      sizeBytes: model.sizeBytes,
      signature: checked.signature,
    },
    files: [
      { path: 'model.onnx', ...model },
      { path: 'signature.json', ...sig },
    ],
  });
}
