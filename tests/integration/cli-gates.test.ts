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

  it('names the file and field of a bad policy and changes nothing', () => {
    const bad = t.file('bad.yaml', 'metrics: [{ metric: roc_auc }]\n');
    const r = lathe(['gates', 'set', '--file', bad, '--workspace', W]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.yaml.*metrics\.0.*give min, max or both/);
    expect(lathe(['gates', 'show', '--workspace', W]).stdout).toMatch(/has no gate policy/);
    expect(lathe(['gates', 'set', '--workspace', W]).code).toBe(2);
  });
});
