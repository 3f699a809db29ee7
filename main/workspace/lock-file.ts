// The workspace's single-writer lock file, without the errors (lock.ts words them): small enough for the
// CLI's front, which takes the lock ahead of the commands' runtime (see preopen.ts).
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  linkSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** What the lock file says about the process that owns a workspace. */
export interface LockInfo {
  pid: number;
  hostname: string;
  startedAt: string;
  /** URL of the owner's local host, when it runs one (the app, `lathe ui`). */
  hostUrl?: string;
  /**
   * The CLI command (`lathe train`, `lathe serve`…) that runs that host while it owns the workspace: it
   * will finish, so a process that must own the workspace waits for it instead of failing at once.
   */
  command?: string;
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

/** Whether the process a lock names is alive (on another host it is taken to be). */
function isLive(info: LockInfo): boolean {
  return info.hostname !== hostname() || isProcessAlive(info.pid);
}

/** The live owner of a workspace other than this process, if any. */
export function liveOwner(path: string): LockInfo | null {
  const info = readLock(path);
  if (!info || info.pid === process.pid) return null;
  return isLive(info) ? info : null;
}

export interface HeldLock {
  readonly info: LockInfo;
  update(patch: Partial<LockInfo>): void;
  release(): void;
}

/**
 * Lock files this process holds: opening the same workspace twice in one process is refused too. One set
 * per process, not per copy of this module: the CLI's front and the commands' runtime are separate bundles.
 */
const heldHere: Set<string> = ((globalThis as Record<symbol, unknown>)[
  Symbol.for('lathe.heldWorkspaceLocks')
] ??= new Set<string>()) as Set<string>;

/** A file beside `path` only this call uses. */
const scratchBeside = (path: string, what: string) =>
  `${path}.${what}-${process.pid}-${randomBytes(4).toString('hex')}`;

/**
 * Writes `info` to a scratch file and links it to `path`: the lock file appears with its whole
 * content or not at all, so another process never reads a half-written lock (an empty file would look
 * stale and be taken over). False when `path` exists.
 */
function createLockFile(path: string, info: LockInfo): boolean {
  const scratch = scratchBeside(path, 'new');
  const fd = openSync(scratch, 'wx', 0o600);
  try {
    writeSync(fd, JSON.stringify(info));
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(scratch, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(scratch, { force: true });
  }
}

/**
 * Removes a lock file whose owner died. Two processes may find the same stale lock: each moves it
 * aside under a name of its own first, and only the one that moved the stale file deletes it; a live
 * lock moved aside by mistake (another process took over in between) is linked back.
 */
function removeStaleLock(path: string): void {
  const aside = scratchBeside(path, 'stale');
  try {
    renameSync(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = readLock(aside);
  if (moved && isLive(moved)) {
    try {
      linkSync(aside, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  rmSync(aside, { force: true });
}

/** Scratch files beside the lock left by processes killed mid-write (their pid is gone). */
function sweepScratch(path: string): void {
  const pattern = new RegExp(
    `^${basename(path).replace(/[.]/g, '\\.')}\\.(?:new|stale|update)-(\\d+)-[0-9a-f]+$`,
  );
  for (const name of readdirSync(dirname(path))) {
    const pid = pattern.exec(name)?.[1];
    if (pid && Number(pid) !== process.pid && !isProcessAlive(Number(pid)))
      rmSync(join(dirname(path), name), { force: true });
  }
}

/** What taking a lock came to: held, a live owner, this process already, or no way in after retries. */
export type LockAttempt =
  { held: HeldLock } | { owner: LockInfo } | { here: true } | { failed: true };

/**
 * Takes the single-writer lock: creates the lock file exclusively; a stale lock (its pid is gone) is
 * replaced; a live owner is answered, not thrown (acquireLock in lock.ts words it).
 */
export function tryAcquireLock(path: string): LockAttempt {
  if (heldHere.has(path)) return { here: true };
  const info: LockInfo = {
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createLockFile(path, info)) {
      heldHere.add(path);
      sweepScratch(path);
      let released = false;
      const held: HeldLock = {
        info,
        update(patch) {
          Object.assign(info, patch);
          // Replaced whole (rename), so a reader never sees it half-written.
          const scratch = scratchBeside(path, 'update');
          writeFileSync(scratch, JSON.stringify(info), { mode: 0o600 });
          renameSync(scratch, path);
        },
        release() {
          if (released) return;
          released = true;
          heldHere.delete(path);
          const current = readLock(path);
          if (current?.pid === process.pid) rmSync(path, { force: true });
        },
      };
      return { held };
    }
    const owner = readLock(path);
    if (owner && owner.pid !== process.pid && isLive(owner)) return { owner };
    // Stale lock from a process that died (or unreadable): take it over.
    removeStaleLock(path);
  }
  return { failed: true };
}
