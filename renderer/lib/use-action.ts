import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { errorMessage, isCancelled } from '../api/errors';

/** How one call of an action reports back; every field is optional. */
export interface ActionOptions<R, K extends string> {
  /** Which action of several is running (e.g. 'cancel' or 'delete'), for a label such as "Cancelling…". */
  as?: K;
  /** Runs with the result while the component is mounted; what it throws is shown as the error. */
  done?: (value: R) => void;
  /**
   * The error to show for a failure, e.g. a prefixed message; null shows none (the caller handled it,
   * such as a gate failure with its own panel). Default: the thrown error itself.
   */
  describe?: (err: unknown) => Error | string | null;
}

/** Where `perform` reports: React state in `useAction`, plain variables in tests. */
export interface ActionSink<K extends string> {
  /** False once the component is gone: nothing is reported after that. */
  alive: () => boolean;
  running: (as: K | null) => void;
  failed: (error: Error | null) => void;
}

/** Anything thrown, as an Error whose message is what the views show (`errorMessage`). */
export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(errorMessage(err));
}

/**
 * An action's `describe` for a job with Stop: its failure because it was stopped (CANCELLED) shows no
 * error and calls `onStopped` instead; any other failure is shown as it is.
 */
export function unlessStopped(onStopped: () => void): (err: unknown) => Error | null {
  return (err) => {
    if (!isCancelled(err)) return toError(err);
    onStopped();
    return null;
  };
}

/**
 * Runs `work` once: clears the last error and marks the action running, then reports the result
 * (through `done`) or the error, and marks it idle. With `hold`, a success leaves it running: a form
 * that navigates away on success keeps its button disabled until it is gone. Resolves to whether the
 * work succeeded (false too when the component went away meanwhile).
 */
export async function perform<R, K extends string>(
  work: () => Promise<R>,
  sink: ActionSink<K>,
  options: ActionOptions<R, K> & { hold?: boolean; as: K },
): Promise<boolean> {
  sink.running(options.as);
  sink.failed(null);
  try {
    const value = await work();
    if (!sink.alive()) return false;
    options.done?.(value);
    if (!options.hold) sink.running(null);
    return true;
  } catch (err) {
    if (!sink.alive()) return false;
    const shown = options.describe ? options.describe(err) : toError(err);
    sink.failed(shown === null ? null : toError(shown));
    sink.running(null);
    return false;
  }
}

export interface Action<K extends string> {
  /** An action is running. */
  busy: boolean;
  /** Which one (the `as` it was run with, 'run' without one), or null when idle. */
  doing: K | 'run' | null;
  error: Error | null;
  /** `error`'s message, for views that show the text without the error code. */
  message: string | null;
  run: <R>(work: () => Promise<R>, options?: ActionOptions<R, K>) => Promise<boolean>;
  /** Shows an error found before running (e.g. a form that fails validation); null clears it. */
  fail: (error: Error | string | null) => void;
}

/**
 * The busy/error pattern of a button that calls the API: `run` disables it while the call is on its
 * way and shows the failure; results arriving after the component unmounted are dropped.
 * `hold: true` is for forms that leave the page on success.
 */
export function useAction<K extends string = 'run'>({
  hold = false,
}: { hold?: boolean } = {}): Action<K> {
  const [doing, setDoing] = useState<K | 'run' | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const sink = useMemo<ActionSink<K | 'run'>>(
    () => ({ alive: () => mounted.current, running: setDoing, failed: setError }),
    [],
  );
  const run = useCallback(
    <R>(work: () => Promise<R>, options: ActionOptions<R, K> = {}) =>
      perform<R, K | 'run'>(work, sink, { ...options, hold, as: options.as ?? 'run' }),
    [sink, hold],
  );
  const fail = useCallback(
    (next: Error | string | null) => setError(next === null ? null : toError(next)),
    [],
  );
  return {
    busy: doing !== null,
    doing,
    error,
    message: error ? error.message : null,
    run,
    fail,
  };
}

/**
 * An action whose last result is shown, such as an export or a batch prediction: `run()` clears the
 * previous result and error, then calls `work` (the latest one given).
 */
export function useResult<R>(
  work: () => Promise<R>,
): Omit<Action<'run'>, 'run'> & { result: R | null; run: () => Promise<boolean> } {
  const action = useAction();
  const [result, setResult] = useState<R | null>(null);
  const run = () => {
    setResult(null);
    return action.run(work, { done: (value) => setResult(() => value) });
  };
  return { ...action, result, run };
}
