// MLflow's searches (runs/search, experiments/search, registered-models/search, model-versions/search)
// compiled to DuckDB SQL over Lathe's tables. Each returns the ids of one page, in MLflow's order, and the
// token of the next page; the tracking and registry services fill in the objects. Semantics follow
// MLflow's SQLAlchemy stores: a clause on a metric, param or tag needs the run to have that key; metrics
// are compared by their latest value; ordering puts runs without the key last (and NaN metrics after the
// numbers) whatever the direction, then start_time DESC and run_id break ties. User text (keys, strings)
// only travels as `?` parameters; numbers are written with sqlNumber / sqlInteger.
import type { RunStatus } from '../../shared/contract/runs';
import { sqlInteger, sqlNumber, type Sql, type SqlParam } from '../workspace/db';
import {
  parseFilter,
  parseOrderBy,
  type Clause,
  type Comparator,
  type OrderTerm,
} from './search-grammar';
import { decodePageToken, encodePageToken, invalid } from './search-parse';

export { decodePageToken, encodePageToken } from './search-parse';
export { parseFilter, parseOrderBy, printFilter, printOrderTerm } from './search-grammar';
export type { Clause, Comparator, Grammar, OrderTerm } from './search-grammar';

/** MLflow's ViewType (run_view_type of runs/search, view_type of experiments/search). */
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

/** MLflow's RunStatus names. */
export type MlflowRunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

/**
 * A Lathe run status as MLflow names it. A queued run is SCHEDULED; a run stopped by the user, by a dead
 * process (interrupted) or by a search's pruning is KILLED.
 */
export const MLFLOW_RUN_STATUS: Record<RunStatus, MlflowRunStatus> = {
  queued: 'SCHEDULED',
  running: 'RUNNING',
  finished: 'FINISHED',
  failed: 'FAILED',
  cancelled: 'KILLED',
  interrupted: 'KILLED',
  pruned: 'KILLED',
};

/** The Lathe status an MLflow status sets (runs/update, runs/create). */
export const LATHE_RUN_STATUS: Record<MlflowRunStatus, RunStatus> = {
  SCHEDULED: 'queued',
  RUNNING: 'running',
  FINISHED: 'finished',
  FAILED: 'failed',
  KILLED: 'cancelled',
};

/** Limits of MLflow's stores (mlflow/store/tracking/__init__.py, mlflow/store/model_registry/__init__.py). */
export const SEARCH_LIMITS = {
  runs: { default: 1000, max: 50000 },
  experiments: { default: 1000, max: 50000 },
  registeredModels: { default: 100, max: 1000 },
  modelVersions: { default: 10000, max: 200000 },
} as const;

/** A page of ids and the token of the next page (absent on the last page). */
export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

interface Fragment {
  sql: string;
  params: SqlParam[];
}

const frag = (sql: string, params: SqlParam[] = []): Fragment => ({ sql, params });
const joinFrags = (parts: Fragment[], sep: string): Fragment => ({
  sql: parts.map((p) => p.sql).join(sep),
  params: parts.flatMap((p) => p.params),
});

/** The view type given as its name or its proto number (1, 2, 3); ACTIVE_ONLY when absent. */
export function viewType(value: string | number | undefined | null): ViewType {
  if (value === undefined || value === null || value === '') return 'ACTIVE_ONLY';
  const byNumber: Record<string, ViewType> = {
    '1': 'ACTIVE_ONLY',
    '2': 'DELETED_ONLY',
    '3': 'ALL',
  };
  const name = String(value).toUpperCase();
  if (name === 'ACTIVE_ONLY' || name === 'DELETED_ONLY' || name === 'ALL') return name;
  const v = byNumber[String(value)];
  if (v) return v;
  return invalid(
    `Invalid value ${JSON.stringify(value)} for parameter 'view_type' supplied. It must be one of ACTIVE_ONLY, DELETED_ONLY, ALL`,
  );
}

/** max_results checked against a search's limit (MLflow's messages), its default when absent. */
export function maxResults(
  value: number | string | undefined | null,
  limit: { default: number; max: number },
): number {
  if (value === undefined || value === null || value === '') return limit.default;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n) || n < 1)
    invalid(
      `Invalid value ${String(value)} for parameter 'max_results' supplied. It must be a positive integer`,
    );
  if (n > limit.max)
    invalid(
      `Invalid value ${n} for parameter 'max_results' supplied. It must be at most ${limit.max}`,
    );
  return n;
}

