// A long runs list (more than 2,000 runs) paints a first page in the table's order while the whole list
// loads, then swaps in the whole list in the same order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedRuns, seededRunId } from '../helpers/seed-runs';
import { openSeededSession, type BrowserSession } from './pages/lathe-host';
import { RunsTablePage } from './pages/runs-table-page';

const RUNS = 2100;
let session: BrowserSession;
let table: RunsTablePage;

describe('a long runs list', () => {
  beforeAll(async () => {
    session = await openSeededSession('lathe-e2e-first-page-', async (services) => {
      await seedRuns(services, { runs: RUNS, metrics: 3 });
    });
    table = new RunsTablePage(session.page);
  });

  afterAll(async () => {
    await session?.close();
  });

  it("shows a first page in the table's saved order, then the whole list in that order", async () => {
    const { page, url } = session;
    await table.openExperiments(url, RUNS);
    // Oldest first, saved with the layout: the next visit asks for its first page in that order.
    await table.sortBy('started', 'started asc');
    await table.waitForLayoutSaved();

    // Each whole list waits until the test lets it go; first pages go through.
    const firstPages: unknown[] = [];
    const wholeLists: (() => void)[] = [];
    let wholeAsked = 0;
    const release = () => wholeLists.splice(0).forEach((go) => go());
    await page.route('**/api/invoke/runs:listColumns', async (route) => {
      const body = route.request().postDataJSON() as { limit?: number; orderBy?: string };
      if (body.limit !== undefined && body.limit < RUNS) firstPages.push(body);
      else {
        wholeAsked++;
        await new Promise<void>((go) => wholeLists.push(go));
      }
      await route.continue();
    });
    try {
      await page.goto(`${url}#/projects`);
      await table.openExperiments(url, 100);
      expect(firstPages).toEqual([expect.objectContaining({ orderBy: 'started asc', limit: 100 })]);
      await expect
        .poll(() => table.byTestId('runs-count').textContent())
        .toBe(`loading ${RUNS.toLocaleString('en-US')}…`);
      // Run 0 is a cross-validation whose folds 1-4 fold under it; 5… follow.
      const top = [0, 5, 6, 7, 8].map(seededRunId);
      const shown = async () => Promise.all(top.map((_, k) => table.idAt(k)));
      expect(await shown()).toEqual(top);

      await expect.poll(() => wholeLists.length).toBe(1);
      release();
      await table.waitForTotal(RUNS);
      expect(await shown()).toEqual(top);
      await expect.poll(() => table.byTestId('runs-count').textContent()).not.toMatch(/loading/);

      // A reload of the same list (as when a run ends) asks for no first page and keeps every row on
      // screen until the new whole list arrives.
      await table.applyFilter('');
      await expect.poll(() => wholeLists.length).toBe(1);
      expect(firstPages).toHaveLength(1);
      expect(await table.total()).toBe(RUNS);
      expect(await shown()).toEqual(top);
      // Two more reloads while that list is on its way become one, asked for once it has arrived.
      await table.applyFilter('');
      await table.applyFilter('');
      expect(wholeAsked).toBe(2);
      release();
      await expect.poll(() => wholeLists.length).toBe(1);
      release();
      await expect.poll(() => table.byTestId('runs-count').textContent()).not.toMatch(/loading/);
      expect(wholeAsked).toBe(3);
    } finally {
      release();
      await page.unrouteAll({ behavior: 'wait' });
    }
  });
});
