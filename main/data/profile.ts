import { randomBytes } from 'node:crypto';
import type {
  ColumnInfo,
  ColumnOutliers,
  ColumnProfile,
  DuplicateRow,
  HistogramBin,
} from '../../shared/contract';
import { ident, literal, plainNumber, sqlInteger, sqlNumber, toPlain } from '../workspace/db';
import type { Engine } from './engine';
import { isIntegerType } from './column-kind';
import { stddevSql } from './sql-stats';

const MAX_BINS = 20;
const TOP_VALUES = 10;
const DUPLICATE_SAMPLE = 10;
/** |z| above this is a z-score outlier. */
export const Z_THRESHOLD = 3;
/** Tukey's k: fences at q1 − k·IQR and q3 + k·IQR. */
export const IQR_K = 1.5;

const num = plainNumber;

/** Dates and timestamps as epoch milliseconds (the axis their histograms use). */
const epochMs = (v: unknown): number | null => {
  const p = toPlain(v);
  return typeof p === 'string' && !Number.isNaN(Date.parse(p)) ? Date.parse(p) : null;
};

/** The numeric axis a column is binned on: the value itself, or epoch ms for dates and timestamps. */
function axis(col: ColumnInfo): string | null {
  const c = ident(col.name);
  if (col.kind === 'numeric') return `${c}::DOUBLE`;
  if (col.kind === 'datetime') return `epoch_ms(${c}::TIMESTAMP)::DOUBLE`;
  if (col.kind === 'boolean') return `${c}::INTEGER::DOUBLE`;
  return null;
}

/**
 * The most frequent groups of identical rows (columns c0…, count n), each carrying d: how many rows repeat
 * an earlier one over every group. Grouping 3M rows by every column is the most expensive query of a
 * profile, so it runs in two exact steps: sort a hash of each row to find the few hashes that occur more
 * than once, then group by the columns only the rows with those hashes.
 */
