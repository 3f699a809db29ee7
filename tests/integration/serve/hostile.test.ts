// The prediction server under hostile clients, over real sockets on port 0: a bounded burst of mixed
// valid and invalid requests (every answered one captured in a real DuckDB capture table, no 5xx),
// a key pushed over its rate limit, slow-loris headers, bodies that trickle in, clients that never
// read their answers, and error codes of failures a predictor reports. Memory over a long run is the
// bench's job (bench/serve-hostile.mjs): a few seconds of RSS inside vitest measure the GC, not the server.
import { connect, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LatheError } from '../../../shared/contract';
import { captureSink, captureTableOf, captureTargets } from '../../../main/serve/capture';
import { hashKey, keyAuth } from '../../../main/serve/keys';
import { createPredictionLog } from '../../../main/serve/prediction-log';
import {
  MAX_UNFINISHED_PER_CONNECTION,
  pathOf,
  resolveTimeouts,
  startPredictServer,
  timeoutsFromEnv,
  type PredictServer,
  type PredictServerOptions,
} from '../../../main/serve/server';
import type { Prediction } from '../../../main/serve/types';
import { ident, openDatabase, type Database } from '../../../main/workspace/db';
import { migrate } from '../../../main/workspace/migrations';
import { waitFor } from '../../helpers/wait';
import { LinearPredictor, SIGNATURE } from './fake-predictor';

