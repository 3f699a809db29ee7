import { describe, expect, it } from 'vitest';
import { LatheError } from '../../../../shared/contract';
import { createRunGuard } from '../../../../main/registry/run-guard';
import type { TrackingStore } from '../../../../main/tracking/tracking-store';
import type { ArtifactStore } from '../../../../main/workspace/artifacts';
import type { Database } from '../../../../main/workspace/db';

/** A guard over fakes: runs resolve prefixes to `full-<prefix>`, `backing` maps full ids to versions. */
function guardWith(backing: Record<string, string>) {
  const deleted: string[][] = [];
  // resolveRunIds asks the database once, one (prefix, id) row per prefix given.
  const db = {
    all: async (_sql: string, prefixes: string[]) => prefixes.map((p) => ({ p, id: `full-${p}` })),
  } as unknown as Database;
  const tracking = {
    softDelete: async (ids: string[]) => {
      deleted.push(ids);
      return ids.length;
    },
  } as unknown as TrackingStore;
  const asked: string[][] = [];
  const guard = createRunGuard({
    db,
    artifacts: {} as ArtifactStore,
    tracking,
    registry: {
      versionsOfRuns: async (runIds) => {
        asked.push(runIds);
        return runIds.flatMap((id) => (backing[id] ? [backing[id]] : []));
      },
      assertNoDeletedRegisteredRuns: async () => {
        throw new LatheError('INVALID_INPUT', 'cannot purge deleted runs that back versions');
      },
    },
    workspace: { dir: '/nonexistent', ownedSinceMs: 0 },
  });
  return { guard, deleted, asked };
}

describe('run guard', () => {
  it('refuses to delete runs that back registered versions, naming every version, and deletes none', async () => {
    const { guard, deleted, asked } = guardWith({ 'full-a1': 'penguin@1', 'full-b2': 'iris@4' });
    await expect(guard.softDelete(['a1', 'c3', 'b2'])).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: 'cannot delete a run that backs a registered model version: penguin@1, iris@4',
      details: { versions: ['penguin@1', 'iris@4'] },
    });
    expect(asked).toEqual([['full-a1', 'full-c3', 'full-b2']]);
    expect(deleted).toEqual([]);
  });

  it('deletes runs no version is backed by, as given', async () => {
    const { guard, deleted } = guardWith({});
    expect(await guard.softDelete(['a1', 'c3'])).toBe(2);
    expect(deleted).toEqual([['a1', 'c3']]);
  });

  it('collects no garbage while a deleted run backs a version', async () => {
    const { guard } = guardWith({});
    await expect(guard.collectGarbage()).rejects.toThrow(/cannot purge deleted runs/);
  });
});
