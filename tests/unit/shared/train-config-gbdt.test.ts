import { describe, expect, it } from 'vitest';
import { TrainConfig, describeIssues, trainConfigJsonSchema } from '../../../shared/contract';
import { trialConfig } from '../../../main/train/families';

const base = { dataset: 'd', target: 't', task: 'binary' } as const;

/** The issues of a config that must be refused, as `path: message` lines. */
function refused(input: Record<string, unknown>): string[] {
  const r = TrainConfig.safeParse({ ...base, ...input });
  expect(r.success).toBe(false);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('TrainConfig: model.type gbdt', () => {
  it('leaves every option a user did not set undefined (config hashes do not move)', () => {
    const c = TrainConfig.parse({ ...base, model: { type: 'gbdt' } });
    expect(c.model).toEqual({ type: 'gbdt' });
    const mlp = TrainConfig.parse({ ...base, model: { type: 'mlp', l2: 0.1 } });
    expect(mlp.model).toEqual({ type: 'mlp', hidden: [64, 64], l2: 0.1 });
  });

  it('accepts every documented option within its bounds', () => {
    const model = {
      type: 'gbdt',
      trees: 300,
      learningRate: 0.05,
      maxDepth: 0,
      maxLeaves: 31,
      minChildWeight: 2,
      minSplitGain: 0.1,
      l1: 0.5,
      l2: 3,
      subsample: 0.8,
      colsample: 0.5,
      maxBins: 1024,
      loss: 'huber',
      huberDelta: 2,
      checkpointEvery: 5,
      threads: 2,
    };
    const c = TrainConfig.parse({ ...base, task: 'regression', model });
    expect(c.model).toEqual(model);
  });

  it.each([
    [{ trees: 0 }, 'model.trees'],
    [{ trees: 10001 }, 'model.trees'],
    [{ trees: 2.5 }, 'model.trees'],
    [{ learningRate: 0 }, 'model.learningRate'],
    [{ learningRate: 1.5 }, 'model.learningRate'],
    [{ maxDepth: -1 }, 'model.maxDepth'],
    [{ maxDepth: 33 }, 'model.maxDepth'],
    [{ maxLeaves: 1 }, 'model.maxLeaves'],
    [{ minChildWeight: -1 }, 'model.minChildWeight'],
    [{ subsample: 0 }, 'model.subsample'],
    [{ colsample: 1.1 }, 'model.colsample'],
    [{ maxBins: 1 }, 'model.maxBins'],
    [{ maxBins: 4097 }, 'model.maxBins'],
    [{ l2: -0.1 }, 'model.l2'],
    [{ checkpointEvery: 0 }, 'model.checkpointEvery'],
    [{ threads: 0 }, 'model.threads'],
    [{ loss: 'hinge' }, 'model.loss'],
  ])('refuses %j, naming %s', (options, path) => {
    const issues = refused({ task: 'regression', model: { type: 'gbdt', ...options } });
    expect(issues.some((i) => i.startsWith(`${path}: `))).toBe(true);
  });

  it('refuses network options on a gbdt and gbdt options on a network, naming each', () => {
    expect(refused({ model: { type: 'gbdt', hidden: [8] } })).toEqual([
      'model.hidden: only an mlp has hidden layers, not a gbdt',
    ]);
    expect(refused({ model: { type: 'gbdt', dropout: 0.1, batchNorm: true } })).toEqual([
      'model.dropout: only an mlp has dropout, not a gbdt',
      'model.batchNorm: only an mlp has batchNorm, not a gbdt',
    ]);
    expect(refused({ model: { type: 'mlp', trees: 10 } })).toEqual([
      'model.trees: only a gbdt has trees (this model is mlp)',
    ]);
    expect(refused({ model: { type: 'linear', maxDepth: 3, subsample: 0.5 } })).toEqual([
      'model.maxDepth: only a gbdt has maxDepth (this model is linear)',
      'model.subsample: only a gbdt has subsample (this model is linear)',
    ]);
  });

  it('takes a loss for regression only, huberDelta with the huber loss only', () => {
    expect(refused({ task: 'binary', model: { type: 'gbdt', loss: 'absolute_error' } })).toEqual([
      'model.loss: model.loss is for regression; a binary gbdt uses the log loss',
    ]);
    expect(refused({ task: 'regression', model: { type: 'gbdt', huberDelta: 2 } })).toEqual([
      'model.huberDelta: huberDelta applies to loss: huber only',
    ]);
    expect(refused({ model: { type: 'gbdt', maxDepth: 0 } })).toEqual([
      'model.maxDepth: maxDepth 0 (no limit) needs maxLeaves to bound the trees',
    ]);
  });

  it('refuses the training options a gbdt does not use when they are set', () => {
    const issues = refused({
      model: { type: 'gbdt' },
      training: { batchSize: 64, engine: 'fused', lrSchedule: { type: 'cosine' } },
    });
    expect(issues).toEqual([
      'training.batchSize: a gbdt does not use training.batchSize; remove it',
      'training.lrSchedule: a gbdt does not use training.lrSchedule; remove it',
      'training.engine: a gbdt does not use training.engine; remove it',
    ]);
    // epochs and the learning rate have defaults: set or not, a gbdt ignores them.
    const c = TrainConfig.parse({
      ...base,
      model: { type: 'gbdt' },
      training: { epochs: 5, earlyStopping: { patience: 3 }, classWeights: 'balanced' },
    });
    expect(c.training.earlyStopping?.patience).toBe(3);
  });

  it('a search over a gbdt names model paths; training.epochs is refused with the path to use', () => {
    const issues = refused({
      model: { type: 'gbdt' },
      search: {
        space: {
          'training.epochs': { type: 'int', low: 10, high: 50 },
          'model.maxDepth': { type: 'int', low: 2, high: 8 },
        },
      },
    });
    expect(issues).toEqual([
      'search.space.training.epochs: a gbdt does not use training.epochs; search model.trees',
    ]);
    const c = TrainConfig.parse({
      ...base,
      model: { type: 'gbdt', trees: 20 },
      search: {
        space: {
          'model.maxDepth': { type: 'int', low: 2, high: 8 },
          'model.learningRate': { type: 'loguniform', low: 0.01, high: 0.3 },
        },
      },
    });
    expect(trialConfig(c, { 'model.maxDepth': 3, 'model.learningRate': 0.05 }).model).toEqual({
      type: 'gbdt',
      trees: 20,
      maxDepth: 3,
      learningRate: 0.05,
    });
    expect(() => trialConfig(c, { 'model.maxDepth': 40 })).toThrow(
      /search\.space\.model\.maxDepth: 40 makes an invalid config: model\.maxDepth/,
    );
    const mlp = TrainConfig.parse({ ...base, model: { type: 'mlp' } });
    expect(() => trialConfig(mlp, { 'model.trees': 40 })).toThrow(
      /search\.space\.model\.trees: 40 makes an invalid config: model\.trees: only a gbdt has trees/,
    );
  });

  it('reads as one message naming the file and field', () => {
    const r = TrainConfig.safeParse({ ...base, model: { type: 'gbdt', hidden: [3] } });
    expect(r.success).toBe(false);
    if (!r.success)
      expect(describeIssues(r.error, 'gbdt.yaml')).toMatch(/^gbdt\.yaml: model\.hidden: .*gbdt/);
  });

  it('the JSON Schema lists gbdt and says what does not apply to it', () => {
    const schema = JSON.stringify(trainConfigJsonSchema());
    expect(schema).toContain('"gbdt"');
    expect(schema).toContain('maxLeaves');
    expect(schema).toMatch(/A gbdt trains model\.trees rounds instead/);
    expect(schema).toMatch(/batchSize.*Not for a gbdt/);
  });
});
