import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { channels, EvaluationReport, Run, RunSummary } from '../../shared/contract';
import { lathe, latheBackground } from '../helpers/cli';
import { tempDir, vega } from '../helpers/workspace';

const t = tempDir('lathe-cli-');
const W = join(t.dir, 'ws');
afterAll(() => t.remove());

const weatherConfig = (extra = '') =>
  t.file(
    `train-${Math.random().toString(36).slice(2)}.yaml`,
    `dataset: weather\ntarget: weather\ntask: multiclass\nmodel:\n  type: mlp\n  hidden: [16]\ntraining:\n  epochs: 4\n  learningRate: 0.01\nseed: 5\n${extra}`,
  );

/** The newest finished run of the workspace, as `lathe runs list` lists it. */
const finishedRun = () =>
  RunSummary.array()
    .parse(lathe(['runs', 'list', '--workspace', W, '--json']).json)
    .find((r) => r.status === 'finished')!;

describe('lathe CLI', () => {
  it('prints help, and refuses unknown commands and flags with exit code 2', () => {
    const help = lathe(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/data import/);
    expect(help.stdout).toMatch(/runs show/);
    const unknown = lathe(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
    const flag = lathe(['data', 'list', '--colour', '--workspace', W]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/unknown option --colour for 'lathe data list'/);
    const missing = lathe(['data', 'import', vega('cars.json'), '--workspace', W]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing option --name NAME/);
    expect(lathe(['data', 'import', '--help']).stdout).toMatch(
      /Usage: lathe data import \[FILE\] --name NAME/,
    );
    // A group's help lists its commands; the group alone asks for one of them.
    for (const ask of ['--help', '-h', 'help']) {
      const group = lathe(['monitor', ask]);
      expect(group.code, ask).toBe(0);
      expect(group.stdout).toMatch(/^Usage: lathe monitor <command>/);
      expect(group.stdout).toMatch(/^ {2}lathe monitor drift +Drift of current data/m);
    }
    const bare = lathe(['data']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/'lathe data' needs a command: data import, data list/);
    expect(lathe(['data', 'frobnicate']).stderr).toMatch(/unknown command 'lathe data frobnicate'/);
  });

  it('imports, profiles and lists with --json and nothing else on stdout', () => {
    const imp = lathe([
      'data',
      'import',
      vega('seattle-weather.csv'),
      '--name',
      'weather',
      '--workspace',
      W,
      '--json',
    ]);
    expect(imp.code).toBe(0);
    expect(channels['data:import'].output.parse(imp.json).version.rows).toBe(1461);
    const profile = lathe(['data', 'profile', 'weather', '--workspace', W, '--json']);
    expect(channels['data:profile'].output.parse(profile.json).columns).toHaveLength(6);
    const list = lathe(['data', 'list', '--workspace', W, '--json']);
    expect(channels['data:list'].output.parse(list.json).map((d) => d.name)).toEqual(['weather']);
    const human = lathe(['data', 'profile', 'weather', '--workspace', W]);
    expect(human.stdout).toMatch(/weather@1: 1,461 rows, 6 columns/);
  });

  it('trains from a YAML config and prints the finished run record; runs list and show find it', () => {
    const r = lathe(['train', '--config', weatherConfig(), '--workspace', W, '--json']);
    expect(r.code).toBe(0);
    const run = Run.parse(r.json);
    expect(run.status).toBe('finished');
    expect(run.backend).toBe('wasm');
    expect(run.metrics.val_accuracy).toBeGreaterThan(0.5);
    const list = lathe(['runs', 'list', '--workspace', W, '--json']);
    expect(
      RunSummary.array()
        .parse(list.json)
        .map((x) => x.id),
    ).toContain(run.id);
    const show = lathe(['runs', 'show', run.id.slice(0, 8), '--workspace', W, '--json']);
    expect(Run.parse(show.json).id).toBe(run.id);
    expect(lathe(['runs', 'show', run.id.slice(0, 8), '--workspace', W]).stdout).toMatch(
      /val_accuracy/,
    );
  });

  it('names the field, file, dataset or run that is wrong, with a non-zero exit', () => {
    const bad = lathe([
      'train',
      '--config',
      t.file('bad.yaml', 'dataset: weather\ntarget: weather\ntask: sideways\n'),
      '--workspace',
      W,
      '--json',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /bad\.yaml: task: unknown value 'sideways'; expected one of binary, multiclass, regression/,
    );
    expect((bad.json as { error: { code: string } }).error.code).toBe('INVALID_CONFIG');
    const noFile = lathe(['train', '--config', join(t.dir, 'nope.yaml'), '--workspace', W]);
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toMatch(/config file not found: .*nope\.yaml/);
    const noData = lathe([
      'train',
      '--config',
      t.file('nd.yaml', 'dataset: ghost\ntarget: y\ntask: binary\n'),
      '--workspace',
      W,
    ]);
    expect(noData.stderr).toMatch(/no dataset named 'ghost'/);
    const noRun = lathe(['runs', 'show', 'ffffffff', '--workspace', W]);
    expect(noRun.code).toBe(1);
    expect(noRun.stderr).toMatch(/no run with id 'ffffffff'/);
  });

  it('lathe serve refuses a bad --port or --max-batch, naming the flag', () => {
    const port = lathe(['serve', 'm@1', '--port', '70000', '--workspace', W]);
    expect(port.code).toBe(1);
    expect(port.stderr).toMatch(/--port: 70000 is not a port number/);
    const batch = lathe(['serve', 'm@1', '--max-batch', '0', '--workspace', W]);
    expect(batch.code).toBe(1);
    expect(batch.stderr).toMatch(/--max-batch: 0 is not a positive whole number/);
  });

  it('cancels a training on Ctrl-C and records it as cancelled', async () => {
    const long = t.file(
      'long.yaml',
      readFileSync(weatherConfig(), 'utf8').replace('epochs: 4', 'epochs: 3000'),
    );
    const bg = latheBackground(['train', '--config', long, '--workspace', W]);
    await bg.waitFor('stderr', /epoch \d+\/3000/);
    bg.child.kill('SIGINT');
    expect(await bg.exit).toBe(130);
    const runs = RunSummary.array().parse(lathe(['runs', 'list', '--workspace', W, '--json']).json);
    expect(runs[0]!.status).toBe('cancelled');
  });

  it("shows an evaluation's progress, and cancels it on Ctrl-C storing nothing", async () => {
    const finished = finishedRun();
    const evaluations = () => {
      const listed = lathe(['eval', 'list', '--target', finished.id, '--workspace', W, '--json']);
      expect(listed.code).toBe(0);
      return (listed.json as unknown[]).length;
    };
    const before = evaluations();
    const bg = latheBackground([
      'eval',
      finished.id.slice(0, 8),
      // Six trainings after the scoring: the Ctrl-C comes long before they end.
      '--learning-curve',
      '0.5,0.6,0.7,0.8,0.9,1',
      '--workspace',
      W,
    ]);
    // Without a terminal, a line per tenth of the way: the scoring's stages, then the curve's.
    await bg.waitFor('stderr', /^\s*0% reading the rows$/m);
    await bg.waitFor(
      'stderr',
      /^\s*30% learning curve: training on 50% of the training rows \(1 of 6\)$/m,
    );
    bg.child.kill('SIGINT');
    expect(await bg.exit).toBe(130);
    await bg.waitFor('stderr', /cancelling the evaluation of [0-9a-f]{8}…/);
    await bg.waitFor('stderr', /the evaluation of run [0-9a-f]{8} was cancelled/);
    expect(evaluations()).toBe(before);
  });

  it('evaluates a run, then lists and shows the stored evaluation, and writes its HTML again', () => {
    const finished = finishedRun();
    const done = lathe([
      'eval',
      finished.id.slice(0, 8),
      '--repeats',
      '0',
      '--workspace',
      W,
      '--json',
    ]);
    expect(done.code).toBe(0);
    const report = EvaluationReport.parse(done.json);
    const listed = lathe(['eval', 'list', '--target', finished.id, '--workspace', W, '--json']);
    expect(listed.code).toBe(0);
    const list = EvaluationReport.array().parse(listed.json);
    expect(list[0]).toEqual(report);
    // Every stored evaluation without --target, newest first.
    const all = EvaluationReport.array().parse(
      lathe(['eval', 'list', '--workspace', W, '--json']).json,
    );
    expect(all.map((e) => e.id)).toContain(report.id);
    const human = lathe(['eval', 'list', '--target', finished.id.slice(0, 8), '--workspace', W]);
    expect(human.stdout).toMatch(/^id\s+at\s+of\s+rows\s+metric\s+gates/);
    expect(human.stdout).toContain(report.id.slice(0, 8));
    expect(human.stdout).toContain(
      `run ${finished.id.slice(0, 8)} on ${report.dataset} (${report.split})`,
    );
    expect(human.stdout).toMatch(/accuracy 0\.\d+/);

    const html = join(t.dir, 'again.html');
    const shown = lathe([
      'eval',
      'show',
      report.id.slice(0, 8),
      '--html',
      html,
      '--workspace',
      W,
      '--json',
    ]);
    expect(shown.code).toBe(0);
    expect(EvaluationReport.parse(shown.json)).toEqual(report);
    const page = readFileSync(html, 'utf8');
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).toContain(report.id);
    const text = lathe(['eval', 'show', report.id, '--workspace', W]);
    expect(text.stdout).toContain(
      `Evaluation ${report.id.slice(0, 8)} of run ${finished.id.slice(0, 8)}`,
    );

    const missing = lathe(['eval', 'show', 'ffffffff', '--workspace', W]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no evaluation 'ffffffff'/);
    const none = lathe(['eval', 'list', '--target', 'nosuchmodel@1', '--workspace', W]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/nosuchmodel/);
  });

  it('compares runs side by side, marking the params that differ', () => {
    const runs = RunSummary.array().parse(lathe(['runs', 'list', '--workspace', W, '--json']).json);
    const [a, b] = [runs[0]!.id, runs[1]!.id];
    const r = lathe(['runs', 'compare', a.slice(0, 8), b.slice(0, 8), '--workspace', W, '--json']);
    expect(r.code).toBe(0);
    const out = channels['runs:compare'].output.parse(r.json);
    expect(out.runs.map((x) => x.id)).toEqual([a, b]);
    expect(out.params.find((p) => p.key === 'training.epochs')).toEqual({
      key: 'training.epochs',
      values: ['3000', '4'],
      differs: true,
    });
    const one = lathe(['runs', 'compare', a, '--workspace', W]);
    expect(one.code).toBe(1);
    expect(one.stderr).toMatch(/compare needs at least two run ids/);
  });

  it('lets a second process use a workspace owned by `lathe ui` through its host, and takes over a stale lock', async () => {
    const ui = latheBackground(['ui', '--port', '0', '--workspace', W, '--json']);
    const line = await ui.waitFor('stdout', /\{.*\}\n/);
    const { url, pid } = JSON.parse(line) as { url: string; pid: number };
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);

    const viaHost = lathe(['data', 'list', '--workspace', W]);
    expect(viaHost.code).toBe(0);
    expect(viaHost.stderr).toMatch(
      new RegExp(`workspace is open in process ${pid}; sending the command to it at ${url}`),
    );
    expect(viaHost.stdout).toMatch(/weather/);
    const init = lathe(['init', '--workspace', W]);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toMatch(/^Opened workspace /);
    // A relative path is the caller's, not the owner's: it is resolved before it is sent.
    t.file('relative.csv', 'x,y\n1,2\n3,4\n');
    const relative = lathe(
      ['data', 'import', 'relative.csv', '--name', 'rel', '--workspace', W, '--json'],
      {},
      t.dir,
    );
    expect(relative.code).toBe(0);
    expect((relative.json as { version: { rows: number } }).version.rows).toBe(2);

    const second = lathe(['ui', '--port', '0', '--workspace', W]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`in use by process ${pid}`));

    ui.child.kill('SIGKILL');
    await ui.exit;
    const after = lathe(['data', 'list', '--workspace', W, '--json']);
    expect(after.code).toBe(0);
    expect(after.stderr).not.toMatch(/sending the command/);
  });
});