const servers: PredictServer[] = [];
const sockets: Socket[] = [];
const timers: NodeJS.Timeout[] = [];
afterEach(async () => {
  for (const t of timers.splice(0)) clearInterval(t);
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Answers a string of `x1` characters per record: the client chooses how large the response is. */
class BigPredictor extends LinearPredictor {
  constructor() {
    super(1, 1, 'big');
  }
  override predictRecords(records: readonly Record<string, unknown>[]): Promise<Prediction[]> {
    return Promise.resolve(records.map((r) => ({ prediction: 'x'.repeat(Number(r.x1)) })));
  }
}

async function serve(extra: Partial<PredictServerOptions> = {}) {
  const s = await startPredictServer({
    models: [
      { name: 'm', champion: new LinearPredictor(1) },
      { name: 'big', champion: new BigPredictor() },
    ],
    port: 0,
    ...extra,
  });
  servers.push(s);
  return s;
}

const rec = { x1: 1, x2: 2, color: 'red' };

/** A raw connection: what it received (latin1), and whether / when it closed. */
interface Raw {
  socket: Socket;
  received(): string;
  /** Starts collecting what arrives (a client that reads). */
  read(): void;
  isClosed(): boolean;
  closed: Promise<void>;
}
async function rawClient(s: PredictServer, { reading = true } = {}): Promise<Raw> {
  const socket = connect(s.port, '127.0.0.1');
  sockets.push(socket);
  let text = '';
  let isClosed = false;
  const closed = new Promise<void>((r) =>
    socket.once('close', () => {
      isClosed = true;
      r();
    }),
  );
  socket.on('error', () => undefined);
  const read = () => {
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.resume();
  };
  await new Promise<void>((r) => socket.once('connect', () => r()));
  if (reading) read();
  else socket.pause();
  return { socket, received: () => text, read, isClosed: () => isClosed, closed };
}

/** Writes `text` one byte at a time (every few ms) until the socket closes; it is long enough never to end. */
function drip(c: Raw, text: string) {
  let i = 0;
  const t = setInterval(() => {
    if (c.isClosed() || i >= text.length) return clearInterval(t);
    c.socket.write(text[i++]!);
  }, 15);
  timers.push(t);
}

const metric = async (s: PredictServer, kind: string) => {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  return Number(new RegExp(`lathe_timeouts_total\\{kind="${kind}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
};

/** The JSON body of a raw HTTP/1.1 response. */
const bodyOf = (response: string) =>
  JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as { code: string; error: string };

/** A small deterministic generator (mulberry32), so each run sends the same mix. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('prediction server under a mixed hostile load', () => {
  let db: Database;
  beforeEach(async () => {
    db = await openDatabase(':memory:');
    await migrate(db);
  });
  afterEach(() => db.close());

  it('answers 600 mixed requests with no 5xx, a coded 4xx for each bad one, 429 over the limit, and captures every 200', async () => {
    const version = { id: 'v-m-1', model: 'm', version: 1, signature: SIGNATURE };
    const targets = await captureTargets(db, [version], 'hostile');
    const log = createPredictionLog(captureSink(db, targets), { flushMs: 50 });
    const LIMIT = 5;
    const s = await serve({
      maxBodyBytes: 4096,
      maxBatch: 5,
      log,
      auth: keyAuth(
        [
          { id: 'k1', name: 'main', hash: hashKey('good'), models: null, rateLimit: null },
          { id: 'k2', name: 'tight', hash: hashKey('tight'), models: null, rateLimit: LIMIT },
        ],
        true,
      ),
    });
    const predict = `${s.url}/v1/models/m/predict`;
    const json = { 'content-type': 'application/json', authorization: 'Bearer good' };
    const deep = `${'['.repeat(1500)}${']'.repeat(1500)}`;
    // Each invalid kind: the request and the status and code it must get.
    const invalid: [string, () => [string, RequestInit], number, string][] = [
      [
        'wrong type',
        () => [
          predict,
          { method: 'POST', headers: json, body: JSON.stringify({ ...rec, x1: 'abc' }) },
        ],
        422,
        'INVALID_INPUT',
      ],
      [
        'missing field',
        () => [predict, { method: 'POST', headers: json, body: '{"x1":1}' }],
        422,
        'INVALID_INPUT',
      ],
      [
        'malformed JSON',
        () => [predict, { method: 'POST', headers: json, body: '{"x1": 1,' }],
        400,
        'INVALID_INPUT',
      ],
      [
        'deep nesting',
        () => [predict, { method: 'POST', headers: json, body: deep }],
        422,
        'INVALID_INPUT',
      ],
      [
        'too many records',
        () => [
          predict,
          { method: 'POST', headers: json, body: JSON.stringify(Array(6).fill(rec)) },
        ],
        422,
        'INVALID_INPUT',
      ],
      [
        'oversized',
        () => [
          predict,
          {
            method: 'POST',
            headers: json,
            body: JSON.stringify({ ...rec, pad: 'x'.repeat(5000) }),
          },
        ],
        413,
        'PAYLOAD_TOO_LARGE',
      ],
      [
        'unknown model',
        () => [
          `${s.url}/v1/models/nope/predict`,
          { method: 'POST', headers: json, body: JSON.stringify(rec) },
        ],
        404,
        'NOT_FOUND',
      ],
      ['unknown route', () => [`${s.url}/v2/everything`, {}], 404, 'NOT_FOUND'],
      ['wrong method', () => [predict, { headers: json }], 405, 'METHOD_NOT_ALLOWED'],
      [
        'bad key',
        () => [
          predict,
          {
            method: 'POST',
            headers: { ...json, authorization: 'Bearer nope' },
            body: JSON.stringify(rec),
          },
        ],
        401,
        'UNAUTHORIZED',
      ],
    ];
    const rand = random(13);
    type Plan =
      | { kind: 'valid'; id: string; record: typeof rec }
      | { kind: 'limited'; id: string }
      | { kind: 'invalid'; which: number };
    const plan: Plan[] = [];
    for (let i = 0; plan.length < 600; i++) {
      const r = rand();
      // Every 100th slot opens a burst of 12 requests on the tight key, over its limit of 5.
      if (i % 100 === 50)
        for (let b = 0; b < 12; b++) plan.push({ kind: 'limited', id: `lim-${i}-${b}` });
      else if (r < 0.2) plan.push({ kind: 'invalid', which: Math.floor(rand() * invalid.length) });
      else
        plan.push({
          kind: 'valid',
          id: `ok-${i}`,
          record: { x1: Math.round(rand() * 100), x2: Math.round(rand() * 10), color: 'red' },
        });
    }
    const results: {
      plan: Plan;
      status: number;
      body: Record<string, unknown>;
      headers: Headers;
    }[] = [];
    const started = Date.now();
    let next = 0;
    const worker = async () => {
      while (next < plan.length) {
        const p = plan[next++]!;
        const [url, init]: [string, RequestInit] =
          p.kind === 'valid'
            ? [
                predict,
                {
                  method: 'POST',
                  headers: { ...json, 'x-request-id': p.id },
                  body: JSON.stringify(p.record),
                },
              ]
            : p.kind === 'limited'
              ? [
                  predict,
                  {
                    method: 'POST',
                    headers: { ...json, authorization: 'Bearer tight', 'x-request-id': p.id },
                    body: JSON.stringify(rec),
                  },
                ]
              : invalid[p.which]![1]();
        const r = await fetch(url, init);
        results.push({
          plan: p,
          status: r.status,
          body: (await r.json()) as Record<string, unknown>,
          headers: r.headers,
        });
      }
    };
    await Promise.all(Array.from({ length: 12 }, worker));
    const elapsedMs = Date.now() - started;
    expect(results).toHaveLength(plan.length);
    expect(results.filter((r) => r.status >= 500)).toEqual([]);

    const kinds = new Set<string>();
    for (const r of results) {
      if (r.plan.kind === 'valid') {
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        expect(r.body.prediction).toBe(r.plan.record.x1 + 2 * r.plan.record.x2 + 1);
      } else if (r.plan.kind === 'invalid') {
        const [name, , status, code] = invalid[r.plan.which]!;
        kinds.add(name);
        expect(r.status, name).toBe(status);
        expect(r.body, name).toMatchObject({ code, error: expect.any(String) as unknown });
        expect(JSON.stringify(r.body)).not.toMatch(/\.ts:\d+|at .*\(/);
      } else if (r.status === 429) {
        expect(r.body).toMatchObject({ code: 'RATE_LIMITED' });
        expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      } else expect(r.status).toBe(200);
    }
    expect(kinds.size).toBe(invalid.length);
    // The tight key: its bucket of 5 plus what refilled at 5 a minute while the test ran.
    const limited = results.filter((r) => r.plan.kind === 'limited');
    const allowed = LIMIT + Math.ceil((elapsedMs * LIMIT) / 60_000);
    expect(limited.filter((r) => r.status === 200).length).toBeLessThanOrEqual(allowed);
    expect(limited.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(
      limited.length - allowed,
    );

    // Every answered prediction is in the capture table once the server has closed (and flushed).
    await s.close();
    const answered = results
      .filter((r) => r.status === 200)
      .map((r) => (r.plan as { id: string }).id)
      .sort();
    const table = (await captureTableOf(db, version.id))!;
    const captured = (
      await db.all<{ id: string }>(`SELECT _row_id AS id FROM ${ident(table.table)} ORDER BY 1`)
    ).map((r) => r.id);
    expect(captured).toEqual(answered);
    expect(log.stats.failed).toBe(0);
  }, 60_000);
});

describe('prediction server against slow and non-reading clients', () => {
  // Long enough that the answers to normal requests arrive first, short enough for a test.
  const timeouts = {
    headersMs: 2500,
    requestMs: 6000,
    bodyMs: 2500,
    writeMs: 2500,
    keepAliveMs: 6000,
  };

  it('cuts off slow-loris headers and trickled bodies with a coded 408, answering others meanwhile', async () => {
    const s = await serve({ timeouts });
    const loris = await Promise.all([1, 2, 3].map(() => rawClient(s)));
    for (const c of loris)
      drip(c, `POST /v1/models/m/predict HTTP/1.1\r\nX-Pad: ${'a'.repeat(10_000)}`);
    const trickle = await Promise.all([1, 2, 3].map(() => rawClient(s)));
    const body = JSON.stringify({ ...rec, pad: 'y'.repeat(5000) });
    for (const c of trickle) {
      c.socket.write(
        `POST /v1/models/m/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
      );
      drip(c, body);
    }
    // While they hang, normal requests are answered.
    for (let i = 0; i < 20; i++) {
      const r = await fetch(`${s.url}/v1/models/m/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...rec, x1: i }),
      });
      expect(r.status).toBe(200);
      expect(((await r.json()) as { prediction: number }).prediction).toBe(i + 5);
    }
    expect([...loris, ...trickle].filter((c) => c.isClosed())).toEqual([]);
    // Then the server closes each hostile socket, with a 408 that says why.
    await Promise.all([...loris, ...trickle].map((c) => c.closed));
    for (const c of [...loris, ...trickle]) {
      expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
      expect(bodyOf(c.received()).code).toBe('REQUEST_TIMEOUT');
    }
    expect(bodyOf(trickle[0]!.received()).error).toMatch(/did not arrive within 2500 ms/);
    expect(await metric(s, 'headers')).toBe(3);
    expect(await metric(s, 'body')).toBe(3);
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
  }, 30_000);

  it('drops a large response the client never reads after the write timeout', async () => {
    // Building a 16 MB answer holds the event loop for a while; a connection node accepted just before
    // would have its headers read only after it, so the headers and body timeouts stay long here.
    const s = await serve({
      timeouts: {
        headersMs: 20_000,
        requestMs: 20_000,
        bodyMs: 20_000,
        writeMs: 300,
        keepAliveMs: 20_000,
      },
    });
    const size = 16 * 1024 * 1024;
    const c = await rawClient(s, { reading: false });
    const body = JSON.stringify({ ...rec, x1: size });
    c.socket.write(
      `POST /v1/models/big/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    // Others are answered while it hangs; the server gives up on it.
    const r = await fetch(`${s.url}/v1/models/m/predict`, {
      method: 'POST',
      body: JSON.stringify(rec),
    });
    expect(r.status, await r.text()).toBe(200);
    await waitFor(async () => (await metric(s, 'write')) === 1, {
      what: 'the write timeout',
      timeoutMs: 20_000,
    });
    // Reading now gets what the kernel had buffered, then the end: never the whole answer.
    c.read();
    await c.closed;
    expect(c.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(c.received().length).toBeLessThan(size);
  }, 30_000);

  it('disconnects a client that pipelines requests without reading the answers', async () => {
    const s = await serve({ timeouts });
    const c = await rawClient(s, { reading: false });
    const body = JSON.stringify({ ...rec, x1: 200_000 });
    const one = `POST /v1/models/big/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    c.socket.write(one.repeat(MAX_UNFINISHED_PER_CONNECTION * 2));
    await waitFor(async () => (await metric(s, 'pipeline')) >= 1, {
      what: 'the pipeline limit',
      timeoutMs: 20_000,
    });
    const r = await fetch(`${s.url}/v1/models/m/predict`, {
      method: 'POST',
      body: JSON.stringify(rec),
    });
    expect(r.status, await r.text()).toBe(200);
    c.read();
    await c.closed;
    expect(c.received().length).toBeLessThan(200_000 * MAX_UNFINISHED_PER_CONNECTION * 2);
  }, 30_000);

  it('closes without waiting for a slow-loris client to time out', async () => {
    const s = await serve({ timeouts: { ...timeouts, headersMs: 60_000, requestMs: 60_000 } });
    const c = await rawClient(s);
    drip(c, `GET /health HTTP/1.1\r\nX-Pad: ${'a'.repeat(10_000)}`);
    await fetch(`${s.url}/health`);
    await s.close();
    await c.closed;
    expect(c.received()).toBe('');
  }, 30_000);
});

describe('prediction server error codes', () => {
  const failing = (err: Error) => {
    const p = new LinearPredictor(1);
    p.predictRecords = () => Promise.reject(err);
    return p;
  };

  it('answers a predictor GATE_FAILED or CANCELLED with 409 and the code, bad input 422, anything else 500', async () => {
    const cases: [Error, number, string][] = [
      [new LatheError('GATE_FAILED', 'val_accuracy 0.5 < 0.9'), 409, 'GATE_FAILED'],
      [new LatheError('CANCELLED', 'the run was cancelled'), 409, 'CANCELLED'],
      [new LatheError('INVALID_INPUT', 'plan: unknown value'), 422, 'INVALID_INPUT'],
      [new LatheError('CORRUPT_FILE', '/secret/model.onnx is corrupt'), 500, 'INTERNAL'],
      [new Error('boom at /secret/path.ts:12'), 500, 'INTERNAL'],
    ];
    for (const [err, status, code] of cases) {
      const s = await startPredictServer({
        models: [{ name: 'm', champion: failing(err) }],
        port: 0,
      });
      servers.push(s);
      const r = await fetch(`${s.url}/v1/models/m/predict`, {
        method: 'POST',
        body: JSON.stringify(rec),
      });
      expect(r.status, code).toBe(status);
      const b = (await r.json()) as { code: string; error: string };
      expect(b.code).toBe(code);
      if (status === 500) expect(b.error).not.toMatch(/secret|boom/);
      else expect(b.error).toBe(err.message);
    }
  });

  it('answers a target new URL() refuses and malformed HTTP with a coded 400 (not a 500), oversized headers 431', async () => {
    expect(pathOf('http://[')).toBeNull();
    const s = await serve();
    for (const request of [
      'GET http://[ HTTP/1.1\r\nHost: x\r\n\r\n',
      'POST http://%zz/v1/models/m/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}',
      'NOT HTTP AT ALL\r\n\r\n',
    ]) {
      const c = await rawClient(s);
      c.socket.end(request);
      await c.closed;
      expect(c.received(), request).toMatch(/^HTTP\/1\.1 400 /);
      expect(bodyOf(c.received()).code).toBe('INVALID_INPUT');
    }
    // Headers over node's 16 KiB limit.
    const c = await rawClient(s);
    c.socket.end(`GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`);
    await c.closed;
    expect(c.received()).toMatch(/^HTTP\/1\.1 431 /);
    expect(bodyOf(c.received()).code).toBe('HEADERS_TOO_LARGE');
    const m = await (await fetch(`${s.url}/metrics`)).text();
    expect(m).not.toMatch(/status="5\d\d"/);
    // The process's memory is exported beside the counters (bench/serve-hostile.mjs reads it).
    expect(m).toMatch(/^process_resident_memory_bytes \d+$/m);
    expect(m).toMatch(/^nodejs_heap_used_bytes \d+$/m);
  });

  it('reads timeouts from the environment and refuses bad values naming the variable', () => {
    expect(
      timeoutsFromEnv({ LATHE_SERVE_HEADERS_TIMEOUT_MS: '2000', LATHE_SERVE_WRITE_TIMEOUT_MS: '' }),
    ).toEqual({ headersMs: 2000 });
    expect(resolveTimeouts({ bodyMs: 50 }, { LATHE_SERVE_BODY_TIMEOUT_MS: '99' }).bodyMs).toBe(50);
    expect(resolveTimeouts({}, { LATHE_SERVE_BODY_TIMEOUT_MS: '99' }).bodyMs).toBe(99);
    for (const bad of ['abc', '0', '-5', '1.5', '1e400']) {
      expect(() => timeoutsFromEnv({ LATHE_SERVE_BODY_TIMEOUT_MS: bad })).toThrow(
        expect.objectContaining({
          code: 'INVALID_CONFIG',
          message: expect.stringContaining(`LATHE_SERVE_BODY_TIMEOUT_MS=${bad}`) as unknown,
        }) as Error,
      );
    }
    expect(() => resolveTimeouts({ headersMs: 5000, requestMs: 1000 }, {})).toThrow(
      /headers timeout \(5000 ms/,
    );
  });
});
