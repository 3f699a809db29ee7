// Joins Parquet files of one schema, each written whole by DuckDB, into one file holding all their row
// groups in order, without decoding a value: the parts' bytes between their magic numbers and footers are
// copied one after another, and one footer lists every part's row groups, each absolute offset into the
// file moved by where its part now starts. A batch job writes its capture file in parts while it scores
// (batch.ts), and keeps the one file the workspace reads (capture.ts) as before.
//
// The footer (FileMetaData) is Thrift's compact protocol. It is read and written here generically, field by
// field, so a field this file does not know (a newer writer's) goes through as it was; only the offsets
// below are changed, and the row counts and ordinals of the row groups.
import { closeSync, fstatSync, openSync, readSync, rmSync, writeSync } from 'node:fs';

const MAGIC = 'PAR1';

// Thrift compact types.
const [TRUE, FALSE, BYTE, I16, I32, I64, DOUBLE, BINARY, LIST, SET, MAP, STRUCT] = [
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
];

type Value = boolean | number | bigint | Uint8Array | Field[] | List | ThriftMap;
interface Field {
  id: number;
  type: number;
  value: Value;
}
interface List {
  elementType: number;
  items: Value[];
}
interface ThriftMap {
  keyType: number;
  valueType: number;
  entries: [Value, Value][];
}

class Reader {
  pos = 0;
  constructor(private readonly b: Uint8Array) {}
  byte(): number {
    if (this.pos >= this.b.length) throw new Error('the footer ends mid-value');
    return this.b[this.pos++]!;
  }
  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      if (shift > 63n) throw new Error('a varint longer than 10 bytes');
    }
  }
  zigzag(): bigint {
    const v = this.varint();
    return (v >> 1n) ^ -(v & 1n);
  }
  value(type: number): Value {
    switch (type) {
      case TRUE:
      case FALSE:
        // In a list a boolean is a byte of its own (1: true, 2: false).
        return this.byte() === TRUE;
      case BYTE:
        return (this.byte() << 24) >> 24;
      case I16:
      case I32:
        return Number(this.zigzag());
      case I64:
        return this.zigzag();
      case DOUBLE: {
        const v = new DataView(this.b.buffer, this.b.byteOffset + this.pos, 8).getFloat64(0, true);
        this.pos += 8;
        return v;
      }
      case BINARY: {
        const n = Number(this.varint());
        if (this.pos + n > this.b.length) throw new Error('the footer ends mid-string');
        const v = this.b.subarray(this.pos, this.pos + n);
        this.pos += n;
        return v;
      }
      case LIST:
      case SET: {
        const head = this.byte();
        const n = head >> 4 === 15 ? Number(this.varint()) : head >> 4;
        const elementType = head & 15;
        const items: Value[] = [];
        for (let i = 0; i < n; i++) items.push(this.value(elementType));
        return { elementType, items };
      }
      case MAP: {
        const n = Number(this.varint());
        if (n === 0) return { keyType: 0, valueType: 0, entries: [] };
        const kinds = this.byte();
        const [keyType, valueType] = [kinds >> 4, kinds & 15];
        const entries: [Value, Value][] = [];
        for (let i = 0; i < n; i++) entries.push([this.value(keyType), this.value(valueType)]);
        return { keyType, valueType, entries };
      }
      case STRUCT:
        return this.struct();
      default:
        throw new Error(`unknown Thrift type ${type}`);
    }
  }
  struct(): Field[] {
    const fields: Field[] = [];
    let last = 0;
    for (;;) {
      const head = this.byte();
      if (head === 0) return fields;
      const type = head & 15;
      const id = head >> 4 ? last + (head >> 4) : Number(this.zigzag());
      // A boolean field carries its value in its type.
      const value = type === TRUE || type === FALSE ? type === TRUE : this.value(type);
      fields.push({ id, type, value });
      last = id;
    }
  }
}

