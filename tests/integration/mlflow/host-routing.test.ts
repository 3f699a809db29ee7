// The MLflow routes of the Lathe host, over HTTP on 127.0.0.1: routing by an endpoint table (here one
// over ordinary Lathe channels, so the router is tested apart from the MLflow services), query and body
// inputs, unknown fields, MLflow error bodies and statuses, wrong methods, malformed bodies, Host/Origin.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractMlflowEndpoints, startHost, type Host } from '../../../main/host/server';
import type { MlflowRoute } from '../../../main/host/mlflow-routes';
import { createServices, type Services } from '../../../main/services';
import { channels } from '../../../shared/contract';
import { rawRequest, type RawOptions } from '../../helpers/raw-http';
import { tempDir } from '../../helpers/workspace';

const TABLE: MlflowRoute[] = [
  { method: 'GET', path: 'lathe-test/projects/list', channel: 'projects:list' },
  { method: 'POST', path: 'lathe-test/projects/create', channel: 'projects:create' },
  { method: 'POST', path: 'lathe-test/projects/rename', channel: 'projects:rename' },
  { method: 'DELETE', path: 'lathe-test/projects/delete', channel: 'projects:delete' },
  { method: 'GET', path: 'lathe-test/ui/prefs/get', channel: 'ui:prefs:get' },
];

const t = tempDir('lathe-mlflow-host-');
let services: Services;
let host: Host;

/** What Python's requests sends: Host 127.0.0.1:<port>, no Origin. */
const raw = (path: string, options: RawOptions = {}) =>
  rawRequest(host.port, path, {
    ...options,
    headers: { Host: `127.0.0.1:${host.port}`, ...options.headers },
  });

