// The bad-input corpus's two faces: the `lathe` CLI (--json) and the HTTP host, each over its own copy of
// one seeded workspace, with the checks every case makes (an error code and a message naming the file,
// field or value; no stack; the workspace unchanged).
import { cpSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { expect } from 'vitest';
import { startHost, type Host } from '../../../main/host/server';
import { createServices, type Services } from '../../../main/services';
import { latheAsync, type CliResult } from '../../helpers/cli';
import {
  contractClient,
  importPenguins,
  penguinsConfig,
  withServices,
} from '../../helpers/services';
import {
  diffSnapshots,
  snapshotWorkspace,
  type WorkspaceSnapshot,
} from '../../helpers/workspace-snapshot';

/** What a seeded workspace holds, for cases that name it. */
export interface Seed {
  runId: string;
  model: string;
}

/**
 * A workspace with something in every store a bad input could damage: the penguins dataset (with a
 * saved expectation suite), a trained run with its artifacts, a registered model, a gate policy and
 * alert rules.
 */
export async function seedWorkspace(dir: string): Promise<Seed> {
  return withServices(dir, async (services) => {
    const api = contractClient(() => services);
    await importPenguins(services);
    const run = await api.call('train:run', {
      config: penguinsConfig({
        training: { epochs: 2, batchSize: 64, learningRate: 0.01, validationFraction: 0.25 },
      }),
    });
    await api.call('models:register', { runId: run.id, name: 'penguin-model' });
    const suggested = await api.call('data:suggest', { ref: 'penguins' });
    await api.call('data:suite:save', { name: 'penguins', suite: suggested.suite });
    await api.call('gates:set', {
      project: 'Default',
      policy: { metrics: [{ metric: 'accuracy', min: 0.1 }] },
    });
    await api.call('monitor:rules:set', {
      rules: {
        rules: [
          {
            name: 'drift',
            model: 'penguin-model',
            signal: 'drift_share',
            above: 0.2,
            window: '1d',
          },
        ],
      },
    });
    return { runId: run.id, model: 'penguin-model' };
  });
}

/** No stack frames and no Node internals in anything a user sees. */
export function expectNoStack(text: string, where: string): void {
  expect(text, `${where} shows a stack frame`).not.toMatch(/^\s+at\s/m);
  expect(text, `${where} names node internals`).not.toContain('node:internal');
}

/** An error as both faces report it. */
export interface FaceError {
  code: string;
  message: string;
}

/** The error a failed CLI run printed with --json, after checking its exit code and that no stack shows. */
export function cliError(r: CliResult, label: string): FaceError {
  expect(r.code, `${label}: exit code (stderr: ${r.stderr})`).not.toBe(0);
  expect(r.code, `${label}: killed or crashed`).not.toBeNull();
  expectNoStack(r.stdout, `${label}: stdout`);
  expectNoStack(r.stderr, `${label}: stderr`);
  const error = (r.json as { error?: FaceError } | null)?.error;
  expect(
    error,
    `${label}: --json prints {error} (stdout: ${r.stdout.slice(0, 500)})`,
  ).toBeDefined();
  expect(error!.code).toMatch(/^[A-Z_]+$/);
  expect(r.stderr).toContain(`error: ${error!.message.split('\n')[0]}`);
  return error!;
}

/** A CLI face: `lanes` copies of the seeded workspace, so cases can run in parallel, one per lane. */
export interface CliFace {
  dirs: string[];
  /**
   * Runs every case (`lathe ARGS --workspace LANE --json`) over the lanes in parallel, each lane's cases
   * one after another, and records each one's output and what it changed in its lane's workspace.
   */
  runAll(cases: { label: string; args: string[] }[]): Promise<void>;
  /** A case run by runAll, checked: non-zero exit, a coded error, no stack, the workspace unchanged. */
  failure(label: string): FaceError;
  /** A case run by runAll that is expected to succeed: its output (--json) and the lane it ran on. */
  success(label: string): { json: unknown; dir: string };
}

export async function cliFace(seedDir: string, root: string, lanes: number): Promise<CliFace> {
  const dirs = Array.from({ length: lanes }, (_, i) => join(root, `cli-${i}`));
  for (const d of dirs) cpSync(seedDir, d, { recursive: true });
  const baselines: WorkspaceSnapshot[] = [];
  for (const d of dirs) baselines.push(await snapshotWorkspace(d));
  const run = (args: string[], lane: number) =>
    latheAsync([...args, '--workspace', dirs[lane]!, '--json'], { cwd: root });
  const done = new Map<string, { result: CliResult; changes: string[]; dir: string }>();
  return {
    dirs,
    async runAll(cases) {
      let next = 0;
      await Promise.all(
        dirs.map(async (dir, lane) => {
          while (next < cases.length) {
            const c = cases[next++]!;
            const result = await run(c.args, lane);
            const changes = diffSnapshots(baselines[lane]!, await snapshotWorkspace(dir));
            // Later cases on this lane are judged against what it holds now.
            if (changes.length) baselines[lane] = await snapshotWorkspace(dir);
            done.set(c.label, { result, changes, dir });
          }
        }),
      );
    },
    failure(label) {
      const ran = done.get(label);
      if (!ran) throw new Error(`no CLI case ${label} was run`);
      const error = cliError(ran.result, `CLI ${label}`);
      expect(ran.changes, `CLI ${label}: workspace changed`).toEqual([]);
      return error;
    },
    success(label) {
      const ran = done.get(label);
      if (!ran) throw new Error(`no CLI case ${label} was run`);
      expect(ran.result.code, `CLI ${label}: ${ran.result.stderr}`).toBe(0);
      expectNoStack(ran.result.stderr, `CLI ${label}: stderr`);
      return { json: ran.result.json, dir: ran.dir };
    },
  };
}

/** A raw HTTP answer. */
export interface HttpAnswer {
  status: number;
  body: string;
  headers: Record<string, unknown>;
}

/** A request to the host; resolves with the answer even when the server closes before taking the body. */
export function httpRequest(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<HttpAnswer> {
  return new Promise((resolveReq, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'POST', headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolveReq({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
          }),
        );
      },
    );
    // A server that answers 413 and closes may do so while the body is still being written.
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err);
    });
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** The HTTP face: services and the host over a copy of the seed, with the owner's view for snapshots. */
export interface HostFace {
  services: Services;
  host: Host;
  /** POST /api/invoke/CHANNEL with a JSON body (a string is sent as is). */
  invoke(channel: string, body: unknown, headers?: Record<string, string>): Promise<HttpAnswer>;
  /** Checks a 4xx answer with an error code and no stack, and the workspace unchanged. */
  fail(answer: HttpAnswer, label: string): Promise<FaceError & { status: number }>;
  /** Uploads a file's bytes as the browser does; the path to import. */
  upload(file: string, name: string): Promise<string>;
  /** Re-takes the baseline after an accepted input. */
  rebase(): Promise<void>;
  close(): Promise<void>;
}

