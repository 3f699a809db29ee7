// runs:listColumns answers a list again while the workspace has no write (main/tracking/list-cache.ts),
// and the app and `lathe ui` read the Default project's whole list ahead (Services.warmViews).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createServices, type Services } from '../../main/services';
import { DEFAULT_PROJECT, RUNS_LIST_MAX } from '../../shared/contract';
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
    // Another list is read.
    expect(await readsOf(() => call('runs:listColumns', { ...whole, limit: 3 }))).toBe(1);
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
