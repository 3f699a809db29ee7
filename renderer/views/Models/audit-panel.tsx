import { useState } from 'react';
import { describeMlflowEntry, type AuditEntry } from '../../../shared/contract';
import { getApi } from '../../api';
import { Panel } from '../../components/page';
import { ErrorBanner, Loading } from '../../components/states';
import { formatTime } from '../../lib/format';
import { useAsync } from '../../lib/hooks';

const v = (x: unknown) => (typeof x === 'number' ? `v${x}` : String(x));

function describe(e: AuditEntry): string {
  const d = e.details;
  switch (e.action) {
    case 'register':
      return `registered v${e.version} from ${typeof d.runId === 'string' ? `run ${d.runId.slice(0, 8)}` : String(d.source)}`;
    case 'import':
      return `imported v${e.version} from ${String(d.file).split(/[\\/]/).pop()} (sha256 ${String(d.sha256).slice(0, 12)})`;
    case 'alias':
      return d.from === null || d.from === undefined
        ? `alias ${String(d.alias)} → ${v(d.to)}`
        : `alias ${String(d.alias)} moved ${v(d.from)} → ${v(d.to)}`;
    case 'unalias':
      return `alias ${String(d.alias)} removed (was ${v(d.from)})`;
    case 'stage':
      return `v${e.version}: stage ${String(d.from)} → ${String(d.to)}`;
    case 'override': {
      const failures = Array.isArray(d.failures) ? d.failures.map(String).join('; ') : '';
      return `override of failed gates for v${e.version} (${String(d.of)} ${String(d.alias ?? d.stage)}): ${failures}`;
    }
    case 'card':
      return `v${e.version}: model card edited`;
    case 'retrain':
      return `retraining ${String(d.retraining).slice(0, 8)}: ${String(d.step)} ${String(d.status)} — ${String(d.message)}`;
    default:
      return describeMlflowEntry(e);
  }
}

/** The model's audit log, newest first, and what the registry looked like on a chosen day. */
export function AuditPanel({ name, revision }: { name: string; revision: number }) {
  const [day, setDay] = useState('');
  const history = useAsync(
    () => getApi().invoke('models:history', day ? { name, at: day } : { name }),
    [name, day, revision],
  );
  const h = history.data;
  const champion = h?.state?.aliases.find((a) => a.alias === 'champion');
  return (
    <Panel
      title="Audit log"
      testId="model-audit"
      actions={
        <label className="form-inline small">
          <span className="muted">As of</span>
          <input
            type="date"
            value={day}
            onChange={(e) => setDay(e.target.value)}
            data-testid="audit-date"
          />
          {day && (
            <button type="button" className="btn btn-small btn-ghost" onClick={() => setDay('')}>
              Clear
            </button>
          )}
        </label>
      }
    >
      {history.status === 'loading' && !h && <Loading testId="audit-loading" />}
      {history.status === 'error' && <ErrorBanner error={history.error} title="No history" />}
      {h?.state && (
        <div className="banner banner-ok" data-testid="audit-state">
          <div className="banner-body">
            <strong data-testid="audit-champion">
              {champion
                ? `On ${day} (end of day, UTC) champion was v${champion.version}`
                : `On ${day} (end of day, UTC) no version was champion`}
            </strong>
            <div className="banner-message">
              Aliases:{' '}
              {h.state.aliases.map((a) => `${a.alias} → v${a.version}`).join(', ') || 'none'} ·
              Versions:{' '}
              {h.state.versions.map((x) => `v${x.version} ${x.stage}`).join(', ') ||
                'none registered yet'}
            </div>
          </div>
        </div>
      )}
      {h && (
        <ol className="audit-timeline" data-testid="audit-entries">
          {[...h.entries].reverse().map((e) => (
            <li key={e.id} className={`audit-${e.action}`} data-testid="audit-entry">
              <span className="muted small">{formatTime(e.at)}</span>{' '}
              <span className="strong">{e.actor}</span> {describe(e)}
              {e.reason && <span className="muted"> — {e.reason}</span>}
            </li>
          ))}
        </ol>
      )}
    </Panel>
  );
}
