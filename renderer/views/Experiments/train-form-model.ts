import { Document, isScalar, parse as parseYaml, visit } from 'yaml';
import {
  Activation,
  TrainConfig,
  type ColumnInfo,
  type ColumnProfile,
  type Task,
  type TrainConfigInput,
} from '../../../shared/contract';

type Choice<T extends string> = T | '';

/** The model types the form offers: the networks and gradient-boosted trees. */
export type ModelType = 'linear' | 'mlp' | 'gbdt';
export const MODEL_TYPES: readonly ModelType[] = ['linear', 'mlp', 'gbdt'];

/** The regression losses a gbdt takes (shared/config/train-config.ts). */
export type GbdtLoss = 'squared_error' | 'absolute_error' | 'huber';
export const GBDT_LOSSES: readonly GbdtLoss[] = ['squared_error', 'absolute_error', 'huber'];

/**
 * The New run form's fields, one per option of the train config (shared/config/train-config.ts), as
 * typed: numbers stay strings so partial input is allowed; an empty box leaves the option out (its
 * default applies); '' in a choice means "the default".
 */
export interface TrainFormValues {
  dataset: string;
  /** '' for the latest version, or a version number or hash prefix (`@…` in the config). */
  datasetVersion: string;
  target: string;
  task: Task;
  project: string;
  /** Input columns; empty: every column but the target. */
  features: string[];
  name: string;
  experiment: string;
  splitMethod: Choice<'random' | 'stratified' | 'time' | 'group'>;
  splitColumn: string;
  testFraction: string;
  validationFraction: string;
  model: ModelType;
  hidden: string;
  activation: Choice<Activation>;
  dropout: string;
  batchNorm: boolean;
  l1: string;
  l2: string;
  /** gbdt: boosting rounds. */
  trees: string;
  /** gbdt: shrinkage (`model.learningRate`; the networks' Adam rate is `learningRate`). */
  gbdtLearningRate: string;
  maxDepth: string;
  /** gbdt: set, trees grow leaf-wise; empty, depth-wise. */
  maxLeaves: string;
  minChildWeight: string;
  minSplitGain: string;
  subsample: string;
  colsample: string;
  maxBins: string;
  /** gbdt, regression only. */
  loss: Choice<GbdtLoss>;
  /** gbdt with loss huber. */
  huberDelta: string;
  checkpointEvery: string;
  threads: string;
  epochs: string;
  batchSize: string;
  learningRate: string;
  seed: string;
  engine: Choice<'auto' | 'fused' | 'tfjs'>;
  /** none, balanced, or per class as `class: weight, …` in classWeightsText. */
  classWeights: 'none' | 'balanced' | 'custom';
  classWeightsText: string;
  earlyStopping: boolean;
  esMetric: string;
  esMode: Choice<'min' | 'max'>;
  esPatience: string;
  esMinDelta: string;
  esRestoreBest: boolean;
  lrSchedule: 'none' | 'step' | 'cosine' | 'reduce_on_plateau';
  lrEvery: string;
  lrFactor: string;
  lrMinLr: string;
  lrPatience: string;
  lrMetric: string;
  /** A feature spec as YAML; empty: Lathe's default preprocessing. */
  featureSpec: string;
  selection: 'none' | 'variance' | 'correlation' | 'mutual_info' | 'permutation';
  selectionThreshold: string;
  selectionK: string;
  /** Cross-validation folds; empty: none. */
  folds: string;
  cvParallel: string;
  /** none, or a search strategy. */
  search: 'none' | 'grid' | 'random' | 'tpe';
  trials: string;
  /** The search space as YAML: `path: {type, ...}` per line. */
  space: string;
  searchMetric: string;
  searchMode: Choice<'min' | 'max'>;
  searchParallel: string;
  gridPoints: string;
  startupTrials: string;
  pruning: boolean;
  warmupEpochs: string;
  minTrials: string;
}

export type FieldKey = keyof TrainFormValues;
/** A message per form field that holds a bad value. */
export type FieldErrors = Partial<Record<FieldKey, string>>;

/** A first search space: the learning rate on a log scale, and the mlp's dropout. */
export const DEFAULT_SPACE = `training.learningRate: { type: loguniform, low: 0.0001, high: 0.1 }
model.dropout: { type: uniform, low: 0, high: 0.5 }
`;

