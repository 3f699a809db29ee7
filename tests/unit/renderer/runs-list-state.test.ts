import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunsModel } from '../../../renderer/views/Experiments/runs-table/model';
import {
  NO_RUNS,
  createReloadGate,
  firstPageUnlessWhole,
  runsReducer,
  type RunsEvent,
  type RunsState,
} from '../../../renderer/views/Experiments/runs-list-state';

const runs = (...ids: string[]) => ({ count: ids.length, ids }) as unknown as RunsModel;
const play = (events: RunsEvent[], from: RunsState = NO_RUNS) => events.reduce(runsReducer, from);
const ids = (s: RunsState) => s.runs?.ids ?? null;

describe('the runs list state (useRunsList)', () => {
  it('shows a first page as incomplete, then the whole list', () => {
    const page = play([{ kind: 'page', request: 'a', runs: runs('r1') }]);
    expect(page).toMatchObject({ request: 'a', complete: false, error: null });
    expect(ids(page)).toEqual(['r1']);
    const all = runsReducer(page, { kind: 'all', request: 'a', runs: runs('r1', 'r2') });
    expect(all.complete).toBe(true);
    expect(ids(all)).toEqual(['r1', 'r2']);
  });

  it('never lets a late first page replace its own whole list', () => {
    const all = play([{ kind: 'all', request: 'a', runs: runs('r1', 'r2') }]);
    expect(runsReducer(all, { kind: 'page', request: 'a', runs: runs('r1') })).toBe(all);
    const failedPage: RunsEvent = {
      kind: 'failed',
      request: 'a',
      page: true,
      error: new Error('late'),
      badFilter: false,
    };
    expect(runsReducer(all, failedPage)).toBe(all);
  });

  it("shows a new request's first page over the last request's whole list", () => {
    const all = play([{ kind: 'all', request: 'a', runs: runs('r1', 'r2') }]);
    const next = runsReducer(all, { kind: 'page', request: 'b', runs: runs('r9') });
    expect(ids(next)).toEqual(['r9']);
    expect(next.complete).toBe(false);
  });

  it('keeps the rows on screen when a list fails, with the error as a banner', () => {
    const all = play([{ kind: 'all', request: 'a', runs: runs('r1') }]);
    const error = new Error('database locked');
    const failed = runsReducer(all, {
      kind: 'failed',
      request: 'b',
      page: false,
      error,
      badFilter: false,
    });
    expect(ids(failed)).toEqual(['r1']);
    expect(failed).toMatchObject({ request: 'b', complete: true, error, filterError: null });
  });

  it('shows a refused filter under the filter box instead of a banner, and a good list clears it', () => {
    const bad = play([
      { kind: 'all', request: 'a', runs: runs('r1') },
      {
        kind: 'failed',
        request: 'b',
        page: false,
        error: new Error("position 9: expected a value after '>'"),
        badFilter: true,
      },
    ]);
    expect(bad).toMatchObject({
      error: null,
      filterError: "position 9: expected a value after '>'",
    });
    expect(ids(bad)).toEqual(['r1']);
    const good = runsReducer(bad, { kind: 'all', request: 'c', runs: runs('r2') });
    expect(good.filterError).toBeNull();
  });
});

describe('the reload gate (useRunsList)', () => {
  it('reloads at once when no list is on its way', () => {
    let reloads = 0;
    const gate = createReloadGate(() => reloads++);
    gate.ask();
    expect(reloads).toBe(1);
  });

  it('turns reloads asked for while a list is on its way into one, once it has arrived', () => {
    let reloads = 0;
    const gate = createReloadGate(() => reloads++);
    gate.started();
    gate.ask();
    gate.ask();
    gate.ask();
    expect(reloads).toBe(0);
    gate.arrived();
    expect(reloads).toBe(1);
    gate.started();
    gate.arrived();
    expect(reloads).toBe(1);
  });

  it('keeps a wanted reload across a dropped request, for the next one to run', () => {
    let reloads = 0;
    const gate = createReloadGate(() => reloads++);
    gate.started();
    gate.ask();
    gate.dropped();
    expect(reloads).toBe(0);
    gate.started();
    gate.arrived();
    expect(reloads).toBe(1);
  });
});

describe('the first page of a long list (useRunsList)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('is asked for once the wait has passed without the whole list', () => {
    let asked = 0;
    firstPageUnlessWhole(
      100,
      () => false,
      () => asked++,
    );
    vi.advanceTimersByTime(99);
    expect(asked).toBe(0);
    vi.advanceTimersByTime(1);
    expect(asked).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(asked).toBe(1);
  });

  it('is not asked for when the whole list came first, or the request was dropped', () => {
    let asked = 0;
    let whole = false;
    firstPageUnlessWhole(
      100,
      () => whole,
      () => asked++,
    );
    whole = true;
    const stop = firstPageUnlessWhole(
      100,
      () => false,
      () => asked++,
    );
    stop();
    vi.advanceTimersByTime(1000);
    expect(asked).toBe(0);
  });
});
