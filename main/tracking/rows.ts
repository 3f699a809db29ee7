// Row mapping: the SQL that reads runs and the run records built from its rows.
import type { DuckDBDataChunk, DuckDBListVector, DuckDBStructVector } from '@duckdb/node-api';
import {
  REF_FIELDS,
  TIME_FIELDS,
  TrainConfig,
  type Artifact,
  type ExperimentSummary,
  type Lineage,
  type RunColumns,
  type RunDetails,
  type RunKind,
  type RunStatus,
  type RunSummary,
} from '../../shared/contract';
import {
  sqlInteger,
  text,
  textOrNull,
  type Database,
  type Row,
  type SqlParam,
} from '../workspace/db';
import { columnOf, vectorItems } from './metric-reads';
import { filterToSql, orderByToSql } from './run-query';
import { iso, isoOrNull } from '../workspace/projects';

/**
 * One run with its experiment, project, dataset version, params and latest metrics. The dataset joins are
 * LEFT: a run logged through MLflow (kind `mlflow`) has no dataset version.
 */
const SUMMARY_SELECT = `
  SELECT r.*, e.name AS experiment, p.name AS project, d.name AS dataset, v.version AS dataset_version, v.hash AS dataset_hash,
    (SELECT json_group_object(key, value) FROM params WHERE run_id = r.id) AS params_json,
    (SELECT json_group_object(key, value) FROM latest_metrics WHERE run_id = r.id AND isfinite(value)) AS metrics_json
  FROM runs r
  JOIN experiments e ON r.experiment_id = e.id
  JOIN projects p ON e.project_id = p.id
  LEFT JOIN dataset_versions v ON r.dataset_version_id = v.id
  LEFT JOIN datasets d ON v.dataset_id = d.id`;

// A summary's metrics are the finite latest values: NaN and ±Infinity, which runs logged through MLflow
// keep, have no JSON number and are left out of the views (MLflow's own API still answers them).

/**
 * The list query: the page of runs is chosen (WHERE, ORDER BY, LIMIT) before anything is aggregated, then
 * the latest value of every metric (latest_metrics), every param and every tag of just those runs are
 * grouped by run once and joined, instead of SUMMARY_SELECT's subqueries per run; only the columns a
 * summary shows are read (not the config, system and warnings documents).
 * `order` ranks the rows inside a window in the select list, so its parameters come before WHERE's.
 */
/** The page of runs a list holds, ranked by `list_pos` (1, 2, …). */
function pageSql(where: string, order: string, limit: number): string {
  return `
    SELECT r.id, r.name, r.status, r.task, r.model_type, r.started_at, r.ended_at, r.backend, r.deleted_at,
      r.kind, r.parent_id, e.name AS experiment, p.name AS project, d.name AS dataset,
      v.version AS dataset_version, row_number() OVER (ORDER BY ${order}) AS list_pos
    FROM runs r
    JOIN experiments e ON r.experiment_id = e.id
    JOIN projects p ON e.project_id = p.id
    LEFT JOIN dataset_versions v ON r.dataset_version_id = v.id
    LEFT JOIN datasets d ON v.dataset_id = d.id
    ${where}
    ORDER BY list_pos LIMIT ${sqlInteger(limit)}`;
}

function listSql(where: string, order: string, limit: number): string {
  return `
  WITH page AS (${pageSql(where, order, limit)}
  ),
  m AS (
    SELECT run_id, json_group_object(key, value) AS metrics_json
    FROM latest_metrics WHERE run_id IN (SELECT id FROM page) AND isfinite(value) GROUP BY run_id
  ),
  pa AS (
    SELECT run_id, json_group_object(key, value) AS params_json
    FROM params WHERE run_id IN (SELECT id FROM page) GROUP BY run_id
  ),
  t AS (
    SELECT run_id, json_group_object(key, value) AS tags_json
    FROM tags WHERE run_id IN (SELECT id FROM page) GROUP BY run_id
  )
  SELECT page.* EXCLUDE (list_pos), pa.params_json, m.metrics_json, coalesce(t.tags_json, '{}') AS tags_json
  FROM page
  LEFT JOIN pa ON pa.run_id = page.id
  LEFT JOIN m ON m.run_id = page.id
  LEFT JOIN t ON t.run_id = page.id
  ORDER BY page.list_pos`;
}

