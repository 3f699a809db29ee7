// Captured predictions in the workspace: each model version's rows live in ONE typed DuckDB table, named
// in capture_tables (version_id → table_name, columns). Its columns:
//   _at TIMESTAMP, _row_id VARCHAR, _source VARCHAR (a capture_sources id), _role VARCHAR
//   ('champion' | 'canary' | 'shadow' | 'batch'), _latency_ms DOUBLE (NULL for batch rows),
//   one column per signature input under its own name (capture-format.ts captureTypeOf),
//   _prediction VARCHAR, _score DOUBLE, _probabilities DOUBLE[] (NULL for regression).
// Serving writes into it through captureSink (a PredictionLog sink: one INSERT per flushed batch), ingested
// Docker segments with INSERT … SELECT from a file. A batch job's rows stay in the Parquet file the job
// wrote, kept in the workspace (capture_files). Monitoring reads both through captureRelation.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { LatheError, servableSignature, type ModelVersion } from '../../shared/contract';
import type { Database, Sql } from '../workspace/db';
import { duckdbMessage, ident, literal, sqlInteger, text } from '../workspace/db';
import { fromStoredPath, toStoredPath } from '../workspace/paths';
import {
  CAPTURE_HEAD,
  CAPTURE_TAIL,
  RESERVED_COLUMNS,
  captureColumnsOf,
  createHealthAggregator,
  recordRowId,
  scoreOf,
  type CaptureColumns,
  type CaptureType,
  type HealthAggregator,
} from './capture-format';
import type { PredictionLogRow, PredictionSink } from './prediction-log';

export * from './capture-format';

export interface CaptureTable {
  table: string;
  columns: CaptureColumns;
}

/** The capture table of a version (by its id), or null when nothing was ever captured for it. */
export async function captureTableOf(db: Sql, versionId: string): Promise<CaptureTable | null> {
  const row = await db.one<{ table_name: string; columns: unknown }>(
    'SELECT table_name, columns::VARCHAR AS columns FROM capture_tables WHERE version_id = ?',
    [versionId],
  );
  if (!row) return null;
  return { table: text(row.table_name), columns: JSON.parse(text(row.columns)) as CaptureColumns };
}

/** Every column of a capture table with its DuckDB type, in table order. */
export function captureTableColumns(columns: CaptureColumns): { name: string; type: string }[] {
  return [
    { name: '_at', type: 'TIMESTAMP' },
    { name: '_row_id', type: 'VARCHAR' },
    { name: '_source', type: 'VARCHAR' },
    { name: '_role', type: 'VARCHAR' },
    { name: '_latency_ms', type: 'DOUBLE' },
    ...columns.inputs.map((i) => ({ name: i.name, type: i.type })),
    { name: '_prediction', type: 'VARCHAR' },
    { name: '_score', type: 'DOUBLE' },
    { name: '_probabilities', type: 'DOUBLE[]' },
  ];
}

const slug = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_').toLowerCase();

/**
 * The capture table of `version`, created (with its capture_tables row, in one transaction) when missing.
 * A signature input named like a fixed column (`_at`, `_prediction`…) is refused: INVALID_INPUT names it.
 */
export async function ensureCaptureTable(
  db: Database,
  version: Pick<ModelVersion, 'id' | 'model' | 'version' | 'signature'> &
    Partial<Pick<ModelVersion, 'source'>>,
): Promise<CaptureTable> {
  const known = await captureTableOf(db, version.id);
  if (known) return known;
  const columns = captureColumnsOf(servableSignature(version));
  const clash = columns.inputs.find((i) => RESERVED_COLUMNS.has(i.name));
  if (clash)
    throw new LatheError(
      'INVALID_INPUT',
      `${version.model}@${version.version}: input '${clash.name}' has the name of a capture column (${[...RESERVED_COLUMNS].join(', ')}); its predictions cannot be captured (a batch job can run with --capture none)`,
      { input: clash.name },
    );
  return db.tx(async (sql) => {
    const again = await captureTableOf(sql, version.id);
    if (again) return again;
    let table = `capture_${slug(version.model)}_v${version.version}`;
    // Names that slug to the same text (a.b and a_b), or a model deleted and made again, take a suffix.
    if (await sql.one('SELECT 1 FROM capture_tables WHERE table_name = ?', [table]))
      table += `_${createHash('sha256').update(version.id).digest('hex').slice(0, 8)}`;
    const defs = captureTableColumns(columns).map((c) => `${ident(c.name)} ${c.type}`);
    await sql.run(`CREATE TABLE ${ident(table)} (${defs.join(', ')})`);
    // created_at as UTC text: now() in a TIMESTAMP column is the session zone's wall clock.
    await sql.run('INSERT INTO capture_tables VALUES (?, ?, ?, ?, ?::JSON, ?::TIMESTAMP)', [
      version.id,
      version.model,
      version.version,
      table,
      JSON.stringify(columns),
      new Date().toISOString(),
    ]);
    return { table, columns };
  });
}

