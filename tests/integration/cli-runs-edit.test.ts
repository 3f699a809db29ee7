import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Run, RunSummary, TrainConfig } from '../../shared/contract';
import { createServices } from '../../main/services';
import { lathe } from '../helpers/cli';
import { tempDir, vega } from '../helpers/workspace';

const t = tempDir('lathe-cli-runs-edit-');
const W = join(t.dir, 'ws');
let runId = '';

beforeAll(async () => {
  // A recorded run is all these commands need; training one would only make the test slower.
  const services = await createServices({ workspaceDir: W });
  try {
    const { version } = await services.data.importFile({
      path: vega('penguins.json'),
      name: 'penguins',
      project: 'Default',
    });
    runId = await services.tracking.createRun({
      name: 'first',
      experiment: 'cli',
      project: 'Default',
      config: TrainConfig.parse({
        dataset: 'penguins',
        target: 'Species',
        task: 'multiclass',
        model: { type: 'linear' },
      }),
      configHash: 'h',
      datasetVersionId: version.id,
      latheVersion: 'test',
      system: {},
    });
    await services.tracking.endRun(runId, { status: 'finished' });
  } finally {
    await services.close();
  }
});
afterAll(() => t.remove());

const run = (...args: string[]) => lathe([...args, '--workspace', W, '--json']);

describe('lathe runs tag / note / rename', () => {
  it('sets and deletes tags, prints the run with --json, and filters by them', () => {
    const tagged = run('runs', 'tag', runId.slice(0, 8), 'team=vision', 'note=a=b', 'stage=dev');
    expect(tagged.code).toBe(0);
    expect(Run.parse(tagged.json).tags).toEqual({ team: 'vision', note: 'a=b', stage: 'dev' });
    const removed = run('runs', 'tag', runId, '--delete', 'stage', '--delete', 'note', 'team=ml');
    expect(removed.code).toBe(0);
    expect(Run.parse(removed.json).tags).toEqual({ team: 'ml' });
    const listed = run('runs', 'list', '--filter', "tags.team = 'ml'");
    expect(
      RunSummary.array()
        .parse(listed.json)
        .map((r) => r.id),
    ).toEqual([runId]);
    const human = lathe(['runs', 'tag', runId, 'x=1', '--workspace', W]);
    expect(human.stdout).toMatch(/team = ml/);
    expect(human.stdout).toMatch(/x = 1/);
  });

  it('replaces notes from text or a file, and renames', () => {
    const fromText = run('runs', 'note', runId, '--text', 'tried a lower lr');
    expect(Run.parse(fromText.json).notes).toBe('tried a lower lr');
    const file = t.file('notes.md', '# Findings\n\n- overfits after epoch 12\n');
    const fromFile = run('runs', 'note', runId, '--file', file);
    expect(Run.parse(fromFile.json).notes).toBe('# Findings\n\n- overfits after epoch 12\n');
    const renamed = run('runs', 'rename', runId, 'baseline linear');
    expect(renamed.code).toBe(0);
    expect(Run.parse(renamed.json).name).toBe('baseline linear');
    const shown = Run.parse(run('runs', 'show', runId).json);
    expect(shown).toMatchObject({
      name: 'baseline linear',
      notes: '# Findings\n\n- overfits after epoch 12\n',
    });
  });

  it('names what is wrong: usage mistakes exit 2, bad keys, files and runs exit 1', () => {
    const nothing = run('runs', 'tag', runId);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/give at least one KEY=VALUE to set or --delete KEY/);
    const noEq = run('runs', 'tag', runId, 'justakey');
    expect(noEq.code).toBe(2);
    expect(noEq.stderr).toMatch(/tag 'justakey' is not KEY=VALUE/);
    const emptyKey = run('runs', 'tag', runId, '=v');
    expect(emptyKey.code).toBe(1);
    expect(emptyKey.stderr).toMatch(/a tag key cannot be empty/);
    const both = run('runs', 'note', runId, '--text', 'a', '--file', 'b');
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/exactly one of --text TEXT or --file PATH/);
    const missing = run('runs', 'note', runId, '--file', join(t.dir, 'nope.md'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read notes file .*nope\.md: ENOENT/);
    const unknown = run('runs', 'rename', 'ffffffff', 'x');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no run with id 'ffffffff'/);
    expect(run('runs', 'rename', runId).code).toBe(2);
    // Nothing above changed the run.
    expect(Run.parse(run('runs', 'show', runId).json).tags).toEqual({ team: 'ml', x: '1' });
  });
});
