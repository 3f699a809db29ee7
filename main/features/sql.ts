import type {
  FittedEncoding,
  FittedFeatureSpec,
  FittedNumeric,
} from '../../shared/contract/features';
import { ident, literal, sqlInteger, sqlNumber } from '../workspace/db';
import { DATE_PARTS, TOKEN_SPLIT, columnOutputs, cyclicalTable, derivedOutputs } from './names';

/**
 * The numeric value of a source column (booleans as 0/1). NaN and ±Infinity count as missing, as they do
 * in the row executor (toNumber), so both impute them alike.
 */
export const numericSource = (column: string) =>
  `(CASE WHEN isfinite(TRY_CAST(${ident(column)} AS DOUBLE)) THEN TRY_CAST(${ident(column)} AS DOUBLE) END)`;
export const categorySource = (column: string) => `${ident(column)}::VARCHAR`;
/**
 * A date or time column as UTC wall-clock time, as the row executor reads it (toDate). Through epoch
 * microseconds: a TIMESTAMPTZ cast to TIMESTAMP would take the machine's time zone (TimeZone setting),
 * so hours and days moved with where training ran; DATE and TIMESTAMP are wall-clock already.
 */
export const dateSource = (column: string) => `make_timestamp(epoch_us(${ident(column)}))`;

export function datePartSql(ts: string, part: string): string {
  switch (part) {
    case 'weekend':
      // A missing date has no weekend flag (NULL), as in the row executor.
      return `(dayofweek(${ts}) IN (0, 6))::INTEGER::DOUBLE`;
    case 'year':
    case 'month':
    case 'day':
    case 'dayofweek':
    case 'dayofyear':
    case 'hour':
    case 'minute':
      return `${part}(${ts})::DOUBLE`;
  }
  // month_sin and the like: looked up in the table the row executor uses (list indexes start at 1).
  const [base, fn] = part.split('_') as [string, 'sin' | 'cos'];
  const table = cyclicalTable(base, fn).map(sqlNumber).join(', ');
  return `[${table}][${base}(${ts}) + ${sqlInteger(1 - DATE_PARTS[base]!.offset)}]`;
}

/** clip → scale → bucketize on a numeric expression, as fitted. */
export function postNumericSql(e: string, n: FittedNumeric): string {
  let x = e;
  // least/greatest skip NULLs in DuckDB; a missing value must stay missing.
  if (n.clip)
    x = `(CASE WHEN (${x}) IS NULL THEN NULL ELSE least(greatest(${x}, ${sqlNumber(n.clip.lo)}), ${sqlNumber(n.clip.hi)}) END)`;
  if (n.scale) x = `((${x}) - ${sqlNumber(n.scale.center)}) / ${sqlNumber(n.scale.scale)}`;
  if (n.bucketize) {
    const terms = n.bucketize.cuts.map(
      (c) => `(CASE WHEN (${x}) >= ${sqlNumber(c)} THEN 1 ELSE 0 END)`,
    );
    x = `(CASE WHEN (${x}) IS NULL THEN NULL ELSE (${terms.length ? terms.join(' + ') : '0'})::DOUBLE END)`;
  }
  return x;
}

const caseOf = (s: string, pairs: [string, string][], otherwise: string) =>
  pairs.length
    ? `(CASE ${s} ${pairs.map(([k, v]) => `WHEN ${literal(k)} THEN ${v}`).join(' ')} ELSE ${otherwise} END)`
    : otherwise;

function encodeSql(e: FittedEncoding, s: string, oof: OofOptions | undefined): string[] {
  switch (e.op) {
    case 'onehot': {
      const known = e.categories.map(
        (c) => `(CASE WHEN ${s} = ${literal(c)} THEN 1 ELSE 0 END)::DOUBLE`,
      );
      const inList = e.categories.map(literal).join(', ');
      const other = e.categories.length
        ? `(CASE WHEN ${s} IS NULL OR ${s} NOT IN (${inList}) THEN 1 ELSE 0 END)::DOUBLE`
        : '1::DOUBLE';
      return [...known, other];
    }
    case 'ordinal':
      return [
        caseOf(
          s,
          e.categories.map((c, i) => [c, sqlNumber(i)]),
          '-1::DOUBLE',
        ),
      ];
    case 'frequency':
      return [
        caseOf(
          s,
          Object.entries(e.shares).map(([c, v]) => [c, sqlNumber(v)]),
          '0::DOUBLE',
        ),
      ];
    case 'target':
      return e.labels.map((_, j) => {
        const lookup = (values: Record<string, number[]>) =>
          caseOf(
            s,
            Object.entries(values).map(([c, v]) => [c, sqlNumber(v[j]!)]),
            sqlNumber(e.prior[j]!),
          );
        if (!oof) return lookup(e.values);
        // Training rows get the encoding fitted without their own fold: no row sees its own target.
        const byFold = e.folds.map((f, k) => `WHEN ${sqlInteger(k)} THEN ${lookup(f)}`).join(' ');
        return `(CASE WHEN ${oof.split} = 'train' THEN (CASE ${foldSql(oof.row, e.folds.length)} ${byFold} END) ELSE ${lookup(e.values)} END)`;
      });
  }
}

/** The fold of a row for out-of-fold target encoding: md5 keeps it stable across DuckDB versions. */
export const foldSql = (row: string, folds: number) =>
  `(md5_number_lower('fold:' || ${row}::VARCHAR) % ${sqlInteger(folds)})`;

