// Drift statistics of one column in DuckDB SQL, per window of the current rows, against a stored
// reference: KS, Wasserstein, the binned divergences (PSI, KL, Jensen–Shannon, Hellinger), chi-square
// and the proportions z-test, defined as Evidently defines them on top of scipy. Only the p-values
// (drift-stats.ts) are computed in JS, from the SQL statistics.
//
// Numeric columns take one of two paths. Exact: every distinct value of both sides is a point, and the
// statistics equal scipy's (used when the reference keeps its values and the current side is small).
// Grid: the current values are counted (and summed) in fine cells, 512 per Sturges bin of the combined
// range, in one streaming GROUP BY; Sturges bins are then exact, the Wasserstein integral is exact
// except inside cells where the two CDFs cross, and KS is exact at cell edges (off by at most one
// cell's mass). This is what keeps 3M rows × 100 columns within seconds.
import type { Row, SqlParam } from '../workspace/db';

/** Runs SQL: the in-memory engine (dataset versions) or the workspace database (captured rows). */
export interface SqlRunner {
  all<T extends Row = Row>(sql: string, params?: SqlParam[]): Promise<T[]>;
}

/** A numeric reference as drift reads it: weighted points (every distinct value, or equal-depth block means). */
export interface NumericPoints {
  /** Non-null rows. */
  n: number;
  min: number;
  max: number;
  /** Distinct non-null values (exact, counted when the reference was stored). */
  distinct: number;
  /** Whether the points are the reference's distinct values themselves (statistics are then exact). */
  lossless: boolean;
  values: number[];
  weights: number[];
}

/** A categorical reference: category counts, with the rest (when it was cut to its top N) as `other`. */
export interface CategoryCounts {
  n: number;
  keys: (string | number)[];
  counts: number[];
  /** Rows in categories beyond the stored ones (0 when every category is kept). */
  other: number;
}

/** Sub-cells per Sturges bin on the grid path. */
export const CELLS_PER_BIN = 512;

/** The binned view of one window: edges (numeric) or keys, with the reference and current counts. */
export interface Binned {
  keys: (string | number)[];
  edges: number[] | null;
  ref: number[];
  cur: number[];
}

export interface NumericStats {
  w: string;
  rows: number;
  nulls: number;
  /** Distinct values of reference and current together (exact path; grid: at least). */
  unionDistinct: number;
  ks: number;
  /** Wasserstein distance (not yet divided by the reference's std). */
  wasserstein: number;
  psi: number;
  kl: number;
  js: number;
  hellinger: number | null;
  bins: Binned;
}

export interface CategoricalStats {
  w: string;
  rows: number;
  nulls: number;
  keys: number;
  chi2: number;
  /** z statistic of the proportions test; null when both sides hold one and the same value. */
  z: number | null;
  psi: number;
  kl: number;
  js: number;
  hellinger: number;
  bins: Binned;
}

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : Number(v ?? Number.NaN));

/** A SQL list literal of numbers (NaN-free: the reference stores finite values only). */
export const numberList = (xs: readonly number[]) =>
  `[${xs.map((x) => (Number.isFinite(x) ? String(x) : 'NULL')).join(',')}]::DOUBLE[]`;
/** A SQL list literal of strings. */
export const stringList = (xs: readonly string[]) =>
  `[${xs.map((x) => `'${x.replace(/'/g, "''")}'`).join(',')}]::VARCHAR[]`;

/** Sturges bin count of numpy's histogram_bin_edges for `size` values over [lo, hi] (1 when hi = lo). */
const sturges = (size: string) =>
  `CASE WHEN hi > lo THEN ceil((hi - lo) / ((hi - lo) / (log2(${size}) + 1.0)))::BIGINT ELSE 1 END`;

