import { describe, expect, it } from 'vitest';
import { Pipeline, pipelineJsonSchema } from '../../../shared/contract';

const STEP_TYPES = [
  'import',
  'validate',
  'transform',
  'train',
  'tune',
  'evaluate',
  'gate',
  'register',
  'predict',
  'serve',
  'export',
  'monitor',
];
const base = { name: 'p', steps: [{ id: 'raw', type: 'import', file: 'a.csv' }] };
const issues = (value: unknown) => {
  const parsed = Pipeline.safeParse(value);
  expect(parsed.success).toBe(false);
  return parsed.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('the pipeline contract', () => {
  it('reads every step type with its defaults', () => {
    const p = Pipeline.parse({
      name: 'all',
      params: { trees: 50 },
      steps: [
        { id: 'raw', type: 'import', glob: 'data/*.parquet' },
        { id: 'ok', type: 'validate', from: 'raw', suite: 'suite.yaml' },
        { id: 'clean', type: 'transform', from: ['ok'], steps: [{ type: 'dedupe' }] },
        {
          id: 'fit',
          type: 'train',
          from: 'clean',
          config: { target: 'y', task: 'binary', model: { type: 'gbdt', trees: 5 } },
        },
        {
          id: 'search',
          type: 'tune',
          from: 'clean',
          config: 'train.yaml',
          search: { space: { 'model.trees': { type: 'int', low: 5, high: 50 } }, trials: 4 },
        },
        { id: 'eval', type: 'evaluate', from: 'fit', data: 'clean', sensitive: ['sex'] },
        {
          id: 'gate',
          type: 'gate',
          from: 'eval',
          gates: { metrics: [{ metric: 'accuracy', min: 0.7 }] },
        },
        { id: 'reg', type: 'register', from: 'fit', name: 'm', alias: 'champion', gate: 'gate' },
        {
          id: 'score',
          type: 'predict',
          from: 'reg',
          batches: [{ input: 'x.csv', output: 'y.csv' }],
        },
        { id: 'serve', type: 'serve', from: 'reg', port: 0, canary: { percent: 10 } },
        { id: 'docker', type: 'export', from: 'reg', format: 'docker', out: 'build' },
        {
          id: 'watch',
          type: 'monitor',
          from: 'reg',
          rules: [{ name: 'drift', signal: 'drift_share', above: 0.3 }],
        },
      ],
    });
    expect(p.steps.map((s) => s.type)).toEqual(STEP_TYPES);
    const validate = p.steps[1]!;
    expect(validate.type === 'validate' && validate.onFail).toBe('stop');
    const train = p.steps[3]!;
    expect(train.type === 'train' && typeof train.config !== 'string' && train.config.seed).toBe(
      42,
    );
  });

  it('needs exactly one source on an import', () => {
    expect(issues({ name: 'p', steps: [{ id: 'raw', type: 'import' }] })).toEqual([
      'steps.0.file: give exactly one of file, glob, url or sql',
    ]);
    expect(
      issues({ name: 'p', steps: [{ id: 'raw', type: 'import', file: 'a.csv', sql: 'SELECT 1' }] }),
    ).toEqual(['steps.0.file: give exactly one of file, glob, url or sql']);
  });

  it('reads a batch from a file or a dataset step, exactly one of them', () => {
    const predict = (batches: unknown[]) => ({
      ...base,
      steps: [...base.steps, { id: 'score', type: 'predict', from: 'reg', batches }],
    });
    const p = Pipeline.parse(
      predict([
        { input: 'x.csv', output: 'a.csv' },
        { from: 'raw', output: 'b.parquet' },
      ]),
    );
    const score = p.steps[1]!;
    expect(score.type === 'predict' && score.batches).toEqual([
      { input: 'x.csv', output: 'a.csv' },
      { from: 'raw', output: 'b.parquet' },
    ]);
    const one = 'give exactly one of input (a file) or from (a dataset step)';
    expect(issues(predict([{ output: 'a.csv' }]))).toEqual([`steps.1.batches.0.input: ${one}`]);
    expect(issues(predict([{ input: 'x.csv', from: 'raw', output: 'a.csv' }]))).toEqual([
      `steps.1.batches.0.input: ${one}`,
    ]);
    expect(issues(predict([{ from: '2nd', output: 'a.csv' }]))[0]).toMatch(
      /^steps\.1\.batches\.0\.from: a step id starts with a letter/,
    );
  });

  it('reads the actuals of a monitor step, each with its id and target columns', () => {
    const monitor = (actuals: unknown) => ({
      ...base,
      steps: [
        ...base.steps,
        {
          id: 'w',
          type: 'monitor',
          from: 'reg',
          actuals,
          rules: [{ name: 'auc', signal: 'metric', metric: 'roc_auc', below: 0.6 }],
        },
      ],
    });
    const p = Pipeline.parse(monitor([{ from: 'raw', idColumn: 'id', targetColumn: 'y' }]));
    const w = p.steps[1]!;
    expect(w.type === 'monitor' && w.actuals).toEqual([
      { from: 'raw', idColumn: 'id', targetColumn: 'y' },
    ]);
    expect(issues(monitor([{ from: 'raw', idColumn: 'id' }]))).toEqual([
      'steps.1.actuals.0.targetColumn: Invalid input: expected string, received undefined',
    ]);
    expect(issues(monitor([]))).toEqual(['steps.1.actuals: give at least one source of labels']);
  });

  it("checks an inline train config by the train config's own rules, without a dataset", () => {
    const bad = issues({
      ...base,
      steps: [
        ...base.steps,
        {
          id: 'fit',
          type: 'train',
          from: 'raw',
          config: {
            target: 'y',
            task: 'binary',
            model: { type: 'gbdt' },
            training: { batchSize: 8 },
          },
        },
      ],
    });
    expect(bad).toEqual([
      'steps.1.config.training.batchSize: a gbdt does not use training.batchSize; remove it',
    ]);
  });

  it('refuses a tune step without a search and an alert rule without a threshold', () => {
    const tune = { id: 't', type: 'tune', from: 'raw', config: { target: 'y', task: 'binary' } };
    expect(issues({ ...base, steps: [...base.steps, tune] })).toEqual([
      'steps.1.search: a tune step needs a search (here or in its config)',
    ]);
    const monitor = {
      id: 'w',
      type: 'monitor',
      from: 'raw',
      rules: [{ name: 'r', signal: 'volume' }],
    };
    expect(issues({ ...base, steps: [...base.steps, monitor] })).toEqual([
      'steps.1.rules.0.above: give above, below or both',
    ]);
  });

  it('refuses unknown fields, step types and bad ids', () => {
    expect(
      issues({ ...base, steps: [{ id: 'raw', type: 'import', file: 'a', extra: 1 }] })[0],
    ).toMatch(/^steps\.0: .*extra/);
    expect(issues({ ...base, steps: [{ id: 'raw', type: 'bake' }] })[0]).toMatch(
      /^steps\.0\.type: /,
    );
    expect(issues({ ...base, steps: [{ id: '1st', type: 'import', file: 'a' }] })).toEqual([
      'steps.0.id: a step id starts with a letter A-Z and uses letters A-Z, digits, _ and - (at most 64; no accents)',
    ]);
  });

  it('publishes a JSON Schema with every step type', () => {
    const schema = pipelineJsonSchema() as {
      properties: { steps: { items: { oneOf?: { properties: { type: { const: string } } }[] } } };
    };
    const types = (schema.properties.steps.items.oneOf ?? []).map((s) => s.properties.type.const);
    expect(types).toEqual(STEP_TYPES);
  });
});