/** A gbdt's first search space: its shrinkage on a log scale, and how deep its trees grow. */
export const DEFAULT_GBDT_SPACE = `model.learningRate: { type: loguniform, low: 0.01, high: 0.3 }
model.maxDepth: { type: int, low: 3, high: 10 }
`;

/** The first search space for a model type. */
export const defaultSpaceOf = (model: ModelType): string =>
  model === 'gbdt' ? DEFAULT_GBDT_SPACE : DEFAULT_SPACE;

/**
 * The search paths the form offers for each model type, each with a first range (one YAML line to add
 * to the space): what the model's training reads, so no path offered is one the contract refuses.
 */
export const SEARCH_SUGGESTIONS: Record<ModelType, Readonly<Record<string, string>>> = {
  linear: {
    'training.learningRate': '{ type: loguniform, low: 0.0001, high: 0.1 }',
    'training.batchSize': '{ type: choice, values: [32, 64, 128, 256] }',
    'model.l1': '{ type: loguniform, low: 0.00001, high: 0.01 }',
    'model.l2': '{ type: loguniform, low: 0.00001, high: 0.01 }',
    'training.epochs': '{ type: int, low: 10, high: 100 }',
  },
  mlp: {
    'training.learningRate': '{ type: loguniform, low: 0.0001, high: 0.1 }',
    'model.hidden': '{ type: choice, values: [[32], [64, 64], [128, 64]] }',
    'model.dropout': '{ type: uniform, low: 0, high: 0.5 }',
    'model.activation': '{ type: choice, values: [relu, tanh, gelu] }',
    'training.batchSize': '{ type: choice, values: [32, 64, 128, 256] }',
    'model.l2': '{ type: loguniform, low: 0.00001, high: 0.01 }',
    'training.epochs': '{ type: int, low: 10, high: 100 }',
  },
  gbdt: {
    'model.learningRate': '{ type: loguniform, low: 0.01, high: 0.3 }',
    'model.maxDepth': '{ type: int, low: 3, high: 10 }',
    'model.trees': '{ type: int, low: 50, high: 500, log: true }',
    'model.maxLeaves': '{ type: int, low: 8, high: 256, log: true }',
    'model.minChildWeight': '{ type: loguniform, low: 0.1, high: 20 }',
    'model.minSplitGain': '{ type: uniform, low: 0, high: 1 }',
    'model.l1': '{ type: uniform, low: 0, high: 1 }',
    'model.l2': '{ type: loguniform, low: 0.1, high: 10 }',
    'model.subsample': '{ type: uniform, low: 0.5, high: 1 }',
    'model.colsample': '{ type: uniform, low: 0.5, high: 1 }',
    'model.maxBins': '{ type: choice, values: [64, 128, 256] }',
  },
};

/** The paths a search space names (its top-level keys), read leniently from its YAML text. */
export function spacePaths(space: string): string[] {
  try {
    const value: unknown = parseYaml(space);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.keys(value)
      : [];
  } catch {
    return [];
  }
}

/** The space with `path` added at its first range (unchanged when it already names the path). */
export function addSearchPath(space: string, model: ModelType, path: string): string {
  const range = SEARCH_SUGGESTIONS[model][path];
  if (!range || spacePaths(space).includes(path)) return space;
  const body = space.trimEnd();
  return `${body ? `${body}\n` : ''}${path}: ${range}\n`;
}

const isGbdt = (model: ModelType) => model === 'gbdt';

/**
 * The values with another model type chosen. The search space follows when it is still the old type's
 * first one; L1/L2 are cleared across the networks/trees line (a kernel penalty and a leaf-weight penalty
 * differ in scale: L2 0.01 on a network is not L2 0.01 on leaves, whose default is 1).
 */
export function withModel(values: TrainFormValues, model: ModelType): TrainFormValues {
  if (values.model === model) return values;
  const next = { ...values, model };
  if (values.space.trim() === defaultSpaceOf(values.model).trim())
    next.space = defaultSpaceOf(model);
  if (isGbdt(values.model) !== isGbdt(model)) {
    next.l1 = '';
    next.l2 = '';
  }
  return next;
}

