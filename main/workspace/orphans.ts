import { readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Database } from './db';
import { fromStoredPath, toStoredPath, workspacePaths } from './paths';

/** A dataset file no dataset version names. */
export interface OrphanFile {
  /** Relative to the workspace folder, with `/`. */
  path: string;
  sizeBytes: number;
  mtimeMs: number;
}

/**
 * Imports write `tmp/import-<random>.parquet`, rename it to `datasets/<hash>.parquet`, then commit the
 * row naming it. A process killed between the rename and the commit leaves a whole file no row names
 * (its scratch files in tmp/ are cleared when the workspace is next opened). Lists those; reads only.
 */
export async function findOrphanFiles(dir: string, db: Database): Promise<OrphanFile[]> {
  const paths = workspacePaths(dir);
  const rows = await db.all<{ storage_path: string }>('SELECT storage_path FROM dataset_versions');
  const named = new Set(rows.map((r) => resolve(fromStoredPath(dir, String(r.storage_path)))));
  const found: OrphanFile[] = [];
  let names: string[];
  try {
    names = readdirSync(paths.datasets);
  } catch {
    return found;
  }
  for (const name of names.sort()) {
    const file = join(paths.datasets, name);
    if (!name.endsWith('.parquet') || named.has(resolve(file))) continue;
    try {
      const st = statSync(file);
      if (st.isFile())
        found.push({ path: toStoredPath(dir, file), sizeBytes: st.size, mtimeMs: st.mtimeMs });
    } catch {
      // Removed meanwhile.
    }
  }
  return found;
}

/**
 * How old a file must be to count as left by a process that is gone: written before this process took
 * the workspace lock (only the lock's holder writes the workspace), less a margin for file systems whose
 * modification times are coarse. A file written or claimed since (an import in progress here) is kept.
 */
export const ORPHAN_MARGIN_MS = 5_000;

/**
 * Removes the orphan files written before `ownedSinceMs` (when this process took the workspace lock).
 * Synchronous from the listing's re-check on, so an import in this process cannot claim a file between
 * the check and its removal. Returns what it removed.
 */
export async function removeOrphanFiles(
  dir: string,
  db: Database,
  ownedSinceMs: number,
): Promise<OrphanFile[]> {
  const before = ownedSinceMs - ORPHAN_MARGIN_MS;
  const candidates = await findOrphanFiles(dir, db);
  // Re-read after the await: a row committed or a file claimed meanwhile keeps its file.
  const named = new Set(
    (await db.all<{ storage_path: string }>('SELECT storage_path FROM dataset_versions')).map((r) =>
      resolve(fromStoredPath(dir, String(r.storage_path))),
    ),
  );
  const removed: OrphanFile[] = [];
  for (const c of candidates) {
    const file = fromStoredPath(dir, c.path);
    if (named.has(resolve(file))) continue;
    let mtimeMs: number;
    try {
      mtimeMs = statSync(file).mtimeMs;
    } catch {
      continue;
    }
    if (!(mtimeMs < before)) continue;
    rmSync(file, { force: true });
    removed.push({ ...c, mtimeMs });
  }
  return removed;
}
