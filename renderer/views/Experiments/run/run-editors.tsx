import { useState } from 'react';
import type { RunDetails as Run, RunsUpdateIn } from '../../../../shared/contract';
import { getApi } from '../../../api';
import { useAction } from '../../../lib/use-action';
import { checkTag } from './run-model';
import { handleSubmit } from '../../../lib/forms';

/** Sends one runs:update and hands the updated run back; the error, if any, names what was refused. */
function useUpdate(run: Run, onSaved: (run: Run) => void) {
  const update = useAction();
  const save = (patch: Omit<RunsUpdateIn, 'id'>): Promise<boolean> =>
    update.run(() => getApi().invoke('runs:update', { id: run.id, ...patch }), { done: onSaved });
  return { saving: update.busy, error: update.message, setError: update.fail, save };
}

/** The run's tags as removable chips and a key/value form to add or overwrite one. */
export function TagsEditor({ run, onSaved }: { run: Run; onSaved: (run: Run) => void }) {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const { saving, error, setError, save } = useUpdate(run, onSaved);
  const tags = Object.entries(run.tags).sort(([a], [b]) => a.localeCompare(b));

  async function add() {
    const checked = checkTag(key, value);
    if (!checked.ok) {
      setError(checked.error);
      return;
    }
    if (await save({ tags: { set: { [checked.key]: checked.value } } })) {
      setKey('');
      setValue('');
    }
  }

  return (
    <div className="run-tags" data-testid="run-tags">
      {tags.length === 0 ? (
        <div className="muted small">No tags.</div>
      ) : (
        <ul className="tag-list">
          {tags.map(([k, v]) => (
            <li key={k} className="tag" data-testid={`tag-${k}`}>
              <span className="mono">{k}</span>
              {v !== '' && <span className="tag-value">= {v}</span>}
              <button
                type="button"
                className="tag-remove"
                aria-label={`Remove tag ${k}`}
                disabled={saving}
                onClick={() => void save({ tags: { delete: [k] } })}
                data-testid={`tag-remove-${k}`}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <form className="tag-form" onSubmit={handleSubmit(add)}>
        <input
          placeholder="key"
          aria-label="Tag key"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          data-testid="tag-key"
        />
        <input
          placeholder="value"
          aria-label="Tag value"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          data-testid="tag-value"
        />
        <button type="submit" className="btn btn-small" disabled={saving} data-testid="tag-add">
          Add tag
        </button>
      </form>
      {error && (
        <div className="form-error small" role="alert" data-testid="tag-error">
          {error}
        </div>
      )}
    </div>
  );
}

/** A textarea over the run's notes; Save writes them, and is enabled only when they changed. */
export function NotesEditor({ run, onSaved }: { run: Run; onSaved: (run: Run) => void }) {
  const stored = run.notes ?? '';
  const [draft, setDraft] = useState(stored);
  const [savedAt, setSavedAt] = useState<number | null>(null);
  const { saving, error, save } = useUpdate(run, onSaved);
  // A reload that brings other notes (saved elsewhere) replaces an untouched draft.
  const [base, setBase] = useState(stored);
  if (stored !== base) {
    setBase(stored);
    if (draft === base) setDraft(stored);
  }
  const dirty = draft !== stored;

  return (
    <div className="run-notes">
      <textarea
        className="notes-input"
        rows={5}
        placeholder="What you tried, what you saw, what to try next (markdown)"
        value={draft}
        onChange={(e) => {
          setDraft(e.target.value);
          setSavedAt(null);
        }}
        aria-label="Run notes"
        data-testid="run-notes"
      />
      <div className="notes-actions">
        {error && (
          <span className="form-error small" role="alert">
            {error}
          </span>
        )}
        {!dirty && savedAt !== null && (
          <span className="muted small" data-testid="notes-saved">
            Saved
          </span>
        )}
        <button
          type="button"
          className="btn btn-small btn-primary"
          disabled={!dirty || saving}
          onClick={() =>
            void save({ notes: draft }).then((ok) => {
              if (ok) setSavedAt(Date.now());
            })
          }
          data-testid="notes-save"
        >
          {saving ? 'Saving…' : 'Save notes'}
        </button>
      </div>
    </div>
  );
}

/** The run's name with an inline rename. */
export function RunName({ run, onSaved }: { run: Run; onSaved: (run: Run) => void }) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(run.name);
  const { saving, error, save } = useUpdate(run, onSaved);
  if (!editing)
    return (
      <>
        <span data-testid="run-name">{run.name}</span>{' '}
        <button
          type="button"
          className="btn btn-small btn-ghost"
          onClick={() => {
            setDraft(run.name);
            setEditing(true);
          }}
          data-testid="run-rename"
        >
          Rename
        </button>
      </>
    );
  return (
    <form
      className="rename-form"
      onSubmit={handleSubmit(() => save({ name: draft }).then((ok) => ok && setEditing(false)))}
    >
      <input
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        aria-label="Run name"
        autoFocus
        data-testid="run-name-input"
      />
      <button type="submit" className="btn btn-small btn-primary" disabled={saving}>
        Save
      </button>
      <button type="button" className="btn btn-small" onClick={() => setEditing(false)}>
        Cancel
      </button>
      {error && (
        <span className="form-error small" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}
