import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Model,
  ModelCardOut,
  ModelDetail,
  ModelVersion,
  ModelsCompareOut,
  ModelsHistoryOut,
  Run,
} from '../../shared/contract';
import { createServices } from '../../main/services';
import { lathe } from '../helpers/cli';
import { contractClient } from '../helpers/services';
import { tempDir, vega } from '../helpers/workspace';

const t = tempDir('lathe-cli-models-');
const W = join(t.dir, 'ws');
afterAll(() => t.remove());

const run = (...args: string[]) => lathe([...args, '--workspace', W]);
const json = (...args: string[]) => lathe([...args, '--workspace', W, '--json']);

const config = (seed: number) =>
  t.file(
    `train-${seed}.yaml`,
    `dataset: penguins\ntarget: Species\ntask: multiclass\nmodel:\n  type: linear\ntraining:\n  epochs: 4\n  batchSize: 32\n  learningRate: 0.01\nseed: ${seed}\n`,
  );

const runs: string[] = [];
beforeAll(() => {
  expect(json('data', 'import', vega('penguins.json'), '--name', 'penguins').code).toBe(0);
  for (const seed of [1, 2]) {
    const r = json('train', '--config', config(seed));
    expect(r.code).toBe(0);
    runs.push(Run.parse(r.json).id);
  }
});