/** How a gbdt's trees grow, in words: depth-wise to maxDepth, or leaf-wise up to maxLeaves. */
export function growthOf(values: Pick<TrainFormValues, 'maxDepth' | 'maxLeaves'>): string {
  const depth = values.maxDepth.trim();
  const leaves = values.maxLeaves.trim();
  if (!leaves)
    return `depth-wise: every leaf splits, level by level, to depth ${depth === '0' ? '(none set: give max leaves)' : depth || '6'}`;
  const bound = depth === '0' ? 'no depth limit' : `depth at most ${depth || '6'}`;
  return `leaf-wise: the best leaf splits first, up to ${leaves} leaves (${bound})`;
}

export const DEFAULT_VALUES: Omit<TrainFormValues, 'dataset' | 'target' | 'project'> = {
  datasetVersion: '',
  task: 'multiclass',
  features: [],
  name: '',
  experiment: '',
  splitMethod: '',
  splitColumn: '',
  // A fifth of the rows held out for evaluation: a run from the form can be evaluated on test rows.
  testFraction: '0.2',
  validationFraction: '0.2',
  model: 'mlp',
  hidden: '64, 64',
  activation: '',
  dropout: '',
  batchNorm: false,
  l1: '',
  l2: '',
  // A gbdt's options start empty: their defaults (shown as placeholders) apply.
  trees: '',
  gbdtLearningRate: '',
  maxDepth: '',
  maxLeaves: '',
  minChildWeight: '',
  minSplitGain: '',
  subsample: '',
  colsample: '',
  maxBins: '',
  loss: '',
  huberDelta: '',
  checkpointEvery: '',
  threads: '',
  epochs: '20',
  // Empty: Lathe picks it (256, or smaller on small data).
  batchSize: '',
  learningRate: '0.001',
  seed: '42',
  engine: '',
  classWeights: 'none',
  classWeightsText: '',
  earlyStopping: false,
  esMetric: 'val_loss',
  esMode: '',
  esPatience: '5',
  esMinDelta: '',
  esRestoreBest: true,
  lrSchedule: 'none',
  lrEvery: '10',
  lrFactor: '0.5',
  lrMinLr: '',
  lrPatience: '3',
  lrMetric: '',
  featureSpec: '',
  selection: 'none',
  selectionThreshold: '',
  selectionK: '',
  folds: '',
  cvParallel: '',
  search: 'none',
  trials: '20',
  space: DEFAULT_SPACE,
  searchMetric: '',
  searchMode: '',
  searchParallel: '',
  gridPoints: '',
  startupTrials: '',
  pruning: false,
  warmupEpochs: '',
  minTrials: '',
};

/** Column names people give a target, most telling first (compared without case, `_`, `-` or spaces). */
const TARGET_NAMES = [
  'target',
  'label',
  'labels',
  'y',
  'class',
  'outcome',
  'response',
  'result',
  'truth',
  'groundtruth',
  'dependent',
];

/**
 * What the well-known tables predict (iris and penguins, titanic, cars, house prices, wine, breast cancer,
 * churn, adult income, insurance, credit default, fraud, Boston housing): next best after TARGET_NAMES.
 */
const KNOWN_TARGETS = [
  'species',
  'survived',
  'milespergallon',
  'mpg',
  'saleprice',
  'price',
  'quality',
  'diagnosis',
  'churn',
  'exited',
  'income',
  'charges',
  'default',
  'isfraud',
  'fraud',
  'medv',
];

const normalize = (name: string) => name.toLowerCase().replace(/[\s_-]+/g, '');

/**
 * The column a user most likely predicts: one named like a target (target, label, y, class, outcome, …),
 * then what well-known tables predict (species, survived, Miles_per_Gallon, price, …), then one whose name
 * ends in a target word (`churn_label`, `is_target`), else the last column.
 */
export function guessTarget(columns: readonly ColumnInfo[]): ColumnInfo | undefined {
  for (const word of [...TARGET_NAMES, ...KNOWN_TARGETS]) {
    const hit = columns.find((c) => normalize(c.name) === word);
    if (hit) return hit;
  }
  const suffixed = columns.find((c) => /(^|[_\s-])(target|label|class|outcome)$/i.test(c.name));
  return suffixed ?? columns[columns.length - 1];
}

/** At most this many distinct integers make an integer target classes rather than a quantity. */
export const MAX_INTEGER_CLASSES = 20;