/** numpy's bin of x among `nb` equal bins over [lo, hi] (np.histogram: edge comparisons, last bin closed). */
function binOf(x: string, lo: string, hi: string, nb: string): string {
  const edge = (j: string) =>
    `(CASE WHEN (${j}) >= ${nb} THEN ${hi} ELSE (${j}) * ((${hi} - ${lo}) / ${nb}) + ${lo} END)`;
  const j0 = `least(${nb} - 1, floor(((${x}) - ${lo}) / (${hi} - ${lo}) * ${nb})::BIGINT)`;
  const j1 = `(${j0} - CASE WHEN (${x}) < ${edge(j0)} THEN 1 ELSE 0 END)`;
  return `(${j1} + CASE WHEN ${j1} <> ${nb} - 1 AND (${x}) >= ${edge(`${j1} + 1`)} THEN 1 ELSE 0 END)`;
}

/**
 * PSI, KL, Jensen–Shannon and Hellinger per window from a table `t(w, k, rc, cc)` of reference and
 * current counts per key or bin and `g(w, nr, nc)`; PSI and KL replace empty shares as Evidently does
 * (a millionth of the smallest share, or 1e-4), JS and Hellinger take the shares as they are.
 */
const DIVERGENCES = `
  sh AS (SELECT t.w, t.k, t.rc, t.cc, t.rc / g.nr AS rp, t.cc / g.nc AS cp FROM t JOIN g USING (w)),
  fz AS (SELECT w,
      CASE WHEN min(rp) FILTER (WHERE rp > 0) <= 0.0001 THEN min(rp) FILTER (WHERE rp > 0) / 1e6 ELSE 0.0001 END AS rz,
      CASE WHEN min(cp) FILTER (WHERE cp > 0) <= 0.0001 THEN min(cp) FILTER (WHERE cp > 0) / 1e6 ELSE 0.0001 END AS cz
    FROM sh GROUP BY w),
  f AS (SELECT sh.*, CASE WHEN rp = 0 THEN rz ELSE rp END AS rf, CASE WHEN cp = 0 THEN cz ELSE cp END AS cf
    FROM sh JOIN fz USING (w)),
  fs AS (SELECT w, sum(rf) AS srf, sum(cf) AS scf, sum(rp) AS srp, sum(cp) AS scp FROM f GROUP BY w),
  dv AS (SELECT f.w,
      sum((rf - cf) * ln(rf / cf)) AS psi,
      sum((rf / srf) * ln((rf / srf) / (cf / scf))) AS kl,
      sqrt(greatest(0, (
        sum(CASE WHEN rp > 0 THEN (rp / srp) * ln((rp / srp) / ((rp / srp + cp / scp) / 2)) ELSE 0 END) +
        sum(CASE WHEN cp > 0 THEN (cp / scp) * ln((cp / scp) / ((rp / srp + cp / scp) / 2)) ELSE 0 END)) / 2)) AS js,
      sqrt(1 - least(1, greatest(0, sum(sqrt(rp * cp))))) AS hellinger,
      list(k ORDER BY k) AS keys, list(rc ORDER BY k) AS rcs, list(cc ORDER BY k) AS ccs
    FROM f JOIN fs USING (w) GROUP BY f.w)`;

/**
 * Statistics of a numeric column per window. `cur` is a relation with columns `w` (the window) and `x`
 * (DOUBLE, nulls kept); `exact` chooses the exact path (every distinct value a point).
 */
