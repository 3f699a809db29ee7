// The feature query of a batch job, and the copy of its rows into the model's input matrix. One-hot columns
// are the costly part of the spec's SQL (features/sql.ts): a CASE per category, each a DOUBLE the JS side
// then copies, so a 50-airport column makes 51 of them per row. Here each such column comes as one code, the
// position of the value among the fitted categories, and the matrix gets its 1 from that (the rest of the
// row's slots are 0, as the CASEs give them): the same values, for a small share of the work. When every
// category is short enough to sit in DuckDB's string header, JavaScript reads the code from the header the
// query streams (inlineCoder); else DuckDB computes it. A numeric column read from a numeric DuckDB type
// streams as its DOUBLE value, and JavaScript imputes, clips, scales and bucketizes it (numericStep) with the
// same double arithmetic as the SQL, so the same bits.
import type { FittedColumn, FittedFeatureSpec } from '../../shared/contract/features';
import { compileFeatureSql, categorySource } from '../features/sql';
import { columnOutputs } from '../features/names';
import { ident, literal, sqlInteger } from '../workspace/db';
import type { GatherPlan } from './onnx-gather';

/** A streamed DuckDB column as the feature copy reads it: typed items when the vector exposes them. */
interface Vector {
  getItem(i: number): unknown;
}

/**
 * Bytes of a string DuckDB keeps inside its 16-byte header (string_t: a uint32 length, then the bytes,
 * zero-padded); a longer string keeps a prefix and a pointer there instead.
 */
const INLINE_BYTES = 12;
/** A value that stands for a missing one where categories are read from string headers: never inline. */
const MISSING = '<lathe:missing value>';
const utf8 = new TextEncoder();

/**
 * The codes of strings (0-based position among `categories`, their count when not among them) read from
 * their 16-byte headers, four native int32 words each: exact, since every category is inline (at most
 * INLINE_BYTES bytes) and so is any string equal to one. An open-addressing table of the categories'
 * headers, so a row costs a hash and one or two compares instead of DuckDB's list_position, a scan of the
 * list per row (3M flights rows, two 50-airport columns: 0.15-0.2 s less CPU per job).
 * `codes(w, first, count, out)` writes the codes of the `count` headers from header `first` into `out`.
 */
export function inlineCoder(
  categories: readonly string[],
): (w: Int32Array, first: number, count: number, out: Int32Array) => void {
  const n = categories.length;
  let size = 8;
  while (size < n * 4) size *= 2;
  const mask = size - 1;
  const keys = new Int32Array(size * 4);
  const codes = new Int32Array(size).fill(-1);
  // Fibonacci hashing of the words mixed: the top bits of the product.
  const shift = 32 - Math.log2(size);
  const slot = (a: number, b: number, c: number, d: number) =>
    Math.imul(b ^ Math.imul(c ^ d, 31) ^ a, 0x9e3779b1) >>> shift;
  categories.forEach((category, code) => {
    const header = new Int32Array(4);
    const bytes = utf8.encode(category);
    new Uint8Array(header.buffer).set(bytes, 4);
    header[0] = bytes.length;
    let h = slot(header[0], header[1]!, header[2]!, header[3]!);
    while (codes[h] !== -1) h = (h + 1) & mask;
    keys.set(header, h * 4);
    codes[h] = code;
  });
  return (w, first, count, out) => {
    for (let r = 0, o = first * 4; r < count; r++, o += 4) {
      const a = w[o]!;
      let code = n;
      if (a >= 0 && a <= INLINE_BYTES) {
        const b = w[o + 1]!;
        const c = w[o + 2]!;
        const d = w[o + 3]!;
        for (let h = slot(a, b, c, d); codes[h] !== -1; h = (h + 1) & mask) {
          const k = h * 4;
          if (keys[k] === a && keys[k + 1] === b && keys[k + 2] === c && keys[k + 3] === d) {
            code = codes[h]!;
            break;
          }
        }
      }
      out[r] = code;
    }
  };
}

/**
 * The string headers of a VARCHAR vector as int32 words, when the vector exposes them aligned (a field the
 * DuckDB client keeps private: tests/integration/serve/batch-codes.test.ts checks a streamed chunk has it,
 * so an upgrade that hides it fails there instead of falling back to decoding every string).
 */