// ---------------------------------------------------------------------------------------------------
// Batch rows: Parquet files kept in the workspace, read as part of the table
// ---------------------------------------------------------------------------------------------------

/**
 * A batch job's captured rows as the job wrote them (batch.ts BatchCapture): a narrow Parquet file (`_row_id`
 * the id or the row's position, the inputs typed, `_prediction` as scored, `_probabilities`) kept under the
 * workspace's captures/ folder and named in capture_files. The columns every row of the job shares (`_at`,
 * `_source`, `_role`) and those derived from others (the `<prefix>/<row>` id, the prediction's text, the
 * score) are made when the rows are read (captureRelation). Inserting a 3M-row job's rows into the table
 * took 2.6 s (5.1 s of CPU) of a 7.3 s job; keeping the file takes a rename.
 */
export interface CaptureFile {
  /** Absolute path of the Parquet file. */
  file: string;
  columns: CaptureColumns;
  /** The capture_sources id its rows count towards. */
  source: string;
  at: Date;
  /** With the job's id column: `_row_id` is that id's text; else `<rowIdPrefix>/<position>`. */
  byId: boolean;
  rowIdPrefix: string;
  /** No `_row_id` column: the position is the row's in the file (capture-format.ts capturesRowNumbers). */
  rowNumbers: boolean;
}

/**
 * The SELECT reading a capture file with its table's columns in table order (captureTableColumns), and
 * with `order`, its rows' position in the file as `__captured`.
 */
export function captureFileSelect(c: CaptureFile, order = false): string {
  const classes = c.columns.classes;
  // A regression's prediction is a float32: its text is its shortest (as the job's output file has it),
  // its score the float32 itself (as a served row's is), not that text read back: parsing text for every
  // row read made a 6M-row read 40 times slower than the column.
  const score =
    c.columns.task === 'regression'
      ? 'CAST(_prediction AS DOUBLE)'
      : !classes?.length
        ? 'NULL::DOUBLE'
        : c.columns.task === 'binary'
          ? '_probabilities[2]'
          : 'list_max(_probabilities)';
  const select = [
    `epoch_ms(${sqlInteger(c.at.getTime())}::BIGINT) AS _at`,
    `${c.byId ? 'CAST(_row_id AS VARCHAR)' : `${literal(`${c.rowIdPrefix}/`)} || ${c.rowNumbers ? 'file_row_number' : '_row_id'}`} AS _row_id`,
    `${literal(c.source)} AS _source`,
    "'batch' AS _role",
    'NULL::DOUBLE AS _latency_ms',
    ...c.columns.inputs.map((i) => `CAST(${ident(i.name)} AS ${i.type}) AS ${ident(i.name)}`),
    'CAST(_prediction AS VARCHAR) AS _prediction',
    `${score} AS _score`,
    `${classes ? 'CAST(_probabilities AS DOUBLE[])' : 'NULL::DOUBLE[]'} AS _probabilities`,
    ...(order ? ['file_row_number AS __captured'] : []),
  ];
  return `SELECT ${select.join(', ')} FROM read_parquet(${literal(c.file)}${order || c.rowNumbers ? ', file_row_number = true' : ''})`;
}

/**
 * Records a batch job's capture file (already in the workspace's captures/ folder), with `rows` rows,
 * for `table`. Run in the transaction that records the job and its capture source.
 */
