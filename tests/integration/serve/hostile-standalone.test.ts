// The exported standalone server (`node server.cjs` of a Docker context) has the same protections as
// `lathe serve`: with its timeouts set short through the environment, slow-loris headers and a body that
// trickles in are cut off with a coded 408 while a normal request is answered, and a bad timeout value
// stops it before it serves; `lathe serve` reads the same variables. The model is an imported ONNX
// regression (no training needed).
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../main/services';
import { BIN, lathe } from '../../helpers/cli';
import { contractClient } from '../../helpers/services';
import { tempDir } from '../../helpers/workspace';
import { buildOnnx } from './external-onnx';

const t = tempDir('lathe-hostile-standalone-');
let services: Services;
const { call } = contractClient(() => services);
const out = join(t.dir, 'docker-linear');
const onnx = join(t.dir, 'linear.onnx');
const sig = join(t.dir, 'linear.signature.yaml');
const children: ChildProcess[] = [];
const sockets: Socket[] = [];
const timers: NodeJS.Timeout[] = [];

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws') });
  writeFileSync(
    onnx,
    buildOnnx({
      inputs: [{ name: 'float_input', elem: 'float', shape: ['N', 2] }],
      outputs: [{ name: 'variable', elem: 'float', shape: ['N', 1] }],
      initializers: [
        { name: 'coef', dims: [2, 1], data: [1.5, -2] },
        { name: 'intercept', dims: [1], data: [0.25] },
      ],
      nodes: [
        { op: 'MatMul', inputs: ['float_input', 'coef'], outputs: ['mm'] },
        { op: 'Add', inputs: ['mm', 'intercept'], outputs: ['variable'] },
      ],
    }),
  );
  writeFileSync(
    sig,
    'task: regression\ntarget: y\nfeatures:\n  - {name: a, type: number}\n  - {name: b, type: number}\ninputs:\n  - {name: float_input, features: [a, b]}\noutput: {name: variable, kind: value}\n',
  );
  await call('models:import', { name: 'linear', onnx, signature: sig });
  await call('export:docker', { ref: 'linear@1', out });
}, 120_000);

afterAll(async () => {
  for (const x of timers) clearInterval(x);
  for (const s of sockets) s.destroy();
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await services?.close().catch(() => undefined);
  t.remove();
});

/** Starts `node server.cjs` with `env`; resolves with its first stdout line (JSON) and the process. */
function standalone(env: Record<string, string>) {
  const child = spawn(process.execPath, ['server.cjs'], {
    cwd: out,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const first = new Promise<Record<string, unknown>>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (l) =>
      resolve(JSON.parse(l) as Record<string, unknown>),
    );
    child.once('close', (code) => reject(new Error(`server.cjs exited ${code} before printing`)));
  });
  return { child, first };
}

interface Raw {
  received(): string;
  isClosed(): boolean;
  closed: Promise<void>;
  socket: Socket;
}
async function rawClient(port: number): Promise<Raw> {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  let text = '';
  let isClosed = false;
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((r) =>
    socket.once('close', () => {
      isClosed = true;
      r();
    }),
  );
  await new Promise<void>((r) => socket.once('connect', () => r()));
  return { socket, received: () => text, isClosed: () => isClosed, closed };
}
function drip(c: Raw, text: string) {
  let i = 0;
  const x = setInterval(() => {
    if (c.isClosed() || i >= text.length) return clearInterval(x);
    c.socket.write(text[i++]!);
  }, 15);
  timers.push(x);
}
const bodyOf = (response: string) =>
  JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as { code: string; error: string };

