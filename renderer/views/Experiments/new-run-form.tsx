import { useState } from 'react';
import type { Task } from '../../../shared/contract';
import { getApi } from '../../api';
import {
  FormField,
  SelectField,
  TextField,
  type TextFieldProps,
} from '../../components/form-field';
import {
  TASK_OPTIONS,
  columnOptions,
  datasetOptions,
  plainOptions,
} from '../../components/options';
import { AsyncStatus, EmptyState, ErrorBanner } from '../../components/states';
import { useAsync } from '../../lib/hooks';
import { useAction } from '../../lib/use-action';
import { useProject } from '../../lib/project';
import { GoToDataButton } from '../Data/go-to-data';
import { DEFAULT_VALUES, buildConfig, guessTask, type TrainFormValues } from './train-form-model';
import { handleSubmit } from '../../lib/forms';

type TextKey =
  | 'validationFraction'
  | 'hidden'
  | 'epochs'
  | 'batchSize'
  | 'learningRate'
  | 'seed'
  | 'name'
  | 'folds'
  | 'trials';

/** The form's text boxes: caption and input; `data-testid` is `new-run-` and the key in kebab-case. */
const TEXT_FIELDS: Record<TextKey, Omit<TextFieldProps, 'value' | 'onChange'>> = {
  validationFraction: { label: 'Validation fraction', numeric: 'decimal' },
  hidden: { label: 'Hidden sizes', placeholder: '64, 64' },
  epochs: { label: 'Epochs', numeric: 'numeric' },
  batchSize: { label: 'Batch size', numeric: 'numeric', placeholder: 'auto' },
  learningRate: { label: 'Learning rate', numeric: 'decimal' },
  seed: { label: 'Seed', numeric: 'numeric' },
  name: { label: 'Run name', hint: '(optional)', grow: true, placeholder: 'dataset-model-n' },
  folds: {
    label: 'Folds',
    hint: '(empty: one validation split)',
    numeric: 'numeric',
    placeholder: 'none',
  },
  trials: { label: 'Trials', numeric: 'numeric' },
};

export function NewRunForm({
  onStarted,
  onCancel,
}: {
  onStarted: (runId: string) => void;
  onCancel: () => void;
}) {
  const { project } = useProject();
  const datasets = useAsync(() => getApi().invoke('data:list', { project }), [project]);
  const [values, setValues] = useState<TrainFormValues>({
    ...DEFAULT_VALUES,
    dataset: '',
    target: '',
    project,
  });
  // null: follow the target column (guessTask); set once the user picks a task.
  const [taskChoice, setTaskChoice] = useState<Task | null>(null);
  // Held on success: the view leaves for the new run's page.
  const start = useAction({ hold: true });
  const busy = start.busy;

  const list = datasets.data ?? [];
  const dataset = list.find((d) => d.name === values.dataset) ?? list[0];
  const columns = dataset?.latest.columns ?? [];
  const target = columns.find((c) => c.name === values.target) ?? columns[columns.length - 1];
  const task = taskChoice ?? guessTask(target);
  const effective: TrainFormValues = {
    ...values,
    dataset: dataset?.name ?? '',
    target: target?.name ?? '',
    task,
    project,
  };

  function set<K extends keyof TrainFormValues>(key: K, value: TrainFormValues[K]) {
    setValues((v) => ({ ...v, [key]: value }));
  }

  const text = (key: TextKey, props: { disabled?: boolean; hint?: string } = {}) => (
    <TextField
      {...TEXT_FIELDS[key]}
      {...props}
      value={values[key]}
      onChange={(v) => set(key, v)}
      testId={`new-run-${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`}
    />
  );

  function chooseDataset(name: string) {
    setValues((v) => ({ ...v, dataset: name, target: '' }));
    setTaskChoice(null);
  }

  function chooseTarget(name: string) {
    set('target', name);
    setTaskChoice(null);
  }

  async function submit() {
    const built = buildConfig(effective);
    if ('error' in built) {
      start.fail(built.error);
      return;
    }
    await start.run(() => getApi().invoke('train:start', { config: built.config }), {
      done: ({ runId }) => onStarted(runId),
    });
  }

  if ((datasets.status === 'loading' && !datasets.data) || datasets.status === 'error')
    return (
      <AsyncStatus of={datasets} error="Could not list datasets" loading="Loading datasets…" />
    );
  if (list.length === 0)
    return (
      <EmptyState title="No datasets to train on" action={<GoToDataButton />}>
        Import a dataset first.
      </EmptyState>
    );

  return (
    <form className="form" onSubmit={handleSubmit(submit)} data-testid="new-run-form">
      <fieldset className="form-section" disabled={busy}>
        <legend>Data</legend>
        <div className="form-row">
          <SelectField
            label="Dataset"
            grow
            value={effective.dataset}
            options={datasetOptions(list)}
            onChange={chooseDataset}
            testId="new-run-dataset"
          />
          <SelectField
            label="Target"
            grow
            value={effective.target}
            options={columnOptions(columns)}
            onChange={chooseTarget}
            testId="new-run-target"
          />
          <SelectField
            label="Task"
            value={task}
            options={TASK_OPTIONS}
            onChange={(v) => setTaskChoice(v as Task)}
            testId="new-run-task"
          />
          {text('validationFraction')}
        </div>
      </fieldset>
      <fieldset className="form-section" disabled={busy}>
        <legend>Model and training</legend>
        <div className="form-row">
          <SelectField
            label="Model"
            value={values.model}
            options={plainOptions(['linear', 'mlp'])}
            onChange={(v) => set('model', v as TrainFormValues['model'])}
            testId="new-run-model"
          />
          {text('hidden', {
            hint: values.model === 'linear' ? '(mlp only)' : undefined,
            disabled: values.model !== 'mlp',
          })}
          {text('epochs')}
          {text('batchSize')}
          {text('learningRate')}
          {text('seed')}
          {text('name')}
        </div>
      </fieldset>
      <fieldset className="form-section" disabled={busy}>
        <legend>Cross-validation and search</legend>
        <div className="form-row">
          {text('folds')}
          <SelectField
            label="Search"
            value={values.search}
            options={plainOptions(['none', 'tpe', 'random', 'grid'])}
            onChange={(v) => set('search', v as TrainFormValues['search'])}
            testId="new-run-search"
          />
          {text('trials', { disabled: values.search === 'none' })}
        </div>
        {values.search !== 'none' && (
          <FormField
            label="Search space"
            hint="(YAML: a config path and a range or choice per line)"
            grow
          >
            <textarea
              className="mono"
              rows={4}
              spellCheck={false}
              value={values.space}
              onChange={(e) => set('space', e.target.value)}
              data-testid="new-run-space"
            />
          </FormField>
        )}
      </fieldset>
      {start.message && <ErrorBanner error={start.message} title="Cannot start the run" />}
      <div className="form-actions">
        <button type="button" className="btn" onClick={onCancel} disabled={busy}>
          Close
        </button>
        <button
          type="submit"
          className="btn btn-primary"
          disabled={busy || !effective.dataset || !effective.target}
          data-testid="train-submit"
        >
          {busy
            ? 'Starting…'
            : values.search !== 'none'
              ? 'Start search'
              : values.folds.trim()
                ? 'Start cross-validation'
                : 'Start training'}
        </button>
      </div>
    </form>
  );
}
