import { closeSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { LatheError } from '../../shared/contract';

/** What the lock file says about the process that owns a workspace. */
export interface LockInfo {
  pid: number;
  hostname: string;
  startedAt: string;
  /** URL of the owner's local host, when it runs one (the app, `lathe ui`). */
  hostUrl?: string;
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readLock(path: string): LockInfo | null {
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
    return typeof info.pid === 'number' ? info : null;
  } catch {
    return null;
  }
}

/** The live owner of a workspace other than this process, if any. */
export function liveOwner(path: string): LockInfo | null {
  const info = readLock(path);
  if (!info || info.pid === process.pid) return null;
  if (info.hostname !== hostname()) return info;
  return isProcessAlive(info.pid) ? info : null;
}

export interface HeldLock {
  readonly info: LockInfo;
  update(patch: Partial<LockInfo>): void;
  release(): void;
}

/**
 * Takes the single-writer lock: creates the lock file exclusively; a stale lock (its pid is gone) is
 * replaced; a live one throws WORKSPACE_LOCKED naming the owner's pid.
 */
/** Lock files this process holds: opening the same workspace twice in one process is refused too. */
const heldHere = new Set<string>();

export function acquireLock(path: string, workspaceDir: string): HeldLock {
  if (heldHere.has(path)) {
    throw new LatheError(
      'WORKSPACE_LOCKED',
      `workspace ${workspaceDir} is already open in this process (${process.pid})`,
      {
        pid: process.pid,
      },
    );
  }
  const info: LockInfo = {
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, JSON.stringify(info));
      closeSync(fd);
      heldHere.add(path);
      let released = false;
      return {
        info,
        update(patch) {
          Object.assign(info, patch);
          writeFileSync(path, JSON.stringify(info), { mode: 0o600 });
        },
        release() {
          if (released) return;
          released = true;
          heldHere.delete(path);
          const current = readLock(path);
          if (current?.pid === process.pid) rmSync(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = liveOwner(path);
      if (owner) {
        throw new LatheError(
          'WORKSPACE_LOCKED',
          `workspace ${workspaceDir} is in use by process ${owner.pid} on ${owner.hostname}` +
            (owner.hostUrl
              ? ` (reachable at ${owner.hostUrl})`
              : '; close it or wait for it to finish'),
          { pid: owner.pid, hostname: owner.hostname, hostUrl: owner.hostUrl ?? null },
        );
      }
      // Stale lock from a process that died: take it over.
      rmSync(path, { force: true });
    }
  }
  throw new LatheError('WORKSPACE_LOCKED', `could not take the lock ${path}`);
}
