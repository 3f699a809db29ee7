import { useState, type FormEvent, type ReactNode } from 'react';
import type { Task } from '../../../shared/contract';
import { getApi, errorMessage } from '../../api';
import { ErrorBanner, Loading } from '../../components/states';
import { useAsync } from '../../lib/hooks';
import { useProject } from '../../lib/project';
import { navigate } from '../../lib/routes';
import { DEFAULT_VALUES, buildConfig, guessTask, type TrainFormValues } from './train-form-model';

function Field({
  label,
  hint,
  children,
  grow,
}: {
  label: string;
  hint?: string;
  children: ReactNode;
  grow?: boolean;
}) {
  return (
    <label className={grow ? 'field field-grow' : 'field'}>
      <span>
        {label}
        {hint && <em className="hint"> {hint}</em>}
      </span>
      {children}
    </label>
  );
}

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
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

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

  function chooseDataset(name: string) {
    setValues((v) => ({ ...v, dataset: name, target: '' }));
    setTaskChoice(null);
  }

  function chooseTarget(name: string) {
    set('target', name);
    setTaskChoice(null);
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const built = buildConfig(effective);
    if ('error' in built) {
      setError(built.error);
      return;
    }
    setBusy(true);
    try {
      const { runId } = await getApi().invoke('train:start', { config: built.config });
      onStarted(runId);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  }

  if (datasets.status === 'loading' && !datasets.data) return <Loading label="Loading datasets…" />;
  if (datasets.status === 'error')
    return (
      <ErrorBanner
        error={datasets.error}
        title="Could not list datasets"
        onRetry={datasets.reload}
      />
    );
  if (list.length === 0) {
    return (
      <div className="empty">
        <div className="empty-title">No datasets to train on</div>
        <div className="empty-text">Import a dataset first.</div>
        <div className="empty-action">
          <button
            type="button"
            className="btn"
            onClick={() => navigate({ view: 'data', dataset: null })}
          >
            Go to Data
          </button>
        </div>
      </div>
    );
  }

  return (
    <form className="form" onSubmit={(e) => void submit(e)} data-testid="new-run-form">
      <fieldset className="form-section" disabled={busy}>
        <legend>Data</legend>
        <div className="form-row">
          <Field label="Dataset" grow>
            <select
              value={effective.dataset}
              onChange={(e) => chooseDataset(e.target.value)}
              data-testid="new-run-dataset"
            >
              {list.map((d) => (
                <option key={d.id} value={d.name}>
                  {d.name} (v{d.latest.version}, {d.latest.rows.toLocaleString('en-US')} rows)
                </option>
              ))}
            </select>
          </Field>
          <Field label="Target" grow>
            <select
              value={effective.target}
              onChange={(e) => chooseTarget(e.target.value)}
              data-testid="new-run-target"
            >
              {columns.map((c) => (
                <option key={c.name} value={c.name}>
                  {c.name} · {c.type.toLowerCase()}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Task">
            <select
              value={task}
              onChange={(e) => setTaskChoice(e.target.value as Task)}
              data-testid="new-run-task"
            >
              <option value="binary">binary</option>
              <option value="multiclass">multiclass</option>
              <option value="regression">regression</option>
            </select>
          </Field>
          <Field label="Validation fraction">
            <input
              className="input-num"
              inputMode="decimal"
              value={values.validationFraction}
              onChange={(e) => set('validationFraction', e.target.value)}
              data-testid="new-run-validation-fraction"
            />
          </Field>
        </div>
      </fieldset>
      <fieldset className="form-section" disabled={busy}>
        <legend>Model and training</legend>
        <div className="form-row">
          <Field label="Model">
            <select
              value={values.model}
              onChange={(e) => set('model', e.target.value as TrainFormValues['model'])}
              data-testid="new-run-model"
            >
              <option value="linear">linear</option>
              <option value="mlp">mlp</option>
            </select>
          </Field>
          <Field label="Hidden sizes" hint={values.model === 'linear' ? '(mlp only)' : undefined}>
            <input
              value={values.hidden}
              onChange={(e) => set('hidden', e.target.value)}
              disabled={values.model !== 'mlp'}
              placeholder="64, 64"
              data-testid="new-run-hidden"
            />
          </Field>
          <Field label="Epochs">
            <input
              className="input-num"
              inputMode="numeric"
              value={values.epochs}
              onChange={(e) => set('epochs', e.target.value)}
              data-testid="new-run-epochs"
            />
          </Field>
          <Field label="Batch size">
            <input
              className="input-num"
              inputMode="numeric"
              value={values.batchSize}
              placeholder="auto"
              onChange={(e) => set('batchSize', e.target.value)}
              data-testid="new-run-batch-size"
            />
          </Field>
          <Field label="Learning rate">
            <input
              className="input-num"
              inputMode="decimal"
              value={values.learningRate}
              onChange={(e) => set('learningRate', e.target.value)}
              data-testid="new-run-learning-rate"
            />
          </Field>
          <Field label="Seed">
            <input
              className="input-num"
              inputMode="numeric"
              value={values.seed}
              onChange={(e) => set('seed', e.target.value)}
              data-testid="new-run-seed"
            />
          </Field>
          <Field label="Run name" hint="(optional)" grow>
            <input
              value={values.name}
              onChange={(e) => set('name', e.target.value)}
              placeholder="dataset-model-n"
              data-testid="new-run-name"
            />
          </Field>
        </div>
      </fieldset>
      <fieldset className="form-section" disabled={busy}>
        <legend>Cross-validation and search</legend>
        <div className="form-row">
          <Field label="Folds" hint="(empty: one validation split)">
            <input
              className="input-num"
              inputMode="numeric"
              value={values.folds}
              placeholder="none"
              onChange={(e) => set('folds', e.target.value)}
              data-testid="new-run-folds"
            />
          </Field>
          <Field label="Search">
            <select
              value={values.search}
              onChange={(e) => set('search', e.target.value as TrainFormValues['search'])}
              data-testid="new-run-search"
            >
              <option value="none">none</option>
              <option value="tpe">tpe</option>
              <option value="random">random</option>
              <option value="grid">grid</option>
            </select>
          </Field>
          <Field label="Trials">
            <input
              className="input-num"
              inputMode="numeric"
              value={values.trials}
              disabled={values.search === 'none'}
              onChange={(e) => set('trials', e.target.value)}
              data-testid="new-run-trials"
            />
          </Field>
        </div>
        {values.search !== 'none' && (
          <Field
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
          </Field>
        )}
      </fieldset>
      {error && <ErrorBanner error={error} title="Cannot start the run" />}
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
