// A TensorProto is written in field-number order (dims, data_type, name, raw_data), as protobuf's own
// serializers write it: the bytes of an exported model do not depend on which kind of tensor came first.
import { describe, expect, it } from 'vitest';
import { DataType, ProtoWriter, readFields, writeTensor } from '../../../../main/serve/onnx-proto';

const fieldsOf = (data: Float32Array | Float64Array | BigInt64Array) => {
  const w = new ProtoWriter();
  writeTensor(w, { name: 't', dims: [data.length], data });
  return readFields(w.finish());
};

describe('writeTensor', () => {
  it.each([
    ['float32', Float32Array.from([1.5, -2]), DataType.FLOAT, 4],
    ['float64', Float64Array.from([1.5, -2]), DataType.DOUBLE, 8],
    ['int64', BigInt64Array.from([3n, -4n]), DataType.INT64, 8],
  ] as const)('writes a %s tensor in field order, little-endian', (_, data, type, bytes) => {
    const fields = fieldsOf(data);
    expect(fields.map((f) => f.field)).toEqual([1, 2, 8, 9]);
    expect(fields[0]!.varint).toBe(2n);
    expect(fields[1]!.varint).toBe(BigInt(type));
    const raw = fields[3]!.payload!;
    expect(raw.length).toBe(2 * bytes);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const read =
      bytes === 4
        ? [view.getFloat32(0, true), view.getFloat32(4, true)]
        : type === DataType.INT64
          ? [view.getBigInt64(0, true), view.getBigInt64(8, true)]
          : [view.getFloat64(0, true), view.getFloat64(8, true)];
    expect(read).toEqual(Array.from(data as ArrayLike<number | bigint>));
  });
});
