// Who owns a workspace when processes start together: commands started at the same instant with no host
// each wait their turn; `lathe ui` started beside commands waits for them, then serves them; a database
// another program holds is named, or waited for. Never a raw lock error.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetVersion } from '../../../shared/contract';
import { lathe, latheAsync } from '../../helpers/cli';
import { REPO, tempDir } from '../../helpers/workspace';
import { LOCK_TEXT, background } from './processes';

const t = tempDir('lathe-lock-contention-');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  t.remove();
});

const bg = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  background(args, { cwd: t.dir, children, env });
const csv = (name: string) => t.file(`${name}.csv`, `x,y\n1,2\n3,4\n`);
const dataList = (ws: string) => lathe(['data', 'list', '--workspace', ws, '--json']);

describe('lock contention', () => {
  it('commands started at the same instant with no host each wait their turn and succeed', async () => {
    const ws = join(t.dir, 'same-instant');
    const names = ['s1', 's2', 's3', 's4', 's5'];
    const results = await Promise.all(
      names.map((n) =>
        latheAsync(['data', 'import', csv(n), '--name', n, '--workspace', ws], { children }),
      ),
    );
    for (const r of results) {
      expect(r.code, r.stderr).toBe(0);
      // A command that waited says so (a note, not an error).
      expect(`${r.stdout}${r.stderr}`).not.toMatch(
        /WORKSPACE_LOCKED|Conflicting lock|Could not set lock|error/,
      );
    }
    const list = dataList(ws);
    expect((list.json as { name: string }[]).map((d) => d.name).sort()).toEqual(names);
  });

  it('`lathe ui` started with commands at the same instant: they and the host all succeed', async () => {
    const ws = join(t.dir, 'ui-and-commands');
    const ui = bg(['ui', '--port', '0', '--workspace', ws, '--json']);
    const names = ['u1', 'u2', 'u3'];
    const results = await Promise.all(
      names.map((n) =>
        latheAsync(['data', 'import', csv(n), '--name', n, '--workspace', ws, '--json'], {
          children,
        }),
      ),
    );
    const host = JSON.parse((await ui.waitFor(/^\{.*\}\n/m))[0]) as { url: string };
    for (const r of results) {
      expect(r.code, r.stderr).toBe(0);
      expect(DatasetVersion.parse((r.json as { version: unknown }).version).rows).toBe(2);
      expect(`${r.stdout}${r.stderr}`).not.toMatch(LOCK_TEXT);
    }
    const viaHost = lathe(['data', 'list', '--workspace', ws]);
    expect(viaHost.stderr).toContain(`sending the command to it at ${host.url}`);
    for (const n of names) expect(viaHost.stdout).toMatch(new RegExp(`^${n}\\b`, 'm'));
    expect(await ui.stop(), ui.output()).toBe(0);
    expect(ui.output()).not.toMatch(LOCK_TEXT);
  });

  it('a database another program holds: WORKSPACE_LOCKED naming it, or a wait until it lets go', async () => {
    const ws = join(t.dir, 'db-held');
    expect(lathe(['init', '--workspace', ws]).code).toBe(0);
    const holder = background(
      [
        `require('@duckdb/node-api').DuckDBInstance.create(${JSON.stringify(join(ws, 'lathe.duckdb'))}).then((db) => { globalThis.db = db; console.log('holding'); setInterval(() => {}, 1 << 30); });`,
      ],
      { cwd: REPO, children, script: '-e' },
    );
    await holder.waitFor(/holding/);
    const pid = holder.child.pid!;
    const failed = lathe(['data', 'list', '--workspace', ws, '--json'], {
      LATHE_LOCK_WAIT_MS: '0',
    });
    expect(failed.code).toBe(1);
    expect(failed.json).toMatchObject({ error: { code: 'WORKSPACE_LOCKED', details: { pid } } });
    expect(failed.stderr).toMatch(new RegExp(`its database is open in process ${pid}`));
    expect(`${failed.stdout}${failed.stderr}`).not.toMatch(
      /Conflicting lock|Could not set lock|IO Error/,
    );

    const waiting = bg(['data', 'list', '--workspace', ws], { LATHE_LOCK_WAIT_MS: '60000' });
    await waiting.waitFor(new RegExp(`workspace is in use by process ${pid}; waiting`));
    holder.child.kill('SIGKILL');
    expect(await waiting.exit, waiting.output()).toBe(0);
    expect(waiting.output()).toMatch(/No datasets yet/);
  });
});