export async function hostFace(seedDir: string, dir: string): Promise<HostFace> {
  cpSync(seedDir, dir, { recursive: true });
  const services = await createServices({ workspaceDir: dir, validateOutput: true });
  const host = await startHost({ services, port: 0, rendererDir: join(dir, 'no-renderer') });
  const snap = () => snapshotWorkspace(dir, services.workspace.db);
  let baseline = await snap();
  const invoke = (channel: string, body: unknown, headers: Record<string, string> = {}) =>
    httpRequest(host.port, `/api/invoke/${encodeURIComponent(channel)}`, {
      headers: { 'Content-Type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  return {
    services,
    host,
    invoke,
    async fail(answer, label) {
      expect(answer.status, `HTTP ${label}: ${answer.body.slice(0, 500)}`).toBeGreaterThanOrEqual(
        400,
      );
      expect(answer.status, `HTTP ${label}: ${answer.body.slice(0, 500)}`).toBeLessThan(500);
      expectNoStack(answer.body, `HTTP ${label}: body`);
      const parsed = JSON.parse(answer.body) as { ok: boolean; error: FaceError };
      expect(parsed.ok).toBe(false);
      expect(parsed.error.code).toMatch(/^[A-Z_]+$/);
      expect(diffSnapshots(baseline, await snap()), `HTTP ${label}: workspace changed`).toEqual([]);
      return { ...parsed.error, status: answer.status };
    },
    async upload(file, name) {
      const answer = await httpRequest(host.port, `/api/upload?name=${encodeURIComponent(name)}`, {
        headers: { 'Content-Type': 'application/octet-stream' },
        body: readFileSync(file),
      });
      expect(answer.status, answer.body).toBe(200);
      return (JSON.parse(answer.body) as { result: { path: string } }).result.path;
    },
    async rebase() {
      baseline = await snap();
    },
    async close() {
      await host.close();
      await services.close();
    },
  };
}
