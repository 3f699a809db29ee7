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
import type { FieldErrors, FieldKey, TrainFormValues } from './train-form-model';

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
  const text = (key: TextKey, props: { disabled?: boolean; hint?: string } = {}) => (
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
        hint="(YAML; empty: impute and scale numbers, one-hot categories, split dates)"
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

/** The model's options. */
export function ModelFields(props: FieldsProps) {
  const { values } = props;
  const { text, select, check } = controls(props);
  const mlp = values.model === 'mlp';
  const mlpOnly = { disabled: !mlp, hint: mlp ? undefined : '(mlp only)' };
  return (
    <div className="form-row">
      {select('model', 'Model', plainOptions(['linear', 'mlp']))}
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

/** Epochs, optimizer, class weights, early stopping and the learning-rate schedule. */
export function TrainingFields(props: FieldsProps) {
  const { values } = props;
  const { text, select, check } = controls(props);
  const classes = values.task !== 'regression';
  return (
    <>
      <div className="form-row">
        {text('epochs')}
        {text('batchSize')}
        {text('learningRate')}
        {text('seed')}
        {select('engine', 'Engine', withDefault('auto', ['fused', 'tfjs']))}
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
            {text('esPatience')}
            {text('esMinDelta')}
            {check('esRestoreBest', 'Restore best epoch')}
          </>
        )}
      </div>
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
                {text('warmupEpochs')}
                {text('minTrials')}
              </>
            )}
          </>
        )}
      </div>
      {searching && (
        <TextAreaField
          label="Search space"
          hint="(YAML: a config path and a range or choice per line)"
          grow
          value={values.space}
          onChange={(v) => set('space', v)}
          error={errors.space}
          testId={testIdOf('space')}
        />
      )}
    </>
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
