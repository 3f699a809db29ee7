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
  testId,
}: {
  /** `dataset` or `project`, for labels and messages. */
  what: string;
  name: string;
  onRename: (to: string) => Promise<void>;
  onDelete: () => Promise<void>;
  /** The Delete button's tooltip, e.g. that a dataset can be restored. */
  deleteHint: string;
  testId: string;
}) {
  const [renaming, setRenaming] = useState(false);
  const [to, setTo] = useState(name);
  const action = useAction<'rename' | 'delete'>();

  const rename = () =>
    action.run(() => onRename(to.trim()), {
      as: 'rename',
      done: () => setRenaming(false),
      describe: (err) => `Could not rename the ${what}: ${errorMessage(err)}`,
    });
  const remove = () =>
    action.run(onDelete, {
      as: 'delete',
      describe: (err) => `Could not delete the ${what}: ${errorMessage(err)}`,
    });

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
          <BusyButton
            busy={action.doing === 'rename'}
            busyLabel="Renaming…"
            disabled={!to.trim() || to.trim() === name}
            type="submit"
            className="btn btn-primary btn-small"
            testId={`${testId}-rename-save`}
          >
            Rename
          </BusyButton>
          <button type="button" className="btn btn-small" onClick={() => setRenaming(false)}>
            Cancel
          </button>
        </form>
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
            onClick={() => void remove()}
            title={deleteHint}
            testId={`${testId}-delete`}
          >
            Delete
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
