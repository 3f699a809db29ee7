// The prediction server over real sockets on port 0, with LinearPredictor standing in for ONNX models
// (prediction = x1 + 2·x2 + version), so every answer is checkable.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { hashKey, keyAuth } from '../../../main/serve/keys';
import { createPredictionLog, type PredictionLogRow } from '../../../main/serve/prediction-log';
import {
  startPredictServer,
  type PredictServer,
  type PredictServerOptions,
} from '../../../main/serve/server';
import { waitFor } from '../../helpers/wait';
import { LinearPredictor } from './fake-predictor';

const servers: PredictServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(extra: Partial<PredictServerOptions> = {}, champion = new LinearPredictor(1)) {
  const s = await startPredictServer({ models: [{ name: 'm', champion }], port: 0, ...extra });
  servers.push(s);
  return s;
}

const rec = { x1: 1, x2: 2, color: 'red' };
const post = (s: PredictServer, body: unknown, headers: Record<string, string> = {}, model = 'm') =>
  fetch(`${s.url}/v1/models/${model}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

function memoryLog() {
  const rows: PredictionLogRow[] = [];
  const log = createPredictionLog(
    {
      write: async ({ lines }) =>
        void rows.push(
          ...lines
            .toString('utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as PredictionLogRow),
        ),
    },
    { flushMs: 20, maxRows: 50 },
  );
  return { rows, log };
}

describe('prediction server', () => {
  it('predicts one record (top-level prediction) and batches in order', async () => {
    const s = await serve();
    const one = await post(s, rec, { 'x-request-id': 'abc-1' });
    expect(one.status).toBe(200);
    expect(one.headers.get('x-request-id')).toBe('abc-1');
    expect(await one.json()).toEqual({
      model: 'm',
      version: 1,
      request_id: 'abc-1',
      prediction: 6,
      predictions: [{ prediction: 6 }],
    });
    const many = (await (
      await post(s, { records: [rec, { ...rec, x1: 10, extra: 1 }] })
    ).json()) as {
      predictions: { prediction: number }[];
      prediction?: number;
    };
    expect(many.predictions.map((p) => p.prediction)).toEqual([6, 15]);
    expect(many.prediction).toBeUndefined();
    const arr = await post(s, [{ x1: null, x2: 1, color: null }]);
    expect(((await arr.json()) as { predictions: unknown[] }).predictions).toEqual([
      { prediction: 3 },
    ]);
    expect(arr.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 400, 404, 405, 413 and 422 with JSON and no stack', async () => {
    const s = await serve({ maxBodyBytes: 2000, maxBatch: 3 });
    const bad = await post(s, '{"x1":');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/not JSON/);
    expect((await post(s, rec, {}, 'nope')).status).toBe(404);
    expect((await fetch(`${s.url}/elsewhere`)).status).toBe(404);
    const get = await fetch(`${s.url}/v1/models/m/predict`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect((await fetch(`${s.url}/health`, { method: 'POST' })).status).toBe(405);
    const big = await post(s, { ...rec, pad: 'x'.repeat(3000) });
    expect(big.status).toBe(413);
    const invalid = await post(s, { ...rec, x1: 'abc', color: [1] });
    expect(invalid.status).toBe(422);
    const body = (await invalid.json()) as {
      error: string;
      fields: { field: string; message: string }[];
    };
    expect(body.fields.map((f) => f.field).sort()).toEqual(['color', 'x1']);
    expect(body.fields.find((f) => f.field === 'x1')!.message).toMatch(/expected number or null/);
    expect((await post(s, [rec, rec, rec, rec])).status).toBe(422);
    for (const r of [bad, invalid]) expect(JSON.stringify(r)).not.toMatch(/at .*\.ts:\d+/);
    // An empty numeric cell, as a CSV row sent as JSON carries it, is missing: scored like null.
    const blank = await post(s, { ...rec, x1: '' });
    const missing = await post(s, { ...rec, x1: null });
    expect(blank.status).toBe(200);
    const scored = (r: unknown) => (r as { prediction: unknown }).prediction;
    expect(scored(await blank.json())).toEqual(scored(await missing.json()));
  });

  it('returns 500 without a stack when the model throws', async () => {
    const p = new LinearPredictor(1);
    p.predictRecords = () => Promise.reject(new Error('boom at /secret/path.ts:12'));
    const s = await serve({}, p);
    const r = await post(s, rec);
    expect(r.status).toBe(500);
    const text = await r.text();
    expect(text).not.toMatch(/boom|secret/);
  });

  it('serves /health, /ready, Prometheus /metrics and /openapi.json', async () => {
    const s = await serve();
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
    expect(await (await fetch(`${s.url}/ready`)).json()).toMatchObject({
      status: 'ready',
      models: [{ name: 'm', version: 1 }],
    });
    await post(s, rec);
    await post(s, { x1: 'a' });
    const m = await (await fetch(`${s.url}/metrics`)).text();
    expect(m).toMatch(/# TYPE lathe_requests_total counter/);
    expect(m).toMatch(/lathe_requests_total\{model="m",version="1",status="200"\} 1/);
    expect(m).toMatch(/lathe_requests_total\{model="m",version="1",status="422"\} 1/);
    expect(m).toMatch(/lathe_errors_total\{model="m",version="1",kind="client"\} 1/);
    expect(m).toMatch(/lathe_request_duration_seconds_count\{model="m",version="1"\} 1/);
    const doc = (await (await fetch(`${s.url}/openapi.json`)).json()) as {
      openapi: string;
      paths: object;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/v1/models/m/predict');
  });

  it('requires keys: 401 without or with a bad key, 403 for another model, 429 with Retry-After', async () => {
    const keys = [
      { id: 'k1', name: 'limited', hash: hashKey('secret-1'), models: ['m'], rateLimit: 2 },
      { id: 'k2', name: 'other', hash: hashKey('secret-2'), models: ['other'], rateLimit: null },
    ];
    const s = await serve({ auth: keyAuth(keys) });
    const none = await post(s, rec);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/Bearer/);
    expect((await post(s, rec, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await post(s, rec, { authorization: 'Bearer secret-2' })).status).toBe(403);
    expect((await post(s, rec, { authorization: 'Bearer secret-1' })).status).toBe(200);
    expect((await post(s, rec, { authorization: 'Bearer secret-1' })).status).toBe(200);
    const limited = await post(s, rec, { authorization: 'Bearer secret-1' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
  });

  it('lets requests through without a key when none exists, unless keys are required', async () => {
    const open = await serve({ auth: keyAuth([]) });
    expect((await post(open, rec)).status).toBe(200);
    const closed = await serve({ auth: keyAuth([], true) });
    expect((await post(closed, rec)).status).toBe(401);
  });

  it('logs every prediction off the request path', async () => {
    const { rows, log } = memoryLog();
    const s = await serve({ log });
    await post(s, rec, { 'x-request-id': 'r-1' });
    await post(s, [rec, rec], { 'x-request-id': 'r-2' });
    await s.close();
    expect(
      rows.map((r) => [r.requestId, r.version, r.role, r.features.length, r.predictions.length]),
    ).toEqual([
      ['r-1', 1, 'champion', 1, 1],
      ['r-2', 1, 'champion', 2, 2],
    ]);
    expect(rows[0]!.features[0]).toEqual(rec);
    expect(rows[0]!.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('hot-swaps under concurrent load with no failed request; the old model finishes its requests', async () => {
    const v1 = new LinearPredictor(1);
    let open!: () => void;
    v1.gate = new Promise((r) => (open = r));
    const s = await serve({}, v1);
    const before = Array.from({ length: 20 }, () => post(s, rec));
    await waitFor(() => v1.calls >= 20, { what: 'the 20 gated requests to reach model v1' });
    const v2 = new LinearPredictor(2);
    await s.swap('m', v2);
    expect(v1.closed).toBe(false);
    const during = Array.from({ length: 200 }, () => post(s, rec));
    open();
    const results = await Promise.all(
      [...before, ...during].map(async (r) => {
        const res = await r;
        return {
          status: res.status,
          body: (await res.json()) as { version: number; prediction: number },
        };
      }),
    );
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect(results.slice(0, 20).every((r) => r.body.version === 1 && r.body.prediction === 6)).toBe(
      true,
    );
    expect(results.slice(20).every((r) => r.body.version === 2 && r.body.prediction === 7)).toBe(
      true,
    );
    expect(v1.closed).toBe(true);
  });

  it('a request whose body is still arriving during a swap is answered by the new model', async () => {
    const v1 = new LinearPredictor(1);
    const s = await serve({}, v1);
    const text = JSON.stringify(rec);
    const req = request(`${s.url}/v1/models/m/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(text.length) },
    });
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
    });
    req.write(text.slice(0, 5));
    // A full round trip on another connection: the server has read the first request's head by then.
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
    await s.swap('m', new LinearPredictor(2));
    expect(v1.closed).toBe(true);
    req.end(text.slice(5));
    const r = await answer;
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ version: 2, prediction: 7 });
  });

  it('splits canary traffic by weight within tolerance over 2,000 requests', async () => {
    const s = await startPredictServer({
      models: [
        {
          name: 'm',
          champion: new LinearPredictor(1),
          canary: { predictor: new LinearPredictor(2), percent: 10 },
        },
      ],
      port: 0,
    });
    servers.push(s);
    const versions: number[] = [];
    for (let i = 0; i < 2000; i += 100) {
      const batch = await Promise.all(
        Array.from({ length: 100 }, () =>
          post(s, rec).then((r) => r.json() as Promise<{ version: number; prediction: number }>),
        ),
      );
      for (const b of batch) {
        expect(b.prediction).toBe(5 + b.version);
        versions.push(b.version);
      }
    }
    const share = versions.filter((v) => v === 2).length / versions.length;
    expect(share).toBeGreaterThan(0.07);
    expect(share).toBeLessThan(0.13);
    const same = await Promise.all(
      [1, 2, 3].map(() =>
        post(s, rec, { 'x-request-id': 'sticky-7' }).then(
          (r) => r.json() as Promise<{ version: number }>,
        ),
      ),
    );
    expect(new Set(same.map((b) => b.version)).size).toBe(1);
  });

  it('shadow mode: the champion answers, both are scored and logged', async () => {
    const { rows, log } = memoryLog();
    const shadow = new LinearPredictor(5);
    const s = await startPredictServer({
      models: [{ name: 'm', champion: new LinearPredictor(1), shadow }],
      port: 0,
      log,
    });
    const body = (await (await post(s, rec, { 'x-request-id': 'sh-1' })).json()) as {
      version: number;
      prediction: number;
    };
    expect(body).toMatchObject({ version: 1, prediction: 6 });
    await s.close();
    const byRole = Object.fromEntries(rows.map((r) => [r.role, r]));
    expect(byRole.champion).toMatchObject({
      requestId: 'sh-1',
      version: 1,
      predictions: [{ prediction: 6 }],
    });
    expect(byRole.shadow).toMatchObject({
      requestId: 'sh-1',
      version: 5,
      predictions: [{ prediction: 10 }],
    });
    expect(shadow.closed).toBe(true);
  });

  it('refuses a challenger that reads inputs the champion does not take', async () => {
    const other = new LinearPredictor(2);
    Object.assign(other.meta, {
      signature: {
        ...other.meta.signature,
        inputs: [...other.meta.signature.inputs, { name: 'x9', type: 'DOUBLE', kind: 'numeric' }],
      },
    });
    await expect(
      startPredictServer({
        models: [{ name: 'm', champion: new LinearPredictor(1), shadow: other }],
        port: 0,
      }),
    ).rejects.toThrow(/m@2 reads inputs m@1 does not take: x9/);
  });

  it('graceful close finishes in-flight requests and refuses new connections', async () => {
    const p = new LinearPredictor(1);
    let open!: () => void;
    p.gate = new Promise((r) => (open = r));
    const s = await startPredictServer({ models: [{ name: 'm', champion: p }], port: 0 });
    const inflight = post(s, rec);
    await waitFor(() => p.calls >= 1, { what: 'the in-flight request to reach the model' });
    const closed = s.close();
    open();
    expect((await inflight).status).toBe(200);
    await closed;
    await expect(fetch(`${s.url}/health`)).rejects.toThrow();
    expect(p.closed).toBe(true);
  });

  it('reads a body sent in chunks, joining a character split between them', async () => {
    const { rows, log } = memoryLog();
    const s = await serve({ log });
    const body = Buffer.from(JSON.stringify({ x1: 1, x2: 2, color: 'sn☃w' }));
    const cut = body.indexOf(Buffer.from('☃')) + 1; // inside the 3-byte character
    const r = await chunked(s, [body.subarray(0, cut), body.subarray(cut)], {
      'x-request-id': 'ch-1',
    });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ prediction: 6 });
    await s.close();
    expect(rows.map((x) => x.features)).toEqual([[{ x1: 1, x2: 2, color: 'sn☃w' }]]);
  });

  it('answers 413 and closes the connection when a body without Content-Length outgrows the limit', async () => {
    const s = await serve({ maxBodyBytes: 1000 });
    const pad = JSON.stringify({ ...rec, pad: 'x'.repeat(1500) });
    const r = await chunked(s, [Buffer.from(pad.slice(0, 600)), Buffer.from(pad.slice(600))]);
    expect(r.status).toBe(413);
    expect(r.headers.connection).toBe('close');
    expect((JSON.parse(r.body) as { error: string }).error).toMatch(/over the 1000-byte limit/);
  });
});

/** POSTs `parts` as a chunked body (no Content-Length), each part written once the previous is sent. */
function chunked(
  s: PredictServer,
  parts: Buffer[],
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${s.url}/v1/models/m/predict`,
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    const next = (i: number) => {
      if (i === parts.length) req.end();
      else req.write(parts[i], () => next(i + 1));
    };
    next(0);
  });
}
