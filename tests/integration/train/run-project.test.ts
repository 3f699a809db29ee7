import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Run } from '../../../shared/contract';
import { lathe } from '../../helpers/cli';
import { tempDir, vega } from '../../helpers/workspace';

const t = tempDir('lathe-run-project-');
const W = join(t.dir, 'ws');
const config = (extra = '') =>
  t.file(
    `train-${extra.length}.yaml`,
    `dataset: penguins\ntarget: Species\ntask: multiclass\nmodel:\n  type: linear\ntraining:\n  epochs: 1\n  batchSize: 64\n  learningRate: 0.05\nseed: 1\n${extra}`,
  );
const trainJson = (args: string[]) => {
  const r = lathe(['train', ...args, '--json', '--workspace', W]);
  expect(r.code, r.stderr).toBe(0);
  return Run.parse(r.json);
};

beforeAll(() => {
  const r = lathe([
    'data',
    'import',
    vega('penguins.json'),
    '--name',
    'penguins',
    '--project',
    'Birds',
    '--workspace',
    W,
  ]);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(() => t.remove());

describe("a run's project", () => {
  it("is its dataset's project when neither the config nor --project names one", () => {
    const run = trainJson(['--config', config()]);
    expect(run.project).toBe('Birds');
    // The recorded config says where it landed, so a resume or clone lands there too.
    expect(run.config.project).toBe('Birds');
  });

  it('is the config’s project when it names one, and --project overrides both', () => {
    expect(trainJson(['--config', config('project: Zoo\n')]).project).toBe('Zoo');
    expect(trainJson(['--config', config('project: Zoo\n'), '--project', 'Lab']).project).toBe(
      'Lab',
    );
  });
});

describe('lathe train after the last epoch', () => {
  it('says each phase on stderr: importance, saving, recording', () => {
    const r = lathe(['train', '--config', config(), '--workspace', W]);
    expect(r.code, r.stderr).toBe(0);
    const said = r.stderr.split('\n');
    const at = (line: string) => said.indexOf(line);
    expect(at('Measuring permutation importance…')).toBeGreaterThan(-1);
    expect(at('Saving the model…')).toBeGreaterThan(at('Measuring permutation importance…'));
    expect(at('Recording the run…')).toBeGreaterThan(at('Saving the model…'));
  });
});
