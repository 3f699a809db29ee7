// One workspace, several processes at once: the browser host (`lathe ui`), CLI commands in parallel and
// a prediction server started while the host runs; a CLI command owning the workspace when `lathe ui`
// starts; commands started at the same instant with no host; a database another program holds. Every
// acknowledged write is there at the end, no user sees a lock error, and the audit log's order is the
// order in which changes were acknowledged.
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeysCreateOut, ModelVersion } from '../../../shared/contract';
import { latheAsync, type CliResult } from '../../helpers/cli';
import { contractClient, penguinsConfig, withServices } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';
import { LOCK_TEXT, background as bgProcess } from './processes';

const t = tempDir('lathe-concurrency-');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  t.remove();
});

const background = (args: string[]) => bgProcess(args, { cwd: t.dir, children });

/** A command's result and when it was sent and acknowledged (this process's monotonic clock). */
interface Acked {
  label: string;
  sent: number;
  acked: number;
  r: CliResult;
}

/** Runs `lathe … --workspace ws --json` to its end, recording when it was sent and acknowledged. */
async function cli(ws: string, label: string, args: string[]): Promise<Acked> {
  const sent = performance.now();
  const r = await latheAsync([...args, '--workspace', ws, '--json'], { cwd: t.dir, children });
  return { label, sent, acked: performance.now(), r };
}

/** Runs the commands one after another, each sent once the one before is acknowledged. */
async function chain(ws: string, steps: [string, string[]][]): Promise<Acked[]> {
  const done: Acked[] = [];
  for (const [label, args] of steps) done.push(await cli(ws, label, args));
  return done;
}

/** Penguins with every field given, without the target: request bodies for the prediction server. */
const records = (
  JSON.parse(readFileSync(vega('penguins.json'), 'utf8')) as Record<string, unknown>[]
)
  .filter((r) => Object.values(r).every((v) => v !== null))
  .slice(0, 10)
  .map(({ Species: _y, ...r }) => r);

