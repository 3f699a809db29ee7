import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react';
import type { EventName, EventPayload } from '../../shared/contract';
import { getApi } from '../api';
import { toError } from './use-action';
import { parseRoute, type Route } from './routes';

export type AsyncState<T> =
  | { status: 'loading'; data: T | null; error: null }
  | { status: 'ready'; data: T; error: null }
  | { status: 'error'; data: T | null; error: Error };

/**
 * Runs `load` whenever `deps` change; `reload()` re-runs it keeping the stale data visible
 * (so refreshes on events do not flash the loading state).
 */
export function useAsync<T>(
  load: () => Promise<T>,
  deps: readonly unknown[],
): AsyncState<T> & { reload: () => void } {
  const [state, setState] = useState<AsyncState<T>>({ status: 'loading', data: null, error: null });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  useLayoutEffect(() => {
    loadRef.current = load;
  });
  const depsKey = JSON.stringify(deps);
  const lastKey = useRef(depsKey);

  useEffect(() => {
    let alive = true;
    const depsChanged = lastKey.current !== depsKey;
    lastKey.current = depsKey;
    setState((prev) =>
      depsChanged || prev.status === 'error'
        ? { status: 'loading', data: depsChanged ? null : prev.data, error: null }
        : prev,
    );
    loadRef.current().then(
      (data) => {
        if (alive) setState({ status: 'ready', data, error: null });
      },
      (err: unknown) => {
        if (alive)
          setState((prev) => ({
            status: 'error',
            data: depsChanged ? null : prev.data,
            error: toError(err),
          }));
      },
    );
    return () => {
      alive = false;
    };
  }, [depsKey, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** Subscribes to a contract event for the component's lifetime. */
export function useEvent<E extends EventName>(
  event: E,
  listener: (payload: EventPayload<E>) => void,
): void {
  const ref = useRef(listener);
  useLayoutEffect(() => {
    ref.current = listener;
  });
  useEffect(() => getApi().on(event, (payload) => ref.current(payload)), [event]);
}

function subscribeHash(callback: () => void): () => void {
  window.addEventListener('hashchange', callback);
  return () => window.removeEventListener('hashchange', callback);
}

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribeHash, () => window.location.hash);
  return parseRoute(hash);
}
