// A workspace opened ahead of the code that uses it. The CLI's front knows a command's workspace before it
// loads the commands' runtime (tens of milliseconds of JS on the main thread), and creating a DuckDB
// instance takes as long again on DuckDB's own threads: started first, the two overlap. The front takes the
// workspace's lock (never a database without it), starts DuckDB on the database file, and leaves both
// here; openWorkspace (workspace.ts) takes them over instead of opening the same files again. The front and
// the runtime are separate bundles, so the handle is kept under a global symbol, not in a module variable.
// Nothing ever creates a workspace here: a folder without a database is left to the command.
import { existsSync } from 'node:fs';
import type { Database as NativeDatabase } from '@duckdb/node-bindings';
import { tryAcquireLock, type HeldLock } from './lock-file';
import { workspacePaths } from './paths';

export interface Preopened {
  dir: string;
  lock: HeldLock;
  /**
   * The database file being opened, by DuckDB's native binding (openDatabase wraps it in a DuckDBInstance):
   * the binding alone loads in a moment, where @duckdb/node-api's modules (bundled into the commands'
   * runtime) would load a second time here.
   */
  database: Promise<NativeDatabase>;
}

type Binding = typeof import('@duckdb/node-bindings');

/** DuckDB's native binding, loaded when first wanted (`lathe --help` never loads it). */
function binding(): Binding {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@duckdb/node-bindings') as Binding;
}

const KEY = Symbol.for('lathe.preopenedWorkspace');
const slot = globalThis as Record<symbol, Preopened | undefined>;

/**
 * Takes the lock of the workspace in `dir` and starts opening its database, when it has one and no other
 * process owns it; otherwise does nothing (the command then opens it, or reaches its owner, as always). A
 * handle nobody takes over is let go by releaseUntaken. `native` gives DuckDB's binding (a test's stand-in).
 */
export function preopenWorkspace(dir: string, native: () => Binding = binding): void {
  if (slot[KEY]) return;
  const paths = workspacePaths(dir);
  if (!existsSync(paths.database)) return;
  const attempt = tryAcquireLock(paths.lock);
  if (!('held' in attempt)) return;
  const lock = attempt.held;
  let database: Promise<NativeDatabase>;
  try {
    // Loaded and started here, not in a promise's callback: the front loads the commands' runtime right
    // after this returns, synchronously, and a callback would run only after it, so the two would not
    // overlap. DuckDB opens the file on its own threads while the runtime loads.
    const duckdb = native();
    // As DuckDBInstance.create configures it.
    const config = duckdb.create_config();
    duckdb.set_config(config, 'duckdb_api', 'node-neo-api');
    database = duckdb.open(paths.database, config);
  } catch (err) {
    database = Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
  // Awaited by whoever takes it over; a failure (another program holds the file) is theirs to report.
  database.catch(() => undefined);
  slot[KEY] = { dir, lock, database };
  process.once('exit', releaseUntaken);
}

/**
 * Lets go of a workspace opened ahead that nobody took over (its command failed before opening it): the
 * lock is released and the database closed once it has opened. The CLI's front calls it when a command
 * ends; a process exit does it too.
 */
export function releaseUntaken(): void {
  const preopened = slot[KEY];
  if (!preopened) return;
  slot[KEY] = undefined;
  process.removeListener('exit', releaseUntaken);
  preopened.lock.release();
  preopened.database.then(
    (database) => binding().close_sync(database),
    () => undefined,
  );
}

/** The workspace opened ahead for `dir`, handed over once (see preopenWorkspace); undefined if none. */
export function takePreopened(dir: string): Preopened | undefined {
  const preopened = slot[KEY];
  if (preopened?.dir !== dir) return undefined;
  slot[KEY] = undefined;
  process.removeListener('exit', releaseUntaken);
  return preopened;
}