export async function numericStats(
  sql: SqlRunner,
  cur: string,
  ref: NumericPoints,
  options: { exact: boolean; hellinger: boolean },
): Promise<NumericStats[]> {
  const nr = ref.n;
  const head = `
  cur AS (${cur}),
  r AS (SELECT unnest(${numberList(ref.values)}) AS v, unnest(${numberList(ref.weights)}) AS c),
  cs AS (SELECT w, count(x)::DOUBLE AS nc, (count(*) - count(x))::BIGINT AS nulls, min(x) AS mn, max(x) AS mx
    FROM cur GROUP BY w HAVING count(x) > 0),
  g0 AS (SELECT w, nc, nulls, ${nr}::DOUBLE AS nr, least(mn, ${ref.min}) AS lo0, greatest(mx, ${ref.max}) AS hi0 FROM cs),
  g1 AS (SELECT *, CASE WHEN hi0 > lo0 THEN lo0 ELSE lo0 - 0.5 END AS lo, CASE WHEN hi0 > lo0 THEN hi0 ELSE hi0 + 0.5 END AS hi FROM g0)`;
  // Points p(w, a, b, rc, rs, cc, cs, bin[, hbin]): a distinct value (a = b) or a grid cell [a, b).
  let points: string;
  let hellingerSize: string;
  if (options.exact) {
    points = `
  g AS (SELECT *, ${sturges('nr + nc')} AS nb FROM g1),
  pv AS (SELECT w, x AS v, 0::DOUBLE AS rc, count(*)::DOUBLE AS cc FROM cur WHERE x IS NOT NULL GROUP BY w, x
    UNION ALL SELECT g.w, r.v, r.c, 0 FROM r CROSS JOIN g),
  pm AS (SELECT w, v, sum(rc) AS rc, sum(cc) AS cc FROM pv GROUP BY w, v),
  ud AS (SELECT w, count(*)::DOUBLE AS ud FROM pm GROUP BY w),
  p AS (SELECT pm.w, v AS a, v AS b, rc, rc * v AS rs, cc, cc * v AS cs, ${binOf('v', 'g.lo', 'g.hi', 'g.nb')} AS bin,
      ${binOf('v', 'g.lo', 'g.hi', `(SELECT ${sturges('ud.ud')} FROM ud WHERE ud.w = pm.w)`)} AS hbin
    FROM pm JOIN g USING (w))`;
    hellingerSize = '';
  } else {
    const cellOf = (x: string) =>
      `least(${CELLS_PER_BIN - 1}, greatest(0, floor(((${x}) - (bin * ((hi - lo) / nb) + lo)) / ((hi - lo) / nb / ${CELLS_PER_BIN}))::BIGINT))`;
    hellingerSize = options.hellinger
      ? `, ud AS (SELECT w, count(*)::DOUBLE + ${Math.max(0, ref.distinct - ref.values.length)} AS ud FROM (
          SELECT DISTINCT w, x FROM cur WHERE x IS NOT NULL UNION SELECT g.w, r.v FROM r CROSS JOIN g) GROUP BY w),
        gh AS (SELECT g.*, ${sturges('ud.ud')} AS nbh FROM g JOIN ud USING (w))`
      : `, gh AS (SELECT g.*, 1 AS nbh FROM g)`;
    const hbin = options.hellinger ? binOf('x', 'lo', 'hi', 'nbh') : '0';
    points = `
  g AS (SELECT *, ${sturges('nr + nc')} AS nb FROM g1)${hellingerSize},
  cb AS (SELECT *, ${cellOf('x')} AS cell FROM (
    SELECT cur.w, x, ${binOf('x', 'lo', 'hi', 'nb')} AS bin, ${hbin} AS hbin, lo, hi, nb
    FROM cur JOIN gh USING (w) WHERE x IS NOT NULL)),
  cc AS (SELECT w, bin, cell, hbin, count(*)::DOUBLE AS cc, sum(x) AS cs, any_value(lo) AS lo, any_value(hi) AS hi, any_value(nb) AS nb
    FROM cb GROUP BY w, bin, cell, hbin),
  rb AS (SELECT *, ${cellOf('x')} AS cell FROM (
    SELECT gh.w, r.v AS x, r.c, ${binOf('r.v', 'lo', 'hi', 'nb')} AS bin, ${options.hellinger ? binOf('r.v', 'lo', 'hi', 'nbh') : '0'} AS hbin, lo, hi, nb
    FROM r CROSS JOIN gh)),
  rcs AS (SELECT w, bin, cell, hbin, sum(c) AS rc, sum(c * x) AS rs, any_value(lo) AS lo, any_value(hi) AS hi, any_value(nb) AS nb
    FROM rb GROUP BY w, bin, cell, hbin),
  p AS (SELECT w, bin, hbin,
      bin * ((hi - lo) / nb) + lo + cell * ((hi - lo) / nb / ${CELLS_PER_BIN}) AS a,
      CASE WHEN cell = ${CELLS_PER_BIN - 1} THEN (CASE WHEN bin + 1 >= nb THEN hi ELSE (bin + 1) * ((hi - lo) / nb) + lo END)
        ELSE bin * ((hi - lo) / nb) + lo + (cell + 1) * ((hi - lo) / nb / ${CELLS_PER_BIN}) END AS b,
      coalesce(rc, 0) AS rc, coalesce(rs, 0) AS rs, coalesce(cc, 0) AS cc, coalesce(cs, 0) AS cs
    FROM cc FULL JOIN rcs USING (w, bin, cell, hbin, lo, hi, nb))`;
  }
  const text = `WITH ${head}, ${points},
  pc AS (SELECT w, a, b, sum(rc) AS rc, sum(rs) AS rs, sum(cc) AS cc, sum(cs) AS cs FROM p GROUP BY w, a, b),
  o AS (SELECT pc.w, a, b, rc, rs, cc, cs, g.nr, g.nc,
      sum(rc) OVER win / g.nr AS fr, sum(cc) OVER win / g.nc AS fc,
      lead(a) OVER win AS na
    FROM pc JOIN g USING (w) WINDOW win AS (PARTITION BY pc.w ORDER BY a, b ROWS UNBOUNDED PRECEDING)),
  cdf AS (SELECT w,
      max(greatest(abs(fr - fc), abs((fr - rc / nr) - (fc - cc / nc)))) AS ks,
      sum(abs(((fr - rc / nr) - (fc - cc / nc)) * (b - a) + (rc * b - rs) / nr - (cc * b - cs) / nc)
        + abs(fr - fc) * coalesce(na - b, 0)) AS wd
    FROM o GROUP BY w),
  bins AS (SELECT g.w, bin, sum(rc) AS rc, sum(cc) AS cc FROM p JOIN g USING (w) GROUP BY g.w, bin),
  allbins AS (SELECT g.w, unnest(range(g.nb)) AS k FROM g),
  t AS (SELECT a.w, a.k, coalesce(b.rc, 0) AS rc, coalesce(b.cc, 0) AS cc FROM allbins a LEFT JOIN bins b ON a.w = b.w AND a.k = b.bin),
  ${DIVERGENCES},
  hb AS (SELECT p.w, hbin, sum(rc) AS rc, sum(cc) AS cc FROM p GROUP BY p.w, hbin),
  hl AS (SELECT hb.w, sqrt(1 - least(1, greatest(0, sum(sqrt((rc / g.nr) * (cc / g.nc)))))) AS hellinger
    FROM hb JOIN g USING (w) GROUP BY hb.w),
  udc AS (SELECT w, count(*) FILTER (WHERE rc > 0 OR cc > 0) AS ud FROM p GROUP BY w)
  SELECT g.w::VARCHAR AS w, g.nc, g.nulls, g.lo, g.hi, g.nb, cdf.ks, cdf.wd, dv.psi, dv.kl, dv.js, hl.hellinger,
    dv.rcs, dv.ccs, udc.ud
  FROM g JOIN cdf USING (w) JOIN dv USING (w) JOIN hl USING (w) JOIN udc USING (w) ORDER BY g.w`;
  const rows = await sql.all(text);
  return rows.map((r) => {
    const nb = num(r.nb);
    const lo = num(r.lo);
    const hi = num(r.hi);
    const step = (hi - lo) / nb;
    return {
      w: String(r.w),
      rows: num(r.nc),
      nulls: num(r.nulls),
      unionDistinct: num(r.ud),
      ks: num(r.ks),
      wasserstein: num(r.wd),
      psi: num(r.psi),
      kl: num(r.kl),
      js: num(r.js),
      hellinger: options.exact || options.hellinger ? num(r.hellinger) : null,
      bins: {
        keys: Array.from({ length: nb }, (_, j) => j),
        edges: Array.from({ length: nb + 1 }, (_, j) => (j === nb ? hi : j * step + lo)),
        ref: (r.rcs as unknown[]).map(num),
        cur: (r.ccs as unknown[]).map(num),
      },
    };
  });
}

