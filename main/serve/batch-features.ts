// The feature query of a batch job, and the copy of its rows into the model's input matrix. One-hot columns
// are the costly part of the spec's SQL (features/sql.ts): a CASE per category, each a DOUBLE the JS side
// then copies, so a 50-airport column makes 51 of them per row. Here DuckDB gives each such column one
// INTEGER, the position of the value among the fitted categories, and the matrix gets its 1 from that
// (the rest of the row's slots are 0, as the CASEs give them): the same values, for a small share of the work.
import type { FittedColumn, FittedFeatureSpec } from '../../shared/contract/features';
import { compileFeatureSql, categorySource } from '../features/sql';
import { columnOutputs } from '../features/names';
import { ident, literal, sqlInteger } from '../workspace/db';
import type { GatherPlan } from './onnx-gather';

/** A streamed DuckDB column as the feature copy reads it: typed items when the vector exposes them. */
interface Vector {
  getItem(i: number): unknown;
}

export interface BatchFeatures {
  /**
   * The query: the dense features (DOUBLE, no nulls), then one INTEGER code per one-hot column (0-based
   * position among the fitted categories, the category count for any other value or a missing one), then
   * the `keep` columns.
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

/** Copies the query's dense columns (its first ones) into the columns `slots` of a matrix of `width`. */
function copyDense(
  chunk: { getColumnVector(j: number): Vector },
  slots: Int32Array,
  from: number,
  take: number,
  x: Float32Array,
  at: number,
  width: number,
): void {
  for (let j = 0; j < slots.length; j++) {
    const values = chunk.getColumnVector(j);
    const items = (values as { items?: unknown }).items;
    const col = slots[j]!;
    if (items instanceof Float64Array)
      for (let r = 0, o = at * width + col; r < take; r++, o += width) x[o] = items[from + r]!;
    else
      for (let r = 0, o = at * width + col; r < take; r++, o += width)
        x[o] = Number(values.getItem(from + r));
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
  options: { keep: string[]; rowOrder: string },
): BatchFeatures {
  const width = kept.length;
  const { onehot, dense, plan } = layoutOf(spec, kept);
  const { dense: denseSlots, codes: slots } = plan;
  const rest: FittedFeatureSpec = { ...spec, columns: spec.columns.filter((c) => !codable(c)) };
  const codeNames = onehot.map((_, i) => `__lathe_code${i}`);
  const codes = onehot.map((c, i) => {
    const categories = codable(c)!;
    let s = categorySource(c.source);
    if (c.kind === 'categorical' && c.impute) s = `coalesce(${s}, ${literal(c.impute.fill)})`;
    // list_position is 1-based and NULL when the value is not listed (or missing): the other slot.
    return `coalesce(list_position([${categories.map(literal).join(', ')}], ${s}) - 1, ${sqlInteger(categories.length)})::INTEGER AS ${codeNames[i]}`;
  });
  const staged = codes.length ? `(SELECT *, ${codes.join(', ')} FROM ${source})` : source;
  const inner = compileFeatureSql(rest, staged, {
    keep: [...options.keep, ...codeNames],
    rowOrder: options.rowOrder,
  });
  const select = [
    ...dense.map((k) => `coalesce(CAST(${ident(k)} AS DOUBLE), 0) AS ${ident(k)}`),
    ...codeNames,
    ...options.keep.map(ident),
  ];
  return {
    sql: `SELECT ${select.join(', ')} FROM (${inner})`,
    columns: dense.length + codeNames.length,
    fill(chunk, from, take, x, at) {
      if (onehot.length) x.fill(0, at * width, (at + take) * width);
      copyDense(chunk, denseSlots, from, take, x, at, width);
      for (let i = 0; i < onehot.length; i++) {
        const values = chunk.getColumnVector(dense.length + i);
        const items = (values as { items?: unknown }).items;
        const map = slots[i]!;
        for (let r = 0; r < take; r++) {
          const code =
            items instanceof Int32Array ? items[from + r]! : Number(values.getItem(from + r));
          const col = map[code]!;
          if (col >= 0) x[(at + r) * width + col] = 1;
        }
      }
    },
    compactFill(offsets) {
      const d = dense.length;
      const compact = d + onehot.length;
      const denseColumns = Int32Array.from(dense, (_, j) => j);
      return (chunk, from, take, x, at) => {
        copyDense(chunk, denseColumns, from, take, x, at, compact);
        for (let i = 0; i < onehot.length; i++) {
          const values = chunk.getColumnVector(d + i);
          const items = (values as { items?: unknown }).items;
          const offset = offsets[i]!;
          for (let r = 0, o = at * compact + d + i; r < take; r++, o += compact)
            x[o] =
              offset +
              (items instanceof Int32Array ? items[from + r]! : Number(values.getItem(from + r)));
        }
      };
    },
  };
}
