// Drift of current data (captured predictions, one batch job, a dataset version) against a version's
// stored reference; every statistic in DuckDB SQL (drift-sql.ts), p-values from them (drift-stats.ts).
import {
  LatheError,
  type DriftIn,
  type DriftMethod,
  type DriftOut,
  type DriftWindow,
  type Distribution,
  type FeatureDrift,
  type ModelVersion,
} from '../../shared/contract';
import type { z } from 'zod';
import type { DataService } from '../data/data-service';
import type { Engine } from '../data/engine';
import type { RegistryStore } from '../registry/registry-store';
import {
  captureRelation,
  captureTableOf,
  readingCaptures,
  type CaptureTable,
} from '../serve/capture';
import { ident, literal, sqlInteger, type Database } from '../workspace/db';
import { renderDriftHtml } from './drift-html';
import {
  categoricalStats,
  numericStats,
  stringList,
  numberList,
  type Binned,
  type CategoryCounts,
  type FirstPass,
  type SqlRunner,
} from './drift-sql';
import { chi2Sf, ksPValue, normSf } from './drift-stats';
import {
  EXACT_ROWS,
  type ReferenceStore,
  type StoredFeature,
  type StoredReference,
} from './reference';
import { checkRange, utcIso } from './time-bound';

export interface DriftService {
  drift(input: z.output<typeof DriftIn>): Promise<DriftOut>;
  html(input: z.output<typeof DriftIn>): Promise<string>;
}

/** Current rows up to which numeric statistics take the exact path against a lossless reference. */
export const EXACT_CURRENT_ROWS = 200_000;
/** Numeric references with at most this many distinct values are binned value by value (Evidently). */
const VALUE_BINS_MAX = 20;
const PSI_WARN = 0.1;
/** Categories a drawn distribution shows (the rest as other). */
const VIEW_CATEGORIES = 20;

const P_VALUE_METHODS = new Set<DriftMethod>(['ks', 'chisquare', 'ztest']);
const NUMERIC_ONLY = new Set<DriftMethod>(['ks', 'wasserstein']);

/** A method's default threshold: p < 0.05 for tests, 0.1 for distances, 0.25 for PSI (warn at 0.1). */
export function defaultThreshold(method: DriftMethod): number {
  if (P_VALUE_METHODS.has(method)) return 0.05;
  return method === 'psi' ? 0.25 : 0.1;
}

/**
 * Evidently's default test: references of up to 1,000 rows get KS (numeric with more than 5 values) or
 * chi-square (z-test with two values); larger ones Wasserstein (numeric with more than 5 values) or
 * Jensen–Shannon. `values` counts distinct values of reference and current together.
 */
export function defaultMethod(
  kind: 'numeric' | 'categorical',
  referenceRows: number,
  values: number,
): DriftMethod {
  const small = referenceRows <= EXACT_ROWS;
  if (kind === 'numeric' && values > 5) return small ? 'ks' : 'wasserstein';
  if (!small) return 'jensenshannon';
  return values > 2 ? 'chisquare' : 'ztest';
}

/** What one feature's computation returns per window. */
interface Verdict {
  w: string;
  rows: number;
  nulls: number;
  statistic: number;
  pValue?: number;
  drifted: boolean;
  warn?: boolean;
  bins: Binned;
}

/** A drawn distribution of one side of a binned result (categories: the most frequent, then other). */
function distributionOf(b: Binned, side: 'ref' | 'cur'): Distribution {
  const counts = b[side];
  if (b.edges) return { kind: 'numeric', edges: b.edges, counts };
  const order = b.keys
    .map((k, i) => ({ k: String(k), i, t: b.ref[i]! + b.cur[i]! }))
    .sort((a, c) => c.t - a.t || (a.k < c.k ? -1 : 1));
  const shown = order.slice(0, VIEW_CATEGORIES);
  const rest = order.slice(VIEW_CATEGORIES).reduce((s, o) => s + counts[o.i]!, 0);
  return {
    kind: 'categorical',
    categories: [...shown.map((o) => o.k), ...(rest > 0 ? ['(other)'] : [])],
    counts: [...shown.map((o) => counts[o.i]!), ...(rest > 0 ? [rest] : [])],
  };
}

