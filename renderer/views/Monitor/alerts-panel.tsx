import { useMemo, useState } from 'react';
import type { Alert, CheckOut } from '../../../shared/contract';
import { getApi } from '../../api';
import { BusyButton } from '../../components/busy-button';
import { Checkbox, FormField } from '../../components/form-field';
import { Panel } from '../../components/page';
import { AsyncStatus, EmptyState, ErrorBanner, Loading } from '../../components/states';
import { TableHead, num } from '../../components/table';
import { formatNumber, formatTime } from '../../lib/format';
import { useAsync, useEvent } from '../../lib/hooks';
import { useAction } from '../../lib/use-action';
import { parseRulesText, rulesText } from './monitor-model';
import { useReloadOn, type MonitorTarget } from './monitor-target';

const SEVERITY_BADGE: Record<Alert['severity'], string> = {
  info: 'badge badge-queued',
  warning: 'badge badge-cancelled',
  critical: 'badge badge-failed',
};

/** The model's alert log, newest first, with acknowledge; "Check now" evaluates the rules once. */
export function AlertsPanel({ target }: { target: MonitorTarget }) {
  const [openOnly, setOpenOnly] = useState(false);
  const alerts = useAsync(
    () =>
      getApi().invoke('monitor:alerts', {
        model: target.model,
        ...(openOnly ? { open: true } : {}),
      }),
    [target.model, openOnly],
  );
  useReloadOn(target.revision, alerts.reload);
  useEvent('monitor:alert', (a) => {
    if (a.model === target.model) alerts.reload();
  });
  const check = useAction();
  const [checked, setChecked] = useState<CheckOut | null>(null);
  const runCheck = () =>
    check.run(() => getApi().invoke('monitor:check', {}), {
      done: (out) => {
        setChecked(out);
        alerts.reload();
      },
    });
  const mine = checked?.results.filter((r) => r.model === target.model) ?? [];

  return (
    <Panel
      title="Alerts"
      testId="monitor-alerts"
      actions={
        <>
          <Checkbox
            className="check"
            checked={openOnly}
            onChange={setOpenOnly}
            testId="alerts-open-only"
          >
            open only
          </Checkbox>
          <BusyButton
            busy={check.busy}
            busyLabel="Checking…"
            className="btn btn-small"
            onClick={() => void runCheck()}
            testId="alerts-check"
          >
            Check rules now
          </BusyButton>
        </>
      }
    >
      {check.error && <ErrorBanner error={check.error} title="Rules could not be checked" />}
      {checked && (
        <div className="banner banner-ok" role="status" data-testid="alerts-checked">
          Checked {mine.length} rule{mine.length === 1 ? '' : 's'} of {target.model} at{' '}
          {formatTime(checked.checkedAt)}:{' '}
          {mine
            .filter((r) => r.fired)
            .map((r) => r.rule)
            .join(', ') || 'none fired'}
          .
        </div>
      )}
      <AsyncStatus of={alerts} error="Could not list alerts" testId="alerts-loading" />
      {alerts.data && alerts.data.length === 0 && (
        <EmptyState title={openOnly ? 'No open alerts' : 'No alerts'} testId="alerts-empty">
          Rules below are checked on their schedule while the app, <code>lathe ui</code> or{' '}
          <code>lathe monitor watch</code> runs, and once with <code>lathe monitor check</code>.
        </EmptyState>
      )}
      {alerts.data && alerts.data.length > 0 && (
        <div className="table-scroll">
          <table className="table table-dense" data-testid="alerts-table">
            <TableHead
              columns={[
                'when',
                'severity',
                'rule',
                'signal',
                num('value'),
                num('threshold'),
                'message',
                'delivered',
                'acknowledged',
              ]}
            />
            <tbody>
              {alerts.data.map((a) => (
                <AlertRow key={a.id} alert={a} onAcked={alerts.reload} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}

function AlertRow({ alert: a, onAcked }: { alert: Alert; onAcked: () => void }) {
  const [noting, setNoting] = useState(false);
  const [note, setNote] = useState('');
  const ack = useAction();
  const acknowledge = () =>
    ack.run(
      () =>
        getApi().invoke('monitor:ack', { id: a.id, ...(note.trim() ? { note: note.trim() } : {}) }),
      { done: onAcked },
    );
  return (
    <tr
      data-testid="alert-row"
      data-alert-id={a.id}
      data-acknowledged={String(a.acknowledgedAt !== null)}
    >
      <td className="muted">{formatTime(a.at)}</td>
      <td>
        <span className={SEVERITY_BADGE[a.severity]}>{a.severity}</span>
      </td>
      <td className="strong" data-testid="alert-rule">
        {a.rule}
        {a.version !== null && <span className="muted"> · v{a.version}</span>}
      </td>
      <td className="mono">{a.signal}</td>
      <td className="num">{formatNumber(a.value)}</td>
      <td className="num">{formatNumber(a.threshold)}</td>
      <td className="alert-message">{a.message}</td>
      <td className="small">
        {a.deliveries.map((d) => (
          <span
            key={d.channel}
            className={d.ok ? 'delivery delivery-ok' : 'delivery delivery-failed'}
            title={d.error ?? `${d.attempts} attempt(s)`}
          >
            {d.channel}
            {d.ok ? '' : ' ✗'}
          </span>
        ))}
      </td>
      <td className="alert-ack">
        {a.acknowledgedAt ? (
          <span className="muted" data-testid="alert-acknowledged">
            {formatTime(a.acknowledgedAt)}
            {a.acknowledgedBy && ` by ${a.acknowledgedBy}`}
            {a.note && ` — ${a.note}`}
          </span>
        ) : noting ? (
          <form
            className="form-inline"
            onSubmit={(e) => {
              e.preventDefault();
              void acknowledge();
            }}
          >
            <input
              value={note}
              onChange={(e) => setNote(e.target.value)}
              placeholder="Note (optional)"
              aria-label={`Note for acknowledging ${a.rule}`}
              data-testid="alert-note"
              // The field appears because the user asked for it: focus it.
              autoFocus
            />
            <BusyButton
              busy={ack.busy}
              busyLabel="Saving…"
              type="submit"
              className="btn btn-small btn-primary"
              testId="alert-ack-confirm"
            >
              Acknowledge
            </BusyButton>
            <button
              type="button"
              className="btn btn-small btn-ghost"
              onClick={() => setNoting(false)}
            >
              Cancel
            </button>
            {ack.message && (
              <span className="form-error" role="alert">
                {ack.message}
              </span>
            )}
          </form>
        ) : (
          <button
            type="button"
            className="btn btn-small"
            onClick={() => setNoting(true)}
            data-testid="alert-ack"
          >
            Acknowledge…
          </button>
        )}
      </td>
    </tr>
  );
}

/** The workspace's alert rules as YAML: checked against the schema as you type, errors by field. */
export function RulesPanel({ model }: { model: string }) {
  const stored = useAsync(() => getApi().invoke('monitor:rules:get', {}), []);
  const [text, setText] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const saving = useAction();
  const current = text ?? (stored.data ? rulesText(stored.data.rules, model) : '');
  const parsed = useMemo(() => parseRulesText(current), [current]);

  if (!stored.data)
    return (
      <Panel title="Alert rules" testId="monitor-rules">
        {stored.status === 'error' ? (
          <ErrorBanner
            error={stored.error}
            title="Could not read the alert rules"
            onRetry={stored.reload}
          />
        ) : (
          <Loading label="Loading the alert rules…" />
        )}
      </Panel>
    );

  const save = () => {
    if (!parsed.ok) return;
    setNotice(null);
    return saving.run(() => getApi().invoke('monitor:rules:set', { rules: parsed.rules }), {
      done: (out) => {
        setNotice(`Saved ${out.rules.rules.length} rule(s); checked on '${out.rules.schedule}'.`);
        setText(null);
        stored.reload();
      },
    });
  };

  return (
    <Panel
      title="Alert rules"
      testId="monitor-rules"
      actions={
        <span className="muted small" data-testid="rules-state">
          {stored.data.rules.rules.length
            ? `${stored.data.rules.rules.length} rule(s) · saved ${formatTime(stored.data.updatedAt)}`
            : 'none saved: an example to start from'}
        </span>
      }
    >
      <FormField
        label="Rules (YAML)"
        hint={
          <>
            every model&apos;s rules, one file; signals: drift_share, feature_drift, metric,
            estimated_metric, latency_p99, error_rate, volume (<code>lathe schema alert-rules</code>
            )
          </>
        }
      >
        <textarea
          className="suite-editor mono"
          rows={12}
          spellCheck={false}
          value={current}
          onChange={(e) => setText(e.target.value)}
          aria-invalid={!parsed.ok}
          aria-describedby={!parsed.ok ? 'rules-errors' : undefined}
          data-testid="rules-text"
        />
      </FormField>
      {!parsed.ok && (
        <ul className="suite-errors" id="rules-errors" data-testid="rules-errors" role="alert">
          {parsed.errors.map((e, i) => (
            <li key={i}>
              <span className="mono">{e.path}</span>: {e.message}
            </li>
          ))}
        </ul>
      )}
      <div className="form-row">
        <BusyButton
          busy={saving.busy}
          busyLabel="Saving…"
          disabled={!parsed.ok}
          className="btn btn-primary"
          onClick={() => void save()}
          testId="rules-save"
        >
          Save rules
        </BusyButton>
        {text !== null && (
          <button type="button" className="btn btn-ghost" onClick={() => setText(null)}>
            Revert
          </button>
        )}
      </div>
      {notice && (
        <div className="hint" role="status" data-testid="rules-notice">
          {notice}
        </div>
      )}
      {saving.error && <ErrorBanner error={saving.error} title="Could not save the rules" />}
    </Panel>
  );
}
