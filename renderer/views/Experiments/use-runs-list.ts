import { useEffect, useLayoutEffect, useReducer, useRef, useState } from 'react';
import { ApiError, getApi } from '../../api';
import { RUNS_LIST_MAX } from '../../../shared/contract';
import { toError } from '../../lib/use-action';
import { MARKS, afterPaint } from './runs-table';
import { decodeRunColumns, type RunsModel } from './runs-table/model';
import {
  NO_RUNS,
  createReloadGate,
  firstPageUnlessWhole,
  runsReducer,
  type RunsState,
} from './runs-list-state';

/** runs:listColumns' ceiling: the table holds every run of an experiment in memory (as columns). */
const LIST_LIMIT = RUNS_LIST_MAX;
const FIRST_PAGE = 100;
/**
 * A first page is asked for only when the whole list has not come by then. The table's first render is
 * most of a load (0.1-0.2 s for 10,000 runs on the CI machine), so a page painted first delays a whole list
 * that was about to come (one the host holds, answered in tens of ms) by about as much: the first page is
 * for lists that take long to read, where 0.1 s more before it does not show.
 */
const FIRST_PAGE_AFTER_MS = 100;

export interface RunsListQuery {
  /** False until what decides the list (layout, experiment, run counts) is known. */
  ready: boolean;
  project: string;
  experiment: string | null | undefined;
  filter: string;
  showDeleted: boolean;
  /**
   * Whether a list not on screen yet shows its first FIRST_PAGE rows in the table's order while the
   * whole loads, when the whole has not come within FIRST_PAGE_AFTER_MS (`orderBy` null: the order
   * cannot be asked of the server). Read when a list is asked for, so a sort or search change does not
   * list again.
   */
  firstPage: { orderBy: string | null; wanted: boolean };
  /** The whole list arrived (e.g. to drop selected runs it no longer holds). */
  onListed: (runs: RunsModel) => void;
}

/**
 * The runs of the Experiments view: lists them when the query changes, a long list first page first;
 * `reload()` lists the same query again keeping its rows on screen until the new list arrives,
 * and reloads asked for while a list is on its way become one.
 */
export function useRunsList(
  q: RunsListQuery,
): RunsState & { loading: boolean; reload: () => void } {
  const { ready, project, experiment, filter, showDeleted } = q;
  const [tick, setTick] = useState(0);
  const [gate] = useState(() => createReloadGate(() => setTick((t) => t + 1)));
  const [state, dispatch] = useReducer(runsReducer, NO_RUNS);
  const query = JSON.stringify([project, experiment, filter, showDeleted]);
  const request = JSON.stringify([query, tick]);
  /** The query whose runs are on screen: reloading it keeps them until the whole new list arrives. */
  const shown = useRef<string | null>(null);
  const latest = useRef(q);
  useLayoutEffect(() => {
    latest.current = q;
  });

  useEffect(() => {
    if (!ready) return;
    let alive = true;
    // The whole list (or its failure) is in: a first page arriving later is not marked nor shown.
    let whole = false;
    gate.started();
    performance.mark(MARKS.fetch);
    performance.mark(MARKS.fetchAll);
    const input = {
      project,
      ...(experiment ? { experiment } : {}),
      ...(filter.trim() ? { filter } : {}),
      ...(showDeleted ? { deleted: true } : {}),
    };
    const failed = (page: boolean, err: unknown) => {
      if (!alive) return;
      const badFilter =
        err instanceof ApiError && err.code === 'INVALID_INPUT' && Boolean(filter.trim());
      dispatch({ kind: 'failed', request, page, error: toError(err), badFilter });
    };
    const { orderBy, wanted } = latest.current.firstPage;
    // A first page only for a list not on screen yet (a reload, say a run ended, swaps the whole list in
    // place), and only when the whole list is slow to come.
    const stopPage =
      wanted && orderBy !== null && shown.current !== query
        ? firstPageUnlessWhole(
            FIRST_PAGE_AFTER_MS,
            () => whole || !alive,
            () =>
              void getApi()
                .invoke('runs:listColumns', {
                  ...input,
                  ...(orderBy ? { orderBy } : {}),
                  limit: FIRST_PAGE,
                })
                .then(
                  (columns) => {
                    if (!alive || whole) return;
                    performance.mark(MARKS.data);
                    dispatch({ kind: 'page', request, runs: decodeRunColumns(columns) });
                  },
                  (err: unknown) => {
                    if (!whole) failed(true, err);
                  },
                ),
          )
        : undefined;
    getApi()
      .invoke('runs:listColumns', { ...input, limit: LIST_LIMIT })
      .then(
        (columns) => {
          whole = true;
          if (!alive) return;
          performance.mark(MARKS.data);
          const runs = decodeRunColumns(columns);
          shown.current = query;
          dispatch({ kind: 'all', request, runs });
          latest.current.onListed(runs);
        },
        (err: unknown) => {
          whole = true;
          failed(false, err);
        },
      )
      .finally(() => {
        if (alive) gate.arrived();
      });
    return () => {
      alive = false;
      stopPage?.();
      gate.dropped();
    };
  }, [gate, ready, request, query, project, experiment, filter, showDeleted]);

  // The whole list painted (after a first page, when there was one).
  useEffect(() => {
    if (!state.complete || !state.runs) return;
    afterPaint(() => {
      if (!performance.getEntriesByName(MARKS.fetchAll, 'mark').length) return;
      performance.measure(MARKS.all, MARKS.fetchAll);
      performance.clearMarks(MARKS.fetchAll);
    });
  }, [state]);

  return { ...state, loading: state.request !== request, reload: gate.ask };
}
