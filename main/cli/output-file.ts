// Files the CLI writes where the user says (--out, --html): checked before anything is written, written
// whole or not at all.
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { LatheError } from '../../shared/contract';

export interface OutputOptions {
  /** The flag that named the file, for messages (`--out`). */
  flag: string;
  /** Replace an existing non-empty file (else OUTPUT_EXISTS-style INVALID_INPUT naming it). */
  overwrite?: boolean;
  /** Refuse an existing non-empty file unless `overwrite` (true for artifacts; reports regenerate). */
  refuseExisting?: boolean;
}

/**
 * The absolute path `given` names, checked: no NUL byte, not a folder, its folder exists, and (with
 * `refuseExisting`) no non-empty file there unless `overwrite`. Errors are INVALID_INPUT naming the path.
 */
export function checkOutputPath(given: string, options: OutputOptions): string {
  const { flag } = options;
  if (given.includes('\0'))
    throw new LatheError(
      'INVALID_INPUT',
      `${flag} ${JSON.stringify(given)}: a file name cannot contain a NUL byte`,
      { field: flag, path: given },
    );
  if (!given.trim())
    throw new LatheError('INVALID_INPUT', `${flag}: give a file name`, { field: flag });
  const path = resolve(given);
  const folder = dirname(path);
  if (!existsSync(folder) || !statSync(folder).isDirectory())
    throw new LatheError('INVALID_INPUT', `${flag} ${given}: the folder ${folder} does not exist`, {
      field: flag,
      path,
    });
  if (existsSync(path)) {
    const st = statSync(path);
    if (st.isDirectory())
      throw new LatheError(
        'INVALID_INPUT',
        `${flag} ${given}: ${path} is a folder; give a file name`,
        { field: flag, path },
      );
    if (options.refuseExisting && st.size > 0 && !options.overwrite)
      throw new LatheError(
        'INVALID_INPUT',
        `${flag} ${given}: ${path} already exists; choose another file or allow overwriting it (--overwrite)`,
        { field: flag, path },
      );
  }
  return path;
}

/**
 * Writes `content` (or copies the file `from`) to `path` through a temporary file beside it and a rename:
 * a reader, or a crash, never sees half a file; on failure nothing is left behind.
 */
export function writeOutputFile(
  path: string,
  content: string | Uint8Array | { from: string },
  flag: string,
): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    if (typeof content !== 'string' && !(content instanceof Uint8Array))
      copyFileSync(content.from, tmp);
    else writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new LatheError(
      'INVALID_INPUT',
      `${flag} ${path}: cannot write it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      { field: flag, path },
    );
  }
}

/**
 * The file name an artifact is saved under by default: the last segment of its path (either separator),
 * so a path like `../../x` or `C:\x` cannot lead outside the current folder.
 */
export function artifactFileName(artifactPath: string): string {
  const last = artifactPath.split(/[\\/]/).pop() ?? '';
  const clean = [...last].filter((c) => c.charCodeAt(0) >= 0x20).join('');
  return clean === '' || clean === '.' || clean === '..' ? 'artifact' : clean;
}
