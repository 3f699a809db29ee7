import { useState } from 'react';
import { getApi } from '../../api';
import { Panel } from '../../components/page';
import { ErrorBanner, Loading } from '../../components/states';
import { useAsync } from '../../lib/hooks';
import { useAction } from '../../lib/use-action';
import { parsePolicy, policyText } from './gate-policy';

/** The project's gate policy: edited as YAML, checked as you type, saved (or removed) with a reason. */
export function GatePolicyPanel({ project }: { project: string }) {
  const stored = useAsync(() => getApi().invoke('gates:get', { project }), [project]);
  const [text, setText] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const saving = useAction();
  const busy = saving.busy;

  if (stored.status === 'error')
    return (
      <Panel title="Gate policy">
        <ErrorBanner
          error={stored.error}
          title="Could not read the gate policy"
          onRetry={stored.reload}
        />
      </Panel>
    );
  if (!stored.data) return <Loading label="Loading the gate policy…" />;
  const current = text ?? policyText(stored.data.policy);
  const parsed = parsePolicy(current);

  const save = (remove: boolean) => {
    setNotice(null);
    const input = {
      project,
      policy: remove ? null : 'policy' in parsed ? parsed.policy : null,
      ...(reason.trim() ? { reason: reason.trim() } : {}),
    };
    return saving.run(() => getApi().invoke('gates:set', input), {
      done: (out) => {
        setNotice(
          out.policy
            ? 'Saved: every evaluation from now on checks these gates.'
            : 'Removed: promotions are no longer checked.',
        );
        setText(null);
        stored.reload();
      },
    });
  };

  return (
    <Panel
      title="Gate policy"
      testId="gate-policy"
      actions={
        <span className="muted" data-testid="gate-policy-state">
          {stored.data.policy ? 'active' : 'none: promotions are not checked'}
        </span>
      }
    >
      <p className="muted">
        What an evaluation must show before a version becomes <code>champion</code> or goes to{' '}
        <code>production</code> (<code>lathe schema gate-policy</code>).
      </p>
      <textarea
        className="mono"
        rows={10}
        spellCheck={false}
        value={current}
        onChange={(e) => setText(e.target.value)}
        data-testid="gate-policy-text"
        aria-label="Gate policy (YAML)"
      />
      {'error' in parsed && (
        <div className="form-error" data-testid="gate-policy-error">
          {parsed.error}
        </div>
      )}
      <div className="form-row">
        <input
          value={reason}
          placeholder="Why (for the audit log)"
          onChange={(e) => setReason(e.target.value)}
          data-testid="gate-policy-reason"
        />
        <button
          type="button"
          className="btn btn-primary"
          disabled={busy || 'error' in parsed}
          onClick={() => void save(false)}
          data-testid="gate-policy-save"
        >
          Save policy
        </button>
        {stored.data.policy && (
          <button
            type="button"
            className="btn btn-danger"
            disabled={busy}
            onClick={() => void save(true)}
            data-testid="gate-policy-remove"
          >
            Remove
          </button>
        )}
      </div>
      {notice && (
        <div className="hint" data-testid="gate-policy-notice">
          {notice}
        </div>
      )}
      {saving.message && <ErrorBanner error={saving.message} title="Could not save the policy" />}
    </Panel>
  );
}
