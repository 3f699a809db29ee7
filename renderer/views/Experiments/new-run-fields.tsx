import type { ColumnInfo } from '../../../shared/contract';
import {
  Checkbox,
  FormField,
  MultiSelectField,
  SelectField,
  TextAreaField,
  TextField,
  type TextFieldProps,
} from '../../components/form-field';
import { plainOptions, type Option } from '../../components/options';
import {
  GBDT_LOSSES,
  SEARCH_SUGGESTIONS,
  addSearchPath,
  growthOf,
  spacePaths,
  type FieldErrors,
  type FieldKey,
  type TrainFormValues,
} from './train-form-model';

type TextKey = {
  [K in FieldKey]: TrainFormValues[K] extends string ? K : never;
}[FieldKey];

/** The form's one-line boxes: caption and input; `data-testid` is `new-run-` and the key in kebab-case. */
const TEXT_FIELDS: Partial<Record<TextKey, Omit<TextFieldProps, 'value' | 'onChange'>>> = {
  testFraction: {
    label: 'Test fraction',
    hint: '(held out)',
    numeric: 'decimal',
    placeholder: '0',
  },
  validationFraction: { label: 'Validation fraction', numeric: 'decimal', placeholder: '0.2' },
  splitColumn: { label: 'Split column' },
  datasetVersion: { label: 'Version', hint: '(empty: latest)', placeholder: 'latest' },
  name: { label: 'Run name', hint: '(optional)', grow: true, placeholder: 'dataset-model-n' },
  experiment: { label: 'Experiment', hint: '(empty: the dataset name)', grow: true },
  hidden: { label: 'Hidden sizes', placeholder: '64, 64' },
  dropout: { label: 'Dropout', numeric: 'decimal', placeholder: '0' },
  l1: { label: 'L1', numeric: 'decimal', placeholder: '0' },
  l2: { label: 'L2', numeric: 'decimal', placeholder: '0' },
  trees: { label: 'Trees', hint: '(rounds)', numeric: 'numeric', placeholder: '100' },
  gbdtLearningRate: { label: 'Learning rate', numeric: 'decimal', placeholder: '0.1' },
  maxDepth: { label: 'Max depth', numeric: 'numeric', placeholder: '6' },
  maxLeaves: { label: 'Max leaves', numeric: 'numeric', placeholder: 'depth-wise' },
  minChildWeight: { label: 'Min child weight', numeric: 'decimal', placeholder: '1' },
  minSplitGain: { label: 'Min split gain', numeric: 'decimal', placeholder: '0' },
  subsample: { label: 'Row subsample', numeric: 'decimal', placeholder: '1' },
  colsample: { label: 'Column subsample', numeric: 'decimal', placeholder: '1' },
  maxBins: { label: 'Max bins', numeric: 'numeric', placeholder: '256' },
  huberDelta: { label: 'Huber delta', numeric: 'decimal', placeholder: '1' },
  checkpointEvery: {
    label: 'Checkpoint every',
    hint: '(rounds)',
    numeric: 'numeric',
    placeholder: '10',
  },
  threads: { label: 'Threads', numeric: 'numeric', placeholder: 'cores' },
  epochs: { label: 'Epochs', numeric: 'numeric', placeholder: '20' },
  batchSize: { label: 'Batch size', numeric: 'numeric', placeholder: 'auto' },
  learningRate: { label: 'Learning rate', numeric: 'decimal', placeholder: '0.001' },
  seed: { label: 'Seed', numeric: 'numeric', placeholder: '42' },
  classWeightsText: { label: 'Weights', grow: true, placeholder: 'yes: 3, no: 1' },
  esMetric: { label: 'Metric', placeholder: 'val_loss' },
  esPatience: { label: 'Patience', hint: '(epochs)', numeric: 'numeric' },
  esMinDelta: { label: 'Min delta', numeric: 'decimal', placeholder: '0' },
  lrEvery: { label: 'Every', hint: '(epochs)', numeric: 'numeric' },
  lrFactor: { label: 'Factor', numeric: 'decimal' },
  lrMinLr: { label: 'Min LR', numeric: 'decimal', placeholder: '0' },
  lrPatience: { label: 'Patience', hint: '(epochs)', numeric: 'numeric' },
  lrMetric: { label: 'Metric', placeholder: 'val_loss' },
  selectionThreshold: { label: 'Threshold', numeric: 'decimal', placeholder: 'default' },
  selectionK: { label: 'Keep', hint: '(features)', numeric: 'numeric', placeholder: 'half' },
  folds: {
    label: 'Folds',
    hint: '(empty: one validation split)',
    numeric: 'numeric',
    placeholder: 'none',
  },
  cvParallel: { label: 'Parallel folds', numeric: 'numeric', placeholder: 'cores' },
  trials: { label: 'Trials', numeric: 'numeric' },
  searchMetric: { label: 'Optimize', placeholder: 'by task' },
  searchParallel: { label: 'Parallel trials', numeric: 'numeric', placeholder: 'cores' },
  gridPoints: { label: 'Grid points', numeric: 'numeric', placeholder: '5' },
  startupTrials: { label: 'Random first', hint: '(trials)', numeric: 'numeric', placeholder: '5' },
  warmupEpochs: { label: 'Warm-up epochs', numeric: 'numeric', placeholder: '2' },
  minTrials: { label: 'Min trials', numeric: 'numeric', placeholder: '3' },
};

