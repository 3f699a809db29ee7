import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LatheError } from '../../shared/contract';
import { acquireLock, type HeldLock } from './lock';
import { createArtifactStore, type ArtifactStore } from './artifacts';
import { openDatabase, type Database } from './db';
import { migrate } from './migrations';
import { workspacePaths, type WorkspacePaths } from './paths';
import { takePreopened } from './preopen';
import { makeDirs, makeUserDirs } from './make-dirs';

/** An open workspace: the database, the artifact store and the single-writer lock. */
export interface Workspace {
  readonly paths: WorkspacePaths;
  readonly db: Database;
  readonly artifacts: ArtifactStore;
  readonly lock: HeldLock;
  close(): void;
}

/**
 * DuckDB's own lock on the database file, held by a process that opened it without the workspace lock
 * (the duckdb shell, another tool): WORKSPACE_LOCKED naming that pid, not DuckDB's text.
 */
function databaseLocked(err: unknown, dir: string): LatheError | null {
  const message = err instanceof Error ? err.message : String(err);
  if (!/Could not set lock|Conflicting lock/i.test(message)) return null;
  const pid = /\(PID (\d+)\)/.exec(message)?.[1];
  return new LatheError(
    'WORKSPACE_LOCKED',
    `workspace ${dir} is in use: its database is open in ${pid ? `process ${pid}` : 'another process'}; close it or wait for it to finish`,
    pid ? { pid: Number(pid) } : {},
  );
}

/**
 * Opens (creating if needed) a workspace folder as its single writer and applies migrations.
 * Throws WORKSPACE_LOCKED naming the owner's pid when another live process holds it.
 */
export async function openWorkspace(dir: string): Promise<Workspace> {
  const paths = workspacePaths(dir);
  makeUserDirs(dir, 'the workspace', { field: 'workspace' });
  // Opened ahead by the CLI's front (preopen.ts): its lock and database are taken over.
  const preopened = takePreopened(dir);
  const lock = preopened?.lock ?? acquireLock(paths.lock, dir);
  let db: Database | undefined;
  try {
    for (const d of [paths.datasets, paths.artifacts, paths.tmp, paths.uploads, paths.captures])
      makeDirs(d);
    // Leftovers of a crashed write are never referenced by the database: clear them.
    for (const f of readdirSync(paths.tmp))
      rmSync(join(paths.tmp, f), { recursive: true, force: true });
    db = await openDatabase(paths.database, { opening: preopened?.database });
    await migrate(db);
  } catch (err) {
    db?.close();
    lock.release();
    if (err instanceof LatheError) throw err;
    throw (
      databaseLocked(err, dir) ??
      new LatheError('INTERNAL', `cannot open workspace ${dir}: ${(err as Error).message}`)
    );
  }
  const onExit = () => lock.release();
  process.once('exit', onExit);
  let closed = false;
  const database = db;
  return {
    paths,
    db: database,
    artifacts: createArtifactStore(paths.artifacts, paths.tmp),
    lock,
    close() {
      if (closed) return;
      closed = true;
      // The lock goes when the file is closed, not before: another process must not open it while
      // statements still queued here finish.
      database.close(() => {
        lock.release();
        process.removeListener('exit', onExit);
      });
    },
  };
}