export async function addCaptureFile(
  sql: Sql,
  workspaceDir: string,
  table: string,
  c: CaptureFile,
  rows: number,
): Promise<void> {
  await sql.run('INSERT INTO capture_files VALUES (?, ?, ?, epoch_ms(?::BIGINT), ?, ?, ?, ?)', [
    c.source,
    table,
    toStoredPath(workspaceDir, c.file),
    c.at.getTime(),
    c.byId,
    c.rowIdPrefix,
    rows,
    c.rowNumbers,
  ]);
}

/** The capture files of a table, oldest first, with absolute paths. */
export async function captureFilesOf(
  sql: Sql,
  workspaceDir: string,
  t: CaptureTable,
): Promise<(CaptureFile & { rows: number })[]> {
  const rows = await sql.all<{
    source_id: string;
    path: string;
    at_ms: number | bigint;
    by_id: boolean;
    row_id_prefix: string;
    rows: number | bigint;
    row_numbers: boolean | null;
  }>(
    `SELECT source_id, path, epoch_ms("at") AS at_ms, by_id, row_id_prefix, "rows", row_numbers
     FROM capture_files WHERE table_name = ? ORDER BY "at", source_id`,
    [t.table],
  );
  return rows.map((r) => ({
    file: fromStoredPath(workspaceDir, text(r.path)),
    columns: t.columns,
    source: text(r.source_id),
    at: new Date(Number(r.at_ms)),
    byId: Boolean(r.by_id),
    rowIdPrefix: text(r.row_id_prefix),
    rowNumbers: r.row_numbers === true,
    rows: Number(r.rows),
  }));
}

/**
 * Every captured row of a version as one relation (a parenthesized SELECT to use after FROM): the table's
 * rows (served, ingested) and its batch jobs' capture files, with the table's columns; with `order`, also
 * `__captured`, which orders the rows of one `_at` as they were captured. A capture file gone from the
 * workspace is named (CORRUPT_FILE) instead of reading as no rows.
 */
export async function captureRelation(
  sql: Sql,
  workspaceDir: string,
  t: CaptureTable,
  options: { order?: boolean } = {},
): Promise<string> {
  const order = options.order ?? false;
  const columns = captureTableColumns(t.columns).map((c) => ident(c.name));
  const parts = [
    `SELECT ${columns.join(', ')}${order ? ', rowid AS __captured' : ''} FROM ${ident(t.table)}`,
  ];
  for (const f of await captureFilesOf(sql, workspaceDir, t)) {
    if (!existsSync(f.file))
      throw new LatheError(
        'CORRUPT_FILE',
        `the captured rows of batch ${f.source} (${f.rows} rows) are missing: ${f.file} is gone from the workspace`,
        { file: f.file, source: f.source },
      );
    parts.push(captureFileSelect(f, order));
  }
  return `(${parts.join(' UNION ALL ')})`;
}

/**
 * Runs `read`, whose statements read captureRelation of `tables`, and names a capture file that fails
 * them. A batch job's file that is damaged, or lacks a column its table needs, fails the statement in
 * DuckDB's words (a Binder Error, "No magic bytes found"), naming neither the batch nor, often, the file.
 * Only then is each file of `tables` looked at (captureReadFailure), so reads that succeed (millions of
 * rows) cost no query more than they did.
 */
export async function readingCaptures<T>(
  sql: Sql,
  workspaceDir: string,
  tables: CaptureTable[],
  read: () => Promise<T>,
): Promise<T> {
  try {
    return await read();
  } catch (err) {
    throw await captureReadFailure(sql, workspaceDir, tables, err);
  }
}

/**
 * What to throw for `err`, the failure of a statement reading captureRelation of `tables`: CORRUPT_FILE
 * naming the capture file at fault and its batch (the file DuckDB's message names, else the first that
 * cannot be described with the columns its table needs), or `err` itself when no file is at fault (a
 * Lathe error, or one of the statement's other inputs). `sql` must still run statements: after a failed
 * transaction, the database rather than the transaction.
 */