export interface OofOptions {
  /** Column holding 'train' | 'valid' | 'test'. */
  split: string;
  /** Column holding the stable row number. */
  row: string;
}

export interface CompileOptions {
  /** Columns of the source to carry through unchanged (e.g. the row number, the target). */
  keep?: string[];
  /** Encode training rows out-of-fold (target encoding), while fitting a model. */
  oof?: OofOptions;
  /** The row-order column that breaks ties in time order for lags and rolling means. */
  rowOrder?: string;
}

/**
 * Compiles a fitted spec to one DuckDB query over `from` whose columns are the output features (named as
 * in `fitted.outputs`), then `keep`. Lags and rolling means are window functions ordered by time, then row.
 */
export function compileFeatureSql(
  fitted: FittedFeatureSpec,
  from: string,
  options: CompileOptions = {},
): string {
  const window: string[] = [];
  const tfw: string[] = [];
  const norms: string[] = [];
  const finals: string[] = [];
  const tieBreak = options.rowOrder ? `, ${ident(options.rowOrder)}` : '';

  for (const c of fitted.columns) {
    if (c.kind === 'numeric') {
      let e = numericSource(c.source);
      if (c.impute) e = `coalesce(${e}, ${sqlNumber(c.impute.fill)})`;
      finals.push(postNumericSql(e, c.numeric));
      if (c.impute?.indicator)
        finals.push(`(CASE WHEN ${numericSource(c.source)} IS NULL THEN 1 ELSE 0 END)::DOUBLE`);
    } else if (c.kind === 'datetime') {
      c.parts.forEach((p, i) =>
        finals.push(postNumericSql(datePartSql(dateSource(c.source), p), c.numeric[i]!)),
      );
    } else {
      let s = categorySource(c.source);
      if (c.impute) s = `coalesce(${s}, ${literal(c.impute.fill)})`;
      finals.push(...encodeSql(c.encoding, s, options.oof));
      if (c.impute?.indicator)
        finals.push(`(CASE WHEN ${categorySource(c.source)} IS NULL THEN 1 ELSE 0 END)::DOUBLE`);
    }
  }
  fitted.derived.forEach((d, i) => {
    if (d.op === 'ratio' || d.op === 'product') {
      const [a, b] = d.columns.map(numericSource) as [string, string];
      finals.push(
        d.op === 'product' ? `${a} * ${b}` : `(CASE WHEN ${b} = 0 THEN NULL ELSE ${a} / ${b} END)`,
      );
      return;
    }
    if (d.op === 'lag' || d.op === 'rolling_mean') {
      const over = `OVER (${d.entity ? `PARTITION BY ${ident(d.entity)} ` : ''}ORDER BY ${ident(d.time)}${tieBreak}`;
      const sizes = d.op === 'lag' ? d.lags : d.windows;
      sizes.forEach((k, j) => {
        const name = `__d${i}_${j}`;
        window.push(
          d.op === 'lag'
            ? `LAG(${numericSource(d.column)}, ${sqlInteger(k)}) ${over}) AS ${name}`
            : `AVG(${numericSource(d.column)}) ${over} ROWS BETWEEN ${sqlInteger(k - 1)} PRECEDING AND CURRENT ROW) AS ${name}`,
        );
        finals.push(name);
      });
      return;
    }
    const tokens = `list_filter(string_split_regex(lower(coalesce(${categorySource(d.column)}, '')), ${literal(TOKEN_SPLIT)}), t -> t <> '')`;
    window.push(
      `list_transform(${tokens}, t -> (md5_number_lower(t) % ${sqlInteger(d.buckets)})::INTEGER) AS __tok${i}`,
    );
    tfw.push(
      `list_transform(range(${sqlInteger(d.buckets)}), b -> len(list_filter(__tok${i}, x -> x = b)) * [${d.idf.map(sqlNumber).join(', ')}][b + 1]) AS __tfw${i}`,
    );
    norms.push(`sqrt(list_sum(list_transform(__tfw${i}, v -> v * v))) AS __norm${i}`);
    for (let b = 0; b < d.buckets; b++) {
      finals.push(
        `(CASE WHEN __norm${i} > 0 THEN __tfw${i}[${sqlInteger(b + 1)}] / __norm${i} ELSE 0 END)`,
      );
    }
  });

  const outputs = [
    ...fitted.columns.flatMap(columnOutputs),
    ...fitted.derived.flatMap(derivedOutputs),
  ];
  // Missing and non-finite values (an overflowing product, say) end as 0, or NaN for a spec fitted for
  // trees (fitted.missing), as in the row executor.
  const missing = fitted.missing === 'nan' ? `'NaN'::DOUBLE` : '0';
  const select = finals.map(
    (e, k) =>
      `(CASE WHEN isfinite((${e})::DOUBLE) THEN (${e})::DOUBLE ELSE ${missing} END) AS ${ident(outputs[k]!)}`,
  );
  const keep = (options.keep ?? []).map(ident);
  const stage = (extra: string[], inner: string) =>
    extra.length ? `(SELECT *, ${extra.join(', ')} FROM ${inner})` : inner;
  const source = stage(norms, stage(tfw, stage(window, from)));
  return `SELECT ${[...select, ...keep].join(',\n  ')}\nFROM ${source}`;
}