const INTEGER_TYPE = /^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|INT\d+|UINT\d+|LONG|SHORT)$/i;

/**
 * A task for a target column, from its values when its profile is known: two distinct values are binary
 * (0/1 integers, yes/no), a few distinct integers or any text are multiclass, and other numbers (floats,
 * or many integers) regress. Without a profile: booleans binary, numbers regression, the rest multiclass.
 */
export function guessTask(
  column: ColumnInfo | undefined,
  profile?: Pick<ColumnProfile, 'distinctCount' | 'type' | 'kind'>,
): Task {
  if (!column) return 'multiclass';
  if (column.kind === 'boolean') return 'binary';
  if (profile) {
    if (profile.distinctCount === 2) return 'binary';
    if (column.kind === 'numeric') {
      const integer = INTEGER_TYPE.test(profile.type.trim());
      return integer && profile.distinctCount <= MAX_INTEGER_CLASSES ? 'multiclass' : 'regression';
    }
    return 'multiclass';
  }
  if (column.kind === 'numeric') return 'regression';
  return 'multiclass';
}

/** Where each field sits in the config: a zod issue at (or under) the path belongs to that field. */
export const FIELD_PATHS: Partial<Record<FieldKey, string>> = {
  dataset: 'dataset',
  target: 'target',
  task: 'task',
  project: 'project',
  features: 'features',
  name: 'name',
  experiment: 'experiment',
  splitMethod: 'split.method',
  splitColumn: 'split.column',
  testFraction: 'split.testFraction',
  validationFraction: 'training.validationFraction',
  model: 'model.type',
  hidden: 'model.hidden',
  activation: 'model.activation',
  dropout: 'model.dropout',
  batchNorm: 'model.batchNorm',
  l1: 'model.l1',
  l2: 'model.l2',
  trees: 'model.trees',
  gbdtLearningRate: 'model.learningRate',
  maxDepth: 'model.maxDepth',
  maxLeaves: 'model.maxLeaves',
  minChildWeight: 'model.minChildWeight',
  minSplitGain: 'model.minSplitGain',
  subsample: 'model.subsample',
  colsample: 'model.colsample',
  maxBins: 'model.maxBins',
  loss: 'model.loss',
  huberDelta: 'model.huberDelta',
  checkpointEvery: 'model.checkpointEvery',
  threads: 'model.threads',
  epochs: 'training.epochs',
  batchSize: 'training.batchSize',
  learningRate: 'training.learningRate',
  seed: 'seed',
  engine: 'training.engine',
  classWeightsText: 'training.classWeights',
  esMetric: 'training.earlyStopping.metric',
  esMode: 'training.earlyStopping.mode',
  esPatience: 'training.earlyStopping.patience',
  esMinDelta: 'training.earlyStopping.minDelta',
  esRestoreBest: 'training.earlyStopping.restoreBest',
  lrSchedule: 'training.lrSchedule.type',
  lrEvery: 'training.lrSchedule.every',
  lrFactor: 'training.lrSchedule.factor',
  lrMinLr: 'training.lrSchedule.minLr',
  lrPatience: 'training.lrSchedule.patience',
  lrMetric: 'training.lrSchedule.metric',
  featureSpec: 'featureSpec',
  selection: 'selection.method',
  selectionThreshold: 'selection.threshold',
  selectionK: 'selection.k',
  folds: 'crossValidation.folds',
  cvParallel: 'crossValidation.parallel',
  search: 'search.strategy',
  trials: 'search.trials',
  space: 'search.space',
  searchMetric: 'search.metric',
  searchMode: 'search.mode',
  searchParallel: 'search.parallel',
  gridPoints: 'search.gridPoints',
  startupTrials: 'search.startupTrials',
  warmupEpochs: 'search.pruning.warmupEpochs',
  minTrials: 'search.pruning.minTrials',
};

/** Fields that hold a whole block of the config: a problem inside names its place in the block. */
const BLOCK_FIELDS = new Set<FieldKey>(['space', 'featureSpec', 'classWeightsText']);

