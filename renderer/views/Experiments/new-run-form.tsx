import { useRef, useState } from 'react';
import type { DatasetSummary, Task } from '../../../shared/contract';
import { cloneTrainConfig } from '../../../shared/config/clone-config';
import { getApi } from '../../api';
import { ApiError } from '../../api/errors';
import { SelectField } from '../../components/form-field';
import { TASK_OPTIONS, columnOptions, datasetOptions } from '../../components/options';
import { AsyncStatus, EmptyState, ErrorBanner } from '../../components/states';
import { escapeCloses } from '../../lib/escape';
import { handleSubmit } from '../../lib/forms';
import { useAsync } from '../../lib/hooks';
import { useProject } from '../../lib/project';
import { useAction } from '../../lib/use-action';
import { readYamlText } from '../../lib/yaml-text';
import { GoToDataButton } from '../Data/go-to-data';
import './new-run.css';
import {
  ModelFields,
  RunFields,
  SearchFields,
  SplitFields,
  TrainingFields,
  VersionField,
  testIdOf,
  type FieldsProps,
} from './new-run-fields';
import {
  DEFAULT_VALUES,
  FIELD_PATHS,
  buildConfig,
  checkConfig,
  configYaml,
  fieldOfPath,
  guessTarget,
  guessTask,
  valuesFromConfig,
  withModel,
  type BuiltConfig,
  type ModelType,
  type FieldErrors,
  type FieldKey,
  type TrainFormValues,
} from './train-form-model';

/** Where the form remembers the dataset last trained on in a project. */
export const lastDatasetKey = (project: string) => `new-run:${project}`;
/** Where the form remembers the settings last started on a dataset: the config itself. */
export const datasetSettingsKey = (project: string, dataset: string) =>
  `new-run:${project}:${dataset}`;

/** Options that belong to one dataset's columns; the rest carry over when another dataset is chosen. */
const PER_DATASET: Partial<TrainFormValues> = {
  datasetVersion: '',
  target: '',
  features: [],
  splitColumn: '',
  featureSpec: '',
  classWeights: 'none',
  classWeightsText: '',
};

const isTask = (x: unknown): x is Task =>
  x === 'binary' || x === 'multiclass' || x === 'regression';

/** The stored config under `key`, or null (nothing stored, or the workspace could not say). */
async function storedConfig(key: string): Promise<unknown> {
  try {
    return (await getApi().invoke('ui:prefs:get', { key })).value;
  } catch {
    return null;
  }
}

/** The config to start: the form's, or the YAML's while the user edits it there. */
function builtFrom(values: TrainFormValues, yamlText: string | null): BuiltConfig {
  if (yamlText === null) return buildConfig(values);
  const read = readYamlText(yamlText);
  return read.ok
    ? checkConfig(read.raw)
    : { draft: {}, config: null, fields: {}, other: read.errors.map((e) => e.message) };
}

/** What the form holds besides the YAML: the values, the task if chosen, and where they came from. */
interface FormState {
  values: TrainFormValues;
  /** null: follow the target column (guessTask); set once the user (or a stored config) picks a task. */
  taskChoice: Task | null;
  /** Where the values came from (a cloned run, the last settings on the dataset). */
  note: string | null;
}

const blank = (project: string, dataset = ''): FormState => ({
  values: { ...DEFAULT_VALUES, dataset, target: '', project },
  taskChoice: null,
  note: null,
});

/** A config (stored or cloned) as the form's state: its values, and its task as chosen. */
function stateOf(config: unknown, base: FormState, note: string): FormState {
  const values = valuesFromConfig(config, base.values);
  const task = (config as { task?: unknown }).task;
  return {
    values: { ...values, project: base.values.project },
    taskChoice: isTask(task) ? task : null,
    note,
  };
}

/** The settings last started on `dataset`, over `base`; `base` itself when none are stored. */
async function withStoredSettings(
  project: string,
  dataset: string,
  base: FormState,
): Promise<FormState> {
  const stored = await storedConfig(datasetSettingsKey(project, dataset));
  if (stored === null || typeof stored !== 'object') return base;
  return stateOf(stored, base, `The settings of your last run on ${dataset}.`);
}

/**
 * The datasets and the form's starting point: a run's config to clone, else the settings last started
 * on the dataset last trained on in the project (or the first dataset, with guessed target and task).
 */
