import { useState } from 'react';
import type { EvalProgress } from '../../../shared/contract';
import { ApiError } from '../../api/errors';
import { getApi } from '../../api';
import { ProgressBar } from '../../components/states';
import { useEvent } from '../../lib/hooks';
import './evaluation-progress.css';

/** What an evaluation stopped with Stop shows instead of an error: it stored nothing. */
export const STOPPED_NOTE = 'Evaluation stopped: nothing was stored.';

/** Whether `err` is an evaluation's failure because it was stopped (eval:cancel). */
export function isCancelled(err: unknown): boolean {
  return err instanceof ApiError && err.code === 'CANCELLED';
}

/**
 * A running evaluation of a run's model: how far it has come (eval:progress: reading, scoring,
 * explaining, each importance pass, each learning-curve share, the report) and Stop, which cancels it
 * (eval:cancel) so that it stores nothing. Shown while the evaluation runs.
 */
export function EvaluationProgress({
  runId,
  inActions = false,
}: {
  runId: string;
  /** Among a page header's action buttons: on a line of its own, after them. */
  inActions?: boolean;
}) {
  const [progress, setProgress] = useState<EvalProgress | null>(null);
  const [stopping, setStopping] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEvent('eval:progress', (p) => {
    if (p.runId === runId) setProgress(p);
  });
  const stop = () => {
    setStopping(true);
    setError(null);
    getApi()
      .invoke('eval:cancel', { target: runId })
      .catch((err: unknown) => {
        setStopping(false);
        setError(err instanceof Error ? err.message : String(err));
      });
  };
  return (
    <div
      className={inActions ? 'eval-progress eval-progress-actions' : 'eval-progress'}
      data-testid="evaluation-progress"
    >
      <ProgressBar
        fraction={progress?.fraction ?? null}
        label={stopping ? 'Stopping…' : (progress?.message ?? 'Starting the evaluation…')}
      />
      <button
        type="button"
        className="btn"
        disabled={stopping}
        onClick={stop}
        data-testid="evaluation-stop"
        title="Stop the evaluation: nothing is stored"
      >
        Stop
      </button>
      {error && (
        <span className="form-error" role="alert">
          Could not stop it: {error}
        </span>
      )}
    </div>
  );
}
