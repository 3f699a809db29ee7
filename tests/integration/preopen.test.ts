// A workspace opened ahead by the CLI's front (main/workspace/preopen.ts): taken over by openWorkspace, never
// created, left alone when another process owns it, and let go when no command takes it over.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLock } from '../../main/workspace/lock';
import { workspacePaths } from '../../main/workspace/paths';
import { preopenWorkspace, releaseUntaken, takePreopened } from '../../main/workspace/preopen';
import { openWorkspace } from '../../main/workspace/workspace';
import { latheRejection } from '../helpers/errors';
import { tempDir } from '../helpers/workspace';

const t = tempDir('lathe-preopen-');
afterAll(() => t.remove());

/** A workspace with a database, closed again. */
async function made(name: string): Promise<string> {
  const dir = join(t.dir, name);
  const ws = await openWorkspace(dir);
  await ws.db.run('CREATE TABLE marker AS SELECT 42 AS answer');
  await new Promise<void>((resolveClosed) => ws.db.close(resolveClosed));
  ws.lock.release();
  return dir;
}

describe('a workspace opened ahead', () => {
  it('is taken over by openWorkspace: the same lock, the database it started opening', async () => {
    const dir = await made('taken');
    const { lock } = workspacePaths(dir);
    preopenWorkspace(dir);
    expect(readLock(lock)?.pid).toBe(process.pid);
    const ws = await openWorkspace(dir);
    expect(await ws.db.all('SELECT answer FROM marker')).toEqual([{ answer: 42 }]);
    expect(ws.lock.info.pid).toBe(process.pid);
    // Handed over once: nothing is left to let go, and the workspace closes as any other.
    expect(takePreopened(dir)).toBeUndefined();
    releaseUntaken();
    expect(readLock(lock)?.pid).toBe(process.pid);
    ws.close();
    await expect.poll(() => existsSync(lock)).toBe(false);
  });

  it('is not taken over by another folder, and is let go when no command takes it', async () => {
    const dir = await made('untaken');
    const other = await made('other');
    preopenWorkspace(dir);
    const ws = await openWorkspace(other);
    ws.close();
    expect(readLock(workspacePaths(dir).lock)?.pid).toBe(process.pid);
    releaseUntaken();
    expect(existsSync(workspacePaths(dir).lock)).toBe(false);
    // Let go, it opens as usual.
    const again = await openWorkspace(dir);
    expect(await again.db.all('SELECT answer FROM marker')).toEqual([{ answer: 42 }]);
    again.close();
  });

  it('starts opening the database before it returns, for the runtime to load meanwhile', async () => {
    const dir = await made('early');
    const opened: string[] = [];
    // DuckDB's binding as far as preopenWorkspace uses it: an open that never ends, noted when started.
    const native = () =>
      ({
        create_config: () => ({}),
        set_config: () => undefined,
        open: (path: string) => {
          opened.push(path);
          return new Promise(() => undefined);
        },
      }) as unknown as typeof import('@duckdb/node-bindings');
    preopenWorkspace(dir, native);
    // No await between: the front loads the runtime synchronously right after, and an open started from a
    // promise's callback would wait for all of it.
    expect(opened).toEqual([workspacePaths(dir).database]);
    releaseUntaken();
    expect(existsSync(workspacePaths(dir).lock)).toBe(false);
  });

  it('never creates a workspace: a folder without a database is left as it is', () => {
    const dir = join(t.dir, 'empty');
    preopenWorkspace(dir);
    expect(existsSync(dir)).toBe(false);
    expect(takePreopened(dir)).toBeUndefined();
  });

  it('leaves a workspace another live process owns to the usual refusal or forwarding', async () => {
    const dir = await made('owned');
    const owner = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], {
      stdio: 'ignore',
    });
    try {
      const { lock } = workspacePaths(dir);
      writeFileSync(
        lock,
        JSON.stringify({
          pid: owner.pid,
          hostname: hostname(),
          startedAt: new Date().toISOString(),
        }),
      );
      preopenWorkspace(dir);
      expect(takePreopened(dir)).toBeUndefined();
      expect(readLock(lock)?.pid).toBe(owner.pid);
      const refused = await latheRejection(openWorkspace(dir));
      expect(refused).toMatchObject({ code: 'WORKSPACE_LOCKED', details: { pid: owner.pid } });
      expect(readdirSync(dir).filter((f) => f.startsWith('lathe.lock.'))).toEqual([]);
    } finally {
      owner.kill('SIGKILL');
    }
  });
});
