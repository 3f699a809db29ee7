import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnProfile } from '../../../shared/contract';
import { columnInfo } from '../../../main/data/column-kind';
import { createEngine, type Engine } from '../../../main/data/engine';
import { QUANTILES, histogramBinning, profileParquet } from '../../../main/data/profile';
import { stddevSql } from '../../../main/data/sql-stats';
import { ident, literal, sqlNumber, toPlain } from '../../../main/workspace/db';
import { tempDir } from '../../helpers/workspace';
import { TYPES, awkwardTable, tableSql, type Type } from './awkward-tables';

// Property: a profile reads all its statistics (count, min, max, mean, std, distinct count, quantiles, top
// values, histogram, outliers) from each column's value counts, and skips the duplicate scan when a column's values are all
// distinct. Each must equal what a scan of the raw column answers with
// DuckDB's own aggregates — quantile_cont, count(DISTINCT), a GROUP BY of the column — on awkward tables
// whose values repeat, tie, overflow and are not numbers.
const t = tempDir('lathe-profile-property-');
let engine: Engine;

beforeAll(async () => {
  engine = await createEngine({ threads: 2 });
});
afterAll(() => {
  engine.close();
  t.remove();
});

/** Every awkward type, DECIMALs too (whose quantiles DuckDB cuts to the column's scale). */
const PROFILED: Type[] = [...TYPES, 'DECIMAL(9,2)', 'DECIMAL(38,10)'];

/** The raw column as the number it is binned and fenced on (as the profile's axis). */
function axisOf(p: ColumnProfile): string | null {
  const c = ident(p.name);
  if (p.kind === 'numeric') return `${c}::DOUBLE`;
  if (p.kind === 'datetime') return `epoch_ms(${c}::TIMESTAMP)::DOUBLE`;
  return null;
}

const one = async (sql: string) => (await engine.all(sql))[0]!;

/** The histogram's counts from a scan of the raw column, binned as a profile bins. */
async function histogramOf(from: string, p: ColumnProfile): Promise<number[]> {
  const x = axisOf(p);
  if (!x || p.count === 0) return [];
  const { lo, hi } = await one(`SELECT min(${x}) AS lo, max(${x}) AS hi FROM ${from}`);
  const xlo = Number(lo);
  const xhi = Number(hi);
  // No histogram when the range is not finite (an infinity in the column).
  if (!Number.isFinite(xlo) || !Number.isFinite(xhi)) return [];
  const { bins, binSql } = histogramBinning(xlo, xhi, p.type);
  const counts = new Array<number>(bins).fill(0);
  for (const r of await engine.all(
    `SELECT ${binSql(x)} AS b, count(*) AS n FROM ${from} WHERE ${ident(p.name)} IS NOT NULL GROUP BY 1`,
  ))
    counts[Number(r.b)] = Number(r.n);
  return counts;
}

/** What scans of the raw column say of one column's holistic statistics. */
async function scanned(from: string, p: ColumnProfile) {
  const c = ident(p.name);
  const { d } = await one(`SELECT count(DISTINCT ${c}) AS d FROM ${from}`);
  let quantiles: number[] | null = null;
  if ((p.kind === 'numeric' || p.kind === 'datetime') && p.count > 0) {
    const { q } = await one(
      `SELECT quantile_cont(${c}, [${QUANTILES.join(', ')}]) AS q FROM ${from}`,
    );
    // As a profile reported them before: a JS Date's ms, or the number (0 when not finite).
    quantiles = (q as unknown[]).map((v) =>
      v instanceof Date ? v.getTime() : Number.isFinite(Number(v)) ? Number(v) : 0,
    );
  }
  const top = (
    await engine.all(
      `SELECT ${c} AS v, count(*) AS n FROM ${from} GROUP BY 1 ORDER BY 2 DESC, 1 NULLS LAST LIMIT 10`,
    )
  ).map((r) => ({ value: toPlain(r.v), count: Number(r.n) }));
  let outliers: number[] | null = null;
  const x = axisOf(p);
  if (p.outliers && x) {
    const { lower, upper } = p.outliers.iqr;
    const z = p.outliers.zScore.threshold * (p.std ?? 0);
    const o = await one(
      `SELECT count(*) FILTER (WHERE ${x} < ${sqlNumber(lower)}) AS b,
         count(*) FILTER (WHERE ${x} > ${sqlNumber(upper)}) AS a,
         ${z > 0 ? `count(*) FILTER (WHERE abs(${x} - ${sqlNumber(p.mean!)}) > ${sqlNumber(z)})` : '0'} AS z
       FROM ${from}`,
    );
    outliers = [Number(o.b), Number(o.a), Number(o.z)];
  }
  // The plain statistics as scans of the rows give them (the profile reads them from value counts).
  const mx = p.kind === 'boolean' ? `${c}::INTEGER::DOUBLE` : x;
  const moments = mx !== null && (p.kind === 'numeric' || p.kind === 'boolean');
  const plain = await one(
    `SELECT count(${c}) AS n${p.kind === 'other' ? '' : `, min(${c}) AS lo, max(${c}) AS hi`}
       ${moments ? `, avg(${mx}) AS m, ${stddevSql(mx)} AS s, avg(abs(${mx})) AS am, sqrt(avg(${mx} * ${mx})) AS rms` : ''} FROM ${from}`,
  );
  return {
    distinct: Number(d),
    quantiles,
    top,
    histogram: await histogramOf(from, p),
    outliers,
    count: Number(plain.n),
    min: toPlain(plain.lo),
    max: toPlain(plain.hi),
    mean: moments ? toPlain(plain.m) : null,
    std: moments ? toPlain(plain.s) : null,
    // The scales of the rounding error of the mean's and the deviation's sums (null past the largest double).
    meanScale: moments ? toPlain(plain.am) : null,
    stdScale: moments ? toPlain(plain.rms) : null,
  };
}

