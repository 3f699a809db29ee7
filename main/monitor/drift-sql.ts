// Drift statistics of one column in DuckDB SQL, per window of the current rows, against a stored
// reference: KS, Wasserstein, the binned divergences (PSI, KL, Jensen–Shannon, Hellinger), chi-square
// and the proportions z-test, defined as Evidently defines them on top of scipy. Only the p-values
// (drift-stats.ts) are computed in JS, from the SQL statistics.
//
// Numeric columns take one of two paths. Exact: every distinct value of both sides is a point, and the
// statistics equal scipy's (used when the reference keeps its values and the current side is small).
// Grid: the current values are counted and summed in fine cells, 512 per Sturges bin of the combined
// range, in one streaming GROUP BY on one integer key. The Sturges bins are sums of cells (a value within a
// rounding error of a bin edge may count in the neighbouring bin), the Wasserstein integral is exact
// except inside cells where the two CDFs cross, and KS is exact at cell edges (off by at most one cell's
// mass). tests/unit/main/monitor/drift-sql.test.ts holds both paths to scipy. This is what keeps 3M rows
// × 100 columns within seconds.
import { literal, sqlInteger, sqlNumber, type Row, type SqlParam } from '../workspace/db';

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

/**
 * A SQL list of numbers, as one text cast to DOUBLE[]: DuckDB plans a list literal of 10,000 numbers in
 * about a second, the cast of one string in milliseconds. JS prints each double so it parses back exactly.
 */
export const numberList = (xs: readonly number[]) =>
  `'[${xs.map((x) => (Number.isFinite(x) ? String(x) : 'NULL')).join(',')}]'::DOUBLE[]`;
/** A SQL list literal of strings. */
export const stringList = (xs: readonly string[]) =>
  `[${xs.map((x) => `'${x.replace(/'/g, "''")}'`).join(',')}]::VARCHAR[]`;

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

/** Each window's rows, nulls and the combined range with the reference (numpy's outer edges). */
interface Bounds {
  w: string;
  nc: number;
  nulls: number;
  lo: number;
  hi: number;
  /** Sturges bins over reference + current (numpy's histogram_bin_edges 'sturges'). */
  nb: number;
}

/** A window's non-null rows, nulls, minimum and maximum of the current column. */
export interface FirstPass extends Row {
  w: string;
  nc: number;
  nulls: number;
  mn: number;
  mx: number;
}

/** numpy's Sturges bin count for `size` values over [lo, hi]: ceil(ptp / (ptp / (log2(size) + 1))). */
export function sturgesBins(size: number, lo: number, hi: number): number {
  const ptp = hi - lo;
  return ptp > 0 ? Math.ceil(ptp / (ptp / (Math.log2(size) + 1))) : 1;
}

/**
 * Columns `j0`, `j1` and then `as` added to `src`: numpy's bin of `x` among `nb` equal bins over [lo, hi]
 * (a first guess, moved by the edge comparisons np.histogram makes). Staged so each is computed once.
 */
function binned(src: string, x: string, lo: string, hi: string, nb: string, as: string): string {
  const edge = (j: string) =>
    `(CASE WHEN (${j}) >= ${nb} THEN ${hi} ELSE (${j}) * ((${hi} - ${lo}) / ${nb}) + ${lo} END)`;
  return `(SELECT * EXCLUDE (${as}_j1), ${as}_j1 + CASE WHEN ${as}_j1 <> ${nb} - 1 AND ${x} >= ${edge(`${as}_j1 + 1`)} THEN 1 ELSE 0 END AS ${as}
    FROM (SELECT * EXCLUDE (${as}_j0), ${as}_j0 - CASE WHEN ${x} < ${edge(`${as}_j0`)} THEN 1 ELSE 0 END AS ${as}_j1
      FROM (SELECT *, least(${nb} - 1, floor((${x} - ${lo}) / (${hi} - ${lo}) * ${nb})::BIGINT) AS ${as}_j0 FROM ${src})))`;
}

/**
 * Statistics of a numeric column per window. `cur` is a relation with columns `w` (the window) and `x`
 * (DOUBLE, nulls kept); `exact` chooses the exact path (every distinct value a point); `windowed` says
 * whether `w` takes more than one value.
 */
