import { useEffect, useRef, useState } from 'react';
import { errorMessage } from '../api/errors';
import { ProgressBar } from './states';

/** How long Stop waits before asking again when the job was not running yet (its request on its way). */
const ASK_AGAIN_MS = 250;

/**
 * A running job's progress bar and Stop: Stop calls `onStop` (the channel that cancels the job) and the
 * label says "Stopping…" until the job ends and the caller removes this. A job the host does not know yet
 * (Stop came before the request that starts it) is asked again until it stops; a refused stop is shown.
 */
export function StoppableProgress({
  fraction,
  label,
  onStop,
  stopTitle,
  className,
  testId,
  stopTestId,
}: {
  fraction: number | null;
  label: string;
  onStop: () => Promise<{ cancelled: boolean }>;
  stopTitle: string;
  className: string;
  testId: string;
  stopTestId: string;
}) {
  const [stopping, setStopping] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const mounted = useRef(true);
  const again = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(
    () => () => {
      mounted.current = false;
      clearTimeout(again.current);
    },
    [],
  );
  const ask = () => {
    onStop().then(
      ({ cancelled }) => {
        if (!cancelled && mounted.current) again.current = setTimeout(ask, ASK_AGAIN_MS);
      },
      (err: unknown) => {
        if (!mounted.current) return;
        setStopping(false);
        setError(errorMessage(err));
      },
    );
  };
  const stop = () => {
    setStopping(true);
    setError(null);
    ask();
  };
  return (
    <div className={className} data-testid={testId}>
      <ProgressBar fraction={fraction} label={stopping ? 'Stopping…' : label} />
      <button
        type="button"
        className="btn"
        disabled={stopping}
        onClick={stop}
        data-testid={stopTestId}
        title={stopTitle}
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
