// The MLflow client against a scripted loopback server: retries (503, 429 with Retry-After, dropped
// connections), bounded; auth headers; MLflow error bodies as LatheErrors; query strings; artifacts
// through the proxy and the refusal of other artifact schemes.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  authorizationHeader,
  createMlflowClient,
  endpointOf,
  type MlflowChannel,
  queryString,
  retryAfterMs,
  trackingBase,
  type MlflowClientOptions,
  type MlflowEndpoint,
} from '../../../../main/mlflow/client';
import {
  channels,
  LatheError,
  MLFLOW_REGISTRY_ENDPOINTS,
  MLFLOW_TRACKING_ENDPOINTS,
} from '../../../../shared/contract';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}
type Reply = (req: Seen, res: ServerResponse) => void;

let server: Server;
let base: string;
const seen: Seen[] = [];
let replies: Reply[] = [];

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Reply =>
  (_req, res) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s = {
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      seen.push(s);
      const reply = replies.shift();
      if (!reply) {
        res.writeHead(500);
        res.end('no scripted reply');
        return;
      }
      reply(s, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
afterEach(() => {
  seen.length = 0;
  replies = [];
});

const GetExperiment = {
  method: 'GET',
  path: 'experiments/get',
  input: z.object({ experiment_id: z.string() }),
  output: z.object({ experiment: z.object({ experiment_id: z.string(), name: z.string() }) }),
} satisfies MlflowEndpoint;
const CreateRun = {
  method: 'POST',
  path: 'runs/create',
  input: z.object({ experiment_id: z.string(), start_time: z.number().optional() }),
  output: z.object({ run: z.object({ info: z.object({ run_id: z.string() }) }) }),
} satisfies MlflowEndpoint;

function client(extra: Partial<MlflowClientOptions> = {}) {
  const delays: number[] = [];
  const c = createMlflowClient({
    url: base,
    backoffBaseMs: 100,
    random: () => 0.5,
    sleep: async (ms) => {
      delays.push(ms);
    },
    ...extra,
  });
  return { c, delays };
}

describe('mlflow client: requests and answers', () => {
  it('posts JSON and parses the answer with the output schema', async () => {
    replies = [json(200, { run: { info: { run_id: 'r1', extra: 'dropped' } } })];
    const { c } = client();
    const out = await c.request(CreateRun, { experiment_id: '7', start_time: 5 });
    expect(out).toEqual({ run: { info: { run_id: 'r1' } } });
    expect(seen[0]!.method).toBe('POST');
    expect(seen[0]!.url).toBe('/api/2.0/mlflow/runs/create');
    expect(JSON.parse(seen[0]!.body.toString())).toEqual({ experiment_id: '7', start_time: 5 });
    expect(seen[0]!.headers['content-type']).toBe('application/json');
  });

  it('sends GET messages as a query string, a list as a repeated key', async () => {
    expect(queryString({ a: '1', ids: ['x', 'y'], n: 3, no: undefined })).toBe(
      '?a=1&ids=x&ids=y&n=3',
    );
    replies = [json(200, { experiment: { experiment_id: '0', name: 'Default' } })];
    const { c } = client();
    await c.request(GetExperiment, { experiment_id: '0' });
    expect(seen[0]!.url).toBe('/api/2.0/mlflow/experiments/get?experiment_id=0');
    expect(seen[0]!.body.length).toBe(0);
  });

  it('keeps a path prefix of the tracking URI', async () => {
    replies = [json(200, { experiment: { experiment_id: '0', name: 'Default' } })];
    const { c } = client({ url: `${base}/team/mlflow/` });
    expect(c.url).toBe(`${base}/team/mlflow`);
    await c.request(GetExperiment, { experiment_id: '0' });
    expect(seen[0]!.url).toBe('/team/mlflow/api/2.0/mlflow/experiments/get?experiment_id=0');
  });

  it('refuses input its schema refuses, before sending anything', async () => {
    const { c } = client();
    await expect(
      c.request(CreateRun, { experiment_id: 7 } as unknown as { experiment_id: string }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('experiment_id') as string,
    });
    expect(seen).toHaveLength(0);
  });

  it('an answer that breaks the schema is an error naming the field', async () => {
    replies = [json(200, { run: { info: {} } })];
    const { c } = client();
    await expect(c.request(CreateRun, { experiment_id: '1' })).rejects.toMatchObject({
      code: 'NETWORK',
      message: expect.stringContaining('run.info.run_id') as string,
    });
  });

  it.each([
    ['a token', { kind: 'token' as const, token: 't0k' }, 'Bearer t0k'],
    [
      'basic auth',
      { kind: 'basic' as const, username: 'ada', password: 'pä:ss' },
      `Basic ${Buffer.from('ada:pä:ss').toString('base64')}`,
    ],
  ])('sends %s in Authorization', async (_name, auth, header) => {
    expect(authorizationHeader(auth)).toBe(header);
    replies = [json(200, { experiment: { experiment_id: '0', name: 'Default' } })];
    const { c } = client({ auth });
    await c.request(GetExperiment, { experiment_id: '0' });
    expect(seen[0]!.headers.authorization).toBe(header);
  });

  it('sends no Authorization without auth', async () => {
    replies = [json(200, { experiment: { experiment_id: '0', name: 'Default' } })];
    await client().c.request(GetExperiment, { experiment_id: '0' });
    expect(seen[0]!.headers.authorization).toBeUndefined();
  });

  it.each([
    ['ftp://x', 'not ftp'],
    ['not a url', 'is not a URL'],
    ['http://u:p@host:5000', 'MLFLOW_TRACKING_TOKEN'],
    ['http://host:5000/?x=1', 'no query'],
  ])('refuses the tracking URI %s', (url, words) => {
    expect(() => trackingBase(url)).toThrow(words);
  });
});

describe('mlflow client: errors and retries', () => {
  it('an MLflow 4xx error keeps its error_code and message and is not retried', async () => {
    replies = [
      json(400, { error_code: 'INVALID_PARAMETER_VALUE', message: 'Param key too long' }),
      json(200, {}),
    ];
    const { c, delays } = client();
    const err = await c.request(CreateRun, { experiment_id: '1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LatheError);
    expect(err).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('INVALID_PARAMETER_VALUE: Param key too long') as string,
      details: { status: 400, mlflowCode: 'INVALID_PARAMETER_VALUE' },
    });
    expect(seen).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it.each([
    [404, 'RESOURCE_DOES_NOT_EXIST', 'NOT_FOUND'],
    [400, 'RESOURCE_ALREADY_EXISTS', 'ALREADY_EXISTS'],
    [401, 'UNAUTHENTICATED', 'INVALID_INPUT'],
    [403, 'PERMISSION_DENIED', 'INVALID_INPUT'],
  ])('%i %s becomes %s', async (status, mlflowCode, code) => {
    replies = [json(status, { error_code: mlflowCode, message: 'no' })];
    await expect(client().c.request(CreateRun, { experiment_id: '1' })).rejects.toMatchObject({
      code,
      details: { status, mlflowCode },
    });
    expect(seen).toHaveLength(1);
  });

  it('a 401 says which variables carry credentials', async () => {
    replies = [json(401, { error_code: 'UNAUTHENTICATED', message: 'missing token' })];
    await expect(client().c.request(CreateRun, { experiment_id: '1' })).rejects.toThrow(
      'MLFLOW_TRACKING_TOKEN',
    );
  });

  it('retries a 503 once, with backoff, then answers', async () => {
    replies = [
      json(503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' }),
      json(200, { run: { info: { run_id: 'r2' } } }),
    ];
    const notices: string[] = [];
    const { c, delays } = client({ onRetry: (n) => notices.push(n.reason) });
    const out = await c.request(CreateRun, { experiment_id: '1' });
    expect(out.run.info.run_id).toBe('r2');
    expect(seen).toHaveLength(2);
    expect(seen[1]!.body.toString()).toBe(seen[0]!.body.toString());
    expect(delays).toEqual([75]);
    expect(notices).toEqual(['HTTP 503']);
  });

  it('honours Retry-After on a 429 (seconds and HTTP dates)', async () => {
    replies = [
      json(
        429,
        { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'slow down' },
        { 'Retry-After': '3' },
      ),
      json(200, { run: { info: { run_id: 'r3' } } }),
    ];
    const { c, delays } = client();
    await c.request(CreateRun, { experiment_id: '1' });
    expect(delays).toEqual([3000]);
    expect(
      retryAfterMs('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')),
    ).toBe(10_000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });

  it('caps a long Retry-After', async () => {
    replies = [
      json(429, {}, { 'Retry-After': '100000' }),
      json(200, { run: { info: { run_id: 'r' } } }),
    ];
    const { c, delays } = client({ maxRetryAfterMs: 5000 });
    await c.request(CreateRun, { experiment_id: '1' });
    expect(delays).toEqual([5000]);
  });

  it('gives up after maxRetries with the last error', async () => {
    replies = Array.from({ length: 10 }, () =>
      json(502, { error_code: 'BAD_GATEWAY', message: 'down' }),
    );
    const { c, delays } = client({ maxRetries: 3 });
    await expect(c.request(CreateRun, { experiment_id: '1' })).rejects.toMatchObject({
      code: 'NETWORK',
      details: { status: 502 },
    });
    expect(seen).toHaveLength(4);
    expect(delays).toEqual([75, 150, 300]);
  });

  it('retries a refused connection, bounded, then says it cannot reach the server', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const { c, delays } = client({ url: `http://127.0.0.1:${port}`, maxRetries: 2 });
    await expect(c.request(CreateRun, { experiment_id: '1' })).rejects.toMatchObject({
      code: 'NETWORK',
      message: expect.stringContaining('cannot reach the MLflow server') as string,
    });
    expect(delays).toHaveLength(2);
  });

  it('times out a request that never answers', async () => {
    replies = [() => undefined];
    const { c } = client({ timeoutMs: 200, maxRetries: 0 });
    await expect(c.request(CreateRun, { experiment_id: '1' })).rejects.toMatchObject({
      code: 'NETWORK',
      message: expect.stringContaining('did not answer') as string,
    });
  });

  it('stops when its signal aborts', async () => {
    const stop = new AbortController();
    replies = [json(503, {})];
    const c = createMlflowClient({
      url: base,
      signal: stop.signal,
      sleep: async () => {
        stop.abort();
        throw new Error('aborted');
      },
    });
    await expect(c.request(CreateRun, { experiment_id: '1' })).rejects.toMatchObject({
      code: 'CANCELLED',
    });
  });

  it('backoff doubles, stays within [step/2, step] and below the cap (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        fc.integer({ min: 1, max: 6 }),
        async (r, n) => {
          replies = Array.from({ length: n + 1 }, () => json(500, {}));
          seen.length = 0;
          const { c, delays } = client({
            maxRetries: n,
            random: () => r,
            backoffBaseMs: 100,
            maxBackoffMs: 1000,
          });
          await c.request(CreateRun, { experiment_id: '1' }).catch(() => undefined);
          delays.forEach((d, i) => {
            const step = Math.min(1000, 100 * 2 ** i);
            expect(d).toBeGreaterThanOrEqual(step / 2);
            expect(d).toBeLessThanOrEqual(step);
          });
          expect(delays).toHaveLength(n);
        },
      ),
      { seed: 15, numRuns: 12 },
    );
  });
});

describe('mlflow client: artifacts through the proxy', () => {
  const uri = 'mlflow-artifacts:/3/abc/artifacts';

  it('maps mlflow-artifacts: URIs onto the proxy', () => {
    const { c } = client();
    expect(c.artifactRoot(uri)).toBe(`${base}/api/2.0/mlflow-artifacts/artifacts/3/abc/artifacts`);
    expect(c.artifactRoot('mlflow-artifacts://files.example:8080/3/abc/artifacts')).toBe(
      'http://files.example:8080/api/2.0/mlflow-artifacts/artifacts/3/abc/artifacts',
    );
    // The tracking URI's path prefix is kept once, as MLflow's resolve_uri keeps it.
    const prefixed = client({ url: `${base}/team` }).c;
    for (const u of [uri, 'mlflow-artifacts:///3/abc/artifacts'])
      expect(prefixed.artifactRoot(u)).toBe(
        `${base}/team/api/2.0/mlflow-artifacts/artifacts/3/abc/artifacts`,
      );
  });

  it.each([
    ['s3://bucket/mlruns/1/abc/artifacts', 'scheme s3:'],
    ['/srv/mlruns/1/abc/artifacts', 'a local path'],
    ['file:///srv/mlruns/1/abc/artifacts', 'scheme file:'],
  ])('refuses %s naming the scheme', (artifactUri, words) => {
    const err = (() => {
      try {
        client().c.artifactRoot(artifactUri);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining(words) as string,
    });
    expect((err as Error).message).toContain('--serve-artifacts');
  });

  it('puts, gets and lists files', async () => {
    const bytes = Buffer.from([0, 1, 2, 255]);
    replies = [
      json(200, {}),
      (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        res.end(bytes);
      },
      json(200, {
        files: [
          { path: 'model.onnx', is_dir: false, file_size: '4' },
          { path: 'sub', is_dir: true },
        ],
      }),
    ];
    const { c } = client({ auth: { kind: 'token', token: 'k' } });
    await c.putArtifact(uri, 'model/a b.onnx', bytes);
    expect(seen[0]!.method).toBe('PUT');
    expect(seen[0]!.url).toBe(
      '/api/2.0/mlflow-artifacts/artifacts/3/abc/artifacts/model/a%20b.onnx',
    );
    expect(seen[0]!.body.equals(bytes)).toBe(true);
    expect(seen[0]!.headers.authorization).toBe('Bearer k');
    expect((await c.getArtifact(uri, 'model/a b.onnx')).equals(bytes)).toBe(true);
    expect(await c.listArtifacts(uri, 'model')).toEqual([
      { path: 'model/model.onnx', isDir: false, fileSize: 4 },
      { path: 'model/sub', isDir: true },
    ]);
    expect(seen[2]!.url).toBe(
      '/api/2.0/mlflow-artifacts/artifacts?path=3%2Fabc%2Fartifacts%2Fmodel',
    );
  });

  it('refuses artifact paths that climb out', async () => {
    await expect(client().c.putArtifact(uri, '../x', Buffer.from('x'))).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(seen).toHaveLength(0);
  });
});

describe('mlflow client: contract channels', () => {
  const runJson = {
    info: {
      run_id: 'r1',
      experiment_id: '4',
      status: 3,
      start_time: '1700000000000',
      lifecycle_stage: 'active',
      artifact_uri: 'mlflow-artifacts:/4/r1/artifacts',
    },
    data: { metrics: [{ key: 'loss', value: 'NaN', timestamp: 5, step: '2' }] },
  };

  it('every channel of the tracking and registry tables has a route and its schemas', () => {
    const all = [...MLFLOW_TRACKING_ENDPOINTS, ...MLFLOW_REGISTRY_ENDPOINTS];
    for (const { channel } of all) {
      const e = endpointOf(channel as MlflowChannel);
      expect(all).toContainEqual({ method: e.method, path: e.path, channel });
      expect(e.input).toBe(channels[channel as MlflowChannel].input);
      expect(e.output).toBe(channels[channel as MlflowChannel].output);
    }
    // POST where MLflow offers GET too; each alias verb keeps its own method.
    expect(endpointOf('mlflow:experiments:search').method).toBe('POST');
    expect(endpointOf('mlflow:registered-models:get-latest-versions').method).toBe('POST');
    expect(endpointOf('mlflow:registered-models:set-alias')).toMatchObject({
      method: 'POST',
      path: 'registered-models/alias',
    });
    expect(endpointOf('mlflow:registered-models:delete-alias').method).toBe('DELETE');
    expect(endpointOf('mlflow:runs:create').idempotent).toBe(false);
    expect(endpointOf('mlflow:runs:update').idempotent).toBe(true);
    expect(endpointOf('mlflow:metrics:get-history').idempotent).toBe(true);
  });

  it('posts a tracking call and reads the answer as the server side writes it', async () => {
    replies = [json(200, { runs: [runJson], next_page_token: 'p2' })];
    const out = await client().c.call('mlflow:runs:search', {
      experiment_ids: ['4'],
      filter: "tags.`lathe.run_id` = 'x'",
      max_results: 1000,
    });
    expect(seen[0]!.method).toBe('POST');
    expect(seen[0]!.url).toBe('/api/2.0/mlflow/runs/search');
    expect(JSON.parse(seen[0]!.body.toString())).toEqual({
      experiment_ids: ['4'],
      filter: "tags.`lathe.run_id` = 'x'",
      max_results: 1000,
    });
    expect(out.next_page_token).toBe('p2');
    expect(out.runs[0]!.info).toMatchObject({ status: 'FINISHED', start_time: 1700000000000 });
    expect(out.runs[0]!.data.metrics[0]).toMatchObject({ value: 'NaN', step: 2 });
    expect(out.runs[0]!.data.params).toEqual([]);
  });

  it('sends a registry GET as a query string and checks the answer with the registry schema', async () => {
    replies = [
      json(200, {
        model_versions: [
          {
            name: 'm',
            version: 3,
            creation_timestamp: 1,
            current_stage: 'None',
            source: 's',
            status: 'READY',
          },
        ],
      }),
      json(200, { model_versions: [{ name: 'm', version: '1' }] }),
    ];
    const { c } = client();
    const out = await c.call('mlflow:model-versions:search', { filter: "name = 'm'" });
    expect(seen[0]!.method).toBe('GET');
    expect(seen[0]!.url).toBe('/api/2.0/mlflow/model-versions/search?filter=name+%3D+%27m%27');
    expect(out.model_versions[0]).toMatchObject({ version: '3', tags: [], aliases: [] });
    await expect(c.call('mlflow:model-versions:search', {})).rejects.toMatchObject({
      code: 'NETWORK',
      message: expect.stringContaining('model_versions.0.creation_timestamp') as string,
    });
  });

  it('a connection dropped after sending: an idempotent call is repeated, a create is not', async () => {
    const drop: Reply = (_req, res) => res.socket?.destroy();
    replies = [
      drop,
      json(200, { experiment: { experiment_id: '0', name: 'D', lifecycle_stage: 'active' } }),
    ];
    const { c, delays } = client();
    const exp = await c.call('mlflow:experiments:get', { experiment_id: '0' });
    expect(exp.experiment.experiment_id).toBe('0');
    expect(delays).toHaveLength(1);

    seen.length = 0;
    replies = [drop, json(200, { run: runJson })];
    const err = await c.call('mlflow:runs:create', { experiment_id: '4' }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'NETWORK',
      message: expect.stringContaining('not repeated') as string,
    });
    expect(seen).toHaveLength(1);
  });
});

describe('mlflow client: redirects', () => {
  it('a redirect is not followed nor retried: an error naming where it points', async () => {
    replies = [
      (_req, res) => {
        res.writeHead(302, { Location: 'https://sso.example/login' });
        res.end();
      },
    ];
    const { c, delays } = client({ auth: { kind: 'token', token: 'secret' } });
    await expect(c.call('mlflow:experiments:get', { experiment_id: '0' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining(
        'redirect (HTTP 302 to https://sso.example/login)',
      ) as string,
    });
    expect(seen).toHaveLength(1);
    expect(delays).toEqual([]);
  });
});

describe('mlflow client: host names', () => {
  it('a host name that does not resolve fails at once; a temporary DNS failure is retried', async () => {
    const failing = (code: string) => {
      const calls: string[] = [];
      const fetchImpl = (async (url: string) => {
        calls.push(url);
        throw Object.assign(new TypeError('fetch failed'), {
          cause: Object.assign(new Error(`getaddrinfo ${code} mlflow.invalid`), { code }),
        });
      }) as typeof fetch;
      return { calls, fetchImpl };
    };
    const missing = failing('ENOTFOUND');
    const { c, delays } = client({ url: 'http://mlflow.invalid:5000', fetch: missing.fetchImpl });
    await expect(c.call('mlflow:experiments:get', { experiment_id: '0' })).rejects.toMatchObject({
      code: 'NETWORK',
      message: expect.stringContaining(
        'ENOTFOUND: no host named mlflow.invalid (1 attempt(s))',
      ) as string,
    });
    expect(missing.calls).toHaveLength(1);
    expect(delays).toEqual([]);

    const flaky = failing('EAI_AGAIN');
    const retried = client({
      url: 'http://mlflow.invalid:5000',
      fetch: flaky.fetchImpl,
      maxRetries: 2,
    });
    await expect(
      retried.c.call('mlflow:runs:create', { experiment_id: '0' }),
    ).rejects.toMatchObject({ code: 'NETWORK' });
    // Never sent, so even a create is tried again.
    expect(flaky.calls).toHaveLength(3);
  });
});