describe('lathe models', () => {
  it('registers, lists and shows versions with --json (stdout is only JSON)', () => {
    const r1 = json('models', 'register', runs[0]!, '--name', 'pen', '--description', 'species');
    expect(r1.code).toBe(0);
    expect(ModelVersion.parse(r1.json)).toMatchObject({ model: 'pen', version: 1, runId: runs[0] });
    const r2 = json('models', 'register', runs[1]!.slice(0, 8), '--name', 'pen');
    expect(ModelVersion.parse(r2.json).version).toBe(2);
    const list = json('models', 'list');
    expect(list.code).toBe(0);
    const models = Model.array().parse(list.json);
    expect(models.map((m) => [m.name, m.versionCount, m.latest?.version])).toEqual([['pen', 2, 2]]);
    const show = json('models', 'show', 'pen');
    expect(ModelDetail.parse(show.json).versions.map((v) => v.version)).toEqual([2, 1]);
    const one = json('models', 'show', 'pen@1');
    expect(ModelVersion.parse(one.json).runId).toBe(runs[0]);
    const human = run('models', 'show', 'pen');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/pen — species \(project Default, 2 version\(s\)\)/);
  });

  it('moves aliases and stages, and history answers what was champion at a date', () => {
    const a = json('models', 'alias', 'pen@1', 'champion', '--reason', 'first model');
    expect(a.code).toBe(0);
    expect(ModelVersion.parse(a.json).aliases).toEqual(['champion']);
    expect(ModelVersion.parse(json('models', 'show', 'pen@champion').json).version).toBe(1);
    expect(json('models', 'alias', 'pen@2', 'champion', '--reason', 'better').code).toBe(0);
    const st = json('models', 'stage', 'pen@champion', 'production', '--reason', 'ship it');
    expect(ModelVersion.parse(st.json)).toMatchObject({ version: 2, stage: 'production' });

    const h = json('models', 'history', 'pen');
    expect(h.code).toBe(0);
    const history = ModelsHistoryOut.parse(h.json);
    expect(history.entries.map((e) => e.action)).toEqual([
      'register',
      'register',
      'alias',
      'alias',
      'stage',
    ]);
    expect(history.entries[3]).toMatchObject({ reason: 'better', details: { from: 1, to: 2 } });
    const text = run('models', 'history', 'pen');
    expect(text.stdout).toMatch(/alias champion moved v1 → v2 {2}— better/);

    const first = history.entries[2]!.at;
    const at = json('models', 'history', 'pen', '--at', first);
    expect(ModelsHistoryOut.parse(at.json).state!.aliases).toEqual([
      { alias: 'champion', version: 1 },
    ]);
    const now = run(
      'models',
      'history',
      'pen',
      '--at',
      new Date(Date.now() + 60_000).toISOString(),
    );
    expect(now.stdout).toMatch(/aliases: champion→v2\n {2}versions: v1 none, v2 production/);
    const bad = json('models', 'history', 'pen', '--at', 'someday');
    expect(bad.code).toBe(1);
    expect(bad.json).toMatchObject({ error: { code: 'INVALID_INPUT' } });
    expect(bad.stderr).toMatch(/at: not a date/);
  });

  it('names an unknown model, alias or version and exits 1', () => {
    const noModel = json('models', 'show', 'nosuch@champion');
    expect(noModel.code).toBe(1);
    expect(noModel.stderr).toMatch(/no model 'nosuch'/);
    expect(noModel.json).toEqual({
      error: { code: 'NOT_FOUND', message: "no model 'nosuch'", details: { model: 'nosuch' } },
    });
    const noAlias = json('models', 'show', 'pen@staging-next');
    expect(noAlias.code).toBe(1);
    expect(noAlias.stderr).toMatch(/model 'pen' has no alias 'staging-next'/);
    expect(run('models', 'unalias', 'pen', 'challenger').stderr).toMatch(
      /model 'pen' has no alias 'challenger'/,
    );
    const stage = json('models', 'stage', 'pen@1', 'live');
    expect(stage.code).toBe(1);
    expect(stage.stderr).toMatch(/stage/);
    expect(run('models', 'alias', 'pen@1').code).toBe(2);
  });

  it('exports the card as Markdown and replaces it from a YAML file', () => {
    const out = join(t.dir, 'card.md');
    const r = json('models', 'card', 'pen@1', '--out', out);
    expect(r.code).toBe(0);
    expect(ModelCardOut.parse(r.json).edited).toBe(false);
    const md = readFileSync(out, 'utf8');
    expect(md).toMatch(/^# Model card: pen v1/);
    expect(md).toMatch(/## Training data\n\nDataset `penguins@1`/);
    const file = t.file(
      'card.yaml',
      [
        'intendedUse: Sorting penguins in the field.',
        'trainingData: Palmer penguins.',
        'metrics: see the run',
        'fairness: not applicable',
        'limitations: three species only',
        'sections:',
        '  - { title: Owners, body: the penguin team }',
      ].join('\n'),
    );
    const set = json('models', 'card', 'pen@1', '--set', file);
    expect(set.code).toBe(0);
    expect(ModelCardOut.parse(set.json)).toMatchObject({
      edited: true,
      card: { intendedUse: 'Sorting penguins in the field.' },
    });
    const text = run('models', 'card', 'pen@1');
    expect(text.stdout).toMatch(/## Owners\n\nthe penguin team/);
    const bad = json('models', 'card', 'pen@1', '--set', t.file('bad.yaml', 'intendedUse: 3\n'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/intendedUse/);
  });

  it('compares two versions and refuses to delete a registered run', () => {
    const c = json('models', 'compare', 'pen@1', 'pen@champion');
    expect(c.code, c.stderr).toBe(0);
    const out = ModelsCompareOut.parse(c.json);
    expect(out.b.version).toBe(2);
    expect(out.metrics.map((m) => m.key)).toContain('val_accuracy');
    expect(run('models', 'compare', 'pen@1', 'pen@2').stdout).toMatch(/val_accuracy/);
    const del = json('runs', 'delete', runs[0]!);
    expect(del.code).toBe(1);
    expect(del.stderr).toMatch(/backs a registered model version: pen@1/);
  });

  it('refuses a champion move when a gate fails, and overrides with an audited reason', async () => {
    // A policy no unevaluated version can pass (and, without an evaluator, one that fails closed).
    const services = await createServices({ workspaceDir: W });
    try {
      await contractClient(() => services).call('gates:set', {
        project: 'Default',
        policy: { metrics: [{ metric: 'accuracy', min: 0.999 }] },
      });
    } finally {
      await services.close();
    }
    const refused = json('models', 'alias', 'pen@1', 'champion');
    expect(refused.code).toBe(1);
    expect(refused.json).toMatchObject({ error: { code: 'GATE_FAILED' } });
    expect(refused.stderr).toMatch(
      /pen@1 cannot take alias 'champion': .+ \(give an override reason/,
    );
    expect(ModelVersion.parse(json('models', 'show', 'pen@champion').json).version).toBe(2);
    const forced = json(
      'models',
      'alias',
      'pen@1',
      'champion',
      '--override',
      'rollback after incident',
    );
    expect(forced.code).toBe(0);
    const last = ModelsHistoryOut.parse(json('models', 'history', 'pen').json).entries.slice(-2);
    expect(last.map((e) => e.action)).toEqual(['alias', 'override']);
    expect(last[1]).toMatchObject({ reason: 'rollback after incident', details: { of: 'alias' } });
    expect(run('models', 'history', 'pen').stdout).toMatch(
      /OVERRIDE of failed gates for v1 \(alias champion\): .*— rollback after incident/,
    );
  });
});