/** The field a config path belongs to: the longest field path that is it or encloses it. */
export function fieldOfPath(path: string): FieldKey | null {
  let best: FieldKey | null = null;
  let bestLength = -1;
  for (const [key, at] of Object.entries(FIELD_PATHS) as [FieldKey, string][]) {
    const covers = path === at || path.startsWith(`${at}.`);
    if (covers && at.length > bestLength) {
      best = key;
      bestLength = at.length;
    }
  }
  // A whole block that failed (e.g. `training.lrSchedule` itself) shows at its first field.
  if (!best) {
    const inside = (Object.entries(FIELD_PATHS) as [FieldKey, string][]).find(([, at]) =>
      at.startsWith(`${path}.`),
    );
    if (inside) best = inside[0];
  }
  return best;
}

/** A form built into a config: the draft shown as YAML, and what is wrong with it, by field. */
export interface BuiltConfig {
  /** The config as the form states it (numbers the form could not read stay text). */
  draft: Record<string, unknown>;
  /** The config to start, when nothing is wrong. */
  config: TrainConfigInput | null;
  fields: FieldErrors;
  /** Problems no field shows (e.g. an option the YAML names that the config does not have). */
  other: string[];
}

type Draft = Record<string, unknown>;

/** The number in a box; empty: undefined (the option is left out); otherwise the text itself (invalid). */
function readNumber(text: string, key: FieldKey, errors: FieldErrors): number | string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const n = Number(trimmed);
  if (Number.isFinite(n)) return n;
  errors[key] = `'${trimmed}' is not a number`;
  return trimmed;
}

/** A YAML mapping typed in a text area (search space, feature spec); empty: undefined. */
function readMapping(text: string, key: FieldKey, errors: FieldErrors): unknown {
  if (!text.trim()) return undefined;
  try {
    const value: unknown = parseYaml(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      errors[key] = 'write a YAML mapping (name: value per line)';
      return text;
    }
    return value;
  } catch (err) {
    errors[key] = `not valid YAML: ${(err as Error).message.split('\n')[0]}`;
    return text;
  }
}

/** `class: weight` pairs separated by commas or lines. */
function readClassWeights(text: string, errors: FieldErrors): Record<string, number | string> {
  const weights: Record<string, number | string> = {};
  for (const pair of text.split(/[,\n]/).map((p) => p.trim())) {
    if (!pair) continue;
    const at = pair.lastIndexOf(':');
    const cls = at < 0 ? '' : pair.slice(0, at).trim();
    if (!cls) {
      errors.classWeightsText = `'${pair}': write class: weight`;
      continue;
    }
    const weight = readNumber(pair.slice(at + 1), 'classWeightsText', errors);
    weights[cls] = weight ?? '';
  }
  if (!Object.keys(weights).length && !errors.classWeightsText)
    errors.classWeightsText = 'name a weight per class, e.g. yes: 3, no: 1';
  return weights;
}

/** Leaves out the keys whose value is undefined, so the YAML shows only what is set. */
function compact(entries: Draft): Draft {
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined));
}