const deletedSql = (column: string, view: ViewType): string =>
  view === 'ACTIVE_ONLY'
    ? `${column} IS NULL`
    : view === 'DELETED_ONLY'
      ? `${column} IS NOT NULL`
      : 'true';

/** `expr <comparator> value` for a text column: never NULL (a missing value matches nothing). */
function stringCompare(expr: string, comparator: Comparator, value: Clause['value']): Fragment {
  if (Array.isArray(value)) {
    if (value.length === 0) return frag(comparator === 'IN' ? 'false' : 'true');
    const list = `(${value.map(() => '?').join(', ')})`;
    const sql = comparator === 'IN' ? `${expr} IN ${list}` : `${expr} NOT IN ${list}`;
    return frag(`coalesce(${sql}, false)`, value);
  }
  const op: Record<string, string> = { '=': '=', '!=': '<>', LIKE: 'LIKE', ILIKE: 'ILIKE' };
  const sqlOp = op[comparator];
  if (!sqlOp || typeof value !== 'string')
    return invalid(`Invalid comparator '${comparator}' for a string value`);
  return frag(`coalesce(${expr} ${sqlOp} ?, false)`, [value]);
}

const NUMERIC_OP: Record<string, string> = {
  '=': '=',
  '!=': '<>',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
};

/**
 * `expr <comparator> number` as IEEE/Python compares floats: NaN is unequal to everything (DuckDB orders
 * NaN above every number and calls it equal to itself, so it is excluded explicitly).
 */
function numberCompare(expr: string, comparator: Comparator, value: Clause['value']): Fragment {
  const op = NUMERIC_OP[comparator];
  if (!op || typeof value !== 'number')
    return invalid(`Invalid comparator '${comparator}' for a numeric value`);
  const cmp = `${expr} ${op} ${sqlNumber(value)}`;
  return frag(
    comparator === '!='
      ? `coalesce(isnan(${expr}) OR ${cmp}, false)`
      : `coalesce(NOT isnan(${expr}) AND ${cmp}, false)`,
  );
}

/** A text expression's ORDER BY terms: missing values last whatever the direction. */
const orderText = (expr: string, ascending: boolean): string =>
  `CASE WHEN ${expr} IS NULL THEN 1 ELSE 0 END, ${expr} ${ascending ? 'ASC' : 'DESC'}`;

// ---- runs -------------------------------------------------------------------------------------------

const STATUS_SQL = `CASE r.status ${Object.entries(MLFLOW_RUN_STATUS)
  .map(([lathe, mlflow]) => `WHEN '${lathe}' THEN '${mlflow}'`)
  .join(' ')} ELSE 'RUNNING' END`;

/** The SQL of each run attribute over `runs r` (times in ms since the epoch, as MLflow reports them). */
export const RUN_ATTRIBUTE_SQL: Record<string, { sql: string; numeric: boolean }> = {
  run_id: { sql: 'r.id', numeric: false },
  run_name: { sql: 'r.name', numeric: false },
  status: { sql: STATUS_SQL, numeric: false },
  user_id: { sql: "coalesce(r.user_id, '')", numeric: false },
  // as the tracking store reports it: a run not logged through MLflow has its proxy URI
  artifact_uri: {
    sql: "coalesce(r.artifact_uri, 'mlflow-artifacts:/' || r.experiment_id || '/' || r.id || '/artifacts')",
    numeric: false,
  },
  lifecycle_stage: {
    sql: "CASE WHEN r.deleted_at IS NULL THEN 'active' ELSE 'deleted' END",
    numeric: false,
  },
  start_time: { sql: 'epoch_ms(r.started_at)', numeric: true },
  end_time: { sql: 'epoch_ms(r.ended_at)', numeric: true },
};

/**
 * The mlflow.data.context tag of a dataset input over `run_inputs i`: its tags are MLflow's InputTag list
 * ([{key, value}]) or an object {key: value}.
 */
