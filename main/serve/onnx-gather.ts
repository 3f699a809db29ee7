// A batch job's form of a Lathe model's graph: its first dense layer reads one-hot columns by lookup.
//
// model.onnx takes `features` [N, width], where a one-hot column of c categories fills c columns with one 1,
// and its first node is Gemm(features, kernel [width, units], bias) (onnx-export.ts). In the batch form
// `features` is compact, [N, d + m]: the d other features, then one column per one-hot column holding the
// row's code (its category's position, see batch-features.ts) plus that column's offset into one table.
// The first layer is then
//   Gemm(features, kernel′, Σ Gather(table, Cast(Gather(features, code column i))))
// where kernel′ holds the kernel's rows of the d features (zeros for the code columns) and the table the
// kernel's row of each code (zeros for a category the model does not take and for "none of them"), plus
// the bias in the rows of the first one-hot column: the same sums without the multiplications by 0. A
// regression's scaling of its output (· std + mean) is folded into its last Gemm (foldedTail). The rest of
// the graph is kept byte for byte.
import {
  DataType,
  ProtoWriter,
  fieldTexts,
  readFields,
  writeNode,
  writeTensor,
  writeValueInfo,
  type OnnxNode,
  type OnnxTensor,
  type ProtoField,
} from './onnx-proto';
import { ONNX_INPUT } from './onnx-export';

/** Where the model's feature columns come from in the compact matrix. */
export interface GatherPlan {
  /** The model's column of each of the first d compact columns. */
  dense: ArrayLike<number>;
  /**
   * Per one-hot column (compact columns d, d + 1, …): the model's column of each code (-1 where the code
   * sets no column the model takes).
   */
  codes: ArrayLike<number>[];
}

export interface GatheredModel {
  onnx: Uint8Array<ArrayBuffer>;
  /** Columns of the compact matrix: d + m. */
  width: number;
  /** What to add to each one-hot column's code in its compact column (its codes' first row in the table). */
  offsets: number[];
}

// ModelProto.graph; GraphProto node, initializer, input; NodeProto input, output, op_type, attribute;
// TensorProto dims, data_type, name, raw_data; ValueInfoProto name.
const MODEL_GRAPH = 7;
const [GRAPH_NODE, GRAPH_INITIALIZER, GRAPH_INPUT, GRAPH_OUTPUT] = [1, 5, 11, 12];
const [NODE_INPUT, NODE_OUTPUT, NODE_OP, NODE_ATTRIBUTE] = [1, 2, 4, 5];
const [TENSOR_DIMS, TENSOR_TYPE, TENSOR_NAME, TENSOR_RAW] = [1, 2, 8, 9];
const VALUE_INFO_NAME = 1;

function nodeOf(f: ProtoField) {
  const fields = readFields(f.payload!);
  return {
    inputs: fieldTexts(fields, NODE_INPUT),
    outputs: fieldTexts(fields, NODE_OUTPUT),
    op: fieldTexts(fields, NODE_OP)[0] ?? '',
    attributes: fields.some((x) => x.field === NODE_ATTRIBUTE),
  };
}

/** The name of an initializer (TensorProto) or graph input (ValueInfoProto): `field` of its message. */
const nameOf = (f: ProtoField, field: number) => fieldTexts(readFields(f.payload!), field)[0];

/** The initializer of the graph named `name`, if any. */
const initializerOf = (graph: ProtoField[], name: string | undefined) =>
  graph.find((f) => f.field === GRAPH_INITIALIZER && nameOf(f, TENSOR_NAME) === name);

/** The name of a node or tensor the rewrite adds. */
const gatherName = (hint: string) => `lathe_gather/${hint}`;

/**
 * A float32 initializer as onnx-export.ts writes it (dims one varint each, raw_data); null for any other
 * form.
 */
function floatTensorOf(f: ProtoField): { dims: number[]; data: Float32Array } | null {
  const fields = readFields(f.payload!);
  const dimFields = fields.filter((x) => x.field === TENSOR_DIMS);
  if (dimFields.some((x) => x.varint === null)) return null;
  const type = fields.find((x) => x.field === TENSOR_TYPE)?.varint;
  const raw = fields.find((x) => x.field === TENSOR_RAW)?.payload;
  const dims = dimFields.map((x) => Number(x.varint));
  const size = dims.reduce((a, b) => a * b, 1);
  if (type !== BigInt(DataType.FLOAT) || !raw || raw.length !== size * 4) return null;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = view.getFloat32(i * 4, true);
  return { dims, data };
}

/**
 * The batch form of `onnx` for `plan` (see the top of this file), or null when the graph is not one this
 * rewrites: `features` read by one node, a Gemm without attributes whose kernel is an initializer of
 * [width, units] floats (or when the bytes do not parse).
 */
export function gatherFirstLayer(onnx: Uint8Array, plan: GatherPlan): GatheredModel | null {
  try {
    return gathered(onnx, plan);
  } catch {
    // Bytes that are no model: loading the model as it is names the fault.
    return null;
  }
}

