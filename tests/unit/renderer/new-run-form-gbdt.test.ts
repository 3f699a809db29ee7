import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { TrainConfig } from '../../../shared/contract';
import { cloneTrainConfig } from '../../../shared/config/clone-config';
import {
  DEFAULT_GBDT_SPACE,
  DEFAULT_SPACE,
  DEFAULT_VALUES,
  MODEL_TYPES,
  SEARCH_SUGGESTIONS,
  addSearchPath,
  buildConfig,
  configYaml,
  fieldOfPath,
  growthOf,
  spacePaths,
  valuesFromConfig,
  withModel,
  type TrainFormValues,
} from '../../../renderer/views/Experiments/train-form-model';

const base: TrainFormValues = {
  ...DEFAULT_VALUES,
  dataset: 'rain',
  target: 'target',
  task: 'binary',
  project: 'Default',
};
const gbdt: TrainFormValues = { ...base, model: 'gbdt' };

describe('the New run form: a gbdt', () => {
  it('builds a gbdt config with its options and without the networks’ training options', () => {
    // Epochs, Adam's rate, batch size, engine and a schedule the form still holds (from an mlp) stay out.
    const built = buildConfig({
      ...gbdt,
      trees: '200',
      gbdtLearningRate: '0.05',
      maxDepth: '4',
      minChildWeight: '2',
      l2: '3',
      subsample: '0.8',
      colsample: '0.5',
      maxBins: '64',
      checkpointEvery: '20',
      epochs: '7',
      learningRate: '0.01',
      batchSize: '32',
      engine: 'tfjs',
      lrSchedule: 'cosine',
      earlyStopping: true,
      esPatience: '10',
    });
    expect(built.fields).toEqual({});
    expect(built.other).toEqual([]);
    expect(built.config).toMatchObject({
      model: {
        type: 'gbdt',
        trees: 200,
        learningRate: 0.05,
        maxDepth: 4,
        minChildWeight: 2,
        l2: 3,
        subsample: 0.8,
        colsample: 0.5,
        maxBins: 64,
        checkpointEvery: 20,
      },
      training: { validationFraction: 0.2, earlyStopping: { patience: 10 } },
    });
    const training = built.config!.training as Record<string, unknown>;
    for (const key of ['epochs', 'learningRate', 'batchSize', 'engine', 'lrSchedule'])
      expect([key, training[key]]).toEqual([key, undefined]);
    const parsed = TrainConfig.parse(built.config);
    expect(parsed.model).toMatchObject({ type: 'gbdt', trees: 200, maxDepth: 4 });
    // Left empty, an option is left out: its default applies.
    expect(buildConfig(gbdt).config!.model).toEqual({ type: 'gbdt' });
  });

  it('sends a regression loss (and Huber delta with huber) only when the task regresses', () => {
    const huber = { ...gbdt, loss: 'huber', huberDelta: '0.5' } as const;
    expect(buildConfig({ ...huber, task: 'regression' }).config!.model).toEqual({
      type: 'gbdt',
      loss: 'huber',
      huberDelta: 0.5,
    });
    expect(buildConfig({ ...huber, task: 'binary' }).config!.model).toEqual({ type: 'gbdt' });
    expect(
      buildConfig({ ...huber, task: 'regression', loss: 'absolute_error' }).config!.model,
    ).toEqual({ type: 'gbdt', loss: 'absolute_error' });
  });

  it("shows the contract's refusals beside the gbdt's fields", () => {
    const fields = (values: Partial<TrainFormValues>) => buildConfig({ ...gbdt, ...values }).fields;
    expect(fields({ trees: 'many' })).toEqual({ trees: "'many' is not a number" });
    expect(Object.keys(fields({ trees: '0' }))).toEqual(['trees']);
    expect(Object.keys(fields({ trees: '2.5' }))).toEqual(['trees']);
    expect(Object.keys(fields({ gbdtLearningRate: '0' }))).toEqual(['gbdtLearningRate']);
    expect(Object.keys(fields({ subsample: '1.5' }))).toEqual(['subsample']);
    expect(Object.keys(fields({ colsample: '0' }))).toEqual(['colsample']);
    expect(Object.keys(fields({ maxBins: '5000' }))).toEqual(['maxBins']);
    expect(Object.keys(fields({ maxBins: '1' }))).toEqual(['maxBins']);
    expect(fields({ maxBins: '4096' })).toEqual({});
    expect(Object.keys(fields({ maxLeaves: '1' }))).toEqual(['maxLeaves']);
    expect(Object.keys(fields({ minChildWeight: '-1' }))).toEqual(['minChildWeight']);
    expect(fields({ maxDepth: '0' }).maxDepth).toMatch(/maxLeaves/);
    expect(fields({ maxDepth: '0', maxLeaves: '31' })).toEqual({});
    // A bad value in a field the gbdt hides is not the gbdt's problem.
    expect(fields({ epochs: 'abc', hidden: '64, x' })).toEqual({});
  });

  it('maps the gbdt option paths to their fields', () => {
    expect(fieldOfPath('model.trees')).toBe('trees');
    expect(fieldOfPath('model.learningRate')).toBe('gbdtLearningRate');
    expect(fieldOfPath('training.learningRate')).toBe('learningRate');
    expect(fieldOfPath('model.huberDelta')).toBe('huberDelta');
    expect(fieldOfPath('model.maxLeaves')).toBe('maxLeaves');
  });

  it('reads a gbdt back from its YAML, keeping the networks’ settings for a switch back', () => {
    const full: TrainFormValues = {
      ...gbdt,
      task: 'regression',
      trees: '300',
      gbdtLearningRate: '0.03',
      maxDepth: '0',
      maxLeaves: '63',
      minChildWeight: '0.5',
      minSplitGain: '0.1',
      l1: '0.2',
      l2: '2',
      subsample: '0.7',
      colsample: '0.9',
      maxBins: '128',
      loss: 'huber',
      huberDelta: '2',
      checkpointEvery: '25',
      threads: '2',
    };
    const built = buildConfig(full);
    expect(built.fields).toEqual({});
    const yaml = configYaml(built.draft);
    expect(yaml).not.toMatch(/epochs|batchSize|engine/);
    // The form held an mlp's settings before: they stay, out of the config, for when mlp is chosen again.
    const held = { ...base, epochs: '9', learningRate: '0.02', hidden: '16', lrSchedule: 'cosine' };
    const back = valuesFromConfig(parseYaml(yaml), held as TrainFormValues);
    expect(buildConfig(back).draft).toEqual(built.draft);
    expect(back).toMatchObject({
      model: 'gbdt',
      maxLeaves: '63',
      loss: 'huber',
      epochs: '9',
      learningRate: '0.02',
      hidden: '16',
      lrSchedule: 'cosine',
    });
    // An mlp's config leaves the gbdt fields as the form had them; its model is only its own options.
    const mlp = valuesFromConfig({ ...built.draft, model: { type: 'mlp' } }, full);
    expect(mlp).toMatchObject({ model: 'mlp', trees: '300', maxLeaves: '63', l2: '' });
    expect(buildConfig(mlp).config!.model).toEqual({ type: 'mlp', hidden: [64, 64] });
  });

  it("clones a recorded gbdt run: its options, and not the networks' defaults the record holds", () => {
    const recorded = TrainConfig.parse({
      dataset: 'rain',
      target: 'target',
      task: 'binary',
      name: 'trees-1',
      model: { type: 'gbdt', trees: 40, maxLeaves: 15, subsample: 0.9 },
      training: { earlyStopping: { patience: 5 } },
    });
    // The record holds training.epochs and learningRate (the contract's defaults): a gbdt ignores them.
    expect(recorded.training.epochs).toBe(20);
    const values = valuesFromConfig(cloneTrainConfig(recorded), {
      ...base,
      dataset: '',
      target: '',
    });
    expect(values).toMatchObject({ model: 'gbdt', trees: '40', maxLeaves: '15', name: '' });
    const built = buildConfig(values);
    expect(built.fields).toEqual({});
    expect(built.config!.model).toEqual({ type: 'gbdt', trees: 40, maxLeaves: 15, subsample: 0.9 });
    expect(built.config!.training).not.toHaveProperty('epochs');
    expect(TrainConfig.parse(built.config).model).toEqual(recorded.model);
  });

  it('switches the first search space and clears L1/L2 across networks and trees', () => {
    const toGbdt = withModel({ ...base, l2: '0.01', search: 'tpe' }, 'gbdt');
    expect(toGbdt).toMatchObject({ model: 'gbdt', space: DEFAULT_GBDT_SPACE, l2: '' });
    expect(withModel(toGbdt, 'mlp')).toMatchObject({ space: DEFAULT_SPACE, l2: '' });
    // An edited space is the user's: it stays.
    const own = withModel(
      { ...base, space: 'model.dropout: { type: uniform, low: 0, high: 1 }' },
      'gbdt',
    );
    expect(own.space).toBe('model.dropout: { type: uniform, low: 0, high: 1 }');
    // linear ↔ mlp: same penalties, kept.
    expect(withModel({ ...base, l2: '0.01' }, 'linear').l2).toBe('0.01');
    expect(withModel(base, 'mlp')).toBe(base);
  });

  it('says how trees grow', () => {
    expect(growthOf({ maxDepth: '', maxLeaves: '' })).toMatch(/^depth-wise.*depth 6$/);
    expect(growthOf({ maxDepth: '4', maxLeaves: '' })).toMatch(/depth 4$/);
    expect(growthOf({ maxDepth: '', maxLeaves: '31' })).toMatch(/^leaf-wise.*31 leaves/);
    expect(growthOf({ maxDepth: '0', maxLeaves: '31' })).toMatch(/no depth limit/);
  });

  it('offers only search paths the contract accepts for the model, each once', () => {
    for (const model of MODEL_TYPES) {
      const task = 'binary' as const;
      let space = '';
      for (const path of Object.keys(SEARCH_SUGGESTIONS[model])) {
        space = addSearchPath(space, model, path);
        // Added once: a second add leaves it as it is.
        expect(addSearchPath(space, model, path)).toBe(space);
        const built = buildConfig({
          ...base,
          task,
          model,
          search: 'random',
          trials: '3',
          space,
        });
        expect([model, path, built.fields, built.other]).toEqual([model, path, {}, []]);
      }
      expect(spacePaths(space)).toEqual(Object.keys(SEARCH_SUGGESTIONS[model]));
    }
    expect(Object.keys(SEARCH_SUGGESTIONS.gbdt)).toEqual(
      expect.arrayContaining(['model.trees', 'model.maxDepth', 'model.learningRate']),
    );
    // The network's paths on a gbdt are refused at the space, naming the gbdt's own.
    const wrong = buildConfig({
      ...gbdt,
      search: 'tpe',
      space: 'training.learningRate: { type: loguniform, low: 0.001, high: 0.1 }',
    });
    expect(wrong.fields.space).toMatch(/model\.learningRate/);
  });

  it('any gbdt the form holds reads back from its YAML the same, and never sends the networks’ options', () => {
    const box = fc.oneof(
      fc.constant(''),
      fc.integer({ min: -2, max: 400 }).map(String),
      fc.double({ min: -1, max: 3, noNaN: true }).map((x) => String(Number(x.toPrecision(4)))),
      fc.constantFrom('abc', '1e3', ' 7 '),
    );
    const keys = [
      'trees',
      'gbdtLearningRate',
      'maxDepth',
      'maxLeaves',
      'minChildWeight',
      'minSplitGain',
      'l1',
      'l2',
      'subsample',
      'colsample',
      'maxBins',
      'huberDelta',
      'checkpointEvery',
      'threads',
      'epochs',
      'learningRate',
      'batchSize',
    ] as const;
    const values = fc.record({
      boxes: fc.tuple(...keys.map(() => box)),
      task: fc.constantFrom(...(['binary', 'multiclass', 'regression'] as const)),
      loss: fc.constantFrom(...(['', 'squared_error', 'absolute_error', 'huber'] as const)),
      engine: fc.constantFrom(...(['', 'fused', 'tfjs'] as const)),
      lrSchedule: fc.constantFrom(...(['none', 'cosine'] as const)),
    });
    fc.assert(
      fc.property(values, ({ boxes, task, loss, engine, lrSchedule }) => {
        const v: TrainFormValues = {
          ...gbdt,
          ...Object.fromEntries(keys.map((k, i) => [k, boxes[i]!])),
          task,
          loss,
          engine,
          lrSchedule,
        };
        const built = buildConfig(v);
        const training = (built.draft.training ?? {}) as Record<string, unknown>;
        for (const key of ['epochs', 'learningRate', 'batchSize', 'engine', 'lrSchedule'])
          expect(training).not.toHaveProperty(key);
        const model = built.draft.model as Record<string, unknown>;
        if (task !== 'regression') expect(model).not.toHaveProperty('loss');
        if (built.config) expect(TrainConfig.parse(built.config).model.type).toBe('gbdt');
        else expect(Object.keys(built.fields).length + built.other.length).toBeGreaterThan(0);
        const back = valuesFromConfig(parseYaml(configYaml(built.draft)), {
          ...base,
          dataset: '',
          target: '',
        });
        expect(buildConfig(back).draft).toEqual(built.draft);
      }),
      { seed: 1414, numRuns: 150 },
    );
  });
});
