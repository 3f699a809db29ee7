import { useCallback, useEffect, useRef, useState } from 'react';
import type { RunsTableLayout } from '../../../../shared/contract';
import { errorMessage, getApi } from '../../../api';
import { defaultLayout, parseLayout } from './columns';

/** How long after the last change the layout is written. */
export const SAVE_DELAY_MS = 400;

/** The preference key of the runs table layout of one experiment (`*`: all experiments). */
export function layoutKey(project: string, experiment: string | null): string {
  return `runs-table:${project}/${experiment ?? '*'}`;
}

export interface LayoutState {
  /** Null until the stored layout has been read. */
  layout: RunsTableLayout | null;
  update: (change: (layout: RunsTableLayout) => RunsTableLayout) => void;
  /** False while a change waits to be written. */
  saved: boolean;
  /** Why the last save failed, if it did. */
  saveError: string | null;
}

/**
 * The runs table layout stored under `key` in the workspace (ui:prefs), validated on load — a stored
 * layout that no longer parses gives the default — and written SAVE_DELAY_MS after the last change
 * (and at once when the key changes or the view goes away).
 */
export function useRunsLayout(key: string): LayoutState {
  const [state, setState] = useState<{ key: string; layout: RunsTableLayout | null }>({
    key,
    layout: null,
  });
  const [saved, setSaved] = useState(true);
  const [saveError, setSaveError] = useState<string | null>(null);
  const pending = useRef<{ key: string; layout: RunsTableLayout } | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const flush = useCallback(() => {
    clearTimeout(timer.current);
    const job = pending.current;
    pending.current = null;
    if (!job) return;
    getApi()
      .invoke('ui:prefs:set', { key: job.key, value: job.layout })
      .then(
        () => {
          if (!pending.current) setSaved(true);
          setSaveError(null);
        },
        (err: unknown) => setSaveError(errorMessage(err)),
      );
  }, []);

  useEffect(() => {
    let alive = true;
    void getApi()
      .invoke('ui:prefs:get', { key })
      .then(
        ({ value }) => value,
        () => null,
      )
      .then((value) => {
        if (alive) setState({ key, layout: value === null ? defaultLayout() : parseLayout(value) });
      });
    return () => {
      alive = false;
      flush();
    };
  }, [key, flush]);

  const update = useCallback(
    (change: (layout: RunsTableLayout) => RunsTableLayout) => {
      setState((prev) => {
        if (!prev.layout || prev.key !== key) return prev;
        const next = change(prev.layout);
        if (next === prev.layout) return prev;
        pending.current = { key, layout: next };
        return { key, layout: next };
      });
      setSaved(false);
      clearTimeout(timer.current);
      timer.current = setTimeout(flush, SAVE_DELAY_MS);
    },
    [key, flush],
  );

  return { layout: state.key === key ? state.layout : null, update, saved, saveError };
}