const DATASET_CONTEXT_SQL = `coalesce(
  (SELECT json_extract_string(x.tag, '$.value')
     FROM (SELECT unnest(CASE WHEN json_type(i.tags) = 'ARRAY' THEN CAST(i.tags AS JSON[]) ELSE [] END) AS tag) x
     WHERE json_extract_string(x.tag, '$.key') = 'mlflow.data.context' LIMIT 1),
  CASE WHEN json_type(i.tags) = 'OBJECT' THEN json_extract_string(i.tags, '$."mlflow.data.context"') END)`;

function runClauseSql(c: Clause): Fragment {
  switch (c.type) {
    case 'metric': {
      const cmp = numberCompare('m.value', c.comparator, c.value);
      return frag(
        `EXISTS (SELECT 1 FROM latest_metrics m WHERE m.run_id = r.id AND m.key = ? AND ${cmp.sql})`,
        [c.key, ...cmp.params],
      );
    }
    case 'parameter':
    case 'tag': {
      const table = c.type === 'parameter' ? 'params' : 'tags';
      const cmp = stringCompare('p.value', c.comparator, c.value);
      return frag(
        `EXISTS (SELECT 1 FROM ${table} p WHERE p.run_id = r.id AND p.key = ? AND ${cmp.sql})`,
        [c.key, ...cmp.params],
      );
    }
    case 'attribute': {
      const attr = RUN_ATTRIBUTE_SQL[c.key]!;
      return attr.numeric
        ? numberCompare(attr.sql, c.comparator, c.value)
        : stringCompare(attr.sql, c.comparator, c.value);
    }
    case 'dataset': {
      // A run matches when one of its dataset inputs does; `context` is the input's mlflow.data.context tag.
      const column =
        c.key === 'context' ? DATASET_CONTEXT_SQL : c.key === 'digest' ? 'i.digest' : 'i.name';
      const cmp = stringCompare(column, c.comparator, c.value);
      return frag(`EXISTS (SELECT 1 FROM run_inputs i WHERE i.run_id = r.id AND ${cmp.sql})`, [
        ...cmp.params,
      ]);
    }
  }
}

/** The ORDER BY of a runs search, with the LEFT JOINs it needs (in text order). */
function runOrderSql(terms: OrderTerm[]): { joins: Fragment; order: string } {
  const joins: Fragment[] = [];
  const order: string[] = [];
  terms.forEach((t, n) => {
    const dir = t.ascending ? 'ASC' : 'DESC';
    if (t.type === 'attribute') {
      order.push(orderText(RUN_ATTRIBUTE_SQL[t.key]!.sql, t.ascending));
      return;
    }
    const alias = `o${n}`;
    const table =
      t.type === 'metric' ? 'latest_metrics' : t.type === 'parameter' ? 'params' : 'tags';
    joins.push(
      frag(`LEFT JOIN ${table} ${alias} ON ${alias}.run_id = r.id AND ${alias}.key = ?`, [t.key]),
    );
    order.push(
      t.type === 'metric'
        ? // numbers, then NaN, then runs without the metric (MLflow's is_nan / IS NULL case clause)
          `CASE WHEN ${alias}.value IS NULL THEN 2 WHEN isnan(${alias}.value) THEN 1 ELSE 0 END, ${alias}.value ${dir}`
        : orderText(`${alias}.value`, t.ascending),
    );
  });
  if (!terms.some((t) => t.type === 'attribute' && t.key === 'start_time'))
    order.push('epoch_ms(r.started_at) DESC');
  order.push('r.id ASC');
  return { joins: joinFrags(joins, ' '), order: order.join(', ') };
}

/** One page of a query's ids: max + 1 rows are read to know whether another page follows. */
async function page<T>(
  db: Sql,
  query: Fragment,
  offset: number,
  max: number,
  pick: (row: Record<string, unknown>) => T,
): Promise<Page<T>> {
  const rows = await db.all(
    `${query.sql} LIMIT ${sqlInteger(max + 1)} OFFSET ${sqlInteger(offset)}`,
    query.params,
  );
  const items = rows.slice(0, max).map(pick);
  return rows.length > max ? { items, nextPageToken: encodePageToken(offset + max) } : { items };
}

export interface SearchRunsInput {
  /** The experiments to search (runs.experiment_id); none means no runs. */
  experimentIds: readonly string[];
  filter?: string | null;
  runViewType?: string | number | null;
  maxResults?: number | string | null;
  orderBy?: readonly string[] | null;
  pageToken?: string | null;
}

