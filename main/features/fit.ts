import {
  LatheError,
  type ColumnInfo,
  type ColumnStep,
  type FeatureSpec,
  type Task,
} from '../../shared/contract';
import type {
  FeatureDoc,
  FittedColumn,
  FittedDerived,
  FittedEncoding,
  FittedFeatureSpec,
  FittedNumeric,
} from '../../shared/contract/features';
import type { Engine } from '../data/engine';
import { ident, literal, plainNumber, sqlInteger, sqlNumber, toPlain } from '../workspace/db';
import {
  CATEGORY_ORDER,
  ENCODINGS,
  NUMERIC_ORDER,
  checkFeatureSpec,
  columnLookup,
  orderSteps,
  pipelineOf,
  specError,
} from './check';
import { DATE_PARTS, TOKEN_SPLIT, columnOutputs, derivedOutputs } from './names';
import {
  categorySource,
  dateSource,
  datePartSql,
  foldSql,
  numericSource,
  postNumericSql,
} from './sql';
import { canonicalHash } from '../workspace/canonical-json';

export interface FitContext {
  engine: Engine;
  /** A relation over the dataset: every column plus the row and split columns. */
  from: string;
  columns: ColumnInfo[];
  /** Name of the column with 'train' | 'valid' | 'test'. */
  split: string;
  /** Name of the stable row-number column. */
  row: string;
  /** Needed by target encoding. */
  target?: { column: string; task: Task; classes: string[] };
}

const fail = specError;

/**
 * Whether a category can key a fitted lookup table. fitted.json is read back with zod, whose records drop
 * a '__proto__' key (assigning it would replace the prototype): a category of that name is left out of the
 * tables here too, so training (this object) and serving (the file) both treat it as unseen.
 */
const storableKey = (category: string) => category !== '__proto__';

/** A number clamped to the finite doubles (JSON, and so fitted.json, cannot hold ±Infinity). */
const finite = (v: number) => Math.min(Math.max(v, -Number.MAX_VALUE), Number.MAX_VALUE);

export function featureSpecHash(spec: FeatureSpec): string {
  return canonicalHash(spec);
}

/**
 * Fits a feature spec on the training rows only (statistics, vocabularies, bins, target encodings with
 * out-of-fold copies), in SQL. Errors name the spec field at fault.
 */
