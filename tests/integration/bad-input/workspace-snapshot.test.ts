import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { importPenguins, withServices } from '../../helpers/services';
import { tempDir } from '../../helpers/workspace';
import { diffSnapshots, snapshotWorkspace } from '../../helpers/workspace-snapshot';

describe('workspace snapshot (the helper the bad-input corpus relies on)', () => {
  const dirs: ReturnType<typeof tempDir>[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

  it('is equal through the owner and read-only, survives a reopen, and names a row or file that changed', async () => {
    const t = tempDir();
    dirs.push(t);
    const ws = join(t.dir, 'ws');
    const owned = await withServices(ws, async (s) => {
      await importPenguins(s);
      return snapshotWorkspace(ws, s.workspace.db);
    });
    const closed = await snapshotWorkspace(ws);
    expect(diffSnapshots(owned, closed)).toEqual([]);
    expect(closed.tables.datasets).toHaveLength(1);
    expect(Object.keys(closed.files).some((f) => f.startsWith('datasets/'))).toBe(true);

    await withServices(ws, async () => undefined);
    expect(diffSnapshots(closed, await snapshotWorkspace(ws))).toEqual([]);

    await withServices(ws, (s) => s.workspace.db.run(`UPDATE datasets SET name = 'birds'`));
    writeFileSync(join(ws, 'tmp', 'left-behind'), 'x');
    const diff = diffSnapshots(closed, await snapshotWorkspace(ws));
    expect(diff.some((d) => d.startsWith('table datasets row added'))).toBe(true);
    expect(diff).toContain(
      `file tmp/left-behind: (absent) -> 1 ${'2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881'}`,
    );
  });
});
