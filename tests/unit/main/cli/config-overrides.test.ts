import { describe, expect, it } from 'vitest';
import { LatheError, TrainConfig, describeIssues } from '../../../../shared/contract';
import { UsageError } from '../../../../main/cli/args';
import { applyOverrides, blameOverrides } from '../../../../main/cli/config-overrides';

const mlpConfig = () => ({
  dataset: 'penguins',
  target: 'Species',
  task: 'multiclass',
  model: { type: 'mlp', hidden: [32], dropout: 0.1, l2: 0.01 },
  training: { epochs: 3, batchSize: 32, learningRate: 0.05, engine: 'tfjs' },
});

/** What loadTrainConfig throws for a raw config the contract refuses. */
function refusal(raw: unknown): LatheError {
  const parsed = TrainConfig.safeParse(raw);
  if (parsed.success) throw new Error('expected a refusal');
  return new LatheError('INVALID_CONFIG', describeIssues(parsed.error, 'c.yaml'), {
    file: '/tmp/c.yaml',
    issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
  });
}

describe('lathe train --model and --set', () => {
  it('--model gbdt keeps only what a gbdt takes, and says what it left out', () => {
    const raw: Record<string, unknown> = mlpConfig();
    const note = applyOverrides(raw, {
      model: 'gbdt',
      set: ['model.trees=50', 'model.maxDepth=3', 'model.learningRate=0.3'],
    });
    expect(raw.model).toEqual({ type: 'gbdt', trees: 50, maxDepth: 3, learningRate: 0.3 });
    expect(raw.training).toEqual({ epochs: 3, learningRate: 0.05 });
    expect(note).toBe(
      '--model gbdt: left out model.hidden, model.dropout, model.l2, training.batchSize, training.engine (options a gbdt does not take)',
    );
    expect(TrainConfig.parse(raw).model).toMatchObject({ type: 'gbdt', trees: 50 });
  });

  it('--model between the networks keeps their shared penalties; the same type keeps everything', () => {
    const linear: Record<string, unknown> = mlpConfig();
    expect(applyOverrides(linear, { model: 'linear', set: [] })).toMatch(
      /left out model\.hidden, model\.dropout \(/,
    );
    expect(linear.model).toEqual({ type: 'linear', l2: 0.01 });
    const same: Record<string, unknown> = mlpConfig();
    expect(applyOverrides(same, { model: 'mlp', set: [] })).toBe('');
    expect(same).toEqual(mlpConfig());
    // From a gbdt back to an mlp: the trees' options and its leaf penalty go.
    const trees: Record<string, unknown> = {
      ...mlpConfig(),
      model: { type: 'gbdt', trees: 9, l2: 3 },
    };
    applyOverrides(trees, { model: 'mlp', set: [] });
    expect(trees.model).toEqual({ type: 'mlp' });
  });

  it('--set reads YAML values and makes the mappings it needs', () => {
    const raw: Record<string, unknown> = { ...mlpConfig(), model: { type: 'gbdt' } };
    delete raw.training;
    applyOverrides(raw, {
      set: [
        'model.loss=huber',
        'model.huberDelta=0.5',
        'training.earlyStopping.patience=5',
        'split.testFraction = 0.25',
        'features=[Beak Length (mm), Flipper Length (mm)]',
      ],
    });
    expect(raw).toMatchObject({
      model: { type: 'gbdt', loss: 'huber', huberDelta: 0.5 },
      training: { earlyStopping: { patience: 5 } },
      split: { testFraction: 0.25 },
      features: ['Beak Length (mm)', 'Flipper Length (mm)'],
    });
  });

  it('refuses a malformed --set or --model as a usage error, naming it', () => {
    const cases: [Parameters<typeof applyOverrides>[1], RegExp][] = [
      [{ set: ['model.trees'] }, /--set: 'model\.trees' is not PATH=VALUE/],
      [{ set: ['model.trees='] }, /is not PATH=VALUE/],
      [{ set: ['=3'] }, /is not PATH=VALUE/],
      [{ set: ['model..trees=3'] }, /is not PATH=VALUE/],
      [{ set: ['dataset.name=x'] }, /--set dataset\.name: dataset is not a mapping/],
      [{ set: ['model.hidden=[1,'] }, /--set model\.hidden: '\[1,' is not a value/],
      [
        { model: 'forest', set: [] },
        /--model: 'forest' is not a model type \(one of linear, mlp, gbdt\)/,
      ],
    ];
    for (const [overrides, message] of cases) {
      const raw: Record<string, unknown> = mlpConfig();
      expect(() => applyOverrides(raw, overrides)).toThrow(UsageError);
      expect(() => applyOverrides(raw, overrides)).toThrow(message);
    }
  });

  it('blames the --set that caused a refusal, and only that one', () => {
    const overrides = { model: 'gbdt', set: ['model.trees=0', 'model.maxDepth=4'] };
    const raw: Record<string, unknown> = mlpConfig();
    applyOverrides(raw, overrides);
    const err = blameOverrides(refusal(raw), overrides) as LatheError;
    expect(err.code).toBe('INVALID_CONFIG');
    expect(err.message).toMatch(
      /^c\.yaml: model\.trees: .*\(given on the command line: --set model\.trees=0\)$/,
    );
    expect(err.details).toMatchObject({ field: 'model.trees', file: '/tmp/c.yaml' });
    // An unknown option is reported at its mapping: still the --set that named it.
    const typo = { set: ['model.tress=10'] };
    const typoRaw: Record<string, unknown> = { ...mlpConfig(), model: { type: 'gbdt' } };
    delete typoRaw.training;
    applyOverrides(typoRaw, typo);
    expect((blameOverrides(refusal(typoRaw), typo) as LatheError).message).toMatch(
      /tress.*\(given on the command line: --set model\.tress=10\)$/,
    );
    // The file's own mistake is the file's: the message stays as it was.
    const own = refusal({ ...mlpConfig(), model: { type: 'gbdt', trees: -1 }, training: {} });
    expect(blameOverrides(own, { set: ['model.maxDepth=4'] })).toBe(own);
    const other = new Error('disk full');
    expect(blameOverrides(other, overrides)).toBe(other);
  });
});
