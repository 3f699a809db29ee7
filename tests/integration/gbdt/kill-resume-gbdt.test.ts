// A gbdt run killed with SIGKILL mid-training (lathe train in its own process) resumes with
// runs:resume, as `lathe runs resume` does, to the same trees, bit for bit, as an uninterrupted run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run } from '../../../shared/contract';
import { createServices, type Services } from '../../../main/services';
import { decodeGbdtCheckpoint } from '../../../main/train/checkpoint-state';
import { latheBackground } from '../../helpers/cli';
import { contractClient } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';
import { penguinsGbdt } from './penguins-gbdt';

const t = tempDir('lathe-gbdt-kill-');
const ws = join(t.dir, 'ws');
let services: Services | undefined;
const { call } = contractClient(() => services!);

const ROUNDS = 1500;
const config = { ...penguinsGbdt(ROUNDS), experiment: 'gbdt-kill' };

const file = (run: Run, path: string) =>
  readFileSync(
    services!.workspace.artifacts.pathOf(run.artifacts.find((a) => a.path === path)!.sha256),
    'utf8',
  );

/** Whether the running training (in `lathe train`, which owns the workspace) has recorded a checkpoint. */
async function checkpointRecorded(): Promise<boolean> {
  const { hostUrl } = JSON.parse(readFileSync(join(ws, 'lathe.lock'), 'utf8')) as {
    hostUrl?: string;
  };
  if (!hostUrl) return false;
  const invoke = async (channel: string, input: unknown) => {
    const res = await fetch(`${hostUrl.replace(/\/$/, '')}/api/invoke/${channel}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(input),
    });
    return ((await res.json()) as { result: unknown }).result;
  };
  const runs = (await invoke('runs:list', { experiment: 'gbdt-kill' })) as Run[];
  const running = runs.find((r) => r.status === 'running');
  if (!running) return false;
  const run = (await invoke('runs:get', { id: running.id })) as Run;
  return run.artifacts.some((a) => a.path === 'checkpoint/state.bin');
}

beforeAll(async () => {
  services = await createServices({ workspaceDir: ws, validateOutput: true });
  await call('data:import', { path: vega('penguins.json'), name: 'penguins' });
});
afterAll(async () => {
  await services?.close();
  t.remove();
});

describe('a killed gbdt run', () => {
  it('resumes from its last stored checkpoint to the trees of an uninterrupted run', async () => {
    const straight = await call('train:run', { config });
    expect(straight.status).toBe('finished');
    await services!.close();
    services = undefined;

    const cfg = t.file('gbdt.json', JSON.stringify(config));
    const child = latheBackground(['train', '--config', cfg, '--workspace', ws]);
    // Progress prints per 10% on a pipe: killed once round 150 (10%) shows, with checkpoints every 10.
    await child.waitFor('stderr', /round (1[5-9]\d|[2-4]\d\d)\/1500/, 80_000);
    // A checkpoint is stored a moment after its round is trained (a write on the training process's main
    // thread): asked through that process's host, the kill comes once one is recorded.
    await expect.poll(checkpointRecorded, { timeout: 60_000, interval: 20 }).toBe(true);
    child.child.kill('SIGKILL');
    await child.exit;

    services = await createServices({ workspaceDir: ws, validateOutput: true });
    const [killed] = (await call('runs:list', { experiment: 'gbdt-kill' })).filter(
      (r) => r.id !== straight.id,
    );
    expect(killed?.status).toBe('interrupted');
    const before = await call('runs:get', { id: killed!.id });
    expect(before.artifacts.map((a) => a.path)).toContain('checkpoint/state.bin');
    const logged = await call('runs:metrics', { id: killed!.id, key: 'val_loss' });
    expect(Math.max(...logged.points.map((p) => p.step))).toBeLessThan(ROUNDS);

    // The killed process's last stored checkpoint (the resume replaces it): which round, and its trees.
    const saved = decodeGbdtCheckpoint(
      readFileSync(
        services.workspace.artifacts.pathOf(
          before.artifacts.find((a) => a.path === 'checkpoint/state.bin')!.sha256,
        ),
      ),
    )!.gbdt;

    const resumed = await call('runs:resume', { id: killed!.id });
    expect(resumed.status).toBe('finished');
    const want = file(straight, 'model/gbdt.json');
    const got = file(resumed, 'model/gbdt.json');
    if (got !== want) {
      // One line, so that CI's tail of the output holds it: the fields that differ, where the trees part (3
      // per round), and whether the killed process's checkpoint already parts from the uninterrupted run
      // (else the resumed process parted).
      const [g, w] = [got, want].map((text) => JSON.parse(text) as Record<string, unknown>);
      const fields = Object.keys(w!).filter((k) => JSON.stringify(g![k]) !== JSON.stringify(w![k]));
      const wantTrees = (w!.trees as unknown[]).map((t) => JSON.stringify(t));
      const parts = (trees: unknown[]) =>
        `${trees.findIndex((t, i) => JSON.stringify(t) !== wantTrees[i])} of ${trees.length}`;
      const rounds = Math.max(...logged.points.map((p) => p.step));
      throw new Error(
        `the resumed model differs in ${fields.join(', ')}: its trees part at ${parts(g!.trees as unknown[])}; ` +
          `the checkpoint of round ${saved.round} (${rounds} rounds logged) parts at ${parts(saved.trees)}`,
      );
    }
    expect(resumed.metrics).toEqual(straight.metrics);
    const steps = (await call('runs:metrics', { id: resumed.id, key: 'val_loss' })).points.map(
      (p) => p.step,
    );
    // Every round logged once.
    expect(steps).toEqual(Array.from({ length: ROUNDS }, (_, i) => i + 1));
  }, 120_000);
});
