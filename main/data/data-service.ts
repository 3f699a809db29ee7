import { createHash, randomBytes } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
} from 'node:fs';
import { createInterface } from 'node:readline';
import { basename, join, resolve } from 'node:path';
import {
  LatheError,
  Profile as ProfileSchema,
  type ColumnInfo,
  type DatasetSummary,
  type DatasetVersion,
  type FileFormat,
  type ImportOut,
  type PreviewOut,
  type Profile,
  type TransformStep,
  type VersionParent,
} from '../../shared/contract';
import { redactUrl, redactUrlsIn } from '../../shared/redact';
import type { EventBus } from '../api/event-bus';
import { ident, jsonOrNull, literal, sqlInteger, toPlain, type Row } from '../workspace/db';
import { fsyncPath, sha256Bytes, sha256File } from '../workspace/artifacts';
import { iso, newId, type ProjectStore } from '../workspace/projects';
import { fromStoredPath, isInside, toStoredPath } from '../workspace/paths';
import type { Workspace } from '../workspace/workspace';
import { checkHeader, scanCsv, sniffDelimiter, type CsvShape } from './csv-scan';
import { schemaChange, schemaChangeError } from './schema-diff';
import { columnInfo } from './column-kind';
import { detectFormat } from './detect';
import type { Engine, LongStatement } from './engine';
import { profileParquet, type ProfileResult } from './profile';
import { downloadToFile, isUrl } from './download';
import {
  explainTransformError,
  planTransform,
  queryError,
  toParent,
  transformHash,
  transformSource,
} from './transforms';

interface ImportOp {
  name: string;
  cancelled: boolean;
  statement?: LongStatement;
  /** Stops a download in flight. */
  abort?: () => void;
}

/** A dataset version with where its Parquet file lives: what training and batch work read. */
export interface ResolvedVersion extends DatasetVersion {
  storagePath: string;
}

export interface DataService {
  /**
   * Imports a file as an immutable dataset version (reusing an identical one). A file staged in the
   * workspace's uploads folder (a browser upload) is removed afterwards, imported or not.
   */
  importFile(input: {
    path: string;
    name: string;
    project: string;
    format?: FileFormat;
    /** Accept columns that differ from the latest version's (else INVALID_INPUT with the difference). */
    allowSchemaChange?: boolean;
    /**
     * Also profile the new version, from the Parquet file the import has just written while the rest of
     * the import finishes; stored as `profile` stores it (a reused version answers its stored profile).
     */
    profile?: boolean;
    /**
     * Checks the columns of the file as it reads before converting it, and the new version's before it
     * is recorded: what it throws fails the import, and no version is added.
     */
    checkColumns?: (columns: ColumnInfo[]) => void;
  }): Promise<ImportOut>;
  /** Asks a running import into `name` to stop; false when none is running. */
  cancelImport(name: string): boolean;
  /** Imports the result of a DuckDB SELECT over files. */
  importQuery(input: {
    sql: string;
    name: string;
    project: string;
    allowSchemaChange?: boolean;
  }): Promise<ImportOut>;
  /**
   * Applies steps to parent versions (`name`, `name@N`) and records the result as a version of `name`
   * naming its parents and the transform; the same parents and steps reuse the version.
   */
  transform(input: {
    name: string;
    from: string[];
    steps: TransformStep[];
    project: string;
  }): Promise<ImportOut>;
  /**
   * Writes the rows of `select` (a parenthesized query, e.g. over `read_parquet(parent.storagePath)`)
   * as a version of `name` made from `parents`; `hash` identifies the derivation so a repeat reuses it.
   */
  deriveVersion(input: {
    name: string;
    project: string;
    select: string;
    hash: string;
    parents: ResolvedVersion[];
    transform: unknown;
    source: string;
  }): Promise<ImportOut>;
  /** Datasets, soft-deleted ones only with `deleted`. */
  list(project?: string, deleted?: boolean): Promise<DatasetSummary[]>;
  versions(name: string): Promise<DatasetVersion[]>;
  /** `name`, `name@N` or `name@<hash prefix>`; throws NOT_FOUND naming the reference. */
  resolve(ref: string): Promise<ResolvedVersion>;
  profile(ref: string): Promise<Profile>;
  preview(ref: string, offset: number, limit: number): Promise<PreviewOut>;
}

const NULL_STRINGS = `['', 'NA', 'N/A', 'null', 'NULL']`;

