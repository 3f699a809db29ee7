// A dataset import publishes its Parquet file by renaming it into datasets/: the file's bytes are flushed
// to disk before that rename, and the datasets folder (the rename itself) after it, before the row
// naming the file commits. Power loss after the commit then cannot leave a row naming an empty file.
import * as fs from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createServices, type Services } from '../../../main/services';
import { importPenguins } from '../../helpers/services';
import { tempDir } from '../../helpers/workspace';

/** File-system calls on the workspace, in order: open (with its fd), fsync (of that fd), rename. */
const events: string[] = [];
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const pathOfFd = new Map<number, string>();
  const wrapped = {
    ...real,
    openSync: (...args: Parameters<typeof real.openSync>) => {
      const fd = real.openSync(...args);
      pathOfFd.set(fd, String(args[0]));
      return fd;
    },
    fsyncSync: (fd: number) => {
      events.push(`fsync ${pathOfFd.get(fd) ?? `fd ${fd}`}`);
      return real.fsyncSync(fd);
    },
    renameSync: (from: fs.PathLike, to: fs.PathLike) => {
      events.push(`rename ${String(from)} -> ${String(to)}`);
      return real.renameSync(from, to);
    },
  };
  return { ...wrapped, default: wrapped };
});

const t = tempDir('lathe-import-fsync-');
const ws = resolve(join(t.dir, 'ws'));
let services: Services | undefined;

beforeAll(async () => {
  services = await createServices({ workspaceDir: ws });
});
afterAll(async () => {
  await services?.close();
  t.remove();
});

describe('publishing a dataset file', () => {
  it('flushes the file before the rename and the datasets folder after it', async () => {
    events.length = 0;
    const out = await importPenguins(services!);
    const dest = join(ws, 'datasets', `${out.version.hash}.parquet`);
    const rename = events.findIndex((e) => e.startsWith('rename ') && e.endsWith(` -> ${dest}`));
    expect(rename, events.join('\n')).toBeGreaterThanOrEqual(0);
    const tmp = /^rename (.*) -> /.exec(events[rename]!)![1]!;
    expect(tmp.startsWith(join(ws, 'tmp'))).toBe(true);
    expect(events.slice(0, rename)).toContain(`fsync ${tmp}`);
    expect(events.slice(rename + 1)).toContain(`fsync ${join(ws, 'datasets')}`);
    expect(fs.existsSync(dest)).toBe(true);
  });
});
