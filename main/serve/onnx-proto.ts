// A hand-written protobuf encoder for the subset of ONNX that Lathe's models need (onnx/onnx.proto, IR
// version 8): ModelProto, GraphProto, NodeProto (with a domain: ai.onnx.ml's tree ensembles),
// AttributeProto (numbers, strings, their lists and tensors), TensorProto (float32, float64),
// ValueInfoProto (float32 and int64 tensors). Field numbers
// and wire types follow https://github.com/onnx/onnx/blob/main/onnx/onnx.proto; fields are written in
// field-number order, which every protobuf reader accepts. No decoding: onnxruntime and `onnx.checker`
// read what this writes, and the tests run both.

/** Protobuf wire types (https://protobuf.dev/programming-guides/encoding/#structure). */
const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const FIXED32 = 5;

/** An append-only byte buffer with the protobuf field encoders. */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** A varint; a negative int64 is written as its ten-byte two's complement, as protobuf does. */
  private varint(value: number | bigint): void {
    if (typeof value === 'number' && value >= 0 && value < 0x80000000 && Number.isInteger(value)) {
      // The common case (ids, dims, lengths) without BigInt: tree ensembles write millions of them.
      let v = value;
      this.reserve(5);
      while (v >= 0x80) {
        this.buf[this.len++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      this.buf[this.len++] = v;
      return;
    }
    let v = BigInt(value);
    if (v < 0n) v = BigInt.asUintN(64, v); // negative int64: ten bytes of two's complement
    this.reserve(10);
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      this.buf[this.len++] = byte;
    } while (v !== 0n);
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  /** Appends bytes already encoded (e.g. a field copied whole from another message). */
  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  int(field: number, value: number | bigint): this {
    this.tag(field, VARINT);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, FIXED32);
    this.reserve(4);
    new DataView(this.buf.buffer).setFloat32(this.len, value, true);
    this.len += 4;
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, LEN);
    this.varint(value.length);
    this.raw(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** An embedded message, written by `write` into its own buffer then length-prefixed. */
  message(field: number, write: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    write(inner);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array<ArrayBuffer> {
    return this.buf.slice(0, this.len);
  }
}

/** One field of an encoded message, as `readFields` finds it. */
export interface ProtoField {
  field: number;
  wire: number;
  /** The whole field (tag included), to copy it unchanged. */
  bytes: Uint8Array;
  /** A length-delimited field's contents (strings, bytes, embedded messages, packed lists). */
  payload: Uint8Array | null;
  /** A varint field's value. */
  varint: bigint | null;
}

/**
 * The fields of one encoded protobuf message, in order, without interpreting them: enough to find a node
 * or an output in a ModelProto and write the message back with some fields dropped or replaced.
 */
export function readFields(buf: Uint8Array): ProtoField[] {
  const fields: ProtoField[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new Error('[onnx] truncated varint');
      const b = buf[pos++]!;
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
      shift += 7n;
      if (shift > 63n) throw new Error('[onnx] varint longer than 10 bytes');
    }
  };
  while (pos < buf.length) {
    const start = pos;
    const tag = Number(varint());
    const field = tag >>> 3;
    const wire = tag & 7;
    let payload: Uint8Array | null = null;
    let value: bigint | null = null;
    if (wire === VARINT) value = varint();
    else if (wire === LEN) {
      const n = Number(varint());
      if (pos + n > buf.length) throw new Error(`[onnx] field ${field} runs past the end`);
      payload = buf.subarray(pos, pos + n);
      pos += n;
    } else if (wire === FIXED32) pos += 4;
    else if (wire === FIXED64) pos += 8;
    else throw new Error(`[onnx] field ${field}: unsupported wire type ${wire}`);
    if (pos > buf.length) throw new Error(`[onnx] field ${field} runs past the end`);
    fields.push({ field, wire, bytes: buf.subarray(start, pos), payload, varint: value });
  }
  return fields;
}

/** A length-delimited field's payload as UTF-8 text. */
export const fieldText = (f: ProtoField): string =>
  f.payload ? new TextDecoder().decode(f.payload) : '';

/** The texts of every `field` among `fields` (a repeated string, or one string as its first). */
export const fieldTexts = (fields: readonly ProtoField[], field: number): string[] =>
  fields.filter((x) => x.field === field).map(fieldText);

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT64: 7, DOUBLE: 11 } as const;

/** AttributeProto.AttributeType values used here. */
const AttributeType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
} as const;

export type AttributeValue =
  | { float: number }
  | { int: number }
  | { string: string }
  | { floats: ArrayLike<number> }
  | { ints: ArrayLike<number> }
  | { strings: string[] }
  | { tensor: OnnxTensor };

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  name: string;
  /** The operator set domain; the default (ai.onnx) when absent. */
  domain?: string;
  attributes?: Record<string, AttributeValue>;
}

export interface OnnxTensor {
  name: string;
  dims: number[];
  /**
   * Values, row-major; stored as raw_data (little-endian): float32, float64 for a Float64Array, int64 for a
   * BigInt64Array.
   */
  data: Float32Array | Float64Array | BigInt64Array;
}

export interface OnnxValueInfo {
  name: string;
  /** Element type; float32 when absent. */
  elem?: 'float' | 'int64';
  /** A number is a fixed size, a string a symbolic one (`N`: the batch). */
  shape: (number | string)[];
  doc?: string;
}

