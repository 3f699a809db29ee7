import { useState } from 'react';
import { errorMessage } from '../../api';
import { TextField } from '../../components/form-field';
import { ErrorBanner } from '../../components/states';
import { BusyButton } from '../../components/busy-button';
import { handleSubmit } from '../../lib/forms';
import { useAction } from '../../lib/use-action';

/**
 * Rename (an inline form) and Delete buttons for a dataset or project; errors, such as a refusal naming
 * the runs that use it, show beside them. `testId` prefixes every test id (`<testId>-rename`, …).
 */
export function NameActions({
  what,
  name,
  onRename,
  onDelete,
  deleteHint,
  confirmDelete,
  testId,
}: {
  /** `dataset` or `project`, for labels and messages. */
  what: string;
  name: string;
  onRename: (to: string) => Promise<void>;
  onDelete: () => Promise<void>;
  /** The Delete button's tooltip, e.g. that a dataset can be restored. */
  deleteHint: string;
  /**
   * For a delete that cannot be undone: the question Delete asks first, answered in place
   * (`<testId>-delete-confirm`, `<testId>-delete-yes`). None: Delete acts at once (a restorable one).
   */
  confirmDelete?: string;
  testId: string;
}) {
  const [renaming, setRenaming] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [to, setTo] = useState(name);
  const action = useAction<'rename' | 'delete'>();

  const rename = () =>
    action.run(() => onRename(to.trim()), {
      as: 'rename',
      done: () => setRenaming(false),
      describe: (err) => `Could not rename the ${what}: ${errorMessage(err)}`,
    });
  const remove = () => {
    setConfirming(false);
    return action.run(onDelete, {
      as: 'delete',
      describe: (err) => `Could not delete the ${what}: ${errorMessage(err)}`,
    });
  };

  return (
    <div className="name-actions" data-testid={`${testId}-actions`}>
      {renaming ? (
        <form
          className="form form-inline"
          onSubmit={handleSubmit(rename)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') setRenaming(false);
          }}
        >
          <TextField
            label={`New ${what} name`}
            value={to}
            onChange={setTo}
            spellCheck={false}
            testId={`${testId}-rename-input`}
          />
          {/* Full-size buttons: as tall as the input, so the row lines up. */}
          <BusyButton
            busy={action.doing === 'rename'}
            busyLabel="Renaming…"
            disabled={!to.trim() || to.trim() === name}
            type="submit"
            className="btn btn-primary"
            testId={`${testId}-rename-save`}
          >
            Rename
          </BusyButton>
          <button type="button" className="btn" onClick={() => setRenaming(false)}>
            Cancel
          </button>
        </form>
      ) : confirming ? (
        <span
          className="name-actions-confirm"
          role="alertdialog"
          data-testid={`${testId}-delete-confirm`}
        >
          {confirmDelete}{' '}
          <button
            type="button"
            className="btn btn-small btn-danger"
            onClick={() => void remove()}
            data-testid={`${testId}-delete-yes`}
          >
            Delete {name}
          </button>{' '}
          <button
            type="button"
            className="btn btn-small"
            onClick={() => setConfirming(false)}
            data-testid={`${testId}-delete-cancel`}
          >
            Cancel
          </button>
        </span>
      ) : (
        <div className="form-row">
          <button
            type="button"
            className="btn btn-small"
            disabled={action.busy}
            onClick={() => {
              setTo(name);
              setRenaming(true);
            }}
            data-testid={`${testId}-rename`}
          >
            Rename…
          </button>
          <BusyButton
            busy={action.doing === 'delete'}
            busyLabel="Deleting…"
            disabled={action.busy}
            className="btn btn-small btn-danger"
            onClick={() => {
              if (confirmDelete === undefined) void remove();
              else {
                action.fail(null);
                setConfirming(true);
              }
            }}
            title={deleteHint}
            testId={`${testId}-delete`}
          >
            {confirmDelete === undefined ? 'Delete' : 'Delete…'}
          </BusyButton>
        </div>
      )}
      {action.message && (
        <div style={{ textAlign: 'left', marginTop: 6 }}>
          <ErrorBanner error={action.message} title={`The ${what} was not changed`} />
        </div>
      )}
    </div>
  );
}
