import { useState } from 'react';
import { getApi } from '../../api';
import { Panel } from '../../components/page';
import { ErrorBanner, Loading } from '../../components/states';
import { useAsync } from '../../lib/hooks';
import { useAction } from '../../lib/use-action';
import { parseSection, sectionText, withSection, type PolicyScope } from './gate-policy';

/**
 * The project's gate policy: the project default, or one model's own gates (which replace the default for
 * that model), edited as YAML, checked as you type, saved (or removed) with a reason.
 */
export function GatePolicyPanel({ project }: { project: string }) {
  const stored = useAsync(async () => {
    const [gates, models] = await Promise.all([
      getApi().invoke('gates:get', { project }),
      getApi().invoke('models:list', { project }),
    ]);
    return { ...gates, models: models.map((m) => m.name) };
  }, [project]);
  const [scope, setScope] = useState<PolicyScope>(null);
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
  const policy = stored.data.policy;
  const current = text ?? sectionText(policy, scope);
  const parsed = parseSection(current);
  const own = (name: string) => Boolean(policy?.models?.[name]);
  const names = [...new Set([...stored.data.models, ...Object.keys(policy?.models ?? {})])];

  const save = (remove: boolean) => {
    setNotice(null);
    const input = {
      project,
      policy: withSection(policy, scope, remove ? null : 'gates' in parsed ? parsed.gates : null),
      ...(reason.trim() ? { reason: reason.trim() } : {}),
    };
    return saving.run(() => getApi().invoke('gates:set', input), {
      done: (out) => {
        setNotice(
          !out.policy
            ? 'Removed: promotions are no longer checked.'
            : scope === null
              ? 'Saved: every evaluation from now on checks these gates (models with their own gates excepted).'
              : remove
                ? `Removed: ${scope} takes the project default again.`
                : `Saved: evaluations of ${scope} from now on check these gates instead of the default.`,
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
        <code>production</code> (<code>lathe schema gate-policy</code>). A model can have its own
        gates instead of the project default; a default gate on a metric another task computes (
        <code>roc_auc</code> for a regression) is skipped for that model.
      </p>
      <label className="form-row gate-policy-scope">
        Gates for
        <select
          value={scope ?? ''}
          onChange={(e) => {
            setScope(e.target.value || null);
            setText(null);
            setNotice(null);
          }}
          data-testid="gate-policy-scope"
          aria-label="Gates for"
        >
          <option value="">the project default (every model without its own)</option>
          {names.map((n) => (
            <option key={n} value={n}>
              model {n} {own(n) ? '(its own gates)' : '(uses the default)'}
            </option>
          ))}
        </select>
      </label>
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
          Save {scope === null ? 'policy' : `${scope}'s gates`}
        </button>
        {(scope === null ? policy : own(scope)) && (
          <button
            type="button"
            className="btn btn-danger"
            disabled={busy}
            onClick={() => void save(true)}
            data-testid="gate-policy-remove"
          >
            {scope === null ? 'Remove' : 'Use the project default'}
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
