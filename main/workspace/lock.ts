// The workspace's single-writer lock, its refusals worded as LatheErrors (the file itself: lock-file.ts).
import { LatheError } from '../../shared/contract';
import { tryAcquireLock, type HeldLock, type LockInfo } from './lock-file';

export { isProcessAlive, liveOwner, readLock, type HeldLock, type LockInfo } from './lock-file';

/** The WORKSPACE_LOCKED error naming the live owner of a workspace. */
export function lockedBy(owner: LockInfo, workspaceDir: string): LatheError {
  return new LatheError(
    'WORKSPACE_LOCKED',
    `workspace ${workspaceDir} is in use by process ${owner.pid} on ${owner.hostname}` +
      (owner.hostUrl ? ` (reachable at ${owner.hostUrl})` : '; close it or wait for it to finish'),
    { pid: owner.pid, hostname: owner.hostname, hostUrl: owner.hostUrl ?? null },
  );
}

/**
 * Takes the single-writer lock (see tryAcquireLock); a live owner throws WORKSPACE_LOCKED naming its pid,
 * as does this process holding it already.
 */
export function acquireLock(path: string, workspaceDir: string): HeldLock {
  const attempt = tryAcquireLock(path);
  if ('held' in attempt) return attempt.held;
  if ('here' in attempt)
    throw new LatheError(
      'WORKSPACE_LOCKED',
      `workspace ${workspaceDir} is already open in this process (${process.pid})`,
      { pid: process.pid },
    );
  if ('owner' in attempt) throw lockedBy(attempt.owner, workspaceDir);
  throw new LatheError('WORKSPACE_LOCKED', `could not take the lock ${path}`);
}