/** A finite statistic for the contract (chi-square is infinite when a category is new). */
const finite = (x: number) => (Number.isFinite(x) ? x : x > 0 ? Number.MAX_VALUE : 0);

/**
 * Drift of one column per window of `cur` (a relation with `w` and `x`): the method, its threshold and
 * a verdict per window.
 */
export async function columnDrift(
  sql: SqlRunner,
  cur: string,
  ref: StoredFeature,
  options: {
    method?: DriftMethod;
    threshold?: number;
    currentRows: number;
    windowed?: boolean;
    first?: FirstPass[];
  },
): Promise<{ method: DriftMethod; threshold: number; windows: Verdict[] }> {
  const name = ref.feature;
  const refRows = ref.rows - ref.nulls;
  let method = options.method;
  if (!method) {
    let values = ref.distinct;
    const few = ref.kind === 'numeric' ? 5 : 2;
    if (values <= few) {
      // Few reference values: count the values of both sides together, as Evidently does.
      const known =
        ref.kind === 'numeric'
          ? `SELECT unnest(${numberList(ref.numeric!.values)}) AS x`
          : `SELECT unnest(${stringList(ref.categorical!.keys)}) AS x`;
      const [r] = await sql.all(
        `SELECT count(*) AS n FROM (SELECT DISTINCT x FROM (SELECT x FROM (${cur}) WHERE x IS NOT NULL UNION ${known}))`,
      );
      values = Number(r?.n ?? 0);
    }
    method = defaultMethod(ref.kind, refRows, values);
  }
  if (ref.kind === 'categorical' && NUMERIC_ONLY.has(method)) {
    throw new LatheError(
      'INVALID_INPUT',
      `method ${method} compares numeric columns; '${name}' is categorical (use chisquare, ztest, jensenshannon, psi, kl or hellinger)`,
      { field: 'methods', feature: name },
    );
  }
  const threshold = options.threshold ?? defaultThreshold(method);
  const byValue =
    ref.kind === 'categorical' ||
    method === 'chisquare' ||
    method === 'ztest' ||
    (method !== 'hellinger' &&
      !NUMERIC_ONLY.has(method) &&
      ref.numeric!.lossless &&
      ref.numeric!.distinct <= VALUE_BINS_MAX);
  const verdict = (
    s: { w: string; rows: number; nulls: number; bins: Binned },
    statistic: number,
    pValue?: number,
  ): Verdict => {
    const isTest = pValue !== undefined;
    const drifted = isTest ? pValue < threshold : statistic >= threshold;
    return {
      w: s.w,
      rows: s.rows,
      nulls: s.nulls,
      statistic: finite(statistic),
      ...(isTest ? { pValue } : {}),
      drifted,
      ...(method === 'psi' ? { warn: !drifted && statistic >= PSI_WARN } : {}),
      bins: s.bins,
    };
  };
  if (byValue) {
    let counts: CategoryCounts;
    if (ref.kind === 'categorical') counts = ref.categorical!;
    else if (ref.numeric!.lossless) {
      const p = ref.numeric!;
      counts = { n: p.n, keys: p.values, counts: p.weights, other: 0 };
    } else {
      throw new LatheError(
        'INVALID_INPUT',
        `method ${method} compares values one by one; '${name}' has ${ref.distinct} distinct values and its reference keeps a sketch (use ks, wasserstein, psi, kl, jensenshannon or hellinger)`,
        { field: 'methods', feature: name },
      );
    }
    const stats = await categoricalStats(
      sql,
      cur,
      counts,
      ref.kind === 'categorical' ? 'VARCHAR' : 'DOUBLE',
    );
    return {
      method,
      threshold,
      windows: stats.map((s) => {
        if (method === 'chisquare') return verdict(s, s.chi2, chi2Sf(s.chi2, s.keys - 1));
        if (method === 'ztest') {
          const zs = s.z ?? 0;
          return verdict(s, zs, s.z === null ? 1 : Math.min(1, 2 * normSf(Math.abs(zs))));
        }
        const byName = { psi: s.psi, kl: s.kl, jensenshannon: s.js, hellinger: s.hellinger };
        return verdict(s, byName[method as keyof typeof byName]);
      }),
    };
  }
  const p = ref.numeric!;
  const stats = await numericStats(sql, cur, p, {
    exact: p.lossless && options.currentRows <= EXACT_CURRENT_ROWS,
    hellinger: method === 'hellinger',
    windowed: options.windowed,
    first: options.first,
  });
  const norm = Math.max(p.std, 0.001);
  return {
    method,
    threshold,
    windows: stats.map((s) => {
      switch (method) {
        case 'ks':
          return verdict(s, s.ks, ksPValue(s.ks, p.n, s.rows));
        case 'wasserstein':
          return verdict(s, s.wasserstein / norm);
        case 'psi':
          return verdict(s, s.psi);
        case 'kl':
          return verdict(s, s.kl);
        case 'jensenshannon':
          return verdict(s, s.js);
        default:
          return verdict(s, s.hellinger ?? Number.NaN);
      }
    }),
  };
}