/**
 * A JSON object column as a record with its keys in order: DuckDB's json_group_object follows the
 * aggregation order, which varies, and the same run must print the same way every time. (Ordering inside
 * the aggregate costs DuckDB three times as much as this.)
 */
function jsonRecord<T>(value: unknown): Record<string, T> {
  if (value === null || value === undefined) return {};
  const parsed = (typeof value === 'string' ? JSON.parse(value) : value) as Record<
    string,
    T
  > | null;
  if (!parsed) return {};
  const keys = Object.keys(parsed);
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) sorted = keys[i - 1]! < keys[i]!;
  if (sorted) return parsed;
  const out: Record<string, T> = {};
  for (const k of keys.sort()) out[k] = parsed[k]!;
  return out;
}

export function summaryFromRow(r: Row): RunSummary {
  const started = iso(r.started_at);
  const ended = isoOrNull(r.ended_at);
  const dataset = textOrNull(r.dataset);
  return {
    id: String(r.id),
    name: String(r.name),
    experiment: String(r.experiment),
    project: String(r.project),
    status: String(r.status) as RunStatus,
    task: textOrNull(r.task) as RunSummary['task'],
    modelType: textOrNull(r.model_type),
    dataset: dataset === null ? null : `${dataset}@${Number(r.dataset_version)}`,
    startedAt: started,
    endedAt: ended,
    durationMs: ended ? Date.parse(ended) - Date.parse(started) : null,
    backend: textOrNull(r.backend),
    // Finite DOUBLEs only (logMetrics skips the rest): JSON numbers.
    metrics: jsonRecord<number>(r.metrics_json),
    params: jsonRecord<string>(r.params_json),
    deletedAt: isoOrNull(r.deleted_at),
    kind: (textOrNull(r.kind) ?? 'train') as RunKind,
    parentId: textOrNull(r.parent_id),
    ...(r.tags_json === undefined ? {} : { tags: jsonRecord<string>(r.tags_json) }),
  };
}

/** A run record from its SUMMARY_SELECT row, its tags (ordered by key) and its artifact rows. */
function runFromRow(
  r: Row,
  tags: readonly { key: string; value: string }[],
  artifacts: Row[],
): RunDetails {
  const summary = summaryFromRow(r);
  // A run logged through MLflow has no train config or dataset version of Lathe's (its config column
  // holds an empty document).
  const trained = summary.kind !== 'mlflow' && textOrNull(r.dataset_version_id) !== null;
  return {
    ...summary,
    config: trained ? TrainConfig.parse(JSON.parse(String(r.config))) : null,
    tags: Object.fromEntries(tags.map((t) => [t.key, t.value])),
    lineage: trained ? lineageFromRow(r, summary.params) : null,
    artifacts: artifacts.map((a): Artifact => ({
      path: String(a.path),
      sha256: String(a.sha256),
      sizeBytes: Number(a.size_bytes),
      createdAt: iso(a.created_at),
    })),
    error: textOrNull(r.error),
    warnings: r.warnings ? (JSON.parse(text(r.warnings)) as string[]) : [],
    system: jsonRecord<string | number>(r.system),
    notes: textOrNull(r.notes) ?? '',
  };
}

/**
 * A run's lineage. Its feature spec hash is the fitted spec's (the `featureSpec.hash` param the training
 * logs), which the model was trained with: a run trained on the default spec has no spec in its config,
 * and its lineage showed none beside that param; the config's spec hash stands until the spec is fitted.
 */
