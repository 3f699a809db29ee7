import { describe, expect, it } from 'vitest';
import { TrainConfig, describeIssues, trainConfigJsonSchema } from '../../../shared/contract';

describe('TrainConfig', () => {
  it('fills the documented defaults', () => {
    const c = TrainConfig.parse({ dataset: 'flights', target: 'delayed', task: 'binary' });
    expect(c.model).toEqual({ type: 'mlp', hidden: [64, 64] });
    expect(c.training).toEqual({ epochs: 20, learningRate: 0.001, validationFraction: 0.2 });
    expect(c.seed).toBe(42);
  });

  it('accepts name@version references and a linear model without hidden layers', () => {
    const c = TrainConfig.parse({
      dataset: 'flights@3',
      target: 't',
      task: 'regression',
      model: { type: 'linear' },
    });
    expect(c.model).toEqual({ type: 'linear' });
    expect(c.dataset).toBe('flights@3');
  });

  it('names the field and the reason when the task is unknown', () => {
    const r = TrainConfig.safeParse({ dataset: 'd', target: 't', task: 'sideways' });
    expect(r.success).toBe(false);
    if (!r.success)
      expect(describeIssues(r.error, 'bad.yaml')).toMatch(
        /^bad\.yaml: task: .*binary.*multiclass.*regression/,
      );
  });

  it('rejects hidden layers on a linear model and unknown keys', () => {
    const hidden = TrainConfig.safeParse({
      dataset: 'd',
      target: 't',
      task: 'binary',
      model: { type: 'linear', hidden: [3] },
    });
    expect(hidden.success).toBe(false);
    if (!hidden.success) expect(hidden.error.issues[0]!.path).toEqual(['model', 'hidden']);
    const typo = TrainConfig.safeParse({
      dataset: 'd',
      target: 't',
      task: 'binary',
      training: { epoch: 3 },
    });
    expect(typo.success).toBe(false);
    if (!typo.success) expect(describeIssues(typo.error)).toMatch(/training.*epoch/);
  });

  it('rejects a validation fraction outside (0, 1)', () => {
    expect(
      TrainConfig.safeParse({
        dataset: 'd',
        target: 't',
        task: 'binary',
        training: { validationFraction: 1 },
      }).success,
    ).toBe(false);
  });

  it('exports a JSON Schema with the user-facing fields', () => {
    const schema = trainConfigJsonSchema() as {
      properties: Record<string, unknown>;
      required: string[];
    };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining([
        'dataset',
        'target',
        'task',
        'features',
        'model',
        'training',
        'seed',
      ]),
    );
    expect(schema.required).toEqual(expect.arrayContaining(['dataset', 'target', 'task']));
  });
});
