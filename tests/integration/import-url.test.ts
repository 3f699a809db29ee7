import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../main/services';
import { sha256File } from '../../main/workspace/artifacts';
import { latheBackground } from '../helpers/cli';
import { contractClient } from '../helpers/services';
import { tempDir, vega } from '../helpers/workspace';

let services: Services;
let server: Server;
let base: string;
/** A port nothing listens on: a server was bound to it and closed. */
let closedPort: number;
const t = tempDir('lathe-url-');
const W = join(t.dir, 'ws');
const { call, failure, snapshot } = contractClient(() => services);

const listen = (s: Server) =>
  new Promise<number>((resolve) =>
    s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)),
  );

beforeAll(async () => {
  const weather = readFileSync(vega('seattle-weather.csv'));
  const cars = readFileSync(vega('cars.json'));
  server = createServer((req, res) => {
    if (req.url === '/data/seattle-weather.csv') {
      res.writeHead(200, { 'content-type': 'text/csv' }).end(weather);
    } else if (req.url === '/api/cars?format=json') {
      // No extension in the path: the Content-Type names the format.
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(cars);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
    }
  });
  base = `http://127.0.0.1:${await listen(server)}`;
  const probe = createServer();
  closedPort = await listen(probe);
  await new Promise((r) => probe.close(r));
  services = await createServices({ workspaceDir: W, validateOutput: true });
});
afterAll(async () => {
  await services.close();
  await new Promise((r) => server.close(r));
  t.remove();
});

describe('import from a URL', () => {
  it('downloads into the workspace and imports, recording the URL as the source', async () => {
    const url = `${base}/data/seattle-weather.csv`;
    const r = await call('data:import', { path: url, name: 'weather' });
    expect(r.version.source).toBe(url);
    expect(r.version.format).toBe('csv');
    expect(r.version.rows).toBe(1461);
    expect(r.version.hash).toBe(await sha256File(vega('seattle-weather.csv')));
    expect(readdirSync(services.workspace.paths.tmp)).toEqual([]);
    const json = await call('data:import', { path: `${base}/api/cars?format=json`, name: 'cars' });
    expect(json.version.format).toBe('json');
    expect(json.version.rows).toBe(406);
  });

  const cases: [string, () => string, RegExp][] = [
    [
      'a 404',
      () => `${base}/missing.csv`,
      /^cannot download http:\/\/127\.0\.0\.1:\d+\/missing\.csv: HTTP 404 Not Found$/,
    ],
    [
      'a closed port',
      () => `http://127.0.0.1:${closedPort}/x.csv`,
      /^cannot download http:\/\/127\.0\.0\.1:\d+\/x\.csv: connection refused \(ECONNREFUSED\)$/,
    ],
  ];
  for (const [what, url, message] of cases) {
    it(`fails on ${what} with NETWORK naming the URL, and writes nothing`, async () => {
      const before = await snapshot();
      const err = await failure('data:import', { path: url(), name: 'net' });
      expect(err.code).toBe('NETWORK');
      expect(err.message).toMatch(message);
      expect(await snapshot()).toEqual(before);
    });
  }

  it('lathe data import URL exits 1 naming the URL when it cannot download', async () => {
    await services.close();
    try {
      // Spawned asynchronously: this process serves the URL while the CLI runs.
      const ok = latheBackground([
        'data',
        'import',
        `${base}/data/seattle-weather.csv`,
        '--name',
        'w2',
        '--workspace',
        W,
        '--json',
      ]);
      const source = ok.waitFor('stdout', /"source": "[^"]+"/);
      expect(await ok.exit).toBe(0);
      expect(await source).toBe(`"source": "${base}/data/seattle-weather.csv"`);
      const bad = latheBackground([
        'data',
        'import',
        `${base}/nope.csv`,
        '--name',
        'w3',
        '--workspace',
        W,
      ]);
      const message = bad.waitFor('stderr', /error: [^\n]*/);
      expect(await bad.exit).toBe(1);
      expect(await message).toMatch(
        /^error: cannot download http:\/\/127\.0\.0\.1:\d+\/nope\.csv: HTTP 404 Not Found$/,
      );
    } finally {
      services = await createServices({ workspaceDir: W, validateOutput: true });
    }
  });
});