/**
 * runs/search: the ids of one page of runs of `experimentIds` matching `filter`, ordered by `orderBy`
 * then start_time DESC and run id. Throws INVALID_INPUT (MLflow's INVALID_PARAMETER_VALUE) for a bad
 * filter, order_by, max_results, view type or page token.
 */
export async function searchRuns(
  db: Sql,
  input: SearchRunsInput,
): Promise<{ runIds: string[]; nextPageToken?: string }> {
  const max = maxResults(input.maxResults, SEARCH_LIMITS.runs);
  const view = viewType(input.runViewType);
  const clauses = parseFilter('runs', input.filter);
  const terms = parseOrderBy('runs', input.orderBy ?? undefined);
  const offset = decodePageToken(input.pageToken);
  if (input.experimentIds.length === 0) return { runIds: [] };
  const { joins, order } = runOrderSql(terms);
  const where = joinFrags(
    [
      frag(
        `r.experiment_id IN (${input.experimentIds.map(() => '?').join(', ')})`,
        input.experimentIds.map(String),
      ),
      frag(deletedSql('r.deleted_at', view)),
      ...clauses.map(runClauseSql),
    ],
    ' AND ',
  );
  const query = joinFrags(
    [frag('SELECT r.id FROM runs r'), joins, frag('WHERE'), where, frag(`ORDER BY ${order}`)],
    ' ',
  );
  const { items, nextPageToken } = await page(db, query, offset, max, (row) => String(row.id));
  return nextPageToken ? { runIds: items, nextPageToken } : { runIds: items };
}

// ---- experiments ------------------------------------------------------------------------------------

const EXPERIMENT_ATTRIBUTE_SQL: Record<string, { sql: string; numeric: boolean }> = {
  name: { sql: 'e.name', numeric: false },
  creation_time: { sql: 'epoch_ms(e.created_at)', numeric: true },
  last_update_time: { sql: 'epoch_ms(coalesce(e.updated_at, e.created_at))', numeric: true },
};

/** An experiment id orders as a number when it is one ("0", "12"), after them as text otherwise. */
const experimentIdOrder = (ascending: boolean): string => {
  const dir = ascending ? 'ASC' : 'DESC';
  return `TRY_CAST(e.id AS HUGEINT) ${dir} NULLS LAST, e.id ${dir}`;
};

export interface SearchExperimentsInput {
  filter?: string | null;
  viewType?: string | number | null;
  maxResults?: number | string | null;
  orderBy?: readonly string[] | null;
  pageToken?: string | null;
}

/**
 * experiments/search: one page of experiment ids (every project's), by default newest first
 * (creation_time DESC, experiment_id ASC); experiment_id DESC breaks ties of a given order.
 */
export async function searchExperiments(
  db: Sql,
  input: SearchExperimentsInput,
): Promise<{ experimentIds: string[]; nextPageToken?: string }> {
  const max = maxResults(input.maxResults, SEARCH_LIMITS.experiments);
  const view = viewType(input.viewType);
  const clauses = parseFilter('experiments', input.filter);
  const given = parseOrderBy('experiments', input.orderBy ?? undefined);
  const terms: OrderTerm[] = given.length
    ? given
    : [
        { type: 'attribute', key: 'creation_time', ascending: false },
        { type: 'attribute', key: 'experiment_id', ascending: true },
      ];
  if (!terms.some((t) => t.key === 'experiment_id'))
    terms.push({ type: 'attribute', key: 'experiment_id', ascending: false });
  const offset = decodePageToken(input.pageToken);
  const where = joinFrags(
    [
      frag(deletedSql('e.deleted_at', view)),
      ...clauses.map((c) => {
        if (c.type === 'tag') {
          const cmp = stringCompare('t.value', c.comparator, c.value);
          return frag(
            `EXISTS (SELECT 1 FROM experiment_tags t WHERE t.experiment_id = e.id AND t.key = ? AND ${cmp.sql})`,
            [c.key, ...cmp.params],
          );
        }
        const attr = EXPERIMENT_ATTRIBUTE_SQL[c.key]!;
        return attr.numeric
          ? numberCompare(attr.sql, c.comparator, c.value)
          : stringCompare(attr.sql, c.comparator, c.value);
      }),
    ],
    ' AND ',
  );
  const order = terms
    .map((t) =>
      t.key === 'experiment_id'
        ? experimentIdOrder(t.ascending)
        : `${EXPERIMENT_ATTRIBUTE_SQL[t.key]!.sql} ${t.ascending ? 'ASC' : 'DESC'}`,
    )
    .join(', ');
  const query = joinFrags(
    [frag('SELECT e.id FROM experiments e WHERE'), where, frag(`ORDER BY ${order}`)],
    ' ',
  );
  const { items, nextPageToken } = await page(db, query, offset, max, (row) => String(row.id));
  return nextPageToken ? { experimentIds: items, nextPageToken } : { experimentIds: items };
}

