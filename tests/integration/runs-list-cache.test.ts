// runs:listColumns answers a list again while the workspace has no write (main/tracking/list-cache.ts),
// and the app and `lathe ui` read the Default project's whole list ahead (Services.warmViews).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createServices, type Services } from '../../main/services';
import { listRunColumns } from '../../main/tracking/rows';
import {
  DEFAULT_PROJECT,
  REF_FIELDS,
  RUNS_LIST_MAX,
  TIME_FIELDS,
  type RunColumns,
} from '../../shared/contract';
import { decodeRunColumns } from '../../renderer/views/Experiments/runs-table/model';
import { contractClient } from '../helpers/services';
import { seedRuns, seededRunId } from '../helpers/seed-runs';
import { tempDir } from '../helpers/workspace';

const t = tempDir('lathe-runs-cache-');
let services: Services | undefined;
const { call } = contractClient(() => services!);
const whole = { project: DEFAULT_PROJECT, limit: RUNS_LIST_MAX };

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  await seedRuns(services, { runs: 6, metrics: 2, steps: 2, extraParams: 1 });
});
afterAll(async () => {
  await services?.close();
  t.remove();
});

/** Reads of the database the next `work` makes. */
async function readsOf(work: () => Promise<unknown>): Promise<number> {
  const chunks = vi.spyOn(services!.workspace.db, 'chunks');
  try {
    await work();
    return chunks.mock.calls.length;
  } finally {
    chunks.mockRestore();
  }
}

describe('runs:listColumns between writes', () => {
  it('answers a list read ahead by warmViews, and again while nothing is written, without SQL', async () => {
    await services!.warmViews();
    // The view's request, its fields in its own order: parsed as the warm one was.
    let listed: unknown;
    expect(
      await readsOf(async () => {
        listed = await call('runs:listColumns', { limit: RUNS_LIST_MAX, project: DEFAULT_PROJECT });
      }),
    ).toBe(0);
    expect(decodeRunColumns(listed as never).count).toBe(6);
    expect(await readsOf(() => call('runs:listColumns', whole))).toBe(0);
    // Another list is read (a first page in the list's own order is not: see below).
    expect(await readsOf(() => call('runs:listColumns', { ...whole, experiment: 'beta' }))).toBe(1);
  });

  it('reads again after any write: a rename, a metric point, a tag, a deletion', async () => {
    const id = seededRunId(2);
    const nameOf = async () => {
      const m = decodeRunColumns(await call('runs:listColumns', whole));
      return m.names[m.ids.indexOf(id)];
    };
    await call('runs:update', { id, name: 'renamed' });
    expect(await nameOf()).toBe('renamed');

    // Buffered by the store, written when the list is asked for.
    await services!.tracking.logMetrics(id, 7, { fresh_metric: 0.5 });
    const withMetric = decodeRunColumns(await call('runs:listColumns', whole));
    expect(withMetric.metrics.get('fresh_metric')?.[withMetric.indexOf.get(id)!]).toBe(0.5);

    await call('runs:update', { id, tags: { set: { team: 'a' } } });
    const tagged = decodeRunColumns(await call('runs:listColumns', whole));
    const team = tagged.tags.get('team')?.[tagged.indexOf.get(id)!];
    expect(tagged.strings[team!]).toBe('a');

    await call('runs:delete', { ids: [id] });
    const after = decodeRunColumns(await call('runs:listColumns', whole));
    expect(after.count).toBe(5);
    expect(after.ids).not.toContain(id);
  });
});

/** A list as runs with their texts resolved, its keys in order and its texts: what a page must equal. */
function plain(columns: RunColumns) {
  const m = decodeRunColumns(columns);
  const text = (ref: number) => (ref < 0 ? null : m.strings[ref]);
  return {
    runs: m.ids.map((id, i) => ({
      id,
      name: m.names[i],
      ...Object.fromEntries(REF_FIELDS.map((field) => [field, text(m[field][i]!)])),
      ...Object.fromEntries(TIME_FIELDS.map((field) => [field, m[field][i]])),
      metrics: Object.fromEntries([...m.metrics].map(([key, values]) => [key, values[i]])),
      params: Object.fromEntries([...m.params].map(([key, refs]) => [key, text(refs[i]!)])),
      tags: Object.fromEntries([...m.tags].map(([key, refs]) => [key, text(refs[i]!)])),
    })),
    metricKeys: [...m.metrics.keys()],
    paramKeys: [...m.params.keys()],
    tagKeys: [...m.tags.keys()],
    strings: [...m.strings].sort(),
  };
}

describe('a first page of a list held whole', () => {
  it('is cut from it without SQL: the runs, texts and keys a read of the page gives', async () => {
    // Only the oldest run has this metric, tag and text: pages without it leave them out.
    const oldest = seededRunId(0);
    await services!.tracking.logMetrics(oldest, 1, { only_oldest: 2 });
    await call('runs:update', { id: oldest, tags: { set: { era: 'first' } } });
    const { count } = decodeRunColumns(await call('runs:listColumns', whole));
    expect(count).toBeGreaterThan(2);
    for (let limit = 1; limit <= count + 1; limit++) {
      let page: RunColumns | undefined;
      expect(
        await readsOf(async () => {
          page = await call('runs:listColumns', { project: DEFAULT_PROJECT, limit });
        }),
      ).toBe(0);
      const read = await listRunColumns(services!.workspace.db, {
        project: DEFAULT_PROJECT,
        limit,
      });
      expect(plain(page!)).toEqual(plain(read));
    }
    const withoutOldest = plain(
      await call('runs:listColumns', { project: DEFAULT_PROJECT, limit: count - 1 }),
    );
    expect(withoutOldest.runs.map((r) => r.id)).not.toContain(oldest);
    expect(withoutOldest.metricKeys).not.toContain('only_oldest');
    expect(withoutOldest.tagKeys).not.toContain('era');
    expect(withoutOldest.strings).not.toContain('first');
    expect(plain(await call('runs:listColumns', whole)).tagKeys).toContain('era');
  });

  it('is read when it has its own order, when the whole list is not held, or after a write', async () => {
    await call('runs:listColumns', whole);
    const page = { project: DEFAULT_PROJECT, limit: 2 };
    expect(await readsOf(() => call('runs:listColumns', { ...page, orderBy: 'started asc' }))).toBe(
      1,
    );
    expect(await readsOf(() => call('runs:listColumns', { ...page, experiment: 'alpha' }))).toBe(1);
    await call('runs:update', { id: seededRunId(3), name: 'renamed again' });
    let after: RunColumns | undefined;
    expect(
      await readsOf(async () => {
        after = await call('runs:listColumns', { ...page, limit: RUNS_LIST_MAX - 1 });
      }),
    ).toBe(1);
    expect(decodeRunColumns(after!).names).toContain('renamed again');
  });
});