export async function captureReadFailure(
  sql: Sql,
  workspaceDir: string,
  tables: CaptureTable[],
  err: unknown,
): Promise<unknown> {
  if (err instanceof LatheError) return err;
  const said = err instanceof Error ? err.message : String(err);
  try {
    // A database that runs no statement at all (closing, interrupted) says nothing about the files, and
    // would make every one of them look unreadable.
    await sql.all('SELECT 1');
    const files = (
      await Promise.all(tables.map((t) => captureFilesOf(sql, workspaceDir, t)))
    ).flat();
    // The file DuckDB names first: a file it cannot open fails before any other is read.
    const named = files.filter((f) => said.includes(f.file));
    for (const f of [...named, ...files.filter((f) => !named.includes(f))]) {
      // Only a file that fails on its own is at fault (a message may name a file for another reason: too
      // many open files).
      const problem = await captureFileProblem(sql, f);
      if (problem)
        return new LatheError(
          'CORRUPT_FILE',
          `the captured rows of batch ${f.source} (${f.rows} rows) cannot be read: ${f.file} ${problem}`,
          { file: f.file, source: f.source },
        );
    }
  } catch {
    // Looking for the file failed too: the first failure is the one to report.
  }
  return err;
}

/** DuckDB's first line of why `f` fails, without its error class or the path the message already has. */
function why(err: unknown, f: CaptureFile): string {
  return duckdbMessage(err).replaceAll(` '${f.file}'`, '').replaceAll(f.file, 'the file').trim();
}

/**
 * Why a capture file cannot be read as its table's rows (not Parquet, a column missing, a column of a
 * type that does not cast), or null when DuckDB can bind captureFileSelect over it.
 */
async function captureFileProblem(sql: Sql, f: CaptureFile): Promise<string | null> {
  let have: Set<string>;
  try {
    const described = await sql.all(`DESCRIBE SELECT * FROM read_parquet(${literal(f.file)})`);
    have = new Set(described.map((c) => text(c.column_name)));
  } catch (err) {
    return `is not a readable Parquet file (${why(err, f)})`;
  }
  const needed = [
    ...(f.rowNumbers ? [] : ['_row_id']),
    ...f.columns.inputs.map((i) => i.name),
    '_prediction',
    ...(f.columns.classes ? ['_probabilities'] : []),
  ];
  const missing = needed.filter((n) => !have.has(n));
  if (missing.length)
    return `lacks the column${missing.length > 1 ? 's' : ''} ${missing.map((n) => `'${n}'`).join(', ')}`;
  try {
    await sql.all(`DESCRIBE ${captureFileSelect(f, true)}`);
  } catch (err) {
    return `does not read as its version's rows (${why(err, f)})`;
  }
  return null;
}

export interface CaptureSourceIn {
  kind: 'serve' | 'batch' | 'segment';
  model: string;
  version: number;
  detail: string;
  rate?: number;
  rows?: number;
  /** Default: a new UUID. */
  id?: string;
}

/** Records a capture source (a server session, a batch job, a segment) and returns its id. */
export async function addCaptureSource(db: Sql, s: CaptureSourceIn): Promise<string> {
  const id = s.id ?? randomUUID();
  await db.run('INSERT INTO capture_sources VALUES (?, ?, ?, ?, now(), ?, ?, ?)', [
    id,
    s.kind,
    s.model,
    s.version,
    s.rows ?? 0,
    s.rate ?? 1,
    s.detail,
  ]);
  return id;
}

// ---------------------------------------------------------------------------------------------------
// Served rows: the typed sink of the prediction log
// ---------------------------------------------------------------------------------------------------

/** A version a server captures: where its rows go and the source they count towards. */
export interface CaptureTarget {
  model: string;
  version: number;
  table: CaptureTable;
  /** The capture_sources id of this server session for the version. */
  source: string;
}

/**
 * The capture targets of a server session: each distinct version's table (created when missing) and a new
 * `serve` source for it with `detail` (the server's address).
 */
export async function captureTargets(
  db: Database,
  versions: Pick<ModelVersion, 'id' | 'model' | 'version' | 'signature'>[],
  detail: string,
): Promise<CaptureTarget[]> {
  const targets: CaptureTarget[] = [];
  for (const v of versions) {
    if (targets.some((t) => t.model === v.model && t.version === v.version)) continue;
    let table: CaptureTable;
    try {
      table = await ensureCaptureTable(db, v);
    } catch (err) {
      // A version that cannot be captured is still served.
      if (!(err instanceof LatheError) || err.code !== 'INVALID_INPUT') throw err;
      console.error(`[Capture] not capturing: ${err.message}`);
      continue;
    }
    const source = await addCaptureSource(db, {
      kind: 'serve',
      model: v.model,
      version: v.version,
      detail,
    });
    targets.push({ model: v.model, version: v.version, table, source });
  }
  return targets;
}

