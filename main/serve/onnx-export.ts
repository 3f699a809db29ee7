// tfjs layers model (model/model.json + model/weights.bin as training saves them) → ONNX ModelProto bytes.
//
// The graph takes `features` float32 [N, width] (the fitted spec's outputs, after any selection) and ends in
// what a user wants, not in logits:
//   binary      `probabilities` [N, 2] = Concat(1 − p, p) with p = Sigmoid(logit)   (P(class 0), P(class 1))
//   multiclass  `probabilities` [N, k] = Softmax(logits)
//   regression  `value`         [N, 1] = output · std + mean                        (the target's units)
// Layers, in inference form: Dense → Gemm (+ its activation); BatchNormalization → BatchNormalization with the
// moving mean and variance; Activation → its op; Dropout → nothing (identity at inference). Opset 17 has no
// Gelu, so gelu (tfjs's exact form, x · ½(1 + erf(x/√2))) is spelled with Erf.
import type { StoredTarget } from '../evaluate/predict';
import { encodeModel, type OnnxNode, type OnnxTensor } from './onnx-proto';

export const ONNX_OPSET = 17;
export const ONNX_IR_VERSION = 8;
export const ONNX_INPUT = 'features';
export const onnxOutputName = (target: StoredTarget) =>
  target.kind === 'classes' ? 'probabilities' : 'value';

// tfjs-core's SELU constants (ops/selu_util.ts); ONNX Selu's alpha is SCALEALPHA / SCALE.
// (Their literals carry more digits than a double holds; these are the doubles they round to.)
const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA = 1.7580993408473768 / SELU_SCALE;

interface LayerJson {
  class_name: string;
  config: Record<string, unknown> & { name: string };
}

interface ModelJson {
  modelTopology: { class_name?: string; config?: { layers?: LayerJson[] } | LayerJson[] };
  weightsManifest: { weights: { name: string; shape: number[]; dtype?: string }[] }[];
}

export interface OnnxExportInput {
  /** The text of model/model.json. */
  modelJson: string;
  /** The bytes of model/weights.bin. */
  weights: Uint8Array;
  /** target.json of the run. */
  target: StoredTarget;
  /** Recorded in the model's metadata_props and doc string. */
  producerVersion: string;
  metadata?: Record<string, string>;
}

/** A layer's activation setting (a name; tfjs writes no other form for built-in activations). */
function activationName(value: unknown, where: string): string {
  if (value === undefined || value === null) return 'linear';
  if (typeof value !== 'string')
    throw exportError(
      `${where}: activation ${JSON.stringify(value)} is not a built-in activation name`,
    );
  return value;
}

function exportError(message: string): Error {
  return new Error(`[OnnxExport] ${message}`);
}

/** Weight tensors by name, cut from weights.bin in manifest order. */
function readWeights(
  model: ModelJson,
  bytes: Uint8Array,
): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  let offset = 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const spec of model.weightsManifest.flatMap((m) => m.weights)) {
    if ((spec.dtype ?? 'float32') !== 'float32')
      throw exportError(`weight ${spec.name} is ${spec.dtype}; only float32 weights are supported`);
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (offset + size * 4 > bytes.byteLength)
      throw exportError(
        `weights.bin is ${bytes.byteLength} bytes, too short for weight ${spec.name}`,
      );
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) data[i] = view.getFloat32(offset + i * 4, true);
    offset += size * 4;
    out.set(spec.name, { shape: spec.shape, data });
  }
  if (offset !== bytes.byteLength)
    throw exportError(
      `weights.bin has ${bytes.byteLength - offset} bytes the manifest does not describe`,
    );
  return out;
}

/** Builds the node list; `fresh` names intermediate values. */
class GraphBuilder {
  nodes: OnnxNode[] = [];
  initializers: OnnxTensor[] = [];
  private count = 0;

  fresh(hint: string): string {
    return `${hint}_${this.count++}`;
  }

  constant(name: string, dims: number[], values: number[] | Float32Array): string {
    this.initializers.push({ name, dims, data: Float32Array.from(values) });
    return name;
  }

  node(op: string, inputs: string[], attributes?: OnnxNode['attributes'], output?: string): string {
    const out = output ?? this.fresh(op.toLowerCase());
    this.nodes.push({ op, inputs, outputs: [out], name: `${op}_${this.nodes.length}`, attributes });
    return out;
  }

  /** A keras/tfjs activation by name applied to `x`. */
  activation(x: string, name: string, where: string): string {
    switch (name) {
      case 'linear':
        return x;
      case 'relu':
        return this.node('Relu', [x]);
      case 'tanh':
        return this.node('Tanh', [x]);
      case 'sigmoid':
        return this.node('Sigmoid', [x]);
      case 'softmax':
        return this.node('Softmax', [x], { axis: { int: -1 } });
      case 'elu':
        return this.node('Elu', [x], { alpha: { float: 1 } });
      case 'selu':
        return this.node('Selu', [x], {
          alpha: { float: SELU_ALPHA },
          gamma: { float: SELU_SCALE },
        });
      case 'gelu': {
        const sqrt2 = this.constant(this.fresh('sqrt2'), [], [Math.SQRT2]);
        const one = this.constant(this.fresh('one'), [], [1]);
        const half = this.constant(this.fresh('half'), [], [0.5]);
        const erf = this.node('Erf', [this.node('Div', [x, sqrt2])]);
        const cdf = this.node('Mul', [this.node('Add', [erf, one]), half]);
        return this.node('Mul', [x, cdf]);
      }
      default:
        throw exportError(`${where}: activation '${name}' has no ONNX export`);
    }
  }
}

