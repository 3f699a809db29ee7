// The Docker context folder is checked before anything is written, and a failed export removes only what
// it wrote.
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ModelVersion } from '../../../../shared/contract';
import { checkExportFolder, exportDocker } from '../../../../main/serve/docker-export';
import { tempDir } from '../../../helpers/workspace';

const t = tempDir('lathe-docker-out-checks-');
afterAll(() => t.remove());

const ws = join(t.dir, 'ws');
mkdirSync(join(ws, 'artifacts'), { recursive: true });

describe('checkExportFolder', () => {
  it('accepts a missing or empty folder outside the workspace', () => {
    expect(() => checkExportFolder(join(t.dir, 'new', 'ctx'), ws)).not.toThrow();
    mkdirSync(join(t.dir, 'empty'));
    expect(() => checkExportFolder(join(t.dir, 'empty'), ws)).not.toThrow();
    // A sibling whose name starts like the workspace's is outside it.
    expect(() => checkExportFolder(join(t.dir, 'ws-export'), ws)).not.toThrow();
  });

  it('refuses a NUL byte, a file and a non-empty folder, naming the folder', () => {
    expect(() => checkExportFolder(join(t.dir, 'a\0b'), ws)).toThrow(/a\0b contains a NUL byte/);
    writeFileSync(join(t.dir, 'file'), 'x');
    expect(() => checkExportFolder(join(t.dir, 'file'), ws)).toThrow(/file is a file/);
    mkdirSync(join(t.dir, 'full'));
    writeFileSync(join(t.dir, 'full', 'keep.txt'), 'x');
    expect(() => checkExportFolder(join(t.dir, 'full'), ws)).toThrow(/full is not empty/);
  });

  it('refuses the workspace, a folder in it, a path climbing back into it, and a link into it', () => {
    for (const out of [
      ws,
      join(ws, 'artifacts', 'ctx'),
      join(t.dir, 'elsewhere', '..', 'ws', 'tmp', 'ctx'),
    ])
      expect(() => checkExportFolder(out, ws), out).toThrow(/inside the workspace/);
    symlinkSync(join(ws, 'artifacts'), join(t.dir, 'link'));
    expect(() => checkExportFolder(join(t.dir, 'link', 'ctx'), ws)).toThrow(/inside the workspace/);
  });
});

describe('exportDocker when writing fails', () => {
  const version = { model: 'm', version: 1 } as ModelVersion;
  const failing = () => Promise.reject(new Error('disk full'));

  it('keeps an empty folder the user made, and removes one it made', async () => {
    const mine = join(t.dir, 'mine');
    mkdirSync(mine);
    await expect(exportDocker({ version, out: mine, writePackage: failing })).rejects.toThrow(
      'disk full',
    );
    expect(readdirSync(mine)).toEqual([]);
    const made = join(t.dir, 'made');
    await expect(exportDocker({ version, out: made, writePackage: failing })).rejects.toThrow(
      'disk full',
    );
    expect(existsSync(made)).toBe(false);
  });

  it('writes nothing into the workspace', async () => {
    const out = join(ws, 'artifacts', 'ctx');
    await expect(
      exportDocker({ version, out, writePackage: failing, workspaceDir: ws }),
    ).rejects.toThrow(/inside the workspace/);
    expect(readdirSync(join(ws, 'artifacts'))).toEqual([]);
  });
});
