// `lathe pipeline` as people run it (the built bin): check names the line of a problem, run prints each
// step and exits 1 on a failed step with how to resume, --dry-run runs nothing, --json prints the record,
// and Ctrl-C cancels the run cleanly (exit 130, recorded as cancelled, resumable).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PipelinePlanOut, PipelineRun } from '../../../shared/contract';
import { lathe, latheBackground } from '../../helpers/cli';
import { tempDir, vega } from '../../helpers/workspace';

const t = tempDir('lathe-pipeline-cli-');
const W = join(t.dir, 'ws');
afterAll(() => t.remove());

const pipeline = (epochs: number, minAccuracy = 0.3) => `name: penguins-cli
params:
  epochs: ${epochs}
steps:
  - id: raw
    type: import
    file: ${vega('penguins.json')}
  - id: fit
    type: train
    from: raw
    config:
      target: Species
      task: multiclass
      features: [Island, Beak Length (mm), Flipper Length (mm)]
      model: { type: mlp, hidden: [8] }
      training: { epochs: '\${params.epochs}' }
      seed: 3
  - id: judge
    type: evaluate
    from: fit
    importanceRepeats: 0
  - id: gate
    type: gate
    from: judge
    gates:
      metrics:
        - { metric: accuracy, min: ${minAccuracy} }
`;

describe('lathe pipeline', () => {
  it('check prints the graph, or each problem with its line (exit 1)', () => {
    const file = t.file('ok.yaml', pipeline(3));
    const ok = lathe(['pipeline', 'check', file, '--workspace', W]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/Pipeline penguins-cli: 4 steps in 4 levels/);
    const bad = t.file('bad.yaml', pipeline(3).replace('from: fit', 'from: fitt'));
    const r = lathe(['pipeline', 'check', bad, '--workspace', W]);
    expect(r.code).toBe(1);
    const line =
      pipeline(3)
        .split('\n')
        .findIndex((l) => l.includes('from: fit')) + 1;
    expect(r.stdout).toContain(`line ${line}: step 'judge' from:`);
  });

  it('runs, then skips every cached step; --dry-run says so and runs nothing', () => {
    const file = t.file('p.yaml', pipeline(3));
    const first = lathe(['pipeline', 'run', file, '--workspace', W]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/ok\s+fit\s+train/);
    expect(first.stdout).toMatch(
      /Pipeline penguins-cli run [0-9a-f]{8}: succeeded .* \(4 ran, 0 cached\)/,
    );
    const plan = PipelinePlanOut.parse(
      lathe(['pipeline', 'run', file, '--dry-run', '--json', '--workspace', W]).json,
    );
    expect(plan.steps.every((s) => !s.run && s.reasons[0]!.startsWith('unchanged'))).toBe(true);
    const changed = PipelinePlanOut.parse(
      lathe(['pipeline', 'run', file, '--set', 'epochs=4', '--dry-run', '--json', '--workspace', W])
        .json,
    );
    expect(changed.steps.filter((s) => s.run).map((s) => s.id)).toEqual(['fit', 'judge', 'gate']);
    const again = lathe(['pipeline', 'run', file, '--json', '--workspace', W]);
    const run = PipelineRun.parse(again.json);
    expect(run.steps.map((s) => s.status)).toEqual(['cached', 'cached', 'cached', 'cached']);
    const list = lathe(['pipeline', 'runs', 'penguins-cli', '--workspace', W]);
    expect(list.stdout.split('\n').filter((l) => l.includes('penguins-cli'))).toHaveLength(2);
  });

  it('exits 1 on a failed step and says how to resume', () => {
    const file = t.file('gate.yaml', pipeline(3, 1));
    const r = lathe(['pipeline', 'run', file, '--workspace', W]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/step 'gate' \(gate\) failed: .*accuracy ≥ 1\b/);
    expect(r.stdout).toMatch(/resume with: lathe pipeline resume [0-9a-f]{8}/);
  });

  it('cancels on Ctrl-C: exit 130, the run recorded cancelled and resumable, the workspace verifying', async () => {
    const file = join(t.dir, 'long.yaml');
    writeFileSync(file, pipeline(5000));
    const bg = latheBackground(['pipeline', 'run', file, '--workspace', W]);
    await bg.waitFor('stderr', /…\s+fit \(train\)/);
    bg.child.kill('SIGINT');
    expect(await bg.exit).toBe(130);
    const runs = PipelineRun.array().parse(
      lathe(['pipeline', 'runs', '--json', '--workspace', W]).json,
    );
    const cancelled = runs[0]!;
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.steps.map((s) => s.status)).toEqual([
      'cached',
      'cancelled',
      'skipped',
      'skipped',
    ]);
    const show = lathe(['pipeline', 'show', cancelled.id.slice(0, 8), '--workspace', W]);
    expect(show.stdout).toContain(`resume with: lathe pipeline resume ${cancelled.id.slice(0, 8)}`);
    expect(lathe(['workspace', 'verify', '--workspace', W]).code).toBe(0);
  });
});
