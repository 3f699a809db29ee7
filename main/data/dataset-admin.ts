// Renaming, soft-deleting and restoring datasets. A dataset that runs or registered model versions were
// trained on stays: the runs table is read here (not imported) so data keeps sitting left of tracking.
import { LatheError } from '../../shared/contract';
import type { Database } from '../workspace/db';
import { some } from '../workspace/projects';

export interface DatasetAdmin {
  /** Renames a dataset; INVALID_INPUT when the new name is taken (by a deleted dataset too). */
  rename(name: string, to: string): Promise<{ name: string; previous: string }>;
  /**
   * Soft-deletes a dataset. INVALID_INPUT naming them while a run that is not deleted, or a registered
   * model version, was trained on one of its versions.
   */
  softDelete(name: string): Promise<{ name: string; changed: boolean }>;
  /** Clears a soft delete. */
  restore(name: string): Promise<{ name: string; changed: boolean }>;
}

export function createDatasetAdmin(db: Database): DatasetAdmin {
  const find = async (name: string) => {
    const row = await db.one<{ id: string; deleted_at: unknown }>(
      'SELECT id, deleted_at FROM datasets WHERE name = ?',
      [name],
    );
    if (!row) throw new LatheError('NOT_FOUND', `no dataset named '${name}'`, { name });
    return { id: String(row.id), deleted: row.deleted_at !== null && row.deleted_at !== undefined };
  };

  /** Runs (not deleted) and registered model versions trained on a version of the dataset. */
  const dependents = async (datasetId: string) => {
    const runs = await db.all<{ id: string; name: string }>(
      `SELECT r.id, r.name FROM runs r JOIN dataset_versions v ON r.dataset_version_id = v.id
       WHERE v.dataset_id = ? AND r.deleted_at IS NULL ORDER BY r.started_at`,
      [datasetId],
    );
    const versions = await db.all<{ model: string; version: number }>(
      `SELECT m.name AS model, mv.version FROM model_versions mv JOIN models m ON mv.model_id = m.id
       JOIN runs r ON mv.run_id = r.id JOIN dataset_versions v ON r.dataset_version_id = v.id
       WHERE v.dataset_id = ? ORDER BY m.name, mv.version`,
      [datasetId],
    );
    return {
      runs: runs.map((r) => `${String(r.name)} (${String(r.id).slice(0, 8)})`),
      versions: versions.map((v) => `${String(v.model)}@${Number(v.version)}`),
    };
  };

  const setDeleted = async (name: string, deleted: boolean) => {
    const d = await find(name);
    if (d.deleted === deleted) return { name, changed: false };
    if (deleted) {
      const { runs, versions } = await dependents(d.id);
      if (versions.length)
        throw new LatheError(
          'INVALID_INPUT',
          `cannot delete dataset '${name}': registered model versions were trained on it: ${some(versions)}`,
          { name, versions },
        );
      if (runs.length)
        throw new LatheError(
          'INVALID_INPUT',
          `cannot delete dataset '${name}': ${runs.length} run${runs.length === 1 ? '' : 's'} trained on it: ${some(runs)}. Delete those runs first.`,
          { name, runs },
        );
    }
    await db.run(`UPDATE datasets SET deleted_at = ${deleted ? 'now()' : 'NULL'} WHERE id = ?`, [
      d.id,
    ]);
    return { name, changed: true };
  };

  return {
    async rename(name, to) {
      const d = await find(name);
      if (to === name) return { name, previous: name };
      const taken = await db.one<{ deleted_at: unknown }>(
        'SELECT deleted_at FROM datasets WHERE name = ?',
        [to],
      );
      if (taken)
        throw new LatheError(
          'INVALID_INPUT',
          `a dataset named '${to}' already exists${taken.deleted_at === null || taken.deleted_at === undefined ? '' : ' (deleted; restore it to see it)'}`,
          { name: to },
        );
      await db.run('UPDATE datasets SET name = ? WHERE id = ?', [to, d.id]);
      return { name: to, previous: name };
    },
    softDelete: (name) => setDeleted(name, true),
    restore: (name) => setDeleted(name, false),
  };
}
