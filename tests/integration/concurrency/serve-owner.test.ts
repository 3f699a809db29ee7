// `lathe serve` and `lathe monitor watch` run with no app: they own the workspace for as long as they
// run, so they run a local host too, and other commands (keys, alias moves, export docker, serve list)
// go through it at once instead of waiting for a lock held for hours.
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latheAsync } from '../../helpers/cli';
import { contractClient, penguinsConfig, withServices } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';
import { LOCK_TEXT, background as bgProcess } from './processes';

const t = tempDir('lathe-serve-owner-');
const W = join(t.dir, 'ws');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  t.remove();
});

const background = (args: string[]) => bgProcess(args, { cwd: t.dir, children });
/** `lathe … --workspace W --json` run to its end without blocking this process. */
const lathe = (args: string[]) =>
  latheAsync([...args, '--workspace', W, '--json'], { cwd: t.dir, children });

let serveKey: string;
const record = {
  Island: 'Torgersen',
  'Beak Length (mm)': 39.1,
  'Beak Depth (mm)': 18.7,
  'Flipper Length (mm)': 181,
  'Body Mass (g)': 3750,
  Sex: 'MALE',
};

beforeAll(async () => {
  await withServices(W, async (services) => {
    const { call } = contractClient(() => services);
    await call('data:import', { path: vega('penguins.json'), name: 'penguins' });
    for (const seed of [1, 2]) {
      const run = await call('train:run', { config: penguinsConfig({ seed }) });
      expect(run.status, run.error ?? '').toBe('finished');
      await call('models:register', { runId: run.id, name: 'pen' });
    }
    serveKey = (await call('keys:create', { name: 'serve-key', models: ['pen'] })).key;
  });
});

describe('standing commands as the owner', () => {
  it('`lathe serve` owning the workspace (no app) serves other commands through its own host', async () => {
    const serve = background(['serve', 'pen@1', '--port', '0', '--workspace', W]);
    const hostUrl = (await serve.waitFor(/other commands reach it at (http\S+)/))[1]!;
    const servedUrl = (await serve.waitFor(/Serving pen@1 at (http\S+)\/v1\//))[1]!;
    const out = join(t.dir, 'docker-while-serving');
    const [keys, alias, exported, listed] = await Promise.all([
      lathe(['keys', 'create', 'k-serving', '--models', 'pen']),
      lathe(['models', 'alias', 'pen@2', 'challenger', '--reason', 'while serving']),
      lathe(['export', 'docker', 'pen@1', '--out', out]),
      latheAsync(['serve', 'list', '--workspace', W], { cwd: t.dir, children }),
    ]);
    for (const r of [keys, alias, exported]) {
      expect(r.code, r.stderr).toBe(0);
      expect(`${r.stdout}${r.stderr}`).not.toMatch(LOCK_TEXT);
    }
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stderr).toContain(`sending the command to it at ${hostUrl}`);
    expect(listed.stdout).toContain(servedUrl);
    expect(existsSync(join(out, 'Dockerfile'))).toBe(true);
    const res = await fetch(`${servedUrl}/v1/models/pen/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${serveKey}` },
      body: JSON.stringify(record),
    });
    expect(res.status).toBe(200);
    expect(await serve.stop(), serve.output()).toBe(0);
    expect(serve.output()).not.toMatch(LOCK_TEXT);
    await withServices(W, async (services) => {
      const { call } = contractClient(() => services);
      expect((await call('keys:list', {})).map((k) => k.name)).toContain('k-serving');
      expect((await call('models:version', { ref: 'pen@challenger' })).version).toBe(2);
    });
  }, 60_000);
  it('`lathe monitor watch` owning the workspace serves other commands through its own host', async () => {
    const watch = background(['monitor', 'watch', '--workspace', W]);
    const hostUrl = (await watch.waitFor(/other commands reach it at (http\S+)/))[1]!;
    await watch.waitFor(/press Ctrl-C to stop/);
    const listed = await latheAsync(['projects', 'list', '--workspace', W], {
      cwd: t.dir,
      children,
    });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stderr).toContain(`sending the command to it at ${hostUrl}`);
    expect(listed.stdout).toMatch(/^Default\b/m);
    expect(await watch.stop(), watch.output()).toBe(0);
    expect(watch.output()).not.toMatch(LOCK_TEXT);
  });
});
