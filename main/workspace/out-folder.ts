// A folder an export writes whole or not at all: checked new or empty first, written under a temporary
// name beside it, renamed into place at the end. A failure leaves the folder as it was (missing or empty).
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  rmdirSync,
  statSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { LatheError } from '../../shared/contract';
import { makeUserDirs } from './make-dirs';

/**
 * Refuses `out` unless it is missing or an empty folder; `what` names what goes in it (`the Argo
 * manifests`), so the message says what to choose.
 */
export function checkNewFolder(out: string, what: string): void {
  const fail = (why: string) => {
    throw new LatheError(
      'INVALID_INPUT',
      `the folder ${out} ${why}: choose a new or empty folder for ${what}`,
      {
        field: 'out',
        path: out,
      },
    );
  };
  if (out.includes('\0')) fail('contains a NUL byte');
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) fail('is a file');
  if (readdirSync(out).length > 0) fail('is not empty');
}

/** Files under `dir`, relative and sorted, and their total size in bytes. */
export function folderFiles(dir: string): { files: string[]; bytes: number } {
  const files = (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => statSync(join(dir, f)).isFile())
    .map((f) => f.split('\\').join('/'))
    .sort();
  return { files, bytes: files.reduce((n, f) => n + statSync(join(dir, f)).size, 0) };
}

/**
 * Writes the folder `out` whole: `write` fills a temporary folder beside it, which then takes its name. An
 * empty `out` is replaced; a missing one is created (with its parents). On failure nothing of it stays.
 */
export async function writeFolderWhole(
  out: string,
  what: string,
  write: (dir: string) => Promise<void> | void,
): Promise<{ dir: string; files: string[]; bytes: number }> {
  const dir = resolve(out);
  checkNewFolder(dir, what);
  makeUserDirs(dirname(dir), what, { field: 'out' });
  const tmp = join(dirname(dir), `.${basename(dir)}.tmp-${randomBytes(4).toString('hex')}`);
  mkdirSync(tmp);
  try {
    await write(tmp);
    const listed = folderFiles(tmp);
    // Checked again: the folder may have been filled while this wrote.
    checkNewFolder(dir, what);
    if (existsSync(dir)) rmdirSync(dir);
    renameSync(tmp, dir);
    return { dir, ...listed };
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
