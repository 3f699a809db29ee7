// `lathe mlflow push` and the dispatcher's 'mlflow:push' against a second Lathe process acting as the team's
// MLflow server (`lathe server --auth token` on loopback, port 0, a key made with `lathe keys create`). What
// arrives is read back through the server's MLflow REST API, not through Lathe's client: params, every
// metric point with its step and timestamp (NaN and ±Infinity included, past one page of history), tags,
// artifacts byte for byte; a model version's registered version, its MLflow model folder (MLmodel with the
// onnx flavor, model.onnx as Lathe packages it) and aliases. A second push sends nothing; a wrong, missing
// or read-only key and an unreachable server fail with a message that says so and a non-zero exit.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { ErrorShape, MlflowPushOut, ModelVersion } from '../../../shared/contract';
import { startHost, type Host } from '../../../main/host/server';
import { createServices, type Services } from '../../../main/services';
import { initBackend } from '../../../main/train/backend';
import { latheAsync, latheBackground } from '../../helpers/cli';
import { startLatheServer, stopLatheServer } from '../../helpers/lathe-server';
import { trainRegistered } from '../../helpers/runs';
import { contractClient, penguinsConfig } from '../../helpers/services';
import { replayFixtures } from './replay-http';
import { tempDir, vega } from '../../helpers/workspace';

const t = tempDir('lathe-mlflow-push-');
const LOCAL = join(t.dir, 'local');
const REMOTE = join(t.dir, 'remote');
const children: ChildProcess[] = [];
let services: Services;
let host: Host;
let remote: { child: ChildProcess; uri: string };
let writeKey = '';
let readKey = '';
let version: ModelVersion;
const { call, failure } = contractClient(() => services);

/** Points with what JSON has no number for, and a history longer than one page of get-history. */
const EDGE = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-300, -0.5];
const LONG = 2_345;
const T0 = 1_733_392_800_000;

async function createKey(name: string, scope: string): Promise<string> {
  const r = await latheAsync([
    'keys',
    'create',
    name,
    '--scope',
    scope,
    '--workspace',
    REMOTE,
    '--json',
  ]);
  expect(r.code, r.stderr).toBe(0);
  return (r.json as { key: string }).key;
}

