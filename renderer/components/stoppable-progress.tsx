import { useState } from 'react';
import { errorMessage } from '../api/errors';
import { ProgressBar } from './states';

/**
 * A running job's progress bar and Stop: Stop calls `onStop` (the channel that cancels the job) and the
 * label says "Stopping…" until the job ends and the caller removes this; a refused stop is shown beside it.
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
  onStop: () => Promise<unknown>;
  stopTitle: string;
  className: string;
  testId: string;
  stopTestId: string;
}) {
  const [stopping, setStopping] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const stop = () => {
    setStopping(true);
    setError(null);
    onStop().catch((err: unknown) => {
      setStopping(false);
      setError(errorMessage(err));
    });
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