function lineageFromRow(r: Row, params: Record<string, string>): Lineage {
  return {
    dataset: String(r.dataset),
    datasetVersion: Number(r.dataset_version),
    datasetVersionId: String(r.dataset_version_id),
    datasetHash: String(r.dataset_hash),
    configHash: String(r.config_hash),
    seed: Number(r.seed),
    backend: textOrNull(r.backend),
    latheVersion: String(r.lathe_version),
    featureSpecHash: params['featureSpec.hash'] ?? textOrNull(r.feature_spec_hash),
    gitCommit: textOrNull(r.git_commit),
  };
}

/** Full run records of runs (full ids, which must exist), in the order of `ids`: three queries however many. */
export async function readRuns(db: Database, ids: readonly string[]): Promise<RunDetails[]> {
  const list = ids.map(() => '?').join(', ');
  const rows = await db.all(`${SUMMARY_SELECT} WHERE r.id IN (${list})`, [...ids]);
  const tags = await db.all<{ run_id: string; key: string; value: string }>(
    `SELECT run_id, key, value FROM tags WHERE run_id IN (${list}) ORDER BY key`,
    [...ids],
  );
  const artifacts = await db.all(
    `SELECT * FROM artifacts WHERE run_id IN (${list}) ORDER BY path`,
    [...ids],
  );
  const byId = new Map(rows.map((r) => [String(r.id), r]));
  const group = <T extends Row>(list: T[]) => {
    const m = new Map<string, T[]>();
    for (const x of list) m.set(String(x.run_id), [...(m.get(String(x.run_id)) ?? []), x]);
    return m;
  };
  const tagsOf = group(tags);
  const artifactsOf = group(artifacts);
  return ids.map((id) =>
    runFromRow(byId.get(id)!, tagsOf.get(id) ?? [], artifactsOf.get(id) ?? []),
  );
}

/** Which runs TrackingStore.list returns, in which order, how many. */
export interface RunListFilter {
  experiment?: string;
  project?: string;
  limit: number;
  filter?: string;
  orderBy?: string;
  deleted?: boolean;
  /** Only the children (folds, trials) of this run. */
  parentId?: string;
}

/** The WHERE clause (with its parameters) and the ORDER BY terms of a list, as both list forms use them. */
function listClauses({ experiment, project, filter, orderBy, deleted, parentId }: RunListFilter): {
  where: string;
  order: string;
  params: SqlParam[];
} {
  const where: string[] = [];
  const params: SqlParam[] = [];
  if (!deleted) where.push('r.deleted_at IS NULL');
  if (parentId) {
    where.push('r.parent_id = ?');
    params.push(parentId);
  }
  if (filter?.trim()) {
    const compiled = filterToSql(filter);
    where.push(compiled.sql);
    params.push(...compiled.params);
  }
  if (experiment) {
    where.push('e.name = ?');
    params.push(experiment);
  }
  if (project) {
    where.push('p.name = ?');
    params.push(project);
  }
  const order = orderBy?.trim() ? orderByToSql(orderBy) : { sql: '', params: [] };
  return {
    where: where.length ? `WHERE ${where.join(' AND ')}` : '',
    order: `${order.sql ? `${order.sql}, ` : ''}r.started_at DESC, r.id`,
    // `order` ranks the rows in the select list, so its parameters come before WHERE's.
    params: [...order.params, ...params],
  };
}

/** See TrackingStore.list (after its metrics are flushed). */
export async function listRuns(db: Database, filter: RunListFilter): Promise<RunSummary[]> {
  const { where, order, params } = listClauses(filter);
  const rows = await db.all(listSql(where, order, filter.limit), params);
  return rows.map(summaryFromRow);
}

/** The text attributes of RunColumns sent as refs into `strings`, and the SQL of each over the page. */
const REF_COLUMNS = {
  experiment: 'experiment',
  project: 'project',
  status: 'status',
  task: 'task',
  modelType: 'model_type',
  dataset: "dataset || '@' || dataset_version",
  backend: 'backend',
  kind: 'kind',
  parentId: 'parent_id',
} as const satisfies Record<(typeof REF_FIELDS)[number], string>;
const TIME_COLUMNS = {
  startedAt: 'started_at',
  endedAt: 'ended_at',
  deletedAt: 'deleted_at',
} as const satisfies Record<(typeof TIME_FIELDS)[number], string>;

