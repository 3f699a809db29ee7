// The deployment channels the Deploy view calls: serve:start / serve:list / serve:stop and export:docker,
// through the validating dispatcher, on a small model trained and registered through the services.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../main/services';
import { initBackend } from '../../../main/train/backend';
import { trainRegistered } from '../../helpers/runs';
import { contractClient, penguinsConfig } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';

const t = tempDir('lathe-deploy-');
let services: Services;
const { call, failure } = contractClient(() => services);

const penguins = JSON.parse(readFileSync(vega('penguins.json'), 'utf8')) as Record<
  string,
  unknown
>[];
const record = (() => {
  const { Species: _y, ...r } = penguins.find((p) => p['Beak Length (mm)'] !== null)!;
  return r;
})();

const predict = (url: string, model: string, body: unknown) =>
  fetch(`${url}/v1/models/${model}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  await initBackend('cpu');
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  await registerSpecies(call);
}, 300_000);

/** Trains penguins → Species (linear, 3 epochs) and registers it as species@1, alias champion. */
async function registerSpecies(call: ReturnType<typeof contractClient>['call']) {
  await call('data:import', { path: vega('penguins.json'), name: 'penguins' });
  await trainRegistered(call, penguinsConfig(), 'species');
  await call('models:alias', { ref: 'species@1', alias: 'champion' });
}

afterAll(async () => {
  await services?.close().catch(() => undefined);
  t.remove();
});

describe('serve channels', () => {
  it('starts a server on a free port, counts a prediction with a rate, and stops it', async () => {
    const started = await call('serve:start', { ref: 'species@champion', port: 0 });
    expect(started).toMatchObject({ model: 'species', version: 1 });
    expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const before = (await call('serve:list', {})).find((s) => s.id === started.id)!;
    expect(before).toMatchObject({ requests: 0, errors: 0, requestRate: 0 });
    expect(before.p50Ms).toBeUndefined();

    const res = await predict(started.url, 'species', record);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { prediction: string };
    expect(['Adelie', 'Chinstrap', 'Gentoo']).toContain(body.prediction);
    const bad = await predict(started.url, 'species', { nope: 1 });
    expect(bad.status).toBe(422);

    const after = (await call('serve:list', {})).find((s) => s.id === started.id)!;
    expect(after).toMatchObject({ requests: 2, errors: 1, model: 'species', version: 1 });
    expect(after.requestRate).toBeGreaterThan(0);
    expect(after.p50Ms).toBeGreaterThan(0);
    expect(after.p99Ms).toBeGreaterThanOrEqual(after.p50Ms!);
    expect(Date.parse(after.startedAt)).toBeLessThanOrEqual(Date.now());

    await call('serve:stop', { id: started.id });
    expect((await call('serve:list', {})).some((s) => s.id === started.id)).toBe(false);
    await expect(predict(started.url, 'species', record)).rejects.toThrow();
    // The prediction was flushed into the version's capture table on stop, counted by this session's
    // source, and the two requests (200 and 422) into service health.
    const db = services.workspace.db;
    const [{ table_name: table }] = (await db.all(
      "SELECT table_name FROM capture_tables WHERE model = 'species' AND version = 1",
    )) as [{ table_name: string }];
    const source = await db.one<{ id: string; rows: number }>(
      'SELECT id, "rows" FROM capture_sources WHERE detail = ?',
      [started.url],
    );
    expect(Number(source!.rows)).toBe(1);
    const logged = await db.all<{ role: string; prediction: string }>(
      `SELECT _role AS role, _prediction AS prediction FROM "${table}" WHERE _source = ?`,
      [source!.id],
    );
    expect(logged).toEqual([{ role: 'champion', prediction: body.prediction }]);
    const health = await db.all<{ status: number; requests: number; rows: number }>(
      `SELECT status, sum(requests)::INT AS requests, sum("rows")::INT AS "rows" FROM serve_health
       WHERE model = 'species' GROUP BY status ORDER BY status`,
    );
    expect(health.map((h) => [h.status, h.requests, h.rows])).toEqual([
      [200, 1, 1],
      [422, 1, 0],
    ]);
  });

  it('refuses a second server on the same port, naming the port and the server using it', async () => {
    const first = await call('serve:start', { ref: 'species@1', port: 0 });
    const port = Number(new URL(first.url).port);
    try {
      const err = await failure('serve:start', { ref: 'species@champion', port });
      expect(err.code).toBe('INVALID_INPUT');
      expect(err.message).toContain(`port ${port} is already used by the server of species@1`);
      expect((await call('serve:list', {})).filter((s) => s.url === first.url)).toHaveLength(1);
    } finally {
      await call('serve:stop', { id: first.id });
    }
  });

  it('refuses a host other than loopback without `network`, and a malformed host, naming it', async () => {
    const open = await failure('serve:start', { ref: 'species@champion', host: '0.0.0.0' });
    expect(open.code).toBe('INVALID_INPUT');
    expect(open.message).toContain('host 0.0.0.0: the app serves on 127.0.0.1 only');
    const malformed = await failure('serve:start', {
      ref: 'species@champion',
      host: 'no such host',
    });
    expect(malformed.code).toBe('INVALID_INPUT');
    expect(malformed.message).toMatch(/\bhost: an IP address or a host name is required/);
    expect(await call('serve:list', {})).toEqual([]);
  });

  it('refuses a port another program holds, naming it', async () => {
    const other = createServer();
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
    const port = (other.address() as { port: number }).port;
    try {
      const err = await failure('serve:start', { ref: 'species@champion', port });
      expect(err.code).toBe('INVALID_INPUT');
      expect(err.message).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(await call('serve:list', {})).toEqual([]);
    } finally {
      await new Promise((r) => other.close(r));
    }
  });

  it('refuses a host that is not an address of this machine, naming it and its value', async () => {
    // 999.1.1.1 is no IP address, so it is looked up as a name; 192.0.2.1 (TEST-NET-1) is no one's.
    for (const [host, why] of [
      ['999.1.1.1', /neither an IP address nor a name this machine resolves/],
      ['192.0.2.1', /is not an address of this machine/],
    ] as const) {
      const r = await services.dispatch('serve:start', {
        ref: 'species@champion',
        host,
        network: true,
      });
      expect(r.ok, host).toBe(false);
      if (r.ok) continue;
      expect(r.error).toMatchObject({ code: 'INVALID_INPUT', details: { field: 'host', host } });
      expect(r.error.message).toMatch(new RegExp(`^host '${host.replace(/\./g, '\\.')}' `));
      expect(r.error.message).toMatch(why);
      expect(r.error.message).not.toMatch(/--|getaddrinfo|listen/);
    }
    expect(await call('serve:list', {})).toEqual([]);
  });

  it('names an unknown server id and an unknown model', async () => {
    const stop = await failure('serve:stop', { id: 'no-such-id' });
    expect(stop).toMatchObject({ code: 'NOT_FOUND' });
    expect(stop.message).toContain('no-such-id');
    const start = await failure('serve:start', { ref: 'nosuchmodel@champion' });
    expect(start.message).toContain('nosuchmodel');
  });

  it('stops running servers when the services close', async () => {
    const own = await createServices({ workspaceDir: join(t.dir, 'ws-close') });
    const client = contractClient(() => own);
    try {
      await registerSpecies(client.call);
      const s = await client.call('serve:start', { ref: 'species@champion' });
      expect((await predict(s.url, 'species', record)).status).toBe(200);
      await own.close();
      await expect(predict(s.url, 'species', record)).rejects.toThrow();
    } finally {
      await own.close();
    }
  }, 300_000);
});

describe('export:docker channel', () => {
  it('writes the Docker context and reports its bytes and files; refuses a non-empty folder', async () => {
    const out = join(t.dir, 'docker-species');
    const r = await call('export:docker', { ref: 'species@champion', out });
    expect(r).toMatchObject({ dir: out, model: 'species', version: 1 });
    expect(r.files).toEqual(
      expect.arrayContaining(['Dockerfile', 'server.cjs', 'model/model.onnx']),
    );
    expect(r.bytes).toBe(r.files.reduce((n, f) => n + statSync(join(out, f)).size, 0));
    const again = await failure('export:docker', { ref: 'species@champion', out });
    expect(again.code).toBe('INVALID_INPUT');
    expect(again.message).toContain(out);
    expect(existsSync(join(out, 'Dockerfile'))).toBe(true);
  }, 120_000);
});
