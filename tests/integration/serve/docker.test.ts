// Serving real model packages: a model trained and registered through the services, served in-process
// (prediction log into the workspace, API keys from its table), exported as a Docker context that is
// copied outside the workspace and started with plain `node server.cjs`, and `lathe serve` itself.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelVersion } from '../../../shared/contract';
import { createServices, type Services } from '../../../main/services';
import { exportDocker, type DockerExportResult } from '../../../main/serve/docker-export';
import { createKeyStore, keyAuth } from '../../../main/serve/keys';
import { packageOf, type PackageDeps } from '../../../main/serve/packaged-model';
import { captureSink, captureTableOf, captureTargets } from '../../../main/serve/capture';
import { createPredictionLog } from '../../../main/serve/prediction-log';
import { loadPredictor } from '../../../main/serve/predictor';
import { startPredictServer, type PredictServer } from '../../../main/serve/server';
import { startHost } from '../../../main/host/server';
import { initBackend } from '../../../main/train/backend';
import { BIN, latheAsync } from '../../helpers/cli';
import { trainRegistered } from '../../helpers/runs';
import { carsConfig, contractClient, penguinsConfig } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';

const t = tempDir('lathe-serve-');
const W = join(t.dir, 'ws');
let services: Services;
let deps: PackageDeps;
const { call } = contractClient(() => services);
let reg: ModelVersion;
let cls: ModelVersion;
let exported: DockerExportResult;
const children: ChildProcess[] = [];
const cleanups: (() => void)[] = [];

const training = { epochs: 4, batchSize: 32, learningRate: 0.01, validationFraction: 0.25 };
const cars = JSON.parse(readFileSync(vega('cars.json'), 'utf8')) as Record<string, unknown>[];
const records = cars.slice(0, 40).map(({ Miles_per_Gallon: _y, ...r }) => r);

beforeAll(async () => {
  await initBackend('cpu');
  services = await createServices({ workspaceDir: W });
  deps = {
    registry: services.registry,
    tracking: services.tracking,
    artifacts: services.workspace.artifacts,
    tmpDir: services.workspace.paths.tmp,
    packagesDir: services.workspace.paths.packages,
  };
  await call('data:import', { path: vega('cars.json'), name: 'cars' });
  await call('data:import', { path: vega('penguins.json'), name: 'penguins' });
  reg = await trainRegistered(
    call,
    carsConfig({ model: { type: 'mlp', hidden: [8] }, training, seed: 1 }),
    'mpg',
  );
  await call('models:alias', { ref: 'mpg@1', alias: 'champion' });
  cls = await trainRegistered(call, penguinsConfig({ training, seed: 2 }), 'species');
  await trainRegistered(call, carsConfig({ training, seed: 3 }), 'mpg');
  await call('models:alias', { ref: 'mpg@2', alias: 'challenger' });
}, 300_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await services?.close().catch(() => undefined);
  t.remove();
  for (const c of cleanups) c();
});

