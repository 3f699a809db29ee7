import { useState } from 'react';
import type { Run } from '../../../shared/contract';
import { errorMessage, getApi } from '../../api';
import { navigate, routeHref } from '../../lib/routes';

/**
 * "Evaluate" on a finished run's page: scores its model on the held-out rows (eval:run) and opens the
 * report; beside it, the run's earlier evaluations.
 */
export function EvaluateButton({ run }: { run: Run }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (run.status !== 'finished' || !run.artifacts.some((a) => a.path === 'model/model.json'))
    return null;
  const evaluate = async () => {
    setBusy(true);
    setError(null);
    try {
      const report = await getApi().invoke('eval:run', { target: run.id });
      navigate({ view: 'evaluation', id: report.id });
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };
  return (
    <>
      <button
        type="button"
        className="btn"
        onClick={() => void evaluate()}
        disabled={busy}
        data-testid="evaluate-run"
        title={error ?? 'Score the model on the rows it held out'}
      >
        {busy ? 'Evaluating…' : 'Evaluate'}
      </button>
      <a
        className="btn"
        href={routeHref({ view: 'evaluations', target: run.id })}
        data-testid="run-evaluations"
      >
        Evaluations
      </a>
      {error && (
        <span className="form-error" role="alert" data-testid="evaluate-error">
          {error}
        </span>
      )}
    </>
  );
}