// ---- registry ---------------------------------------------------------------------------------------

/** MLflow's tag marking a registered model (and its versions) as a prompt, hidden from model searches. */
export const IS_PROMPT_TAG = 'mlflow.prompt.is_prompt';

/**
 * Whether a filter asks for prompts (`tags."mlflow.prompt.is_prompt" = 'true'`); otherwise prompts are
 * left out and a clause on that tag is dropped, as MLflow's SQL store does.
 */
function promptClauses(clauses: Clause[]): { prompts: boolean; rest: Clause[] } {
  const first = clauses.find((c) => c.type === 'tag' && c.key === IS_PROMPT_TAG);
  const v = typeof first?.value === 'string' ? first.value.toLowerCase() : '';
  const prompts =
    !!first &&
    ((first.comparator === '=' && v === 'true') || (first.comparator === '!=' && v === 'false'));
  return {
    prompts,
    rest: prompts ? clauses : clauses.filter((c) => !(c.type === 'tag' && c.key === IS_PROMPT_TAG)),
  };
}

const MODEL_ORDER_SQL: Record<string, string> = {
  name: 'm.name',
  creation_timestamp: 'epoch_ms(m.created_at)',
  last_updated_timestamp: 'epoch_ms(coalesce(m.updated_at, m.created_at))',
};

export interface SearchRegisteredModelsInput {
  filter?: string | null;
  maxResults?: number | string | null;
  orderBy?: readonly string[] | null;
  pageToken?: string | null;
}

/** registered-models/search: one page of model names, by name unless ordered otherwise. */
export async function searchRegisteredModels(
  db: Sql,
  input: SearchRegisteredModelsInput,
): Promise<{ names: string[]; nextPageToken?: string }> {
  const max = maxResults(input.maxResults, SEARCH_LIMITS.registeredModels);
  const { prompts, rest } = promptClauses(parseFilter('registered-models', input.filter));
  const terms = parseOrderBy('registered-models', input.orderBy ?? undefined);
  if (!terms.some((t) => t.key === 'name'))
    terms.push({ type: 'attribute', key: 'name', ascending: true });
  const offset = decodePageToken(input.pageToken);
  const isPrompt = frag(
    `EXISTS (SELECT 1 FROM model_tags pt WHERE pt.model_id = m.id AND pt.key = ? AND pt.value = 'true')`,
    [IS_PROMPT_TAG],
  );
  const where = joinFrags(
    [
      prompts ? frag('true') : frag(`NOT ${isPrompt.sql}`, isPrompt.params),
      ...rest.map((c) => {
        if (c.type === 'tag') {
          const cmp = stringCompare('t.value', c.comparator, c.value);
          return frag(
            `EXISTS (SELECT 1 FROM model_tags t WHERE t.model_id = m.id AND t.key = ? AND ${cmp.sql})`,
            [c.key, ...cmp.params],
          );
        }
        return stringCompare('m.name', c.comparator, c.value);
      }),
    ],
    ' AND ',
  );
  const order = terms
    .map((t) => `${MODEL_ORDER_SQL[t.key]!} ${t.ascending ? 'ASC' : 'DESC'}`)
    .join(', ');
  const query = joinFrags(
    [frag('SELECT m.name FROM models m WHERE'), where, frag(`ORDER BY ${order}`)],
    ' ',
  );
  const { items, nextPageToken } = await page(db, query, offset, max, (row) => String(row.name));
  return nextPageToken ? { names: items, nextPageToken } : { names: items };
}

/**
 * The MLflow `source` of a model version over `model_versions mv`: the URI it was registered from
 * (source_uri, kept by model-versions/create), else the run's model (`runs:/<run>/model`), else the
 * imported file.
 */