export function headerWords(values: Vector, rows: number): Int32Array | null {
  const view = (values as unknown as { dataView?: unknown }).dataView;
  if (!(view instanceof DataView) || view.byteOffset % 4 !== 0 || view.byteLength < rows * 16)
    return null;
  return new Int32Array(view.buffer, view.byteOffset, view.byteLength / 4);
}

/**
 * A numeric column's post-processing in JavaScript, as compileFeatureSql computes it (numericSource, then
 * the imputation, postNumericSql and the final check), as plain numbers for stepInto's loop: no clip is
 * [-∞, ∞], no scale is (v − 0) / 1, which leave every finite value as it is.
 */
export interface NumericStep {
  /** The imputed value; NaN: none, a missing value stays missing. */
  fill: number;
  lo: number;
  hi: number;
  center: number;
  scale: number;
  cuts: Float64Array | null;
  /** What a missing or non-finite feature becomes: 0, or NaN for trees. */
  missing: number;
}

/** The JavaScript step of a numeric column; null for a column with an indicator (or not numeric). */
export function numericStep(c: FittedColumn, missing: number): NumericStep | null {
  if (c.kind !== 'numeric' || c.impute?.indicator) return null;
  const { clip, scale, bucketize } = c.numeric;
  return {
    fill: c.impute ? c.impute.fill : NaN,
    lo: clip ? clip.lo : -Infinity,
    hi: clip ? clip.hi : Infinity,
    center: scale ? scale.center : 0,
    scale: scale ? scale.scale : 1,
    cuts: bucketize ? Float64Array.from(bucketize.cuts) : null,
    missing,
  };
}

/**
 * Writes the features of `take` DOUBLEs (NaN when missing) from `values[from]` into every `width`-th slot
 * of `x` from `o`: the same double arithmetic as the SQL, so the same bits.
 */
function stepInto(
  values: Float64Array,
  from: number,
  take: number,
  x: Float32Array,
  o: number,
  width: number,
  step: NumericStep,
): void {
  const { fill, lo, hi, center, scale, cuts, missing } = step;
  for (let r = 0; r < take; r++, o += width) {
    let v = values[from + r]!;
    // A non-finite value is a missing one (numericSource), imputed, or missing to the end.
    if (v - v !== 0) v = fill;
    if (v !== v) {
      x[o] = missing;
      continue;
    }
    // DuckDB's greatest and least keep the first of equal values (-0 and 0).
    v = v >= lo ? v : lo;
    v = v <= hi ? v : hi;
    v = (v - center) / scale;
    if (cuts) {
      // DuckDB orders NaN (0 / 0 of a zero scale) above every number.
      let bin = 0;
      for (let k = 0; k < cuts.length; k++) if (v >= cuts[k]! || v !== v) bin++;
      v = bin;
    }
    x[o] = v - v === 0 ? v : missing;
  }
}

export interface BatchFeatures {
  /**
   * The query: the dense features (DOUBLE, no nulls), then per one-hot column its code (0-based position
   * among the fitted categories, the category count for any other value or a missing one) as an INTEGER,
   * or the value (VARCHAR, never NULL) the copy codes itself, then the `keep` columns.
   */
  sql: string;
  /** Columns before the `keep` ones. */
  columns: number;
  /**
   * Copies rows `from` … `from + take` of a DuckDB chunk into rows `at` … of the row-major matrix `x`
   * (`width` features per row), every feature in the model's order.
   */
  fill: Fill;
  /**
   * The copy into the compact matrix of featurePlan instead (onnx-gather.ts rewrites the model to read it):
   * the dense features, then each one-hot column's code plus its offset, d + m values per row.
   */
  compactFill(offsets: readonly number[]): Fill;
}

type Fill = (
  chunk: { getColumnVector(j: number): Vector },
  from: number,
  take: number,
  x: Float32Array,
  at: number,
) => void;

/**
 * Copies the query's dense columns (its first ones) into the columns `slots` of a matrix of `width`; a
 * column with a step (numericStep) through it.
 */
