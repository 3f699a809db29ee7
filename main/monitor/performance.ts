// Late labels joined to captured rows, and performance per window: actual metrics on labelled rows,
// estimated metrics (CBPE) without labels.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import {
  servableSignature,
  LatheError,
  parseModelRef,
  type ActualsIn,
  type ActualsOut,
  type PerformanceIn,
  type PerformanceOut,
  type PerformanceWindow,
  type TimeRange,
  type WindowSpec,
} from '../../shared/contract';
import type { z } from 'zod';
import { sniffDelimiter } from '../data/csv-scan';
import type { DataService } from '../data/data-service';
import { detectFormat } from '../data/detect';
import type { Engine } from '../data/engine';
import { classificationSuite, regressionSuite } from '../evaluate/metrics';
import type { RegistryStore } from '../registry/registry-store';
import {
  captureReadFailure,
  captureRelation,
  captureTableOf,
  readingCaptures,
  type CaptureTable as StoredCaptureTable,
} from '../serve/capture';
import {
  ident,
  literal,
  plainNumber,
  sqlInteger,
  text,
  type Database,
  type Sql,
  type SqlParam,
} from '../workspace/db';
import { CBPE_ASSUMPTION, estimatesFromCounts, type ClassEstimate } from './cbpe';
import { checkRange, utcIso } from './time-bound';

type Task = PerformanceOut['task'];
type Range = z.infer<typeof TimeRange>;

export interface PerformanceService {
  /**
   * Stores late labels of a model's rows (by `_row_id`), the last label of an id winning; reports how
   * many were read, matched a captured row, replaced an earlier label, matched nothing. A bad file or
   * column is refused naming it, and nothing is written.
   */
  actuals(input: z.output<typeof ActualsIn>): Promise<ActualsOut>;
  /** Actual (labelled rows) and estimated (CBPE, classifiers) metrics per window and version. */
  performance(input: z.output<typeof PerformanceIn>): Promise<PerformanceOut>;
  /**
   * One window over every captured row of the version `ref` names in `range` (what an alert rule
   * judges); null when the version has captured nothing.
   */
  overall(ref: string, range: Range): Promise<(PerformanceWindow & { task: Task }) | null>;
}

/** A version's capture table (main/serve/capture.ts) with the version it belongs to. */
interface CaptureTable {
  versionId: string;
  version: number;
  /** Its captured rows, the table's and its batch jobs' files, with `__captured` (captureRelation). */
  rows: string;
  task: Task;
  classes: string[] | null;
  inputs: number;
  /** The table as main/serve/capture.ts has it, to name a capture file a read fails on. */
  stored: StoredCaptureTable;
}

/** Every capture table of a model, oldest version first. */
export async function captureTablesOf(
  db: Sql,
  workspaceDir: string,
  model: string,
): Promise<CaptureTable[]> {
  const versions = await db.all(
    'SELECT version_id, version FROM capture_tables WHERE model = ? ORDER BY version',
    [model],
  );
  const tables: CaptureTable[] = [];
  for (const v of versions) {
    const t = await captureTableOf(db, text(v.version_id));
    if (!t) continue;
    tables.push({
      versionId: text(v.version_id),
      version: Number(v.version),
      rows: await captureRelation(db, workspaceDir, t, { order: true }),
      task: t.columns.task,
      classes: t.columns.classes,
      inputs: t.columns.inputs.length,
      stored: t,
    });
  }
  return tables;
}

const TIME_UNIT_MS = { hour: 3_600_000, day: 86_400_000, week: 604_800_000 } as const;

/** `_at` bounds of a time range as SQL (ISO times; `from` inclusive, `to` exclusive). */
export function rangeSql(
  range: Range | undefined,
  column = '_at',
): { sql: string; params: string[] } {
  const parts: string[] = [];
  const params: string[] = [];
  for (const [key, op] of [
    ['from', '>='],
    ['to', '<'],
  ] as const) {
    const value = range?.[key];
    if (value === undefined) continue;
    parts.push(`${column} ${op} CAST(? AS TIMESTAMP)`);
    params.push(utcIso(value, `range.${key}`));
  }
  return { sql: parts.length ? parts.join(' AND ') : 'TRUE', params };
}

