import type { RunsModel } from './runs-table/model';

/** What the runs table lists, and how far it has got. */
export interface RunsState {
  /** The request these results answer (a query and a reload count; see useRunsList). */
  request: string;
  runs: RunsModel | null;
  /** False while `runs` is the first page of a long list whose whole arrives next. */
  complete: boolean;
  error: Error | null;
  /** A malformed filter: the message names the position. */
  filterError: string | null;
}

export const NO_RUNS: RunsState = {
  request: '',
  runs: null,
  complete: false,
  error: null,
  filterError: null,
};

/** An answer to one request: its first page, its whole list, or a failure of either. */
export type RunsEvent =
  | { kind: 'page'; request: string; runs: RunsModel }
  | { kind: 'all'; request: string; runs: RunsModel }
  | {
      kind: 'failed';
      request: string;
      /** Failed asking for the first page (else the whole list). */
      page: boolean;
      error: Error;
      /** The server refused the filter (shown under the filter box, not as a banner). */
      badFilter: boolean;
    };

/**
 * The next state for an answer. A first page (or its failure) arriving once its own request's
 * whole list is in changes nothing; a failure keeps the rows on screen.
 */
export function runsReducer(state: RunsState, event: RunsEvent): RunsState {
  const settled = state.request === event.request && state.complete;
  if (event.kind !== 'failed') {
    if (event.kind === 'page' && settled) return state;
    const complete = event.kind === 'all';
    return { request: event.request, runs: event.runs, complete, error: null, filterError: null };
  }
  if (event.page && settled) return state;
  const { badFilter, error } = event;
  return {
    ...state,
    request: event.request,
    complete: true,
    error: badFilter ? null : error,
    filterError: badFilter ? error.message : null,
  };
}

/**
 * One list request at a time: a reload asked for while one is on its way (a search's trials end in
 * bursts) runs once it has arrived, instead of listing 10,000 runs for every status change.
 * `go` starts a new request.
 */
export function createReloadGate(go: () => void) {
  let listing = false;
  let stale = false;
  return {
    /** A reload is wanted: now, or once the list on its way has arrived. */
    ask: () => {
      if (listing) stale = true;
      else go();
    },
    started: () => {
      listing = true;
    },
    /** The request answered: a reload asked for meanwhile starts now. */
    arrived: () => {
      listing = false;
      if (stale) {
        stale = false;
        go();
      }
    },
    /** The request was dropped (its query changed or the view went away). */
    dropped: () => {
      listing = false;
    },
  };
}

/**
 * Asks for a first page (`ask`) once `afterMs` have passed, unless the whole list has come by then
 * (`whole()`); the answer cancels it (an effect's cleanup).
 */
export function firstPageUnlessWhole(
  afterMs: number,
  whole: () => boolean,
  ask: () => void,
): () => void {
  const timer = setTimeout(() => {
    if (!whole()) ask();
  }, afterMs);
  return () => clearTimeout(timer);
}
