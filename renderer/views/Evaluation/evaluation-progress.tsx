import { useState } from 'react';
import type { EvalProgress } from '../../../shared/contract';
import { getApi } from '../../api';
import { StoppableProgress } from '../../components/stoppable-progress';
import { useEvent } from '../../lib/hooks';
import './evaluation-progress.css';

/** What an evaluation stopped with Stop shows instead of an error: it stored nothing. */
export const STOPPED_NOTE = 'Evaluation stopped: nothing was stored.';

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
  useEvent('eval:progress', (p) => {
    if (p.runId === runId) setProgress(p);
  });
  return (
    <StoppableProgress
      fraction={progress?.fraction ?? null}
      label={progress?.message ?? 'Starting the evaluation…'}
      onStop={() => getApi().invoke('eval:cancel', { target: runId })}
      stopTitle="Stop the evaluation: nothing is stored"
      className={inActions ? 'eval-progress eval-progress-actions' : 'eval-progress'}
      testId="evaluation-progress"
      stopTestId="evaluation-stop"
    />
  );
}
