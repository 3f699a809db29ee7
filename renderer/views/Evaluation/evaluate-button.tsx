import type { Run } from '../../../shared/contract';
import { getApi } from '../../api';
import { BusyButton } from '../../components/busy-button';
import { navigate, routeHref } from '../../lib/routes';
import { useAction } from '../../lib/use-action';

/**
 * "Evaluate" on a finished run's page: scores its model on the held-out rows (eval:run) and opens the
 * report; beside it, the run's earlier evaluations.
 */
export function EvaluateButton({ run }: { run: Run }) {
  // Held on success: the button stays disabled while the new report's page opens.
  const action = useAction({ hold: true });
  if (run.status !== 'finished' || !run.artifacts.some((a) => a.path === 'model/model.json'))
    return null;
  const evaluate = () =>
    action.run(() => getApi().invoke('eval:run', { target: run.id }), {
      done: (report) => navigate({ view: 'evaluation', id: report.id }),
    });
  return (
    <>
      <BusyButton
        busy={action.busy}
        busyLabel="Evaluating…"
        onClick={() => void evaluate()}
        testId="evaluate-run"
        title={action.message ?? 'Score the model on the rows it held out'}
      >
        Evaluate
      </BusyButton>
      <a
        className="btn"
        href={routeHref({ view: 'evaluations', target: run.id })}
        data-testid="run-evaluations"
      >
        Evaluations
      </a>
      {action.message && (
        <span className="form-error" role="alert" data-testid="evaluate-error">
          {action.message}
        </span>
      )}
    </>
  );
}