export async function numericStats(
  sql: SqlRunner,
  cur: string,
  ref: NumericPoints,
  options: {
    exact: boolean;
    hellinger: boolean;
    windowed?: boolean;
    /** The first pass's rows when the caller read them already (one scan for every column). */
    first?: FirstPass[];
  },
): Promise<NumericStats[]> {
  const nr = ref.n;
  // First pass: rows, nulls and range per window.
  const first =
    options.first ??
    (await sql.all<FirstPass>(
      options.windowed
        ? `SELECT w::VARCHAR AS w, count(x) AS nc, count(*) - count(x) AS nulls, min(x) AS mn, max(x) AS mx
         FROM (${cur}) GROUP BY w HAVING count(x) > 0 ORDER BY w`
        : `SELECT any_value(w)::VARCHAR AS w, count(x) AS nc, count(*) - count(x) AS nulls, min(x) AS mn, max(x) AS mx
         FROM (${cur}) HAVING count(x) > 0`,
    ));
  // Values more than ~1.8e308 apart overflow hi − lo: compute on halved values (exact but for subnormals;
  // every statistic but the Wasserstein distance is scale-free) and scale that distance and the edges back.
  const spanOverflows = first.some(
    (r) =>
      Number.isFinite(num(r.mn)) &&
      Number.isFinite(num(r.mx)) &&
      !Number.isFinite(Math.max(num(r.mx), ref.max) - Math.min(num(r.mn), ref.min)),
  );
  if (spanOverflows && Number.isFinite(ref.min) && Number.isFinite(ref.max)) {
    const halved = await numericStats(
      sql,
      `SELECT w, x * ${sqlNumber(0.5)} AS x FROM (${cur})`,
      {
        ...ref,
        min: ref.min / 2,
        max: ref.max / 2,
        values: ref.values.map((v) => v / 2),
      },
      { ...options, first: first.map((r) => ({ ...r, mn: num(r.mn) / 2, mx: num(r.mx) / 2 })) },
    );
    return halved.map((s) => ({
      ...s,
      wasserstein: s.wasserstein * 2,
      bins: { ...s.bins, edges: s.bins.edges?.map((e) => e * 2) ?? null },
    }));
  }
  const bounds: Bounds[] = first.map((r) => {
    const [mn, mx] = [Math.min(num(r.mn), ref.min), Math.max(num(r.mx), ref.max)];
    const [lo, hi] = mx > mn ? [mn, mx] : [mn - 0.5, mx + 0.5];
    return {
      w: String(r.w),
      nc: num(r.nc),
      nulls: num(r.nulls),
      lo,
      hi,
      nb: sturgesBins(nr + num(r.nc), mn, mx),
    };
  });
  if (!bounds.length) return [];
  const g = `g AS (SELECT * FROM (VALUES ${bounds
    .map(
      (b) =>
        `(${literal(b.w)}, ${sqlNumber(b.nc)}, ${sqlNumber(nr)}, ${sqlNumber(b.lo)}, ${sqlNumber(b.hi)}, ${sqlInteger(b.nb)}::BIGINT)`,
    )
    .join(', ')}) AS g(w, nc, nr, lo, hi, nb))`;
  const one = bounds.length === 1 ? bounds[0]! : null;
  // One window: its range and bins are constants in the expressions (no join on 3M rows); several: joined.
  const [lo, hi, nb] = one
    ? [sqlNumber(one.lo), sqlNumber(one.hi), sqlInteger(one.nb)]
    : ['lo', 'hi', 'nb'];
  const keyed = (src: string) =>
    one
      ? `(SELECT x FROM (${src}) WHERE x IS NOT NULL)`
      : `(SELECT g.w, s.x, g.lo, g.hi, g.nb FROM (${src}) s JOIN g ON s.w::VARCHAR = g.w WHERE s.x IS NOT NULL)`;
  const refRel = `(SELECT unnest(${numberList(ref.values)}) AS v, unnest(${numberList(ref.weights)}) AS c)`;
  // Points p(w, a, b, rc, rs, cc, cs, bin, hbin): a distinct value (a = b) or a grid cell [a, b).
  let points: string;
  if (options.exact) {
    const pm = `(SELECT w, v, sum(rc) AS rc, sum(cc) AS cc FROM (
      SELECT w, x AS v, 0::DOUBLE AS rc, count(*)::DOUBLE AS cc FROM ${
        one ? `(SELECT ${literal(one.w)} AS w, x FROM ${keyed(cur)})` : keyed(cur)
      } GROUP BY w, x
      UNION ALL SELECT g.w, r.v, r.c, 0 FROM ${refRel} r CROSS JOIN g) GROUP BY w, v)`;
    const withG = `(SELECT pm.*, g.lo, g.hi, g.nb, g.nr, g.nc FROM ${pm} pm JOIN g USING (w))`;
    const ud = `(SELECT w, count(*)::DOUBLE AS ud FROM ${pm} GROUP BY w)`;
    const withH = `(SELECT x.*, CASE WHEN x.hi > x.lo THEN ceil((x.hi - x.lo) / ((x.hi - x.lo) / (log2(ud.ud) + 1.0)))::BIGINT ELSE 1 END AS nbh
      FROM (SELECT *, v AS x FROM ${withG}) x JOIN ${ud} ud USING (w))`;
    points = `p AS (SELECT w, v AS a, v AS b, rc, rc * v AS rs, cc, cc * v AS cs, bin, hbin
      FROM ${binned(binned(withH, 'x', 'lo', 'hi', 'nb', 'bin'), 'x', 'lo', 'hi', 'nbh', 'hbin')})`;
  } else {
    // Hellinger's bins follow the distinct values of reference and current together, per window: one
    // window's count is a constant; several windows' come from the ud CTE, joined to each row.
    const unseen = sqlInteger(Math.max(0, ref.distinct - ref.values.length));
    const perWindow = options.hellinger && !one;
    const unionDistinct = !options.hellinger
      ? '1'
      : one
        ? `(SELECT count(*)::DOUBLE + ${unseen} FROM (
          SELECT DISTINCT x FROM ${keyed(cur)} UNION SELECT v FROM ${refRel}))`
        : 'ud';
    const nbh = `(CASE WHEN ${hi} > ${lo} THEN ceil((${hi} - ${lo}) / ((${hi} - ${lo}) / (log2(${unionDistinct}) + 1.0)))::BIGINT ELSE 1 END)`;
    const cellsAll = `(${nb} * ${sqlInteger(CELLS_PER_BIN)})`;
    // The cell of x in one expression (its bin is cell // CELLS_PER_BIN): no edge comparisons per row, so
    // a value within a rounding error of a bin edge may count in the neighbouring bin.
    // The value hi lands one past the last cell; it is moved back after grouping (on cells, not rows).
    const grid = (src: string) =>
      `(SELECT *, floor((x - ${lo}) / (${hi} - ${lo}) * ${cellsAll})::BIGINT AS ci, ${
        options.hellinger
          ? `least(${nbh} - 1, floor((x - ${lo}) / (${hi} - ${lo}) * ${nbh})::BIGINT)`
          : '0'
      } AS hbin FROM ${perWindow ? `${src} JOIN ud USING (w)` : src})`;
    // One grouping key per cell (and Hellinger bin): a single integer hashes far faster than several.
    const key = options.hellinger ? `ci + hbin * ${sqlInteger(2 ** 32)}` : 'ci';
    const cells = (src: string, aggs: string, sums: string) =>
      `(SELECT w, least(ci, ${cellsAll} - 1) AS ci, hbin, ${sums} FROM ${
        one
          ? `(SELECT ${literal(one.w)} AS w, k % ${sqlInteger(2 ** 32)} AS ci, k // ${sqlInteger(2 ** 32)} AS hbin, * EXCLUDE (k) FROM (
            SELECT ${key} AS k, ${aggs} FROM ${grid(src)} GROUP BY k))`
          : // nb (one per window) is kept for the cell bound above.
            `(SELECT w, ci, hbin, nb, ${aggs} FROM ${grid(src)} GROUP BY w, ci, hbin, nb)`
      } GROUP BY ALL)`;
    const curCells = cells(
      keyed(cur),
      'count(*)::DOUBLE AS cc, sum(x) AS cs',
      'sum(cc) AS cc, sum(cs) AS cs',
    );
    const refPoints = one
      ? `(SELECT v AS x, c FROM ${refRel})`
      : `(SELECT g.w, r.v AS x, r.c, g.lo, g.hi, g.nb FROM ${refRel} r CROSS JOIN g)`;
    const refCells = cells(
      refPoints,
      'sum(c) AS rc, sum(c * x) AS rs',
      'sum(rc) AS rc, sum(rs) AS rs',
    );
    const width = `((g.hi - g.lo) / (g.nb * ${sqlInteger(CELLS_PER_BIN)}))`;
    const udCte = perWindow
      ? `ud AS (SELECT w, count(*)::DOUBLE + ${unseen} AS ud FROM (
          SELECT DISTINCT w, x FROM ${keyed(cur)} UNION SELECT g.w, r.v FROM ${refRel} r CROSS JOIN g)
        GROUP BY w), `
      : '';
    points = `${udCte}p AS (SELECT w, ci // ${sqlInteger(CELLS_PER_BIN)} AS bin, hbin, g.lo + ci * ${width} AS a,
      CASE WHEN ci + 1 >= g.nb * ${sqlInteger(CELLS_PER_BIN)} THEN g.hi ELSE g.lo + (ci + 1) * ${width} END AS b,
      coalesce(rc, 0) AS rc, coalesce(rs, 0) AS rs, coalesce(cc, 0) AS cc, coalesce(cs, 0) AS cs
    FROM ${curCells} c FULL JOIN ${refCells} r USING (w, ci, hbin) JOIN g USING (w))`;
  }
  const text = `WITH ${g}, ${points},
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
  bins AS (SELECT p.w, bin, sum(rc) AS rc, sum(cc) AS cc FROM p GROUP BY p.w, bin),
  allbins AS (SELECT g.w, unnest(range(g.nb)) AS k FROM g),
  t AS (SELECT a.w, a.k, coalesce(b.rc, 0) AS rc, coalesce(b.cc, 0) AS cc FROM allbins a LEFT JOIN bins b ON a.w = b.w AND a.k = b.bin),
  ${DIVERGENCES},
  hb AS (SELECT p.w, hbin, sum(rc) AS rc, sum(cc) AS cc FROM p GROUP BY p.w, hbin),
  hl AS (SELECT hb.w, sqrt(1 - least(1, greatest(0, sum(sqrt((rc / g.nr) * (cc / g.nc)))))) AS hellinger
    FROM hb JOIN g USING (w) GROUP BY hb.w),
  udc AS (SELECT w, count(*) FILTER (WHERE rc > 0 OR cc > 0) AS ud FROM p GROUP BY w)
  SELECT g.w, cdf.ks, cdf.wd, dv.psi, dv.kl, dv.js, hl.hellinger, dv.rcs, dv.ccs, udc.ud
  FROM g JOIN cdf USING (w) JOIN dv USING (w) JOIN hl USING (w) JOIN udc USING (w)`;
  const rows = new Map((await sql.all(text)).map((r) => [String(r.w), r]));
  return bounds.map((bd) => {
    const r = rows.get(bd.w)!;
    const step = (bd.hi - bd.lo) / bd.nb;
    return {
      w: bd.w,
      rows: bd.nc,
      nulls: bd.nulls,
      unionDistinct: num(r.ud),
      ks: num(r.ks),
      wasserstein: num(r.wd),
      psi: num(r.psi),
      kl: num(r.kl),
      js: num(r.js),
      hellinger: options.exact || options.hellinger ? num(r.hellinger) : null,
      bins: {
        keys: Array.from({ length: bd.nb }, (_, j) => j),
        edges: Array.from({ length: bd.nb + 1 }, (_, j) =>
          j === bd.nb ? bd.hi : j * step + bd.lo,
        ),
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
  g AS (SELECT w, count(x)::DOUBLE AS nc, (count(*) - count(x))::BIGINT AS nulls, ${sqlNumber(ref.n)} AS nr
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