/** What a row of columnsSql holds (its `part`). */
const PART = { json: 0, ref: 1, time: 2, metric: 3 } as const;
/** The JSON texts of PART.json rows, by `col`. */
const JSON_ROWS = ['strings', 'ids', 'names', 'metricKeys', 'paramKeys', 'tagKeys'] as const;
/** columnsSql's columns after `part` and `col`, by index. */
const COLUMN = { refs: 2, nums: 3, doc: 4 } as const;

/**
 * The list as columns, in one statement: the page of runs is chosen as runs:list chooses it (and kept,
 * MATERIALIZED, with each run's position), then each column of the page comes back as one row holding
 * a list of (position, value) pairs: `part` says which kind of column, `col` which one, and the pairs are
 * in `refs` (a text's ref) or `nums` (a number). Node reads a list's pairs straight out of DuckDB's flat
 * child vectors as typed arrays, with no JS value per run, and the whole list is a few small chunks
 * instead of one row per value (which cost a chunk per 2,048 values and the loop over them). Text is
 * interned by DuckDB: every distinct text (attributes, param and tag values) gets a ref, and the
 * dictionary, the ids, the names and the metric, param and tag keys come as six JSON arrays
 * (PART.json, in `doc`). Metric, param and tag keys are numbered in key order. A run with no value has
 * no pair. The pairs of a list come in no particular order: each carries its position. DuckDB keeps
 * doubles exact, so the numbers are the stored ones.
 */
function columnsSql(where: string, order: string, limit: number): string {
  // The page's metric, param and tag rows, each joined to its run's position once.
  const ofPage = (table: string, extra = '') => `
    SELECT page.pos, t.key, t.value FROM ${table} t JOIN page ON t.run_id = page.id ${extra}`;
  const keysOf = (rows: string) => `
    SELECT key, (row_number() OVER (ORDER BY key) - 1)::INTEGER AS i FROM (SELECT DISTINCT key FROM ${rows})`;
  const byKey = (rows: string, keys: string, offset: string) => `
    SELECT (${keys}.i + ${offset})::INTEGER AS col, ${rows}.pos, ${rows}.value
    FROM ${rows} JOIN ${keys} ON ${rows}.key = ${keys}.key`;
  const refs = REF_FIELDS.map((key) => REF_COLUMNS[key]);
  // Param keys' columns follow the attributes', tag keys' follow the params': offsets known in SQL only.
  const paramBase = refs.length;
  const none = {
    refs: 'NULL::STRUCT(p INTEGER, r INTEGER)[]',
    nums: 'NULL::STRUCT(p INTEGER, v DOUBLE)[]',
  };
  return `
  WITH page AS MATERIALIZED (
    SELECT *, (list_pos - 1)::INTEGER AS pos FROM (${pageSql(where, order, limit)})
  ),
  lm AS MATERIALIZED (${ofPage('latest_metrics', 'WHERE isfinite(t.value)')}),
  lp AS MATERIALIZED (${ofPage('params')}),
  lt AS MATERIALIZED (${ofPage('tags')}),
  mk AS MATERIALIZED (${keysOf('lm')}),
  pk AS MATERIALIZED (${keysOf('lp')}),
  tk AS MATERIALIZED (${keysOf('lt')}),
  txt AS MATERIALIZED (
    ${refs.map((sql, col) => `SELECT ${sqlInteger(col)} AS col, pos, ${sql} AS value FROM page WHERE ${sql} IS NOT NULL`).join('\n    UNION ALL ')}
    UNION ALL ${byKey('lp', 'pk', sqlInteger(paramBase))}
    UNION ALL ${byKey('lt', 'tk', `${sqlInteger(paramBase)} + (SELECT count(*) FROM pk)`)}
  ),
  dict AS MATERIALIZED (
    SELECT value, (row_number() OVER () - 1)::INTEGER AS ref FROM (SELECT DISTINCT value FROM txt)
  )
  SELECT ${sqlInteger(PART.json)}::INTEGER AS part, col::INTEGER AS col, ${none.refs} AS refs,
    ${none.nums} AS nums, doc::VARCHAR AS doc
  FROM (
    ${[
      '(SELECT to_json(list(value ORDER BY ref)) FROM dict)',
      '(SELECT to_json(list(id ORDER BY pos)) FROM page)',
      '(SELECT to_json(list(name ORDER BY pos)) FROM page)',
      ...['mk', 'pk', 'tk'].map((keys) => `(SELECT to_json(list(key ORDER BY i)) FROM ${keys})`),
    ]
      .map((sql, col) => `SELECT ${sqlInteger(col)} AS col, ${sql} AS doc`)
      .join('\n    UNION ALL ')}
  )
  UNION ALL
  SELECT ${sqlInteger(PART.ref)}, txt.col::INTEGER, list({'p': txt.pos, 'r': dict.ref}), ${none.nums}, NULL
  FROM txt JOIN dict ON txt.value = dict.value GROUP BY txt.col
  UNION ALL
  SELECT ${sqlInteger(PART.time)}, col, ${none.refs}, list({'p': pos, 'v': v}), NULL
  FROM (
    ${TIME_FIELDS.map((key) => TIME_COLUMNS[key])
      .map(
        (sql, col) =>
          `SELECT ${sqlInteger(col)} AS col, pos, epoch_ms(${sql})::DOUBLE AS v FROM page WHERE ${sql} IS NOT NULL`,
      )
      .join('\n    UNION ALL ')}
  ) GROUP BY col
  UNION ALL
  SELECT ${sqlInteger(PART.metric)}, mk.i, ${none.refs}, list({'p': lm.pos, 'v': lm.value}), NULL
  FROM lm JOIN mk ON lm.key = mk.key GROUP BY mk.i`;
}