/** Spawns a process and resolves with its first stdout line parsed as JSON. */
function firstJsonLine(
  cmd: string,
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv },
) {
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout });
  const first = new Promise<Record<string, unknown>>((resolve, reject) => {
    lines.once('line', (l) => resolve(JSON.parse(l) as Record<string, unknown>));
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  return { child, first, lines, stderr: () => stderr };
}

/** Runs `lathe` to its end without blocking this process, whose host may be the one answering it. */
const latheIn = (args: string[]) => latheAsync(args, { cwd: t.dir, children });

const predict = async (
  url: string,
  model: string,
  body: unknown,
  headers: Record<string, string> = {},
) => {
  const r = await fetch(`${url}/v1/models/${model}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: r.status,
    body: (await r.json()) as Record<string, unknown> & {
      predictions: { prediction: unknown; probabilities?: Record<string, number> }[];
    },
  };
};

describe('serving real packages', () => {
  let inApp: PredictServer;
  let inAppAnswer: unknown;

  it('serves a regression and a classifier; 422 names the field; the prediction log lands in the capture tables', async () => {
    const db = services.workspace.db;
    const log = createPredictionLog(captureSink(db, await captureTargets(db, [reg, cls], 'test')), {
      flushMs: 50,
    });
    inApp = await startPredictServer({
      models: [
        { name: 'mpg', champion: await loadPredictor((await packageOf(deps, 'mpg@champion')).dir) },
        {
          name: 'species',
          champion: await loadPredictor((await packageOf(deps, 'species@1')).dir),
        },
      ],
      port: 0,
      log,
    });
    const r = await predict(inApp.url, 'mpg', { records });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ model: 'mpg', version: reg.version });
    expect(r.body.predictions).toHaveLength(40);
    for (const p of r.body.predictions) expect(typeof p.prediction).toBe('number');
    inAppAnswer = r.body.predictions;
    const numeric = reg.signature!.inputs.find((i) => i.kind === 'numeric')!.name;
    const bad = await predict(inApp.url, 'mpg', { ...records[0], [numeric]: 'abc' });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).toContain(numeric);
    const penguin = (
      JSON.parse(readFileSync(vega('penguins.json'), 'utf8')) as Record<string, unknown>[]
    )[0]!;
    const c = await predict(inApp.url, 'species', penguin, { 'x-request-id': 'peng-1' });
    expect(c.status).toBe(200);
    expect(cls.signature!.output.classes).toContain(c.body.prediction);
    const probs = Object.values(c.body.predictions[0]!.probabilities!);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    await inApp.close();
    const rowsOf = async (v: ModelVersion) =>
      db.all<{ _row_id: string; _role: string; _prediction: string }>(
        `SELECT _row_id, _role, _prediction FROM ${(await captureTableOf(db, v.id))!.table} ORDER BY _row_id`,
      );
    const mpgRows = await rowsOf(reg);
    expect(mpgRows).toHaveLength(40);
    expect(mpgRows.every((x) => /\/\d+$/.test(x._row_id) && x._role === 'champion')).toBe(true);
    expect(await rowsOf(cls)).toEqual([
      { _row_id: 'peng-1', _role: 'champion', _prediction: c.body.prediction },
    ]);
  }, 60_000);

  it('keys: created once (hash stored), limited to models, revoked', async () => {
    const store = createKeyStore(services.workspace.db);
    const { key, info } = await store.create({ name: 'ci', models: ['mpg'], rateLimit: 100 });
    expect(key).toMatch(/^lk_/);
    expect(JSON.stringify(await services.workspace.db.all('SELECT * FROM api_keys'))).not.toContain(
      key,
    );
    const s = await startPredictServer({
      models: [
        { name: 'mpg', champion: await loadPredictor((await packageOf(deps, 'mpg@1')).dir) },
      ],
      port: 0,
      auth: keyAuth(await store.active()),
    });
    try {
      expect((await predict(s.url, 'mpg', records[0])).status).toBe(401);
      expect(
        (await predict(s.url, 'mpg', records[0], { authorization: `Bearer ${key}` })).status,
      ).toBe(200);
    } finally {
      await s.close();
    }
    expect((await store.list()).map((k) => [k.name, k.models, k.rateLimit])).toEqual([
      ['ci', ['mpg'], 100],
    ]);
    await expect(store.create({ name: 'ci' })).rejects.toThrow(/active key named ci/);
    await store.revoke('ci');
    expect(await store.active()).toEqual([]);
    expect((await store.list())[0]!.revokedAt).not.toBeNull();
    expect(info.id).toBeTruthy();
  });

  it('exports a Docker context that needs no network and serves the same predictions from a copy', async () => {
    exported = await exportDocker({
      version: reg,
      out: join(t.dir, 'ctx'),
      writePackage: (dir) => packageOf(deps, 'mpg@1', dir),
    });
    console.log(`[docker export] ${exported.files.length} files, ${exported.bytes} bytes`);
    expect(exported.bytes).toBeLessThan(80 * 1024 * 1024);
    expect(exported.files).toEqual(
      expect.arrayContaining([
        'Dockerfile',
        '.dockerignore',
        'README.md',
        'server.cjs',
        'model/model.onnx',
        'model/package.json',
        'k8s/deployment.yaml',
        'k8s/service.yaml',
        'k8s/hpa.yaml',
      ]),
    );
    expect(
      exported.files.some(
        (f) => f.includes('darwin') || f.includes('win32') || f.includes('arm64'),
      ),
    ).toBe(false);
    const df = readFileSync(join(exported.dir, 'Dockerfile'), 'utf8');
    expect(df).toMatch(/^FROM node:20\.\d+\.\d+-bookworm-slim$/m);
    expect(df).toMatch(/^USER node$/m);
    expect(df).toMatch(/^HEALTHCHECK .*\n\s+CMD \["node", "-e", .*\/health/m);
    expect(df).toMatch(/^EXPOSE 8080$/m);
    expect(df).toMatch(/^LABEL ai\.lathe\.data-hash="[0-9a-f]{64}"$/m);
    expect(df).toMatch(new RegExp(`^LABEL ai\\.lathe\\.run="${reg.runId}"$`, 'm'));
    expect(df).not.toMatch(/npm (install|ci)|apt-get|curl|wget/);
    const deploy = readFileSync(join(exported.dir, 'k8s', 'deployment.yaml'), 'utf8');
    expect(deploy).toMatch(/readinessProbe:\s+httpGet:\s+path: \/ready/);
    expect(deploy).toMatch(/livenessProbe:\s+httpGet:\s+path: \/health/);
    // The capture log: LATHE_LOG_DIR in the image, a volume there and in the Deployment, documented.
    expect(exported.files).toContain('k8s/capture-log.yaml');
    expect(df).toMatch(/^ENV .*LATHE_LOG_DIR=\/var\/log\/lathe$/m);
    expect(df).toMatch(/^VOLUME \/var\/log\/lathe$/m);
    expect(deploy).toMatch(/name: LATHE_LOG_DIR\s+value: \/var\/log\/lathe/);
    expect(deploy).toMatch(/- name: capture-log\s+mountPath: \/var\/log\/lathe/);
    expect(deploy).toMatch(
      /volumes:\s+- name: capture-log\s+persistentVolumeClaim:\s+claimName: (\S+)-capture-log/,
    );
    expect(readFileSync(join(exported.dir, 'k8s', 'capture-log.yaml'), 'utf8')).toMatch(
      /kind: PersistentVolumeClaim/,
    );
    const readme = readFileSync(join(exported.dir, 'README.md'), 'utf8');
    expect(readme).toContain('LATHE_LOG_DIR');
    expect(readme).toContain('lathe monitor ingest');

    const outside = tempDir('lathe-ctx-copy-');
    cleanups.push(() => outside.remove());
    const copy = join(outside.dir, 'app');
    cpSync(exported.dir, copy, { recursive: true });
    const proc = firstJsonLine(process.execPath, ['server.cjs'], {
      cwd: copy,
      env: { PORT: '0', HOST: '127.0.0.1', NODE_PATH: '' },
    });
    const ready = await proc.first;
    expect(ready).toMatchObject({ type: 'listening', model: 'mpg', version: 1 });
    const url = String(ready.url);
    expect((await fetch(`${url}/ready`)).status).toBe(200);
    const r = await predict(url, 'mpg', { records });
    expect(r.status).toBe(200);
    expect(r.body.predictions).toEqual(inAppAnswer);
    const logged = new Promise<string>((resolve) =>
      proc.lines.on('line', (l) => l.includes('"prediction"') && resolve(l)),
    );
    const exited = new Promise<number | null>((resolve) => proc.child.once('exit', resolve));
    proc.child.kill('SIGTERM');
    expect(JSON.parse(await logged)).toMatchObject({
      type: 'prediction',
      model: 'mpg',
      version: 1,
    });
    expect(await exited).toBe(0);
  }, 120_000);

  it('lathe serve N@alias --json prints its url first and answers; --canary splits and --shadow logs; export docker --json', async () => {
    await services.close();
    const proc = firstJsonLine(
      process.execPath,
      [BIN, 'serve', 'mpg@champion', '--port', '0', '--json', '--workspace', W],
      { cwd: t.dir },
    );
    const first = await proc.first;
    expect(first).toMatchObject({ model: 'mpg', version: 1 });
    const url = String(first.url);
    const r = await predict(url, 'mpg', records[0]);
    expect(r.status).toBe(200);
    expect(r.body.prediction).toEqual((inAppAnswer as { prediction: number }[])[0]!.prediction);
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(
      /lathe_requests_total\{model="mpg",version="1",status="200"\} 1/,
    );
    const exited = new Promise<number | null>((resolve) => proc.child.once('exit', resolve));
    proc.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const out = join(t.dir, 'cli-ctx');
    const ex = JSON.parse(
      execFileSync(
        process.execPath,
        [BIN, 'export', 'docker', 'mpg@champion', '--out', out, '--workspace', W, '--json'],
        {
          encoding: 'utf8',
        },
      ),
    ) as { bytes: number; files: string[]; model: string; version: number };
    expect(ex).toMatchObject({ model: 'mpg', version: 1 });
    expect(ex.bytes).toBe(
      exported.bytes -
        statSync(join(exported.dir, 'model', 'package.json')).size +
        statSync(join(out, 'model', 'package.json')).size,
    );
    expect(ex.files).toEqual(exported.files);
    const canary = firstJsonLine(
      process.execPath,
      [
        BIN,
        'serve',
        'mpg@champion',
        '--canary',
        'mpg@challenger:50',
        '--shadow',
        'mpg@challenger',
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--json',
        '--workspace',
        W,
      ],
      { cwd: t.dir },
    );
    const curl = String((await canary.first).url);
    const versions = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        predict(curl, 'mpg', records[i % records.length], { 'x-request-id': `c-${i}` }).then(
          (r) => r.body.version,
        ),
      ),
    );
    expect(new Set(versions)).toEqual(new Set([1, 2]));
    const canaryExit = new Promise<number | null>((resolve) => canary.child.once('exit', resolve));
    canary.child.kill('SIGINT');
    expect(await canaryExit).toBe(0);
    services = await createServices({ workspaceDir: W });
    const db = services.workspace.db;
    const logged = async (version: number) => {
      const v = await services.registry.version(`mpg@${version}`);
      return db.all<{ role: string; n: number }>(
        `SELECT _role AS role, count(*)::INT AS n FROM ${(await captureTableOf(db, v.id))!.table} WHERE _row_id LIKE 'c-%' GROUP BY _role ORDER BY _role`,
      );
    };
    // Every request: the answering version (champion or canary), plus the shadow (v2) row.
    const v1 = versions.filter((v) => v === 1).length;
    expect((await logged(1)).map((r) => [r.role, Number(r.n)])).toEqual([['champion', v1]]);
    expect((await logged(2)).map((r) => [r.role, Number(r.n)])).toEqual([
      ['canary', 60 - v1],
      ['shadow', 60],
    ]);
    // The server session's source of each version counts its rows.
    const sources = await db.all<{ version: number; rows: number; detail: string }>(
      `SELECT version, "rows", detail FROM capture_sources WHERE kind = 'serve' AND detail = ? ORDER BY version`,
      [curl],
    );
    expect(sources.map((r) => [Number(r.version), Number(r.rows)])).toEqual([
      [1, v1],
      [2, 60 - v1 + 60],
    ]);
  }, 120_000);
  it('lathe keys, serve and export docker go through the host of the process that owns the workspace', async () => {
    const host = await startHost({ services, port: 0, rendererDir: t.dir });
    services.advertiseHost(host.url);
    try {
      const viaHost = new RegExp(`sending the command to it at ${host.url}`);
      const created = await latheIn([
        'keys',
        'create',
        'via-host',
        '--models',
        'mpg',
        '--workspace',
        W,
        '--json',
      ]);
      // This process holds the workspace's lock: a command that did not go through its host would fail.
      expect(created.code, created.stderr).toBe(0);
      const key = created.stdout.match(/"key": "(lk_[^"]+)"/)?.[1];
      expect(key).toBeDefined();
      expect((await call('keys:list', {})).find((k) => k.name === 'via-host')).toMatchObject({
        models: ['mpg'],
        revokedAt: null,
      });
      const listed = await latheIn(['keys', 'list', '--workspace', W]);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stderr).toMatch(viaHost);
      expect(listed.stdout).toMatch(/via-host/);
      expect(listed.stdout).not.toContain(key);

      const serveChampion = () =>
        firstJsonLine(
          process.execPath,
          [BIN, 'serve', 'mpg@champion', '--port', '0', '--json', '--workspace', W],
          { cwd: t.dir },
        );
      const serve = serveChampion();
      const first = await serve.first;
      expect(first).toMatchObject({ model: 'mpg', version: 1 });
      // The server runs in the owner's process: its Deploy list shows it.
      expect((await call('serve:list', {})).map((s) => s.url)).toEqual([first.url]);
      expect((await predict(String(first.url), 'mpg', records[0])).status).toBe(401);
      const ok = await predict(String(first.url), 'mpg', records[0], {
        authorization: `Bearer ${key}`,
      });
      expect(ok.status).toBe(200);
      const exited = new Promise<number | null>((resolve) => serve.child.once('exit', resolve));
      serve.child.kill('SIGINT');
      expect(await exited, serve.stderr()).toBe(0);
      expect(await call('serve:list', {}), serve.stderr()).toEqual([]);
      // Stopped from the owner (the Deploy view), the foreground command ends and says why.
      const again = serveChampion();
      await again.first;
      const id = (await call('serve:list', {}))[0]!.id;
      const ended = new Promise<number | null>((resolve) => again.child.once('exit', resolve));
      await call('serve:stop', { id });
      expect(await ended).toBe(1);
      expect(again.stderr()).toMatch(/the server of mpg@1 stopped/);

      const revoked = await latheIn(['keys', 'revoke', 'via-host', '--workspace', W, '--json']);
      expect(revoked.code, revoked.stderr).toBe(0);
      expect((revoked.json as { revokedAt: string | null }).revokedAt).not.toBeNull();

      const out = join(t.dir, 'host-ctx');
      const ex = await latheIn([
        'export',
        'docker',
        'mpg@champion',
        '--out',
        out,
        '--workspace',
        W,
        '--json',
      ]);
      expect(ex.code, ex.stderr).toBe(0);
      const r = ex.json as {
        dir: string;
        files: string[];
        model: string;
        version: number;
      };
      expect(r).toMatchObject({ dir: out, model: 'mpg', version: 1 });
      expect(r.files).toEqual(exported.files);
    } finally {
      await host.close();
    }
  }, 120_000);
});