/** A labelled captured row, as the actual metrics read it. */
interface LabelledRow {
  prediction: string | null;
  score: number | null;
  probabilities: number[] | null;
  target: string;
}

/** How a window of rows is keyed: by the start of its hour/day/week, by its N-row chunk, or one window. */
function windowSql(window: WindowSpec | 'all'): string {
  if (window === 'all') return '0';
  if (typeof window === 'number')
    // Rows of one time in the order they were captured (a batch's rows share the job's time; its ids, or
    // `<job>/<row>` as text, would sort 10 before 2).
    return `(row_number() OVER (ORDER BY c._at, c.__captured) - 1) // ${sqlInteger(window)}`;
  return `epoch_ms(date_trunc('${window}', c._at))`;
}

/** A label's class index: the class itself, or the same number written another way (`1.0` for `1`). */
function classIndexer(classes: string[]): (label: string) => number | undefined {
  const index = new Map<string, number>();
  classes.forEach((c, i) => index.set(c, i));
  classes.forEach((c, i) => {
    const n = Number(c);
    if (c.trim() !== '' && Number.isFinite(n) && !index.has(String(n))) index.set(String(n), i);
  });
  return (label) => {
    const exact = index.get(label);
    if (exact !== undefined) return exact;
    const n = Number(label);
    return label.trim() !== '' && Number.isFinite(n) ? index.get(String(n)) : undefined;
  };
}

/** The evaluation suite's headline metrics that are numbers (null ones, e.g. one-class AUC, left out). */
function numbersOf(suite: object, keys: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of keys) {
    const v = (suite as Record<string, unknown>)[key];
    if (typeof v === 'number' && Number.isFinite(v)) out[key] = v;
  }
  return out;
}

const CLASSIFICATION_KEYS = [
  'accuracy',
  'balanced_accuracy',
  'precision',
  'recall',
  'f1',
  'precision_macro',
  'recall_macro',
  'f1_macro',
  'f1_weighted',
  'roc_auc',
  'pr_auc',
  'log_loss',
  'brier',
  'mcc',
] as const;
const REGRESSION_KEYS = [
  'mse',
  'rmse',
  'mae',
  'mape',
  'r2',
  'median_absolute_error',
  'max_error',
  'explained_variance',
] as const;

/**
 * The evaluation suite's metrics on one window's labelled rows, and how many rows it could not judge (a
 * label that is none of the classes, or not a number for regression; no probabilities).
 */
function actualMetrics(
  t: CaptureTable,
  rows: LabelledRow[],
): { metrics: Record<string, number>; unjudged: number } {
  if (t.task === 'regression') {
    const pairs = rows
      .map((r) => [Number(r.target), r.score ?? Number(r.prediction)] as const)
      .filter(([y, yhat]) => Number.isFinite(y) && Number.isFinite(yhat));
    const unjudged = rows.length - pairs.length;
    if (!pairs.length) return { metrics: {}, unjudged };
    const suite = regressionSuite(
      Float64Array.from(pairs, (p) => p[0]),
      Float64Array.from(pairs, (p) => p[1]),
      t.inputs,
      { maxPoints: 1 },
    );
    return { metrics: numbersOf(suite, REGRESSION_KEYS), unjudged };
  }
  const classes = t.classes ?? [];
  const k = classes.length;
  const indexOf = classIndexer(classes);
  const judged = rows.flatMap((r) => {
    const y = indexOf(r.target);
    return r.probabilities?.length === k && y !== undefined ? [{ y, p: r.probabilities }] : [];
  });
  const unjudged = rows.length - judged.length;
  if (k < 2 || !judged.length) return { metrics: {}, unjudged };
  const suite = classificationSuite(
    Int32Array.from(judged, (x) => x.y),
    Float64Array.from(judged.flatMap((x) => x.p)),
    k,
    classes,
    { maxCurvePoints: 2 },
  );
  return { metrics: numbersOf(suite, CLASSIFICATION_KEYS), unjudged };
}