describe('the exported standalone server under slow clients', () => {
  it('cuts off slow-loris headers and a trickled body (timeouts from the environment) and answers others', async () => {
    const { first } = standalone({
      LATHE_SERVE_HEADERS_TIMEOUT_MS: '2500',
      LATHE_SERVE_REQUEST_TIMEOUT_MS: '6000',
      LATHE_SERVE_BODY_TIMEOUT_MS: '2500',
    });
    const url = (await first).url as string;
    const port = Number(new URL(url).port);
    const loris = await rawClient(port);
    drip(loris, `POST /v1/models/linear/predict HTTP/1.1\r\nX-Pad: ${'a'.repeat(10_000)}`);
    const trickle = await rawClient(port);
    const body = JSON.stringify({ a: 1, b: 1, pad: 'p'.repeat(5000) });
    trickle.socket.write(
      `POST /v1/models/linear/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    drip(trickle, body);
    for (let i = 0; i < 10; i++) {
      const r = await fetch(`${url}/v1/models/linear/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ a: i, b: 1 }),
      });
      expect(r.status).toBe(200);
      const p = ((await r.json()) as { prediction: number }).prediction;
      expect(p).toBeCloseTo(1.5 * i - 2 + 0.25, 5);
    }
    expect([loris.isClosed(), trickle.isClosed()]).toEqual([false, false]);
    await Promise.all([loris.closed, trickle.closed]);
    for (const c of [loris, trickle]) {
      expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
      expect(bodyOf(c.received()).code).toBe('REQUEST_TIMEOUT');
    }
    const m = await (await fetch(`${url}/metrics`)).text();
    expect(m).toMatch(/lathe_timeouts_total\{kind="headers"\} 1/);
    expect(m).toMatch(/lathe_timeouts_total\{kind="body"\} 1/);
  }, 60_000);

  it('refuses a timeout that is not a positive whole number of milliseconds, naming the variable', async () => {
    const { child, first } = standalone({ LATHE_SERVE_WRITE_TIMEOUT_MS: 'soon' });
    const exit = new Promise<number | null>((r) => child.once('exit', r));
    const line = await first;
    expect(line).toMatchObject({ type: 'fatal' });
    expect(line.error).toMatch(/LATHE_SERVE_WRITE_TIMEOUT_MS=soon/);
    expect(await exit).toBe(1);
  }, 60_000);
});

describe('lathe serve reads the same timeouts', () => {
  const W = join(t.dir, 'ws-cli');
  /** `lathe serve` with `env`; resolves with its first stdout line, or its exit when it prints none. */
  const serve = (env: Record<string, string>) => {
    const child = spawn(
      process.execPath,
      [BIN, 'serve', 'linear@1', '--port', '0', '--workspace', W, '--json'],
      {
        env: { ...process.env, NO_COLOR: '1', LATHE_HOME: '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    return new Promise<{ url?: string; code: number | null; stdout: string; stderr: string }>(
      (resolve) => {
        // Listening prints one JSON line with the url; a failure prints an indented JSON error.
        createInterface({ input: child.stdout }).on('line', (l) => {
          stdout += `${l}\n`;
          if (l.startsWith('{"')) {
            const url = (JSON.parse(l) as { url?: string }).url;
            if (url) resolve({ url, code: null, stdout, stderr });
          }
        });
        child.once('close', (code) => resolve({ code, stdout, stderr }));
      },
    );
  };

  beforeAll(() => {
    const r = lathe([
      'models',
      'import',
      'linear',
      '--onnx',
      onnx,
      '--signature',
      sig,
      '--workspace',
      W,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
  }, 120_000);

  it('refuses a bad timeout with a message naming the variable, no stack, and does not serve', async () => {
    const r = await serve({ LATHE_SERVE_BODY_TIMEOUT_MS: '10s' });
    expect(r.url).toBeUndefined();
    expect(r.code).not.toBe(0);
    const text = r.stdout + r.stderr;
    expect(text).toContain('LATHE_SERVE_BODY_TIMEOUT_MS=10s');
    expect(text).toMatch(/INVALID_CONFIG/);
    expect(text).not.toMatch(/\n\s+at .+:\d+/);
  }, 60_000);

  it('cuts off a slow-loris client after LATHE_SERVE_HEADERS_TIMEOUT_MS', async () => {
    const r = await serve({ LATHE_SERVE_HEADERS_TIMEOUT_MS: '1000' });
    expect(r.url, r.stderr).toBeDefined();
    const loris = await rawClient(Number(new URL(r.url!).port));
    loris.socket.write('POST /v1/models/linear/predict HTTP/1.1\r\nHost: x\r\n');
    const ok = await fetch(`${r.url!}/v1/models/linear/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ a: 2, b: 1 }),
    });
    expect(ok.status).toBe(200);
    await loris.closed;
    expect(loris.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(bodyOf(loris.received()).code).toBe('REQUEST_TIMEOUT');
  }, 60_000);
});