/** A typed array's bytes as base64 (a Float64Column or Int32Column). */
export const base64 = (values: Float64Array | Int32Array) =>
  Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');

/**
 * The (position, value) pairs of a columnsSql list column, one chunk's worth: a row's pairs are
 * `length(row)` entries of the flat `positions` and `values` from `start(row)`.
 */
function pairLists<T extends Int32Array | Float64Array>(
  chunk: DuckDBDataChunk,
  index: number,
  type: new (length: number) => T,
) {
  const lists = chunk.getColumnVector(index) as DuckDBListVector;
  const pairs = lists.childVector as DuckDBStructVector;
  const what = `[listRunColumns] column ${index}'s pair list`;
  return {
    positions: vectorItems(pairs.entryVectorAt(0), Int32Array, what),
    values: vectorItems(pairs.entryVectorAt(1), type, what),
    start: (row: number) => lists.getEntryOffset(row),
    length: (row: number) => lists.getEntryLength(row),
  };
}

/**
 * Writes each value at its position. A function of its own, not a loop inside listRunColumns: V8
 * compiles it after a few of the list's columns, where the loop inline ran interpreted on a process's
 * first list (17-33 ms against 7 for 10,000 runs × 45 columns).
 */
function scatter(
  out: Int32Array | Float64Array,
  positions: Int32Array,
  values: Int32Array | Float64Array,
): void {
  for (let i = 0; i < positions.length; i++) out[positions[i]!] = values[i]!;
}

