// The feature query of a batch job, and the copy of its rows into the model's input matrix. One-hot columns
// are the costly part of the spec's SQL (features/sql.ts): a CASE per category, each a DOUBLE the JS side
// then copies, so a 50-airport column makes 51 of them per row. Here DuckDB gives each such column one
// INTEGER, the position of the value among the fitted categories, and the matrix gets its 1 from that
// (the rest of the row's slots are 0, as the CASEs give them): the same values, for a small share of the work.
import type { FittedColumn, FittedFeatureSpec } from '../../shared/contract/features';
import { compileFeatureSql, categorySource } from '../features/sql';
import { columnOutputs } from '../features/names';
import { ident, literal, sqlInteger } from '../workspace/db';

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
  fill(
    chunk: { getColumnVector(j: number): Vector },
    from: number,
    take: number,
    x: Float32Array,
    at: number,
  ): void;
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
  const slot = new Map(kept.map((k, i) => [k, i]));
  const width = kept.length;
  const onehot = spec.columns.filter((c) => codable(c));
  const rest: FittedFeatureSpec = { ...spec, columns: spec.columns.filter((c) => !codable(c)) };
  const codeNames = onehot.map((_, i) => `__lathe_code${i}`);
  // Each code column maps its code to the matrix column of that category's output (-1: not kept).
  const slots = onehot.map((c) => Int32Array.from(columnOutputs(c), (o) => slot.get(o) ?? -1));
  const codes = onehot.map((c, i) => {
    const categories = codable(c)!;
    let s = categorySource(c.source);
    if (c.kind === 'categorical' && c.impute) s = `coalesce(${s}, ${literal(c.impute.fill)})`;
    // list_position is 1-based and NULL when the value is not listed (or missing): the other slot.
    return `coalesce(list_position([${categories.map(literal).join(', ')}], ${s}) - 1, ${sqlInteger(categories.length)})::INTEGER AS ${codeNames[i]}`;
  });
  const coded = new Set(onehot.flatMap(columnOutputs));
  // Everything else, derived features included, comes from the spec's own SQL as before.
  const dense = kept.filter((k) => !coded.has(k));
  const denseSlots = Int32Array.from(dense, (k) => slot.get(k)!);
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
      for (let j = 0; j < dense.length; j++) {
        const values = chunk.getColumnVector(j);
        const items = (values as { items?: unknown }).items;
        const col = denseSlots[j]!;
        if (items instanceof Float64Array)
          for (let r = 0, o = at * width + col; r < take; r++, o += width) x[o] = items[from + r]!;
        else
          for (let r = 0, o = at * width + col; r < take; r++, o += width)
            x[o] = Number(values.getItem(from + r));
      }
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
  };
}
