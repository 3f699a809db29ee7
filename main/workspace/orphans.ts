import { readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Database } from './db';
import { fromStoredPath, toStoredPath, workspacePaths } from './paths';

/** A dataset file no dataset version names, or a capture file no capture_files row names. */
export interface OrphanFile {
  /** Relative to the workspace folder, with `/`. */
  path: string;
  sizeBytes: number;
  mtimeMs: number;
}

/** The files of the workspace's Parquet folders that rows name, resolved. */
async function namedFiles(dir: string, db: Database): Promise<Set<string>> {
  const rows = await db.all<{ path: string }>(
    'SELECT storage_path AS path FROM dataset_versions UNION ALL SELECT path FROM capture_files',
  );
  return new Set(rows.map((r) => resolve(fromStoredPath(dir, String(r.path)))));
}

/**
 * Imports write `tmp/import-<random>.parquet`, rename it to `datasets/<hash>.parquet`, then commit the
 * row naming it; batch jobs likewise rename their capture file into `captures/` before committing its
 * capture_files row. A process killed between the rename and the commit leaves a whole file no row names
 * (its scratch files in tmp/ are cleared when the workspace is next opened). Lists those; reads only.
 */
export async function findOrphanFiles(dir: string, db: Database): Promise<OrphanFile[]> {
  const paths = workspacePaths(dir);
  const named = await namedFiles(dir, db);
  const found: OrphanFile[] = [];
  for (const folder of [paths.datasets, paths.captures]) {
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      const file = join(folder, name);
      if (!name.endsWith('.parquet') || named.has(resolve(file))) continue;
      try {
        const st = statSync(file);
        if (st.isFile())
          found.push({ path: toStoredPath(dir, file), sizeBytes: st.size, mtimeMs: st.mtimeMs });
      } catch {
        // Removed meanwhile.
      }
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
  const named = await namedFiles(dir, db);
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

/**
 * Removes the folders of packages/ (the serving packages kept per NAME@VERSION, packaged-model.ts) whose
 * version no longer exists: one deleted through MLflow's registry API, with its model or alone. A package
 * is a cache, written again when asked for, so one in use by a server in this process goes on serving
 * from the files it loaded. Returns the folders removed (relative to the workspace) with their sizes.
 */
export async function removeStalePackages(dir: string, db: Database): Promise<OrphanFile[]> {
  const folder = workspacePaths(dir).packages;
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  const rows = await db.all<{ model: string; version: number }>(
    'SELECT m.name AS model, mv.version FROM model_versions mv JOIN models m ON m.id = mv.model_id',
  );
  const live = new Set(rows.map((r) => `${String(r.model)}@${Number(r.version)}`));
  const removed: OrphanFile[] = [];
  for (const name of names.sort()) {
    if (live.has(name)) continue;
    const path = join(folder, name);
    let sizeBytes = 0;
    let mtimeMs = 0;
    try {
      for (const f of readdirSync(path, { withFileTypes: true })) {
        if (!f.isFile()) continue;
        const st = statSync(join(path, f.name));
        sizeBytes += st.size;
        mtimeMs = Math.max(mtimeMs, st.mtimeMs);
      }
    } catch {
      continue;
    }
    rmSync(path, { recursive: true, force: true });
    removed.push({ path: toStoredPath(dir, path), sizeBytes, mtimeMs });
  }
  return removed;
}
