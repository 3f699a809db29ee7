import { homedir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep, type PlatformPath } from 'node:path';

/** The workspace folder: `--workspace DIR`, else `$LATHE_HOME`, else `~/.lathe`. */
export function resolveWorkspaceDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag);
  if (env.LATHE_HOME) return resolve(env.LATHE_HOME);
  return join(homedir(), '.lathe');
}

/** Fixed layout inside a workspace folder. */
export function workspacePaths(dir: string) {
  return {
    dir,
    database: join(dir, 'lathe.duckdb'),
    lock: join(dir, 'lathe.lock'),
    datasets: join(dir, 'datasets'),
    artifacts: join(dir, 'artifacts'),
    uploads: join(dir, 'uploads'),
    /** Batch jobs' captured rows (capture_files). */
    captures: join(dir, 'captures'),
    /**
     * Serving packages of registered versions (packaged-model.ts), one folder per NAME@VERSION: a cache,
     * written again when missing, incomplete or written by another Lathe. Kept across commands (tmp is
     * cleared at each open), so `lathe predict` and `lathe serve` do not export the model each time.
     */
    packages: join(dir, 'packages'),
    tmp: join(dir, 'tmp'),
  };
}
export type WorkspacePaths = ReturnType<typeof workspacePaths>;

/**
 * A path as the database stores it: relative to the workspace folder, with `/`, when it lies inside it,
 * so the folder can be copied or moved to another machine; a path outside stays absolute.
 */
export function toStoredPath(dir: string, path: string): string {
  if (!isInside(dir, path)) return path;
  return relative(resolve(dir), resolve(path)).split(sep).join('/');
}

/** The parts of a `node:path` flavour isInside needs (posix or win32, so tests can check either). */
type PathFlavour = Pick<PlatformPath, 'relative' | 'resolve' | 'isAbsolute'>;

/**
 * Whether `file` lies strictly inside `dir` (not `dir` itself). relative() alone is not enough: on
 * Windows a path on another drive comes back absolute, not starting with `..`.
 */
export function isInside(
  dir: string,
  file: string,
  flavour: PathFlavour = { relative, resolve, isAbsolute },
): boolean {
  const rel = flavour.relative(flavour.resolve(dir), flavour.resolve(file));
  return rel !== '' && !rel.startsWith('..') && !flavour.isAbsolute(rel);
}

/** The absolute path of a stored one (see toStoredPath): relative paths resolve against the folder. */
export function fromStoredPath(dir: string, stored: string): string {
  return isAbsolute(stored) ? stored : join(dir, ...stored.split('/'));
}