async function duplicateGroups(
  engine: Engine,
  from: string,
  columns: ColumnInfo[],
): Promise<Record<string, unknown>[]> {
  if (!columns.length) return [];
  // Columns qualified by the source's alias: the candidates' hash column may share a data column's name.
  const rowHash = `hash(${columns.map((c) => `__src.${ident(c.name)}`).join(', ')})`;
  const candidates = `profile_dup_${randomBytes(8).toString('hex')}`;
  // Sorting the hashes and comparing neighbours takes about 40% less time (and CPU) than grouping by
  // them: nearly every row is its own group, and a hash table of millions of groups is the slow part.
  await engine.run(
    `CREATE TABLE ${candidates} AS SELECT DISTINCT h FROM (
       SELECT h, lag(h) OVER (ORDER BY h) AS prev FROM (SELECT ${rowHash} AS h FROM ${from} AS __src)
     ) WHERE h = prev`,
  );
  try {
    // Positional GROUP/ORDER BY: aliases could collide with column names. The window sums over every
    // group before the LIMIT.
    return await engine.all(
      `SELECT ${columns.map((c, i) => `__src.${ident(c.name)} AS c${i}`).join(', ')}, count(*) AS n,
         sum(count(*) - 1) OVER () AS d
       FROM ${from} AS __src SEMI JOIN ${candidates} ON ${rowHash} = ${candidates}.h
       GROUP BY ${columns.map((_, i) => sqlInteger(i + 1)).join(', ')} HAVING count(*) > 1
       ORDER BY ${sqlInteger(columns.length + 1)} DESC, ${columns.map((_, i) => `${sqlInteger(i + 1)} NULLS LAST`).join(', ')}
       LIMIT ${sqlInteger(DUPLICATE_SAMPLE)}`,
    );
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${candidates}`);
  }
}

/** A profile's statistics, before they are tied to a dataset version. */
export interface ProfileResult {
  rows: number;
  duplicateRows: number;
  duplicateSample: DuplicateRow[];
  columns: ColumnProfile[];
}

/**
 * Profiles a Parquet file in SQL: aggregate scans for the per-column statistics (plain, distinct and
 * quantiles side by side) and the duplicate rows, then — concurrently — a top-values and a histogram query
 * per column and one outlier scan over every numeric column, which needs the quartiles, mean and std.
 */
export async function profileParquet(
  engine: Engine,
  parquetPath: string,
  columns: ColumnInfo[],
): Promise<ProfileResult> {
  const from = `read_parquet(${literal(parquetPath)})`;
  const basic: string[] = [];
  const distinct: string[] = [];
  const quantiles: string[] = [];
  columns.forEach((col, i) => {
    const c = ident(col.name);
    const x = axis(col);
    basic.push(`count(${c}) AS n${i}`);
    if (col.kind !== 'other') basic.push(`min(${c}) AS lo${i}`, `max(${c}) AS hi${i}`);
    if (x && col.kind !== 'datetime') basic.push(`avg(${x}) AS m${i}`, `${stddevSql(x)} AS s${i}`);
    if (x) basic.push(`min(${x}) AS xlo${i}`, `max(${x}) AS xhi${i}`);
    distinct.push(`count(DISTINCT ${c}) AS d${i}`);
    // On the column itself, not a cast: DuckDB's quantile is several times faster on native types.
    if (col.kind === 'numeric' || col.kind === 'datetime')
      quantiles.push(`quantile_cont(${c}, [0.05, 0.25, 0.5, 0.75, 0.95]) AS q${i}`);
  });
  // Separate scans run concurrently: DuckDB plans plain, DISTINCT and holistic aggregates very differently,
  // and one query mixing them is several times slower than the three side by side.
  const duplicates = duplicateGroups(engine, from, columns);
  // Awaited at the end; until then a failure must not count as an unhandled rejection.
  duplicates.catch(() => undefined);
  const [[basicRow], [distinctRow], [quantileRow]] = await Promise.all([
    engine.all(`SELECT count(*) AS rows, ${basic.join(', ')} FROM ${from}`),
    engine.all(`SELECT ${distinct.join(', ')} FROM ${from}`),
    // One query per column: DuckDB runs several holistic aggregates in one query one after another.
    Promise.all(quantiles.map((q) => engine.all(`SELECT ${q} FROM ${from}`))).then((parts) => [
      Object.assign({}, ...parts.map(([r]) => r)) as Record<string, unknown>,
    ]),
  ]);
  const s: Record<string, unknown> = { ...basicRow, ...distinctRow, ...quantileRow };
  const rows = num(s.rows) ?? 0;
  const quartiles = (i: number) =>
    (s[`q${i}`] as unknown[] | null | undefined)?.map((v) => num(v) ?? epochMs(v) ?? 0);

  // Outliers of every numeric column in one scan, from the quartiles (of the raw column), mean and std.
  const fences = new Map<number, { lower: number; upper: number; mean: number; std: number }>();
  columns.forEach((col, i) => {
    const q = quartiles(i);
    const mean = num(s[`m${i}`]);
    if (col.kind !== 'numeric' || !q || q.length !== 5 || mean === null) return;
    const iqr = q[3]! - q[1]!;
    fences.set(i, {
      lower: q[1]! - IQR_K * iqr,
      upper: q[3]! + IQR_K * iqr,
      mean,
      std: num(s[`s${i}`]) ?? 0,
    });
  });
  const outlierAggregates = [...fences].flatMap(([i, f]) => {
    const x = axis(columns[i]!)!;
    return [
      `count(*) FILTER (WHERE ${x} < ${sqlNumber(f.lower)}) AS ob${i}`,
      `count(*) FILTER (WHERE ${x} > ${sqlNumber(f.upper)}) AS oa${i}`,
      f.std > 0
        ? `count(*) FILTER (WHERE abs(${x} - ${sqlNumber(f.mean)}) > ${sqlNumber(Z_THRESHOLD * f.std)}) AS oz${i}`
        : `0 AS oz${i}`,
    ];
  });
  const outlierRow: Promise<Record<string, unknown>> = outlierAggregates.length
    ? engine.all(`SELECT ${outlierAggregates.join(', ')} FROM ${from}`).then(([r]) => r ?? {})
    : Promise.resolve({});

  const profiles = await Promise.all(
    columns.map(async (col, i): Promise<ColumnProfile> => {
      const c = ident(col.name);
      const count = num(s[`n${i}`]) ?? 0;
      const x = axis(col);
      const xlo = num(s[`xlo${i}`]);
      const xhi = num(s[`xhi${i}`]);
      const q = quartiles(i);
      const topQuery =
        col.type === 'BLOB'
          ? Promise.resolve([])
          : engine.all(
              // Positional GROUP/ORDER BY: an alias could collide with a column of the same name.
              `SELECT ${c} AS v, count(*) AS n FROM ${from} GROUP BY 1 ORDER BY 2 DESC, 1 NULLS LAST LIMIT ${sqlInteger(TOP_VALUES)}`,
            );
      let histogram: Promise<HistogramBin[]> = Promise.resolve([]);
      if (x && xlo !== null && xhi !== null && col.kind !== 'boolean') {
        const integerRange = isIntegerType(col.type) ? xhi - xlo + 1 : Infinity;
        const bins = xhi > xlo ? Math.max(1, Math.min(MAX_BINS, integerRange)) : 1;
        // Values more than ~1.8e308 apart overflow xhi − xlo: bin them halved (exact but for subnormals).
        const s = Number.isFinite(xhi - xlo) ? 1 : 0.5;
        const width = xhi > xlo ? (xhi * s - xlo * s) / bins : 1;
        const scaled = s === 1 ? x : `(${x} * ${sqlNumber(s)})`;
        histogram = engine
          .all(
            `SELECT least(floor((${scaled} - ${sqlNumber(xlo * s)}) / ${sqlNumber(width)}), ${sqlInteger(bins - 1)})::INTEGER AS b, count(*) AS n
             FROM ${from} WHERE ${c} IS NOT NULL GROUP BY 1 ORDER BY 1`,
          )
          .then((rowsOut) => {
            const counts = new Array<number>(bins).fill(0);
            for (const r of rowsOut) counts[num(r.b) ?? 0] = num(r.n) ?? 0;
            return counts.map((n, b) => ({
              lo: (xlo * s + b * width) / s,
              hi: (xlo * s + (b + 1) * width) / s,
              count: n,
            }));
          });
      }
      const [top, hist, o] = await Promise.all([topQuery, histogram, outlierRow]);
      const f = fences.get(i);
      const outliers: ColumnOutliers | null = f
        ? {
            iqr: {
              lower: f.lower,
              upper: f.upper,
              below: num(o[`ob${i}`]) ?? 0,
              above: num(o[`oa${i}`]) ?? 0,
            },
            zScore: { threshold: Z_THRESHOLD, count: num(o[`oz${i}`]) ?? 0 },
          }
        : null;
      return {
        name: col.name,
        type: col.type,
        kind: col.kind,
        count,
        nullCount: rows - count,
        nullRate: rows ? (rows - count) / rows : 0,
        distinctCount: num(s[`d${i}`]) ?? 0,
        min: toPlain(s[`lo${i}`]),
        max: toPlain(s[`hi${i}`]),
        mean: num(s[`m${i}`]),
        std: num(s[`s${i}`]),
        quantiles:
          q && q.length === 5 && count > 0
            ? { p5: q[0]!, p25: q[1]!, p50: q[2]!, p75: q[3]!, p95: q[4]! }
            : null,
        topValues: top.map((r) => ({ value: toPlain(r.v), count: num(r.n) ?? 0 })),
        histogram: hist,
        outliers,
      };
    }),
  );
  const dupRows = await duplicates;
  return {
    rows,
    duplicateRows: num(dupRows[0]?.d) ?? 0,
    duplicateSample: dupRows.map((r) => ({
      values: columns.map((_, i) => toPlain(r[`c${i}`])),
      count: num(r.n) ?? 0,
    })),
    columns: profiles,
  };
}
