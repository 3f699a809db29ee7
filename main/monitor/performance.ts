// Late labels joined to captured rows, and performance per window: actual metrics on labelled rows,
// estimated metrics (CBPE) without labels.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import {
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
import { captureTableOf } from '../serve/capture';
import { ident, literal, plainNumber, text, type Database, type Sql } from '../workspace/db';
import { CBPE_ASSUMPTION, cbpeEstimates } from './cbpe';

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
  table: string;
  task: Task;
  classes: string[] | null;
  inputs: number;
}

/** Every capture table of a model, oldest version first. */
export async function captureTablesOf(db: Sql, model: string): Promise<CaptureTable[]> {
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
      table: t.table,
      task: t.columns.task,
      classes: t.columns.classes,
      inputs: t.columns.inputs.length,
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
    if (Number.isNaN(Date.parse(value)))
      throw new LatheError('INVALID_INPUT', `range.${key}: '${value}' is not a time (ISO 8601)`);
    parts.push(`${column} ${op} CAST(? AS TIMESTAMP)`);
    params.push(new Date(value).toISOString());
  }
  return { sql: parts.length ? parts.join(' AND ') : 'TRUE', params };
}

/** One captured row as performance reads it. */
interface ScoredRow {
  window: number;
  at: Date;
  start: Date;
  prediction: string | null;
  score: number | null;
  probabilities: number[] | null;
  target: string | null;
}

/** How a window of rows is keyed: by the start of its hour/day/week, by its N-row chunk, or one window. */
function windowSql(window: WindowSpec | 'all'): string {
  if (window === 'all') return '0';
  if (typeof window === 'number')
    return `(row_number() OVER (ORDER BY c._at, c._row_id) - 1) // ${window}`;
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

/** Actual and estimated metrics of one window's rows. */
function windowMetrics(
  t: CaptureTable,
  rows: ScoredRow[],
): Pick<PerformanceWindow, 'labelled' | 'metrics' | 'estimated'> {
  const labelledRows = rows.filter((r) => r.target !== null);
  if (t.task === 'regression') {
    const pairs = labelledRows
      .map((r) => [Number(r.target), r.score ?? Number(r.prediction)] as const)
      .filter(([y, yhat]) => Number.isFinite(y) && Number.isFinite(yhat));
    const metrics = pairs.length
      ? numbersOf(
          regressionSuite(
            Float64Array.from(pairs, (p) => p[0]),
            Float64Array.from(pairs, (p) => p[1]),
            t.inputs,
            { maxPoints: 1 },
          ),
          REGRESSION_KEYS,
        )
      : {};
    return { labelled: labelledRows.length, metrics, estimated: {} };
  }
  const classes = t.classes ?? [];
  const k = classes.length;
  const indexOf = classIndexer(classes);
  const scored = rows.filter((r) => r.probabilities?.length === k && k >= 2);
  const predictedOf = (r: ScoredRow) => {
    const named = r.prediction === null ? undefined : indexOf(r.prediction);
    if (named !== undefined) return named;
    const p = r.probabilities!;
    return p.indexOf(Math.max(...p));
  };
  const estimated = scored.length
    ? cbpeEstimates(
        Float64Array.from(scored.flatMap((r) => r.probabilities!)),
        Int32Array.from(scored, predictedOf),
        k,
      )
    : {};
  const judged = scored
    .filter((r) => r.target !== null)
    .map((r) => ({ r, y: indexOf(r.target!) }))
    .filter((x): x is { r: ScoredRow; y: number } => x.y !== undefined);
  const metrics = judged.length
    ? numbersOf(
        classificationSuite(
          Int32Array.from(judged, (x) => x.y),
          Float64Array.from(judged.flatMap((x) => x.r.probabilities!)),
          k,
          classes,
          { maxCurvePoints: 2 },
        ),
        CLASSIFICATION_KEYS,
      )
    : {};
  return { labelled: labelledRows.length, metrics, estimated };
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
  const rows = await db.all(
    `SELECT ${windowSql(window)} AS w, c._at, c._prediction, c._score, c._probabilities, a.target
     FROM ${ident(t.table)} c LEFT JOIN actuals a ON a.model = ? AND a.row_id = c._row_id
     WHERE ${where.sql} ORDER BY c._at, c._row_id`,
    [model, ...where.params],
  );
  const groups = new Map<number, ScoredRow[]>();
  for (const r of rows) {
    const w = Number(r.w);
    const at = r._at as Date;
    const row: ScoredRow = {
      window: w,
      at,
      start: typeof window === 'string' && window !== 'all' ? new Date(w) : at,
      prediction: r._prediction === null ? null : text(r._prediction),
      score: plainNumber(r._score),
      probabilities: Array.isArray(r._probabilities)
        ? (r._probabilities as unknown[]).map(Number)
        : null,
      target: r.target === null || r.target === undefined ? null : text(r.target),
    };
    const group = groups.get(w);
    if (group) group.push(row);
    else groups.set(w, [row]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0]!;
    const last = group[group.length - 1]!;
    const end =
      typeof window === 'string' && window !== 'all'
        ? new Date(first.start.getTime() + TIME_UNIT_MS[window])
        : last.at;
    return {
      start: first.start.toISOString(),
      end: end.toISOString(),
      version: t.version,
      rows: group.length,
      ...windowMetrics(t, group),
    };
  });
}

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
}): PerformanceService {
  const { db, data, registry } = deps;

  /** The capture tables `ref` names: every version's for a bare model name, else its version's. */
  async function tablesOf(
    ref: string,
  ): Promise<{ model: string; task: Task; tables: CaptureTable[] }> {
    const parts = parseModelRef(ref);
    const detail = await registry.get(ref);
    const all = await captureTablesOf(db, detail.name);
    if (parts.kind === 'latest') {
      const task = all.at(-1)?.task ?? detail.latest?.signature.output.task ?? 'regression';
      return { model: detail.name, task, tables: all };
    }
    const version = await registry.version(ref);
    return {
      model: detail.name,
      task: version.signature.output.task,
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
      const first = ((err as Error).message ?? String(err)).split('\n')[0];
      throw new LatheError('CORRUPT_FILE', `${what}: cannot read the labels: ${first}`);
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
      const captured = (await captureTablesOf(db, model)).map(
        (t) => `SELECT _row_id FROM ${ident(t.table)}`,
      );
      const staged = ident(`actuals_in_${randomUUID().replace(/-/g, '')}`);
      const last = ident(`actuals_last_${randomUUID().replace(/-/g, '')}`);
      return db.tx(async (sql) => {
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
    },

    async performance(input) {
      const { model, task, tables } = await tablesOf(input.ref);
      const windows: PerformanceWindow[] = [];
      for (const t of tables)
        windows.push(...(await versionWindows(db, model, t, input.window, input.range)));
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
      const [w] = await versionWindows(db, model, t, 'all', range);
      return w ? { ...w, task } : null;
    },
  };
}
