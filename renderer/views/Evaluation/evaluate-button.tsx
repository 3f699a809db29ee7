import { useState } from 'react';
import type { EvaluateIn, Run } from '../../../shared/contract';
import { getApi } from '../../api';
import { BusyButton } from '../../components/busy-button';
import { MultiSelectField, SelectField, TextField } from '../../components/form-field';
import { ModalActions, ModalDialog } from '../../components/modal-dialog';
import { plainOptions } from '../../components/options';
import { useAsync } from '../../lib/hooks';
import { navigate, routeHref } from '../../lib/routes';
import { unlessStopped, useAction, type Action } from '../../lib/use-action';
import { EvaluationProgress, STOPPED_NOTE } from './evaluation-progress';
import {
  DEFAULT_EVALUATE_OPTIONS,
  buildEvaluateInput,
  type EvaluateFieldErrors,
  type EvaluateOptionValues,
} from './evaluate-options-model';
import './evaluate-options.css';

/** A run has a model to evaluate when it stored one of these: a network's or a tree ensemble's. */
const MODEL_FILES = new Set(['model/model.json', 'model/gbdt.json']);

/**
 * "Evaluate" on a finished run's page: scores its model on the held-out rows (eval:run) and opens the
 * report; "Options…" beside it asks first for another data version, sensitive and slice columns,
 * importance repeats and a learning curve (what `lathe eval` accepts). Then the run's earlier evaluations.
 */
export function EvaluateButton({ run }: { run: Run }) {
  // Held on success: the button stays disabled while the new report's page opens.
  const action = useAction({ hold: true });
  const [options, setOptions] = useState(false);
  const [stopped, setStopped] = useState(false);
  if (run.status !== 'finished' || !run.artifacts.some((a) => MODEL_FILES.has(a.path))) return null;
  const evaluate = (input: EvaluateIn) => {
    setStopped(false);
    return action.run(() => getApi().invoke('eval:run', input), {
      done: (report) => navigate({ view: 'evaluation', id: report.id }),
      describe: unlessStopped(() => setStopped(true)),
    });
  };
  return (
    <>
      <BusyButton
        busy={action.busy && !options}
        disabled={action.busy}
        busyLabel="Evaluating…"
        onClick={() => void evaluate({ target: run.id })}
        testId="evaluate-run"
        title={action.message ?? 'Score the model on the rows it held out'}
      >
        Evaluate
      </BusyButton>
      <button
        type="button"
        className="btn"
        disabled={action.busy}
        onClick={() => {
          action.fail(null);
          setOptions(true);
        }}
        data-testid="evaluate-options"
      >
        Evaluate with…
      </button>
      <a
        className="btn"
        href={routeHref({ view: 'evaluations', target: run.id })}
        data-testid="run-evaluations"
      >
        Evaluations
      </a>
      {options && (
        <EvaluateOptionsDialog
          run={run}
          action={action}
          stopped={stopped}
          onEvaluate={(input) => void evaluate(input)}
          onClose={() => setOptions(false)}
        />
      )}
      {action.busy && !options && <EvaluationProgress runId={run.id} inActions />}
      {stopped && !action.busy && !options && (
        <span className="muted" role="status" data-testid="evaluate-stopped">
          {STOPPED_NOTE}
        </span>
      )}
      {action.message && !options && (
        <span className="form-error" role="alert" data-testid="evaluate-error">
          {action.message}
        </span>
      )}
    </>
  );
}