class Writer {
  private buf = new Uint8Array(1024);
  length = 0;
  private reserve(n: number) {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  byte(b: number) {
    this.reserve(1);
    this.buf[this.length++] = b & 0xff;
  }
  varint(v: bigint) {
    let x = BigInt.asUintN(64, v);
    do {
      const b = Number(x & 0x7fn);
      x >>= 7n;
      this.byte(x ? b | 0x80 : b);
    } while (x);
  }
  zigzag(v: bigint) {
    this.varint((v << 1n) ^ (v >> 63n));
  }
  value(type: number, v: Value) {
    switch (type) {
      case TRUE:
      case FALSE:
        return this.byte(v ? TRUE : FALSE);
      case BYTE:
        return this.byte(v as number);
      case I16:
      case I32:
        return this.zigzag(BigInt(v as number));
      case I64:
        return this.zigzag(v as bigint);
      case DOUBLE: {
        this.reserve(8);
        new DataView(this.buf.buffer).setFloat64(this.length, v as number, true);
        this.length += 8;
        return;
      }
      case BINARY: {
        const bytes = v as Uint8Array;
        this.varint(BigInt(bytes.length));
        this.reserve(bytes.length);
        this.buf.set(bytes, this.length);
        this.length += bytes.length;
        return;
      }
      case LIST:
      case SET: {
        const { elementType, items } = v as List;
        if (items.length < 15) this.byte((items.length << 4) | elementType);
        else {
          this.byte(0xf0 | elementType);
          this.varint(BigInt(items.length));
        }
        for (const item of items) this.value(elementType, item);
        return;
      }
      case MAP: {
        const { keyType, valueType, entries } = v as ThriftMap;
        this.varint(BigInt(entries.length));
        if (!entries.length) return;
        this.byte((keyType << 4) | valueType);
        for (const [k, x] of entries) {
          this.value(keyType, k);
          this.value(valueType, x);
        }
        return;
      }
      case STRUCT:
        return this.struct(v as Field[]);
      default:
        throw new Error(`unknown Thrift type ${type}`);
    }
  }
  struct(fields: Field[]) {
    let last = 0;
    for (const f of fields) {
      const type = f.type === TRUE || f.type === FALSE ? (f.value ? TRUE : FALSE) : f.type;
      const delta = f.id - last;
      if (delta > 0 && delta < 16) this.byte((delta << 4) | type);
      else {
        this.byte(type);
        this.zigzag(BigInt(f.id));
      }
      if (type !== TRUE && type !== FALSE) this.value(type, f.value);
      last = f.id;
    }
    this.byte(0);
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

// FileMetaData: schema 2, num_rows 3, row_groups 4. RowGroup: columns 1, file_offset 5, ordinal 7.
// ColumnChunk: file_offset 2, meta_data 3, column_index_offset 6 (a column index holds no offsets).
// ColumnMetaData: data_page_offset 9, index_page_offset 10, dictionary_page_offset 11,
// bloom_filter_offset 14. A part is refused with an offset index (ColumnChunk 4: its page locations are
// absolute offsets this does not move) or encrypted metadata (8, 9): DuckDB writes neither.
const FILE_SCHEMA = 2;
const FILE_ROWS = 3;
const FILE_ROW_GROUPS = 4;
const GROUP_COLUMNS = 1;
const GROUP_OFFSETS = [5];
const GROUP_ORDINAL = 7;
const CHUNK_META = 3;
const CHUNK_OFFSETS = [2, 6];
const CHUNK_UNMOVABLE: Record<number, string> = {
  4: 'an offset index',
  8: 'encryption',
  9: 'encrypted column metadata',
};
const META_OFFSETS = [9, 10, 11, 14];

const field = (fields: Field[], id: number) => fields.find((f) => f.id === id);
/** The structs of a struct's list field (none when it is absent). */
const structsOf = (fields: Field[], id: number) =>
  ((field(fields, id)?.value as List | undefined)?.items ?? []) as Field[][];

/** Moves the i64 fields `ids` of a struct by `by` bytes. */
function moveOffsets(fields: Field[], ids: number[], by: bigint): void {
  for (const f of fields)
    if (ids.includes(f.id) && f.type === I64) f.value = (f.value as bigint) + by;
}

/** A part's footer and where its body (what lies between the magic number and the footer) ends. */
function footerOf(fd: number, file: string): { meta: Field[]; bodyEnd: number } {
  const size = fstatSync(fd).size;
  const tail = Buffer.alloc(8);
  if (size < 12 || readSync(fd, tail, 0, 8, size - 8) !== 8 || tail.toString('latin1', 4) !== MAGIC)
    throw new Error(`${file} is not a Parquet file (no ${MAGIC} at its end)`);
  const length = tail.readUInt32LE(0);
  const bodyEnd = size - 8 - length;
  if (bodyEnd < 4) throw new Error(`${file}: its footer's length (${length}) passes its start`);
  const footer = Buffer.alloc(length);
  if (readSync(fd, footer, 0, length, bodyEnd) !== length) throw new Error(`${file}: short read`);
  return { meta: new Reader(footer).struct(), bodyEnd };
}

/**
 * Writes `into` (a new file; an existing one is refused) from the Parquet files `parts` in order: their row
 * groups, one footer. The parts must share a schema (each part's FileMetaData schema field, byte for byte).
 * A failure leaves no `into`.
 */
export function mergeParquet(parts: readonly string[], into: string): void {
  if (!parts.length) throw new Error('no Parquet file to merge');
  const out = openSync(into, 'wx');
  let done = false;
  try {
    writeSync(out, MAGIC);
    let at = 4;
    let rows = 0n;
    const groups: Value[] = [];
    let first: Field[] | undefined;
    let schema: string | undefined;
    const chunk = Buffer.alloc(1 << 20);
    for (const part of parts) {
      const fd = openSync(part, 'r');
      try {
        const { meta, bodyEnd } = footerOf(fd, part);
        const w = new Writer();
        w.value(LIST, { elementType: STRUCT, items: structsOf(meta, FILE_SCHEMA) });
        const partSchema = Buffer.from(w.bytes()).toString('base64');
        if (schema !== undefined && partSchema !== schema)
          throw new Error(`${part} has another schema than ${parts[0]}`);
        schema = partSchema;
        first ??= meta;
        const by = BigInt(at - 4);
        for (const group of structsOf(meta, FILE_ROW_GROUPS)) {
          moveOffsets(group, GROUP_OFFSETS, by);
          for (const column of structsOf(group, GROUP_COLUMNS)) {
            const unmovable = column.find((f) => CHUNK_UNMOVABLE[f.id]);
            if (unmovable)
              throw new Error(
                `${part} has ${CHUNK_UNMOVABLE[unmovable.id]}, which a join cannot move`,
              );
            moveOffsets(column, CHUNK_OFFSETS, by);
            const columnMeta = field(column, CHUNK_META)?.value as Field[] | undefined;
            if (columnMeta) moveOffsets(columnMeta, META_OFFSETS, by);
          }
          const ordinal = field(group, GROUP_ORDINAL);
          if (ordinal) ordinal.value = groups.length;
          groups.push(group);
        }
        rows += field(meta, FILE_ROWS)?.value as bigint;
        // The body, copied a megabyte at a time.
        for (let pos = 4; pos < bodyEnd;) {
          const n = readSync(fd, chunk, 0, Math.min(chunk.length, bodyEnd - pos), pos);
          if (n <= 0) throw new Error(`${part} ends before its footer`);
          writeSync(out, chunk, 0, n, at);
          pos += n;
          at += n;
        }
      } finally {
        closeSync(fd);
      }
    }
    const meta = first!.map((f) =>
      f.id === FILE_ROWS
        ? { ...f, value: rows }
        : f.id === FILE_ROW_GROUPS
          ? { ...f, value: { elementType: STRUCT, items: groups } }
          : f,
    );
    const w = new Writer();
    w.struct(meta);
    const footer = w.bytes();
    const tail = Buffer.alloc(8);
    tail.writeUInt32LE(footer.length, 0);
    tail.write(MAGIC, 4, 'latin1');
    writeSync(out, footer, 0, footer.length, at);
    writeSync(out, tail, 0, 8, at + footer.length);
    done = true;
  } finally {
    closeSync(out);
    // A join that failed leaves no part of a file.
    if (!done) rmSync(into, { force: true });
  }
}
