import { randomBytes } from 'node:crypto';
import type {
  ColumnInfo,
  ColumnOutliers,
  ColumnProfile,
  DuplicateRow,
  HistogramBin,
} from '../../shared/contract';
import { ident, literal, plainNumber, sqlInteger, sqlNumber, toPlain } from '../workspace/db';
import { pool } from '../workspace/pool';
import type { Engine } from './engine';
import { isIntegerType } from './column-kind';

const MAX_BINS = 20;
const TOP_VALUES = 10;
const DUPLICATE_SAMPLE = 10;
/** |z| above this is a z-score outlier. */
export const Z_THRESHOLD = 3;
/** Tukey's k: fences at q1 − k·IQR and q3 + k·IQR. */
export const IQR_K = 1.5;

const num = plainNumber;

/** The numeric axis a column (expression `c`) is binned on: the value itself, or epoch ms for dates and times. */
function axis(col: ColumnInfo, c: string): string | null {
  if (col.kind === 'numeric') return `${c}::DOUBLE`;
  if (col.kind === 'datetime') return `epoch_ms(${c}::TIMESTAMP)::DOUBLE`;
  if (col.kind === 'boolean') return `${c}::INTEGER::DOUBLE`;
  return null;
}

/** Up to this many rows, duplicate candidates are found on a 32-bit row hash (see duplicateGroups). */
const NARROW_HASH_ROWS = 2 ** 26;

/**
 * The most frequent groups of identical rows (columns c0…, count n), each carrying d: how many rows repeat
 * an earlier one over every group. Grouping 3M rows by every column is the most expensive query of a
 * profile, so it runs in two exact steps: sort a hash of each row to find the few hashes that occur more
 * than once, then group by the columns only the rows with those hashes. The hash is the upper `bits` of
 * DuckDB's 64-bit row hash: 32 up to NARROW_HASH_ROWS rows, half the bytes to sort (3M rows: 170 -> 115
 * ms). Chance collisions only add candidates — about rows² / 2^33 at 32 bits, a thousand at 3M rows, 500k
 * at the limit — which the exact second step then sets apart.
 */
