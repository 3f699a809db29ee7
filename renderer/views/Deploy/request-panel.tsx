import { useState } from 'react';
import type { ServerStatus } from '../../../shared/contract';
import { getApi } from '../../api';
import { SelectField, TextField } from '../../components/form-field';
import { Panel } from '../../components/page';
import { AsyncStatus, ErrorBanner } from '../../components/states';
import { BusyButton } from '../../components/busy-button';
import { formatDuration } from '../../lib/format';
import { handleSubmit } from '../../lib/forms';
import { useAsync } from '../../lib/hooks';
import { useResult } from '../../lib/use-action';
import { curlLine, predictUrl, recordOf, requestFields } from './deploy-model';

/**
 * Tries a running server: a form built from the served version's signature, the server's JSON answer,
 * and the curl line that sends the same request.
 */
export function RequestPanel({ servers }: { servers: ServerStatus[] }) {
  const [serverId, setServerId] = useState<string | null>(null);
  const server = servers.find((s) => s.id === serverId) ?? servers[0]!;
  const served = `${server.model}@${server.version}`;
  const version = useAsync(() => getApi().invoke('models:version', { ref: served }), [served]);
  return (
    <Panel title="Try a request" testId="deploy-request">
      <div className="form-row request-server">
        <SelectField
          label="Server"
          value={server.id}
          options={servers.map((s) => ({
            value: s.id,
            label: `${s.model}@${s.version} — ${s.url}`,
          }))}
          onChange={setServerId}
          testId="deploy-request-server"
        />
      </div>
      <AsyncStatus
        of={version}
        error="Could not read the signature"
        testId="deploy-request-loading"
      />
      {version.data && (
        <RequestForm
          key={`${server.id}:${served}`}
          server={server}
          inputs={version.data.signature?.inputs ?? []}
        />
      )}
    </Panel>
  );
}

function RequestForm({
  server,
  inputs,
}: {
  server: ServerStatus;
  inputs: Parameters<typeof recordOf>[0];
}) {
  const fields = requestFields(inputs);
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(
      fields.map((f) => [f.name, f.options?.[0] ?? (f.control === 'boolean' ? 'false' : '')]),
    ),
  );
  const [apiKey, setApiKey] = useState('');
  const parsed = recordOf(inputs, values);
  const errors = 'errors' in parsed ? parsed.errors : {};
  const { busy, error, result, run } = useResult(() =>
    'record' in parsed
      ? getApi().invoke('serve:try', {
          id: server.id,
          body: parsed.record,
          ...(apiKey.trim() ? { apiKey: apiKey.trim() } : {}),
        })
      : Promise.reject(new Error(Object.values(errors).join('; '))),
  );
  const set = (name: string) => (value: string) => setValues((v) => ({ ...v, [name]: value }));
  return (
    <>
      <form className="form" onSubmit={handleSubmit(run)}>
        <div className="request-fields" data-testid="deploy-request-fields">
          {fields.map((f) =>
            f.control === 'select' || f.control === 'boolean' ? (
              <SelectField
                key={f.name}
                label={f.name}
                hint={f.hint}
                value={values[f.name] ?? ''}
                options={(f.options ?? ['false', 'true']).map((o) => ({ value: o, label: o }))}
                onChange={set(f.name)}
                testId={`deploy-request-field-${f.name}`}
              />
            ) : (
              <TextField
                key={f.name}
                label={f.name}
                hint={f.hint}
                value={values[f.name] ?? ''}
                onChange={set(f.name)}
                numeric={f.control === 'number' ? 'decimal' : undefined}
                placeholder="empty: missing"
                error={errors[f.name] ?? null}
                testId={`deploy-request-field-${f.name}`}
              />
            ),
          )}
        </div>
        {server.auth.required && (
          <TextField
            label="API key"
            hint="(sent as Authorization: Bearer …; never stored)"
            type="password"
            spellCheck={false}
            value={apiKey}
            onChange={setApiKey}
            testId="deploy-request-key"
          />
        )}
        <div className="form-row">
          <BusyButton
            busy={busy}
            disabled={'errors' in parsed}
            busyLabel="Sending…"
            type="submit"
            testId="deploy-request-send"
          >
            Send
          </BusyButton>
        </div>
      </form>
      <div className="deploy-result">
        <span className="muted">The same request with curl:</span>
        <code className="mono small" data-testid="deploy-request-curl">
          {curlLine(
            predictUrl(server),
            'record' in parsed ? parsed.record : {},
            server.auth.required,
          )}
        </code>
      </div>
      {error && <ErrorBanner error={error} title="Request failed" />}
      {result && (
        <div className="deploy-result" data-testid="deploy-request-result">
          <span data-testid="deploy-request-status">
            HTTP {result.status} in {formatDuration(result.durationMs)}
          </span>
          <pre className="mono small" data-testid="deploy-request-answer">
            {JSON.stringify(result.body, null, 2)}
          </pre>
        </div>
      )}
    </>
  );
}
