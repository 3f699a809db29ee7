import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GatesOut } from '../../shared/contract';
import { lathe } from '../helpers/cli';
import { tempDir } from '../helpers/workspace';

const t = tempDir('lathe-cli-gates-');
const W = join(t.dir, 'ws');
afterAll(() => t.remove());

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

  it('names the file and field of a bad policy and changes nothing', () => {
    const bad = t.file('bad.yaml', 'metrics: [{ metric: roc_auc }]\n');
    const r = lathe(['gates', 'set', '--file', bad, '--workspace', W]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.yaml.*metrics\.0.*give min, max or both/);
    expect(lathe(['gates', 'show', '--workspace', W]).stdout).toMatch(/has no gate policy/);
    expect(lathe(['gates', 'set', '--workspace', W]).code).toBe(2);
  });
});