async function duplicateGroups(
  engine: Engine,
  from: string,
  columns: ColumnInfo[],
  bits: number,
): Promise<Record<string, unknown>[]> {
  if (!columns.length) return [];
  // Columns qualified by the source's alias: the candidates' hash column may share a data column's name.
  const wide = `hash(${columns.map((c) => `__src.${ident(c.name)}`).join(', ')})`;
  const rowHash =
    bits >= 64
      ? wide
      : bits === 32
        ? `(${wide} >> 32)::UINTEGER`
        : `(${wide} >> ${sqlInteger(64 - bits)})`;
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

export interface ProfileOptions {
  /**
   * The bits of the row hash duplicate candidates are found on (1 to 64): 32 up to NARROW_HASH_ROWS
   * rows, else 64. Any width gives the same answer, a narrow one after more exact work; tests take a few
   * bits to make every row a candidate.
   */
  rowHashBits?: number;
}

/** A profile's statistics, before they are tied to a dataset version. */
export interface ProfileResult {
  rows: number;
  duplicateRows: number;
  duplicateSample: DuplicateRow[];
  columns: ColumnProfile[];
}

/** The quantiles a profile reports (p5, p25, p50, p75, p95). */
export const QUANTILES = [0.05, 0.25, 0.5, 0.75, 0.95];
/** Columns whose value counts are held at once: each is a table of up to one row per distinct value. */
const COLUMNS_AT_ONCE = 4;

/**
 * How a column of `type` with values (on its axis) from xlo to xhi is binned: how many bins, the scale `h`
 * its axis is binned at, their width on that scale, and the SQL of a value's bin (0 to bins − 1) from its
 * axis expression `x`.
 */
export function histogramBinning(xlo: number, xhi: number, type: string) {
  const integerRange = isIntegerType(type) ? xhi - xlo + 1 : Infinity;
  const bins = xhi > xlo ? Math.max(1, Math.min(MAX_BINS, integerRange)) : 1;
  // Values more than ~1.8e308 apart overflow xhi − xlo: bin them halved (exact but for subnormals).
  const h = Number.isFinite(xhi - xlo) ? 1 : 0.5;
  const width = xhi > xlo ? (xhi * h - xlo * h) / bins : 1;
  const binSql = (x: string) =>
    `least(floor((${h === 1 ? x : `(${x} * ${sqlNumber(h)})`} - ${sqlNumber(xlo * h)}) / ${sqlNumber(width)}), ${sqlInteger(bins - 1)})::INTEGER`;
  return { bins, h, width, binSql };
}

/**
 * A column's value at each sorted position k (0-based, nulls left out) read from its value counts: the
 * smallest value whose running count passes k. `vx` maps a value to the number it is interpolated on.
 */
function orderStatisticsSql(counts: string, vx: string, positions: number[]): string {
  return `WITH c AS (
      SELECT v, sum(n) OVER (ORDER BY v ROWS UNBOUNDED PRECEDING) AS cum FROM ${counts} WHERE v IS NOT NULL
    )
    SELECT ${positions.map((k, j) => `min(${vx}) FILTER (WHERE cum > ${sqlInteger(k)}) AS k${j}`).join(', ')} FROM c`;
}

/**
 * DuckDB's quantile_cont from the order statistics lo and hi around (n − 1)·p, d its fraction, with the
 * same arithmetic, so the same bits: lo·(1 − d) + hi·d in doubles; lo + (hi − lo)·d in float32 for a
 * FLOAT; for dates and times lo·(1 − d) + hi·d in whole microseconds (rounded half away from zero),
 * answered as epoch ms cut toward zero as a JS Date of a TIMESTAMP is. Not finite answers 0.
 */
function interpolate(
  lo: number | bigint,
  hi: number | bigint,
  d: number,
  kind: 'double' | 'float' | 'micros',
): number {
  const f = Math.fround;
  const [l, h] = [Number(lo), Number(hi)];
  if (kind === 'micros') {
    // Exact at a position: a microsecond count past 2^53 is not a double.
    const x = l * (1 - d) + h * d;
    const us = d === 0 ? BigInt(lo) : BigInt(Math.sign(x) * Math.round(Math.abs(x)));
    return Number(us / 1000n);
  }
  const x = d === 0 ? l : kind === 'float' ? f(l + f(f(h - l) * d)) : l * (1 - d) + h * d;
  return Number.isFinite(x) ? x : 0;
}

/**
 * A column's plain statistics from its value counts (table `counts`: v, n): n, the non-null count; lo
 * and hi, its least and greatest value; xlo and xhi, the same on its axis `x`; m and sd, the mean and the
 * sample standard deviation of a numeric or boolean column. Read from the counts, not the rows: a scan
 * of every column's rows for them took a 3M-row profile a quarter of its CPU. The mean is a compensated
 * (Kahan) sum of value × count; the deviation a second pass over the counts from that mean, NULL when it
 * is not finite (a NaN or an infinity in the column) or for fewer than two values, as stddev_samp.
 */
function plainStatsSql(col: ColumnInfo, counts: string): string {
  const x = axis(col, 'v');
  const moments = x !== null && col.kind !== 'datetime';
  const select = ['sum(n) FILTER (WHERE v IS NOT NULL) AS n'];
  if (col.kind !== 'other') select.push('min(v) AS lo', 'max(v) AS hi');
  if (x) select.push(`min(${x}) AS xlo`, `max(${x}) AS xhi`);
  if (moments) select.push(`fsum(${x} * n) / sum(n) FILTER (WHERE v IS NOT NULL) AS m`);
  const plain = `SELECT ${select.join(', ')} FROM ${counts}`;
  if (!moments) return plain;
  const squares = `fsum(c.n * pow(${axis(col, 'c.v')} - p.m, 2))`;
  return `WITH p AS (${plain}),
      d AS (SELECT ${squares} AS ss FROM ${counts} AS c, p WHERE c.v IS NOT NULL)
    SELECT p.*, CASE WHEN p.n > 1 AND isfinite(d.ss / (p.n - 1)) THEN sqrt(d.ss / (p.n - 1)) END AS sd
    FROM p, d`;
}

/** One column's profile from its value counts (table `counts`: v, n; nulls one group) of `rows` rows. */
async function columnProfile(
  engine: Engine,
  from: string,
  col: ColumnInfo,
  rows: number,
  counts: string,
): Promise<ColumnProfile> {
  const [s = {}] = await engine.all(plainStatsSql(col, counts));
  const count = num(s.n) ?? 0;
  const x = axis(col, 'v');
  const xlo = num(s.xlo);
  const xhi = num(s.xhi);
  const mean = num(s.m);
  const std = num(s.sd);
  const micros = col.kind === 'datetime';
  const withQuantiles = count > 0 && (col.kind === 'numeric' || micros);
  const arithmetic = micros ? 'micros' : /^(FLOAT|REAL)$/i.test(col.type) ? 'float' : 'double';
  // Both order statistics around (count − 1)·p for each quantile.
  const positions = withQuantiles
    ? QUANTILES.flatMap((p) => [Math.floor((count - 1) * p), Math.ceil((count - 1) * p)])
    : [];
  // An instant (TIMESTAMPTZ) is counted from the epoch as it is; a date or local time as a TIMESTAMP.
  const vx = !micros
    ? 'v::DOUBLE'
    : /^TIMESTAMP WITH TIME ZONE$/i.test(col.type)
      ? 'epoch_us(v)'
      : 'epoch_us(v::TIMESTAMP)';
  const distinctQuery = engine.all(`SELECT count(v) AS d FROM ${counts}`);
  const quantileList = `[${QUANTILES.map(sqlNumber).join(', ')}]`;
  // A DECIMAL's quantile_cont interpolates its scaled integers and cuts the result to the column's scale:
  // asked of DuckDB itself. When every value is distinct, the counts hold each value once, and DuckDB's
  // own quantile_cont over them (a selection) beats sorting them for running counts (2x on 3M values).
  const direct = distinctQuery.then(([r]) => (num(r?.d) ?? 0) === count);
  const decimal = withQuantiles && /^DECIMAL/i.test(col.type);
  const orderQuery: Promise<Record<string, unknown>[]> = !withQuantiles
    ? Promise.resolve([])
    : direct.then((distinct) =>
        distinct
          ? engine.all(`SELECT quantile_cont(v, ${quantileList}) AS q FROM ${counts}`)
          : decimal
            ? engine.all(
                `SELECT quantile_cont(${ident(col.name)}, ${quantileList}) AS q FROM ${from}`,
              )
            : engine.all(orderStatisticsSql(counts, vx, positions)),
      );
  const topQuery =
    col.type === 'BLOB'
      ? Promise.resolve([])
      : engine.all(
          `SELECT v, n FROM ${counts} ORDER BY n DESC, v NULLS LAST LIMIT ${sqlInteger(TOP_VALUES)}`,
        );
  let histogram: Promise<HistogramBin[]> = Promise.resolve([]);
  if (x && xlo !== null && xhi !== null && col.kind !== 'boolean') {
    const { bins, h, width, binSql } = histogramBinning(xlo, xhi, col.type);
    histogram = engine
      .all(
        `SELECT ${binSql(x)} AS b, sum(n) AS n FROM ${counts} WHERE v IS NOT NULL GROUP BY 1 ORDER BY 1`,
      )
      .then((rowsOut) => {
        const binCounts = new Array<number>(bins).fill(0);
        for (const r of rowsOut) binCounts[num(r.b) ?? 0] = num(r.n) ?? 0;
        return binCounts.map((n, b) => ({
          lo: (xlo * h + b * width) / h,
          hi: (xlo * h + (b + 1) * width) / h,
          count: n,
        }));
      });
  }
  const [[distinctRow], [order], top, hist] = await Promise.all([
    distinctQuery,
    orderQuery,
    topQuery,
    histogram,
  ]);
  // Every position is below the count, so each statistic is there (a bigint for microseconds).
  const at = (j: number) => order![`k${j}`] as number | bigint;
  // quantile_cont's own answer: a number, or a timestamp as a JS Date (epoch ms cut toward zero).
  const q = !withQuantiles
    ? null
    : order && 'q' in order
      ? (order.q as unknown[]).map((v) => (v instanceof Date ? v.getTime() : (num(v) ?? 0)))
      : QUANTILES.map((p, j) =>
          interpolate(at(2 * j), at(2 * j + 1), (count - 1) * p - positions[2 * j]!, arithmetic),
        );

  // Outliers of a numeric column: the Tukey fences from its quartiles, and |z| from its mean and std.
  let outliers: ColumnOutliers | null = null;
  if (col.kind === 'numeric' && q && mean !== null) {
    const iqr = q[3]! - q[1]!;
    const lower = q[1]! - IQR_K * iqr;
    const upper = q[3]! + IQR_K * iqr;
    const sd = std ?? 0;
    const [o = {}] = await engine.all(
      `SELECT sum(n) FILTER (WHERE ${x} < ${sqlNumber(lower)}) AS below,
         sum(n) FILTER (WHERE ${x} > ${sqlNumber(upper)}) AS above,
         ${sd > 0 ? `sum(n) FILTER (WHERE abs(${x} - ${sqlNumber(mean)}) > ${sqlNumber(Z_THRESHOLD * sd)})` : '0'} AS z
       FROM ${counts}`,
    );
    outliers = {
      iqr: { lower, upper, below: num(o.below) ?? 0, above: num(o.above) ?? 0 },
      zScore: { threshold: Z_THRESHOLD, count: num(o.z) ?? 0 },
    };
  }
  return {
    name: col.name,
    type: col.type,
    kind: col.kind,
    count,
    nullCount: rows - count,
    nullRate: rows ? (rows - count) / rows : 0,
    distinctCount: num(distinctRow?.d) ?? 0,
    min: toPlain(s.lo),
    max: toPlain(s.hi),
    mean,
    std,
    quantiles: q ? { p5: q[0]!, p25: q[1]!, p50: q[2]!, p75: q[3]!, p95: q[4]! } : null,
    topValues: top.map((r) => ({ value: toPlain(r.v), count: num(r.n) ?? 0 })),
    histogram: hist,
    outliers,
  };
}

/**
 * Profiles a Parquet file in SQL. The row count comes from the file's metadata; each column is grouped
 * once into its value counts, and every statistic is read from those — count, min, max, mean, std,
 * distinct count, exact quantiles, top values, histogram and outliers — instead of a scan of the file
 * each. A column has far fewer distinct values than rows as a rule, so this is several times less
 * work; a column of unique values costs about what the separate scans did. The duplicate rows come last
 * (running them beside the rest made both slower), and not at all when a column's values are all distinct.
 */
export async function profileParquet(
  engine: Engine,
  parquetPath: string,
  columns: ColumnInfo[],
  options: ProfileOptions = {},
): Promise<ProfileResult> {
  const from = `read_parquet(${literal(parquetPath)})`;
  // From the file's metadata: no scan.
  const [counted] = await engine.all(`SELECT count(*) AS rows FROM ${from}`);
  const rows = num(counted?.rows) ?? 0;
  const tag = randomBytes(8).toString('hex');
  const profiles = new Array<ColumnProfile>(columns.length);
  let next = 0;
  // After a column fails, no other starts.
  let failed = false;
  await pool(
    Math.min(COLUMNS_AT_ONCE, columns.length),
    () => (failed || next >= columns.length ? null : next++),
    async (i) => {
      const col = columns[i]!;
      const counts = `profile_counts_${tag}_${i}`;
      try {
        await engine.run(
          // Positional GROUP BY: the alias could collide with a column of the same name.
          `CREATE TABLE ${counts} AS SELECT ${ident(col.name)} AS v, count(*) AS n FROM ${from} GROUP BY 1`,
        );
        try {
          profiles[i] = await columnProfile(engine, from, col, rows, counts);
        } finally {
          await engine.run(`DROP TABLE IF EXISTS ${counts}`);
        }
      } catch (err) {
        failed = true;
        throw err;
      }
    },
  );
  // A column of as many distinct values as rows (so no null) sets every row apart: no row repeats another,
  // and the costliest query of a profile is left out.
  const unique = profiles.some((p) => p.distinctCount === rows && p.nullCount === 0);
  const bits = options.rowHashBits ?? (rows <= NARROW_HASH_ROWS ? 32 : 64);
  const dupRows = unique ? [] : await duplicateGroups(engine, from, columns, bits);
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