/**
 * CBPE estimates per window, aggregated in DuckDB: each scored row (probabilities for every class) is
 * taken once per class, its expected TP/FP/TN/FN summed per window and class, and the area under the
 * expected ROC curve from a running sum of the class's probabilities ranked highest first (see
 * cbpe.ts estimatedRocAuc: area = Σ (1 − p)(2·cum − p) / (2·pos·neg)).
 */
async function estimatedByWindow(
  db: Database,
  base: { sql: string; params: SqlParam[] },
  classes: string[],
): Promise<Map<number, Record<string, number>>> {
  const k = classes.length;
  const out = new Map<number, Record<string, number>>();
  if (k < 2) return out;
  const names = `[${classes.map(literal).join(', ')}]::VARCHAR[]`;
  const rows = await db.all(
    `${base.sql},
     s AS (SELECT w, _probabilities AS p, coalesce(list_position(${names}, _prediction),
             list_position(_probabilities, list_max(_probabilities))) - 1 AS pred
           FROM b WHERE len(_probabilities) = ${sqlInteger(k)}),
     x AS (SELECT w, c, p[c + 1] AS pc, pred = c AS hit FROM s, range(${sqlInteger(k)}) r(c)),
     y AS (SELECT *, sum(pc) OVER (PARTITION BY w, c ORDER BY pc DESC ROWS UNBOUNDED PRECEDING) AS cum
           FROM x)
     SELECT w, c, sum(CASE WHEN hit THEN pc ELSE 0 END) AS tp, sum(CASE WHEN hit THEN 1 - pc ELSE 0 END) AS fp,
       sum(CASE WHEN hit THEN 0 ELSE 1 - pc END) AS tn, sum(CASE WHEN hit THEN 0 ELSE pc END) AS fn,
       sum((1 - pc) * (2 * cum - pc)) AS area2
     FROM y GROUP BY w, c ORDER BY w, c`,
    base.params,
  );
  const byWindow = new Map<number, ClassEstimate[]>();
  for (const r of rows) {
    const [tp, fp, tn, fn, area2] = [r.tp, r.fp, r.tn, r.fn, r.area2].map(Number) as [
      number,
      number,
      number,
      number,
      number,
    ];
    const pos = tp + fn;
    const neg = fp + tn;
    const estimate = {
      tp,
      fp,
      tn,
      fn,
      rocAuc: pos > 0 && neg > 0 ? area2 / (2 * pos * neg) : null,
    };
    const w = Number(r.w);
    const group = byWindow.get(w);
    if (group) group.push(estimate);
    else byWindow.set(w, [estimate]);
  }
  for (const [w, perClass] of byWindow) out.set(w, estimatesFromCounts(perClass));
  return out;
}

/** The windows of one version's captured rows in `range`, oldest first. */
async function versionWindows(
  db: Database,
  model: string,
  t: CaptureTable,
  window: WindowSpec | 'all',
  range: Range | undefined,
): Promise<PerformanceWindow[]> {
  const where = rangeSql(range, 'c._at');
  // Every row of the range, keyed by its window (N-row windows count every row, labelled or not).
  const base = {
    sql: `WITH b AS (SELECT ${windowSql(window)} AS w, c._at, c._prediction, c._score, c._probabilities,
             a.target FROM ${t.rows} c LEFT JOIN actuals a ON a.model = ? AND a.row_id = c._row_id
           WHERE ${where.sql})`,
    params: [model, ...where.params],
  };
  const windows = await db.all(
    `${base.sql} SELECT w, min(_at) AS first, max(_at) AS last, count(*) AS n, count(target) AS labelled
     FROM b GROUP BY w ORDER BY w`,
    base.params,
  );
  const labelled = new Map<number, LabelledRow[]>();
  for (const r of await db.all(
    `${base.sql} SELECT w, _prediction, _score, _probabilities, target FROM b WHERE target IS NOT NULL`,
    base.params,
  )) {
    const w = Number(r.w);
    const row: LabelledRow = {
      prediction: r._prediction === null ? null : text(r._prediction),
      score: plainNumber(r._score),
      probabilities: Array.isArray(r._probabilities)
        ? (r._probabilities as unknown[]).map(Number)
        : null,
      target: text(r.target),
    };
    const group = labelled.get(w);
    if (group) group.push(row);
    else labelled.set(w, [row]);
  }
  const estimated =
    t.task === 'regression'
      ? new Map<number, Record<string, number>>()
      : await estimatedByWindow(db, base, t.classes ?? []);
  return windows.map((r) => {
    const w = Number(r.w);
    const timed = typeof window === 'string' && window !== 'all';
    const start = timed ? new Date(w) : (r.first as Date);
    const end = timed ? new Date(w + TIME_UNIT_MS[window]) : (r.last as Date);
    return {
      start: start.toISOString(),
      end: end.toISOString(),
      version: t.version,
      rows: Number(r.n),
      labelled: Number(r.labelled),
      ...actualMetrics(t, labelled.get(w) ?? []),
      estimated: estimated.get(w) ?? {},
    };
  });
}

