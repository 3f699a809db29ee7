import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, cliEnv } from '../../helpers/cli';

const dir = mkdtempSync(join(tmpdir(), 'lathe-folders-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `lathe data list` on `workspace`; killed if it does not end (Node's recursive mkdir spun forever). */
function list(workspace: string) {
  const r = spawnSync(process.execPath, [BIN, 'data', 'list', '--workspace', workspace, '--json'], {
    encoding: 'utf8',
    env: cliEnv(),
    timeout: 60_000,
    killSignal: 'SIGKILL',
  });
  return { code: r.status, signal: r.signal, json: JSON.parse(r.stdout || 'null') as unknown };
}

describe('a workspace folder that cannot be made: a coded error naming it, at once', () => {
  it.runIf(existsSync('/proc/self'))('under /proc, which takes no new folders', () => {
    const r = list('/proc/lathe-no-such/ws');
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({
      error: {
        code: 'INVALID_INPUT',
        message:
          'cannot create the folder /proc/lathe-no-such/ws for the workspace: /proc does not allow new folders',
        details: { field: 'workspace', path: '/proc/lathe-no-such/ws' },
      },
    });
  });

  it('a file, or a folder under a file', () => {
    const file = join(dir, 'not-a-folder');
    writeFileSync(file, 'keep');
    expect(list(file).json).toMatchObject({
      error: {
        code: 'INVALID_INPUT',
        message: `cannot use ${file} for the workspace: it is a file, not a folder`,
      },
    });
    expect(list(join(file, 'ws')).json).toMatchObject({
      error: {
        code: 'INVALID_INPUT',
        message: `cannot create the folder ${join(file, 'ws')} for the workspace: ${file} is a file`,
      },
    });
  });
});
