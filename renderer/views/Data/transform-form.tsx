import { useState } from 'react';
import type { ImportOut, TransformIn } from '../../../shared/contract';
import { getApi } from '../../api';
import { BusyButton } from '../../components/busy-button';
import { FormField, SelectField, TextAreaField, TextField } from '../../components/form-field';
import { ErrorBanner } from '../../components/states';
import { formatCount, formatDuration } from '../../lib/format';
import { handleSubmit } from '../../lib/forms';
import { useProject } from '../../lib/project';
import { useAction } from '../../lib/use-action';
import { readYamlText } from '../../lib/yaml-text';
import {
  checkTransform,
  type TransformDraft,
  type TransformErrors,
  type TransformMode,
} from './transform-model';

const MODES = [
  { value: 'steps', label: 'Steps (YAML)' },
  { value: 'sql', label: 'SQL query' },
] as const;

const PLACEHOLDER: Record<TransformMode, string> = {
  steps:
    'steps:\n  - type: drop\n    columns: [notes]\n  - type: filter\n    where: price > 0\n# also: rename, cast, dedupe, sql (lathe schema transform)',
  sql: 'SELECT * FROM flights WHERE price > 0',
};

/** What the form shows as wrong, by field: `text` is the Steps or Query box's own message. */
export interface TransformFormErrors {
  name?: string;
  from?: string;
  text?: string;
  steps?: TransformErrors['steps'];
}

export const NO_STEPS = 'add at least one step, e.g. "- type: drop" with its columns';

/** Steps text that lists no step: blank or comments only, an empty list, or `steps:` with nothing under it. */
function listsNoSteps(text: string): boolean {
  const read = readYamlText(text);
  if (!read.ok) return false;
  const raw = read.raw;
  if (raw === null || raw === undefined) return true;
  if (Array.isArray(raw)) return raw.length === 0;
  if (typeof raw !== 'object') return false;
  const steps = (raw as { steps?: unknown }).steps;
  return steps === null || steps === undefined || (Array.isArray(steps) && steps.length === 0);
}

/**
 * The draft checked before it is sent, its problems in the form's words: a draft without steps asks
 * for one instead of showing the schema's "expected array, received undefined".
 */
export function checkTransformForm(
  draft: TransformDraft,
): { ok: true; input: TransformIn } | { ok: false; errors: TransformFormErrors } {
  const checked = checkTransform(draft);
  if (checked.ok) return checked;
  const { sql, steps, ...rest } = checked.errors;
  const errors: TransformFormErrors = { ...rest };
  if (draft.mode === 'sql') {
    if (sql) errors.text = sql;
  } else if (listsNoSteps(draft.text)) errors.text = NO_STEPS;
  else if (steps) {
    errors.text = 'the steps are not valid, see below';
    errors.steps = steps;
  }
  return { ok: false, errors };
}

/**
 * The errors still true of what is typed: a field's error goes once its value differs from the one
 * checked (the From box also changes when another dataset is opened).
 */
export function currentErrors(
  errors: TransformFormErrors,
  checked: TransformDraft | null,
  now: TransformDraft,
): TransformFormErrors {
  if (!checked) return {};
  const out: TransformFormErrors = {};
  if (errors.name && checked.name === now.name) out.name = errors.name;
  if (errors.from && checked.from === now.from) out.from = errors.from;
  if (checked.text === now.text && checked.mode === now.mode) {
    if (errors.text) out.text = errors.text;
    if (errors.steps) out.steps = errors.steps;
  }
  return out;
}

/**
 * Makes a new dataset version from parent versions (`lathe data transform`): cleaning steps in YAML,
 * or one SELECT over the parents. `parent` (the open dataset) fills the From box until it is typed in.
 */
export function TransformForm({
  parent,
  onMade,
}: {
  parent: string | null;
  onMade: (out: ImportOut) => void;
}) {
  const { project } = useProject();
  const [name, setName] = useState('');
  const [from, setFrom] = useState<string | null>(null);
  const [mode, setMode] = useState<TransformMode>('steps');
  const [text, setText] = useState('');
  const [check, setCheck] = useState<{ errors: TransformFormErrors; draft: TransformDraft } | null>(
    null,
  );
  const [done, setDone] = useState<ImportOut | null>(null);
  const action = useAction();
  const fromText = from ?? parent ?? '';
  const draft: TransformDraft = { name, from: fromText, mode, text, project };
  const errors = check ? currentErrors(check.errors, check.draft, draft) : {};

  function submit() {
    setDone(null);
    action.fail(null);
    const checked = checkTransformForm(draft);
    setCheck(checked.ok ? null : { errors: checked.errors, draft });
    if (!checked.ok) return;
    void action.run(() => getApi().invoke('data:transform', checked.input), {
      done: (out) => {
        // The next transform names its own output: a kept name would add a version to this one.
        setName('');
        setDone(out);
        onMade(out);
      },
    });
  }

  return (
    <form className="form" onSubmit={handleSubmit(submit)} data-testid="transform-form">
      <div className="form-row">
        <TextField
          label="From"
          hint="parent versions, NAME or NAME@VERSION, comma-separated"
          grow
          value={fromText}
          onChange={setFrom}
          placeholder="flights, airports@2"
          spellCheck={false}
          error={errors.from}
          testId="transform-from"
        />
        <TextField
          label="New dataset"
          hint="a parent's name adds a version to it"
          value={name}
          onChange={setName}
          placeholder="flights_clean"
          spellCheck={false}
          error={errors.name}
          testId="transform-name"
        />
        <SelectField
          label="Made by"
          value={mode}
          options={MODES}
          onChange={(v) => setMode(v as TransformMode)}
          testId="transform-mode"
        />
      </div>
      <TextAreaField
        label={mode === 'steps' ? 'Steps' : 'Query'}
        hint={
          mode === 'steps'
            ? 'drop, rename, cast, filter, dedupe, sql; each reads the one before'
            : 'a SELECT over the parents, each a view named by its dataset'
        }
        rows={mode === 'steps' ? 7 : 3}
        value={text}
        onChange={setText}
        placeholder={PLACEHOLDER[mode]}
        error={errors.text}
        testId="transform-text"
      />
      {errors.steps && (
        <ul className="suite-errors" data-testid="transform-steps-errors" role="alert">
          {errors.steps.map((e, i) => (
            <li key={i}>
              <span className="mono">{e.path}</span>: {e.message}
            </li>
          ))}
        </ul>
      )}
      <div className="form-row">
        <FormField as="div">
          <BusyButton
            type="submit"
            className="btn btn-primary"
            busy={action.busy}
            busyLabel="Transforming…"
            testId="transform-submit"
          >
            Make version
          </BusyButton>
        </FormField>
      </div>
      {action.error && <ErrorBanner error={action.error} title="Transform failed" />}
      {done && !action.busy && (
        <div className="banner banner-ok" data-testid="transform-done">
          {done.reused ? 'Already made: reused' : 'Made'} <strong>{done.dataset}</strong> v
          {done.version.version} from{' '}
          {done.version.parents.map((p) => `${p.dataset}@${p.version}`).join(', ')} ·{' '}
          {formatCount(done.version.rows)} rows · {formatDuration(done.durationMs)}
        </div>
      )}
    </form>
  );
}
