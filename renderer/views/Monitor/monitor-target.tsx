import { useEffect, useRef } from 'react';
import type { CapturesOut } from '../../../shared/contract';
import { EmptyState } from '../../components/states';

/** What one section of the Monitor view is about: the model, the chosen version and what is captured. */
export interface MonitorTarget {
  model: string;
  /** `NAME@VERSION`. */
  ref: string;
  version: number;
  captures: CapturesOut | null;
  /** Reload what the header shows (after labels, a retraining or a rollback). */
  changed: () => void;
  /** Bumped by `changed`: sections reload with it (useReloadOn). */
  revision: number;
}

/** The chosen version's capture row of `monitor:captures`, if any. */
export function capturedVersion(target: MonitorTarget) {
  return target.captures?.versions.find((v) => v.version === target.version) ?? null;
}

/** The empty state of a section without captured rows. */
export function NoCaptures() {
  return (
    <EmptyState title="No captured predictions yet" testId="monitor-no-captures">
      Serve the model (Deploy view or <code>lathe serve</code>) or run{' '}
      <code>lathe predict N@v --input FILE --output OUT --id-column C</code>: every prediction is
      captured.
    </EmptyState>
  );
}

/**
 * Reloads a section's data when `revision` moves past the one it mounted with, keeping what is on
 * screen meanwhile (a changed `useAsync` dependency would blank it to a spinner).
 */
export function useReloadOn(revision: number, reload: () => void): void {
  const seen = useRef(revision);
  useEffect(() => {
    if (seen.current === revision) return;
    seen.current = revision;
    reload();
  }, [revision, reload]);
}
