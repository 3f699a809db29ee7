import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { openDatabase, type Sql } from '../../main/workspace/db';
import { workspacePaths } from '../../main/workspace/paths';

/**
 * Everything a workspace holds, in a form two snapshots can be compared byte for byte: every table's
 * full contents (rows serialized and sorted, so row order inside DuckDB does not matter), the schema
 * (tables, views, indexes), and every file under the folder with its size and sha256.
 */
export interface WorkspaceSnapshot {
  /** `CREATE` statements of every table, view and index, sorted. */
  schema: string[];
  /** Table name -> its rows, each serialized with sorted keys, sorted. */
  tables: Record<string, string[]>;
  /** Path relative to the workspace folder (with `/`) -> `<size> <sha256>`. */
  files: Record<string, string>;
}

/**
 * Files that legitimately change every time a workspace is opened, left out of the file list:
 * - `lathe.lock`: rewritten with the opener's pid and start time;
 * - `lathe.duckdb` and its `.wal`: DuckDB rewrites blocks and checkpoints on open and close, so the bytes
 *   differ even when nothing changed; the database is compared by contents (schema + every row) instead.
 * Everything else counts, including `tmp/` and `uploads/`: a failed command that leaves a file behind
 * has changed the workspace.
 */
export const VOLATILE_FILES = ['lathe.lock', 'lathe.duckdb', 'lathe.duckdb.wal'];

/** A database value in a stable text form (bigints exact, dates as ISO, bytes as hex, NaN kept). */
function stable(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return `${value.toString()}n`;
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
    if (Object.is(value, -0)) return '-0';
    return value;
  }
  if (value instanceof Date) return `date:${value.toISOString()}`;
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString('hex')}`;
  if (Array.isArray(value)) return value.map(stable);
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(obj)
        .sort()
        .map((k) => [k, stable(obj[k])]),
    );
  }
  return value;
}

/** The schema and every row of every table, through `sql` (the owner's connection or a read-only one). */
export async function snapshotDatabase(
  sql: Sql,
): Promise<Pick<WorkspaceSnapshot, 'schema' | 'tables'>> {
  const objects = await sql.all<{ kind: string; name: string; sql: string | null }>(
    `SELECT 'table' AS kind, table_name AS name, sql FROM duckdb_tables() WHERE NOT internal
     UNION ALL SELECT 'view', view_name, sql FROM duckdb_views() WHERE NOT internal
     UNION ALL SELECT 'index', index_name, sql FROM duckdb_indexes()`,
  );
  const schema = objects.map((o) => `${o.kind} ${o.name}: ${o.sql ?? ''}`).sort();
  const tables: Record<string, string[]> = {};
  const names = objects
    .filter((o) => o.kind === 'table')
    .map((o) => o.name)
    .sort();
  for (const name of names) {
    const rows = await sql.all(`SELECT * FROM "${name.replace(/"/g, '""')}"`);
    tables[name] = rows.map((r) => JSON.stringify(stable(r))).sort();
  }
  return { schema, tables };
}

/** Every file under `dir` but the volatile ones, with its size and sha256. */
export function snapshotFiles(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = join(folder, entry.name);
      const rel = relative(dir, full).split(sep).join('/');
      if (entry.isDirectory()) {
        files[`${rel}/`] = 'dir';
        walk(full);
      } else if (!VOLATILE_FILES.includes(rel)) {
        const bytes = readFileSync(full);
        files[rel] = `${bytes.byteLength} ${createHash('sha256').update(bytes).digest('hex')}`;
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * A snapshot of the workspace in `dir`. Pass `sql` when a process (the test's own services, or a host)
 * holds the workspace open: its connection sees the committed state. Without it the database is opened
 * read-only, which needs the workspace closed.
 */
export async function snapshotWorkspace(dir: string, sql?: Sql): Promise<WorkspaceSnapshot> {
  let database: Pick<WorkspaceSnapshot, 'schema' | 'tables'>;
  if (sql) {
    database = await snapshotDatabase(sql);
  } else {
    const db = await openDatabase(workspacePaths(dir).database, { readOnly: true });
    try {
      database = await snapshotDatabase(db);
    } finally {
      db.close();
    }
  }
  return { ...database, files: snapshotFiles(dir) };
}

/**
 * The differences between two snapshots as readable lines (empty when equal): a table whose rows
 * changed names the rows added and removed; a file names its old and new size and hash.
 */
export function diffSnapshots(before: WorkspaceSnapshot, after: WorkspaceSnapshot): string[] {
  const out: string[] = [];
  const schemaBefore = new Set(before.schema);
  const schemaAfter = new Set(after.schema);
  for (const s of before.schema) if (!schemaAfter.has(s)) out.push(`schema removed: ${s}`);
  for (const s of after.schema) if (!schemaBefore.has(s)) out.push(`schema added: ${s}`);
  const tableNames = new Set([...Object.keys(before.tables), ...Object.keys(after.tables)]);
  for (const t of [...tableNames].sort()) {
    const a = before.tables[t] ?? [];
    const b = after.tables[t] ?? [];
    if (a.length === b.length && a.every((row, i) => row === b[i])) continue;
    const left = new Map<string, number>();
    for (const row of a) left.set(row, (left.get(row) ?? 0) + 1);
    const added: string[] = [];
    for (const row of b) {
      const n = left.get(row) ?? 0;
      if (n > 0) left.set(row, n - 1);
      else added.push(row);
    }
    const removed = [...left].flatMap(([row, n]) => Array<string>(n).fill(row));
    const clip = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}…` : s);
    for (const r of removed.slice(0, 5)) out.push(`table ${t} row removed: ${clip(r)}`);
    for (const r of added.slice(0, 5)) out.push(`table ${t} row added: ${clip(r)}`);
    if (removed.length + added.length > 10)
      out.push(`table ${t}: ${removed.length} rows removed, ${added.length} added in all`);
  }
  const paths = new Set([...Object.keys(before.files), ...Object.keys(after.files)]);
  for (const p of [...paths].sort()) {
    const a = before.files[p];
    const b = after.files[p];
    if (a === b) continue;
    out.push(`file ${p}: ${a ?? '(absent)'} -> ${b ?? '(absent)'}`);
  }
  return out;
}