function gathered(onnx: Uint8Array, plan: GatherPlan): GatheredModel | null {
  const d = plan.dense.length;
  const m = plan.codes.length;
  if (!m) return null;
  const model = readFields(onnx);
  const graphField = model.find((f) => f.field === MODEL_GRAPH && f.payload);
  if (!graphField) return null;
  const graph = readFields(graphField.payload!);
  const graphNodes = graph
    .filter((f) => f.field === GRAPH_NODE)
    .map((f) => ({ f, node: nodeOf(f) }));
  const readers = graphNodes.filter(({ node }) => node.inputs.includes(ONNX_INPUT));
  const first = readers[0];
  if (readers.length !== 1 || !first) return null;
  const gemm = first.node;
  if (gemm.op !== 'Gemm' || gemm.attributes || gemm.inputs[0] !== ONNX_INPUT) return null;
  if (gemm.inputs.length < 2 || gemm.outputs.length !== 1) return null;
  const kernelName = gemm.inputs[1]!;
  const kernelField = initializerOf(graph, kernelName);
  const kernel = kernelField ? floatTensorOf(kernelField) : null;
  if (!kernel || kernel.dims.length !== 2) return null;
  const [width, units] = kernel.dims as [number, number];
  const columns = [...Array.from(plan.dense), ...plan.codes.flatMap((c) => Array.from(c))];
  if (columns.some((c) => c >= width)) return null;
  // The kernel is read by the first node alone (else it stays, beside the new initializers).
  const kernelShared = graphNodes.some(
    ({ f, node }) => f !== first.f && node.inputs.includes(kernelName),
  );

  const rowOf = (column: number, into: Float32Array, at: number) => {
    if (column >= 0)
      into.set(kernel.data.subarray(column * units, (column + 1) * units), at * units);
  };
  const compactKernel = new Float32Array((d + m) * units);
  for (let j = 0; j < d; j++) rowOf(plan.dense[j]!, compactKernel, j);
  const offsets: number[] = [];
  let rows = 0;
  for (const codes of plan.codes) {
    offsets.push(rows);
    rows += codes.length;
  }
  const table = new Float32Array(rows * units);
  plan.codes.forEach((codes, i) => {
    for (let c = 0; c < codes.length; c++) rowOf(codes[c]!, table, offsets[i]! + c);
  });
  // The bias (an initializer of [units] floats, as onnx-export.ts writes it) goes into the table's rows of
  // the first one-hot column, one of which every row takes.
  const biasName = gemm.inputs[2];
  const biasField = initializerOf(graph, biasName);
  const bias = biasField ? floatTensorOf(biasField) : null;
  // [units] or [1, units]: one value per unit.
  if (biasName !== undefined && (bias?.data.length !== units || bias.dims.at(-1) !== units))
    return null;
  if (bias)
    for (let r = 0; r < plan.codes[0]!.length; r++)
      for (let u = 0; u < units; u++) table[r * units + u]! += bias.data[u]!;
  const biasShared = graphNodes.some(
    ({ f, node }) => f !== first.f && biasName !== undefined && node.inputs.includes(biasName),
  );

  // Per one-hot column: its code column (a scalar index drops the axis: [N]), as row numbers, their rows of
  // the table ([N, units]); their sum is the Gemm's C, so onnxruntime fuses the Gemm with the activation
  // that follows (an Add after the Gemm and the activation on its own took 15% more of its time; one
  // Gather of all code columns and a ReduceSum over them, twice as much).
  const nodes: OnnxNode[] = [];
  const node = (
    op: string,
    inputs: string[],
    output: string,
    attributes?: OnnxNode['attributes'],
  ) => {
    nodes.push({
      op,
      inputs,
      outputs: [output],
      name: gatherName(`${op}_${nodes.length}`),
      attributes,
    });
    return output;
  };
  let sum = '';
  for (let i = 0; i < m; i++) {
    node('Gather', [ONNX_INPUT, gatherName(`column_${i}`)], gatherName(`code_${i}`), {
      axis: { int: 1 },
    });
    node('Cast', [gatherName(`code_${i}`)], gatherName(`row_${i}`), {
      to: { int: DataType.INT64 },
    });
    const rowsOf = node(
      'Gather',
      [gatherName('table'), gatherName(`row_${i}`)],
      gatherName(`rows_${i}`),
      {
        axis: { int: 0 },
      },
    );
    sum = i === 0 ? rowsOf : node('Add', [sum, rowsOf], gatherName(`sum_${i}`));
  }
  node('Gemm', [ONNX_INPUT, gatherName('kernel'), sum], gemm.outputs[0]!);
  const initializers: OnnxTensor[] = [
    { name: gatherName('kernel'), dims: [d + m, units], data: compactKernel },
    { name: gatherName('table'), dims: [rows, units], data: table },
    ...plan.codes.map((_, i) => ({
      name: gatherName(`column_${i}`),
      dims: [],
      data: BigInt64Array.from([BigInt(d + i)]),
    })),
  ];

  const tail = foldedTail(graph, graphNodes, first.f);
  if (tail) initializers.push(...tail.initializers);

  const g = new ProtoWriter();
  const lastInitializer = graph.filter((f) => f.field === GRAPH_INITIALIZER).at(-1);
  for (const f of graph) {
    if (f === first.f) for (const n of nodes) g.message(GRAPH_NODE, (w) => writeNode(w, n));
    else if (f === tail?.gemm) g.message(GRAPH_NODE, (w) => writeNode(w, tail.node));
    else if (
      (f === kernelField && !kernelShared) ||
      (f === biasField && !biasShared) ||
      tail?.dropped.has(f)
    ) {
      // Replaced by the compact kernel and the table; the tail's by its folded Gemm.
    } else if (f.field === GRAPH_INPUT && nameOf(f, VALUE_INFO_NAME) === ONNX_INPUT)
      g.message(GRAPH_INPUT, (w) =>
        writeValueInfo(w, {
          name: ONNX_INPUT,
          shape: ['N', d + m],
          doc: `batch form: ${d} features, then ${m} one-hot codes (plus offsets ${offsets.join(', ')})`,
        }),
      );
    else g.raw(f.bytes);
    // The new initializers follow the graph's own.
    if (f === lastInitializer)
      for (const t of initializers) g.message(GRAPH_INITIALIZER, (w) => writeTensor(w, t));
  }
  const w = new ProtoWriter();
  for (const f of model) {
    if (f === graphField) w.bytes(MODEL_GRAPH, g.finish());
    else w.raw(f.bytes);
  }
  return { onnx: w.finish(), width: d + m, offsets };
}