export const MODEL_VERSION_SOURCE_SQL = `coalesce(mv.source_uri,
  CASE WHEN mv.run_id IS NOT NULL THEN 'runs:/' || mv.run_id || '/model' END,
  json_extract_string(mv.source, '$.file'), '')`;

/** The MLflow `run_id` of a model version: the one model-versions/create was given, else its Lathe run. */
export const MODEL_VERSION_RUN_ID_SQL = `coalesce(mv.source_run_id, mv.run_id)`;

const VERSION_ATTRIBUTE_SQL: Record<string, { sql: string; numeric: boolean }> = {
  name: { sql: 'm.name', numeric: false },
  run_id: { sql: MODEL_VERSION_RUN_ID_SQL, numeric: false },
  source_path: { sql: MODEL_VERSION_SOURCE_SQL, numeric: false },
  version_number: { sql: 'mv.version', numeric: true },
  creation_timestamp: { sql: 'epoch_ms(mv.created_at)', numeric: true },
  last_updated_timestamp: {
    sql: 'epoch_ms(coalesce(mv.updated_at, mv.created_at))',
    numeric: true,
  },
};

export interface SearchModelVersionsInput {
  filter?: string | null;
  maxResults?: number | string | null;
  orderBy?: readonly string[] | null;
  pageToken?: string | null;
}

/**
 * model-versions/search: one page of (model name, version), by default most recently updated first,
 * then name ASC and version DESC.
 */
export async function searchModelVersions(
  db: Sql,
  input: SearchModelVersionsInput,
): Promise<{ versions: { name: string; version: number }[]; nextPageToken?: string }> {
  const max = maxResults(input.maxResults, SEARCH_LIMITS.modelVersions);
  const { prompts, rest } = promptClauses(parseFilter('model-versions', input.filter));
  const given = parseOrderBy('model-versions', input.orderBy ?? undefined);
  const terms: OrderTerm[] = given.length
    ? given
    : [
        { type: 'attribute', key: 'last_updated_timestamp', ascending: false },
        { type: 'attribute', key: 'name', ascending: true },
        { type: 'attribute', key: 'version_number', ascending: false },
      ];
  if (!terms.some((t) => t.key === 'name'))
    terms.push({ type: 'attribute', key: 'name', ascending: true });
  if (!terms.some((t) => t.key === 'version_number'))
    terms.push({ type: 'attribute', key: 'version_number', ascending: false });
  const offset = decodePageToken(input.pageToken);
  // A model is a prompt when one of its versions carries the prompt tag (MLflow groups by model name).
  const isPrompt = frag(
    `EXISTS (SELECT 1 FROM model_version_tags pt JOIN model_versions pv ON pv.id = pt.version_id
       WHERE pv.model_id = mv.model_id AND pt.key = ? AND pt.value = 'true')`,
    [IS_PROMPT_TAG],
  );
  const where = joinFrags(
    [
      prompts ? frag('true') : frag(`NOT ${isPrompt.sql}`, isPrompt.params),
      ...rest.map((c) => {
        if (c.type === 'tag') {
          const cmp = stringCompare('t.value', c.comparator, c.value);
          return frag(
            `EXISTS (SELECT 1 FROM model_version_tags t WHERE t.version_id = mv.id AND t.key = ? AND ${cmp.sql})`,
            [c.key, ...cmp.params],
          );
        }
        const attr = VERSION_ATTRIBUTE_SQL[c.key]!;
        return attr.numeric
          ? numberCompare(attr.sql, c.comparator, c.value)
          : stringCompare(attr.sql, c.comparator, c.value);
      }),
    ],
    ' AND ',
  );
  const order = terms
    .map((t) => `${VERSION_ATTRIBUTE_SQL[t.key]!.sql} ${t.ascending ? 'ASC' : 'DESC'}`)
    .join(', ');
  const query = joinFrags(
    [
      frag(
        'SELECT m.name, mv.version FROM model_versions mv JOIN models m ON m.id = mv.model_id WHERE',
      ),
      where,
      frag(`ORDER BY ${order}`),
    ],
    ' ',
  );
  const { items, nextPageToken } = await page(db, query, offset, max, (row) => ({
    name: String(row.name),
    version: Number(row.version),
  }));
  return nextPageToken ? { versions: items, nextPageToken } : { versions: items };
}
