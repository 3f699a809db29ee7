// A retraining's canary judged (retrain:judge): served in-process, it answers a share of real requests;
// a canary that holds is promoted and served alone, one whose requests fail (5xx) is abandoned and the
// champion served alone on the same address. And an alert's rollback names the champion it judged.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAlertService } from '../../../main/monitor/alerts';
import { createServices, type Services } from '../../../main/services';
import { CheckIn, type HealthOut } from '../../../shared/contract';
import type { Predictor } from '../../../main/serve/types';
import { contractClient, importPenguins } from '../../helpers/services';
import { lathe } from '../../helpers/cli';
import { tempDir } from '../../helpers/workspace';
import { championOf } from './retrain-fixtures';

/** `model@version` whose served predictions throw (a challenger broken at serving time). */
const failing = vi.hoisted(() => new Set<string>());
vi.mock('../../../main/serve/predictor', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../main/serve/predictor')>();
  return {
    ...real,
    async loadPredictor(dir: string): Promise<Predictor> {
      const p = await real.loadPredictor(dir);
      if (!failing.has(`${p.meta.model}@${p.meta.version}`)) return p;
      return Object.assign(Object.create(p) as Predictor, {
        predictRecords: () => Promise.reject(new Error('the challenger cannot score')),
      });
    },
  };
});

const t = tempDir('lathe-retrain-canary-');
let services: Services;
const { call } = contractClient(() => services);

const PENGUIN: Record<string, unknown> = {
  'Beak Length (mm)': 39.1,
  'Beak Depth (mm)': 18.7,
  'Flipper Length (mm)': 181,
  'Body Mass (g)': 3750,
  Island: 'Torgersen',
  Sex: 'MALE',
};

