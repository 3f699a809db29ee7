import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatesOut } from '../../shared/contract';
import { lathe } from '../helpers/cli';
import { contractClient, importPenguins, penguinsConfig, withServices } from '../helpers/services';
import { tempDir } from '../helpers/workspace';

const t = tempDir('lathe-cli-gates-');
const W = join(t.dir, 'ws');
afterAll(() => t.remove());

// A model's own gates need the model: mpg is registered (from a small penguins run).
beforeAll(async () => {
  await withServices(W, async (services) => {
    const { call } = contractClient(() => services);
    await importPenguins(services);
    const run = await call('train:run', { config: penguinsConfig() });
    expect(run.status, run.error ?? '').toBe('finished');
    await call('models:register', { runId: run.id, name: 'mpg' });
  });
}, 120_000);

describe('lathe gates', () => {
  it('sets a policy from a YAML file, shows it, and clears it', () => {
    const file = t.file(
      'gates.yaml',
      'metrics: [{ metric: roc_auc, min: 0.85 }]\nchampion: { test: mcnemar, alpha: 0.01 }\n',
    );
    const set = lathe([
      'gates',
      'set',
      '--file',
      file,
      '--reason',
      'launch',
      '--workspace',
      W,
      '--json',
    ]);
    expect(set.code).toBe(0);
    expect(GatesOut.parse(set.json).policy).toMatchObject({
      metrics: [{ metric: 'roc_auc', min: 0.85 }],
      champion: { test: 'mcnemar', alpha: 0.01, iterations: 1000 },
    });
    const shown = lathe(['gates', 'show', '--workspace', W]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/Gate policy of project Default:\n(.*\n)*.*test: mcnemar/);
    const cleared = lathe(['gates', 'clear', '--workspace', W, '--json']);
    expect(GatesOut.parse(cleared.json).policy).toBeNull();
    expect(lathe(['gates', 'show', '--workspace', W]).stdout).toMatch(/has no gate policy/);
  });

  it("sets, shows and clears one model's own gates beside the project default", () => {
    const base = t.file('base.yaml', 'metrics: [{ metric: roc_auc, min: 0.85 }]\n');
    const own = t.file('mpg.yaml', 'metrics: [{ metric: rmse, max: 4 }]\n');
    expect(lathe(['gates', 'set', '--file', base, '--workspace', W]).code).toBe(0);
    const set = lathe([
      'gates',
      'set',
      '--model',
      'mpg',
      '--file',
      own,
      '--workspace',
      W,
      '--json',
    ]);
    expect(set.code).toBe(0);
    expect(GatesOut.parse(set.json).policy).toMatchObject({
      metrics: [{ metric: 'roc_auc', min: 0.85 }],
      models: { mpg: { metrics: [{ metric: 'rmse', max: 4 }] } },
    });
    const mpg = lathe(['gates', 'show', '--model', 'mpg', '--workspace', W]);
    expect(mpg.stdout).toMatch(/Gates of model mpg \(its own\):\n(.*\n)*.*metric: rmse/);
    const other = lathe(['gates', 'show', '--model', 'churn', '--workspace', W]);
    expect(other.stdout).toMatch(
      /Gates of model churn \(project Default's default.*\n(.*\n)*.*roc_auc/,
    );
    const cleared = lathe(['gates', 'clear', '--model', 'mpg', '--workspace', W, '--json']);
    expect(GatesOut.parse(cleared.json).policy).toMatchObject({
      metrics: [{ metric: 'roc_auc' }],
      models: {},
    });
    lathe(['gates', 'clear', '--workspace', W]);
    const none = lathe(['gates', 'clear', '--model', 'mpg', '--workspace', W, '--json']);
    expect(GatesOut.parse(none.json).policy).toBeNull();
  });

  it('refuses an unknown metric, an impossible bound and gates of a model that does not exist', () => {
    const policy = t.file('keep.yaml', 'metrics: [{ metric: accuracy, min: 0.5 }]\n');
    expect(lathe(['gates', 'set', '--file', policy, '--workspace', W]).code).toBe(0);
    const before = lathe(['gates', 'show', '--workspace', W, '--json']).stdout;

    const typo = lathe([
      'gates',
      'set',
      '--file',
      t.file('typo.yaml', 'metrics: [{ metric: roc_aucc, min: 0.8 }]\n'),
      '--workspace',
      W,
    ]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(
      /typo\.yaml: metrics\.0\.metric: unknown metric 'roc_aucc': did you mean 'roc_auc'\?/,
    );
    const bound = lathe([
      'gates',
      'set',
      '--file',
      t.file('bound.yaml', 'metrics: [{ metric: roc_auc, min: 2 }]\n'),
      '--workspace',
      W,
    ]);
    expect(bound.code).toBe(1);
    expect(bound.stderr).toMatch(
      /bound\.yaml: metrics\.0\.min: roc_auc lies in \[0, 1\]: a min of 2 can never be met/,
    );

    const own = t.file('own.yaml', 'metrics: [{ metric: rmse, max: 4 }]\n');
    const nosuch = lathe([
      'gates',
      'set',
      '--model',
      'nosuch',
      '--file',
      own,
      '--workspace',
      W,
      '--json',
    ]);
    expect(nosuch.code).toBe(1);
    expect(nosuch.json).toMatchObject({
      error: { code: 'NOT_FOUND', details: { model: 'nosuch' } },
    });
    expect(nosuch.stderr).toMatch(/models\.nosuch: no model 'nosuch' in project 'Default'/);
    const whole = t.file(
      'whole.yaml',
      'models: { nosuch: { metrics: [{ metric: rmse, max: 4 }] } }\n',
    );
    expect(lathe(['gates', 'set', '--file', whole, '--workspace', W]).code).toBe(1);

    // mpg is a model of project Default: another project's policy cannot give it gates.
    const projects = lathe(['projects', 'list', '--workspace', W, '--json']).stdout;
    const elsewhere = lathe([
      'gates',
      'set',
      '--project',
      'Other',
      '--model',
      'mpg',
      '--file',
      own,
      '--workspace',
      W,
    ]);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toMatch(/model 'mpg' is in project 'Default', not 'Other'/);
    expect(lathe(['projects', 'list', '--workspace', W, '--json']).stdout).toBe(projects);

    expect(lathe(['gates', 'show', '--workspace', W, '--json']).stdout).toBe(before);
    lathe(['gates', 'clear', '--workspace', W]);
  });

  it('names the file and field of a bad policy and changes nothing', () => {
    const bad = t.file('bad.yaml', 'metrics: [{ metric: roc_auc }]\n');
    const r = lathe(['gates', 'set', '--file', bad, '--workspace', W]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.yaml.*metrics\.0.*give min, max or both/);
    expect(lathe(['gates', 'show', '--workspace', W]).stdout).toMatch(/has no gate policy/);
    expect(lathe(['gates', 'set', '--workspace', W]).code).toBe(2);
  });
});
