// `lathe demo` as people run it: the shipped pipeline through pipeline:start, each step's progress on stderr,
// the run as JSON, what to open next, all cached the second time; bad flags refused before a workspace is
// made.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PipelineRun } from '../../../shared/contract';
import { lathe } from '../../helpers/cli';
import { tempDir } from '../../helpers/workspace';

const t = tempDir('lathe-cli-demo-');
afterAll(() => t.remove());

const SMALL = [
  '--rows',
  '3000',
  '--set',
  'monthRows=1000',
  '--set',
  'trees=8',
  '--set',
  'searchTrees=5',
  '--set',
  'trials=2',
  '--set',
  'minAuc=0.5',
];

describe('lathe demo', () => {
  it('runs the shipped pipeline, then skips every step on the same workspace', () => {
    const W = join(t.dir, 'demo');
    const r = lathe(['demo', ...SMALL, '--workspace', W, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = r.json as { workspace: string; run: unknown };
    expect(out.workspace).toBe(W);
    const run = PipelineRun.parse(out.run);
    expect(run).toMatchObject({ pipeline: 'flights-demo', trigger: 'demo', status: 'succeeded' });
    expect(run.params).toMatchObject({ rows: 3000, monthRows: 1000, out: join(W, 'demo-scores') });
    expect(run.steps.every((s) => s.status === 'succeeded')).toBe(true);
    expect(existsSync(join(W, 'demo-scores', '2001-06.parquet'))).toBe(true);

    const again = lathe(['demo', ...SMALL, '--workspace', W]);
    expect(again.code, again.stderr).toBe(0);
    // Progress as `lathe pipeline run` prints it, a line per step as it ends.
    expect(again.stderr).toMatch(/^ {2}cached {4}search {9}tune .*best trial \d of 2/m);
    expect(again.stdout).toMatch(
      /^Pipeline flights-demo run \w{8}: succeeded in .* \(0 ran, 12 cached\)/,
    );
    expect(again.stdout).toContain(`Open it: lathe ui --workspace ${W}`);
    expect(again.stdout).toMatch(/^ {2}Models {7}flight-delays@1 \(champion\)$/m);
    expect(again.stdout).toMatch(/^ {2}Monitor .*flight-delays-drift fired/m);
  });

  it('refuses a --rows too small before making a workspace', () => {
    const dir = join(t.dir, 'refused');
    const r = lathe(['demo', '--rows', '50', '--workspace', dir, '--json']);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({
      error: {
        code: 'INVALID_INPUT',
        message: '--rows: 50 is not a whole number of at least 1000',
      },
    });
    expect(existsSync(dir)).toBe(false);
  });

  it('names an unknown --set with the parameters the pipeline has, importing nothing', () => {
    const dir = join(t.dir, 'unknown');
    const r = lathe(['demo', '--set', 'epochs=3', '--workspace', dir, '--json']);
    expect(r.code).toBe(1);
    expect((r.json as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(
        /^--set epochs: flights-demo\.yaml has no parameter 'epochs' \(parameters: data, out, rows,/,
      ) as unknown,
    });
    expect(lathe(['data', 'list', '--workspace', dir, '--json']).json).toEqual([]);
  });
});
