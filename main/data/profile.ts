import type { ColumnInfo, ColumnProfile, HistogramBin } from '../../shared/contract';
import { ident, literal, toPlain } from '../workspace/db';
import type { Engine } from './engine';

const MAX_BINS = 20;
const TOP_VALUES = 10;
const INTEGER = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$/;

const num = (v: unknown): number | null => {
  const p = toPlain(v);
  return typeof p === 'number' ? p : null;
};

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
 * Profiles a Parquet file in SQL: one aggregate scan for the per-column statistics, then a top-values
 * and a histogram query per column, run concurrently.
 */
export async function profileParquet(
  engine: Engine,
  parquetPath: string,
  columns: ColumnInfo[],
): Promise<{ rows: number; duplicateRows: number; columns: ColumnProfile[] }> {
  const from = `read_parquet(${literal(parquetPath)})`;
  const basic: string[] = [];
  const distinct: string[] = [];
  const quantiles: string[] = [];
  columns.forEach((col, i) => {
    const c = ident(col.name);
    const x = axis(col);
    basic.push(`count(${c}) AS n${i}`);
    if (col.kind !== 'other') basic.push(`min(${c}) AS lo${i}`, `max(${c}) AS hi${i}`);
    if (x && col.kind !== 'datetime')
      basic.push(`avg(${x}) AS m${i}`, `stddev_samp(${x}) AS s${i}`);
    if (x) basic.push(`min(${x}) AS xlo${i}`, `max(${x}) AS xhi${i}`);
    distinct.push(`count(DISTINCT ${c}) AS d${i}`);
    // On the column itself, not a cast: DuckDB's quantile is several times faster on native types.
    if (col.kind === 'numeric' || col.kind === 'datetime')
      quantiles.push(`quantile_cont(${c}, [0.05, 0.25, 0.5, 0.75, 0.95]) AS q${i}`);
  });
  // Separate scans run concurrently: DuckDB plans plain, DISTINCT and holistic aggregates very differently,
  // and one query mixing them is several times slower than the three side by side.
  const [[basicRow], [distinctRow], [quantileRow], [dups]] = await Promise.all([
    engine.all(`SELECT count(*) AS rows, ${basic.join(', ')} FROM ${from}`),
    engine.all(`SELECT ${distinct.join(', ')} FROM ${from}`),
    quantiles.length
      ? engine.all(`SELECT ${quantiles.join(', ')} FROM ${from}`)
      : Promise.resolve([{}]),
    engine.all(
      `SELECT (SELECT count(*) FROM ${from}) - (SELECT count(*) FROM (SELECT DISTINCT * FROM ${from})) AS d`,
    ),
  ]);
  const s: Record<string, unknown> = { ...basicRow, ...distinctRow, ...quantileRow };
  const rows = num(s.rows) ?? 0;

  const profiles = await Promise.all(
    columns.map(async (col, i): Promise<ColumnProfile> => {
      const c = ident(col.name);
      const count = num(s[`n${i}`]) ?? 0;
      const x = axis(col);
      const xlo = num(s[`xlo${i}`]);
      const xhi = num(s[`xhi${i}`]);
      const q = (s[`q${i}`] as unknown[] | null | undefined)?.map((v) => num(v) ?? epochMs(v) ?? 0);
      const topQuery =
        col.type === 'BLOB'
          ? Promise.resolve([])
          : engine.all(
              // Positional GROUP/ORDER BY: an alias could collide with a column of the same name.
              `SELECT ${c} AS v, count(*) AS n FROM ${from} GROUP BY 1 ORDER BY 2 DESC, 1 NULLS LAST LIMIT ${TOP_VALUES}`,
            );
      let histogram: Promise<HistogramBin[]> = Promise.resolve([]);
      if (x && xlo !== null && xhi !== null && col.kind !== 'boolean') {
        const integerRange = INTEGER.test(col.type) ? xhi - xlo + 1 : Infinity;
        const bins = xhi > xlo ? Math.max(1, Math.min(MAX_BINS, integerRange)) : 1;
        const width = xhi > xlo ? (xhi - xlo) / bins : 1;
        histogram = engine
          .all(
            `SELECT least(floor((${x} - ${xlo}) / ${width}), ${bins - 1})::INTEGER AS b, count(*) AS n
             FROM ${from} WHERE ${c} IS NOT NULL GROUP BY 1 ORDER BY 1`,
          )
          .then((rowsOut) => {
            const counts = new Array<number>(bins).fill(0);
            for (const r of rowsOut) counts[num(r.b) ?? 0] = num(r.n) ?? 0;
            return counts.map((n, b) => ({
              lo: xlo + b * width,
              hi: xlo + (b + 1) * width,
              count: n,
            }));
          });
      }
      const [top, hist] = await Promise.all([topQuery, histogram]);
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
      };
    }),
  );
  return { rows, duplicateRows: num(dups?.d) ?? 0, columns: profiles };
}