/** The ONNX ModelProto of a saved Lathe model, with the output head described at the top of this file. */
export function exportOnnx(input: OnnxExportInput): Uint8Array<ArrayBuffer> {
  let model: ModelJson;
  try {
    model = JSON.parse(input.modelJson) as ModelJson;
  } catch (err) {
    throw exportError(`model.json is not JSON: ${(err as Error).message}`);
  }
  const topology = model.modelTopology;
  const layers = Array.isArray(topology.config) ? topology.config : topology.config?.layers;
  if (topology.class_name !== 'Sequential' || !layers?.length)
    throw exportError(
      `model.json: expected a Sequential model with layers, got ${topology.class_name ?? 'no class_name'}`,
    );
  const weights = readWeights(model, input.weights);
  const weight = (layer: LayerJson, key: string) => {
    const w = weights.get(`${layer.config.name}/${key}`);
    if (!w)
      throw exportError(`layer ${layer.config.name}: weight '${key}' missing from the manifest`);
    return w;
  };

  const g = new GraphBuilder();
  let x = ONNX_INPUT;
  let width: number | null = null;
  let units: number | null = null;
  for (const layer of layers) {
    const c = layer.config;
    const where = `layer ${c.name} (${layer.class_name})`;
    switch (layer.class_name) {
      case 'Dense': {
        const kernel = weight(layer, 'kernel');
        const [inDim, outDim] = kernel.shape as [number, number];
        if (units !== null && inDim !== units)
          throw exportError(
            `${where}: kernel takes ${inDim} inputs, the layer before gives ${units}`,
          );
        width ??= inDim;
        const k = g.constant(`${c.name}/kernel`, [inDim, outDim], kernel.data);
        const inputs = [x, k];
        if (c.use_bias !== false) {
          const bias = weight(layer, 'bias');
          inputs.push(g.constant(`${c.name}/bias`, [outDim], bias.data));
        }
        x = g.node('Gemm', inputs);
        x = g.activation(x, activationName(c.activation, where), where);
        units = outDim;
        break;
      }
      case 'BatchNormalization': {
        if (units === null)
          throw exportError(`${where}: batch normalization before any dense layer`);
        const axis: unknown = c.axis;
        const axes: unknown[] = Array.isArray(axis) ? axis : [axis];
        if (axes.length !== 1 || (axes[0] !== -1 && axes[0] !== 1))
          throw exportError(
            `${where}: axis ${JSON.stringify(axis)}; only the feature axis is supported`,
          );
        const n = units;
        const gamma = c.scale === false ? new Float32Array(n).fill(1) : weight(layer, 'gamma').data;
        const beta = c.center === false ? new Float32Array(n) : weight(layer, 'beta').data;
        x = g.node(
          'BatchNormalization',
          [
            x,
            g.constant(`${c.name}/gamma`, [n], gamma),
            g.constant(`${c.name}/beta`, [n], beta),
            g.constant(`${c.name}/moving_mean`, [n], weight(layer, 'moving_mean').data),
            g.constant(`${c.name}/moving_variance`, [n], weight(layer, 'moving_variance').data),
          ],
          { epsilon: { float: Number(c.epsilon ?? 0.001) } },
        );
        break;
      }
      case 'Activation':
        x = g.activation(x, activationName(c.activation, where), where);
        break;
      case 'Dropout':
        break;
      default:
        throw exportError(`${where}: layer type has no ONNX export`);
    }
  }
  if (width === null || units === null)
    throw exportError('model.json: the model has no dense layer');

  const target = input.target;
  const output = onnxOutputName(target);
  let outWidth: number;
  if (target.kind === 'classes') {
    const k = target.classes.length;
    if (k === 2) {
      if (units !== 1)
        throw exportError(`binary target: the model gives ${units} outputs, expected 1 logit`);
      const p = g.node('Sigmoid', [x]);
      const q = g.node('Sub', [g.constant('one', [1], [1]), p]);
      g.node('Concat', [q, p], { axis: { int: 1 } }, output);
    } else {
      if (units !== k)
        throw exportError(`target with ${k} classes: the model gives ${units} outputs`);
      g.node('Softmax', [x], { axis: { int: -1 } }, output);
    }
    outWidth = k;
  } else {
    if (units !== 1)
      throw exportError(`regression target: the model gives ${units} outputs, expected 1`);
    const scaled = g.node('Mul', [x, g.constant('target_std', [1], [target.std])]);
    g.node('Add', [scaled, g.constant('target_mean', [1], [target.mean])], undefined, output);
    outWidth = 1;
  }

  return encodeModel({
    irVersion: ONNX_IR_VERSION,
    opset: ONNX_OPSET,
    producerName: 'lathe',
    producerVersion: input.producerVersion,
    doc: `Lathe ${target.task} model on target '${target.column}': ${ONNX_INPUT} [N, ${width}] → ${output} [N, ${outWidth}]`,
    graph: {
      name: 'lathe_model',
      nodes: g.nodes,
      initializers: g.initializers,
      inputs: [
        { name: ONNX_INPUT, shape: ['N', width], doc: 'fitted feature values, after selection' },
      ],
      outputs: [
        {
          name: output,
          shape: ['N', outWidth],
          doc:
            target.kind === 'classes'
              ? `probability per class: ${target.classes.join(', ')}`
              : `predicted ${target.column}`,
        },
      ],
    },
    metadata: {
      task: target.task,
      target: target.column,
      ...(target.kind === 'classes' ? { classes: JSON.stringify(target.classes) } : {}),
      ...input.metadata,
    },
  });
}
