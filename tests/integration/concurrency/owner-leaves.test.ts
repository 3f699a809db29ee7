// The owner's host going away under a command: refused (the app is quitting) is waited out and the
// command then owns the workspace; a call the host received and dropped is reported as maybe done and
// never sent twice; a `lathe ui` stopped while a forwarded command runs lets it finish and answers it.
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lathe, latheAsync } from '../../helpers/cli';
import { tempDir } from '../../helpers/workspace';
import { waitFor } from '../../helpers/wait';
import { background } from './processes';

/** Whether a connection to the port on loopback is refused (nothing listens there any more). */
const refuses = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

const t = tempDir('lathe-owner-leaves-');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  t.remove();
});

const bg = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  background(args, { cwd: t.dir, children, env });

describe('the owner leaves', () => {
  it('an owner whose host is closing (refuses connections): the command waits for its lock, then owns it', async () => {
    const ws = join(t.dir, 'host-closing');
    expect(lathe(['init', '--workspace', ws]).code).toBe(0);
    // A port nothing listens on, as the host of an app that is quitting.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const owner = background(["console.log('up'); setInterval(() => {}, 1 << 30);"], {
      cwd: t.dir,
      children,
      script: '-e',
    });
    await owner.waitFor(/up/);
    writeFileSync(
      join(ws, 'lathe.lock'),
      JSON.stringify({
        pid: owner.child.pid,
        hostname: hostname(),
        startedAt: new Date().toISOString(),
        hostUrl: `http://127.0.0.1:${port}/`,
      }),
    );
    const cmd = bg(['data', 'list', '--workspace', ws], { LATHE_LOCK_WAIT_MS: '60000' });
    await cmd.waitFor(/closing; waiting for it/);
    await cmd.waitFor(new RegExp(`in use by process ${owner.child.pid}; waiting`));
    owner.child.kill('SIGKILL');
    expect(await cmd.exit, cmd.output()).toBe(0);
    expect(cmd.output()).toMatch(/No datasets yet/);
  });
  it('an owner that drops a call it received: NETWORK, saying it may have been done, and not sent again', async () => {
    const ws = join(t.dir, 'host-drops');
    expect(lathe(['init', '--workspace', ws]).code).toBe(0);
    let received = 0;
    const dropping = createServer((socket) =>
      socket.once('data', () => {
        received++;
        socket.destroy();
      }),
    );
    await new Promise<void>((r) => dropping.listen(0, '127.0.0.1', r));
    const port = (dropping.address() as { port: number }).port;
    const owner = background(["console.log('up'); setInterval(() => {}, 1 << 30);"], {
      cwd: t.dir,
      children,
      script: '-e',
    });
    await owner.waitFor(/up/);
    writeFileSync(
      join(ws, 'lathe.lock'),
      JSON.stringify({
        pid: owner.child.pid,
        hostname: hostname(),
        startedAt: new Date().toISOString(),
        hostUrl: `http://127.0.0.1:${port}/`,
      }),
    );
    const r = await latheAsync(['projects', 'create', 'p1', '--workspace', ws, '--json'], {
      children,
    });
    owner.child.kill('SIGKILL');
    await new Promise<void>((done) => dropping.close(() => done()));
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ error: { code: 'NETWORK' } });
    expect(r.stderr).toMatch(
      /closed the connection before answering projects:create .*it may have been done/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(received).toBe(1);
  });
  it('`lathe ui` stopped while a command it was sent runs: the command finishes and is answered', async () => {
    const ws = join(t.dir, 'ui-stops');
    // A download the test holds open: the forwarded import is in flight until it is let go.
    let requested: () => void = () => undefined;
    const arrived = new Promise<void>((r) => (requested = r));
    let letGo: () => void = () => undefined;
    const released = new Promise<void>((r) => (letGo = r));
    const files = createHttpServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.write('x,y\n1,2\n');
      requested();
      void released.then(() => res.end('3,4\n'));
    });
    await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
    const filesPort = (files.address() as { port: number }).port;
    const ui = bg(['ui', '--port', '0', '--workspace', ws, '--json']);
    const host = new URL((JSON.parse((await ui.waitFor(/^\{.*\}\n/m))[0]) as { url: string }).url);
    const imported = latheAsync(
      [
        'data',
        'import',
        `http://127.0.0.1:${filesPort}/slow.csv`,
        '--name',
        'slow',
        '--workspace',
        ws,
        '--json',
      ],
      { children },
    );
    await arrived;
    ui.child.kill('SIGINT');
    // The host stops taking connections as it starts closing; then the download completes.
    await waitFor(() => refuses(Number(host.port)), { what: 'the host to stop listening' });
    letGo();
    const r = await imported;
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ version: { rows: 2 } });
    expect(await ui.exit, ui.output()).toBe(0);
    await new Promise<void>((done) => files.close(() => done()));
    const list = lathe(['data', 'list', '--workspace', ws, '--json']);
    expect((list.json as { name: string }[]).map((d) => d.name)).toEqual(['slow']);
  });
});