beforeAll(async () => {
  await initBackend('cpu');
  writeKey = await createKey('pusher', 'mlflow:write');
  readKey = await createKey('reader', 'mlflow:read');
  const server = await startLatheServer(REMOTE, ['--auth', 'token'], children);
  expect(server.ready.auth).toBe('token');
  remote = { child: server.child, uri: server.ready.trackingUri };

  services = await createServices({ workspaceDir: LOCAL, validateOutput: true });
  // The CLI's pushes go through this process's host, as they would through the desktop app's.
  const rendererDir = join(t.dir, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html>');
  host = await startHost({ services, port: 0, rendererDir });
  services.advertiseHost(host.url);
  await call('data:import', { path: vega('penguins.json'), name: 'penguins' });
  version = await trainRegistered(
    call,
    penguinsConfig({
      training: { epochs: 3, batchSize: 32, learningRate: 0.01, validationFraction: 0.25 },
      seed: 3,
    }),
    'species',
  );
  await call('models:alias', { ref: 'species@1', alias: 'candidate' });
  await call('models:alias', { ref: 'species@1', alias: 'team-pick' });
  await call('runs:update', {
    id: version.runId!,
    notes: 'pushed from the test',
    tags: { set: { team: 'fraud', 'data.owner': 'ada' } },
  });
  await services.tracking.logMetricsBulk(
    version.runId!,
    [
      ...EDGE.map((value, step) => ({ key: 'edge', step, value, timestamp: T0 + step })),
      // The same step twice, at two instants: both points are history.
      { key: 'edge', step: 1, value: 7, timestamp: T0 + 100 },
      ...Array.from({ length: LONG }, (_, i) => ({
        key: 'long',
        step: i * 3,
        value: Math.sin(i) * 1e3,
        timestamp: T0 + i * 17,
      })),
      // Kept as a run logged through MLflow keeps them (native training drops non-finite values).
    ],
    { keepNonFinite: true },
  );
}, 300_000);

afterAll(async () => {
  await host?.close();
  await services?.close();
  for (const c of children) await stopLatheServer(c);
  t.remove();
});

/** One call to the remote's REST API with a key, as any MLflow client makes it. */
async function rest(
  method: 'GET' | 'POST',
  path: string,
  body: Record<string, unknown> = {},
  key = writeKey,
): Promise<{ status: number; json: Record<string, unknown>; bytes: Buffer }> {
  const url = new URL(`${remote.uri}/api/2.0/${path}`);
  if (method === 'GET')
    for (const [k, v] of Object.entries(body)) url.searchParams.append(k, String(v));
  const res = await fetch(url, {
    method,
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    ...(method === 'POST' ? { body: JSON.stringify(body) } : {}),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    json = {};
  }
  return { status: res.status, json, bytes };
}

interface WireRun {
  info: {
    run_id: string;
    status: string;
    start_time: number;
    end_time: number;
    artifact_uri: string;
  };
  data: {
    params?: { key: string; value: string }[];
    tags?: { key: string; value: string }[];
    metrics?: { key: string }[];
  };
}

async function remoteRun(runId: string): Promise<WireRun> {
  const r = await rest('GET', 'mlflow/runs/get', { run_id: runId });
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json.run as WireRun;
}

/** Every point of a remote metric, page by page, as [step, timestamp, value] with doubles as JS numbers. */
async function remoteHistory(runId: string, key: string): Promise<[number, number, number][]> {
  const out: [number, number, number][] = [];
  let token: string | undefined;
  do {
    const r = await rest('GET', 'mlflow/metrics/get-history', {
      run_id: runId,
      metric_key: key,
      max_results: 1000,
      ...(token ? { page_token: token } : {}),
    });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const page = r.json as {
      metrics?: { step: number; timestamp: number; value: number | string }[];
      next_page_token?: string;
    };
    for (const m of page.metrics ?? [])
      out.push([Number(m.step), Number(m.timestamp), Number(m.value)]);
    token = page.next_page_token;
  } while (token);
  return out;
}

/** Every file under a run's artifact root on the remote (through the proxy), with its bytes. */
async function remoteFiles(artifactUri: string, sub = ''): Promise<Map<string, Buffer>> {
  const root = artifactUri.replace(/^mlflow-artifacts:\/*/, '');
  const out = new Map<string, Buffer>();
  const listed = await rest('GET', 'mlflow-artifacts/artifacts', {
    path: [root, sub].filter(Boolean).join('/'),
  });
  expect(listed.status).toBe(200);
  const files = (listed.json.files ?? []) as { path: string; is_dir?: boolean }[];
  for (const f of files) {
    const path = [sub, f.path].filter(Boolean).join('/');
    if (f.is_dir) for (const [p, b] of await remoteFiles(artifactUri, path)) out.set(p, b);
    else {
      const got = await rest('GET', `mlflow-artifacts/artifacts/${root}/${path}`);
      expect(got.status, path).toBe(200);
      out.set(path, got.bytes);
    }
  }
  return out;
}

const sortPoints = (points: [number, number, number][]) =>
  [...points].sort(
    (a, b) => a[0] - b[0] || a[1] - b[1] || String(a[2]).localeCompare(String(b[2])),
  );

interface ProxyAnswer {
  status: number;
  bytes: Buffer;
}

/**
 * A loopback proxy in front of the remote: `handle` sees each request's path and body and answers with
 * the remote's answer (`forward()`), one of its own, or null to drop the connection unanswered.
 */
async function startProxy(
  handle: (
    path: string,
    body: Buffer,
    forward: () => Promise<ProxyAnswer>,
    method: string,
  ) => Promise<ProxyAnswer | null>,
): Promise<{ url: string; close(): Promise<void> }> {
  const proxy = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const body = Buffer.concat(chunks);
      const forward = async (): Promise<ProxyAnswer> => {
        const answer = await fetch(`${remote.uri}${path}`, {
          method: req.method,
          headers: {
            authorization: req.headers.authorization ?? '',
            'content-type': req.headers['content-type'] ?? 'application/json',
          },
          ...(body.length ? { body } : {}),
        });
        return { status: answer.status, bytes: Buffer.from(await answer.arrayBuffer()) };
      };
      void handle(path, body, forward, req.method ?? 'GET').then((answer) => {
        if (!answer) return res.socket?.destroy();
        res.writeHead(answer.status, { 'Content-Type': 'application/json' });
        res.end(answer.bytes);
      });
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(proxy.address() as { port: number }).port}`,
    close: () => new Promise<void>((r) => proxy.close(() => r())),
  };
}

describe('mlflow push to a second Lathe process', () => {
  let first: MlflowPushOut;
  const sent: { method: string; path: string; body: string }[] = [];

  it.each([
    ['a wrong token', { MLFLOW_TRACKING_TOKEN: 'not-a-key' }, /UNAUTHENTICATED/],
    ['no credentials', {}, /UNAUTHENTICATED.*MLFLOW_TRACKING_TOKEN/s],
    ['a read-only key', { MLFLOW_TRACKING_TOKEN: 'READ' }, /PERMISSION_DENIED/],
  ])('%s: a clear error, non-zero exit, no stack, nothing made', async (_name, env, message) => {
    const withKey = Object.fromEntries(
      Object.entries(env).map(([k, v]) => [k, v === 'READ' ? readKey : v]),
    );
    const r = await latheAsync(
      ['mlflow', 'push', 'species@1', '--to', remote.uri, '--workspace', LOCAL],
      {
        env: withKey,
        children,
      },
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(remote.uri);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const experiments = await rest('POST', 'mlflow/experiments/search', { max_results: 100 });
    expect((experiments.json.experiments as { name: string }[]).map((e) => e.name)).toEqual([
      'Default',
    ]);
  });

  it('copies a run through the dispatcher: params, every metric point, tags, artifacts', async () => {
    const runId = version.runId!;
    // Through a proxy that records each request, for the comparison with the fixtures below.
    const recorder = await startProxy((path, body, forward, method) => {
      sent.push({ method, path, body: body.toString('utf8') });
      return forward();
    });
    try {
      first = await call('mlflow:push', {
        source: runId,
        to: `${recorder.url}/`,
        auth: { kind: 'token', token: writeKey },
      });
    } finally {
      await recorder.close();
    }
    expect(first).toMatchObject({
      to: recorder.url,
      experiment: { status: 'created' },
      run: { latheRunId: runId, status: 'created' },
      model: null,
      changed: true,
    });

    const local = await call('runs:get', { id: runId });
    const wire = await remoteRun(first.run.id);
    expect(wire.info.status).toBe('FINISHED');
    expect(wire.info.start_time).toBe(Date.parse(local.startedAt));
    expect(wire.info.end_time).toBe(Date.parse(local.endedAt!));

    const params = Object.fromEntries((wire.data.params ?? []).map((p) => [p.key, p.value]));
    expect(params).toEqual(local.params);
    expect(Object.keys(params).length).toBeGreaterThan(3);
    expect(first.sent.params).toBe(Object.keys(local.params).length);

    const tags = Object.fromEntries((wire.data.tags ?? []).map((p) => [p.key, p.value]));
    expect(tags).toMatchObject({
      ...local.tags,
      team: 'fraud',
      'data.owner': 'ada',
      'mlflow.note.content': 'pushed from the test',
      'mlflow.runName': local.name,
      'lathe.run_id': runId,
    });

    // Every point of every metric, with its step and its timestamp to the millisecond. (Read from the
    // store: runs:metrics cannot carry NaN or ±Infinity, see the report.)
    const history = await services.tracking.metricHistory(runId, undefined, 1_000_000, {
      nonFinite: true,
    });
    expect(Object.values(history.series).some((s) => s.downsampled)).toBe(false);
    const keys = [...new Set(history.points.map((p) => p.key))].sort();
    expect(keys).toEqual(expect.arrayContaining(['edge', 'long', 'loss']));
    expect(new Set((wire.data.metrics ?? []).map((m) => m.key))).toEqual(new Set(keys));
    let total = 0;
    for (const key of keys) {
      const mine = history.points
        .filter((p) => p.key === key)
        .map((p): [number, number, number] => [p.step, p.timestamp, p.value]);
      total += mine.length;
      expect(sortPoints(await remoteHistory(first.run.id, key)), key).toEqual(sortPoints(mine));
    }
    expect(total).toBeGreaterThan(LONG);
    expect(first.sent.metricPoints).toBe(total);
    const edge = sortPoints(await remoteHistory(first.run.id, 'edge'));
    expect(edge.map(([s, ts, v]) => [s, ts - T0, v])).toEqual([
      [0, 0, Number.NaN],
      [1, 1, Number.POSITIVE_INFINITY],
      [1, 100, 7],
      [2, 2, Number.NEGATIVE_INFINITY],
      [3, 3, 1e-300],
      [4, 4, -0.5],
    ]);

    // Artifacts: the same paths, the same bytes.
    const files = await remoteFiles(wire.info.artifact_uri);
    const mineFiles = local.artifacts.filter((a) => a.path !== '');
    expect(mineFiles.length).toBeGreaterThan(0);
    expect([...files.keys()].sort()).toEqual(mineFiles.map((a) => a.path).sort());
    for (const a of mineFiles) {
      const bytes = await services.workspace.artifacts.read(a.sha256);
      expect(files.get(a.path)!.equals(Buffer.from(bytes)), a.path).toBe(true);
    }
    expect(first.sent).toMatchObject({ artifacts: mineFiles.length });
  });

  it("sends each request as MLflow's Python client does (the recorded fixtures)", () => {
    // What the committed replay fixtures record the Python client sending, per path: the methods and
    // the fields (body or query).
    const methods = new Map<string, Set<string>>();
    const fields = new Map<string, Set<string>>();
    for (const { fixture } of replayFixtures())
      for (const step of fixture.steps) {
        const path = step.path ?? (step.artifact ? 'artifact' : 'artifact-list');
        (methods.get(path) ?? methods.set(path, new Set()).get(path)!).add(step.method);
        const names = Object.keys({ ...(step.json as object), ...step.query });
        const known = fields.get(path) ?? fields.set(path, new Set()).get(path)!;
        names.forEach((n) => known.add(n));
      }
    const covered = new Set<string>();
    for (const r of sent) {
      const url = new URL(r.path, 'http://x');
      const path = url.pathname.startsWith('/api/2.0/mlflow/')
        ? url.pathname
        : url.searchParams.has('path')
          ? 'artifact-list'
          : 'artifact';
      expect(methods.has(path), `${r.method} ${path} is in no fixture`).toBe(true);
      expect([...methods.get(path)!], path).toContain(r.method);
      covered.add(path);
      if (!path.startsWith('/api/')) continue;
      const names =
        r.method === 'GET'
          ? [...url.searchParams.keys()]
          : Object.keys(JSON.parse(r.body) as object);
      for (const n of names) expect([...fields.get(path)!], `${path}: ${n}`).toContain(n);
      if (path.endsWith('runs/log-batch')) {
        const { metrics = [] } = JSON.parse(r.body) as { metrics?: Record<string, unknown>[] };
        for (const m of metrics) {
          expect(Object.keys(m).sort()).toEqual(['key', 'step', 'timestamp', 'value']);
          expect(Number.isInteger(m.timestamp) && Number.isInteger(m.step)).toBe(true);
          expect(
            typeof m.value === 'number' ||
              ['NaN', 'Infinity', '-Infinity'].includes(m.value as string),
          ).toBe(true);
        }
      }
    }
    expect([...covered].sort()).toEqual(
      [
        'artifact',
        'artifact-list',
        '/api/2.0/mlflow/experiments/create',
        '/api/2.0/mlflow/experiments/get-by-name',
        '/api/2.0/mlflow/runs/create',
        '/api/2.0/mlflow/runs/log-batch',
        '/api/2.0/mlflow/runs/search',
        '/api/2.0/mlflow/runs/update',
      ].sort(),
    );
    // The non-finite points went as the fixtures send them: words, not null.
    expect(sent.some((r) => r.body.includes('"value":"NaN"'))).toBe(true);
    expect(sent.some((r) => r.body.includes('"value":"-Infinity"'))).toBe(true);
  });

  it('a second push of the run sends nothing and says so', async () => {
    const again = await call('mlflow:push', {
      source: version.runId!.slice(0, 8),
      to: remote.uri,
      auth: { kind: 'token', token: writeKey },
    });
    expect(again).toMatchObject({
      changed: false,
      experiment: { id: first.experiment.id, status: 'exists' },
      run: { id: first.run.id, status: 'exists' },
      sent: { params: 0, tags: 0, metricPoints: 0, artifacts: 0, artifactBytes: 0 },
      found: {
        params: first.sent.params,
        metricPoints: first.sent.metricPoints,
        artifacts: first.sent.artifacts,
      },
    });
    const search = await rest('POST', 'mlflow/runs/search', {
      experiment_ids: [first.experiment.id],
    });
    expect((search.json.runs as unknown[]).length).toBe(1);
  });

  it('lathe mlflow push NAME@VERSION: the version, its MLflow model with the onnx flavor, its aliases', async () => {
    const r = await latheAsync(
      ['mlflow', 'push', 'species@1', '--to', remote.uri, '--json', '--workspace', LOCAL],
      {
        env: { MLFLOW_TRACKING_TOKEN: writeKey },
        children,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = r.json as MlflowPushOut;
    expect(out).toMatchObject({
      changed: true,
      run: { id: first.run.id, status: 'exists' },
      sent: { metricPoints: 0, params: 0 },
      model: {
        name: 'species',
        latheVersion: 'species@1',
        registeredModel: 'created',
        status: 'created',
        aliases: [
          { alias: 'candidate', status: 'created' },
          { alias: 'team-pick', status: 'created' },
        ],
      },
    });
    const model = out.model!;

    const got = await rest('GET', 'mlflow/model-versions/get', {
      name: 'species',
      version: model.version,
    });
    expect(got.status, JSON.stringify(got.json)).toBe(200);
    const mv = got.json.model_version as {
      run_id: string;
      source: string;
      tags: { key: string; value: string }[];
      aliases: string[];
    };
    expect(mv.run_id).toBe(first.run.id);
    expect(mv.source).toBe(model.source);
    expect(mv.source).toMatch(/^mlflow-artifacts:\/.+\/artifacts\/mlflow-model$/);
    expect(Object.fromEntries(mv.tags.map((x) => [x.key, x.value]))).toMatchObject({
      'lathe.version_id': version.id,
      'lathe.model_version': 'species@1',
    });
    expect([...mv.aliases].sort()).toEqual(['candidate', 'team-pick']);
    const rm = await rest('GET', 'mlflow/registered-models/get', { name: 'species' });
    expect(
      (rm.json.registered_model as { aliases: { alias: string; version: string }[] }).aliases,
    ).toEqual(
      expect.arrayContaining([
        { alias: 'candidate', version: model.version },
        { alias: 'team-pick', version: model.version },
      ]),
    );

    // The MLflow model folder among the run's artifacts: MLmodel with the onnx flavor, and model.onnx as
    // Lathe packages the version.
    const wire = await remoteRun(first.run.id);
    const files = await remoteFiles(wire.info.artifact_uri, 'mlflow-model');
    const exported = await call('mlflow:export-model', {
      ref: 'species@1',
      out: join(t.dir, 'exported'),
    });
    expect([...files.keys()].sort()).toEqual(exported.files.map((f) => `mlflow-model/${f}`));
    expect(exported.files).toEqual(expect.arrayContaining(['MLmodel', 'model.onnx']));
    // The same files as `lathe export mlflow-model` writes, byte for byte, but for when each was made:
    // MLmodel (its run_id, artifact_path, model_uuid, creation time) and the package's createdAt.
    const withoutTime = (b: Buffer) => ({
      ...(JSON.parse(b.toString('utf8')) as object),
      createdAt: null,
    });
    for (const f of exported.files.filter((x) => x !== 'MLmodel')) {
      const there = files.get(`mlflow-model/${f}`)!;
      const here = readFileSync(join(exported.dir, f));
      if (f === 'lathe/package.json') expect(withoutTime(there)).toEqual(withoutTime(here));
      else expect(there.equals(here), f).toBe(true);
    }
    const mlmodel = parseYaml(files.get('mlflow-model/MLmodel')!.toString('utf8')) as {
      run_id: string;
      artifact_path: string;
      flavors: { onnx: { data: string }; python_function: { loader_module: string } };
    };
    expect(mlmodel.flavors.onnx.data).toBe('model.onnx');
    expect(mlmodel.flavors.python_function.loader_module).toBe('mlflow.onnx');
    expect(mlmodel).toMatchObject({ run_id: first.run.id, artifact_path: 'mlflow-model' });
  });

  it('a second lathe mlflow push of the version (basic auth this time) changes nothing', async () => {
    const before = await rest('GET', 'mlflow/model-versions/search', {
      filter: "name = 'species'",
    });
    const r = await latheAsync(
      ['mlflow', 'push', 'species@candidate', '--to', remote.uri, '--workspace', LOCAL],
      {
        env: { MLFLOW_TRACKING_USERNAME: 'pusher', MLFLOW_TRACKING_PASSWORD: writeKey },
        children,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('nothing to push: already there');
    expect(r.stdout).toMatch(/version 1 \(from species@1\): already there/);
    expect(r.stdout).toMatch(/alias candidate → 1: already there/);
    const after = await rest('GET', 'mlflow/model-versions/search', { filter: "name = 'species'" });
    expect(after.json).toEqual(before.json);
    expect((after.json.model_versions as unknown[]).length).toBe(1);
  });

  it('a push cut off after the server applied a log-batch fails, and the next one completes it', async () => {
    // A proxy in front of the remote: one 503 (retried), then the first metrics log-batch is forwarded
    // and applied but its answer never comes back (the connection drops), which must not be repeated.
    let batches = 0;
    let unavailable = 1;
    const proxy = await startProxy(async (path, body, forward) => {
      if (path.includes('experiments/get-by-name') && unavailable > 0) {
        unavailable--;
        return {
          status: 503,
          bytes: Buffer.from(
            JSON.stringify({ error_code: 'TEMPORARILY_UNAVAILABLE', message: '' }),
          ),
        };
      }
      const answer = await forward();
      if (path.endsWith('runs/log-batch') && body.includes('"metrics":[{') && ++batches === 1) {
        expect(answer.status).toBe(200);
        return null;
      }
      return answer;
    });
    const progress: string[] = [];
    const off = services.bus.subscribe((f) => {
      if (f.event === 'data:progress') progress.push((f.payload as { message: string }).message);
    });
    try {
      // The earlier copy deleted on the remote: the push makes a new one.
      expect((await rest('POST', 'mlflow/runs/delete', { run_id: first.run.id })).status).toBe(200);
      const auth = { kind: 'token' as const, token: writeKey };
      const cut = await failure('mlflow:push', { source: version.runId!, to: proxy.url, auth });
      expect(cut.code).toBe('NETWORK');
      expect(cut.message).toContain('POST runs/log-batch');
      expect(cut.message).toContain('not repeated');
      expect(progress.some((m) => /experiments\/get-by-name: HTTP 503; retrying in/.test(m))).toBe(
        true,
      );

      const done = await call('mlflow:push', { source: version.runId!, to: remote.uri, auth });
      expect(done.run).toMatchObject({ status: 'updated' });
      expect(done.run.id).not.toBe(first.run.id);
      expect(done.found.metricPoints).toBeGreaterThanOrEqual(1000);
      expect(done.found.metricPoints + done.sent.metricPoints).toBe(first.sent.metricPoints);
      expect(done.found.params).toBe(first.sent.params);
      const history = await services.tracking.metricHistory(version.runId!, undefined, 1_000_000, {
        nonFinite: true,
      });
      for (const key of Object.keys(history.series)) {
        const mine = history.points
          .filter((p) => p.key === key)
          .map((p): [number, number, number] => [p.step, p.timestamp, p.value]);
        expect(sortPoints(await remoteHistory(done.run.id, key)), key).toEqual(sortPoints(mine));
      }
      const again = await call('mlflow:push', { source: version.runId!, to: remote.uri, auth });
      expect(again.changed).toBe(false);
    } finally {
      off();
      await proxy.close();
    }
  });

  /**
   * The run's remote copy deleted (so the next push makes it anew), and a proxy that holds the push's
   * second metrics log-batch, never forwarded, until `release`; `inFlight` once it holds it.
   */
  async function holdingSecondBatch() {
    const auth = { kind: 'token' as const, token: writeKey };
    const current = await call('mlflow:push', { source: version.runId!, to: remote.uri, auth });
    expect((await rest('POST', 'mlflow/runs/delete', { run_id: current.run.id })).status).toBe(200);
    const state = { batches: 0 };
    let reached!: () => void;
    const inFlight = new Promise<void>((r) => (reached = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const proxy = await startProxy(async (path, body, forward) => {
      if (
        path.endsWith('runs/log-batch') &&
        body.includes('"metrics":[{') &&
        ++state.batches === 2
      ) {
        reached();
        await released;
        return null;
      }
      return forward();
    });
    const close = async () => {
      release();
      await proxy.close();
    };
    return { auth, proxy, state, inFlight, close };
  }

  it('a push stopped by mlflow:push:cancel leaves its run unfinished there, and the next push completes it', async () => {
    const { auth, proxy, state, inFlight, close } = await holdingSecondBatch();
    try {
      const pushing = failure('mlflow:push', { source: version.runId!, to: proxy.url, auth });
      await inFlight;
      expect(await call('mlflow:push:cancel', { source: version.runId!, to: proxy.url })).toEqual({
        cancelled: true,
      });
      const stopped = await pushing;
      expect(stopped.code).toBe('CANCELLED');
      const remoteId = String((stopped as ErrorShape).details?.remoteRun);
      expect(stopped.message).toContain(`the MLflow run ${remoteId} keeps what was sent`);
      expect(stopped.message).toContain('push again');
      // What was sent is there; the run is not marked finished, and nothing after the stop was sent.
      const there = await remoteRun(remoteId);
      expect(there.info.status).toBe('RUNNING');
      expect((there.data.params ?? []).length).toBeGreaterThan(0);
      expect(state.batches).toBe(2);
      // Nothing runs any more: a second cancel finds nothing to stop.
      expect(await call('mlflow:push:cancel', { source: version.runId!, to: proxy.url })).toEqual({
        cancelled: false,
      });

      const done = await call('mlflow:push', { source: version.runId!, to: remote.uri, auth });
      expect(done.run).toMatchObject({ id: remoteId, status: 'updated' });
      expect(done.found.metricPoints).toBeGreaterThanOrEqual(1000);
      expect(done.found.metricPoints + done.sent.metricPoints).toBe(first.sent.metricPoints);
      expect((await remoteRun(remoteId)).info.status).toBe('FINISHED');
    } finally {
      await close();
    }
  });

  it('Ctrl-C in lathe mlflow push stops the push (exit 130) and says what it left', async () => {
    const { proxy, inFlight, close } = await holdingSecondBatch();
    try {
      const bg = latheBackground(
        ['mlflow', 'push', version.runId!, '--to', proxy.url, '--workspace', LOCAL],
        { MLFLOW_TRACKING_TOKEN: writeKey },
      );
      children.push(bg.child);
      await inFlight;
      bg.child.kill('SIGINT');
      expect(await bg.exit).toBe(130);
      await bg.waitFor('stderr', /cancelling the push of \w+ to http:\/\/127\.0\.0\.1:\d+…/);
      const said = await bg.waitFor('stderr', /the MLflow run \w+ keeps what was sent.*/);
      expect(said).toContain('push again to send the rest');
      const remoteId = /the MLflow run (\w+)/.exec(said)![1]!;
      expect((await remoteRun(remoteId)).info.status).toBe('RUNNING');
    } finally {
      await close();
    }
  });

  it('a server keeping run artifacts outside its proxy (s3:): refused naming the scheme', async () => {
    // As `mlflow server` without --serve-artifacts answers: artifact_uri is the store's own location.
    const proxy = await startProxy(async (_path, _body, forward) => {
      const answer = await forward();
      const text = answer.bytes
        .toString('utf8')
        .replaceAll('mlflow-artifacts:/', 's3://team-bucket/');
      return { status: answer.status, bytes: Buffer.from(text) };
    });
    try {
      const copies = async () =>
        ((
          await rest('POST', 'mlflow/runs/search', {
            experiment_ids: [first.experiment.id],
            filter: `tags.\`lathe.run_id\` = '${version.runId!}'`,
          })
        ).json.runs ?? []) as WireRun[];
      for (const r of await copies())
        expect((await rest('POST', 'mlflow/runs/delete', { run_id: r.info.run_id })).status).toBe(
          200,
        );
      const err = await failure('mlflow:push', {
        source: version.runId!,
        to: proxy.url,
        auth: { kind: 'token', token: writeKey },
      });
      expect(err.code).toBe('INVALID_CONFIG');
      expect(err.message).toContain("'s3://team-bucket/");
      expect(err.message).toContain('--serve-artifacts');
      // Refused before the params, tags and metrics: the new copy holds only what runs/create set.
      const [copy] = await copies();
      expect(copy!.data.params ?? []).toEqual([]);
      expect(copy!.data.metrics ?? []).toEqual([]);
      expect(copy!.info.status).toBe('RUNNING');
    } finally {
      await proxy.close();
    }
  });

  it('an unreachable server: a clear error naming it, non-zero exit', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const url = `http://127.0.0.1:${port}`;
    const r = await latheAsync(
      ['mlflow', 'push', version.runId!, '--to', url, '--workspace', LOCAL],
      {
        env: { MLFLOW_TRACKING_TOKEN: writeKey },
        children,
      },
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`cannot reach the MLflow server at ${url}`);
    expect(r.stderr).toContain('ECONNREFUSED');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a source that is neither a run nor a version is refused before anything is sent', async () => {
    const err = await failure('mlflow:push', {
      source: 'nope@9',
      to: remote.uri,
      auth: { kind: 'token', token: writeKey },
    });
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain('nope');
  });
});