/** A cell as the batch text carries it (see INSERT below); '' is NULL. */
function cell(type: CaptureType, v: unknown): string {
  if (v === null || v === undefined) return '';
  switch (type) {
    case 'DOUBLE':
      return typeof v === 'number' ? String(v) : '';
    case 'BOOLEAN':
      return typeof v === 'boolean' ? String(v) : typeof v === 'number' ? String(v !== 0) : '';
    default:
      // Text as JSON, which never holds a raw tab or newline; DuckDB decodes it.
      return JSON.stringify(typeof v === 'string' ? v : JSON.stringify(v));
  }
}

/** The SQL reading cell `f[k]` as `type`. */
function cast(type: CaptureType, k: number): string {
  switch (type) {
    case 'DOUBLE':
    case 'BOOLEAN':
      return `TRY_CAST(f[${sqlInteger(k)}] AS ${type})`;
    case 'VARCHAR':
      return `NULLIF(f[${sqlInteger(k)}], '')::JSON->>'$'`;
    default:
      return `TRY_CAST(NULLIF(f[${sqlInteger(k)}], '')::JSON->>'$' AS ${type})`;
  }
}

/**
 * The INSERT of one target. The batch travels as ONE parameter, its lines, which DuckDB splits and casts
 * itself: binding is a single string copy on the main thread, and splitting, casts and the insert run on
 * DuckDB's side (a multi-row INSERT with bound values spent milliseconds per batch on the event loop). A
 * line is `target \t _at \t _row_id \t _role \t _latency_ms \t inputs… \t _prediction \t _score \t
 * _probabilities`; text cells are JSON, which never holds a raw tab or newline.
 */
function insertSql(t: CaptureTarget, index: number, only: boolean): string {
  const { inputs } = t.table.columns;
  const names = [...CAPTURE_HEAD, ...inputs.map((i) => i.name), ...CAPTURE_TAIL].map(ident);
  const p = inputs.length + 6;
  const values = [
    'f[2]::TIMESTAMP',
    'f[3]',
    literal(t.source),
    'f[4]',
    'TRY_CAST(f[5] AS DOUBLE)',
    ...inputs.map((i, j) => cast(i.type, j + 6)),
    `NULLIF(f[${sqlInteger(p)}], '')::JSON->>'$'`,
    `TRY_CAST(f[${sqlInteger(p + 1)}] AS DOUBLE)`,
    `TRY_CAST(NULLIF(f[${sqlInteger(p + 2)}], '') AS DOUBLE[])`,
  ];
  return `INSERT INTO ${ident(t.table.table)} (${names.join(', ')})
SELECT ${values.join(', ')}
FROM (SELECT string_split(line, chr(9)) AS f
      FROM (SELECT unnest(string_split(rtrim(?::VARCHAR, chr(10)), chr(10))) AS line))${only ? '' : `\nWHERE f[1] = '${sqlInteger(index)}'`}`;
}

/** Rows per target (by index) in one flushed batch. */
type Counts = number[];

/** How often (at most) a server's capture sources are brought up to date while it runs. */
export const SOURCE_SYNC_MS = 10_000;

/**
 * The prediction log's sink into capture tables: each pushed request becomes one row per record in the
 * table of the version that scored it (champion, canary and shadow each in their own), one INSERT per
 * table and flushed batch. Each target's capture_sources row counts the rows written: brought up to date
 * at most every SOURCE_SYNC_MS and when the log closes — an UPDATE per flush cost DuckDB several
 * milliseconds a batch, growing as the server ran.
 */