/** What the structure scan learned about a CSV file that DuckDB's defaults do not cover. */
interface CsvReadOptions {
  /** Sniff types over every row, not a sample. */
  fullSample?: boolean;
  /** Not valid UTF-8: read as Latin-1. */
  latin1?: boolean;
  /** CRLF and LF line ends mixed: DuckDB's strict mode refuses that, the scan has checked the rest. */
  lenient?: boolean;
  /** A record longer than DuckDB's default line limit (2 MB), in bytes. */
  maxLineSize?: number;
}

/**
 * CRLF mixed with LF: DuckDB's strict reader refuses the file, and its lenient one (told nothing) reads a
 * CRLF as two line ends, a blank row between; told CRLF, it takes both. The structure scan has checked
 * the quoting and field counts that strict mode would.
 */
const LENIENT_LINE_ENDS = `strict_mode=false, new_line='\\r\\n'`;

/** DuckDB's default max_line_size. */
const DUCKDB_MAX_LINE = 2_097_152;

function readerSql(
  path: string,
  format: FileFormat,
  delimiter?: string,
  csv: CsvReadOptions = {},
): string {
  const p = literal(path);
  switch (format) {
    case 'csv':
    case 'tsv': {
      const extra = [
        csv.fullSample ? 'sample_size=-1' : '',
        csv.latin1 ? `encoding='latin-1'` : '',
        csv.maxLineSize ? `max_line_size=${sqlInteger(csv.maxLineSize)}` : '',
      ]
        .filter(Boolean)
        .map((o) => `${o}, `)
        .join('');
      return `read_csv(${p}, delim=${literal(delimiter ?? (format === 'tsv' ? '\t' : ','))}, header=true, quote='"', escape='"', ${csv.lenient ? LENIENT_LINE_ENDS : 'strict_mode=true'}, null_padding=false, allow_quoted_nulls=false, ${extra}nullstr=${NULL_STRINGS})`;
    }
    case 'parquet':
      return `read_parquet(${p})`;
    case 'json':
      // records='true': a file of numbers, strings or arrays is refused, not read as one 'json' column.
      return `read_json(${p}, format='auto', records='true', sample_size=-1)`;
    case 'ndjson':
      return `read_json(${p}, format='newline_delimited', records='true', sample_size=-1)`;
  }
}

/** Turns a DuckDB error about a file into one that names the file and says what is wrong. */
function fileError(file: string, format: FileFormat, err: unknown): LatheError {
  if (err instanceof LatheError) return err;
  // DuckDB quotes the statement ("LINE 1: SELECT …"): that line is the SQL's, not the file's.
  const raw = ((err as Error).message ?? String(err)).replace(/^LINE \d+:.*$/gm, '');
  const lines = raw.split('\n');
  let first = lines[0]!.replace(/^[A-Za-z ]+Error: /, '');
  // DuckDB's CSV errors open with "CSV Error on Line: N" and say what is wrong further down.
  const reason = lines
    .slice(1)
    .find((l) => l.trim() && !/^(Original Line|Possible|\s)/.test(l) && !/^[a-z_]+ = /.test(l));
  if (/^CSV Error on Line/i.test(first) && reason) first = reason.trim();
  // Only text formats have lines; a Parquet error's "line" is DuckDB's own.
  const lineMatch = format === 'parquet' ? null : /line[: ]+(\d+)/i.exec(raw);
  return new LatheError(
    'CORRUPT_FILE',
    `${basename(file)}: cannot read as ${format}${lineMatch ? ` (line ${lineMatch[1]})` : ''}: ${first}`,
    lineMatch ? { file, format, line: Number(lineMatch[1]) } : { file, format },
  );
}

