import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { TrainConfig, type ColumnInfo } from '../../../shared/contract';
import { cloneTrainConfig } from '../../../shared/config/clone-config';
import { parseRoute, routeHref } from '../../../renderer/lib/routes';
import {
  DEFAULT_VALUES,
  FIELD_PATHS,
  buildConfig,
  configYaml,
  fieldOfPath,
  guessTarget,
  guessTask,
  valuesFromConfig,
  type TrainFormValues,
} from '../../../renderer/views/Experiments/train-form-model';
import {
  buildEvaluateInput,
  DEFAULT_EVALUATE_OPTIONS,
} from '../../../renderer/views/Evaluation/evaluate-options-model';

const col = (name: string, type = 'DOUBLE', kind: ColumnInfo['kind'] = 'numeric'): ColumnInfo => ({
  name,
  type,
  kind,
});
const base: TrainFormValues = {
  ...DEFAULT_VALUES,
  dataset: 'weather',
  target: 'weather',
  project: 'Default',
};
const cars = [
  col('Name', 'VARCHAR', 'categorical'),
  col('Miles_per_Gallon'),
  col('Cylinders', 'BIGINT'),
  col('Horsepower'),
  col('Year', 'DATE', 'datetime'),
  col('Origin', 'VARCHAR', 'categorical'),
];

describe('the New run form: target and task guesses', () => {
  it('prefers a column named like a target over the last column', () => {
    expect(guessTarget([col('target', 'BIGINT'), ...cars])?.name).toBe('target');
    expect(
      guessTarget([...cars.slice(0, 3), col('Label', 'VARCHAR', 'categorical'), ...cars.slice(3)])
        ?.name,
    ).toBe('Label');
    expect(guessTarget([col('a'), col('y'), col('b')])?.name).toBe('y');
    expect(guessTarget([col('a'), col('churn_label', 'BIGINT'), col('b')])?.name).toBe(
      'churn_label',
    );
    // What the well-known table predicts: cars → Miles_per_Gallon, not Origin; penguins → Species.
    expect(guessTarget(cars)?.name).toBe('Miles_per_Gallon');
    expect(
      guessTarget([
        col('Species', 'VARCHAR', 'categorical'),
        col('Island', 'VARCHAR', 'categorical'),
      ])?.name,
    ).toBe('Species');
    expect(guessTarget([col('a'), col('b')])?.name).toBe('b');
    expect(guessTarget([])).toBeUndefined();
  });

  it('infers the task from the values: 0/1 integers binary, few integers or text multiclass, floats regression', () => {
    const int = col('y', 'BIGINT');
    expect(guessTask(int, { type: 'BIGINT', kind: 'numeric', distinctCount: 2 })).toBe('binary');
    expect(guessTask(int, { type: 'BIGINT', kind: 'numeric', distinctCount: 5 })).toBe(
      'multiclass',
    );
    expect(guessTask(int, { type: 'BIGINT', kind: 'numeric', distinctCount: 300 })).toBe(
      'regression',
    );
    const float = col('precipitation');
    expect(guessTask(float, { type: 'DOUBLE', kind: 'numeric', distinctCount: 111 })).toBe(
      'regression',
    );
    const text = col('weather', 'VARCHAR', 'categorical');
    expect(guessTask(text, { type: 'VARCHAR', kind: 'categorical', distinctCount: 2 })).toBe(
      'binary',
    );
    expect(guessTask(text, { type: 'VARCHAR', kind: 'categorical', distinctCount: 5 })).toBe(
      'multiclass',
    );
    // Before the profile arrives: by kind.
    expect(guessTask(float)).toBe('regression');
    expect(guessTask(col('b', 'BOOLEAN', 'boolean'))).toBe('binary');
    expect(guessTask(text)).toBe('multiclass');
  });
});