export function captureSink(
  db: Sql,
  targets: CaptureTarget[],
  options: { now?: () => number } = {},
): PredictionSink {
  const now = options.now ?? Date.now;
  const index = new Map(targets.map((t, i) => [`${t.model}@${t.version}`, i]));
  const sqls = targets.map((t, i) => insertSql(t, i, targets.length === 1));
  let counts: Counts = targets.map(() => 0);
  /** Rows written and not yet added to their source's count. */
  const unsynced: Counts = targets.map(() => 0);
  let synced = now();
  const sync = async () => {
    synced = now();
    for (let i = 0; i < targets.length; i++) {
      const n = unsynced[i]!;
      if (!n) continue;
      unsynced[i] = 0;
      await db.run('UPDATE capture_sources SET "rows" = "rows" + ? WHERE id = ?', [
        n,
        targets[i]!.source,
      ]);
    }
  };
  const syncFailed = (err: unknown) =>
    console.error(
      `[Capture] capture source counts not updated: ${err instanceof Error ? err.message : String(err)}`,
    );
  const encode = (r: PredictionLogRow): string => {
    const i = index.get(`${r.model}@${r.version}`);
    if (i === undefined) return '';
    const { inputs, task, classes } = targets[i]!.table.columns;
    const n = r.features.length;
    counts[i]! += n;
    const head = `${i}\t${r.at}\t`;
    const tail = `\t${r.role}\t${r.latencyMs}`;
    let out = '';
    for (let k = 0; k < n; k++) {
      const record = r.features[k]!;
      const p = r.predictions[k]!;
      let line = `${head}${recordRowId(r.requestId, k, n)}${tail}`;
      for (const input of inputs) line += `\t${cell(input.type, record[input.name])}`;
      const score = scoreOf({ task, classes }, p.prediction, p.probabilities);
      line += `\t${JSON.stringify(String(p.prediction))}\t${score === null ? '' : score}\t`;
      if (classes && p.probabilities) {
        line += '[';
        for (let c = 0; c < classes.length; c++)
          line += `${c ? ',' : ''}${p.probabilities[classes[c]!] ?? 0}`;
        line += ']';
      }
      out += k ? `\n${line}` : line;
    }
    return out;
  };
  return {
    encode,
    seal() {
      const sealed = counts;
      counts = targets.map(() => 0);
      return sealed;
    },
    async write(batch) {
      const lines = batch.lines.toString('utf8');
      const n = batch.sealed as Counts;
      for (let i = 0; i < targets.length; i++) {
        if (!n[i]) continue;
        await db.run(sqls[i]!, [lines]);
        unsynced[i]! += n[i]!;
      }
      if (now() - synced >= SOURCE_SYNC_MS) await sync().catch(syncFailed);
    },
    close: () => sync().catch(syncFailed),
  };
}

// ---------------------------------------------------------------------------------------------------
// Service health
// ---------------------------------------------------------------------------------------------------

export interface ServeHealth {
  record: HealthAggregator['record'];
  /** Writes every counted minute now (the current one too). */
  flush(): Promise<void>;
  /** Flushes and stops the timer. */
  close(): Promise<void>;
}

/**
 * Health counters kept in memory and written to serve_health every `flushMs` (minutes that are over) and
 * on close (everything): never a statement per request. A minute written in two pieces (a server stopped
 * within it) is two rows; readers add them up.
 */
export function createServeHealth(db: Sql, options: { flushMs?: number } = {}): ServeHealth {
  const agg = createHealthAggregator();
  let writing: Promise<void> = Promise.resolve();
  const write = (all: boolean) => {
    const rows = agg.drain(all);
    if (!rows.length) return writing;
    const values = rows.map(() => '(epoch_ms(?::BIGINT), ?, ?, ?, ?, ?, ?::JSON)').join(', ');
    const params = rows.flatMap((r) => [
      r.minute,
      r.model,
      r.version,
      r.status,
      r.requests,
      r.rows,
      JSON.stringify(r.latency),
    ]);
    writing = writing.then(() =>
      db.run(`INSERT INTO serve_health VALUES ${values}`, params).catch((err: unknown) => {
        console.error(
          `[ServeHealth] ${rows.length} row(s) not written: ${err instanceof Error ? err.message : String(err)}`,
        );
      }),
    );
    return writing;
  };
  const timer = setInterval(() => void write(false), options.flushMs ?? 10_000);
  timer.unref();
  return {
    record: (...args) => agg.record(...args),
    flush: () => write(true),
    async close() {
      clearInterval(timer);
      await write(true);
    },
  };
}
