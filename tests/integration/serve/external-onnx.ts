// ONNX files as other tools write them, for the import tests: built with the protobuf writer alone (not
// Lathe's exporter), with any element type, any input/output naming and operators of the ai.onnx.ml
// domain — e.g. per-column inputs as skl2onnx makes them, one [N, k] float input as torch exports.
import { ProtoWriter } from '../../../main/serve/onnx-proto';

/** TensorProto.DataType. */
const ELEM = { float: 1, int32: 6, int64: 7, string: 8, bool: 9, double: 11 } as const;
export type Elem = keyof typeof ELEM;

export interface GraphValue {
  name: string;
  elem: Elem;
  /** Numbers are fixed sizes, strings symbolic (`N`). */
  shape: (number | string)[];
  /** A sequence of maps from string to `elem` (what skl2onnx's ZipMap outputs) instead of a tensor. */
  seqOfMaps?: boolean;
}

export type Attr =
  | { f: number }
  | { i: number }
  | { s: string }
  | { floats: number[] }
  | { ints: number[] }
  | { strings: string[] };

export interface GraphNode {
  op: string;
  inputs: string[];
  outputs: string[];
  domain?: string;
  attrs?: Record<string, Attr>;
}

export interface GraphSpec {
  inputs: GraphValue[];
  outputs: GraphValue[];
  nodes: GraphNode[];
  /** float32 constants. */
  initializers?: { name: string; dims: number[]; data: number[] }[];
  /** domain → opset version; default { '': 17 }. */
  opsets?: Record<string, number>;
  producer?: string;
}

function attribute(w: ProtoWriter, name: string, a: Attr): void {
  // AttributeProto: name 1, f 2, i 3, s 4, floats 7, ints 8, strings 9, type 20.
  w.string(1, name);
  if ('f' in a) w.float(2, a.f).int(20, 1);
  else if ('i' in a) w.int(3, a.i).int(20, 2);
  else if ('s' in a) w.string(4, a.s).int(20, 3);
  else if ('floats' in a) {
    for (const f of a.floats) w.float(7, f);
    w.int(20, 6);
  } else if ('ints' in a) {
    for (const i of a.ints) w.int(8, i);
    w.int(20, 7);
  } else {
    for (const s of a.strings) w.string(9, s);
    w.int(20, 8);
  }
}

function tensorType(type: ProtoWriter, v: GraphValue): void {
  // TypeProto.tensor_type = 1: elem_type 1, shape 2 (dim 1: dim_value 1 | dim_param 2).
  type.message(1, (tensor) => {
    tensor.int(1, ELEM[v.elem]);
    tensor.message(2, (shape) => {
      for (const d of v.shape)
        shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
    });
  });
}

function valueInfo(w: ProtoWriter, v: GraphValue): void {
  w.string(1, v.name);
  if (!v.seqOfMaps) w.message(2, (type) => tensorType(type, v));
  // TypeProto.sequence_type = 4 (elem_type 1) of map_type = 5 (key_type 2, value_type 2).
  else
    w.message(2, (type) =>
      type.message(4, (seq) =>
        seq.message(1, (elem) =>
          elem.message(5, (map) =>
            map.int(1, ELEM.string).message(2, (value) => tensorType(value, { ...v, shape: [] })),
          ),
        ),
      ),
    );
}

/** A serialized ModelProto (IR 8). */
export function buildOnnx(spec: GraphSpec): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, 8);
  w.string(2, spec.producer ?? 'external-test');
  w.string(3, '1.0');
  w.message(7, (g) => {
    spec.nodes.forEach((n, k) =>
      g.message(1, (m) => {
        // NodeProto: input 1, output 2, name 3, op_type 4, attribute 5, domain 7.
        for (const i of n.inputs) m.string(1, i);
        for (const o of n.outputs) m.string(2, o);
        m.string(3, `n${k}_${n.op}`);
        m.string(4, n.op);
        for (const [name, a] of Object.entries(n.attrs ?? {}))
          m.message(5, (x) => attribute(x, name, a));
        if (n.domain) m.string(7, n.domain);
      }),
    );
    g.string(2, 'external');
    for (const t of spec.initializers ?? [])
      g.message(5, (m) => {
        for (const d of t.dims) m.int(1, d);
        m.int(2, ELEM.float);
        m.string(8, t.name);
        const raw = new Uint8Array(t.data.length * 4);
        const view = new DataView(raw.buffer);
        t.data.forEach((x, i) => view.setFloat32(i * 4, x, true));
        m.bytes(9, raw);
      });
    for (const i of spec.inputs) g.message(11, (m) => valueInfo(m, i));
    for (const o of spec.outputs) g.message(12, (m) => valueInfo(m, o));
  });
  for (const [domain, version] of Object.entries(spec.opsets ?? { '': 17 }))
    w.message(8, (o) => o.string(1, domain).int(2, version));
  return w.finish();
}
