import type { FittedColumn, FittedDerived } from '../../shared/contract/features';

/**
 * A category or class as part of an output name. A SQL identifier cannot hold NUL (DuckDB stops reading
 * the name there), so NUL shows as ␀ (U+2400); a clash with a real '␀' is refused as a duplicate name.
 */
const label = (value: string) => value.split('\u0000').join('\u2400');

/** The output feature names of one fitted column, in vector order. */
export function columnOutputs(c: FittedColumn): string[] {
  if (c.kind === 'numeric') {
    const main = c.numeric.bucketize ? `${c.source}__bucket` : c.source;
    return c.impute?.indicator ? [main, `${c.source}__missing`] : [main];
  }
  if (c.kind === 'datetime') return c.parts.map((p) => `${c.source}.${p}`);
  const e = c.encoding;
  const encoded =
    e.op === 'onehot'
      ? [...e.categories.map((v) => `${c.source}=${label(v)}`), `${c.source}=__other__`]
      : e.op === 'ordinal'
        ? [`${c.source}__ordinal`]
        : e.op === 'frequency'
          ? [`${c.source}__freq`]
          : e.labels.length === 1
            ? [`${c.source}__target`]
            : e.labels.map((l) => `${c.source}__target=${label(l)}`);
  return c.impute?.indicator ? [...encoded, `${c.source}__missing`] : encoded;
}

export function derivedOutputs(d: FittedDerived): string[] {
  switch (d.op) {
    case 'lag':
      return d.lags.map((k) => `${d.column}__lag${k}`);
    case 'rolling_mean':
      return d.windows.map((w) => `${d.column}__rmean${w}`);
    case 'ratio':
      return [`${d.columns[0]}__div__${d.columns[1]}`];
    case 'product':
      return [`${d.columns[0]}__x__${d.columns[1]}`];
    case 'tfidf':
      return Array.from({ length: d.buckets }, (_, b) => `${d.column}__tfidf${b}`);
  }
}

/** Date parts and their period for the cyclical sin/cos pair (null: no cyclical form). */
export const DATE_PARTS: Record<string, { period: number | null; offset: number }> = {
  year: { period: null, offset: 0 },
  month: { period: 12, offset: 1 },
  day: { period: null, offset: 0 },
  dayofweek: { period: 7, offset: 0 },
  dayofyear: { period: null, offset: 0 },
  hour: { period: 24, offset: 0 },
  minute: { period: 60, offset: 0 },
  weekend: { period: null, offset: 0 },
};

/** Lower-cased alphanumeric tokens: the tokenizer both executors share. */
export const TOKEN_SPLIT = '[^a-z0-9]+';

/**
 * The sin or cos of a cyclical date part for each of its values (value − offset = 0 … period − 1), from
 * JavaScript's Math. Both executors read this one table: DuckDB's sin and cos can differ from Math's in
 * the last bit, and a bin cut fitted on exactly such a value then put a row in different bins.
 */
export function cyclicalTable(base: string, fn: 'sin' | 'cos'): readonly number[] {
  const key = `${base}_${fn}`;
  let table = cyclicalTables.get(key);
  if (!table) {
    const period = DATE_PARTS[base]!.period!;
    const f = fn === 'sin' ? Math.sin : Math.cos;
    table = Array.from({ length: period }, (_, k) => f((2 * Math.PI * k) / period));
    cyclicalTables.set(key, table);
  }
  return table;
}
const cyclicalTables = new Map<string, readonly number[]>();
