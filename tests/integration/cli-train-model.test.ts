import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Run } from '../../shared/contract';
import { lathe } from '../helpers/cli';
import { tempDir, vega } from '../helpers/workspace';

const t = tempDir('lathe-cli-train-model-');
const W = join(t.dir, 'ws');

// A linear config with the networks' training options: --model gbdt must leave those out.
const base = `dataset: penguins\ntarget: Species\ntask: multiclass\nmodel:\n  type: linear\n  l2: 0.01\ntraining:\n  epochs: 2\n  batchSize: 32\n  learningRate: 0.05\nseed: 3\n`;

beforeAll(() => {
  expect(
    lathe(['data', 'import', vega('penguins.json'), '--name', 'penguins', '--workspace', W]).code,
  ).toBe(0);
});
afterAll(() => t.remove());

const runsIn = () => {
  const list = lathe(['runs', 'list', '--workspace', W, '--json']);
  expect(list.code).toBe(0);
  return list.json as unknown[];
};

describe('lathe train --model and --set', () => {
  it('refuses a bad option by its field and the flag that set it, training nothing', () => {
    const file = t.file('linear.yaml', base);
    const before = runsIn().length;
    const bad = lathe([
      'train',
      '--config',
      file,
      '--model',
      'gbdt',
      '--set',
      'model.trees=0',
      '--workspace',
      W,
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /^error: linear\.yaml: model\.trees: .*\(given on the command line: --set model\.trees=0\)$/m,
    );
    expect(bad.stderr).not.toMatch(/\n\s+at /);

    const json = lathe([
      'train',
      '--config',
      file,
      '--model',
      'gbdt',
      '--set',
      'model.subsample=1.5',
      '--workspace',
      W,
      '--json',
    ]);
    expect(json.code).toBe(1);
    expect(json.json).toMatchObject({
      error: { code: 'INVALID_CONFIG', details: { field: 'model.subsample' } },
    });

    // A loss on a classifier: the contract's own refusal, blamed on the flag.
    const loss = lathe(
      ['train', '--config', file, '--model', 'gbdt', '--set', 'model.loss=huber'].concat([
        '--workspace',
        W,
      ]),
    );
    expect(loss.code).toBe(1);
    expect(loss.stderr).toMatch(
      /model\.loss: model\.loss is for regression.*--set model\.loss=huber/,
    );

    const type = lathe(['train', '--config', file, '--model', 'forest', '--workspace', W]);
    expect(type.code).toBe(2);
    expect(type.stderr).toMatch(
      /--model: 'forest' is not a model type \(one of linear, mlp, gbdt\)/,
    );
    const malformed = lathe(['train', '--config', file, '--set', 'model.trees', '--workspace', W]);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/--set: 'model\.trees' is not PATH=VALUE/);
    expect(runsIn()).toHaveLength(before);
  });

  it('refuses validation and test fractions that leave no rows to train on, recording no run', () => {
    const file = t.file(
      'fractions.yaml',
      base.replace('  epochs: 2\n', '  epochs: 2\n  validationFraction: 0.2\n'),
    );
    const before = runsIn().length;
    for (const set of ['split.testFraction=0.9', 'split.testFraction=0.8']) {
      const r = lathe(['train', '--config', file, '--set', set, '--workspace', W, '--json']);
      expect(r.code, set).toBe(1);
      expect(r.json).toMatchObject({
        error: { code: 'INVALID_CONFIG', details: { field: 'split.testFraction' } },
      });
      expect(r.stderr).toMatch(
        /split\.testFraction: 0\.[89] with training\.validationFraction 0\.2 leaves no rows to train on/,
      );
    }
    expect(runsIn()).toHaveLength(before);
  });

  it('lathe schema train-config shows the gbdt and its options', () => {
    const out = lathe(['schema', 'train-config']);
    expect(out.code).toBe(0);
    const schema = out.json as {
      properties: { model: { properties: Record<string, { enum?: string[] }> } };
    };
    const model = schema.properties.model.properties;
    expect(model.type!.enum).toEqual(['linear', 'mlp', 'gbdt']);
    for (const key of ['trees', 'learningRate', 'maxDepth', 'maxLeaves', 'maxBins', 'huberDelta'])
      expect([key, model[key]]).toEqual([key, expect.any(Object)]);
    expect(model.loss!.enum).toEqual(['squared_error', 'absolute_error', 'huber']);
  });

  it('trains a gbdt from a linear config with --model gbdt and its options', () => {
    const file = t.file('linear.yaml', base);
    const out = lathe([
      'train',
      '--config',
      file,
      '--model',
      'gbdt',
      '--set',
      'model.trees=8',
      '--set',
      'model.maxDepth=3',
      '--set',
      'model.learningRate=0.3',
      '--workspace',
      W,
    ]);
    expect(out.code, out.stderr).toBe(0);
    // What it left out, on stderr; the run record on stdout as without the flags.
    expect(out.stderr).toMatch(
      /--model gbdt: left out model\.l2, training\.batchSize \(options a gbdt does not take\)/,
    );
    expect(out.stdout).toMatch(/multiclass gbdt/);
    // Its progress counts rounds, not epochs.
    expect(out.stderr).toMatch(/^100% round 8\/8 loss /m);
    expect(out.stderr).not.toMatch(/epoch \d+\/8/);
    const id = /^Run ([0-9a-f]+)/m.exec(out.stdout)?.[1];
    const run = Run.parse(lathe(['runs', 'show', id!, '--workspace', W, '--json']).json);
    expect(run.status).toBe('finished');
    expect(run.modelType).toBe('gbdt');
    expect(run.config.model).toEqual({ type: 'gbdt', trees: 8, maxDepth: 3, learningRate: 0.3 });
    expect(run.config.training.batchSize).toBeUndefined();
    expect(run.metrics.val_accuracy).toBeGreaterThan(0.8);
    // lathe runs list names its size.
    const list = lathe(['runs', 'list', '--workspace', W]);
    expect(list.stdout).toMatch(new RegExp(`^${id!.slice(0, 8)} .*gbdt 8 trees, depth 3`, 'm'));
  });

  it('--json prints the same run record shape with the flags as without', () => {
    const file = t.file('linear.yaml', base);
    const plain = lathe(['train', '--config', file, '--workspace', W, '--json']);
    const flagged = lathe([
      'train',
      '--config',
      file,
      '--model',
      'mlp',
      '--set',
      'model.hidden=[8]',
      '--set',
      'training.epochs=1',
      '--workspace',
      W,
      '--json',
    ]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(flagged.code, flagged.stderr).toBe(0);
    const a = Run.parse(plain.json);
    const b = Run.parse(flagged.json);
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
    expect(b.config.model).toEqual({ type: 'mlp', hidden: [8], l2: 0.01 });
    expect(b.config.training.epochs).toBe(1);
    expect(a.config.model).toEqual({ type: 'linear', l2: 0.01 });
    // --json says nothing else: the note about what was left out is not printed.
    expect(flagged.stderr).toBe('');
  });

  it('lathe tune takes --model and --set too: a search over a gbdt from a linear config', () => {
    const file = t.file(
      'search.yaml',
      `${base}search:\n  strategy: grid\n  metric: val_accuracy\n  space:\n    model.maxDepth: {type: choice, values: [2, 3]}\n`,
    );
    const out = lathe([
      'tune',
      '--config',
      file,
      '--model',
      'gbdt',
      '--set',
      'model.trees=5',
      '--parallel',
      '1',
      '--workspace',
      W,
      '--json',
    ]);
    expect(out.code, out.stderr).toBe(0);
    const { run, report } = out.json as {
      run: { id: string; modelType: string };
      report: { children: { runId: string }[] };
    };
    expect(run.modelType).toBe('gbdt');
    expect(report.children).toHaveLength(2);
    const depths = report.children.map((c) => {
      const child = Run.parse(lathe(['runs', 'show', c.runId, '--workspace', W, '--json']).json);
      expect(child).toMatchObject({ status: 'finished', modelType: 'gbdt' });
      return child.config.model.maxDepth;
    });
    expect(depths.sort()).toEqual([2, 3]);

    // A network's path in the space of a gbdt: refused, naming the path and the gbdt's own.
    const wrong = t.file(
      'wrong.yaml',
      `${base}search:\n  space:\n    training.learningRate: {type: loguniform, low: 0.001, high: 0.1}\n`,
    );
    const refused = lathe(['tune', '--config', wrong, '--model', 'gbdt', '--workspace', W]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /search\.space\.training\.learningRate: a gbdt does not use training\.learningRate; search model\.learningRate/,
    );
  });
});
