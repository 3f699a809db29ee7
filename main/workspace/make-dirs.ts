// Creating a folder and its missing parents, one level at a time. Node's `mkdirSync(dir, { recursive: true })`
// (and its promise form) never returns on a file system that refuses a new entry with ENOENT, as /proc does:
// `mkdir /proc/x/y` spins at full CPU forever, and in a host that froze every view. Here each level is made
// once, and a level that cannot be made fails naming it.
import { lstatSync, mkdirSync, readlinkSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LatheError } from '../../shared/contract';

/** Why a folder could not be made, from the error of the level that failed. */
export class MakeDirsError extends Error {
  constructor(
    /** The folder asked for. */
    readonly dir: string,
    /** The level that failed: the folder itself, one of its missing parents, or a file in the way. */
    readonly at: string,
    /** The system's error code (ENOTDIR when `at` is a file). */
    readonly code: string,
    readonly reason: string,
  ) {
    super(`cannot create the folder ${dir}: ${reason}`);
  }
}

function reasonFor(at: string, code: string): string {
  switch (code) {
    case 'ENOTDIR':
    case 'EEXIST':
      return `${at} is a file`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied to create ${at}`;
    case 'EROFS':
      return `${dirname(at)} is on a read-only file system`;
    case 'ENOENT':
      // The parent exists (it was checked): its file system takes no new folders (/proc, /sys).
      return `${dirname(at)} does not allow new folders`;
    case 'ENOSPC':
      return 'no space left on the device';
    case 'ENAMETOOLONG':
      return `the name ${at} is too long`;
    default:
      return `${at}: ${code}`;
  }
}

/** Where `at` links to, when it is a symbolic link (else null). */
function linkTarget(at: string): string | null {
  try {
    return lstatSync(at).isSymbolicLink() ? readlinkSync(at) : null;
  } catch {
    return null;
  }
}

const isFolder = (at: string) => {
  try {
    return statSync(at).isDirectory();
  } catch {
    return false;
  }
};

/**
 * Makes `dir` and its missing parents (nothing when it is a folder already). Throws MakeDirsError naming
 * the level that failed: a file in the way, no permission, a read-only or a virtual file system.
 */
export function makeDirs(dir: string): void {
  const target = resolve(dir);
  const missing: string[] = [];
  for (let at = target; ;) {
    let isDir: boolean;
    try {
      isDir = statSync(at).isDirectory();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
      // Missing, or under a file (ENOTDIR): the level above says which.
      if (code !== 'ENOENT' && code !== 'ENOTDIR')
        throw new MakeDirsError(target, at, code, reasonFor(at, code));
      // A link to nothing (an unmounted drive, a moved folder) is in the way, not missing.
      const link = linkTarget(at);
      if (link !== null)
        throw new MakeDirsError(
          target,
          at,
          'ENOENT',
          `${at} is a link to ${link}, which is missing`,
        );
      missing.push(at);
      const up = dirname(at);
      if (up === at) break;
      at = up;
      continue;
    }
    if (!isDir) throw new MakeDirsError(target, at, 'ENOTDIR', reasonFor(at, 'ENOTDIR'));
    break;
  }
  for (const at of missing.reverse()) {
    try {
      mkdirSync(at);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
      // Made meanwhile by another process: fine when it is a folder.
      if (code === 'EEXIST' && isFolder(at)) continue;
      throw new MakeDirsError(target, at, code, reasonFor(at, code));
    }
  }
}

/**
 * makeDirs for a folder the user named (an export's output, a workspace): a failure is INVALID_INPUT with
 * `details` and the reason, e.g. "cannot create the folder /proc/x for the MLflow model: /proc does not
 * allow new folders".
 */
export function makeUserDirs(
  dir: string,
  what: string,
  details: Record<string, unknown> = {},
): void {
  try {
    makeDirs(dir);
  } catch (err) {
    if (!(err instanceof MakeDirsError)) throw err;
    const message =
      err.at === err.dir && err.code === 'ENOTDIR'
        ? `cannot use ${err.dir} for ${what}: it is a file, not a folder`
        : `cannot create the folder ${err.dir} for ${what}: ${err.reason}`;
    throw new LatheError('INVALID_INPUT', message, {
      ...details,
      path: err.dir,
      failedAt: err.at,
      reason: err.code,
    });
  }
}