const JSON_KIND = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`;

/**
 * Where a JSON or NDJSON file holds something other than a record (an object): 'line N holds a number'
 * (NDJSON), 'element N holds a string' or 'the file holds a number' (JSON); null when not found (a JSON
 * file too large to parse here is not searched).
 */
async function nonRecordAt(file: string, format: 'json' | 'ndjson'): Promise<string | null> {
  if (format === 'json') {
    if (statSync(file).size > 64 * 1024 * 1024) return null;
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
    } catch {
      return null;
    }
    if (!Array.isArray(value))
      return value !== null && typeof value === 'object'
        ? null
        : `the file holds ${JSON_KIND(value)}`;
    const i = value.findIndex((v) => v === null || typeof v !== 'object' || Array.isArray(v));
    return i < 0 ? null : `element ${i + 1} of the array is ${JSON_KIND(value[i])}`;
  }
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const text of lines) {
      n++;
      if (!text.trim()) continue;
      try {
        const v: unknown = JSON.parse(text);
        if (v === null || typeof v !== 'object' || Array.isArray(v))
          return `line ${n} holds ${JSON_KIND(v)}`;
      } catch {
        return null;
      }
    }
  } finally {
    lines.close();
  }
  return null;
}

/**
 * The first line of an NDJSON file that is not one JSON value, with the parser's reason; null when every
 * line parses. DuckDB's reader runs a broken line into the next one and names that; this names the line
 * that is broken.
 */
async function firstBadNdjsonLine(file: string): Promise<{ line: number; reason: string } | null> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const text of lines) {
      n++;
      if (!text.trim()) continue;
      try {
        JSON.parse(text);
      } catch (err) {
        return { line: n, reason: (err as Error).message };
      }
    }
  } finally {
    lines.close();
  }
  return null;
}

/** A version row; its storage path, stored relative to the workspace (`dir`), made absolute. */
function versionAt(dir: string, r: Row): ResolvedVersion {
  return {
    id: String(r.id),
    dataset: String(r.dataset),
    version: Number(r.version),
    hash: String(r.hash),
    rows: Number(r.row_count),
    columns: JSON.parse(String(r.columns)) as ColumnInfo[],
    format: String(r.format) as DatasetVersion['format'],
    source: String(r.source),
    sizeBytes: Number(r.size_bytes),
    createdAt: iso(r.created_at),
    parents: (jsonOrNull(r.parents) as VersionParent[] | null) ?? [],
    transform: jsonOrNull(r.transform),
    storagePath: fromStoredPath(dir, String(r.storage_path)),
  };
}

const VERSION_SELECT = `SELECT v.*, d.name AS dataset, d.deleted_at AS dataset_deleted_at FROM dataset_versions v JOIN datasets d ON v.dataset_id = d.id`;

/** Refuses to read or add to a soft-deleted dataset, saying how to bring it back. */
function assertNotDeleted(name: string, r: Row | undefined): void {
  if (r && r.dataset_deleted_at !== null && r.dataset_deleted_at !== undefined)
    throw new LatheError(
      'NOT_FOUND',
      `dataset '${name}' is deleted; restore it first (Data view, or lathe data restore ${name})`,
      { name },
    );
}

export function createDataService(deps: {
  workspace: Workspace;
  engine: Engine;
  projects: ProjectStore;
  bus: EventBus;
}): DataService {
  const { workspace, engine, projects, bus } = deps;
  const { db, paths } = workspace;
  const progress = (name: string, fraction: number, message: string, etaMs?: number) =>
    bus.emit('data:progress', {
      op: 'import',
      name,
      fraction,
      message,
      ...(etaMs === undefined ? {} : { etaMs }),
    });

  /** Imports in flight, by dataset name: one at a time per name, each cancellable. */
  const running = new Map<string, ImportOp>();
  const throwIfCancelled = (op: ImportOp) => {
    if (op.cancelled) throw new LatheError('CANCELLED', `import into '${op.name}' was cancelled`);
  };
  async function withImport<T>(name: string, work: (op: ImportOp) => Promise<T>): Promise<T> {
    if (running.has(name)) {
      throw new LatheError('INVALID_INPUT', `an import into '${name}' is already running`, {
        name,
      });
    }
    const op: ImportOp = { name, cancelled: false };
    running.set(name, op);
    try {
      return await work(op);
    } finally {
      running.delete(name);
    }
  }

  const toPublic = (v: ResolvedVersion): DatasetVersion => {
    const { storagePath: _storagePath, ...rest } = v;
    return rest;
  };

  const storedPath = (hash: string) => join(paths.datasets, `${hash}.parquet`);
  /**
   * Whether the dataset file `dest` is already there; when it is, its modification time is set to now,
   * in the same synchronous step, so `gc` (which keeps files touched since this process took the
   * workspace lock) cannot remove a file no row names yet that this import is about to record.
   */
  const claimStored = (dest: string): boolean => {
    if (!existsSync(dest)) return false;
    const now = new Date();
    try {
      utimesSync(dest, now, now);
    } catch {
      // Gone meanwhile, or not ours to touch: write it afresh.
      return false;
    }
    return true;
  };
  const versionFromRow = (r: Row) => versionAt(paths.dir, r);

  /** Stores a version's profile (what `profile` answers from then on) and returns it. */
  async function storeProfile(
    v: ResolvedVersion,
    result: ProfileResult,
    durationMs: number,
  ): Promise<Profile> {
    const profile: Profile = {
      dataset: v.dataset,
      version: v.version,
      versionId: v.id,
      rows: result.rows,
      duplicateRows: result.duplicateRows,
      duplicateSample: result.duplicateSample,
      columns: result.columns,
      durationMs,
    };
    await db.run('INSERT OR REPLACE INTO profiles VALUES (?, ?, now())', [
      v.id,
      JSON.stringify(profile),
    ]);
    return profile;
  }

  /** A version's stored profile, or a new one (computed in SQL, then stored). */
  async function profileVersion(v: ResolvedVersion): Promise<Profile> {
    const cached = await db.one<{ profile: string }>(
      'SELECT profile FROM profiles WHERE version_id = ?',
      [v.id],
    );
    // A profile cached by an older build lacks newer fields (outliers, duplicate sample): profile again.
    const reuse = cached && ProfileSchema.safeParse(JSON.parse(cached.profile));
    if (reuse?.success) return reuse.data;
    const started = Date.now();
    bus.emit('data:progress', {
      op: 'profile',
      name: v.dataset,
      fraction: 0,
      message: 'profiling',
    });
    const result = await profileParquet(engine, v.storagePath, v.columns);
    const profile = await storeProfile(v, result, Date.now() - started);
    bus.emit('data:progress', { op: 'profile', name: v.dataset, fraction: 1, message: 'done' });
    return profile;
  }

  /** Writes `select` to the workspace as Parquet under the content hash, then records the version. */
  async function record(args: {
    name: string;
    project: string;
    /**
     * The content hash, or a promise of it: a CSV is converted while its structure scan (which hashes
     * it) runs, and a scan error wins over whatever the conversion said.
     */
    hash: string | Promise<string>;
    format: DatasetVersion['format'];
    source: string;
    select: string;
    displayName: string;
    started: number;
    op: ImportOp;
    /** Versions this one is made from (transforms, quarantine); none for imports. */
    parents?: VersionParent[];
    /** The exact transform, stored as JSON with the version. */
    transform?: unknown;
    /** Imports compare the new columns with the latest version's; `allow` accepts a difference. */
    schema?: { allow: boolean };
    /** Also profile the new version (see `importFile`). */
    profile?: boolean;
    /** See `importFile`. */
    checkColumns?: (columns: ColumnInfo[]) => void;
  }): Promise<ImportOut> {
    const { name } = args;
    const [latest] = await db.all(
      `${VERSION_SELECT} WHERE d.name = ? ORDER BY v.version DESC LIMIT 1`,
      [name],
    );
    assertNotDeleted(name, latest);
    const reuse = async (h: string): Promise<ImportOut | null> => {
      const existing = await db.all(`${VERSION_SELECT} WHERE d.name = ? AND v.hash = ?`, [name, h]);
      if (!existing[0]) return null;
      const version = versionFromRow(existing[0]);
      return {
        dataset: name,
        version: toPublic(version),
        reused: true,
        durationMs: Date.now() - args.started,
        ...(args.profile ? { profile: await profileVersion(version) } : {}),
      };
    };
    // The new version's profile, started once its Parquet file is written: it runs while the import
    // counts, checks and publishes the file, and is awaited before the file is moved.
    let profiling: Promise<{ result: ProfileResult; ms: number }> | undefined;
    let hash = typeof args.hash === 'string' ? args.hash : null;
    if (hash) {
      const reused = await reuse(hash);
      if (reused) return reused;
    }
    // The columns checked as the file reads before it is converted: a file refused is not read whole
    // first. The version's own columns are checked again below.
    if (args.checkColumns) {
      const early = await engine.describe(`SELECT * FROM ${args.select}`);
      args.checkColumns(early.map((c) => columnInfo(c.name, c.type)));
    }
    const tmp = join(paths.tmp, `import-${randomBytes(8).toString('hex')}.parquet`);
    try {
      if (!hash || !claimStored(storedPath(hash))) {
        throwIfCancelled(args.op);
        progress(name, 0.2, 'converting to Parquet');
        const copyStarted = Date.now();
        const statement = engine.runLong(
          `COPY (SELECT * FROM ${args.select}) TO ${literal(tmp)} (FORMAT parquet, COMPRESSION zstd)`,
          (f) => {
            const elapsed = Date.now() - copyStarted;
            progress(
              name,
              0.2 + 0.6 * f,
              'converting to Parquet',
              f > 0 ? (elapsed * (1 - f)) / f : undefined,
            );
          },
        );
        args.op.statement = statement;
        if (args.op.cancelled) statement.cancel();
        const [scanned, copied] = await Promise.allSettled([
          Promise.resolve(args.hash),
          statement.done,
        ]);
        if (scanned.status === 'rejected') {
          // Wait for the interrupted conversion to let go of its file before it is removed.
          statement.cancel();
          await statement.done.catch(() => undefined);
          throw scanned.reason;
        }
        if (copied.status === 'rejected') {
          throwIfCancelled(args.op);
          throw copied.reason;
        }
        if (!hash) {
          hash = scanned.value;
          const reused = await reuse(hash);
          if (reused) return reused;
        }
      }
      throwIfCancelled(args.op);
      const dest = storedPath(hash);
      const stored = claimStored(dest) ? dest : tmp;
      progress(name, 0.8, 'reading schema');
      const described = await engine.describe(`SELECT * FROM read_parquet(${literal(stored)})`);
      checkHeader(
        args.displayName,
        described.map((c) => c.name),
      );
      const columns = described.map((c) => columnInfo(c.name, c.type));
      if (args.profile) {
        const profileStarted = Date.now();
        profiling = profileParquet(engine, stored, columns).then((result) => ({
          result,
          ms: Date.now() - profileStarted,
        }));
        // Awaited below or in `finally`; until then a failure must not count as unhandled.
        profiling.catch(() => undefined);
      }
      if (latest && args.schema && !args.schema.allow) {
        const previous = versionFromRow(latest);
        const change = schemaChange(name, previous.version, previous.columns, columns);
        if (change) throw schemaChangeError(change);
      }
      args.checkColumns?.(columns);
      const [countRow] = await engine.all(
        `SELECT count(*) AS n FROM read_parquet(${literal(stored)})`,
      );
      const rows = Number(countRow?.n ?? 0);
      if (rows === 0) {
        throw new LatheError('EMPTY_FILE', `${args.displayName} has no data rows`, {
          file: args.source,
        });
      }
      const profiled = await profiling;
      throwIfCancelled(args.op);
      if (!claimStored(dest)) {
        // Rename is atomic: the database only ever points at a complete file. The file's bytes reach
        // the disk before the rename publishes it, and the rename before the row that names it.
        fsyncPath(tmp);
        renameSync(tmp, dest);
        fsyncPath(paths.datasets, true);
      }
      const sizeBytes = statSync(dest).size;
      const id = newId();
      await db.tx(async (sql) => {
        const projectId = await projects.ensure(sql, args.project);
        let dataset = await sql.one<{ id: string }>('SELECT id FROM datasets WHERE name = ?', [
          name,
        ]);
        if (!dataset) {
          dataset = { id: newId() };
          await sql.run(
            'INSERT INTO datasets (id, project_id, name, created_at) VALUES (?, ?, ?, now())',
            [dataset.id, projectId, name],
          );
        }
        const next = await sql.one<{ n: number }>(
          'SELECT coalesce(max(version), 0) + 1 AS n FROM dataset_versions WHERE dataset_id = ?',
          [dataset.id],
        );
        await sql.run(
          `INSERT INTO dataset_versions (id, dataset_id, version, hash, row_count, columns, format, source,
             storage_path, size_bytes, parents, transform, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())`,
          [
            id,
            dataset.id,
            Number(next?.n ?? 1),
            hash,
            rows,
            JSON.stringify(columns),
            args.format,
            args.source,
            toStoredPath(paths.dir, dest),
            sizeBytes,
            args.parents?.length ? JSON.stringify(args.parents) : null,
            args.transform === undefined ? null : JSON.stringify(args.transform),
          ],
        );
      });
      progress(name, 1, 'done');
      const [row] = await db.all(`${VERSION_SELECT} WHERE v.id = ?`, [id]);
      const version = versionFromRow(row!);
      return {
        dataset: name,
        version: toPublic(version),
        reused: false,
        durationMs: Date.now() - args.started,
        ...(profiled ? { profile: await storeProfile(version, profiled.result, profiled.ms) } : {}),
      };
    } finally {
      // A failed import's profile may still be reading the temporary file.
      await profiling?.catch(() => undefined);
      rmSync(tmp, { force: true });
    }
  }

  /** Imports a local file; `source` (a URL) replaces the path in the record when the file was downloaded. */
  async function importLocalFile(
    op: ImportOp,
    input: {
      path: string;
      name: string;
      project: string;
      format?: FileFormat;
      source?: string;
      allowSchemaChange?: boolean;
      profile?: boolean;
      checkColumns?: (columns: ColumnInfo[]) => void;
    },
  ): Promise<ImportOut> {
    const started = Date.now();
    const file = resolve(input.path);
    const { name, project, format } = input;
    if (!existsSync(file)) {
      throw new LatheError('FILE_NOT_FOUND', `file not found: ${file}`, { file });
    }
    const stat = statSync(file);
    if (!stat.isFile()) throw new LatheError('INVALID_INPUT', `${file} is not a file`, { file });
    if (stat.size === 0) throw new LatheError('EMPTY_FILE', `${file} is empty (0 bytes)`, { file });
    const fmt = format ?? detectFormat(file);
    let hash: string | Promise<string>;
    let delimiter: string | undefined;
    let shape: Promise<CsvShape> | undefined;
    if (fmt === 'csv' || fmt === 'tsv') {
      progress(name, 0.1, 'checking structure');
      delimiter = sniffDelimiter(file, fmt === 'tsv' ? '\t' : undefined);
      // One read of the file both checks its structure and hashes it, while DuckDB converts it.
      const hasher = createHash('sha256');
      shape = scanCsv(file, delimiter, (bytes) => {
        throwIfCancelled(op);
        hasher.update(bytes);
      }).then((scanned) => {
        if (scanned.records === 0) {
          throw new LatheError('EMPTY_FILE', `${file} has a header but no data rows`, { file });
        }
        return scanned;
      });
      hash = shape.then(() => hasher.digest('hex'));
      // Settled inside record(); this keeps an early scan error from counting as unhandled meanwhile.
      hash.catch(() => undefined);
      shape.catch(() => undefined);
    } else {
      progress(name, 0.1, 'hashing');
      hash = await sha256File(file);
    }
    const attempt = (csv: CsvReadOptions) =>
      record({
        name,
        project,
        hash,
        format: fmt,
        source: input.source ?? file,
        select: readerSql(file, fmt, delimiter, csv),
        displayName: file,
        started,
        op,
        schema: { allow: input.allowSchemaChange === true },
        profile: input.profile,
        checkColumns: input.checkColumns,
      });
    try {
      return await attempt({});
    } catch (err) {
      if (fmt === 'ndjson' && !(err instanceof LatheError)) {
        const bad = await firstBadNdjsonLine(file);
        if (bad)
          throw new LatheError(
            'CORRUPT_FILE',
            `${basename(file)} line ${bad.line}: not a JSON value (${bad.reason})`,
            { file, format: fmt, line: bad.line },
          );
      }
      if ((fmt === 'json' || fmt === 'ndjson') && /expected records/i.test(String(err))) {
        const where = await nonRecordAt(file, fmt);
        throw new LatheError(
          'UNSUPPORTED_FILE',
          `${basename(file)}: ${fmt === 'json' ? 'a JSON dataset is an array of objects (one per row)' : 'an NDJSON dataset has one object per line'}${where ? `, but ${where}` : ', but this file holds other values'}`,
          { file, format: fmt },
        );
      }
      if (err instanceof LatheError || !shape) throw fileError(file, fmt, err);
      // The first read uses DuckDB's defaults, which fit nearly every file. When it fails, read again with
      // what the structure scan (which has passed) learned: the encoding, mixed line ends, a record longer
      // than DuckDB's line limit; and with every row sampled when a value later on did not fit the type
      // sniffed from a sample (a 'x' in a number column).
      const scanned = await shape;
      const retry: CsvReadOptions = {
        fullSample: /could not convert|conversion error/i.test((err as Error).message),
        latin1: !scanned.utf8,
        lenient: scanned.mixedLineEndings,
        maxLineSize:
          scanned.longestRecordBytes >= DUCKDB_MAX_LINE
            ? scanned.longestRecordBytes + 1024
            : undefined,
      };
      if (!Object.values(retry).some(Boolean)) throw fileError(file, fmt, err);
      try {
        return await attempt(retry);
      } catch (again) {
        if (
          again instanceof LatheError ||
          retry.fullSample ||
          !/could not convert|conversion error/i.test((again as Error).message)
        )
          throw fileError(file, fmt, again);
        try {
          return await attempt({ ...retry, fullSample: true });
        } catch (last) {
          throw fileError(file, fmt, last);
        }
      }
    }
  }

  /**
   * The dataset now called what `name` was, when no dataset is called `name`: runs keep the config they
   * were trained with (config.dataset the name of then), so a clone or resume of a run on a renamed
   * dataset finds it through the version the run was trained on. INVALID_INPUT when runs name different
   * datasets by it.
   */
  async function formerName(name: string): Promise<string | null> {
    const now = await db.all<{ name: string }>(
      `SELECT DISTINCT d.name FROM runs r JOIN dataset_versions v ON r.dataset_version_id = v.id
       JOIN datasets d ON v.dataset_id = d.id
       WHERE split_part(json_extract_string(r.config, '$.dataset'), '@', 1) = ? AND d.name <> ?
       ORDER BY d.name`,
      [name, name],
    );
    if (now.length > 1)
      throw new LatheError(
        'INVALID_INPUT',
        `no dataset is named '${name}' now, and runs trained on datasets since renamed from it: ${now.map((r) => String(r.name)).join(', ')}; name one of those`,
        { name, datasets: now.map((r) => String(r.name)) },
      );
    return now[0] ? String(now[0].name) : null;
  }

  async function resolveRef(ref: string, includeDeleted = false): Promise<ResolvedVersion> {
    const [name, selector] = ref.split('@') as [string, string | undefined];
    const rows = await db.all(`${VERSION_SELECT} WHERE d.name = ? ORDER BY v.version DESC`, [name]);
    if (!includeDeleted) assertNotDeleted(name, rows[0]);
    if (!rows.length) {
      const renamed = await formerName(name);
      if (renamed)
        return resolveRef(
          selector === undefined ? renamed : `${renamed}@${selector}`,
          includeDeleted,
        );
      const names = (
        await db.all<{ name: string }>(
          'SELECT name FROM datasets WHERE deleted_at IS NULL ORDER BY name',
        )
      ).map((r) => r.name);
      throw new LatheError(
        'NOT_FOUND',
        `no dataset named '${name}'${names.length ? ` (datasets: ${names.slice(0, 20).join(', ')})` : ' (the workspace has no datasets yet)'}`,
        { ref },
      );
    }
    const versions = rows.map(versionFromRow);
    if (!selector) return versions[0]!;
    const match = /^\d+$/.test(selector)
      ? versions.find((v) => v.version === Number(selector))
      : versions.find((v) => v.hash.startsWith(selector.toLowerCase()));
    if (!match) {
      throw new LatheError(
        'NOT_FOUND',
        `dataset '${name}' has no version '${selector}' (versions: ${versions.map((v) => v.version).join(', ')})`,
        { ref },
      );
    }
    return match;
  }

  const importAny: DataService['importFile'] = ({ path, name, ...options }) =>
    withImport(name, async (op) => {
      if (!isUrl(path)) return importLocalFile(op, { path, name, ...options });
      // A URL is downloaded to the workspace's tmp folder, imported as a file, and recorded by its URL.
      const controller = new AbortController();
      op.abort = () => controller.abort();
      progress(name, 0.05, 'downloading');
      const download = await downloadToFile(path, paths.tmp, controller.signal, (bytes, total) =>
        progress(name, total ? 0.05 + 0.05 * (bytes / total) : 0.05, 'downloading'),
      ).catch((err: unknown) => {
        throwIfCancelled(op);
        throw err;
      });
      try {
        throwIfCancelled(op);
        return await importLocalFile(op, {
          path: download.file,
          name,
          ...options,
          // Recorded without credentials: re-importing needs them given again.
          source: redactUrl(path),
        });
      } catch (err) {
        throw download.rename(err);
      } finally {
        download.remove();
      }
    });

  return {
    importFile: async (input) => {
      if (isUrl(input.path)) return importAny(input);
      const file = resolve(input.path);
      try {
        return await importAny({ ...input, path: file });
      } finally {
        // Files uploaded through the browser UI are staged in the workspace: drop them once imported.
        if (isInside(paths.uploads, file)) rmSync(file, { force: true });
      }
    },

    importQuery: ({ sql, name, project, allowSchemaChange }) =>
      withImport(name, async (op) => {
        const started = Date.now();
        // One SELECT, checked by DuckDB's parser before any of it runs: the text is then wrapped in
        // DESCRIBE, COPY and the hash below, where a query ending its statement and starting another
        // (`SELECT 1); ATTACH …; SELECT (1`) would otherwise run the others. The line break keeps a
        // trailing `-- comment` from swallowing the closing parenthesis.
        const trimmed = sql.trim().replace(/;+\s*$/, '');
        const inner = `${trimmed}\n`;
        let described: { name: string; type: string }[];
        try {
          await engine.checkSelect(inner);
          described = await engine.describe(`(${inner})`);
        } catch (err) {
          throw queryError(err, 'the query', { sql: redactUrlsIn(sql) }, redactUrlsIn);
        }
        // The content of a query is its text and the hash of every file it reads is unknown: hash the result.
        const [h] = await engine
          .all(
            `SELECT count(*) AS n, coalesce(bit_xor(hash(COLUMNS(*))), 0)::VARCHAR AS h FROM (${inner})`,
          )
          .catch(async () => engine.all(`SELECT count(*) AS n, '0' AS h FROM (${inner})`));
        const hash = sha256Bytes(
          Buffer.from(
            JSON.stringify({
              sql: trimmed,
              columns: described,
              rows: String(h?.n),
              h: String(h?.h),
            }),
          ),
        );
        return record({
          name,
          project,
          hash,
          format: 'sql',
          // Recorded without URL credentials (the result is materialized; the query is not run again).
          source: redactUrlsIn(trimmed),
          select: `(${inner})`,
          displayName: `query for '${name}'`,
          started,
          op,
          schema: { allow: allowSchemaChange === true },
        });
      }),

    transform: ({ name, from, steps, project }) =>
      withImport(name, async (op) => {
        const started = Date.now();
        const parents: ResolvedVersion[] = [];
        for (const [i, ref] of from.entries()) {
          const v = await resolveRef(ref).catch((err: unknown) => {
            if (err instanceof LatheError)
              throw new LatheError(err.code, `from[${i}]: ${err.message}`, err.details);
            throw err;
          });
          if (parents.some((p) => p.id === v.id))
            throw new LatheError('INVALID_INPUT', `from[${i}]: ${ref} is already a parent`, {
              ref,
            });
          parents.push(v);
        }
        const plan = await planTransform((sql) => engine.describe(sql), parents, steps);
        const transform = { from: parents.map((p) => `${p.dataset}@${p.version}`), steps };
        try {
          return await record({
            name,
            project,
            hash: transformHash(parents, steps),
            format: 'transform',
            source: transformSource(parents, steps),
            select: plan.select,
            displayName: `the transform into '${name}'`,
            started,
            op,
            parents: parents.map(toParent),
            transform,
          });
        } catch (err) {
          throw await explainTransformError((sql) => engine.all(sql), plan, steps, err);
        }
      }),

    deriveVersion: ({ name, project, select, hash, parents, transform, source }) =>
      withImport(name, (op) =>
        record({
          name,
          project,
          hash,
          format: 'transform',
          source,
          select,
          displayName: `the new version of '${name}'`,
          started: Date.now(),
          op,
          parents: parents.map(toParent),
          transform,
        }),
      ),

    cancelImport(name) {
      const op = running.get(name);
      if (!op) return false;
      op.cancelled = true;
      op.statement?.cancel();
      op.abort?.();
      return true;
    },

    async list(project, deleted = false) {
      const where = `d.deleted_at IS ${deleted ? 'NOT NULL' : 'NULL'} ${project ? 'AND d.project_id IN (SELECT id FROM projects WHERE name = ?)' : ''}`;
      const params = project ? [project] : [];
      const rows = await db.all(
        `SELECT d.id, d.name, d.created_at, d.deleted_at, p.name AS project,
           (SELECT count(*) FROM dataset_versions v WHERE v.dataset_id = d.id) AS versions
         FROM datasets d JOIN projects p ON d.project_id = p.id
         WHERE ${where}
         ORDER BY d.name`,
        params,
      );
      // Every listed dataset's latest version in one query, not a query of all its versions each.
      const latest = new Map(
        (
          await db.all(
            `${VERSION_SELECT} WHERE ${where}
             QUALIFY row_number() OVER (PARTITION BY v.dataset_id ORDER BY v.version DESC) = 1`,
            params,
          )
        ).map((r) => [String(r.dataset_id), versionFromRow(r)]),
      );
      return Promise.all(
        rows.map(async (r) => ({
          id: String(r.id),
          name: String(r.name),
          project: String(r.project),
          createdAt: iso(r.created_at),
          versionCount: Number(r.versions),
          // A dataset with no version answers as resolving its name does.
          latest: toPublic(latest.get(String(r.id)) ?? (await resolveRef(String(r.name), true))),
          deletedAt: r.deleted_at === null || r.deleted_at === undefined ? null : iso(r.deleted_at),
        })),
      );
    },

    async versions(name) {
      await resolveRef(name);
      const rows = await db.all(`${VERSION_SELECT} WHERE d.name = ? ORDER BY v.version DESC`, [
        name,
      ]);
      return rows.map((r) => toPublic(versionFromRow(r)));
    },

    resolve: (ref) => resolveRef(ref),

    profile: async (ref) => profileVersion(await resolveRef(ref)),

    async preview(ref, offset, limit) {
      const v = await resolveRef(ref);
      const cols = v.columns.map((c) => ident(c.name)).join(', ');
      const rows = await engine.all(
        `SELECT ${cols} FROM read_parquet(${literal(v.storagePath)}, file_row_number = true)
         WHERE file_row_number >= ${sqlInteger(offset)} AND file_row_number < ${sqlInteger(offset + limit)} ORDER BY file_row_number`,
      );
      return {
        columns: v.columns,
        rows: rows.map((r) => v.columns.map((c) => toPlain(r[c.name]))),
        offset,
        total: v.rows,
      };
    },
  };
}
