import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LatheError } from '../../../../shared/contract';
import { keyConfig, stepKey } from '../../../../main/pipeline/cache-key';
import {
  downstreamOf,
  loadPipeline,
  parsePipeline,
  trainConfigFor,
} from '../../../../main/pipeline/graph';

const FLIGHTS = join(__dirname, '../../../fixtures/pipelines/flights.yaml');

/** The error parsePipeline throws, with its code and message. */
function refusal(text: string, set: string[] = []): LatheError {
  try {
    parsePipeline(text, { file: '/somewhere/p.yaml', set });
  } catch (err) {
    expect(err).toBeInstanceOf(LatheError);
    return err as LatheError;
  }
  throw new Error('expected a refusal');
}

const yaml = (steps: string, head = '') => `name: p\n${head}steps:\n${steps}`;
const IMPORT = `  - { id: raw, type: import, file: a.csv }\n`;
const TRAIN = `  - id: fit\n    type: train\n    from: raw\n    config: { target: y, task: binary }\n`;

describe('parsePipeline', () => {
  it('reads the flights pipeline: steps by level, parameters in place', () => {
    const g = loadPipeline(FLIGHTS);
    expect(g.file).toBe('flights.yaml');
    expect(g.levels).toEqual([
      ['flights'],
      ['checked'],
      ['train'],
      ['evaluate'],
      ['gate'],
      ['register'],
      ['score'],
      ['watch'],
    ]);
    expect(g.order).toEqual(g.levels.flat());
    expect(g.params).toEqual({ rows: 100000, trees: 100, minAuc: 0.6, data: 'flights-3m.parquet' });
    const train = g.steps.get('train')!;
    expect(
      train.type === 'train' && typeof train.config !== 'string' && train.config.model,
    ).toMatchObject({
      type: 'gbdt',
      trees: 100,
    });
    const flights = g.steps.get('flights')!;
    expect(flights.type === 'import' && flights.sql).toContain("read_parquet('flights-3m.parquet'");
    expect(flights.type === 'import' && flights.sql).toContain('LIMIT 100000');
    expect(g.inputs.register).toEqual([
      { field: 'from', id: 'train', accepts: ['train', 'tune'] },
      { field: 'gate', id: 'gate', accepts: ['gate'] },
    ]);
    expect(g.dependents.register).toEqual(['score', 'watch']);
    expect(downstreamOf(g, ['gate'])).toEqual(['gate', 'register', 'score', 'watch']);
  });

  it('puts independent steps at one level', () => {
    const g = parsePipeline(
      yaml(
        `${IMPORT}  - { id: other, type: import, file: b.csv }\n` +
          `  - { id: both, type: transform, from: [raw, other], steps: [{ type: dedupe }] }\n` +
          `  - { id: a, type: train, from: both, config: train.yaml }\n` +
          `  - { id: b, type: train, from: raw, config: train.yaml }\n` +
          `  - { id: ea, type: evaluate, from: a }\n`,
      ),
    );
    expect(g.levels).toEqual([['raw', 'other'], ['both', 'b'], ['a'], ['ea']]);
  });

  it('applies --set typed by the default and names a bad one', () => {
    const text = yaml(
      `  - { id: raw, type: import, sql: 'SELECT * FROM t LIMIT \${params.rows}', name: '\${params.name}' }\n` +
        `  - id: fit\n    type: train\n    from: raw\n    config:\n      target: y\n      task: binary\n      model: { type: gbdt, trees: '\${params.trees}' }\n      training: { validationFraction: '\${params.holdout}' }\n`,
      `params:\n  rows: 10\n  trees: 5\n  name: small\n  holdout: 0.2\n  deep: false\n`,
    );
    const g = parsePipeline(text, { set: ['trees=7', 'params.name=big', 'deep=true', 'rows=20'] });
    expect(g.params).toEqual({ rows: 20, trees: 7, name: 'big', holdout: 0.2, deep: true });
    const fit = g.steps.get('fit')!;
    expect(
      fit.type === 'train' && typeof fit.config !== 'string' && fit.config.model,
    ).toMatchObject({
      trees: 7,
    });
    const raw = g.steps.get('raw')!;
    expect(raw.type === 'import' && [raw.sql, raw.name]).toEqual([
      'SELECT * FROM t LIMIT 20',
      'big',
    ]);

    const wrongType = refusal(text, ['trees=many']);
    expect(wrongType.code).toBe('INVALID_INPUT');
    expect(wrongType.message).toBe(
      "--set trees: 'many' is not a number (the default of trees is 5)",
    );
    expect(refusal(text, ['deep=yes']).message).toMatch(/^--set deep: 'yes' is not a boolean/);
    const unknown = refusal(text, ['treez=3']);
    expect(unknown.code).toBe('INVALID_INPUT');
    expect(unknown.message).toBe(
      "--set treez: p.yaml has no parameter 'treez' (parameters: rows, trees, name, holdout, deep)",
    );
    expect(refusal(text, ['trees']).message).toMatch(/^--set: 'trees' is not NAME=VALUE/);
    // The value reaches the contract, which names the step and field it broke.
    expect(refusal(text, ['holdout=2']).message).toMatch(
      /^p\.yaml: step 'fit' config\.training\.validationFraction: /,
    );
  });

  it('names an unknown parameter reference by step and field', () => {
    const err = refusal(
      yaml(
        `${IMPORT}  - { id: fit, type: train, from: raw, config: { target: '\${params.label}', task: binary } }\n`,
      ),
    );
    expect(err.code).toBe('INVALID_CONFIG');
    expect(err.message).toBe(
      "p.yaml: step 'fit' config.target: no parameter 'label' (the file declares no params)",
    );
  });

  it('keeps $${params.x} as literal text', () => {
    const g = parsePipeline(yaml(`  - { id: raw, type: import, sql: "SELECT '$\${params.x}'" }\n`));
    const raw = g.steps.get('raw')!;
    expect(raw.type === 'import' && raw.sql).toBe("SELECT '${params.x}'");
  });

  it('names the step and field the contract refuses', () => {
    const err = refusal(
      yaml(`${IMPORT}  - { id: fit, type: train, from: raw, config: { task: binary } }\n`),
    );
    expect(err.code).toBe('INVALID_CONFIG');
    expect(err.message).toBe("p.yaml: step 'fit' config.target is required");
    expect(err.details).toMatchObject({
      file: 'p.yaml',
      issues: [{ step: 'fit', field: 'config.target' }],
    });
    expect(refusal('name: p\nsteps: []\n').message).toBe(
      'p.yaml: steps: a pipeline needs at least one step',
    );
    expect(refusal('- a\n').message).toBe('p.yaml: expected a mapping (a pipeline)');
    expect(refusal('name: [\n').message).toMatch(/^p\.yaml: not valid YAML or JSON: /);
    // The parser's first line, without the ':' that introduced its excerpt.
    expect(refusal('a: [1, 2\nb: 3\n').message).toMatch(/at line 2, column 1$/);
    expect(refusal(`name: p\nparams: { trees: [1] }\n${'steps:\n'}${IMPORT}`).message).toMatch(
      /^p\.yaml: params\.trees: /,
    );
  });

  it('refuses unknown and duplicate ids', () => {
    const unknown = refusal(
      yaml(`${IMPORT}  - { id: fit, type: train, from: rwa, config: t.yaml }\n`),
    );
    expect(unknown.message).toBe("p.yaml: step 'fit' from: no step 'rwa' (steps: raw, fit)");
    expect(unknown.details).toMatchObject({ issues: [{ step: 'fit', field: 'from' }] });
    const after = refusal(
      yaml(`${IMPORT}${TRAIN}  - { id: e, type: evaluate, from: fit, after: [raw, x] }\n`),
    );
    expect(after.message).toBe("p.yaml: step 'e' after[1]: no step 'x' (steps: raw, fit, e)");
    expect(refusal(yaml(`${IMPORT}${IMPORT}`)).message).toBe(
      "p.yaml: step 'raw' id: the id 'raw' is used twice",
    );
  });

  it('refuses an input of the wrong kind, naming the step and field', () => {
    const cases: [string, string][] = [
      [
        `${IMPORT}${TRAIN}  - { id: reg, type: register, from: raw, name: m }\n`,
        "step 'reg' from: 'raw' is a import step; register.from takes a train or tune step",
      ],
      [
        `${IMPORT}  - { id: e, type: evaluate, from: raw }\n`,
        "step 'e' from: 'raw' is a import step; evaluate.from takes a train, tune or register step",
      ],
      [
        `${IMPORT}${TRAIN}  - { id: v, type: validate, from: fit, suite: s.yaml }\n`,
        "step 'v' from: 'fit' is a train step; validate.from takes a import or transform step",
      ],
      [
        `${IMPORT}${TRAIN}  - { id: e, type: evaluate, from: fit, data: fit }\n`,
        "step 'e' data: 'fit' is a train step; evaluate.data takes a import, validate or transform step",
      ],
      [
        `${IMPORT}${TRAIN}  - { id: reg, type: register, from: fit, name: m, gate: fit }\n`,
        "step 'reg' gate: 'fit' is a train step; register.gate takes a gate step",
      ],
      [
        `${IMPORT}${TRAIN}  - { id: t, type: transform, from: [raw, fit], steps: [{ type: dedupe }] }\n`,
        "step 't' from[1]: 'fit' is a train step; transform.from takes a import, validate or transform step",
      ],
    ];
    for (const [steps, message] of cases) {
      const err = refusal(yaml(steps));
      expect(err.code).toBe('INVALID_CONFIG');
      expect(err.message).toBe(`p.yaml: ${message}`);
    }
  });

  it('orders a batch after the dataset step it scores and checks its kind', () => {
    const reg = `  - { id: reg, type: register, from: fit, name: m }\n`;
    const months = `  - { id: april, type: import, file: april.csv }\n  - { id: may, type: import, file: may.csv }\n`;
    const score =
      `  - id: score\n    type: predict\n    from: reg\n    batches:\n` +
      `      - { from: april, output: a.parquet }\n      - { input: x.csv, output: x.parquet }\n` +
      `      - { from: may, output: m.parquet }\n`;
    const g = parsePipeline(yaml(`${IMPORT}${TRAIN}${reg}${months}${score}`));
    expect(g.inputs.score).toEqual([
      { field: 'from', id: 'reg', accepts: ['train', 'tune', 'register'] },
      { field: 'batches[0].from', id: 'april', accepts: ['import', 'validate', 'transform'] },
      { field: 'batches[2].from', id: 'may', accepts: ['import', 'validate', 'transform'] },
    ]);
    expect(g.dependents.april).toEqual(['score']);
    expect(g.levels).toEqual([['raw', 'april', 'may'], ['fit'], ['reg'], ['score']]);
    expect(downstreamOf(g, ['may'])).toEqual(['may', 'score']);

    const wrong = refusal(
      yaml(
        `${IMPORT}${TRAIN}${reg}  - { id: score, type: predict, from: reg, batches: [{ from: fit, output: a.csv }] }\n`,
      ),
    );
    expect(wrong.message).toBe(
      "p.yaml: step 'score' batches[0].from: 'fit' is a train step; predict.batches.from takes a import, validate or transform step",
    );
    expect(wrong.details).toMatchObject({ issues: [{ step: 'score', field: 'batches[0].from' }] });
    expect(
      refusal(
        yaml(
          `${IMPORT}${TRAIN}${reg}  - { id: score, type: predict, from: reg, batches: [{ from: aprl, output: a.csv }] }\n`,
        ),
      ).message,
    ).toBe("p.yaml: step 'score' batches[0].from: no step 'aprl' (steps: raw, fit, reg, score)");
    expect(
      refusal(
        yaml(
          `${IMPORT}  - { id: t, type: transform, from: raw, after: [score], steps: [{ type: dedupe }] }\n${TRAIN}${reg}  - { id: score, type: predict, from: reg, batches: [{ from: t, output: a.csv }] }\n`,
        ),
      ).message,
    ).toBe(
      "p.yaml: step 't' after[0]: the steps form a cycle: t.after[0] → score, score.batches[0].from → t",
    );
  });

  it("orders a monitor after its actuals' dataset steps and reads a predict step's model", () => {
    const rest =
      `  - { id: reg, type: register, from: fit, name: m }\n` +
      `  - { id: april, type: import, file: april.csv }\n` +
      `  - { id: score, type: predict, from: reg, idColumn: id, batches: [{ from: april, output: a.parquet }] }\n`;
    const watch = (from: string, actualsFrom: string) =>
      `  - id: w\n    type: monitor\n    from: ${from}\n    actuals: [{ from: ${actualsFrom}, idColumn: id, targetColumn: y }]\n    rules: [{ name: auc, signal: metric, metric: roc_auc, below: 0.6 }]\n`;
    const g = parsePipeline(yaml(`${IMPORT}${TRAIN}${rest}${watch('score', 'april')}`));
    expect(g.inputs.w).toEqual([
      { field: 'from', id: 'score', accepts: ['register', 'serve', 'predict'] },
      { field: 'actuals[0].from', id: 'april', accepts: ['import', 'validate', 'transform'] },
    ]);
    expect(g.order.at(-1)).toBe('w');
    expect(refusal(yaml(`${IMPORT}${TRAIN}${rest}${watch('score', 'reg')}`)).message).toBe(
      "p.yaml: step 'w' actuals[0].from: 'reg' is a register step; monitor.actuals.from takes a import, validate or transform step",
    );
    expect(refusal(yaml(`${IMPORT}${TRAIN}${rest}${watch('fit', 'april')}`)).message).toBe(
      "p.yaml: step 'w' from: 'fit' is a train step; monitor.from takes a register, serve or predict step",
    );
  });

  it("keeps which batch reads which step in a predict step's key config", () => {
    const g = parsePipeline(
      yaml(
        `${IMPORT}  - { id: other, type: import, file: b.csv }\n${TRAIN}  - { id: reg, type: register, from: fit, name: m }\n` +
          `  - { id: s1, type: predict, from: reg, batches: [{ from: raw, output: a.csv }, { from: other, output: b.csv }] }\n` +
          `  - { id: s2, type: predict, from: reg, batches: [{ from: other, output: a.csv }, { from: raw, output: b.csv }] }\n`,
      ),
    );
    const [s1, s2] = [keyConfig(g.steps.get('s1')!), keyConfig(g.steps.get('s2')!)];
    expect(s1).toEqual({
      type: 'predict',
      batches: [
        { from: 'raw', output: 'a.csv' },
        { from: 'other', output: 'b.csv' },
      ],
    });
    // Same inputs, same outputs, swapped months: a different key.
    expect(stepKey({ config: s1, inputs: {}, latheVersion: '1' }).key).not.toBe(
      stepKey({ config: s2, inputs: {}, latheVersion: '1' }).key,
    );
  });

  it('names a cycle edge by edge', () => {
    const err = refusal(
      yaml(
        `${IMPORT}  - { id: a, type: transform, from: [raw, c], steps: [{ type: dedupe }] }\n` +
          `  - { id: b, type: transform, from: a, steps: [{ type: dedupe }] }\n` +
          `  - { id: c, type: validate, from: b, suite: s.yaml }\n`,
      ),
    );
    expect(err.message).toBe(
      "p.yaml: step 'a' from[1]: the steps form a cycle: a.from[1] → c, c.from → b, b.from → a",
    );
    expect(
      refusal(yaml(`  - { id: a, type: transform, from: a, steps: [{ type: dedupe }] }\n`)).message,
    ).toBe("p.yaml: step 'a' from: a step cannot read itself");
    const afterCycle = refusal(
      yaml(
        `${IMPORT}  - { id: x, type: import, file: b.csv, after: [y] }\n  - { id: y, type: import, file: c.csv, after: [x] }\n`,
      ),
    );
    expect(afterCycle.message).toMatch(
      /the steps form a cycle: (x\.after\[0\] → y, y\.after\[0\] → x|y\.after\[0\] → x, x\.after\[0\] → y)$/,
    );
  });

  it('checks cron schedules with the parser monitoring uses', () => {
    expect(parsePipeline(yaml(IMPORT, "schedule: '*/5 * * * *'\n")).pipeline.schedule).toBe(
      '*/5 * * * *',
    );
    expect(refusal(yaml(IMPORT, "schedule: 'every monday'\n")).message).toMatch(
      /^p\.yaml: schedule: 'every monday' is not a cron expression/,
    );
    const monitor = `${IMPORT}${TRAIN}  - { id: reg, type: register, from: fit, name: m }\n  - id: w\n    type: monitor\n    from: reg\n    schedule: '99 * * * *'\n    rules: [{ name: r, signal: volume, below: 1 }]\n`;
    expect(refusal(yaml(monitor)).message).toMatch(
      /^p\.yaml: step 'w' schedule: '99 \* \* \* \*' is not a cron/,
    );
  });

  it('fills a train config with the dataset and merges a tune search', () => {
    const g = parsePipeline(
      yaml(
        `${IMPORT}${TRAIN}  - id: t\n    type: tune\n    from: raw\n    config: { target: y, task: binary, model: { type: gbdt } }\n    search: { space: { model.trees: { type: int, low: 5, high: 20 } } }\n`,
      ),
    );
    const fit = g.steps.get('fit')!;
    if (fit.type !== 'train') throw new Error('train');
    expect(trainConfigFor(fit, 'raw@2')).toMatchObject({ dataset: 'raw@2', target: 'y', seed: 42 });
    const tune = g.steps.get('t')!;
    if (tune.type !== 'tune') throw new Error('tune');
    expect(trainConfigFor(tune, 'raw@2').search?.space).toEqual({
      'model.trees': { type: 'int', low: 5, high: 20 },
    });
  });

  it('reads the fixture as the YAML text too', () => {
    expect(parsePipeline(readFileSync(FLIGHTS, 'utf8')).order).toHaveLength(8);
  });
});
