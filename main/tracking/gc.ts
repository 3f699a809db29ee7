import type { GcOut } from '../../shared/contract';
import type { ArtifactStore } from '../workspace/artifacts';
import type { Database } from '../workspace/db';
import { removeOrphanFiles, removeStalePackages } from '../workspace/orphans';
import { iso } from '../workspace/projects';
import type { TrackingStore } from './tracking-store';

/**
 * Purges soft-deleted runs (one transaction), then removes artifact files that no remaining run, no
 * imported model version and no dataset version references. Files written since the oldest run still training started are kept: that
 * run records its artifacts only when it ends. Then removes dataset files no dataset version names
 * and capture files no batch names, which a killed import or batch job left: only those written before this process took the
 * workspace lock (`ownedSinceMs`), since only the lock's holder writes the workspace and an import in
 * progress here writes or claims its file after that (main/workspace/orphans.ts). Last, removes the serving
 * packages of model versions that no longer exist.
 */
export async function collectGarbage(deps: {
  db: Database;
  artifacts: ArtifactStore;
  tracking: TrackingStore;
  /** The workspace folder and when this process took its lock (ms since the epoch). */
  workspace: { dir: string; ownedSinceMs: number };
}): Promise<GcOut> {
  const { db, artifacts, tracking } = deps;
  const runsPurged = await tracking.purgeDeleted();
  const referenced = await tracking.referencedArtifacts();
  // Imported model versions keep their files outside any run.
  for (const r of await db.all<{ sha256: string }>('SELECT sha256 FROM model_version_files'))
    referenced.add(r.sha256);
  const storage = await db.all<{ storage_path: string }>(
    'SELECT storage_path FROM dataset_versions',
  );
  const datasetPaths = new Set(storage.map((r) => r.storage_path));
  const active = await db.one<{ started: unknown }>(
    `SELECT min(started_at) AS started FROM runs WHERE status IN ('running', 'queued')`,
  );
  const startedMs =
    active?.started !== null && active?.started !== undefined
      ? Date.parse(iso(active.started))
      : Number.POSITIVE_INFINITY;
  // A margin for clock skew; an unreadable time keeps every file.
  const keepAfterMs = Number.isNaN(startedMs) ? Number.NEGATIVE_INFINITY : startedMs - 60_000;
  let artifactsRemoved = 0;
  let bytesFreed = 0;
  for (const blob of artifacts.list()) {
    if (referenced.has(blob.sha256)) continue;
    if (datasetPaths.has(artifacts.pathOf(blob.sha256))) continue;
    if (blob.mtimeMs >= keepAfterMs) continue;
    bytesFreed += artifacts.remove(blob.sha256);
    artifactsRemoved++;
  }
  const orphans = [
    ...(await removeOrphanFiles(deps.workspace.dir, db, deps.workspace.ownedSinceMs)),
    // Serving packages of versions deleted since (a cache: nothing refers to them).
    ...(await removeStalePackages(deps.workspace.dir, db)),
  ];
  for (const o of orphans) bytesFreed += o.sizeBytes;
  const orphanFilesRemoved = orphans.map((o) => o.path);
  if (runsPurged || artifactsRemoved || orphans.length)
    console.error(
      `[Gc] purged ${runsPurged} run(s), removed ${artifactsRemoved} artifact file(s) and ${orphans.length} unreferenced dataset, capture or package file(s), freed ${bytesFreed} bytes`,
    );
  return { runsPurged, artifactsRemoved, orphanFilesRemoved, bytesFreed };
}