/** A labels file DuckDB cannot read, named with DuckDB's first line of why. */
const unreadable = (what: string, err: unknown) =>
  new LatheError(
    'CORRUPT_FILE',
    `${what}: cannot read the labels: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`,
  );

/** The DuckDB reader of a labels file, by its format. */
function labelsReader(file: string): string {
  const format = detectFormat(file);
  const p = literal(file);
  switch (format) {
    case 'csv':
    case 'tsv':
      return `read_csv(${p}, delim=${literal(sniffDelimiter(file, format === 'tsv' ? '\t' : undefined))}, header=true, nullstr=['', 'NA', 'N/A', 'null', 'NULL'])`;
    case 'parquet':
      return `read_parquet(${p})`;
    case 'json':
      return `read_json(${p}, format='auto')`;
    case 'ndjson':
      return `read_json(${p}, format='newline_delimited')`;
  }
}

export function createPerformanceService(deps: {
  db: Database;
  engine: Engine;
  data: DataService;
  registry: RegistryStore;
  /** The workspace folder, where batch jobs' capture files are. */
  workspaceDir: string;
}): PerformanceService {
  const { db, data, registry } = deps;

  /** The capture tables `ref` names: every version's for a bare model name, else its version's. */
  async function tablesOf(
    ref: string,
  ): Promise<{ model: string; task: Task; tables: CaptureTable[] }> {
    const parts = parseModelRef(ref);
    const detail = await registry.get(ref);
    const all = await captureTablesOf(db, deps.workspaceDir, detail.name);
    if (parts.kind === 'latest') {
      const task = all.at(-1)?.task ?? detail.latest?.signature?.output.task ?? 'regression';
      return { model: detail.name, task, tables: all };
    }
    const version = await registry.version(ref);
    return {
      model: detail.name,
      task: servableSignature(version).output.task,
      tables: all.filter((t) => t.versionId === version.id),
    };
  }

  /** Where labels come from, checked: the file (or dataset version) and its two columns. */
  async function labelsSource(
    input: z.output<typeof ActualsIn>,
  ): Promise<{ reader: string; what: string }> {
    let reader: string;
    let what: string;
    if (input.file !== undefined) {
      const file = resolve(input.file);
      if (!existsSync(file))
        throw new LatheError('FILE_NOT_FOUND', `labels file not found: ${file}`, { file });
      reader = labelsReader(file);
      what = basename(file);
    } else {
      const version = await data.resolve(input.dataset!);
      reader = `read_parquet(${literal(version.storagePath)})`;
      what = `dataset ${version.dataset}@${version.version}`;
    }
    let columns: string[];
    try {
      columns = (await db.all(`DESCRIBE SELECT * FROM ${reader}`)).map((r) => text(r.column_name));
    } catch (err) {
      throw unreadable(what, err);
    }
    for (const [flag, column] of [
      ['idColumn', input.idColumn],
      ['targetColumn', input.targetColumn],
    ] as const) {
      if (!columns.includes(column))
        throw new LatheError(
          'INVALID_INPUT',
          `${flag}: ${what} has no column '${column}' (columns: ${columns.join(', ')})`,
          { column },
        );
    }
    return { reader, what };
  }

  return {
    async actuals(input) {
      const detail = await registry.get(input.model);
      const model = detail.name;
      const { reader, what } = await labelsSource(input);
      const tables = await captureTablesOf(db, deps.workspaceDir, model);
      const captured = tables.map((t) => `SELECT _row_id FROM ${t.rows} c`);
      const staged = ident(`actuals_in_${randomUUID().replace(/-/g, '')}`);
      const last = ident(`actuals_last_${randomUUID().replace(/-/g, '')}`);
      const stored = db.tx(async (sql) => {
        // CREATE TABLE AS keeps the file's row order (DuckDB preserves insertion order), so rowid
        // orders a file's repeated labels and the last one wins.
        await sql.run(
          `CREATE TEMP TABLE ${staged} AS SELECT CAST(${ident(input.idColumn)} AS VARCHAR) AS row_id,
             CAST(${ident(input.targetColumn)} AS VARCHAR) AS target FROM ${reader}`,
        );
        const counts = await sql.one(
          `SELECT count(*) AS n, count(*) FILTER (WHERE row_id IS NULL) AS no_id,
             count(*) FILTER (WHERE target IS NULL) AS no_target, count(DISTINCT row_id) AS ids,
             count(*) FILTER (WHERE row_id IN (${captured.length ? captured.join(' UNION ') : 'SELECT NULL'})) AS matched
           FROM ${staged}`,
        );
        const n = Number(counts?.n ?? 0);
        for (const [key, column] of [
          ['no_id', input.idColumn],
          ['no_target', input.targetColumn],
        ] as const) {
          const missing = Number(counts?.[key] ?? 0);
          if (missing > 0)
            throw new LatheError(
              'INVALID_INPUT',
              `${what}: ${missing} of ${n} rows have no value in column '${column}'`,
              { column },
            );
        }
        await sql.run(
          `CREATE TEMP TABLE ${last} AS SELECT row_id, arg_max(target, rowid) AS target FROM ${staged} GROUP BY row_id`,
        );
        const earlier = await sql.one(
          `SELECT count(*) AS n FROM ${last} l JOIN actuals a ON a.model = ? AND a.row_id = l.row_id`,
          [model],
        );
        await sql.run(
          `INSERT OR REPLACE INTO actuals (model, row_id, target, received_at)
           SELECT ?, row_id, target, CAST(? AS TIMESTAMP) FROM ${last}`,
          [model, new Date().toISOString()],
        );
        await sql.run(`DROP TABLE ${staged}`);
        await sql.run(`DROP TABLE ${last}`);
        const matched = Number(counts?.matched ?? 0);
        return {
          model,
          rows: n,
          matched,
          replaced: n - Number(counts?.ids ?? 0) + Number(earlier?.n ?? 0),
          unmatched: n - matched,
        };
      });
      // A value DuckDB cannot read part-way through the file rolls everything back; say which file: a
      // batch job's capture file at fault (asked of the database, the transaction being over), else the
      // labels.
      return stored.catch(async (err: unknown) => {
        const failure = await captureReadFailure(
          db,
          deps.workspaceDir,
          tables.map((t) => t.stored),
          err,
        );
        throw failure instanceof LatheError ? failure : unreadable(what, err);
      });
    },

    async performance(input) {
      const { model, task, tables } = await tablesOf(input.ref);
      checkRange(input.range);
      const windows: PerformanceWindow[] = [];
      await readingCaptures(
        db,
        deps.workspaceDir,
        tables.map((t) => t.stored),
        async () => {
          for (const t of tables)
            windows.push(...(await versionWindows(db, model, t, input.window, input.range)));
        },
      );
      windows.sort((a, b) => a.start.localeCompare(b.start) || a.version - b.version);
      const estimated = windows.some((w) => Object.keys(w.estimated).length > 0);
      return {
        model,
        task,
        windows,
        estimateAssumption: estimated ? CBPE_ASSUMPTION : null,
      };
    },

    async overall(ref, range) {
      const { model, task, tables } = await tablesOf(ref);
      const t = tables.at(-1);
      if (!t) return null;
      const [w] = await readingCaptures(db, deps.workspaceDir, [t.stored], () =>
        versionWindows(db, model, t, 'all', range),
      );
      return w ? { ...w, task } : null;
    },
  };
}