/** The options of one evaluation, in a modal dialog (Escape or Cancel closes it). */
function EvaluateOptionsDialog({
  run,
  action,
  stopped,
  onEvaluate,
  onClose,
}: {
  run: Run;
  action: Action<'run'>;
  /** The last evaluation was stopped (Stop): it stored nothing. */
  stopped: boolean;
  onEvaluate: (input: EvaluateIn) => void;
  onClose: () => void;
}) {
  const [values, setValues] = useState<EvaluateOptionValues>(DEFAULT_EVALUATE_OPTIONS);
  const [errors, setErrors] = useState<EvaluateFieldErrors>({});
  const [dataset = '', pinned] = run.dataset.split('@');
  const versions = useAsync(() => getApi().invoke('data:versions', { name: dataset }), [dataset]);
  const list = versions.data ?? [];
  const chosen =
    list.find((v) => `${v.dataset}@${v.version}` === values.data) ??
    list.find((v) => String(v.version) === pinned || v.hash.startsWith(pinned ?? '\u0000')) ??
    list[list.length - 1];
  const columns = (chosen?.columns ?? []).map((c) => c.name).filter((c) => c !== run.config.target);
  const busy = action.busy;

  function set<K extends keyof EvaluateOptionValues>(key: K, value: EvaluateOptionValues[K]) {
    setValues((v) => ({ ...v, [key]: value }));
    setErrors((e) => ({ ...e, [key]: undefined }));
  }

  function submit() {
    const built = buildEvaluateInput(run.id, values);
    if ('errors' in built) {
      setErrors(built.errors);
      return;
    }
    onEvaluate(built.input);
  }

  return (
    <ModalDialog
      label="Evaluate with options"
      className="eval-options"
      busy={busy}
      onClose={onClose}
      onSubmit={submit}
      testId="evaluate-options-dialog"
    >
      <h3>Evaluate {run.name}</h3>
      <fieldset className="form-section" disabled={busy}>
        <div className="form-row">
          <SelectField
            label="Rows"
            grow
            value={values.data}
            options={[
              { value: '', label: 'its held-out rows (test, else validation)' },
              ...list.map((v) => ({
                value: `${v.dataset}@${v.version}`,
                label: `every row of ${v.dataset}@${v.version} (${v.rows} rows)`,
              })),
            ]}
            onChange={(v) => set('data', v)}
            error={errors.data}
            testId="evaluate-data"
          />
        </div>
        <div className="form-row">
          <MultiSelectField
            grow
            label="Sensitive columns"
            hint="(fairness by group)"
            options={plainOptions(columns)}
            value={values.sensitive}
            onChange={(v) => set('sensitive', v)}
            error={errors.sensitive}
            testId="evaluate-sensitive"
          />
          <MultiSelectField
            grow
            label="Slice columns"
            hint="(none chosen: its inputs)"
            options={plainOptions(columns)}
            value={values.slices}
            onChange={(v) => set('slices', v)}
            error={errors.slices}
            testId="evaluate-slices"
          />
        </div>
        <div className="form-row">
          <TextField
            label="Importance repeats"
            hint="(0 skips)"
            numeric="numeric"
            placeholder="5"
            value={values.importanceRepeats}
            onChange={(v) => set('importanceRepeats', v)}
            error={errors.importanceRepeats}
            testId="evaluate-importance-repeats"
          />
          <TextField
            label="Learning curve"
            hint="(training fractions; one training each)"
            grow
            placeholder="none, e.g. 0.25, 0.5, 1"
            value={values.learningCurve}
            onChange={(v) => set('learningCurve', v)}
            error={errors.learningCurve}
            testId="evaluate-learning-curve"
          />
        </div>
      </fieldset>
      {busy && <EvaluationProgress runId={run.id} />}
      {stopped && !busy && (
        <p className="muted" role="status" data-testid="evaluate-stopped">
          {STOPPED_NOTE}
        </p>
      )}
      {action.message && (
        <p className="form-error" role="alert" data-testid="evaluate-error">
          {action.message}
        </p>
      )}
      <ModalActions
        busy={busy}
        onClose={onClose}
        closeLabel="Cancel"
        busyLabel="Evaluating…"
        submitTestId="evaluate-options-submit"
      >
        Evaluate
      </ModalActions>
    </ModalDialog>
  );
}
