import { useState } from 'react';
import type { Run } from '../../../../shared/contract';
import { errorMessage, getApi } from '../../../api';
import { BusyButton } from '../../../components/busy-button';
import { navigate } from '../../../lib/routes';
import { useAction } from '../../../lib/use-action';
import { canResume, resumeTitle } from './resume-model';

/**
 * "Resume" on a stopped run's page: `runs:resume` continues it from its checkpoint (an interrupted run
 * killed before its first one restarts from the first epoch, as the tooltip says). The call returns when
 * the resumed training ends, so the button stays busy meanwhile (the page shows the live progress from
 * `train:progress`); then the page reloads, or opens the run the service returned when it is another one.
 * A refusal is shown beside the button in words.
 */
export function ResumeButton({ run, reload }: { run: Run; reload: () => void }) {
  const action = useAction();
  // Shown from the click until the call returns, though the run turns 'running' meanwhile.
  const [started, setStarted] = useState(false);
  if (!started && !action.message && !canResume(run)) return null;
  const resume = () => {
    setStarted(true);
    void action
      .run(() => getApi().invoke('runs:resume', { id: run.id }), {
        done: (resumed) => {
          if (resumed.id !== run.id) navigate({ view: 'run', runId: resumed.id });
          else reload();
        },
        describe: (err) => `Could not resume: ${errorMessage(err)}`,
      })
      .finally(() => setStarted(false));
  };
  return (
    <span className="resume-run">
      <BusyButton
        busy={action.busy}
        disabled={!canResume(run)}
        busyLabel="Resuming…"
        className="btn btn-primary"
        onClick={resume}
        title={resumeTitle(run)}
        testId="run-resume"
      >
        Resume
      </BusyButton>
      {action.message && (
        <span className="form-error" role="alert" data-testid="run-resume-error">
          {action.message}
        </span>
      )}
    </span>
  );
}