export interface OnnxModel {
  producerName: string;
  producerVersion: string;
  /** The default-domain opset the graph uses. */
  opset: number;
  /** Opsets of other domains the graph uses (e.g. `{ 'ai.onnx.ml': 3 }`). */
  domainOpsets?: Record<string, number>;
  irVersion: number;
  doc: string;
  graph: {
    name: string;
    nodes: OnnxNode[];
    initializers: OnnxTensor[];
    inputs: OnnxValueInfo[];
    outputs: OnnxValueInfo[];
  };
  metadata: Record<string, string>;
}

function writeAttribute(w: ProtoWriter, name: string, value: AttributeValue): void {
  // AttributeProto: name = 1, f = 2, i = 3, s = 4, t = 5, floats = 7, ints = 8, strings = 9, type = 20.
  w.string(1, name);
  if ('float' in value) w.float(2, value.float).int(20, AttributeType.FLOAT);
  else if ('int' in value) w.int(3, value.int).int(20, AttributeType.INT);
  else if ('string' in value) w.string(4, value.string).int(20, AttributeType.STRING);
  else if ('tensor' in value) {
    const t = value.tensor;
    w.message(5, (m) => writeTensor(m, t)).int(20, AttributeType.TENSOR);
  } else if ('floats' in value) {
    for (let i = 0; i < value.floats.length; i++) w.float(7, value.floats[i]!);
    w.int(20, AttributeType.FLOATS);
  } else if ('ints' in value) {
    for (let i = 0; i < value.ints.length; i++) w.int(8, value.ints[i]!);
    w.int(20, AttributeType.INTS);
  } else {
    for (const s of value.strings) w.string(9, s);
    w.int(20, AttributeType.STRINGS);
  }
}

/** Writes a NodeProto into `w`. */
export function writeNode(w: ProtoWriter, node: OnnxNode): void {
  // NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5, domain = 7.
  for (const i of node.inputs) w.string(1, i);
  for (const o of node.outputs) w.string(2, o);
  w.string(3, node.name);
  w.string(4, node.op);
  for (const [name, value] of Object.entries(node.attributes ?? {}))
    w.message(5, (a) => writeAttribute(a, name, value));
  if (node.domain) w.string(7, node.domain);
}

/** Writes a TensorProto into `w`. */
export function writeTensor(w: ProtoWriter, t: OnnxTensor): void {
  const size = t.dims.reduce((a, b) => a * b, 1);
  if (size !== t.data.length)
    throw new Error(
      `[onnx] tensor ${t.name}: ${t.data.length} values for shape [${t.dims.join(', ')}]`,
    );
  // TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9 (little-endian, as the spec requires),
  // written in field order.
  const data = t.data;
  const raw = new Uint8Array(size * data.BYTES_PER_ELEMENT);
  const view = new DataView(raw.buffer);
  let type: number;
  if (data instanceof Float64Array) {
    type = DataType.DOUBLE;
    for (let i = 0; i < size; i++) view.setFloat64(i * 8, data[i]!, true);
  } else if (data instanceof BigInt64Array) {
    type = DataType.INT64;
    for (let i = 0; i < size; i++) view.setBigInt64(i * 8, data[i]!, true);
  } else {
    type = DataType.FLOAT;
    for (let i = 0; i < size; i++) view.setFloat32(i * 4, data[i]!, true);
  }
  for (const d of t.dims) w.int(1, d);
  w.int(2, type);
  w.string(8, t.name);
  w.bytes(9, raw);
}

/** Writes a ValueInfoProto (a graph input or output) into `w`. */
export function writeValueInfo(w: ProtoWriter, v: OnnxValueInfo): void {
  // ValueInfoProto: name = 1, type = 2, doc_string = 3. TypeProto: tensor_type = 1.
  // TypeProto.Tensor: elem_type = 1, shape = 2. TensorShapeProto: dim = 1; Dimension: dim_value = 1,
  // dim_param = 2.
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.elem === 'int64' ? DataType.INT64 : DataType.FLOAT);
      tensor.message(2, (shape) => {
        for (const d of v.shape)
          shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
  if (v.doc) w.string(3, v.doc);
}

/** The serialized ModelProto. */
export function encodeModel(model: OnnxModel): Uint8Array<ArrayBuffer> {
  const w = new ProtoWriter();
  // ModelProto: ir_version = 1, producer_name = 2, producer_version = 3, doc_string = 6, graph = 7,
  // opset_import = 8, metadata_props = 14.
  w.int(1, model.irVersion);
  w.string(2, model.producerName);
  w.string(3, model.producerVersion);
  w.string(6, model.doc);
  w.message(7, (g) => {
    // GraphProto: node = 1, name = 2, initializer = 5, input = 11, output = 12.
    for (const n of model.graph.nodes) g.message(1, (m) => writeNode(m, n));
    g.string(2, model.graph.name);
    for (const t of model.graph.initializers) g.message(5, (m) => writeTensor(m, t));
    for (const i of model.graph.inputs) g.message(11, (m) => writeValueInfo(m, i));
    for (const o of model.graph.outputs) g.message(12, (m) => writeValueInfo(m, o));
  });
  // OperatorSetIdProto: domain = 1 (empty: the default ai.onnx domain), version = 2.
  w.message(8, (o) => o.string(1, '').int(2, model.opset));
  for (const [domain, version] of Object.entries(model.domainOpsets ?? {}))
    w.message(8, (o) => o.string(1, domain).int(2, version));
  // StringStringEntryProto: key = 1, value = 2.
  for (const [key, value] of Object.entries(model.metadata))
    w.message(14, (m) => m.string(1, key).string(2, value));
  return w.finish();
}
