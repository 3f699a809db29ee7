import { useState } from 'react';
import type { KeysCreateOut } from '../../../shared/contract';
import { getApi } from '../../api';
import { BusyButton } from '../../components/busy-button';
import { MultiSelectField, TextField } from '../../components/form-field';
import { plainOptions } from '../../components/options';
import { Panel } from '../../components/page';
import { AsyncStatus, ErrorBanner } from '../../components/states';
import { TableHead } from '../../components/table';
import { formatTime } from '../../lib/format';
import { handleSubmit } from '../../lib/forms';
import { useAsync } from '../../lib/hooks';
import { useAction } from '../../lib/use-action';
import { createInput, keyModels, keyRate } from './keys-model';

/** The prediction servers' API keys (`lathe keys list|create|revoke`): a new key's secret shows once. */
export function KeysPanel({ modelNames }: { modelNames: readonly string[] }) {
  const keys = useAsync(() => getApi().invoke('keys:list', {}), []);
  const [created, setCreated] = useState<KeysCreateOut | null>(null);
  const [revoking, setRevoking] = useState<string | null>(null);
  const revoke = useAction();
  const confirmRevoke = async (name: string) => {
    const ok = await revoke.run(() => getApi().invoke('keys:revoke', { name }));
    if (ok) setRevoking(null);
    keys.reload();
  };
  return (
    <Panel title="API keys" testId="deploy-keys">
      <p className="muted">
        Servers ask for a key (<code>Authorization: Bearer …</code>) once the workspace has one.
      </p>
      <CreateKeyForm
        modelNames={modelNames}
        onCreated={(key) => {
          setCreated(key);
          keys.reload();
        }}
      />
      {created && (
        <div className="banner banner-warn" role="status" data-testid="deploy-key-secret">
          <span>
            Key <strong>{created.name}</strong> created. Copy its secret now: it is shown only once
            (the workspace keeps a hash of it, not the key).
          </span>
          <SecretBox secret={created.key} />
          <button type="button" className="btn btn-small" onClick={() => setCreated(null)}>
            Done
          </button>
        </div>
      )}
      <AsyncStatus of={keys} error="Could not list API keys" loading={false} />
      {revoke.error && <ErrorBanner error={revoke.error} title="Could not revoke the key" />}
      {keys.data && keys.data.length === 0 && (
        <p className="muted" data-testid="deploy-no-keys">
          No API keys: servers answer without one unless started with a key required.
        </p>
      )}
      {keys.data && keys.data.length > 0 && (
        <table className="table" data-testid="deploy-keys-table">
          <TableHead columns={['name', 'models', 'rate limit', 'created', 'revoked', '']} />
          <tbody>
            {keys.data.map((k) => (
              <tr key={k.id} data-testid="deploy-key" data-key-name={k.name}>
                <td className="mono">{k.name}</td>
                <td data-testid="deploy-key-models">{keyModels(k)}</td>
                <td data-testid="deploy-key-rate">{keyRate(k)}</td>
                <td>{formatTime(k.createdAt)}</td>
                <td data-testid="deploy-key-revoked">
                  {k.revokedAt ? formatTime(k.revokedAt) : <span className="muted">active</span>}
                </td>
                <td>
                  {k.revokedAt === null && revoking !== k.id && (
                    <button
                      type="button"
                      className="btn btn-small btn-danger"
                      onClick={() => {
                        revoke.fail(null);
                        setRevoking(k.id);
                      }}
                      data-testid="deploy-key-revoke"
                    >
                      Revoke
                    </button>
                  )}
                  {k.revokedAt === null && revoking === k.id && (
                    <span role="alertdialog" data-testid="deploy-key-confirm">
                      Requests with {k.name} will be refused.{' '}
                      <BusyButton
                        busy={revoke.busy}
                        busyLabel="Revoking…"
                        className="btn btn-small btn-danger"
                        onClick={() => void confirmRevoke(k.id)}
                        testId="deploy-key-revoke-confirm"
                      >
                        Revoke {k.name}
                      </BusyButton>{' '}
                      <button
                        type="button"
                        className="btn btn-small"
                        onClick={() => setRevoking(null)}
                      >
                        Cancel
                      </button>
                    </span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

function CreateKeyForm({
  modelNames,
  onCreated,
}: {
  modelNames: readonly string[];
  onCreated: (key: KeysCreateOut) => void;
}) {
  const [name, setName] = useState('');
  const [models, setModels] = useState<string[]>([]);
  const [rate, setRate] = useState('');
  const creating = useAction();
  const input = createInput(name, models, rate);
  const rateError = 'error' in input ? input.error : null;
  const create = async () => {
    if ('error' in input || !input.name) return;
    await creating.run(() => getApi().invoke('keys:create', input), {
      done: (key) => {
        setName('');
        setModels([]);
        setRate('');
        onCreated(key);
      },
    });
  };
  return (
    <form className="form" onSubmit={handleSubmit(create)}>
      <div className="form-row">
        <TextField
          label="Name"
          value={name}
          onChange={setName}
          spellCheck={false}
          placeholder="partner-app"
          testId="deploy-key-name"
        />
        <MultiSelectField
          label="Models it may call"
          hint="(none chosen: all)"
          value={models}
          options={plainOptions(modelNames)}
          onChange={setModels}
          testId="deploy-key-models-pick"
        />
        <TextField
          label="Rate limit (requests/min)"
          hint="(optional)"
          value={rate}
          onChange={setRate}
          numeric="numeric"
          placeholder="unlimited"
          error={rateError}
          testId="deploy-key-rate-input"
        />
        <BusyButton
          busy={creating.busy}
          disabled={!name.trim() || rateError !== null}
          busyLabel="Creating…"
          type="submit"
          className="btn btn-primary"
          testId="deploy-key-create"
        >
          Create key
        </BusyButton>
      </div>
      {creating.error && <ErrorBanner error={creating.error} title="Could not create the key" />}
    </form>
  );
}

/** The new key's secret, selectable, with a copy button. */
function SecretBox({ secret }: { secret: string }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const copy = () =>
    void navigator.clipboard
      ?.writeText(secret)
      .then(() => setCopied('yes'))
      .catch(() => setCopied('failed'));
  return (
    <span>
      <code className="mono" data-testid="deploy-key-secret-value">
        {secret}
      </code>{' '}
      <button type="button" className="btn btn-small" onClick={copy} data-testid="deploy-key-copy">
        {copied === 'yes' ? 'Copied' : 'Copy'}
      </button>
      {copied === 'failed' && (
        <span className="form-error">
          {' '}
          the clipboard is unavailable: select the key and copy it
        </span>
      )}
    </span>
  );
}
