// Deleting and purging runs as the registry allows it: a run that backs a registered model version stays.
// Lives in registry/ because tracking, which owns runs, sits to the registry's left.
import { LatheError, type GcOut } from '../../shared/contract';
import { collectGarbage } from '../tracking/gc';
import { resolveRunIds } from '../tracking/run-ids';
import type { TrackingStore } from '../tracking/tracking-store';
import type { ArtifactStore } from '../workspace/artifacts';
import type { Database } from '../workspace/db';
import type { RegistryStore } from './registry-store';

export interface RunGuard {
  /**
   * Soft-deletes runs by id or unique prefix; returns how many were not deleted before. INVALID_INPUT
   * naming the versions when one of them backs a registered model version.
   */
  softDelete(ids: string[]): Promise<number>;
  /** workspace:gc; refuses while a soft-deleted run backs a registered model version. */
  collectGarbage(): Promise<GcOut>;
}

export function createRunGuard(deps: {
  db: Database;
  artifacts: ArtifactStore;
  tracking: TrackingStore;
  registry: Pick<RegistryStore, 'versionsOfRuns' | 'assertNoDeletedRegisteredRuns'>;
  /** The workspace folder and when this process took its lock (gc keeps files written since). */
  workspace: { dir: string; ownedSinceMs: number };
}): RunGuard {
  const { db, artifacts, tracking, registry, workspace } = deps;
  return {
    async softDelete(ids) {
      const backing = await registry.versionsOfRuns(await resolveRunIds(db, ids));
      if (backing.length)
        throw new LatheError(
          'INVALID_INPUT',
          `cannot delete a run that backs a registered model version: ${backing.join(', ')}`,
          { versions: backing },
        );
      return tracking.softDelete(ids);
    },

    async collectGarbage() {
      await registry.assertNoDeletedRegisteredRuns();
      return collectGarbage({ db, artifacts, tracking, workspace });
    },
  };
}