export const testIdOf = (key: FieldKey) =>
  `new-run-${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

const withDefault = (label: string, values: readonly string[]): Option[] => [
  { value: '', label },
  ...plainOptions(values),
];

export interface FieldsProps {
  values: TrainFormValues;
  set: <K extends FieldKey>(key: K, value: TrainFormValues[K]) => void;
  /** Messages to show beside their fields. */
  errors: FieldErrors;
  columns: readonly ColumnInfo[];
}

/** Builds the form's controls over one set of values, each with its error beside it. */
function controls({ values, set, errors }: FieldsProps) {
  const text = (
    key: TextKey,
    props: { disabled?: boolean; hint?: string; label?: string; placeholder?: string } = {},
  ) => (
    <TextField
      {...TEXT_FIELDS[key]}
      {...props}
      value={values[key]}
      onChange={(v) => set(key, v)}
      error={errors[key]}
      testId={testIdOf(key)}
    />
  );
  const select = <K extends FieldKey>(
    key: K,
    label: string,
    options: readonly Option[],
    extra: { disabled?: boolean; hint?: string } = {},
  ) => (
    <SelectField
      label={label}
      {...extra}
      value={String(values[key])}
      options={options}
      onChange={(v) => set(key, v as TrainFormValues[K])}
      error={errors[key]}
      testId={testIdOf(key)}
    />
  );
  const check = (
    key: 'batchNorm' | 'earlyStopping' | 'esRestoreBest' | 'pruning',
    label: string,
  ) => (
    <FormField label={'\u00a0'} as="div" error={errors[key]} testId={testIdOf(key)}>
      <Checkbox
        className="check"
        checked={values[key]}
        onChange={(v) => set(key, v)}
        testId={testIdOf(key)}
      >
        {label}
      </Checkbox>
    </FormField>
  );
  return { text, select, check };
}

/** Split, input columns and preprocessing. */
export function SplitFields(props: FieldsProps) {
  const { values, set, errors, columns } = props;
  const { text, select } = controls(props);
  const inputs = columns.filter((c) => c.name !== values.target);
  const byColumn = values.splitMethod === 'time' || values.splitMethod === 'group';
  return (
    <>
      <div className="form-row">
        {select(
          'splitMethod',
          'Split',
          withDefault('auto (by task)', ['random', 'stratified', 'time', 'group']),
        )}
        {byColumn && (
          <SelectField
            label={values.splitMethod === 'time' ? 'Time column' : 'Group column'}
            value={values.splitColumn}
            options={[
              { value: '', label: 'choose…' },
              ...columns.map((c) => ({ value: c.name, label: c.name })),
            ]}
            onChange={(v) => set('splitColumn', v)}
            error={errors.splitColumn}
            testId={testIdOf('splitColumn')}
          />
        )}
        {text('testFraction')}
        {text('validationFraction', {
          disabled: values.folds.trim() !== '',
          hint: values.folds.trim() ? '(folds instead)' : undefined,
        })}
      </div>
      <div className="form-row">
        <MultiSelectField
          label="Input columns"
          hint={`(${values.features.length ? `${values.features.length} chosen` : 'none chosen: all but the target'})`}
          grow
          value={values.features}
          options={plainOptions(inputs.map((c) => c.name))}
          onChange={(v) => set('features', v)}
          error={errors.features}
          testId={testIdOf('features')}
        />
        {values.features.length > 0 && (
          <button type="button" className="btn btn-sm" onClick={() => set('features', [])}>
            Use all
          </button>
        )}
      </div>
      <div className="form-row">
        {select(
          'selection',
          'Feature selection',
          plainOptions(['none', 'variance', 'correlation', 'mutual_info', 'permutation']),
        )}
        {values.selection !== 'none' &&
          (values.selection === 'variance' || values.selection === 'correlation'
            ? text('selectionThreshold')
            : text('selectionK'))}
      </div>
      <TextAreaField
        label="Feature spec"
        hint={
          values.model === 'gbdt'
            ? '(YAML; empty for trees: numbers as they are with missing values kept, categories as codes split natively, date parts)'
            : '(YAML; empty: impute and scale numbers, one-hot categories, split dates)'
        }
        grow
        rows={values.featureSpec ? 6 : 2}
        value={values.featureSpec}
        onChange={(v) => set('featureSpec', v)}
        error={errors.featureSpec}
        testId={testIdOf('featureSpec')}
      />
    </>
  );
}

/** The model types, with what each is. */
const MODEL_OPTIONS: Option[] = [
  { value: 'linear', label: 'linear' },
  { value: 'mlp', label: 'mlp' },
  { value: 'gbdt', label: 'gbdt (boosted trees)' },
];

/** The model's options. */
export function ModelFields(props: FieldsProps) {
  const { values } = props;
  const { text, select, check } = controls(props);
  if (values.model === 'gbdt') return <GbdtFields {...props} />;
  const mlp = values.model === 'mlp';
  const mlpOnly = { disabled: !mlp, hint: mlp ? undefined : '(mlp only)' };
  return (
    <div className="form-row">
      {select('model', 'Model', MODEL_OPTIONS)}
      {text('hidden', mlpOnly)}
      {select(
        'activation',
        'Activation',
        withDefault('relu', ['relu', 'tanh', 'elu', 'selu', 'gelu']),
        mlpOnly,
      )}
      {text('dropout', mlpOnly)}
      {mlp && check('batchNorm', 'Batch norm')}
      {text('l1')}
      {text('l2')}
    </div>
  );
}

/**
 * A gbdt's options: rounds and shrinkage, how trees grow (depth-wise, or leaf-wise once max leaves is
 * set), what a split must bring, the penalties on leaf weights, sampling and binning, and the loss when
 * it regresses.
 */
function GbdtFields(props: FieldsProps) {
  const { values } = props;
  const { text, select } = controls(props);
  const regression = values.task === 'regression';
  return (
    <>
      <div className="form-row">
        {select('model', 'Model', MODEL_OPTIONS)}
        {text('trees')}
        {text('gbdtLearningRate')}
        {text('maxDepth')}
        {text('maxLeaves', {
          hint: values.maxLeaves.trim() ? '(leaf-wise)' : '(empty: depth-wise)',
        })}
      </div>
      <p className="muted new-run-growth" data-testid="new-run-growth">
        Growth: {growthOf(values)}
      </p>
      <div className="form-row">
        {text('minChildWeight')}
        {text('minSplitGain')}
        {text('l1', { hint: '(leaf weights)' })}
        {text('l2', { hint: '(leaf weights)', placeholder: '1' })}
      </div>
      <div className="form-row">
        {text('subsample')}
        {text('colsample')}
        {text('maxBins')}
        {text('checkpointEvery')}
        {text('threads')}
      </div>
      {regression && (
        <div className="form-row">
          {select('loss', 'Loss', withDefault('squared_error', GBDT_LOSSES))}
          {values.loss === 'huber' && text('huberDelta')}
        </div>
      )}
    </>
  );
}

/** Epochs, optimizer, class weights, early stopping and the learning-rate schedule. */
export function TrainingFields(props: FieldsProps) {
  const { values } = props;
  const { text, select, check } = controls(props);
  const classes = values.task !== 'regression';
  // A gbdt's rounds, shrinkage and engine are model options: here only what every training has.
  const gbdt = values.model === 'gbdt';
  const steps = gbdt ? '(rounds)' : '(epochs)';
  return (
    <>
      <div className="form-row">
        {!gbdt && text('epochs')}
        {!gbdt && text('batchSize')}
        {!gbdt && text('learningRate')}
        {text('seed')}
        {!gbdt && select('engine', 'Engine', withDefault('auto', ['fused', 'tfjs']))}
      </div>
      <div className="form-row">
        {select('classWeights', 'Class weights', plainOptions(['none', 'balanced', 'custom']), {
          disabled: !classes,
          hint: classes ? undefined : '(classification only)',
        })}
        {classes && values.classWeights === 'custom' && text('classWeightsText')}
      </div>
      <div className="form-row">
        {check('earlyStopping', 'Early stopping')}
        {values.earlyStopping && (
          <>
            {text('esMetric')}
            {select('esMode', 'Mode', withDefault('by metric', ['min', 'max']))}
            {text('esPatience', { hint: steps })}
            {text('esMinDelta')}
            {check('esRestoreBest', gbdt ? 'Keep the best round' : 'Restore best epoch')}
          </>
        )}
      </div>
      {!gbdt && (
        <div className="form-row">
          {select(
            'lrSchedule',
            'LR schedule',
            plainOptions(['none', 'step', 'cosine', 'reduce_on_plateau']),
          )}
          {values.lrSchedule === 'step' && (
            <>
              {text('lrEvery')}
              {text('lrFactor')}
            </>
          )}
          {values.lrSchedule === 'cosine' && text('lrMinLr')}
          {values.lrSchedule === 'reduce_on_plateau' && (
            <>
              {text('lrPatience')}
              {text('lrFactor')}
              {text('lrMinLr')}
              {text('lrMetric')}
            </>
          )}
        </div>
      )}
    </>
  );
}

/** Cross-validation and hyperparameter search. */
export function SearchFields(props: FieldsProps) {
  const { values, set, errors } = props;
  const { text, select, check } = controls(props);
  const searching = values.search !== 'none';
  return (
    <>
      <div className="form-row">
        {text('folds')}
        {values.folds.trim() !== '' && text('cvParallel')}
        {select('search', 'Search', plainOptions(['none', 'tpe', 'random', 'grid']))}
        {text('trials', { disabled: !searching })}
        {searching && (
          <>
            {text('searchMetric')}
            {select('searchMode', 'Mode', withDefault('by metric', ['min', 'max']))}
            {text('searchParallel')}
            {values.search === 'grid' && text('gridPoints')}
            {values.search === 'tpe' && text('startupTrials')}
            {check('pruning', 'Median pruning')}
            {values.pruning && (
              <>
                {text('warmupEpochs', {
                  label: values.model === 'gbdt' ? 'Warm-up rounds' : undefined,
                })}
                {text('minTrials')}
              </>
            )}
          </>
        )}
      </div>
      {searching && (
        <>
          <TextAreaField
            label="Search space"
            hint="(YAML: a config path and a range or choice per line)"
            grow
            value={values.space}
            onChange={(v) => set('space', v)}
            error={errors.space}
            testId={testIdOf('space')}
          />
          <div className="form-row">
            <SearchPathPicker values={values} set={set} />
          </div>
        </>
      )}
    </>
  );
}

/** Adds one of the model's searchable options to the space, at a first range to edit. */
function SearchPathPicker({ values, set }: Pick<FieldsProps, 'values' | 'set'>) {
  const named = new Set(spacePaths(values.space));
  const paths = Object.keys(SEARCH_SUGGESTIONS[values.model]).filter((p) => !named.has(p));
  return (
    <SelectField
      label="Add to the space"
      hint={`(${values.model} options)`}
      value=""
      options={[
        { value: '', label: paths.length ? 'choose an option…' : 'all are in the space' },
        ...plainOptions(paths),
      ]}
      onChange={(path) => path && set('space', addSearchPath(values.space, values.model, path))}
      testId="new-run-space-add"
    />
  );
}

/** The dataset version to train on (beside the dataset picker). */
export function VersionField(props: FieldsProps) {
  return controls(props).text('datasetVersion');
}

/** The run's name and experiment. */
export function RunFields(props: FieldsProps) {
  const { text } = controls(props);
  return (
    <div className="form-row">
      {text('name')}
      {text('experiment')}
    </div>
  );
}