function useStart(project: string, cloneOf: string | null) {
  return useAsync(async (): Promise<{ list: DatasetSummary[]; state: FormState }> => {
    const list = await getApi().invoke('data:list', { project });
    if (cloneOf) {
      const run = await getApi().invoke('runs:get', { id: cloneOf });
      if (!run.config || !run.lineage)
        throw new Error(
          `Run ${run.name} was logged through MLflow: it has no train config to clone.`,
        );
      const note = `Filled from run ${run.name}; change what you need and start.`;
      return {
        list,
        state: stateOf(
          // The dataset and project as named now: either may have been renamed since the run.
          cloneTrainConfig(run.config, { dataset: run.lineage.dataset, project: run.project }),
          blank(project),
          note,
        ),
      };
    }
    const last = await storedConfig(lastDatasetKey(project));
    const first = list.find((d) => d.name === last) ?? list[0];
    if (!first) return { list, state: blank(project) };
    return {
      list,
      state: await withStoredSettings(project, first.name, blank(project, first.name)),
    };
  }, [project, cloneOf]);
}

export function NewRunForm({
  onStarted,
  onCancel,
  cloneOf = null,
}: {
  onStarted: (runId: string) => void;
  onCancel: () => void;
  /** A run whose config fills the form (Clone on the run page). */
  cloneOf?: string | null;
}) {
  const { project } = useProject();
  const start = useStart(project, cloneOf);
  // null until the user edits: the starting point shows.
  const [edited, setEdited] = useState<FormState | null>(null);
  // The YAML as the user typed it; null: written from the form.
  const [yamlText, setYamlText] = useState<string | null>(null);
  const [showErrors, setShowErrors] = useState(false);
  const [serverErrors, setServerErrors] = useState<FieldErrors>({});
  // Bumped on every edit: stored settings that arrive after the user typed are not applied.
  const edits = useRef(0);
  // Held on success: the view leaves for the new run's page.
  const action = useAction({ hold: true });
  const busy = action.busy;

  const state = edited ?? start.data?.state ?? blank(project);
  const { values, taskChoice, note } = state;
  const list = start.data?.list ?? [];
  const dataset: DatasetSummary | undefined = list.find((d) => d.name === values.dataset);
  const columns = dataset?.latest.columns ?? [];
  const profile = useAsync(
    () =>
      dataset ? getApi().invoke('data:profile', { ref: dataset.name }) : Promise.resolve(null),
    [dataset?.name, dataset?.latest.version],
  );
  const target = columns.find((c) => c.name === values.target) ?? guessTarget(columns);
  const task =
    taskChoice ??
    guessTask(
      target,
      profile.data?.columns.find((c) => c.name === target?.name),
    );
  const effective: TrainFormValues = {
    ...values,
    target: values.target || (target?.name ?? ''),
    task,
  };

  const built = builtFrom(effective, yamlText);
  const yaml = yamlText ?? configYaml(built.draft);
  const errors: FieldErrors = showErrors ? { ...built.fields, ...serverErrors } : serverErrors;

  function edit(change: (s: FormState) => FormState) {
    edits.current += 1;
    setYamlText(null);
    setServerErrors({});
    action.fail(null);
    setEdited(change(state));
  }

  const set: FieldsProps['set'] = (key, value) =>
    edit((s) => ({
      ...s,
      values:
        key === 'model' ? withModel(s.values, value as ModelType) : { ...s.values, [key]: value },
    }));

  function chooseDataset(name: string) {
    const base: FormState = {
      values: { ...values, ...PER_DATASET, dataset: name },
      taskChoice: null,
      note: null,
    };
    edit(() => base);
    const at = edits.current;
    void withStoredSettings(project, name, base).then((next) => {
      if (edits.current === at) setEdited(next);
    });
  }

  function chooseTarget(name: string) {
    edit((s) => ({ ...s, values: { ...s.values, target: name }, taskChoice: null }));
  }

  function chooseTask(task: Task) {
    edit((s) => ({ ...s, values: { ...s.values, task }, taskChoice: task }));
  }

  /** The YAML changed: the form follows it when it reads as a mapping. */
  function editYaml(text: string) {
    edits.current += 1;
    setYamlText(text);
    setServerErrors({});
    action.fail(null);
    const read = readYamlText(text);
    if (!read.ok || read.raw === null || typeof read.raw !== 'object') return;
    setEdited({ ...stateOf(read.raw, { ...state, values: effective }, ''), note });
  }

  /** A server refusal that names a field (details.field) shows beside it. */
  function describeFailure(err: unknown): Error | string | null {
    const field = err instanceof ApiError ? err.details?.field : undefined;
    const key = typeof field === 'string' ? fieldOfPath(field) : null;
    if (!key || !(err instanceof Error)) return err instanceof Error ? err : String(err);
    setServerErrors({ [key]: err.message.replace(/^[\w.]+: /, '') });
    return null;
  }

  async function submit() {
    setShowErrors(true);
    const config = built.config;
    if (!config) {
      action.fail(
        built.other.length
          ? built.other.join('\n')
          : 'Some fields need a change: see the messages beside them.',
      );
      return;
    }
    const name = effective.dataset;
    await action.run(
      async () => {
        const started = await getApi().invoke('train:start', { config });
        // Remembered once started, so the next New run on this dataset begins here.
        await Promise.all([
          getApi().invoke('ui:prefs:set', {
            key: datasetSettingsKey(project, name),
            // Without the run's name: the next run gets its own.
            value: cloneTrainConfig(config),
          }),
          getApi().invoke('ui:prefs:set', { key: lastDatasetKey(project), value: name }),
        ]).catch(() => undefined);
        return started;
      },
      { done: ({ runId }) => onStarted(runId), describe: describeFailure },
    );
  }

  if (!start.data)
    return (
      <AsyncStatus
        of={start}
        error={cloneOf ? 'Could not read the run to clone' : 'Could not list datasets'}
        loading="Loading datasets…"
      />
    );
  if (list.length === 0)
    return (
      <EmptyState title="No datasets to train on" action={<GoToDataButton />}>
        Import a dataset first.
      </EmptyState>
    );

  const fieldProps: FieldsProps = { values: effective, set, errors, columns };
  const problemCount = Object.keys(built.fields).length + built.other.length;
  return (
    <form
      className="form new-run"
      onSubmit={handleSubmit(submit)}
      onKeyDown={escapeCloses(onCancel, !busy)}
      data-testid="new-run-form"
    >
      {note && (
        <p className="muted" role="status" data-testid="new-run-note">
          {note}
        </p>
      )}
      <div className="new-run-body">
        <div className="new-run-fields">
          <fieldset className="form-section" disabled={busy}>
            <legend>Data</legend>
            <div className="form-row">
              <SelectField
                label="Dataset"
                grow
                value={effective.dataset}
                options={
                  dataset || !effective.dataset
                    ? datasetOptions(list)
                    : [
                        ...datasetOptions(list),
                        { value: effective.dataset, label: `${effective.dataset} (not listed)` },
                      ]
                }
                onChange={chooseDataset}
                error={errors.dataset}
                testId={testIdOf('dataset')}
              />
              <VersionField {...fieldProps} />
              <SelectField
                label="Target"
                grow
                value={effective.target}
                options={columnOptions(columns)}
                onChange={chooseTarget}
                error={errors.target}
                testId={testIdOf('target')}
              />
              <SelectField
                label="Task"
                hint={taskChoice ? undefined : '(guessed)'}
                value={task}
                options={TASK_OPTIONS}
                onChange={(v) => chooseTask(v as Task)}
                error={errors.task}
                testId={testIdOf('task')}
              />
            </div>
            <SplitFields {...fieldProps} />
          </fieldset>
          <fieldset className="form-section" disabled={busy}>
            <legend>Model</legend>
            <ModelFields {...fieldProps} />
          </fieldset>
          <fieldset className="form-section" disabled={busy}>
            <legend>Training</legend>
            <TrainingFields {...fieldProps} />
          </fieldset>
          <fieldset className="form-section" disabled={busy}>
            <legend>Cross-validation and search</legend>
            <SearchFields {...fieldProps} />
          </fieldset>
          <fieldset className="form-section" disabled={busy}>
            <legend>Run</legend>
            <RunFields {...fieldProps} />
          </fieldset>
        </div>
        <fieldset className="form-section new-run-yaml" disabled={busy}>
          <legend>Config (YAML)</legend>
          <textarea
            className="mono"
            spellCheck={false}
            value={yaml}
            onChange={(e) => editYaml(e.target.value)}
            aria-label="Train config as YAML"
            aria-invalid={showErrors && problemCount > 0 ? true : undefined}
            data-testid="new-run-yaml"
          />
          <p className="muted new-run-yaml-hint">
            The same config as <code>lathe train</code> reads; edits here fill the form, and the
            form rewrites this.
          </p>
          {yamlText !== null && problemCount > 0 && (
            <ul className="form-error new-run-yaml-problems" data-testid="new-run-yaml-problems">
              {Object.entries(built.fields).map(([key, message]) => (
                <li key={key}>
                  {FIELD_PATHS[key as FieldKey] ?? key}: {message}
                </li>
              ))}
              {built.other.map((message) => (
                <li key={message}>{message}</li>
              ))}
            </ul>
          )}
        </fieldset>
      </div>
      {action.message && <ErrorBanner error={action.message} title="Cannot start the run" />}
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
            : effective.search !== 'none'
              ? 'Start search'
              : effective.folds.trim()
                ? 'Start cross-validation'
                : 'Start training'}
        </button>
      </div>
    </form>
  );
}