/** The config the form's values state, unchecked (bad numbers stay text). */
function draftOf(v: TrainFormValues, errors: FieldErrors): Draft {
  const n = (key: FieldKey) => readNumber(v[key] as string, key, errors);
  const mlp = v.model === 'mlp';
  const hiddenParts = v.hidden.split(/[\s,]+/).filter(Boolean);
  const hidden = hiddenParts.map((s) => (Number.isFinite(Number(s)) ? Number(s) : s));
  if (mlp && hiddenParts.some((s) => !Number.isFinite(Number(s))))
    errors.hidden = 'layer sizes are whole numbers, e.g. 64, 32';
  const gbdt = v.model === 'gbdt';
  const loss = gbdt && v.task === 'regression' && v.loss ? v.loss : undefined;
  const model = gbdt
    ? compact({
        type: v.model,
        trees: n('trees'),
        learningRate: n('gbdtLearningRate'),
        maxDepth: n('maxDepth'),
        maxLeaves: n('maxLeaves'),
        minChildWeight: n('minChildWeight'),
        minSplitGain: n('minSplitGain'),
        l1: n('l1'),
        l2: n('l2'),
        subsample: n('subsample'),
        colsample: n('colsample'),
        maxBins: n('maxBins'),
        loss,
        huberDelta: loss === 'huber' ? n('huberDelta') : undefined,
        checkpointEvery: n('checkpointEvery'),
        threads: n('threads'),
      })
    : compact({
        type: v.model,
        hidden: mlp && hidden.length ? hidden : undefined,
        activation: mlp && v.activation ? v.activation : undefined,
        dropout: mlp ? n('dropout') : undefined,
        batchNorm: mlp && v.batchNorm ? true : undefined,
        l1: n('l1'),
        l2: n('l2'),
      });
  // A gbdt trains model.trees rounds at model.learningRate: the networks' epochs, batches, Adam rate,
  // engine and schedule are left out (the contract refuses those it cannot ignore).
  const training = compact({
    epochs: gbdt ? undefined : n('epochs'),
    batchSize: gbdt ? undefined : n('batchSize'),
    learningRate: gbdt ? undefined : n('learningRate'),
    validationFraction: n('validationFraction'),
    engine: gbdt ? undefined : v.engine || undefined,
    classWeights:
      v.classWeights === 'balanced'
        ? 'balanced'
        : v.classWeights === 'custom'
          ? readClassWeights(v.classWeightsText, errors)
          : undefined,
    earlyStopping: v.earlyStopping
      ? compact({
          metric: v.esMetric.trim() || undefined,
          mode: v.esMode || undefined,
          patience: n('esPatience'),
          minDelta: n('esMinDelta'),
          restoreBest: v.esRestoreBest,
        })
      : undefined,
    lrSchedule: gbdt
      ? undefined
      : v.lrSchedule === 'step'
        ? { type: 'step', every: n('lrEvery'), factor: n('lrFactor') }
        : v.lrSchedule === 'cosine'
          ? compact({ type: 'cosine', minLr: n('lrMinLr') })
          : v.lrSchedule === 'reduce_on_plateau'
            ? compact({
                type: 'reduce_on_plateau',
                patience: n('lrPatience'),
                factor: n('lrFactor'),
                minLr: n('lrMinLr'),
                metric: v.lrMetric.trim() || undefined,
              })
            : undefined,
  });
  const split = compact({
    method: v.splitMethod || undefined,
    column:
      v.splitMethod === 'time' || v.splitMethod === 'group'
        ? v.splitColumn.trim() || undefined
        : undefined,
    testFraction: n('testFraction'),
  });
  const search =
    v.search === 'none'
      ? undefined
      : compact({
          strategy: v.search,
          trials: n('trials'),
          metric: v.searchMetric.trim() || undefined,
          mode: v.searchMode || undefined,
          parallel: n('searchParallel'),
          gridPoints: v.search === 'grid' ? n('gridPoints') : undefined,
          startupTrials: v.search === 'tpe' ? n('startupTrials') : undefined,
          pruning: v.pruning
            ? compact({
                type: 'median',
                warmupEpochs: n('warmupEpochs'),
                minTrials: n('minTrials'),
              })
            : undefined,
          space: readMapping(v.space, 'space', errors) ?? {},
        });
  const version = v.datasetVersion.trim().replace(/^@/, '');
  return compact({
    dataset: version ? `${v.dataset}@${version}` : v.dataset,
    target: v.target,
    task: v.task,
    features: v.features.length ? v.features : undefined,
    model,
    training,
    seed: n('seed'),
    split: Object.keys(split).length ? split : undefined,
    featureSpec: readMapping(v.featureSpec, 'featureSpec', errors),
    selection:
      v.selection === 'none'
        ? undefined
        : compact({ method: v.selection, threshold: n('selectionThreshold'), k: n('selectionK') }),
    name: v.name.trim() || undefined,
    experiment: v.experiment.trim() || undefined,
    project: v.project || undefined,
    crossValidation: v.folds.trim()
      ? compact({ folds: n('folds'), parallel: n('cvParallel') })
      : undefined,
    search,
  });
}

/** Checks a config (from the form or the YAML) with the contract; each issue goes to its field. */
export function checkConfig(draft: unknown, fields: FieldErrors = {}): BuiltConfig {
  const other: string[] = [];
  const parsed = TrainConfig.safeParse(draft);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.map(String).join('.');
      const key = fieldOfPath(path);
      // Inside a field that holds a block (search space, feature spec): say where in it.
      const inner =
        key && BLOCK_FIELDS.has(key) ? path.slice((FIELD_PATHS[key] ?? '').length + 1) : '';
      if (key && !fields[key]) fields[key] = inner ? `${inner}: ${issue.message}` : issue.message;
      else if (!key) other.push(path ? `${path}: ${issue.message}` : issue.message);
    }
  }
  const ok = parsed.success && Object.keys(fields).length === 0 && other.length === 0;
  return {
    draft: (draft ?? {}) as Draft,
    config: ok ? (draft as TrainConfigInput) : null,
    fields,
    other,
  };
}