export async function fitFeatureSpec(
  spec: FeatureSpec,
  ctx: FitContext,
): Promise<FittedFeatureSpec> {
  const { engine } = ctx;
  checkFeatureSpec(spec, ctx.columns, ctx.target?.column);
  const train = `${ident(ctx.split)} = 'train'`;
  const column = columnLookup(ctx.columns);
  const stat = async (select: string, where = 'TRUE') =>
    (await engine.all(`SELECT ${select} FROM ${ctx.from} WHERE ${train} AND (${where})`))[0] ?? {};
  const [{ n: trainRowsRaw } = { n: 0 }] = await engine.all(
    `SELECT count(*) AS n FROM ${ctx.from} WHERE ${train}`,
  );
  const trainRows = Number(trainRowsRaw);
  if (trainRows === 0) throw new LatheError('INVALID_CONFIG', 'the training split has no rows');
  const docs: FeatureDoc[] = [];

  /**
   * Mean and population standard deviation. Past ±2^400 (or below 2^-400) the sums of squares overflow
   * (DuckDB throws "STDDEV_POP is out of range") or underflow, so they are taken on the values divided by
   * a power of two near their largest magnitude, which is exact, and scaled back.
   */
  async function standardStats(x: string): Promise<Record<string, unknown>> {
    const m = plainNumber((await stat(`max(abs(${x})) AS m`)).m);
    if (m === null || m === 0 || (m < 2 ** 400 && m > 2 ** -400))
      return stat(`avg(${x}) AS c, stddev_pop(${x}) AS s`);
    // log2 of the largest doubles rounds up to 1024, and 2^1024 is Infinity.
    const k = sqlNumber(2 ** Math.min(1023, Math.floor(Math.log2(m))));
    return stat(`avg((${x}) / ${k}) * ${k} AS c, stddev_pop((${x}) / ${k}) * ${k} AS s`);
  }

  /** clip / scale / bucketize fitted on `e` (already imputed), in that order. */
  async function fitNumeric(
    e: string,
    steps: { step: ColumnStep; field: string }[],
  ): Promise<FittedNumeric> {
    const out: FittedNumeric = {};
    let x = e;
    for (const { step, field } of steps) {
      if (step.op === 'clip') {
        const q =
          step.method === 'iqr'
            ? await stat(`quantile_cont(${x}, 0.25) AS a, quantile_cont(${x}, 0.75) AS b`)
            : await stat(
                `quantile_cont(${x}, ${sqlNumber(step.lower)}) AS a, quantile_cont(${x}, ${sqlNumber(step.upper)}) AS b`,
              );
        const a = plainNumber(q.a);
        const b = plainNumber(q.b);
        if (a === null || b === null)
          throw fail(field, 'no values to fit the clip on in the training split');
        // Fences past the largest double clip nothing: keep them finite so fitted.json can hold them.
        out.clip =
          step.method === 'iqr'
            ? { lo: finite(a - step.factor * (b - a)), hi: finite(b + step.factor * (b - a)) }
            : { lo: a, hi: b };
      } else if (step.op === 'scale') {
        const s =
          step.method === 'standard'
            ? await standardStats(x)
            : step.method === 'minmax'
              ? await stat(`min(${x}) AS c, max(${x}) - min(${x}) AS s`)
              : await stat(
                  `median(${x}) AS c, quantile_cont(${x}, 0.75) - quantile_cont(${x}, 0.25) AS s`,
                );
        const center = plainNumber(s.c);
        const scale = plainNumber(s.s);
        if (center === null)
          throw fail(field, 'no values to fit the scaler on in the training split');
        out.scale = { center, scale: scale && scale > 0 ? scale : 1 };
      } else if (step.op === 'bucketize') {
        let cuts: number[];
        if (step.strategy === 'uniform') {
          const r = await stat(`min(${x}) AS lo, max(${x}) AS hi`);
          const lo = plainNumber(r.lo);
          const hi = plainNumber(r.hi);
          if (lo === null || hi === null)
            throw fail(field, 'no values to fit the bins on in the training split');
          // Near the largest doubles (k + 1)·(hi − lo) overflows: interpolate without forming it.
          cuts = Array.from({ length: step.bins - 1 }, (_, k) => {
            const cut = lo + ((k + 1) * (hi - lo)) / step.bins;
            const t = (k + 1) / step.bins;
            return Number.isFinite(cut) ? cut : lo * (1 - t) + hi * t;
          });
        } else {
          const probs = Array.from({ length: step.bins - 1 }, (_, k) => (k + 1) / step.bins);
          const r = await stat(`quantile_cont(${x}, [${probs.map(sqlNumber).join(', ')}]) AS q`);
          cuts = ((r.q as unknown[] | null) ?? [])
            .map((v) => plainNumber(v))
            .filter((v): v is number => v !== null);
        }
        out.bucketize = { cuts: [...new Set(cuts)].sort((a, b) => a - b) };
      }
      x = postNumericSql(e, out);
    }
    return out;
  }

  async function fitEncoding(step: ColumnStep, s: string, field: string): Promise<FittedEncoding> {
    const vocab = async (limit: string, having = '') =>
      (
        await engine.all(
          `SELECT ${s} AS v, count(*) AS n FROM ${ctx.from} WHERE ${train} AND ${s} IS NOT NULL GROUP BY 1 ${having} ORDER BY 2 DESC, 1 ${limit}`,
        )
      ).map((r) => ({ value: String(toPlain(r.v)), count: Number(r.n) }));
    if (step.op === 'onehot') {
      return {
        op: 'onehot',
        categories: (
          await vocab(
            `LIMIT ${sqlInteger(step.maxCategories)}`,
            `HAVING count(*) >= ${sqlInteger(step.minFrequency)}`,
          )
        ).map((v) => v.value),
      };
    }
    if (step.op === 'ordinal') {
      const categories = step.order ?? (await vocab('')).map((v) => v.value).sort();
      return { op: 'ordinal', categories };
    }
    if (step.op === 'frequency') {
      return {
        op: 'frequency',
        shares: Object.fromEntries(
          (await vocab(''))
            .filter((v) => storableKey(v.value))
            .map((v) => [v.value, v.count / trainRows]),
        ),
      };
    }
    if (step.op !== 'target') throw fail(field, `${step.op} is not an encoding`);
    const t = ctx.target;
    if (!t)
      throw fail(field, 'target encoding needs the training target (use it in a train config)');
    const tc = ident(t.column);
    const labels =
      t.task === 'multiclass' ? t.classes : [t.task === 'binary' ? t.classes[1]! : t.column];
    const ys = labels.map((l) =>
      t.task === 'regression'
        ? `${tc}::DOUBLE`
        : `(CASE WHEN ${tc}::VARCHAR = ${literal(l)} THEN 1 ELSE 0 END)::DOUBLE`,
    );
    const priorRow = await stat(ys.map((y, j) => `avg(${y}) AS p${j}`).join(', '));
    const prior = ys.map((_, j) => plainNumber(priorRow[`p${j}`]) ?? 0);
    const encodings = async (where: string) => {
      const rows = await engine.all(
        `SELECT ${s} AS v, count(*) AS n, ${ys.map((y, j) => `sum(${y}) AS s${j}`).join(', ')}
         FROM ${ctx.from} WHERE ${train} AND ${s} IS NOT NULL AND (${where}) GROUP BY 1`,
      );
      return Object.fromEntries(
        rows
          .filter((r) => storableKey(String(toPlain(r.v))))
          .map((r) => [
            String(toPlain(r.v)),
            ys.map(
              (_, j) =>
                ((plainNumber(r[`s${j}`]) ?? 0) + step.smoothing * prior[j]!) /
                (Number(r.n) + step.smoothing),
            ),
          ]),
      );
    };
    const fold = foldSql(ident(ctx.row), step.folds);
    const folds = [];
    for (let k = 0; k < step.folds; k++) folds.push(await encodings(`${fold} <> ${sqlInteger(k)}`));
    return { op: 'target', labels, prior, values: await encodings('TRUE'), folds };
  }

  const columns: FittedColumn[] = [];
  for (const [gi, group] of spec.groups.entries()) {
    for (const [ci, name] of group.columns.entries()) {
      const field = `groups.${gi}`;
      const info = column(`${field}.columns.${ci}`, name);
      const encoding = group.steps.find((s) => ENCODINGS.has(s.op));
      const kind = pipelineOf(info, group.steps);
      if (kind === 'categorical') {
        const ordered = orderSteps(group.steps, field, CATEGORY_ORDER);
        const imputeStep = ordered.find((o) => o.step.op === 'impute');
        let s = categorySource(name);
        let impute: { fill: string; indicator: boolean } | undefined;
        if (imputeStep && imputeStep.step.op === 'impute') {
          const st = imputeStep.step;
          const fill =
            st.strategy === 'constant'
              ? String(st.value)
              : String(
                  toPlain(
                    (
                      await engine.all(
                        `SELECT ${s} AS v FROM ${ctx.from} WHERE ${train} AND ${s} IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
                      )
                    )[0]?.v,
                  ) ?? '',
                );
          impute = { fill, indicator: st.indicator };
          s = `coalesce(${s}, ${literal(fill)})`;
        }
        const enc = await fitEncoding(
          encoding ?? { op: 'onehot', maxCategories: 50, minFrequency: 1 },
          s,
          field,
        );
        const fitted: FittedColumn = {
          kind: 'categorical',
          source: name,
          ...(impute ? { impute } : {}),
          encoding: enc,
        };
        columns.push(fitted);
        const summary =
          enc.op === 'onehot'
            ? { categories: enc.categories.length }
            : enc.op === 'ordinal'
              ? { categories: enc.categories }
              : enc.op === 'frequency'
                ? { categories: Object.keys(enc.shares).length }
                : {
                    categories: Object.keys(enc.values).length,
                    prior: enc.prior,
                    folds: enc.folds.length,
                  };
        for (const out of columnOutputs(fitted)) {
          docs.push({
            name: out,
            sources: [name],
            transform: [
              impute
                ? `impute ${imputeStep!.step.op === 'impute' ? imputeStep!.step.strategy : ''}`
                : null,
              `${enc.op} encoding`,
            ]
              .filter(Boolean)
              .join(' → '),
            fitted: { ...(impute ? { fill: impute.fill } : {}), ...summary },
          });
        }
      } else if (kind === 'datetime') {
        const dt = group.steps.find((s) => s.op === 'datetime');
        const rest = orderSteps(
          group.steps.filter((s) => s.op !== 'datetime'),
          field,
          ['clip', 'scale', 'bucketize'],
        );
        const timestamp = info.type.toUpperCase().startsWith('TIMESTAMP');
        const base =
          dt && dt.op === 'datetime'
            ? dt.parts
            : ['year', 'month', 'day', 'dayofweek', ...(timestamp ? ['hour', 'minute'] : [])];
        const cyclical =
          dt && dt.op === 'datetime' && dt.cyclical
            ? base.filter((p) => DATE_PARTS[p]!.period).flatMap((p) => [`${p}_sin`, `${p}_cos`])
            : [];
        const parts = [...base, ...cyclical];
        const numeric: FittedNumeric[] = [];
        for (const p of parts)
          numeric.push(await fitNumeric(datePartSql(dateSource(name), p), rest));
        const fitted: FittedColumn = { kind: 'datetime', source: name, parts, numeric };
        columns.push(fitted);
        columnOutputs(fitted).forEach((out, i) =>
          docs.push({
            name: out,
            sources: [name],
            transform: [`date part ${parts[i]}`, ...rest.map((r) => r.step.op)].join(' → '),
            fitted: { ...numeric[i] },
          }),
        );
      } else if (kind === 'numeric') {
        const ordered = orderSteps(group.steps, field, NUMERIC_ORDER);
        let e = numericSource(name);
        let impute: { fill: number; indicator: boolean } | undefined;
        const first = ordered[0];
        if (first && first.step.op === 'impute') {
          const st = first.step;
          let fill: number | null;
          if (st.strategy === 'constant') {
            if (typeof st.value !== 'number')
              throw fail(
                `${first.field}.value`,
                `'${name}' is numeric: the fill value must be a number`,
              );
            fill = st.value;
          } else {
            const agg =
              st.strategy === 'mean'
                ? `avg(${e})`
                : st.strategy === 'median'
                  ? `median(${e})`
                  : `mode(${e} ORDER BY ${e})`;
            fill = plainNumber((await stat(`${agg} AS f`)).f);
          }
          impute = { fill: fill ?? 0, indicator: st.indicator };
          e = `coalesce(${e}, ${sqlNumber(impute.fill)})`;
        }
        const numeric = await fitNumeric(
          e,
          ordered.filter((o) => o.step.op !== 'impute'),
        );
        const fitted: FittedColumn = {
          kind: 'numeric',
          source: name,
          ...(impute ? { impute } : {}),
          numeric,
        };
        columns.push(fitted);
        columnOutputs(fitted).forEach((out, i) =>
          docs.push({
            name: out,
            sources: [name],
            transform:
              i === 1
                ? 'missing-value indicator'
                : ordered
                    .map((o) => (o.step.op === 'impute' ? `impute ${o.step.strategy}` : o.step.op))
                    .join(' → ') || 'as is',
            fitted: i === 1 ? {} : { ...(impute ? { fill: impute.fill } : {}), ...numeric },
          }),
        );
      } else {
        throw fail(
          `${field}.columns.${ci}`,
          `column '${name}' has type ${info.type}, which no step can use yet`,
        );
      }
    }
  }

  const derived: FittedDerived[] = [];
  for (const [di, d] of spec.derived.entries()) {
    const field = `derived.${di}`;
    if (d.op === 'ratio' || d.op === 'product') {
      d.columns.forEach((c, k) => {
        const info = column(`${field}.columns.${k}`, c);
        if (info.kind !== 'numeric' && info.kind !== 'boolean')
          throw fail(`${field}.columns.${k}`, `'${c}' must be numeric, it is ${info.type}`);
      });
      derived.push(d);
    } else if (d.op === 'lag' || d.op === 'rolling_mean') {
      const info = column(`${field}.column`, d.column);
      if (info.kind !== 'numeric' && info.kind !== 'boolean')
        throw fail(`${field}.column`, `'${d.column}' must be numeric, it is ${info.type}`);
      column(`${field}.time`, d.time);
      if (d.entity) column(`${field}.entity`, d.entity);
      const [nulls] = await engine.all(
        `SELECT count(*) - count(${ident(d.time)}) AS n FROM ${ctx.from}`,
      );
      if (Number(nulls?.n ?? 0) > 0)
        throw fail(
          `${field}.time`,
          `'${d.time}' has ${Number(nulls!.n)} null values; time order needs every row dated`,
        );
      derived.push(d);
    } else {
      column(`${field}.column`, d.column);
      const tokens = `list_filter(string_split_regex(lower(coalesce(${categorySource(d.column)}, '')), ${literal(TOKEN_SPLIT)}), t -> t <> '')`;
      const rows = await engine.all(
        `SELECT b, count(DISTINCT ${ident(ctx.row)}) AS df FROM (
           SELECT ${ident(ctx.row)}, unnest(list_distinct(list_transform(${tokens}, t -> (md5_number_lower(t) % ${sqlInteger(d.buckets)})::INTEGER))) AS b
           FROM ${ctx.from} WHERE ${train}) GROUP BY b`,
      );
      const df = new Array<number>(d.buckets).fill(0);
      for (const r of rows) df[Number(r.b)] = Number(r.df);
      derived.push({ ...d, idf: df.map((x) => Math.log((1 + trainRows) / (1 + x)) + 1) });
    }
  }
  for (const d of derived) {
    const sources =
      d.op === 'ratio' || d.op === 'product'
        ? [...d.columns]
        : [
            d.column,
            ...(d.op === 'lag' || d.op === 'rolling_mean'
              ? [d.time, ...(d.entity ? [d.entity] : [])]
              : []),
          ];
    for (const out of derivedOutputs(d)) {
      docs.push({
        name: out,
        sources,
        transform:
          d.op === 'tfidf'
            ? `hashed TF-IDF (${d.buckets} buckets, L2-normalized)`
            : d.op.replace('_', ' '),
        fitted: d.op === 'tfidf' ? { buckets: d.buckets } : {},
      });
    }
  }
  const outputs = [...columns.flatMap(columnOutputs), ...derived.flatMap(derivedOutputs)];
  const dup = outputs.find((o, i) => outputs.indexOf(o) !== i);
  if (dup) throw fail('groups', `two features would both be named '${dup}'`);
  if (outputs.length === 0) throw fail('groups', 'the spec produces no features');
  return {
    version: 1,
    specHash: featureSpecHash(spec),
    columns,
    derived,
    outputs,
    docs,
    trainRows,
  };
}
