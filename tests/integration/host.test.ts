import { once } from 'node:events';
import { request } from 'node:http';
import { connect } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channels, type EventFrame, type RunStatusEvent } from '../../shared/contract';
import { startHost, type Host } from '../../main/host/server';
import { createRemoteApi } from '../../main/api/remote-api';
import { createServices, type Services } from '../../main/services';
import { readLock } from '../../main/workspace/lock';
import { rawRequest, type RawOptions } from '../helpers/raw-http';
import { tempDir, vega } from '../helpers/workspace';

const t = tempDir('lathe-host-');
let services: Services;
let host: Host;

/** A raw HTTP request, so tests can send the Host and Origin headers a hostile page would. */
const raw = (path: string, options: RawOptions = {}) => rawRequest(host.port, path, options);

const post = (channel: string, body: unknown, headers: Record<string, string> = {}) =>
  raw(`/api/invoke/${channel}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  const rendererDir = join(t.dir, 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(
    join(rendererDir, 'index.html'),
    '<!doctype html><div id="root"></div><script type="module" src="./assets/app.js"></script>',
  );
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  host = await startHost({ services, port: 0, rendererDir });
});
afterAll(async () => {
  await host.close();
  await services.close();
  t.remove();
});

describe('HTTP host', () => {
  it('listens on loopback and serves the renderer with a CSP, falling back to index.html', async () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const index = await raw('/');
    expect(index.status).toBe(200);
    expect(index.body).toMatch(/<script/);
    expect(String(index.headers['content-security-policy'])).toMatch(/default-src 'self'/);
    expect((await raw('/assets/app.js')).headers['content-type']).toMatch(/javascript/);
    expect((await raw('/experiments/deep/link')).body).toMatch(/<div id="root">/);
    expect((await raw('/../../etc/passwd')).body).not.toMatch(/root:/);
  });

  it('answers contract calls with outputs that parse against the contract', async () => {
    const r = await post('app:info', {});
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body) as { ok: boolean; result: unknown };
    expect(body.ok).toBe(true);
    expect(channels['app:info'].output.parse(body.result)).toMatchObject({
      mode: 'owner',
      pid: process.pid,
      hostUrl: null,
    });
    // Once advertised in the lock (the app, `lathe ui`), app:info names it: where a notebook points.
    services.advertiseHost(host.url);
    const advertised = JSON.parse((await post('app:info', {})).body) as { result: unknown };
    expect(advertised.result).toMatchObject({ hostUrl: host.url.replace(/\/$/, '') });
  });

  it('maps errors to status codes with a code and a message, never a stack', async () => {
    const bad = await post('data:import', { path: '', name: 'x' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toEqual({
      ok: false,
      error: { code: 'INVALID_INPUT', message: 'data:import: path: a file path is required' },
    });
    const missing = await post('data:import', { path: '/nonexistent/x.csv', name: 'x' });
    expect((JSON.parse(missing.body) as { error: { message: string } }).error.message).toMatch(
      /\/nonexistent\/x\.csv/,
    );
    expect(missing.body).not.toMatch(/at .*\.ts:\d+/);
    expect((await post('no:such', {})).status).toBe(404);
    for (const [contentType, body, status] of [
      ['text/plain', '{}', 415],
      ['application/json', '{nope', 400],
    ] as const) {
      const r = await raw('/api/invoke/app:info', {
        method: 'POST',
        body,
        headers: { 'Content-Type': contentType },
      });
      expect(r.status).toBe(status);
    }
  });

  it('answers malformed paths and request targets with 400, not 500', async () => {
    for (const path of ['/%E0%A4%A', '/api/invoke/%E0%A4%A', 'http://[']) {
      const r = raw(path, {
        method: path.startsWith('/api/') ? 'POST' : 'GET',
        headers: { Host: `127.0.0.1:${host.port}`, 'Content-Type': 'application/json' },
        body: path.startsWith('/api/') ? '{}' : undefined,
      });
      const answer = await r;
      expect(answer.status, path).toBe(400);
      expect(JSON.parse(answer.body)).toMatchObject({
        ok: false,
        error: { code: 'INVALID_INPUT' },
      });
    }
  });

  it('refuses requests from other sites (Origin) and rebound host names (Host)', async () => {
    expect((await post('app:info', {}, { Origin: 'https://evil.example' })).status).toBe(403);
    expect((await post('app:info', {}, { Host: 'evil.example' })).status).toBe(403);
    expect((await post('app:info', {}, { Origin: `http://127.0.0.1:${host.port}` })).status).toBe(
      200,
    );
  });

  it('accepts an upload and imports it, removing the staged copy', async () => {
    const up = await raw('/api/upload?name=seattle%20weather.csv', {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: Buffer.from(
        await import('node:fs').then((fs) => fs.readFileSync(vega('seattle-weather.csv'))),
      ),
    });
    const path = (JSON.parse(up.body) as { result: { path: string } }).result.path;
    expect(path.startsWith(services.workspace.paths.uploads)).toBe(true);
    const imported = JSON.parse((await post('data:import', { path, name: 'weather' })).body) as {
      ok: boolean;
      result: { version: { rows: number } };
    };
    expect(imported.result.version.rows).toBe(1461);
    const { existsSync } = await import('node:fs');
    expect(existsSync(path)).toBe(false);
  });

  it('pushes training events over the WebSocket', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api/events`);
    await new Promise((r) => ws.once('open', r));
    const frames: EventFrame[] = [];
    const finished = new Promise<void>((resolveDone) => {
      ws.on('message', (data: WebSocket.RawData) => {
        const frame = JSON.parse(Buffer.from(data as Buffer).toString('utf8')) as EventFrame;
        frames.push(frame);
        if (frame.event === 'run:status' && (frame.payload as RunStatusEvent).status === 'finished')
          resolveDone();
      });
    });
    const started = JSON.parse(
      (
        await post('train:start', {
          config: {
            dataset: 'weather',
            target: 'weather',
            task: 'multiclass',
            model: { type: 'linear' },
            training: { epochs: 3 },
          },
        })
      ).body,
    ) as { result: { runId: string } };
    await finished;
    ws.close();
    const epochs = frames
      .filter((f) => f.event === 'train:progress')
      .map((f) => (f.payload as { epoch: number; runId: string }).epoch);
    expect(epochs).toEqual([1, 2, 3]);
    expect(
      frames.every(
        (f) => channels && (f.payload as { runId?: string }).runId === started.result.runId,
      ),
    ).toBe(true);
  });

  it('refuses a WebSocket from another origin', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api/events`, {
      headers: { Origin: 'https://evil.example' },
    });
    const outcome = await new Promise<string>((r) => {
      ws.once('open', () => r('open'));
      ws.once('error', () => r('refused'));
    });
    expect(outcome).toBe('refused');
  });

  it('serves the same contract to a remote client (the CLI talking to the app)', async () => {
    const api = createRemoteApi(host.url);
    const list = await api.invoke('data:list', {});
    expect(list.map((d) => d.name)).toEqual(['weather']);
    await expect(api.invoke('data:profile', { ref: 'ghost' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    api.close();
  });
});

describe('a closing host', () => {
  it('answers a call that reaches it while it closes as not run (503 notDelivered), not by dropping the connection', async () => {
    const rendererDir = join(t.dir, 'renderer');
    const closing = await startHost({ services, port: 0, rendererDir });
    // A connection the host accepted before closing, whose request is still on its way.
    const socket = connect(closing.port, '127.0.0.1');
    await once(socket, 'connect');
    // A round trip on another connection: by its answer the host has accepted the first one too.
    expect((await fetch(`${closing.url}api/health`)).status).toBe(200);
    const closed = closing.close();
    const answer = await new Promise<{ status: number; body: string }>((resolveReq, reject) => {
      const req = request(
        {
          createConnection: () => socket,
          path: '/api/invoke/app:info',
          method: 'POST',
          headers: { Host: `127.0.0.1:${closing.port}`, 'Content-Type': 'application/json' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolveReq({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
    await closed;
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toMatchObject({
      ok: false,
      error: { code: 'WORKSPACE_LOCKED', details: { notDelivered: true } },
    });
  });

  it('takes its URL out of the workspace lock as it starts closing, and refuses (not resets) a command that read it just before', async () => {
    const rendererDir = join(t.dir, 'renderer');
    const closing = await startHost({ services, port: 0, rendererDir });
    services.advertiseHost(closing.url);
    expect(readLock(services.workspace.paths.lock)?.hostUrl).toBe(closing.url);
    const closed = closing.close();
    // From now on a command reading the lock waits for it instead of connecting here.
    expect(readLock(services.workspace.paths.lock)?.hostUrl).toBeUndefined();
    // One that read the lock before connects now: the host still listens and says the call was not run.
    const late = await fetch(`${closing.url}api/invoke/app:info`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Connection: 'close' },
      body: '{}',
    });
    expect(late.status).toBe(503);
    expect(await late.json()).toMatchObject({
      ok: false,
      error: { code: 'WORKSPACE_LOCKED', details: { notDelivered: true } },
    });
    await closed;
    // A host that was never advertised leaves the lock alone.
    services.advertiseHost(host.url);
    const other = await startHost({ services, port: 0, rendererDir });
    await other.close();
    expect(readLock(services.workspace.paths.lock)?.hostUrl).toBe(host.url);
  });
});