/**
 * A regression graph's tail, Gemm(h, kernel [units, 1], bias [1]) → Mul(target_std) → Add(target_mean)
 * (onnx-export.ts), as one Gemm of kernel · std and bias · std + mean: the same value up to float32
 * rounding, without two passes over the output (a tenth of onnxruntime's time on a small network). Null
 * for any other tail, for a Gemm that is the graph's first node (rewritten above), or when a tensor of it
 * is read elsewhere or is an output of the graph.
 */
function foldedTail(
  graph: ProtoField[],
  graphNodes: { f: ProtoField; node: ReturnType<typeof nodeOf> }[],
  first: ProtoField,
): {
  gemm: ProtoField;
  node: OnnxNode;
  dropped: Set<ProtoField>;
  initializers: OnnxTensor[];
} | null {
  const scalar = (name: string | undefined) => {
    const f = initializerOf(graph, name);
    const t = f ? floatTensorOf(f) : null;
    return f && t?.data.length === 1 ? { f, value: t.data[0]! } : null;
  };
  const readersOf = (name: string) => graphNodes.filter(({ node }) => node.inputs.includes(name));
  const outputs = graph
    .filter((f) => f.field === GRAPH_OUTPUT)
    .map((f) => nameOf(f, VALUE_INFO_NAME));
  // The Add that writes the graph's output (a hidden layer's activation may add too: GELU).
  const add = graphNodes.find(
    ({ node }) =>
      node.op === 'Add' && node.outputs.length === 1 && outputs.includes(node.outputs[0]),
  );
  if (!add) return null;
  const [scaled, meanName] = add.node.inputs;
  const mul = graphNodes.find(({ node }) => node.op === 'Mul' && node.outputs[0] === scaled);
  const [raw, stdName] = mul?.node.inputs ?? [];
  const last = graphNodes.find(({ node }) => node.op === 'Gemm' && node.outputs[0] === raw);
  const std = scalar(stdName);
  const mean = scalar(meanName);
  if (!mul || !last || !std || !mean || last.f === first) return null;
  if (mul.node.attributes || add.node.attributes || last.node.attributes) return null;
  // Read by the next node alone, and no output of the graph.
  if (readersOf(raw!).length !== 1 || readersOf(scaled!).length !== 1) return null;
  if (outputs.includes(raw) || outputs.includes(scaled)) return null;
  const [h, kernelName, biasName] = last.node.inputs;
  const kernelField = initializerOf(graph, kernelName);
  const kernel = kernelField ? floatTensorOf(kernelField) : null;
  const bias = scalar(biasName);
  if (!kernel || kernel.dims.length !== 2 || kernel.dims[1] !== 1 || !bias) return null;
  const tensors = [kernelName!, biasName!, stdName!, meanName!];
  if (new Set(tensors).size !== 4 || tensors.some((t) => readersOf(t).length !== 1)) return null;
  return {
    gemm: last.f,
    node: {
      op: 'Gemm',
      inputs: [h!, gatherName('tail_kernel'), gatherName('tail_bias')],
      outputs: add.node.outputs,
      name: gatherName('tail_gemm'),
    },
    dropped: new Set([mul.f, add.f, kernelField!, bias.f, std.f, mean.f]),
    initializers: [
      {
        name: gatherName('tail_kernel'),
        dims: kernel.dims,
        data: kernel.data.map((w) => w * std.value),
      },
      {
        name: gatherName('tail_bias'),
        dims: [1],
        data: Float32Array.of(bias.value * std.value + mean.value),
      },
    ],
  };
}
