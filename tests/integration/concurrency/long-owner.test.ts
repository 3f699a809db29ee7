// A long CLI command owning the workspace (a training here; a batch prediction and an import the same
// way once they have run 2 s, standing-host.test.ts): commands started meanwhile go through the local host
// it runs, instead of waiting for its lock and failing with the owner's pid. They read and write, all succeed, no lock text anywhere, and the
// training finishes.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyInfo, ModelVersion, RunSummary } from '../../../shared/contract';
import { lathe, latheAsync } from '../../helpers/cli';
import { contractClient, penguinsConfig, withServices } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';
import { LOCK_TEXT, background } from './processes';

const t = tempDir('lathe-long-owner-');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  t.remove();
});

describe('a long command owns the workspace', () => {
  const W = join(t.dir, 'ws');
  let shortRun: string;

  beforeAll(async () => {
    await withServices(W, async (services) => {
      const { call } = contractClient(() => services);
      await call('data:import', { path: vega('penguins.json'), name: 'penguins' });
      const run = await call('train:run', { config: penguinsConfig({ seed: 1 }) });
      expect(run.status, run.error ?? '').toBe('finished');
      shortRun = run.id;
      await call('models:register', { runId: run.id, name: 'pen' });
    });
    t.file('extra.csv', 'x,y\n1,2\n3,4\n');
  });

  it('lathe train: commands started while it trains go through its host and succeed; it finishes', async () => {
    const epochs = 4000;
    const config = t.file(
      'long.yaml',
      `dataset: penguins\ntarget: Species\ntask: multiclass\nmodel:\n  type: linear\ntraining:\n  epochs: ${epochs}\n  batchSize: 32\n  learningRate: 0.01\nseed: 2\n`,
    );
    const train = background(['train', '--config', config, '--workspace', W], {
      cwd: t.dir,
      children,
    });
    await train.waitFor(new RegExp(`epoch \\d+/${epochs}`));
    // The host starts before the training does: the lock names it, and the command it belongs to.
    const lock = JSON.parse(readFileSync(join(W, 'lathe.lock'), 'utf8')) as {
      pid: number;
      hostUrl?: string;
      command?: string;
    };
    expect(lock).toMatchObject({ pid: train.child.pid, command: 'lathe train' });
    expect(lock.hostUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);

    const run = (args: string[]) =>
      latheAsync([...args, '--workspace', W], { cwd: t.dir, children });
    const results = await Promise.all([
      run(['runs', 'list']),
      run(['runs', 'tag', shortRun, 'during=train']),
      run(['models', 'alias', 'pen@1', 'champion', '--reason', 'while training']),
      run(['keys', 'create', 'during-train']),
      run(['data', 'import', join(t.dir, 'extra.csv'), '--name', 'extra']),
      run(['models', 'list']),
    ]);
    for (const r of results) {
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      // Through the training's host: none of them waited for its lock.
      expect(r.stderr).toContain(`sending the command to it at ${lock.hostUrl}`);
      expect(`${r.stdout}${r.stderr}`).not.toMatch(LOCK_TEXT);
    }

    expect(await train.exit, train.output()).toBe(0);
    expect(train.output()).not.toMatch(LOCK_TEXT);

    // Every write is there, and the training finished.
    const json = (args: string[]) => {
      const r = lathe([...args, '--workspace', W, '--json']);
      expect(r.code, r.stderr).toBe(0);
      return r.json;
    };
    const runs = RunSummary.array().parse(json(['runs', 'list']));
    expect(runs).toHaveLength(2);
    const long = runs.find((r) => r.id !== shortRun)!;
    expect(long.status).toBe('finished');
    expect(runs.find((r) => r.id === shortRun)!.tags).toMatchObject({ during: 'train' });
    expect(ModelVersion.parse(json(['models', 'show', 'pen@champion'])).version).toBe(1);
    expect(
      ApiKeyInfo.array()
        .parse(json(['keys', 'list']))
        .map((k) => k.name),
    ).toContain('during-train');
    expect(lathe(['data', 'versions', 'extra', '--workspace', W]).code).toBe(0);
  });

  it('a training sent to a shorter owner outlasts it: the owner waits for it, it finishes and is answered', async () => {
    const yaml = (epochs: number, seed: number, batchSize = 32) =>
      `dataset: penguins\ntarget: Species\ntask: multiclass\nmodel:\n  type: linear\ntraining:\n  epochs: ${epochs}\n  batchSize: ${batchSize}\n  learningRate: 0.01\nseed: ${seed}\n`;
    const before = RunSummary.array().parse(
      lathe(['runs', 'list', '--workspace', W, '--json']).json,
    );
    const owner = background(
      ['train', '--config', t.file('owner.yaml', yaml(600, 3)), '--workspace', W],
      { cwd: t.dir, children },
    );
    await owner.waitFor(/epoch \d+\/600/);
    const hostUrl = (JSON.parse(readFileSync(join(W, 'lathe.lock'), 'utf8')) as { hostUrl: string })
      .hostUrl;
    // Far longer than the owner's (~15 s more here): before, the owner's host cut it 10 s after the owner
    // finished, and the command failed with NETWORK.
    const sent = background(
      ['train', '--config', t.file('sent.yaml', yaml(10000, 4, 4)), '--workspace', W],
      { cwd: t.dir, children },
    );
    await sent.waitFor(new RegExp(`sending the command to it at ${hostUrl}`));
    expect(await owner.exit, owner.output()).toBe(0);
    expect(await sent.exit, sent.output()).toBe(0);
    for (const p of [owner, sent]) expect(p.output()).not.toMatch(/NETWORK|closed the connection/);
    // Its progress is its own run's, not the owner's (whose events reach it through the host too).
    expect(sent.output()).not.toMatch(/epoch \d+\/600\b/);
    expect(sent.output()).toMatch(/epoch \d+\/10000\b/);
    const runs = RunSummary.array().parse(lathe(['runs', 'list', '--workspace', W, '--json']).json);
    const added = runs.filter((r) => !before.some((b) => b.id === r.id));
    expect(added.map((r) => r.status)).toEqual(['finished', 'finished']);
  });
  it('two trainings sent through one host at the same instant each follow their own run', async () => {
    const yaml = (epochs: number, seed: number) =>
      `dataset: penguins\ntarget: Species\ntask: multiclass\nmodel:\n  type: linear\ntraining:\n  epochs: ${epochs}\n  batchSize: 32\n  learningRate: 0.01\nseed: ${seed}\n`;
    const before = RunSummary.array().parse(
      lathe(['runs', 'list', '--workspace', W, '--json']).json,
    );
    const owner = background(
      ['train', '--config', t.file('owner2.yaml', yaml(900, 5)), '--workspace', W],
      { cwd: t.dir, children },
    );
    await owner.waitFor(/epoch \d+\/900/);
    // Before, each took the first new run whose events reached it for its own: it could show the other's
    // progress and cancel the other's run on Ctrl-C. Now its run's id comes from train:start.
    const [a, b] = await Promise.all([
      latheAsync(['train', '--config', t.file('a.yaml', yaml(30, 6)), '--workspace', W]),
      latheAsync(['train', '--config', t.file('b.yaml', yaml(31, 7)), '--workspace', W]),
    ]);
    expect(await owner.exit, owner.output()).toBe(0);
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
    expect(a.stderr).toMatch(/epoch \d+\/30\b/);
    expect(b.stderr).toMatch(/epoch \d+\/31\b/);
    expect(a.stderr).not.toMatch(/epoch \d+\/(31|900)\b/);
    expect(b.stderr).not.toMatch(/epoch \d+\/(30|900)\b/);
    const added = RunSummary.array()
      .parse(lathe(['runs', 'list', '--workspace', W, '--json']).json)
      .filter((r) => !before.some((x) => x.id === r.id));
    expect(added.map((r) => r.status)).toEqual(['finished', 'finished', 'finished']);
  });
});