describe('the New run form: config', () => {
  it('builds a valid TrainConfig with a test split by default', () => {
    const built = buildConfig({ ...base, model: 'linear', epochs: '5' });
    expect(built.fields).toEqual({});
    expect(built.config).toMatchObject({
      dataset: 'weather',
      target: 'weather',
      task: 'multiclass',
      model: { type: 'linear' },
      training: { epochs: 5, learningRate: 0.001, validationFraction: 0.2 },
      split: { testFraction: 0.2 },
      seed: 42,
    });
    expect(built.config!.training).not.toHaveProperty('batchSize');
    expect(buildConfig({ ...base, batchSize: '64' }).config!.training?.batchSize).toBe(64);
  });

  it('has a field for every option of the train config', () => {
    // Every leaf option TrainConfig's JSON schema names is some field's path (or under one).
    const schema = TrainConfig.def.shape;
    const leaves: string[] = [];
    const walk = (prefix: string, shape: Record<string, unknown>) => {
      for (const [key, value] of Object.entries(shape)) {
        const path = prefix ? `${prefix}.${key}` : key;
        let inner = value as {
          def?: { innerType?: unknown; in?: unknown; shape?: unknown; type?: string };
        };
        // Unwrap optional/default/prefault/pipe to the object below, if any.
        for (let i = 0; i < 6 && inner?.def && !inner.def.shape; i++)
          inner = (inner.def.innerType ?? inner.def.in ?? null) as typeof inner;
        const sub = inner?.def?.shape as Record<string, unknown> | undefined;
        if (sub && !['featureSpec', 'search.space'].includes(path)) walk(path, sub);
        else leaves.push(path);
      }
    };
    walk('', schema);
    for (const leaf of leaves.filter(
      (l) => l !== 'crossValidation.fold' && l !== 'search.pruning.type',
    ))
      expect([leaf, fieldOfPath(leaf)]).toEqual([leaf, expect.any(String)]);
    expect(leaves).toEqual(
      expect.arrayContaining(['split.method', 'training.lrSchedule', 'featureSpec']),
    );
  });

  it('shows each bad value beside its field, in words', () => {
    const built = buildConfig({
      ...base,
      epochs: 'abc',
      validationFraction: '1.5',
      testFraction: '',
    });
    expect(built.config).toBeNull();
    expect(built.fields.epochs).toBe("'abc' is not a number");
    expect(built.fields.validationFraction).toMatch(/1/);
    expect(JSON.stringify(built.fields)).not.toMatch(/NaN/);
    expect(buildConfig({ ...base, model: 'mlp', hidden: '64, x' }).fields.hidden).toMatch(
      /whole numbers/,
    );
    const grouped = buildConfig({ ...base, splitMethod: 'group' });
    expect(grouped.fields.splitColumn).toBe('a group split needs a column');
    const folds = buildConfig({ ...base, folds: '1' });
    expect(Object.keys(folds.fields)).toEqual(['folds']);
    const space = buildConfig({
      ...base,
      search: 'tpe',
      space: 'training.learningRate: { type: loguniform, low: 0, high: 1 }',
    });
    expect(space.fields.space).toMatch(/positive/);
    expect(buildConfig({ ...base, search: 'grid', space: 'a: [' }).fields.space).toMatch(
      /not valid YAML/,
    );
    expect(
      buildConfig({ ...base, task: 'regression', classWeights: 'balanced' }).fields
        .classWeightsText,
    ).toMatch(/binary or multiclass/);
  });

  it('maps config paths to fields, deepest first', () => {
    expect(fieldOfPath('training.earlyStopping.patience')).toBe('esPatience');
    expect(fieldOfPath('search.space.model.dropout.low')).toBe('space');
    expect(fieldOfPath('featureSpec.groups.0.columns')).toBe('featureSpec');
    expect(fieldOfPath('training.lrSchedule')).toBe('lrSchedule');
    expect(fieldOfPath('nonsense')).toBeNull();
    expect(FIELD_PATHS.testFraction).toBe('split.testFraction');
  });

  it('sets every option from its controls, and reads it back from the YAML', () => {
    const full: TrainFormValues = {
      ...base,
      task: 'binary',
      datasetVersion: '2',
      features: ['temp_max', 'wind'],
      name: 'r1',
      experiment: 'exp',
      splitMethod: 'time',
      splitColumn: 'date',
      testFraction: '0.1',
      validationFraction: '0.15',
      hidden: '32, 16',
      activation: 'tanh',
      dropout: '0.1',
      batchNorm: true,
      l1: '0.001',
      l2: '0.01',
      epochs: '7',
      batchSize: '32',
      learningRate: '0.01',
      seed: '3',
      engine: 'tfjs',
      classWeights: 'custom',
      classWeightsText: 'rain: 3, sun: 1',
      earlyStopping: true,
      esMetric: 'val_auc',
      esMode: 'max',
      esPatience: '4',
      esMinDelta: '0.001',
      esRestoreBest: false,
      lrSchedule: 'reduce_on_plateau',
      lrPatience: '2',
      lrFactor: '0.5',
      lrMinLr: '0.0001',
      lrMetric: 'val_loss',
      featureSpec: '',
      selection: 'mutual_info',
      selectionK: '3',
      folds: '4',
      cvParallel: '2',
      search: 'tpe',
      trials: '8',
      searchMetric: 'val_auc',
      searchMode: 'max',
      searchParallel: '2',
      startupTrials: '3',
      pruning: true,
      warmupEpochs: '1',
      minTrials: '2',
    };
    const built = buildConfig(full);
    expect(built.fields).toEqual({});
    expect(built.other).toEqual([]);
    expect(built.config).toMatchObject({
      dataset: 'weather@2',
      features: ['temp_max', 'wind'],
      split: { method: 'time', column: 'date', testFraction: 0.1 },
      model: {
        type: 'mlp',
        hidden: [32, 16],
        activation: 'tanh',
        dropout: 0.1,
        batchNorm: true,
        l1: 0.001,
        l2: 0.01,
      },
      training: {
        engine: 'tfjs',
        classWeights: { rain: 3, sun: 1 },
        earlyStopping: {
          metric: 'val_auc',
          mode: 'max',
          patience: 4,
          minDelta: 0.001,
          restoreBest: false,
        },
        lrSchedule: {
          type: 'reduce_on_plateau',
          patience: 2,
          factor: 0.5,
          minLr: 0.0001,
          metric: 'val_loss',
        },
      },
      selection: { method: 'mutual_info', k: 3 },
      crossValidation: { folds: 4, parallel: 2 },
      search: {
        strategy: 'tpe',
        trials: 8,
        metric: 'val_auc',
        mode: 'max',
        parallel: 2,
        startupTrials: 3,
        pruning: { type: 'median', warmupEpochs: 1, minTrials: 2 },
      },
    });
    // The YAML the editor shows reads back into the same values: the two stay in step.
    const yaml = configYaml(built.draft);
    const back = valuesFromConfig(parseYaml(yaml), { ...base, dataset: '', target: '' });
    expect(buildConfig(back).draft).toEqual(built.draft);
    expect(back).toMatchObject({
      splitColumn: 'date',
      esRestoreBest: false,
      classWeightsText: 'rain: 3, sun: 1',
    });
  });

  it('fills the form from YAML edits, keeping a number it cannot read as text for its field to name', () => {
    const edited = configYaml({
      ...buildConfig(base).draft,
      training: { epochs: 'lots', lrSchedule: { type: 'cosine', minLr: 0.001 } },
    });
    const values = valuesFromConfig(parseYaml(edited), base);
    expect(values.epochs).toBe('lots');
    expect(values.lrSchedule).toBe('cosine');
    expect(buildConfig(values).fields.epochs).toBe("'lots' is not a number");
  });

  it('clones a recorded config without its name or fold', () => {
    const recorded = TrainConfig.parse({
      dataset: 'weather',
      target: 'weather',
      task: 'multiclass',
      name: 'old',
      crossValidation: { folds: 3, fold: 2 },
      training: { earlyStopping: { patience: 3 } },
    });
    const cloned = cloneTrainConfig(recorded) as Record<string, unknown>;
    expect(cloned).not.toHaveProperty('name');
    expect(cloned.crossValidation).toEqual({ folds: 3 });
    const values = valuesFromConfig(cloned, base);
    expect(values).toMatchObject({ folds: '3', earlyStopping: true, esPatience: '3', name: '' });
    expect(buildConfig(values).config).not.toBeNull();
  });

  it('routes Clone to the form with the run', () => {
    const route = { view: 'experiments', newRun: true, clone: 'ab/12' } as const;
    expect(routeHref(route)).toBe('#/experiments/new?clone=ab%2F12');
    expect(parseRoute(routeHref(route))).toEqual(route);
    expect(parseRoute('#/experiments?clone=x')).toEqual({ view: 'experiments', newRun: false });
  });
});