/** Sends `n` one-record requests to the model's server; their statuses. */
async function send(url: string, model: string, n: number): Promise<number[]> {
  const v = await call('models:version', { ref: `${model}@1` });
  const record = Object.fromEntries(v.signature!.inputs.map((i) => [i.name, PENGUIN[i.name]]));
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await fetch(`${url}/v1/models/${model}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ records: [record] }),
    });
    statuses.push(r.status);
  }
  return statuses;
}

/** Starts a server of the champion, then a retraining with a 50% canary in it that asks to promote. */
async function canaried(model: string) {
  await championOf(call, model);
  const served = await call('serve:start', { ref: `${model}@champion`, port: 0 });
  const r = await call('retrain:run', {
    model,
    data: 'penguins@1',
    canaryPercent: 50,
    promote: true,
  });
  expect(r.status, r.error ?? '').toBe('canary');
  return { url: served.url, retraining: r };
}

/** Checks that one server of `model` runs, at `url`, serving `version` alone; returns its id. */
async function servedAlone(model: string, url: string, version: number): Promise<string> {
  const servers = (await call('serve:list', {})).filter((s) => s.model === model);
  expect(servers).toHaveLength(1);
  expect(servers[0]).toMatchObject({ url, version });
  expect(servers[0]!.canary).toBeUndefined();
  return servers[0]!.id;
}

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  await importPenguins(services);
});
afterAll(async () => {
  await services?.close();
  t.remove();
});

describe('retrain:judge', () => {
  it('waits for canary traffic, then promotes a canary that holds and serves it alone', async () => {
    const { url, retraining } = await canaried('held');
    const early = await call('retrain:judge', { ref: retraining.id, minRequests: 10 });
    expect(early.verdict).toBe('waiting');
    expect(early.measured.canaryRequests).toBe(0);

    expect(new Set(await send(url, 'held', 60))).toEqual(new Set([200]));
    const j = await call('retrain:judge', { ref: 'held', minRequests: 10 });
    expect(j.verdict, j.message).toBe('promoted');
    expect(j.measured.canaryRequests).toBeGreaterThanOrEqual(10);
    expect(j.measured.canaryRequests + j.measured.championRequests).toBe(60);
    expect(j.measured).toMatchObject({ canaryErrorRate: 0, championErrorRate: 0 });
    expect(j.measured.metricSource).toBe('cbpe');
    expect(j.retraining.status).toBe('promoted');
    expect(j.retraining.steps.at(-1)).toMatchObject({ step: 'judge', status: 'ok' });
    expect((await call('models:version', { ref: 'held@champion' })).version).toBe(2);
    const server = await servedAlone('held', url, 2);
    const [listed] = await call('retrain:list', { model: 'held' });
    expect(listed).toMatchObject({ id: retraining.id, status: 'promoted' });
    const audit = (await call('models:history', { name: 'held' })).entries;
    expect(audit.some((e) => e.action === 'retrain' && e.details.step === 'judge')).toBe(true);
    const moved = audit.filter((e) => e.action === 'alias' && e.details.alias === 'champion');
    expect(moved.at(-1)!.details).toMatchObject({ to: 2 });
    expect(moved.at(-1)!.reason ?? '').toMatch(/its canary held/);
    await expect(call('retrain:judge', { ref: retraining.id })).rejects.toThrow(/not in canary/);
    await call('serve:stop', { id: server });
  });

  it('abandons a canary whose requests fail and serves the champion alone', async () => {
    failing.add('broken@2');
    const { url } = await canaried('broken');
    const statuses = await send(url, 'broken', 60);
    expect(statuses.filter((s) => s === 500).length).toBeGreaterThan(0);
    const j = await call('retrain:judge', { ref: 'broken', minRequests: 10 });
    expect(j.verdict, j.message).toBe('abandoned');
    expect(j.measured.canaryErrorRate).toBe(1);
    expect(j.measured.championErrorRate).toBe(0);
    expect(j.message).toMatch(/5xx rate 100\.0%/);
    expect(j.retraining.status).toBe('abandoned');
    expect(j.retraining.steps.at(-1)).toMatchObject({ step: 'judge', status: 'failed' });
    expect((await call('models:version', { ref: 'broken@champion' })).version).toBe(1);
    const server = await servedAlone('broken', url, 1);
    expect(new Set(await send(url, 'broken', 5))).toEqual(new Set([200]));
    await call('serve:stop', { id: server });
  });
});

describe("an alert's rollback", () => {
  it('rolls back only the champion the alert judged, never one that replaced it since', async () => {
    await championOf(call, 'moved');
    const r = await call('retrain:run', { model: 'moved', data: 'penguins@1', promote: true });
    expect(r.status, r.error ?? '').toBe('promoted');
    // Every request of whatever version is asked about failed.
    const health = async ({ ref }: { ref: string }): Promise<HealthOut> => ({
      model: 'moved',
      windows: [
        {
          start: '2026-01-01T00:00:00.000Z',
          end: '2026-01-01T01:00:00.000Z',
          version: Number(ref.split('@')[1]),
          requests: 10,
          rows: 0,
          errors4xx: 0,
          errors5xx: 10,
          errorRate: 1,
          latencyMs: null,
        },
      ],
    });
    const alerts = createAlertService({
      db: services.workspace.db,
      workspaceDir: services.workspace.paths.dir,
      bus: services.bus,
      registry: services.registry,
      drift: { drift: () => Promise.reject(new Error('not used')) },
      performance: { overall: () => Promise.reject(new Error('not used')) },
      capture: { health },
      retrain: {
        run: () => Promise.reject(new Error('not used')),
        rollback: (input) => call('models:rollback', input),
      },
    });
    const rule = {
      model: 'moved',
      signal: 'error_rate',
      above: 0.5,
      window: '1d',
      action: 'rollback',
    };
    // A rule on v1 fires while v2 is the champion: v2 is not rolled back for it.
    const stale = await alerts.check(
      CheckIn.parse({ rules: { rules: [{ ...rule, name: 'old-one', version: 1 }] } }),
    );
    expect(stale.fired[0]).toMatchObject({ version: 1 });
    expect(stale.fired[0]!.message).toMatch(
      /rollback failed: moved@champion is v2, not v1: it moved since; nothing rolled back/,
    );
    expect((await call('models:version', { ref: 'moved@champion' })).version).toBe(2);
    // On the champion it judged, the rollback goes through.
    const current = await alerts.check(
      CheckIn.parse({ rules: { rules: [{ ...rule, name: 'champion-failing' }] } }),
    );
    expect(current.fired[0]!.message).toMatch(/rolled moved back from version 2 to 1/);
    expect((await call('models:version', { ref: 'moved@champion' })).version).toBe(1);
    await alerts.stop();
  });
});

describe('lathe retrain judge', () => {
  it('names a retraining or model it cannot find, and refuses a bad --min-requests', () => {
    const W = join(t.dir, 'cli-ws');
    const none = lathe(['retrain', 'judge', 'nosuch', '--workspace', W, '--json']);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(
      /'nosuch' names no retraining, and no retraining of a model 'nosuch' is in canary/,
    );
    const bad = lathe(['retrain', 'judge', 'm', '--min-requests', '0', '--workspace', W]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--min-requests 0: expected a positive integer/);
  });
});
