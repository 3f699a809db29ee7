import { expect } from 'vitest';
import { openWorkspace } from '../../main/workspace/workspace';

type WorkspaceDb = Awaited<ReturnType<typeof openWorkspace>>['db'];

/**
 * Runs migration `version` on a workspace as the Lathe before it left one: opens a fresh workspace in
 * `dir`, forgets the migration and lets `rollback` undo its schema and write rows the old way, then
 * reopens it (which migrates) for `check`, and asserts the migration is recorded once.
 */
export async function migrateFromBefore(
  version: number,
  dir: string,
  rollback: (db: WorkspaceDb) => Promise<void>,
  check: (db: WorkspaceDb) => Promise<void>,
): Promise<void> {
  const ws = await openWorkspace(dir);
  try {
    await ws.db.run('DELETE FROM schema_migrations WHERE version = ?', [version]);
    await rollback(ws.db);
  } finally {
    ws.close();
  }
  const again = await openWorkspace(dir);
  try {
    await check(again.db);
    const recorded = await again.db.all('SELECT version FROM schema_migrations WHERE version = ?', [
      version,
    ]);
    expect(recorded.length).toBe(1);
  } finally {
    again.close();
  }
}