/** Builds the TrainConfig the values state, with a message per field the contract or a box rejects. */
export function buildConfig(v: TrainFormValues): BuiltConfig {
  const fields: FieldErrors = {};
  return checkConfig(draftOf(v, fields), fields);
}

/** The config as the YAML editor shows it; lists of plain values on one line (`hidden: [64, 64]`). */
export function configYaml(draft: unknown): string {
  const doc = new Document(draft);
  visit(doc, {
    Seq(_, node) {
      if (node.items.every((item) => isScalar(item))) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

const isRecord = (x: unknown): x is Record<string, unknown> =>
  x !== null && typeof x === 'object' && !Array.isArray(x);
const text = (x: unknown): string =>
  x === undefined || x === null
    ? ''
    : typeof x === 'string'
      ? x
      : typeof x === 'number' || typeof x === 'boolean'
        ? String(x)
        : JSON.stringify(x);
function pick<T extends string>(x: unknown, allowed: readonly T[], fallback: T): T {
  return allowed.includes(x as T) ? (x as T) : fallback;
}
const yamlOf = (x: unknown) => (isRecord(x) && Object.keys(x).length ? configYaml(x) : '');

/**
 * The form's values for a config (a run's recorded config, a stored one, or the YAML editor's): every
 * option it sets fills its field, the rest take `base`'s. Lenient: a value of the wrong type is shown as
 * text, for the form to name.
 */
export function valuesFromConfig(raw: unknown, base: TrainFormValues): TrainFormValues {
  if (!isRecord(raw)) return base;
  const model = isRecord(raw.model) ? raw.model : {};
  const training = isRecord(raw.training) ? raw.training : {};
  const split = isRecord(raw.split) ? raw.split : {};
  const es = isRecord(training.earlyStopping) ? training.earlyStopping : null;
  const lr = isRecord(training.lrSchedule) ? training.lrSchedule : null;
  const selection = isRecord(raw.selection) ? raw.selection : null;
  const cv = isRecord(raw.crossValidation) ? raw.crossValidation : null;
  const search = isRecord(raw.search) ? raw.search : null;
  const pruning = search && isRecord(search.pruning) ? search.pruning : null;
  const weights = training.classWeights;
  const [dataset = '', version = ''] = text(raw.dataset).split('@');
  const d = DEFAULT_VALUES;
  const type = pick(model.type, MODEL_TYPES, 'mlp');
  const gbdtText = (x: unknown, key: FieldKey) =>
    type === 'gbdt' ? text(x) : (base[key] as string);
  const values: TrainFormValues = {
    ...base,
    dataset,
    datasetVersion: version,
    target: text(raw.target),
    task: pick(raw.task, ['binary', 'multiclass', 'regression'], base.task),
    project: typeof raw.project === 'string' ? raw.project : base.project,
    features: Array.isArray(raw.features) ? raw.features.map(text) : [],
    name: text(raw.name),
    experiment: text(raw.experiment),
    splitMethod: pick(split.method, ['random', 'stratified', 'time', 'group'], ''),
    splitColumn: text(split.column),
    // Left out of a config: none held out (the contract's default), not the form's fifth.
    testFraction: 'testFraction' in split ? text(split.testFraction) : '',
    validationFraction: text(training.validationFraction),
    model: type,
    hidden: Array.isArray(model.hidden)
      ? model.hidden.map(text).join(', ')
      : type === 'mlp'
        ? d.hidden
        : base.hidden,
    activation: pick(model.activation, Activation.options, ''),
    dropout: text(model.dropout),
    batchNorm: model.batchNorm === true,
    l1: text(model.l1),
    l2: text(model.l2),
    trees: gbdtText(model.trees, 'trees'),
    gbdtLearningRate: gbdtText(model.learningRate, 'gbdtLearningRate'),
    maxDepth: gbdtText(model.maxDepth, 'maxDepth'),
    maxLeaves: gbdtText(model.maxLeaves, 'maxLeaves'),
    minChildWeight: gbdtText(model.minChildWeight, 'minChildWeight'),
    minSplitGain: gbdtText(model.minSplitGain, 'minSplitGain'),
    subsample: gbdtText(model.subsample, 'subsample'),
    colsample: gbdtText(model.colsample, 'colsample'),
    maxBins: gbdtText(model.maxBins, 'maxBins'),
    loss: type === 'gbdt' ? pick(model.loss, GBDT_LOSSES, '') : base.loss,
    huberDelta: gbdtText(model.huberDelta, 'huberDelta'),
    checkpointEvery: gbdtText(model.checkpointEvery, 'checkpointEvery'),
    threads: gbdtText(model.threads, 'threads'),
    epochs: text(training.epochs),
    batchSize: text(training.batchSize),
    learningRate: text(training.learningRate),
    seed: text(raw.seed),
    engine: pick(training.engine, ['auto', 'fused', 'tfjs'], ''),
    classWeights: weights === 'balanced' ? 'balanced' : isRecord(weights) ? 'custom' : 'none',
    classWeightsText: isRecord(weights)
      ? Object.entries(weights)
          .map(([k, w]) => `${k}: ${text(w)}`)
          .join(', ')
      : '',
    earlyStopping: es !== null,
    esMetric: es ? text(es.metric) || d.esMetric : d.esMetric,
    esMode: pick(es?.mode, ['min', 'max'], ''),
    esPatience: es ? text(es.patience) : d.esPatience,
    esMinDelta: es ? text(es.minDelta) : '',
    esRestoreBest: es ? es.restoreBest !== false : true,
    lrSchedule: pick(lr?.type, ['step', 'cosine', 'reduce_on_plateau'], 'none'),
    lrEvery: lr && 'every' in lr ? text(lr.every) : d.lrEvery,
    lrFactor: lr && 'factor' in lr ? text(lr.factor) : d.lrFactor,
    lrMinLr: lr ? text(lr.minLr) : '',
    lrPatience: lr && 'patience' in lr ? text(lr.patience) : d.lrPatience,
    lrMetric: lr ? text(lr.metric) : '',
    featureSpec: yamlOf(raw.featureSpec),
    selection: pick(
      selection?.method,
      ['variance', 'correlation', 'mutual_info', 'permutation'],
      'none',
    ),
    selectionThreshold: selection ? text(selection.threshold) : '',
    selectionK: selection ? text(selection.k) : '',
    folds: cv ? text(cv.folds) : '',
    cvParallel: cv ? text(cv.parallel) : '',
    search: search ? pick(search.strategy, ['grid', 'random', 'tpe'], 'tpe') : 'none',
    trials: search ? text(search.trials) : base.trials,
    space: search ? yamlOf(search.space) : base.space,
    searchMetric: search ? text(search.metric) : '',
    searchMode: pick(search?.mode, ['min', 'max'], ''),
    searchParallel: search ? text(search.parallel) : '',
    gridPoints: search ? text(search.gridPoints) : '',
    startupTrials: search ? text(search.startupTrials) : '',
    pruning: pruning !== null,
    warmupEpochs: pruning ? text(pruning.warmupEpochs) : '',
    minTrials: pruning ? text(pruning.minTrials) : '',
  };
  if (type !== 'gbdt') return values;
  // A gbdt's config leaves the networks' options out: the form keeps what it had for them, so choosing
  // mlp again brings them back.
  for (const key of NET_FIELDS)
    if (valueAt(raw, FIELD_PATHS[key]!) === undefined) Object.assign(values, { [key]: base[key] });
  return values;
}

/** The fields only the networks (linear, mlp) use; a gbdt's config does not set them. */
const NET_FIELDS: readonly FieldKey[] = [
  'hidden',
  'activation',
  'dropout',
  'batchNorm',
  'epochs',
  'batchSize',
  'learningRate',
  'engine',
  'lrSchedule',
  'lrEvery',
  'lrFactor',
  'lrMinLr',
  'lrPatience',
  'lrMetric',
];

/** The value at a dotted path of a mapping; undefined where any step is missing. */
function valueAt(raw: unknown, path: string): unknown {
  let at = raw;
  for (const key of path.split('.')) {
    if (!isRecord(at)) return undefined;
    at = at[key];
  }
  return at;
}