function copyDense(
  chunk: { getColumnVector(j: number): Vector },
  slots: Int32Array,
  steps: readonly (NumericStep | null)[],
  from: number,
  take: number,
  x: Float32Array,
  at: number,
  width: number,
): void {
  for (let j = 0; j < slots.length; j++) {
    const values = chunk.getColumnVector(j);
    let items = (values as { items?: unknown }).items;
    const col = slots[j]!;
    const step = steps[j];
    if (!(items instanceof Float64Array)) {
      const read = new Float64Array(from + take);
      for (let r = from; r < from + take; r++) read[r] = Number(values.getItem(r));
      items = read;
    }
    const doubles = items as Float64Array;
    if (step) stepInto(doubles, from, take, x, at * width + col, width, step);
    else for (let r = 0, o = at * width + col; r < take; r++, o += width) x[o] = doubles[from + r]!;
  }
}

/**
 * The categories of a one-hot column whose slots can come from a code (distinct categories, no indicator
 * beside them); else null.
 */
function codable(c: FittedColumn): string[] | null {
  if (c.kind !== 'categorical' || c.encoding.op !== 'onehot' || c.impute?.indicator) return null;
  const categories = c.encoding.categories;
  return categories.length && new Set(categories).size === categories.length ? categories : null;
}

/**
 * Where the query's columns go in the model's matrix: the coded one-hot columns, and the model's column of
 * each dense feature and of each code.
 */
function layoutOf(spec: FittedFeatureSpec, kept: readonly string[]) {
  const slot = new Map(kept.map((k, i) => [k, i]));
  const onehot = spec.columns.filter((c) => codable(c));
  const coded = new Set(onehot.flatMap(columnOutputs));
  // Everything else, derived features included, comes from the spec's own SQL as before.
  const dense = kept.filter((k) => !coded.has(k));
  const plan: { dense: Int32Array; codes: Int32Array[] } = {
    dense: Int32Array.from(dense, (k) => slot.get(k)!),
    // Each code column maps its code to the matrix column of that category's output (-1: not kept).
    codes: onehot.map((c) => Int32Array.from(columnOutputs(c), (o) => slot.get(o) ?? -1)),
  };
  return { onehot, dense, plan };
}

/** The plan of batchFeatures(spec, kept, …), known before its query is. */
export const featurePlan = (spec: FittedFeatureSpec, kept: readonly string[]): GatherPlan =>
  layoutOf(spec, kept).plan;

/**
 * The feature query over `source` of a spec whose model takes the features `kept` (in that order), with
 * the copy of its rows into the matrix. `keep` columns of the source follow the features; `rowOrder` breaks
 * ties in time order (lags, rolling means).
 */
