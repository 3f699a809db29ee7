// Crash safety: a training killed (SIGKILL of the process owning the workspace) before its first
// checkpoint was stored is still resumable. `lathe runs resume` restarts it from the first epoch under the
// same run id with its recorded config, dataset version and seed, says so, drops what the killed attempt
// logged, and ends with the metrics of a fresh run of the same config, each epoch stored once.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { RESTART_NOTE, type MetricPoint, type RunStatusEvent } from '../../../shared/contract';
import { lathe } from '../../helpers/cli';
import { contractClient, withServices, type TrainConfigInput } from '../../helpers/services';
import { FIXTURES, tempDir } from '../../helpers/workspace';
import { background } from '../concurrency/processes';

const t = tempDir('lathe-resume-no-checkpoint-');
const W = join(t.dir, 'ws');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  t.remove();
});

const EPOCHS = 6;
const config: TrainConfigInput = {
  dataset: 'weather@1',
  target: 'weather',
  task: 'multiclass',
  model: { type: 'mlp', hidden: [16] },
  training: { epochs: EPOCHS, batchSize: 16, learningRate: 0.005, validationFraction: 0.25 },
  seed: 5,
  experiment: 'restart',
};

/** A run's points per metric key, in step order. */
function byKey(points: MetricPoint[]): Map<string, { step: number; value: number }[]> {
  const out = new Map<string, { step: number; value: number }[]>();
  for (const p of [...points].sort((a, b) => a.step - b.step))
    out.set(p.key, [...(out.get(p.key) ?? []), { step: p.step, value: p.value }]);
  return out;
}

describe('resuming a run killed before its first checkpoint', () => {
  let fresh: { metrics: Record<string, number>; points: MetricPoint[] };

  beforeAll(async () => {
    await withServices(W, async (services) => {
      const { call } = contractClient(() => services);
      await call('data:import', { path: join(FIXTURES, 'seattle-weather.csv'), name: 'weather' });
      const run = await call('train:run', { config });
      expect(run.status, run.error ?? '').toBe('finished');
      const { points } = await call('runs:metrics', { id: run.id, maxPoints: 1_000_000 });
      fresh = { metrics: run.metrics, points };
    });
  });

  it('restarts it from the first epoch under the same id and ends equal to a fresh run', async () => {
    // The process owning the workspace (`lathe ui`) starts a training and is killed the moment the run is
    // recorded running: its worker has not even loaded, so no epoch (and no checkpoint) is stored yet.
    const ui = background(['ui', '--workspace', W], { cwd: t.dir, children });
    const [, url] = (await ui.waitFor(/Lathe UI: (http:\/\/127\.0\.0\.1:\d+\/)/)) as unknown as [
      string,
      string,
    ];
    const events = new WebSocket(`${url.replace('http', 'ws')}api/events`);
    await new Promise((r) => events.once('open', r));
    const running = new Promise<string>((resolve) =>
      events.on('message', (data: WebSocket.RawData) => {
        const frame = JSON.parse(Buffer.from(data as Buffer).toString('utf8')) as {
          event: string;
          payload: RunStatusEvent;
        };
        if (frame.event === 'run:status' && frame.payload.status === 'running') {
          ui.child.kill('SIGKILL');
          resolve(frame.payload.runId);
        }
      }),
    );
    void fetch(`${url}api/invoke/train:start`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ config }),
    }).catch(() => undefined);
    const runId = await running;
    expect(await ui.exit).toBe(null);
    events.terminate();

    await withServices(W, async (services) => {
      const { call } = contractClient(() => services);
      const killed = await call('runs:get', { id: runId });
      expect(killed.status).toBe('interrupted');
      expect(killed.artifacts.map((a) => a.path)).not.toContain('checkpoint/state.bin');
      // What a killed attempt leaves when its epochs' metrics were flushed but its checkpoint was not yet
      // stored (the checkpoint trails the metrics under load): two epochs of other values.
      await services.tracking.logMetrics(runId, 1, { loss: 9, val_loss: 9 });
      await services.tracking.logMetrics(runId, 2, { loss: 8, val_loss: 8 });
    });

    const resumed = lathe(['runs', 'resume', runId.slice(0, 8), '--workspace', W]);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(RESTART_NOTE);

    await withServices(W, async (services) => {
      const { call } = contractClient(() => services);
      const run = await call('runs:get', { id: runId });
      expect(run.status, run.error ?? '').toBe('finished');
      expect(run.metrics).toEqual(fresh.metrics);
      const { points } = await call('runs:metrics', { id: runId, maxPoints: 1_000_000 });
      const got = byKey(points);
      const want = byKey(fresh.points);
      expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
      for (const [key, series] of got) {
        // Each epoch once, with the fresh run's value: nothing of the killed attempt is left.
        expect(series, key).toEqual(want.get(key));
      }
      expect(got.get('loss')!.map((p) => p.step)).toEqual(
        Array.from({ length: EPOCHS }, (_, i) => i + 1),
      );
    });
  });
});