/**
 * Whether a statistic summed in another order agrees with the scan's within the rounding error of a sum,
 * which grows with the magnitude of the terms (`scale`, e.g. the mean of |x|), not of the result: values
 * that cancel leave both sums far from the exact answer. Past the largest double neither holds.
 */
function near(got: number | null, want: unknown, scale: unknown): boolean {
  if (typeof scale !== 'number') return true;
  if (got === null || typeof want !== 'number') return got === null && want === null;
  return Math.abs(got - want) <= 1e-12 * Math.max(scale, Number.MIN_VALUE);
}

let n = 0;

describe('a profile from value counts', () => {
  it('equals the raw scans: count, min, max, mean, std, distinct count, quantiles, top values, histogram and outliers', async () => {
    await fc.assert(
      fc.asyncProperty(awkwardTable(40, PROFILED), async (tbl) => {
        const file = join(t.dir, `p${++n}.parquet`);
        await engine.run(`COPY (${tableSql(tbl)}) TO ${literal(file)} (FORMAT parquet)`);
        const from = `read_parquet(${literal(file)})`;
        const columns = (await engine.describe(`SELECT * FROM ${from}`)).map((c) =>
          columnInfo(c.name, c.type),
        );
        // The duplicate candidates on the row hash's usual 32 bits, on all 64, and on 3: eight values,
        // so nearly every row is a candidate and the exact step alone tells the duplicates apart.
        const rowHashBits = [32, 64, 3][n % 3]!;
        const profile = await profileParquet(engine, file, columns, { rowHashBits });
        expect(profile.rows).toBe(tbl.rows.length);
        // Rows that repeat an earlier one (nulls equal), whether or not a column of unique values rules
        // them out before the duplicate scan.
        const { distinct } = await one(
          `SELECT count(*) AS distinct FROM (SELECT DISTINCT * FROM ${from})`,
        );
        expect(profile.duplicateRows).toBe(tbl.rows.length - Number(distinct));
        for (const p of profile.columns) {
          const want = await scanned(from, p);
          const where = `column ${p.name} (${p.type})`;
          expect(p.distinctCount, where).toBe(want.distinct);
          expect([p.count, p.nullCount], where).toEqual([want.count, tbl.rows.length - want.count]);
          // -0 and 0 are one value to a GROUP BY, so either may stand for both.
          const unsigned = (v: unknown) => (typeof v === 'number' ? v + 0 : v);
          expect([p.min, p.max].map(unsigned), where).toEqual([want.min, want.max].map(unsigned));
          expect(
            near(p.mean, want.mean, want.meanScale),
            `${where}: mean ${p.mean} against ${want.mean}`,
          ).toBe(true);
          expect(
            near(p.std, want.std, want.stdScale),
            `${where}: std ${p.std} against ${want.std}`,
          ).toBe(true);
          const q = p.quantiles;
          // -0 and 0 are one value to a GROUP BY, so either may stand for both.
          const signless = (xs: number[] | null) => xs && xs.map((x) => x + 0);
          expect(signless(q && [q.p5, q.p25, q.p50, q.p75, q.p95]), where).toEqual(
            signless(want.quantiles),
          );
          expect(p.topValues, where).toEqual(want.top);
          expect(
            p.histogram.map((b) => b.count),
            where,
          ).toEqual(want.histogram);
          // Fences need the quartiles and a finite mean.
          expect(!!p.outliers, where).toBe(p.kind === 'numeric' && p.count > 0 && p.mean !== null);
          if (p.outliers && p.quantiles) {
            const iqr = p.quantiles.p75 - p.quantiles.p25;
            expect(p.outliers.iqr.lower, where).toBe(p.quantiles.p25 - 1.5 * iqr);
            expect(p.outliers.iqr.upper, where).toBe(p.quantiles.p75 + 1.5 * iqr);
          }
          if (p.outliers)
            expect(
              [p.outliers.iqr.below, p.outliers.iqr.above, p.outliers.zScore.count],
              where,
            ).toEqual(want.outliers);
        }
      }),
      { seed: 2027, numRuns: 80, endOnFailure: true },
    );
  }, 120_000);
});