/** Where the current rows come from: a runner, the relation of its rows (with `_at` when captured). */
interface Current {
  kind: DriftOut['current']['kind'];
  source: string;
  sql: SqlRunner;
  /** The rows, as a relation whose columns include the inputs (and `_at`, `_score`, `_prediction`). */
  from: string;
  columns: string[];
  captured: boolean;
  /** The capture table the rows are read from (absent for a dataset version). */
  table?: CaptureTable;
  /** With a row range: the rows it is cut from, and what they are (the batch, the time range). */
  sliced?: { from: string; of: string };
}

export function createDriftService(deps: {
  db: Database;
  engine: Engine;
  data: DataService;
  registry: RegistryStore;
  references: ReferenceStore;
  /** The workspace folder, where batch jobs' capture files are. */
  workspaceDir: string;
}): DriftService {
  const { db, engine, data, registry, references } = deps;

  async function currentOf(v: ModelVersion, input: z.output<typeof DriftIn>): Promise<Current> {
    const label = `${v.model}@${v.version}`;
    if (input.data) {
      if (input.batch)
        throw new LatheError(
          'INVALID_INPUT',
          'give either a dataset (--data) or a batch (--batch)',
          {
            field: 'batch',
          },
        );
      if (input.window !== undefined || input.range || input.rows)
        throw new LatheError(
          'INVALID_INPUT',
          'windows, time ranges and row ranges cut captured rows; a dataset version (--data) is compared whole',
          { field: input.window !== undefined ? 'window' : input.range ? 'range' : 'rows' },
        );
      const d = await data.resolve(input.data);
      return {
        kind: 'dataset',
        source: `${d.dataset}@${d.version}`,
        sql: engine,
        from: `read_parquet(${literal(d.storagePath)})`,
        columns: d.columns.map((c) => c.name),
        captured: false,
      };
    }
    const batch = input.batch === undefined ? undefined : await batchOf(v, input.batch);
    checkRange(input.range);
    const table = await captureTableOf(db, v.id);
    if (!table) {
      throw new LatheError(
        'NOT_FOUND',
        `nothing is captured for ${label}: serve it or run a batch prediction with it, or compare a dataset version with --data`,
        { ref: input.ref },
      );
    }
    const where: string[] = [];
    if (batch) where.push(`_source = ${literal(batch)}`);
    if (input.range?.from)
      where.push(`_at >= ${literal(utcIso(input.range.from, 'range.from'))}::TIMESTAMP`);
    if (input.range?.to)
      where.push(`_at < ${literal(utcIso(input.range.to, 'range.to'))}::TIMESTAMP`);
    const rows = await captureRelation(db, deps.workspaceDir, table, { order: true });
    // Positions as the windows of N rows count them (windowOf).
    const slice = input.rows
      ? ` QUALIFY row_number() OVER (ORDER BY _at, __captured) - 1 BETWEEN ${sqlInteger(input.rows.from)} AND ${sqlInteger(input.rows.to - 1)}`
      : '';
    const filtered = `SELECT * FROM ${rows} c${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
    const from = `(${filtered}${slice})`;
    const span =
      batch ??
      (input.range
        ? `${input.range.from ?? 'start'} – ${input.range.to ?? 'now'}`
        : 'all captured rows');
    return {
      kind: batch ? 'batch' : 'captured',
      source: input.rows ? `${span}, rows ${input.rows.from}–${input.rows.to - 1}` : span,
      ...(input.rows
        ? { sliced: { from: `(${filtered})`, of: batch ? `batch ${batch}` : span } }
        : {}),
      sql: db,
      from,
      columns: table.columns.inputs.map((i) => i.name),
      captured: true,
      table,
    };
  }

  /**
   * The id of the batch job `id` names (the whole id, or 8+ leading characters of one), which must have
   * scored `v`: NOT_FOUND says how to list the model's batch jobs, INVALID_INPUT which version a batch of
   * another one scored.
   */
  async function batchOf(v: ModelVersion, id: string): Promise<string> {
    const label = `${v.model}@${v.version}`;
    // A job run with --capture none has no capture source, only its prediction_batches row.
    const found = await db.all<{ id: string; model: string; version: number; captured: boolean }>(
      `SELECT id, model, version, true AS captured FROM capture_sources
       WHERE kind = 'batch' AND (id = $1 OR (length($1) >= 8 AND starts_with(id, $1)))
       UNION ALL
       SELECT id, model, version, false FROM prediction_batches
       WHERE (id = $1 OR (length($1) >= 8 AND starts_with(id, $1)))
         AND id NOT IN (SELECT id FROM capture_sources)`,
      [id],
    );
    const exact = found.find((b) => b.id === id);
    if (!exact && found.length > 1)
      throw new LatheError(
        'INVALID_INPUT',
        `batch '${id}' is ambiguous: ${found.length} batch jobs have ids starting with it (give more of the id)`,
        { field: 'batch', batch: id },
      );
    const b = exact ?? found[0];
    if (!b)
      throw new LatheError(
        'NOT_FOUND',
        `no batch job '${id}': lathe predict list ${v.model} lists the batch jobs of ${v.model} with their ids`,
        { field: 'batch', batch: id },
      );
    if (b.model !== v.model || Number(b.version) !== v.version)
      throw new LatheError(
        'INVALID_INPUT',
        `batch ${b.id} scored ${b.model}@${Number(b.version)}, not ${label}: compare it with lathe monitor drift ${b.model}@${Number(b.version)} --batch ${b.id}`,
        { field: 'batch', batch: b.id },
      );
    if (!b.captured)
      throw new LatheError(
        'NOT_FOUND',
        `batch ${b.id} of ${label} captured no rows (it ran with --capture none): nothing to compare`,
        { field: 'batch', batch: b.id },
      );
    return b.id;
  }

  /** The window key of each row, and how a window's start and end read. */
  function windowOf(window: NonNullable<z.output<typeof DriftIn>['window']>) {
    if (typeof window === 'number') {
      return {
        // Rows of one time in the order they were captured (a batch's rows share the job's time; its ids,
        // or `<job>/<row>` as text, would sort 10 before 2).
        key: `((row_number() OVER (ORDER BY _at, __captured) - 1) // ${sqlInteger(window)})`,
        span: `epoch_ms(min(_at)) AS start, epoch_ms(max(_at)) AS "end"`,
      };
    }
    return {
      key: `date_trunc('${window}', _at)`,
      span: `epoch_ms(min(w)) AS start, epoch_ms(min(w) + INTERVAL 1 ${window}) AS "end"`,
    };
  }

  async function drift(input: z.output<typeof DriftIn>): Promise<DriftOut> {
    const started = Date.now();
    const v = await registry.version(input.ref);
    const ref = await references.stored(v);
    const current = await currentOf(v, input);
    const compared = () => compare(v, ref, current, input, started);
    // A damaged capture file of a batch job fails a statement in DuckDB's words; only then is it found.
    return current.table
      ? readingCaptures(db, deps.workspaceDir, [current.table], compared)
      : compared();
  }

  /** The drift of `current` against `ref`, the stored reference of `v`. */
  async function compare(
    v: ModelVersion,
    ref: StoredReference,
    current: Current,
    input: z.output<typeof DriftIn>,
    started: number,
  ): Promise<DriftOut> {
    const missing = ref.features.filter((f) => !current.columns.includes(f.feature));
    if (missing.length) {
      throw new LatheError(
        'COLUMN_NOT_FOUND',
        `${current.source} lacks input${missing.length > 1 ? 's' : ''} ${missing.map((f) => `'${f.feature}'`).join(', ')} of ${v.model}@${v.version}`,
        { data: current.source },
      );
    }
    const unknown = Object.keys(input.methods ?? {}).filter(
      (k) => k !== 'prediction' && !ref.features.some((f) => f.feature === k),
    );
    if (unknown.length) {
      throw new LatheError(
        'INVALID_INPUT',
        `methods: ${unknown.map((k) => `'${k}'`).join(', ')} ${unknown.length > 1 ? 'are not inputs' : 'is not an input'} of ${v.model}@${v.version} (inputs: ${ref.features.map((f) => f.feature).join(', ')})`,
        { field: 'methods' },
      );
    }
    const columns = new Set(['*', 'prediction', ...ref.features.map((f) => f.feature)]);
    const strange = Object.keys(input.thresholds ?? {}).filter((k) => !columns.has(k));
    if (strange.length) {
      throw new LatheError(
        'INVALID_INPUT',
        `thresholds: ${strange.map((k) => `'${k}'`).join(', ')} ${strange.length > 1 ? 'are not inputs' : 'is not an input'} of ${v.model}@${v.version} (inputs: ${ref.features.map((f) => f.feature).join(', ')}; or prediction)`,
        { field: 'thresholds' },
      );
    }
    const [{ n: total = 0 } = {}] = await current.sql.all(
      `SELECT count(*) AS n FROM ${current.from}`,
    );
    const currentRows = Number(total);
    // A row range past the rows it cuts says how many there are (none at all: said as without one).
    if (currentRows === 0 && current.sliced && input.rows) {
      const [{ n = 0 } = {}] = await current.sql.all(
        `SELECT count(*) AS n FROM ${current.sliced.from}`,
      );
      if (Number(n) > 0)
        throw new LatheError(
          'NOT_FOUND',
          `no current rows to compare: rows ${input.rows.from}–${input.rows.to - 1} are past the ${Number(n)} rows of ${current.sliced.of} (positions 0 to ${Number(n) - 1})`,
          { source: current.source, field: 'rows' },
        );
    }
    if (currentRows === 0) {
      throw new LatheError(
        'NOT_FOUND',
        current.kind === 'batch'
          ? `no current rows to compare: batch ${current.source} captured none of ${v.model}@${v.version}${input.range ? ' in the range' : ''}`
          : `no current rows to compare in ${current.source}`,
        { source: current.source },
      );
    }
    const win = input.window !== undefined && current.captured ? windowOf(input.window) : null;
    const relation = (x: string, keyed: boolean) =>
      keyed && win
        ? `SELECT ${win.key} AS w, ${x} AS x FROM ${current.from}`
        : `SELECT 'all' AS w, ${x} AS x FROM ${current.from}`;
    const exprOf = (f: StoredFeature, column: string) =>
      `${ident(column)}::${f.kind === 'numeric' ? 'DOUBLE' : 'VARCHAR'}`;
    const thresholdOf = (name: string) => input.thresholds?.[name] ?? input.thresholds?.['*'];

    // The whole data's rows, nulls and range of every numeric input in one scan.
    const numeric = ref.features.filter((f) => f.kind === 'numeric');
    const firsts = new Map<string, FirstPass[]>();
    if (numeric.length) {
      const [r = {}] = await current.sql.all(
        `SELECT ${numeric
          .map((f, i) => {
            const x = exprOf(f, f.feature);
            return `count(${x}) AS n${i}, count(*) - count(${x}) AS z${i}, min(${x}) AS a${i}, max(${x}) AS b${i}`;
          })
          .join(', ')} FROM ${current.from}`,
      );
      numeric.forEach((f, i) => {
        const nc = Number(r[`n${i}`]);
        const pass = {
          w: 'all',
          nc,
          nulls: Number(r[`z${i}`]),
          mn: Number(r[`a${i}`]),
          mx: Number(r[`b${i}`]),
        };
        firsts.set(f.feature, nc > 0 ? [pass] : []);
      });
    }
    const one = async (f: StoredFeature, column: string, keyed: boolean) =>
      columnDrift(current.sql, relation(exprOf(f, column), keyed), f, {
        method: input.methods?.[f.feature],
        threshold: thresholdOf(f.feature),
        currentRows,
        windowed: keyed && win !== null,
        first: keyed || column !== f.feature ? undefined : firsts.get(f.feature),
      });

    const toFeature = (
      f: StoredFeature,
      r: Awaited<ReturnType<typeof columnDrift>>,
    ): FeatureDrift => {
      const s = r.windows[0];
      const refDist = s ? distributionOf(s.bins, 'ref') : f.distribution;
      return {
        feature: f.feature,
        kind: f.kind,
        method: r.method,
        statistic: s?.statistic ?? 0,
        ...(s?.pValue !== undefined ? { pValue: s.pValue } : {}),
        threshold: r.threshold,
        // A column with no current values at all has drifted from a reference that had some.
        drifted: s ? s.drifted : f.rows > f.nulls,
        ...(s?.warn !== undefined ? { warn: s.warn } : {}),
        currentRows,
        currentNullRate: s ? s.nulls / currentRows : 1,
        reference: refDist,
        current: s
          ? distributionOf(s.bins, 'cur')
          : { ...refDist, counts: refDist.counts.map(() => 0) },
      };
    };

    // Columns two at a time: each statement already uses every core DuckDB has.
    const features: FeatureDrift[] = new Array<FeatureDrift>(ref.features.length);
    const perWindow: { f: StoredFeature; r: Awaited<ReturnType<typeof columnDrift>> }[] = [];
    let next = 0;
    const worker = async () => {
      while (next < ref.features.length) {
        const i = next++;
        const f = ref.features[i]!;
        const whole = await one(f, f.feature, false);
        features[i] = toFeature(f, whole);
        if (win) perWindow[i] = { f, r: await one(f, f.feature, true) };
      }
    };
    await Promise.all([worker(), worker()]);

    const predictionColumn = (f: StoredFeature) =>
      f.kind === 'numeric' ? '_score' : '_prediction';
    let prediction: FeatureDrift | null = null;
    let predictionWindows: Awaited<ReturnType<typeof columnDrift>> | null = null;
    if (ref.prediction && current.captured) {
      const f = ref.prediction;
      prediction = toFeature(f, await one(f, predictionColumn(f), false));
      if (win) predictionWindows = await one(f, predictionColumn(f), true);
    }

    const shareThreshold = input.shareThreshold ?? 0.5;
    const drifted = features.filter((f) => f.drifted).length;
    const driftShare = features.length ? drifted / features.length : 0;

    const windows: DriftWindow[] = [];
    if (win) {
      const spans = await current.sql.all(
        `SELECT w::VARCHAR AS w, ${win.span}, count(*) AS n FROM (SELECT ${win.key} AS w, _at FROM ${current.from}) GROUP BY w ORDER BY min(_at), min(w)`,
      );
      for (const span of spans) {
        const key = String(span.w);
        const fs = perWindow.map(({ f, r }) => {
          const s = r.windows.find((x) => x.w === key);
          return {
            feature: f.feature,
            statistic: s?.statistic ?? 0,
            drifted: s ? s.drifted : f.rows > f.nulls,
            ...(s?.pValue !== undefined ? { pValue: s.pValue } : {}),
          };
        });
        const share = fs.length ? fs.filter((x) => x.drifted).length / fs.length : 0;
        const ps = predictionWindows?.windows.find((x) => x.w === key);
        windows.push({
          // ISO UTC like performance windows (`_at` is UTC): a bare '2026-11-01 00:00:00' reads as local time.
          start: new Date(Number(span.start)).toISOString(),
          end: new Date(Number(span.end)).toISOString(),
          rows: Number(span.n),
          ...(typeof input.window === 'number' ? { firstRow: Number(key) * input.window } : {}),
          datasetDrift: share >= shareThreshold,
          driftShare: share,
          features: fs,
          ...(ps
            ? {
                prediction: {
                  statistic: ps.statistic,
                  drifted: ps.drifted,
                  ...(ps.pValue !== undefined ? { pValue: ps.pValue } : {}),
                  current: distributionOf(ps.bins, 'cur'),
                },
              }
            : {}),
        });
      }
    }

    return {
      model: v.model,
      version: v.version,
      reference: {
        rows: ref.rows,
        exact: ref.features.every((f) => f.exact),
      },
      current: { kind: current.kind, source: current.source, rows: currentRows },
      datasetDrift: features.length > 0 && driftShare >= shareThreshold,
      driftShare,
      shareThreshold,
      features,
      prediction,
      windows,
      durationMs: Date.now() - started,
    };
  }

  return {
    drift,
    async html(input) {
      return renderDriftHtml(await drift(input));
    },
  };
}