/** See TrackingStore.listColumns (after its metrics are flushed). */
export async function listRunColumns(db: Database, filter: RunListFilter): Promise<RunColumns> {
  const { where, order, params } = listClauses(filter);
  const json: Partial<Record<(typeof JSON_ROWS)[number], unknown[]>> = {};
  // The lists are copied out of their chunks: the run count (for the dense columns) comes in a JSON row.
  const lists: {
    part: number;
    col: number;
    positions: Int32Array;
    values: Int32Array | Float64Array;
  }[] = [];
  await db.chunks(columnsSql(where, order, filter.limit), params, (chunk) => {
    // rowCount is a native getter: read once, not per row.
    const rows = chunk.rowCount;
    const part = columnOf(chunk, 0, Int32Array);
    const col = columnOf(chunk, 1, Int32Array);
    let refs: ReturnType<typeof pairLists<Int32Array>> | undefined;
    let nums: ReturnType<typeof pairLists<Float64Array>> | undefined;
    for (let row = 0; row < rows; row++) {
      const kind = part[row]!;
      if (kind === PART.json) {
        const text = chunk.getColumnVector(COLUMN.doc).getItem(row);
        json[JSON_ROWS[col[row]!]!] = JSON.parse(String(text ?? '[]')) as unknown[];
        continue;
      }
      const from =
        kind === PART.ref
          ? (refs ??= pairLists(chunk, COLUMN.refs, Int32Array))
          : (nums ??= pairLists(chunk, COLUMN.nums, Float64Array));
      const start = from.start(row);
      const end = start + from.length(row);
      lists.push({
        part: kind,
        col: col[row]!,
        positions: from.positions.slice(start, end),
        values: from.values.slice(start, end),
      });
    }
  });
  const ids = (json.ids ?? []) as string[];
  const count = ids.length;
  const metricKeys = (json.metricKeys ?? []) as string[];
  const paramKeys = (json.paramKeys ?? []) as string[];
  const tagKeys = (json.tagKeys ?? []) as string[];
  const refCols = Array.from(
    { length: REF_FIELDS.length + paramKeys.length + tagKeys.length },
    () => new Int32Array(count).fill(-1),
  );
  const timeCols = TIME_FIELDS.map(() => new Float64Array(count).fill(NaN));
  const metricCols = metricKeys.map(() => new Float64Array(count).fill(NaN));
  for (const { part, col, positions, values } of lists) {
    const out =
      part === PART.ref ? refCols[col] : part === PART.time ? timeCols[col] : metricCols[col];
    if (!out) throw new Error(`[listRunColumns] no column ${col} of part ${part}`);
    scatter(out, positions, values);
  }
  const refs = Object.fromEntries(REF_FIELDS.map((key, i) => [key, base64(refCols[i]!)])) as Record<
    (typeof REF_FIELDS)[number],
    string
  >;
  const times = Object.fromEntries(
    TIME_FIELDS.map((key, i) => [key, base64(timeCols[i]!)]),
  ) as Record<(typeof TIME_FIELDS)[number], string>;
  return {
    count,
    strings: (json.strings ?? []) as string[],
    // Never null: runs.id and runs.name are NOT NULL.
    ids,
    names: (json.names ?? []) as string[],
    ...refs,
    ...times,
    metrics: metricKeys.map((key, k) => ({ key, values: base64(metricCols[k]!) })),
    params: paramKeys.map((key, k) => ({ key, values: base64(refCols[REF_FIELDS.length + k]!) })),
    tags: tagKeys.map((key, k) => ({
      key,
      values: base64(refCols[REF_FIELDS.length + paramKeys.length + k]!),
    })),
  };
}

/** See TrackingStore.experiments (an experiment deleted through MLflow's API is left out, as MLflow's UI does). */
export async function readExperiments(
  db: Database,
  project?: string,
): Promise<ExperimentSummary[]> {
  const rows = await db.all(
    `SELECT e.name, p.name AS project,
       count(r.id) FILTER (WHERE r.deleted_at IS NULL) AS runs,
       count(r.id) FILTER (WHERE r.deleted_at IS NOT NULL) AS deleted_runs,
       max(r.started_at) FILTER (WHERE r.deleted_at IS NULL) AS last_run_at
     FROM experiments e
     JOIN projects p ON e.project_id = p.id
     LEFT JOIN runs r ON r.experiment_id = e.id
     WHERE e.deleted_at IS NULL ${project ? 'AND p.name = ?' : ''}
     GROUP BY e.name, p.name
     ORDER BY last_run_at DESC NULLS LAST, e.name`,
    project ? [project] : [],
  );
  return rows.map((r) => ({
    name: String(r.name),
    project: String(r.project),
    runs: Number(r.runs),
    deletedRuns: Number(r.deleted_runs),
    lastRunAt: isoOrNull(r.last_run_at),
  }));
}
