import type { Run } from '../../../../shared/contract';

/** The checkpoint a single run's training leaves while it is stopped (main/train CHECKPOINT_PATH). */
export const CHECKPOINT_ARTIFACT = 'checkpoint/state.bin';

const STOPPED: readonly Run['status'][] = ['interrupted', 'cancelled', 'failed'];

/**
 * Whether `runs:resume` can continue this run, as the train service decides: a stopped (interrupted,
 * cancelled or failed) run that is not deleted; a single run also needs the checkpoint its first finished
 * epoch leaves, while a search or cross-validation resumes through its children.
 */
export function canResume(run: Pick<Run, 'status' | 'kind' | 'artifacts' | 'deletedAt'>): boolean {
  if (run.deletedAt || !STOPPED.includes(run.status)) return false;
  if (run.kind === 'cv' || run.kind === 'tune') return true;
  return run.artifacts.some((a) => a.path === CHECKPOINT_ARTIFACT);
}
