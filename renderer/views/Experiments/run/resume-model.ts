import { RESTART_NOTE, type Run } from '../../../../shared/contract';

/** The checkpoint a single run's training leaves while it is stopped (main/train CHECKPOINT_PATH). */
export const CHECKPOINT_ARTIFACT = 'checkpoint/state.bin';

const STOPPED: readonly Run['status'][] = ['interrupted', 'cancelled', 'failed'];

type Resumable = Pick<Run, 'status' | 'kind' | 'artifacts' | 'deletedAt'>;

/**
 * Whether `runs:resume` can continue this run, as the train service decides: a stopped (interrupted,
 * cancelled or failed) run that is not deleted; a single run also needs the checkpoint its first finished
 * epoch leaves, unless it was interrupted (killed before that checkpoint was stored: it restarts from its
 * first epoch), while a search or cross-validation resumes through its children.
 */
export function canResume(run: Resumable): boolean {
  if (run.deletedAt || !STOPPED.includes(run.status)) return false;
  if (run.kind === 'cv' || run.kind === 'tune') return true;
  return run.status === 'interrupted' || hasCheckpoint(run);
}

/** What Resume will do, as its tooltip says: continue from the checkpoint, or restart (no checkpoint). */
export function resumeTitle(run: Resumable): string {
  return run.kind !== 'cv' && run.kind !== 'tune' && canResume(run) && !hasCheckpoint(run)
    ? `Resume: ${RESTART_NOTE}`
    : 'Continue this run from its last checkpoint';
}

function hasCheckpoint(run: Resumable): boolean {
  return run.artifacts.some((a) => a.path === CHECKPOINT_ARTIFACT);
}
