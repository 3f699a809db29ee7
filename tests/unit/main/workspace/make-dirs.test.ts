import { existsSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LatheError } from '../../../../shared/contract';
import { makeDirs, MakeDirsError, makeUserDirs } from '../../../../main/workspace/make-dirs';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'make-dirs-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const thrown = (f: () => void): unknown => {
  try {
    f();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
};

describe('makeDirs', () => {
  it('makes a folder and its missing parents, and leaves an existing one as it is', () => {
    const deep = join(dir, 'a', 'b', 'c');
    makeDirs(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    writeFileSync(join(deep, 'keep.txt'), 'x');
    makeDirs(deep);
    makeDirs(join(dir, 'a'));
    expect(existsSync(join(deep, 'keep.txt'))).toBe(true);
  });

  it('names the file in the way, itself or a parent, and makes nothing', () => {
    const file = join(dir, 'file');
    writeFileSync(file, 'x');
    for (const target of [file, join(file, 'sub'), join(file, 'sub', 'deeper')]) {
      const err = thrown(() => makeDirs(target));
      expect(err).toBeInstanceOf(MakeDirsError);
      expect(err).toMatchObject({ code: 'ENOTDIR', at: file });
      expect((err as Error).message).toBe(`cannot create the folder ${target}: ${file} is a file`);
    }
    expect(statSync(file).isFile()).toBe(true);
  });

  it('names a link to a missing folder in the way, itself or a parent', () => {
    const link = join(dir, 'drive');
    symlinkSync(join(dir, 'unmounted'), link);
    for (const target of [link, join(link, 'ws')]) {
      const err = thrown(() => makeDirs(target));
      expect(err).toBeInstanceOf(MakeDirsError);
      expect((err as Error).message).toBe(
        `cannot create the folder ${target}: ${link} is a link to ${join(dir, 'unmounted')}, which is missing`,
      );
    }
    expect(existsSync(join(dir, 'unmounted'))).toBe(false);
  });

  // Node's recursive mkdir never returns here (it spins at full CPU): the test would time out.
  it.runIf(existsSync('/proc/self'))(
    'returns at once under /proc, which takes no new folders, naming it',
    () => {
      const target = '/proc/lathe-make-dirs-test/sub';
      const err = thrown(() => makeDirs(target));
      expect(err).toBeInstanceOf(MakeDirsError);
      expect(err).toMatchObject({ at: '/proc/lathe-make-dirs-test', code: 'ENOENT' });
      expect((err as Error).message).toBe(
        `cannot create the folder ${target}: /proc does not allow new folders`,
      );
    },
  );
});

describe('makeUserDirs', () => {
  it('answers INVALID_INPUT saying for what, with the folder and the failing level in details', () => {
    const file = join(dir, 'file');
    writeFileSync(file, 'x');
    const target = join(file, 'out');
    const err = thrown(() => makeUserDirs(target, 'the MLflow model', { field: 'out' }));
    expect(err).toBeInstanceOf(LatheError);
    expect(err).toMatchObject({
      code: 'INVALID_INPUT',
      message: `cannot create the folder ${target} for the MLflow model: ${file} is a file`,
      details: { field: 'out', path: target, failedAt: file, reason: 'ENOTDIR' },
    });
  });

  it('says a folder the user named is a file, not a folder', () => {
    const file = join(dir, 'ws');
    writeFileSync(file, 'x');
    expect(() => makeUserDirs(file, 'the workspace')).toThrow(
      `cannot use ${file} for the workspace: it is a file, not a folder`,
    );
  });
});