/**
 * Statistics of a categorical column (or a numeric one with few values, compared value by value) per
 * window. `cur` has columns `w` and `x` of the same type as the reference keys (VARCHAR or DOUBLE).
 */
export async function categoricalStats(
  sql: SqlRunner,
  cur: string,
  ref: CategoryCounts,
  keyType: 'VARCHAR' | 'DOUBLE',
): Promise<CategoricalStats[]> {
  const OTHER = '\u0000other';
  const keys =
    keyType === 'DOUBLE'
      ? numberList(ref.keys as number[])
      : stringList([...(ref.keys as string[]), ...(ref.other > 0 ? [OTHER] : [])]);
  const counts = numberList([
    ...ref.counts,
    ...(ref.other > 0 && keyType === 'VARCHAR' ? [ref.other] : []),
  ]);
  // A reference cut to its top categories counts a current value it does not know as `other`.
  const known =
    ref.other > 0 && keyType === 'VARCHAR'
      ? `CASE WHEN x IN (SELECT k FROM r) THEN x ELSE '${OTHER}' END`
      : 'x';
  const text = `WITH cur AS (${cur}),
  r AS (SELECT unnest(${keys}) AS k, unnest(${counts}) AS c),
  g AS (SELECT w, count(x)::DOUBLE AS nc, (count(*) - count(x))::BIGINT AS nulls, ${ref.n}::DOUBLE AS nr
    FROM cur GROUP BY w HAVING count(x) > 0),
  cc AS (SELECT w, ${known} AS k, count(*)::DOUBLE AS c FROM cur WHERE x IS NOT NULL GROUP BY ALL),
  ks AS (SELECT g.w, r.k FROM g CROSS JOIN r UNION SELECT w, k FROM cc),
  t AS (SELECT ks.w, ks.k, coalesce(r.c, 0) AS rc, coalesce(cc.c, 0) AS cc
    FROM ks LEFT JOIN r ON r.k = ks.k LEFT JOIN cc ON cc.w = ks.w AND cc.k = ks.k),
  ${DIVERGENCES},
  chi AS (SELECT t.w, count(*) AS nk,
      sum(CASE WHEN rc = 0 THEN CASE WHEN cc = 0 THEN 0 ELSE 'Infinity'::DOUBLE END
        ELSE (cc - rc * (g.nc / g.nr)) ^ 2 / (rc * (g.nc / g.nr)) END) AS chi2,
      min(t.k) AS k0, count(*) FILTER (WHERE rc > 0) AS rk, count(*) FILTER (WHERE cc > 0) AS ck,
      arg_min(rc, t.k) AS r0, arg_min(cc, t.k) AS c0
    FROM t JOIN g USING (w) GROUP BY t.w),
  z AS (SELECT chi.*, 1 - r0 / g.nr AS p1, 1 - c0 / g.nc AS p2 FROM chi JOIN g USING (w))
  SELECT g.w::VARCHAR AS w, g.nc, g.nulls, z.nk, z.chi2, z.rk, z.ck,
    (p1 - p2) / sqrt(((p1 * g.nr + p2 * g.nc) / (g.nr + g.nc)) * (1 - (p1 * g.nr + p2 * g.nc) / (g.nr + g.nc))
      * (1 / g.nr + 1 / g.nc)) AS zstat,
    dv.psi, dv.kl, dv.js, dv.hellinger, dv.keys, dv.rcs, dv.ccs
  FROM g JOIN z USING (w) JOIN dv USING (w) ORDER BY g.w`;
  const rows = await sql.all(text);
  return rows.map((r) => {
    const single = num(r.nk) === 1;
    return {
      w: String(r.w),
      rows: num(r.nc),
      nulls: num(r.nulls),
      keys: num(r.nk),
      chi2: num(r.chi2),
      z: single ? null : num(r.zstat),
      psi: num(r.psi),
      kl: num(r.kl),
      js: num(r.js),
      hellinger: num(r.hellinger),
      bins: {
        keys: (r.keys as unknown[]).map((k) =>
          typeof k === 'number' || typeof k === 'bigint'
            ? num(k)
            : String(k) === OTHER
              ? '(other)'
              : String(k),
        ),
        edges: null,
        ref: (r.rcs as unknown[]).map(num),
        cur: (r.ccs as unknown[]).map(num),
      },
    };
  });
}
