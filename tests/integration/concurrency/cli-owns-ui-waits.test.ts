// A CLI command owning the workspace (a long training) when `lathe ui` starts: the UI waits for it,
// saying for which pid, and starts when it ends; with no wait it fails at once naming the owner. The
// workspace is intact either way.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RunSummary } from '../../../shared/contract';
import { lathe } from '../../helpers/cli';
import { tempDir, vega } from '../../helpers/workspace';
import { background } from './processes';

const t = tempDir('lathe-cli-owns-');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  t.remove();
});

const bg = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  background(args, { cwd: t.dir, children, env });

describe('a CLI command owns the workspace', () => {
  it('a CLI command owning the workspace when `lathe ui` starts: the UI waits for it, or fails naming it', async () => {
    const ws = join(t.dir, 'cli-owns');
    expect(
      lathe(['data', 'import', vega('penguins.json'), '--name', 'penguins', '--workspace', ws])
        .code,
    ).toBe(0);
    const config = t.file(
      'long.yaml',
      'dataset: penguins\ntarget: Species\ntask: multiclass\nmodel:\n  type: linear\ntraining:\n  epochs: 3000\n  batchSize: 32\n  learningRate: 0.01\nseed: 1\n',
    );
    const train = bg(['train', '--config', config, '--workspace', ws]);
    await train.waitFor(/epoch \d+\/3000/);
    const trainPid = train.child.pid!;

    // No wait: a clear refusal naming the owner, nothing changed.
    const refused = bg(['ui', '--port', '0', '--workspace', ws, '--json'], {
      LATHE_LOCK_WAIT_MS: '0',
    });
    expect(await refused.exit).toBe(1);
    const error = JSON.parse(/^\{[\s\S]*\}\s*$/m.exec(refused.output())![0]) as {
      error: { code: string; message: string; details: { pid: number } };
    };
    expect(error.error).toMatchObject({ code: 'WORKSPACE_LOCKED', details: { pid: trainPid } });
    expect(error.error.message).toMatch(
      new RegExp(`in use by process ${trainPid} .*this command needs to own the workspace`),
    );
    expect(refused.output()).not.toMatch(/Conflicting lock|Could not set lock|\n\s+at /);

    // With a wait: the UI says for whom it waits, and starts once the training ends (Ctrl-C here).
    const ui = bg(['ui', '--port', '0', '--workspace', ws], { LATHE_LOCK_WAIT_MS: '60000' });
    await ui.waitFor(
      new RegExp(
        `workspace is in use by process ${trainPid} \\(lathe train\\); waiting up to \\d+ s`,
      ),
    );
    expect(await train.stop(), train.output()).toBe(130);
    const url = (await ui.waitFor(/Lathe UI: (http\S+)/))[1]!;
    const runs = lathe(['runs', 'list', '--workspace', ws, '--json']);
    expect(runs.code, runs.stderr).toBe(0);
    expect(lathe(['data', 'list', '--workspace', ws]).stderr).toContain(
      `sending the command to it at ${url}`,
    );
    expect(
      RunSummary.array()
        .parse(runs.json)
        .map((r) => r.status),
    ).toEqual(['cancelled']);
    expect(await ui.stop(), ui.output()).toBe(0);
    expect(`${ui.output()}${train.output()}`).not.toMatch(/Conflicting lock|Could not set lock/);
  });
});