const postJson = (path: string, body: unknown, method = 'POST') =>
  raw(path, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  const rendererDir = join(t.dir, 'renderer');
  mkdirSync(rendererDir, { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html>');
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  host = await startHost({ services, port: 0, rendererDir, mlflowEndpoints: TABLE });
});

afterAll(async () => {
  await host.close();
  await services.close();
  t.remove();
});

describe('MLflow routes on the Lathe host', () => {
  it('routes POST bodies and GET queries by the table, under /api and /ajax-api', async () => {
    const created = await postJson('/api/2.0/mlflow/lathe-test/projects/create', {
      name: 'routed',
      description: 'made over the MLflow route',
    });
    expect(created.status).toBe(200);
    expect(created.headers['content-type']).toMatch(/^application\/json/);
    for (const prefix of ['/api/2.0/mlflow/', '/ajax-api/2.0/mlflow/']) {
      const list = await raw(`${prefix}lathe-test/projects/list`);
      expect(list.status).toBe(200);
      expect((list.json as { name: string }[]).map((p) => p.name)).toContain('routed');
    }
    const pref = await raw('/api/2.0/mlflow/lathe-test/ui/prefs/get?key=theme');
    expect(pref.status).toBe(200);
    expect(pref.json).toEqual({ value: null });
  });

  it('drops fields the channel does not take (MLflow ignores unknown fields)', async () => {
    const created = await postJson('/api/2.0/mlflow/lathe-test/projects/create', {
      name: 'with-extra',
      not_a_field: 1,
      nested: { x: 1 },
    });
    expect(created.status).toBe(200);
    // The same body on the Lathe channel itself is refused: only the MLflow face drops them.
    const direct = await services.dispatch('projects:create', { name: 'direct', not_a_field: 1 });
    expect(direct.ok).toBe(false);
  });

  it('answers MLflow error bodies: 404 RESOURCE_DOES_NOT_EXIST, 400 INVALID_PARAMETER_VALUE', async () => {
    const missing = await postJson('/api/2.0/mlflow/lathe-test/projects/rename', {
      name: 'no-such-project',
      to: 'x',
    });
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST' });
    expect(typeof (missing.json as { message: string }).message).toBe('string');
    const invalid = await postJson('/api/2.0/mlflow/lathe-test/projects/create', {});
    expect(invalid.status).toBe(400);
    expect(invalid.json).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
    expect((invalid.json as { message: string }).message).toMatch(/name/);
  });

  it('takes DELETE input from a JSON body (the Python client) or the query', async () => {
    await postJson('/api/2.0/mlflow/lathe-test/projects/create', { name: 'gone-by-body' });
    await postJson('/api/2.0/mlflow/lathe-test/projects/create', { name: 'gone-by-query' });
    const byBody = await postJson(
      '/api/2.0/mlflow/lathe-test/projects/delete',
      { name: 'gone-by-body' },
      'DELETE',
    );
    expect(byBody.status).toBe(200);
    const byQuery = await raw('/api/2.0/mlflow/lathe-test/projects/delete?name=gone-by-query', {
      method: 'DELETE',
    });
    expect(byQuery.status).toBe(200);
    const names = (
      (await raw('/api/2.0/mlflow/lathe-test/projects/list')).json as {
        name: string;
      }[]
    ).map((p) => p.name);
    expect(names).not.toContain('gone-by-body');
    expect(names).not.toContain('gone-by-query');
  });

  it('reads a double-encoded JSON body as older clients send it', async () => {
    const r = await raw('/api/2.0/mlflow/lathe-test/projects/create', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(JSON.stringify({ name: 'double-encoded' })),
    });
    expect(r.status).toBe(200);
  });

  it('refuses a wrong method with 405 and Allow, an unknown endpoint with 404', async () => {
    const wrong = await raw('/api/2.0/mlflow/lathe-test/projects/create');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('POST');
    expect(wrong.json).toMatchObject({ error_code: 'BAD_REQUEST' });
    const unknown = await raw('/api/2.0/mlflow/experiments/list');
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ error_code: 'ENDPOINT_NOT_FOUND' });
  });

  it('answers a malformed or non-object JSON body with 400, never a 5xx', async () => {
    for (const body of ['{"name": ', '[1,2]', '42', 'null', '{"name": NaNa}']) {
      const r = await raw('/api/2.0/mlflow/lathe-test/projects/create', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
      });
      expect(r.status, body).toBe(400);
      expect(r.json, body).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
    }
  });

  it('keeps the Host/Origin checks on the MLflow routes', async () => {
    const rebound = await raw('/api/2.0/mlflow/lathe-test/projects/list', {
      headers: { Host: `evil.example:${host.port}` },
    });
    expect(rebound.status).toBe(403);
    const crossSite = await raw('/api/2.0/mlflow/lathe-test/projects/list', {
      headers: { Origin: 'http://evil.example' },
    });
    expect(crossSite.status).toBe(403);
    const localhost = await raw('/api/2.0/mlflow/lathe-test/projects/list', {
      headers: { Host: `localhost:${host.port}` },
    });
    expect(localhost.status).toBe(200);
  });

  it('never answers a 5xx for random bodies, paths and methods (seeded)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT'),
        fc.constantFrom(...TABLE.map((e) => e.path), 'runs/nothing', 'lathe-test/%zz'),
        fc.oneof(
          fc.string({ maxLength: 60 }),
          fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
          fc
            .dictionary(fc.constantFrom('name', 'to', 'key', 'x'), fc.jsonValue({ maxDepth: 2 }))
            .map((v) => JSON.stringify(v)),
        ),
        async (method, path, body) => {
          const r = await raw(`/api/2.0/mlflow/${path}`, {
            method,
            headers: { 'Content-Type': 'application/json' },
            ...(method === 'GET' ? {} : { body }),
          });
          expect(r.status, `${method} ${path} ${body}`).toBeLessThan(500);
          expect(r.json, `${method} ${path} ${body}`).toBeTypeOf('object');
        },
      ),
      { seed: 15, numRuns: 80 },
    );
  });
});

describe("the contract's endpoint tables", () => {
  it('name channels of the contract, each path and method once', () => {
    const endpoints = contractMlflowEndpoints();
    const seen = new Set<string>();
    for (const e of endpoints) {
      expect(Object.hasOwn(channels, e.channel), e.channel).toBe(true);
      const key = `${e.method} ${e.path}`;
      expect(seen.has(key), key).toBe(false);
      seen.add(key);
    }
    for (const path of [
      'experiments/get-by-name',
      'experiments/create',
      'runs/create',
      'runs/log-batch',
      'runs/search',
      'metrics/get-history',
      'registered-models/create',
      'registered-models/alias',
      'model-versions/create',
      'model-versions/transition-stage',
    ])
      expect(
        endpoints.some((e) => e.path === path),
        path,
      ).toBe(true);
  });
});