describe('Evaluate options', () => {
  it('builds what lathe eval accepts', () => {
    expect(buildEvaluateInput('r1', DEFAULT_EVALUATE_OPTIONS)).toEqual({
      input: { target: 'r1', sensitive: [] },
    });
    expect(
      buildEvaluateInput('r1', {
        data: 'rain@2',
        sensitive: ['season'],
        slices: ['wind'],
        importanceRepeats: '0',
        learningCurve: '0.25, 0.5 1',
      }),
    ).toEqual({
      input: {
        target: 'r1',
        data: 'rain@2',
        sensitive: ['season'],
        slices: ['wind'],
        importanceRepeats: 0,
        learningCurve: [0.25, 0.5, 1],
      },
    });
  });

  it('names the bad field', () => {
    expect(
      buildEvaluateInput('r1', { ...DEFAULT_EVALUATE_OPTIONS, learningCurve: '0.5, x' }),
    ).toEqual({
      errors: { learningCurve: "'x' is not a number; write fractions like 0.25, 0.5, 1" },
    });
    expect(buildEvaluateInput('r1', { ...DEFAULT_EVALUATE_OPTIONS, learningCurve: '1.5' })).toEqual(
      {
        errors: { learningCurve: 'each fraction is at most 1' },
      },
    );
    const repeats = buildEvaluateInput('r1', {
      ...DEFAULT_EVALUATE_OPTIONS,
      importanceRepeats: '99',
    });
    expect('errors' in repeats && repeats.errors.importanceRepeats).toMatch(/50/);
  });
});