describe('one workspace, many processes', () => {
  const W = join(t.dir, 'shared-ws');
  const runIds: string[] = [];
  let serveKey: string;

  beforeAll(async () => {
    await withServices(W, async (services) => {
      const { call } = contractClient(() => services);
      await call('data:import', { path: vega('penguins.json'), name: 'penguins' });
      for (const seed of [1, 2]) {
        const run = await call('train:run', { config: penguinsConfig({ seed }) });
        expect(run.status, run.error ?? '').toBe('finished');
        runIds.push(run.id);
      }
      await call('models:register', { runId: runIds[0]!, name: 'pen' });
      serveKey = (await call('keys:create', { name: 'serve-key', models: ['pen'] })).key;
    });
    for (const i of [1, 2]) t.file(`import-${i}.csv`, `x,y\n${i},${i * 2}\n${i + 1},${i * 3}\n`);
    t.file('gates.yaml', 'metrics: [{ metric: roc_auc, min: 0.5 }]\n');
  });

  it('the host, a prediction server started while it runs, and CLI commands in parallel: nothing lost, no lock error, audit in acknowledgement order', async () => {
    const ui = background(['ui', '--port', '0', '--workspace', W, '--json']);
    const host = JSON.parse((await ui.waitFor(/^\{.*\}\n/m))[0]) as { url: string; pid: number };
    const serve = background(['serve', 'pen@1', '--port', '0', '--workspace', W, '--json']);
    const served = JSON.parse((await serve.waitFor(/^\{.*\}\n/m))[0]) as { url: string };

    const predictions = async (stream: number): Promise<number[]> => {
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) {
        const res = await fetch(`${served.url}/v1/models/pen/predict`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${serveKey}`,
            'x-request-id': `c-${stream}-${i}`,
          },
          body: JSON.stringify(records[(stream + i) % records.length]),
        });
        await res.arrayBuffer();
        statuses.push(res.status);
      }
      return statuses;
    };
    // The app's own calls, as the renderer makes them over the host's HTTP API.
    const app = async (): Promise<Acked[]> => {
      const done: Acked[] = [];
      for (const i of [1, 2, 3]) {
        const sent = performance.now();
        const res = await fetch(`${host.url}api/invoke/projects:create`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: `app-${i}` }),
        });
        const text = await res.text();
        done.push({
          label: `app-${i}`,
          sent,
          acked: performance.now(),
          r: { code: res.ok ? 0 : res.status, stdout: text, stderr: '', json: null },
        });
      }
      return done;
    };
    const [run1, run2] = runIds as [string, string];
    const exportDir = join(t.dir, 'docker-out');
    const [statuses, appDone, ...cliDone] = await Promise.all([
      Promise.all([0, 1, 2, 3].map(predictions)),
      app(),
      chain(W, [
        ['a-register', ['models', 'register', run2, '--name', 'pen']],
        ['a1', ['models', 'alias', 'pen@1', 'challenger', '--reason', 'a1']],
        ['a2', ['models', 'alias', 'pen@2', 'challenger', '--reason', 'a2']],
        ['a3', ['models', 'stage', 'pen@2', 'staging', '--reason', 'a3']],
        ['a4', ['models', 'alias', 'pen@1', 'challenger', '--reason', 'a4']],
      ]),
      chain(W, [
        ['b-register-1', ['models', 'register', run1, '--name', 'pen-b']],
        ['b-register-2', ['models', 'register', run2, '--name', 'pen-b']],
        ['b1', ['models', 'alias', 'pen-b@2', 'best', '--reason', 'b1']],
      ]),
      cli(W, 'g1', ['gates', 'set', '--file', join(t.dir, 'gates.yaml'), '--reason', 'g1']).then(
        (d) => [d],
      ),
      chain(W, [
        ['k-create-1', ['keys', 'create', 'k-1', '--models', 'pen']],
        ['k-create-2', ['keys', 'create', 'k-2']],
        ['k-list', ['keys', 'list']],
        ['k-revoke', ['keys', 'revoke', 'k-1']],
      ]),
      ...[1, 2].map((i) =>
        cli(W, `import-${i}`, [
          'data',
          'import',
          join(t.dir, `import-${i}.csv`),
          '--name',
          `imp-${i}`,
        ]).then((d) => [d]),
      ),
      ...[1, 2].map((i) =>
        cli(W, `tag-${i}`, ['runs', 'tag', run1, `k${i}=v${i}`]).then((d) => [d]),
      ),
      cli(W, 'export', ['export', 'docker', 'pen@1', '--out', exportDir]).then((d) => [d]),
    ]);
    const all = [...appDone, ...cliDone.flat()];
    for (const d of all) {
      expect(d.r.code, `${d.label}: ${d.r.stderr}${d.r.stdout}`).toBe(0);
      expect(`${d.r.stdout}${d.r.stderr}`, d.label).not.toMatch(LOCK_TEXT);
    }
    expect(statuses.flat()).toEqual(Array.from({ length: 40 }, () => 200));
    // The keys commands and the export went to the owner (the host), as every other command.
    expect(KeysCreateOut.parse(all.find((d) => d.label === 'k-create-2')!.r.json).name).toBe('k-2');
    expect(existsSync(join(exportDir, 'Dockerfile'))).toBe(true);
    expect(ModelVersion.parse(all.find((d) => d.label === 'a-register')!.r.json).version).toBe(2);

    expect(await serve.stop(), serve.output()).toBe(0);
    expect(await ui.stop(), ui.output()).toBe(0);
    for (const text of [serve.output(), ui.output()]) expect(text).not.toMatch(LOCK_TEXT);

    await withServices(W, async (services) => {
      const { call } = contractClient(() => services);
      // Every acknowledged write is there.
      const datasets = (await call('data:list', {})).map((d) => d.name);
      expect(datasets).toEqual(expect.arrayContaining(['imp-1', 'imp-2', 'penguins']));
      expect((await call('runs:get', { id: run1 })).tags).toMatchObject({ k1: 'v1', k2: 'v2' });
      const projects = (await call('projects:list', {})).map((p) => p.name);
      expect(projects).toEqual(expect.arrayContaining(['app-1', 'app-2', 'app-3']));
      const keys = await call('keys:list', {});
      expect(keys.map((k) => [k.name, k.revokedAt === null])).toEqual(
        expect.arrayContaining([
          ['serve-key', true],
          ['k-1', false],
          ['k-2', true],
        ]),
      );
      expect((await call('gates:get', { project: 'Default' })).policy).not.toBeNull();
      expect((await call('models:version', { ref: 'pen@challenger' })).version).toBe(1);
      expect((await call('models:version', { ref: 'pen@2' })).stage).toBe('staging');
      expect((await call('models:version', { ref: 'pen-b@best' })).version).toBe(2);
      // Every answered prediction has its row in the prediction log.
      const captured = await call('monitor:captures', { model: 'pen' });
      expect(captured.versions.find((v) => v.version === 1)?.rows).toBe(40);

      // The audit log: each change's entry, in the order the log lists them.
      const log = await services.workspace.db.all<{
        action: string;
        reason: string | null;
        model: string | null;
        details: string;
      }>(
        'SELECT a.action, a.reason, m.name AS model, a.details::VARCHAR AS details FROM audit_log a LEFT JOIN models m ON m.id = a.model_id ORDER BY a.id',
      );
      const entryOf = (d: Acked): number => {
        const reg = /^(a|b)-register/.exec(d.label);
        const index = reg
          ? log.findIndex(
              (e) =>
                e.action === 'register' &&
                e.model === (reg[1] === 'a' ? 'pen' : 'pen-b') &&
                e.details.includes(d.label.endsWith('-1') ? run1 : run2),
            )
          : log.findIndex((e) => e.reason === d.label);
        expect(index, `the audit entry of ${d.label}`).toBeGreaterThanOrEqual(0);
        return index;
      };
      const audited = all.filter((d) => /^(a\d|b\d|g1|a-register|b-register)/.test(d.label));
      expect(audited).toHaveLength(9);
      const position = new Map(audited.map((d) => [d, entryOf(d)]));
      // Acknowledged before another was sent: listed before it (one client's chain is the strict case).
      for (const x of audited)
        for (const y of audited)
          if (x.acked < y.sent)
            expect(position.get(x)!, `${x.label} before ${y.label}`).toBeLessThan(position.get(y)!);
    });
  }, 85_000);
});