export function batchFeatures(
  spec: FittedFeatureSpec,
  kept: readonly string[],
  source: string,
  options: {
    keep: string[];
    rowOrder: string;
    /** Source columns of a numeric DuckDB type: their numeric features are computed in JavaScript. */
    numeric?: ReadonlySet<string>;
  },
): BatchFeatures {
  const width = kept.length;
  const { onehot, dense, plan } = layoutOf(spec, kept);
  const { dense: denseSlots, codes: slots } = plan;
  // Per numeric column computed in JavaScript: its feature, its step, and the column its DOUBLE streams as
  // (NaN when missing: numericStep takes every non-finite value for a missing one, as numericSource does).
  const missing = spec.missing === 'nan' ? NaN : 0;
  const stepped = new Map<string, { c: FittedColumn; step: NumericStep; name: string }>();
  for (const c of spec.columns) {
    const step = options.numeric?.has(c.source) ? numericStep(c, missing) : null;
    if (step) stepped.set(columnOutputs(c)[0]!, { c, step, name: `__lathe_number${stepped.size}` });
  }
  const steps = dense.map((k) => stepped.get(k)?.step ?? null);
  const inSql = (c: FittedColumn) => !codable(c) && stepped.get(columnOutputs(c)[0]!)?.c !== c;
  const rest: FittedFeatureSpec = { ...spec, columns: spec.columns.filter(inSql) };
  const codeNames = onehot.map((_, i) => `__lathe_code${i}`);
  // Per coded column: its code in JS from the string's header (inlineCoder) when every category is inline,
  // else null and DuckDB gives the code. Not under a lag or a rolling mean: the whole input is sorted
  // then, and a string (16 bytes a row) would make the sort spill sooner than a code (4).
  const sorted = spec.derived.some((d) => d.op === 'lag' || d.op === 'rolling_mean');
  const coders = onehot.map((c) => {
    const categories = codable(c)!;
    return !sorted && categories.every((k) => utf8.encode(k).length <= INLINE_BYTES)
      ? { code: inlineCoder(categories), index: new Map(categories.map((k, j) => [k, j])) }
      : null;
  });
  const codes = onehot.map((c, i) => {
    const categories = codable(c)!;
    let s = categorySource(c.source);
    if (c.kind === 'categorical' && c.impute) s = `coalesce(${s}, ${literal(c.impute.fill)})`;
    // The string itself, a missing one as a value no category is (not inline: the other slot).
    if (coders[i]) return `coalesce(${s}, ${literal(MISSING)}) AS ${codeNames[i]}`;
    // list_position is 1-based and NULL when the value is not listed (or missing): the other slot.
    return `coalesce(list_position([${categories.map(literal).join(', ')}], ${s}) - 1, ${sqlInteger(categories.length)})::INTEGER AS ${codeNames[i]}`;
  });
  /** The codes of rows from … from + take of coded column i (in a buffer the next call reuses). */
  let codeBuffer = new Int32Array(0);
  const readCodes = (values: Vector, i: number, from: number, take: number): Int32Array => {
    if (codeBuffer.length < take) codeBuffer = new Int32Array(Math.max(take, 2048));
    const out = codeBuffer;
    const coder = coders[i];
    if (!coder) {
      const items = (values as { items?: unknown }).items;
      if (items instanceof Int32Array) return items.subarray(from, from + take);
      for (let r = 0; r < take; r++) out[r] = Number(values.getItem(from + r));
      return out;
    }
    const words = headerWords(values, from + take);
    if (words) coder.code(words, from, take, out);
    else {
      // A vector without its headers exposed: the same codes from its strings.
      const n = coder.index.size;
      for (let r = 0; r < take; r++)
        out[r] = coder.index.get(values.getItem(from + r) as string) ?? n;
    }
    return out;
  };
  const numbers = [...stepped.values()].map(
    ({ c, name }) => `coalesce(TRY_CAST(${ident(c.source)} AS DOUBLE), 'NaN'::DOUBLE) AS ${name}`,
  );
  const added = [...codes, ...numbers];
  const staged = added.length ? `(SELECT *, ${added.join(', ')} FROM ${source})` : source;
  const inner = compileFeatureSql(rest, staged, {
    keep: [...options.keep, ...codeNames, ...[...stepped.values()].map((n) => n.name)],
    rowOrder: options.rowOrder,
  });
  const select = [
    ...dense.map((k) => {
      const n = stepped.get(k);
      return n
        ? `${n.name} AS ${ident(k)}`
        : `coalesce(CAST(${ident(k)} AS DOUBLE), 0) AS ${ident(k)}`;
    }),
    ...codeNames,
    ...options.keep.map(ident),
  ];
  return {
    sql: `SELECT ${select.join(', ')} FROM (${inner})`,
    columns: dense.length + codeNames.length,
    fill(chunk, from, take, x, at) {
      if (onehot.length) x.fill(0, at * width, (at + take) * width);
      copyDense(chunk, denseSlots, steps, from, take, x, at, width);
      for (let i = 0; i < onehot.length; i++) {
        const map = slots[i]!;
        const codes = readCodes(chunk.getColumnVector(dense.length + i), i, from, take);
        for (let r = 0; r < take; r++) {
          const col = map[codes[r]!]!;
          if (col >= 0) x[(at + r) * width + col] = 1;
        }
      }
    },
    compactFill(offsets) {
      const d = dense.length;
      const compact = d + onehot.length;
      const denseColumns = Int32Array.from(dense, (_, j) => j);
      return (chunk, from, take, x, at) => {
        copyDense(chunk, denseColumns, steps, from, take, x, at, compact);
        for (let i = 0; i < onehot.length; i++) {
          const offset = offsets[i]!;
          const codes = readCodes(chunk.getColumnVector(d + i), i, from, take);
          for (let r = 0, o = at * compact + d + i; r < take; r++, o += compact)
            x[o] = offset + codes[r]!;
        }
      };
    },
  };
}
