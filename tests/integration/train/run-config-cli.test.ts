import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { Run } from '../../../shared/contract';
import { lathe } from '../../helpers/cli';
import { tempDir, vega } from '../../helpers/workspace';

const t = tempDir('lathe-run-config-');
const W = join(t.dir, 'ws');
let run: Run;

beforeAll(() => {
  const imported = lathe([
    'data',
    'import',
    vega('penguins.json'),
    '--name',
    'penguins',
    '--workspace',
    W,
  ]);
  expect(imported.code, imported.stderr).toBe(0);
  const config = t.file(
    'train.yaml',
    'dataset: penguins\ntarget: Species\ntask: multiclass\nname: first\nmodel:\n  type: linear\ntraining:\n  epochs: 2\n  batchSize: 64\n  earlyStopping: { patience: 3 }\nsplit:\n  testFraction: 0.2\nseed: 5\n',
  );
  const trained = lathe(['train', '--config', config, '--json', '--workspace', W]);
  expect(trained.code, trained.stderr).toBe(0);
  run = Run.parse(trained.json);
});
afterAll(() => t.remove());

describe('lathe runs config (Clone in the CLI)', () => {
  it("prints the run's config as YAML without its name, and trains again from it", () => {
    const printed = lathe(['runs', 'config', run.id.slice(0, 8), '--workspace', W]);
    expect(printed.code, printed.stderr).toBe(0);
    const config = parseYaml(printed.stdout) as Record<string, unknown>;
    expect(config).not.toHaveProperty('name');
    expect(config).toMatchObject({
      dataset: 'penguins',
      target: 'Species',
      seed: 5,
      split: { testFraction: 0.2 },
      training: { epochs: 2, earlyStopping: { patience: 3 } },
    });

    const out = join(t.dir, 'clone.yaml');
    const saved = lathe(['runs', 'config', run.id, '--out', out, '--json', '--workspace', W]);
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.json).toMatchObject({ runId: run.id, out });
    expect(parseYaml(readFileSync(out, 'utf8'))).toEqual(config);
    const again = lathe(['train', '--config', out, '--json', '--workspace', W]);
    expect(again.code, again.stderr).toBe(0);
    const clone = Run.parse(again.json);
    expect(clone.id).not.toBe(run.id);
    // The same options on the same rows: the same model (the name is not one of them).
    expect(clone.metrics.val_accuracy).toBe(run.metrics.val_accuracy);
    expect(clone.metrics.val_loss).toBe(run.metrics.val_loss);
  });

  it('names a run that does not exist, with a non-zero exit', () => {
    const r = lathe(['runs', 'config', 'nosuchrun', '--json', '--workspace', W]);
    expect(r.code).not.toBe(0);
    expect(JSON.stringify(r.json)).toContain('nosuchrun');
  });
});
