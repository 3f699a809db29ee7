import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { seedRuns, seededRunId } from '../helpers/seed-runs';
import { openSeededSession, repo, type BrowserSession } from './pages/lathe-host';
import { checkboxLayout, fieldFit } from './pages/layout';
import { RunsTablePage } from './pages/runs-table-page';

const RUNS = 2000;
let session: BrowserSession;
let table: RunsTablePage;

// What seedRuns logs: run i's val_auc, its model, and whether it is a fold (nested under run i - i % 50).
const valAuc = (i: number) => ((i * 7919) % 10007) / 10007;
const isMlp = (i: number) => i % 2 === 0;
const isFold = (i: number) => i % 50 >= 1 && i % 50 <= 4;
/** Runs purged by a test: every test counts the runs that are left, so none depends on another's order. */
const purged = new Set<string>();
const alive = () =>
  Array.from({ length: RUNS }, (_, i) => i).filter((i) => !purged.has(seededRunId(i)));
const topLevel = () => alive().filter((i) => !isFold(i));
/** The layouts and the experiment choice a test may leave behind. */
const PREF_KEYS = [
  'runs-table:Default/*',
  'runs-table:Default/alpha',
  'runs-table:Default/beta',
  'experiments-view:Default',
];

describe('runs table', () => {
  beforeAll(async () => {
    session = await openSeededSession('lathe-e2e-runs-', async (services) => {
      await seedRuns(services, { runs: RUNS, metrics: 6, extraParams: 3 });
    });
    table = new RunsTablePage(session.page);
  });

  // Every test starts from the default layout on all experiments, whatever ran before it.
  beforeEach(async () => {
    await session.page.goto(`${session.url}#/projects`);
    for (const key of PREF_KEYS) await table.invoke('ui:prefs:set', { key, value: null });
    await table.openExperiments(session.url, alive().length);
  });

  afterEach(async ({ task }) => {
    if (task.result?.state !== 'fail' || !session) return;
    mkdirSync(join(repo, 'test-results'), { recursive: true });
    await session.page.screenshot({ path: join(repo, 'test-results/runs-table-failure.png') });
    console.error(`[runs-table.spec] host log:\n${session.log()}`);
  });

  afterAll(async () => {
    await session?.close();
  });

  it('renders only the rows in view, folds folded under their cross-validation', async () => {
    expect(await table.rowCount()).toBe(topLevel().length);
    const rendered = await table.renderedRows().count();
    expect(rendered).toBeGreaterThan(5);
    expect(rendered).toBeLessThan(100);
    // Newest first: run 1999 on top.
    expect(await table.idAt(0)).toBe(seededRunId(RUNS - 1));

    await table.search('run-0005');
    await expect.poll(() => table.rowCount()).toBe(6); // 50 (with folds 51-54 inside), 55-59
    await table.byTestId(`run-expand-${seededRunId(50)}`).click();
    await expect.poll(() => table.rowCount()).toBe(10);
    // Folds follow their parent, in the table's order (newest first).
    const parent = Number(await table.row(seededRunId(50)).getAttribute('data-index'));
    for (const [k, fold] of [54, 53, 52, 51].entries())
      expect(await table.idAt(parent + 1 + k)).toBe(seededRunId(fold));
    expect(await table.row(seededRunId(51)).getAttribute('class')).toContain('child');
    await table.byTestId(`run-expand-${seededRunId(50)}`).click();
    await expect.poll(() => table.rowCount()).toBe(6);
    await table.search('');
    await expect.poll(() => table.rowCount()).toBe(topLevel().length);
  });

  it('scrolls by handing each line element the run scrolled into its place, never moving one', async () => {
    const newestFirst = [...topLevel()].reverse();
    const seen = await table.table().evaluate(async (el) => {
      const frame = () => new Promise((r) => requestAnimationFrame(() => r(null)));
      const scrollTo = async (top: number) => {
        el.scrollTop = top;
        await frame();
        await frame();
      };
      // Into the middle first, where the most lines are in view: the pool of line elements is full.
      await scrollTo(437);
      await scrollTo(1311);
      let changed = 0;
      const watch = new MutationObserver((records) => {
        for (const r of records) changed += r.addedNodes.length + r.removedNodes.length;
      });
      // Line elements only (childList without subtree): a cell's own content may change.
      watch.observe(el.querySelector('.rt-body')!, { childList: true });
      watch.observe(el.querySelector('.rt-pins')!, { childList: true });
      for (let k = 1; k <= 40; k++) await scrollTo(1311 + k * 437);
      watch.disconnect();
      const lines = [...el.querySelectorAll('[role="row"][data-index]')].map((row) => ({
        index: Number(row.getAttribute('data-index')),
        rowIndex: Number(row.getAttribute('aria-rowindex')),
        id: row.getAttribute('data-testid')!.replace(/^run-row-/, ''),
        transform: (row as HTMLElement).style.transform,
        top: row.getBoundingClientRect().top - el.getBoundingClientRect().top,
      }));
      return { changed, scrollTop: el.scrollTop, lines };
    });
    // 40 scrolled frames, each showing other runs: no line element was added, removed or moved.
    expect(seen.changed).toBe(0);
    expect(seen.scrollTop).toBe(1311 + 40 * 437);
    const shown = seen.lines.filter((l) => l.top > 0 && l.top < 300);
    expect(shown.length).toBeGreaterThan(5);
    // Each line shows the run of its place, where that place is, with its place in the table's order.
    for (const line of seen.lines) {
      expect(line.id).toBe(seededRunId(newestFirst[line.index]!));
      expect(line.transform).toBe(`translateY(${line.index * 32}px)`);
      expect(line.rowIndex).toBe(line.index + 2);
    }
    expect(Math.min(...shown.map((l) => l.index))).toBe(Math.floor(seen.scrollTop / 32));
  });

  it('sorts by a metric column up, down and back to newest first', async () => {
    const ascending = [...topLevel()].sort((a, b) => valAuc(a) - valAuc(b) || b - a);
    await table.sortBy('metrics.val_auc', 'metrics.val_auc asc');
    expect(await table.idAt(0)).toBe(seededRunId(ascending[0]!));
    expect(await table.idAt(1)).toBe(seededRunId(ascending[1]!));
    await table.sortBy('metrics.val_auc', 'metrics.val_auc desc');
    const descending = [...topLevel()].sort((a, b) => valAuc(b) - valAuc(a) || b - a);
    expect(await table.idAt(0)).toBe(seededRunId(descending[0]!));
    expect(await table.header('metrics.val_auc').getAttribute('data-sort')).toBe('desc');
    await table.sortBy('metrics.val_auc', '');
    expect(await table.idAt(0)).toBe(seededRunId(RUNS - 1));
    // A param that holds numbers sorts as numbers: seed 1999 is the largest, not '999'.
    await table.sortBy('params.seed', 'params.seed asc');
    await table.sortBy('params.seed', 'params.seed desc');
    expect(await table.idAt(0)).toBe(seededRunId(RUNS - 1));
    await table.sortBy('params.seed', '');
  });

  it('applies a run query and shows where a malformed one breaks', async () => {
    await table.applyFilter("metrics.val_auc > 0.9 and params.model.type = 'mlp'");
    const expected = alive().filter((i) => valAuc(i) > 0.9 && isMlp(i)).length;
    await table.waitForTotal(expected);
    expect(expected).toBeLessThan(RUNS / 10);

    await table.applyFilter('metrics.val_auc >');
    await table.filterError().waitFor();
    expect(await table.filterError().textContent()).toContain('position 18');
    expect(await table.total()).toBe(expected);

    await table.applyFilter('');
    await table.waitForTotal(alive().length);
    await table.filterError().waitFor({ state: 'detached' });
  });

  it('hides and shows columns from the picker; a pinned column stays in view', async () => {
    await table.setColumnVisible('params.p_01', false);
    expect(await table.headerIds()).not.toContain('params.p_01');
    await table.setColumnVisible('params.p_01', true);
    expect(await table.headerIds()).toContain('params.p_01');
    await table.searchColumns('no such column at all');
    expect(await table.byTestId('column-picker-list').textContent()).toContain('No column matches');
    await table.closeColumnPicker();

    const box = await table.table().boundingBox();
    await table.scrollTable('end');
    await expect.poll(() => table.table().evaluate((el) => el.scrollLeft)).toBeGreaterThan(300);
    const name = await table.header('name').boundingBox();
    expect(name!.x).toBeGreaterThanOrEqual(box!.x);
    expect(name!.x).toBeLessThan(box!.x + 80);
    const experiment = await table.header('experiment').boundingBox();
    expect(experiment!.x + experiment!.width).toBeLessThan(box!.x);
    const cell = table.cell(await table.idAt(0), 'name');
    expect((await cell.boundingBox())!.x).toBeCloseTo(name!.x, 0);
    await table.scrollTable(0);
  });

  it('draws only the columns in view, and a far-right column once scrolled to it', async () => {
    const headers = await table.headerIds();
    const last = headers[headers.length - 1]!;
    expect(last).toBe('params.training.learningRate');
    const id = await table.idAt(0);
    // Columns far to the right have no cells until the table scrolls to them.
    expect(await table.cell(id, last).count()).toBe(0);
    expect(await table.row(id).locator('[role="cell"]').count()).toBeLessThan(headers.length);
    await table.scrollTable('end');
    const cell = table.cell(id, last);
    await cell.waitFor();
    // Run 1999 (on top, newest first) was seeded with learning rate ['0.001', '0.01', '0.1'][1999 % 3].
    expect(await cell.textContent()).toBe(['0.001', '0.01', '0.1'][(RUNS - 1) % 3]);
    const box = (await cell.boundingBox())!;
    const view = (await table.table().boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(view.x + view.width + 1);
    expect(await table.cell(id, 'status').count()).toBe(0);
    // The pinned name stays drawn.
    expect(await table.cell(id, 'name').textContent()).toBe('run-01999');
    await table.scrollTable(0);
    await table.cell(id, 'status').waitFor();
    // Pointing at a line lights up its pinned part (another element) with it.
    await table.cell(id, 'experiment').hover();
    await expect
      .poll(() => table.byTestId(`run-pinned-${id}`).getAttribute('class'))
      .toContain('hover');
    expect(await table.row(id).getAttribute('class')).toContain('hover');
  });

  it('lines the Deleted box up with its "show", and Search shows its whole placeholder', async () => {
    const box = await checkboxLayout(table.byTestId('runs-show-deleted'));
    expect(box.height).toBeLessThan(20);
    expect(box.offset).toBeLessThanOrEqual(2);
    const search = await fieldFit(table.byTestId('runs-search'));
    expect(search.placeholder).toBeLessThanOrEqual(search.room);
  });

  it('selects a range with shift-click, compares, deletes, restores and purges', async () => {
    const total = alive().length;
    await table.select(2);
    await table.select(6, true);
    expect(await table.selectedCount()).toBe(5);
    const ids = await Promise.all([2, 3, 4, 5, 6].map((i) => table.idAt(i)));
    expect(await table.compareHref()).toBe(`#/compare?ids=${ids.join(',')}`);

    await table.deleteSelected();
    expect(await table.notice('Deleted')).toContain('Deleted 5 runs');
    await table.waitForTotal(total - 5);
    for (const id of ids) expect(await table.row(id).count()).toBe(0);
    expect(await table.selectedCount()).toBe(0);
    expect(await table.compareHref()).toBeNull();

    await table.showDeleted(true);
    await table.waitForTotal(total);
    const back = ids[0]!;
    await table.search(back);
    await expect.poll(() => table.rowCount()).toBe(1);
    expect(await table.row(back).getAttribute('data-deleted')).toBe('true');
    await table.select(0);
    await table.restoreSelected();
    expect(await table.notice('Restored')).toContain('Restored 1 run');
    await expect.poll(() => table.row(back).getAttribute('data-deleted')).toBe('false');
    await table.search('');
    await table.showDeleted(false);
    await table.waitForTotal(total - 4);

    await table.purge();
    const notice = await table.notice('Purged');
    expect(notice).toMatch(/Purged 4 runs and 0 artifact files: .* freed\./);
    for (const id of ids.slice(1)) purged.add(id);
    await table.showDeleted(true);
    await table.waitForTotal(total - 4);
    await table.showDeleted(false);
  });

  it('remembers sort, search, widths, order and hidden columns across a reload', async () => {
    await table.sortBy('metrics.val_auc', 'metrics.val_auc asc');
    await table.sortBy('metrics.val_auc', 'metrics.val_auc desc');
    await table.setColumnVisible('params.p_02', false);
    await table.moveColumn('experiment', 'right');
    await table.closeColumnPicker();
    await table.dragColumn('backend', 'model');
    const before = await table.headerIds();
    expect(before.indexOf('experiment')).toBe(before.indexOf('dataset') + 1);
    expect(before.indexOf('backend')).toBe(before.indexOf('model') - 1);
    const width = (await table.header('status').boundingBox())!.width;
    await table.resize('status', 60);
    await expect
      .poll(async () => Math.round((await table.header('status').boundingBox())!.width))
      .toBe(Math.round(width + 60));
    await table.search('run-01');
    await expect.poll(() => table.rowCount()).toBeLessThan(topLevel().length);
    const rows = await table.rowCount();
    const first = await table.idAt(0);
    await table.waitForLayoutSaved();

    await session.page.reload();
    await table.table().waitFor();
    await table.waitForTotal(alive().length);
    expect(await table.table().getAttribute('data-sort')).toBe('metrics.val_auc desc');
    expect(await table.headerIds()).toEqual(before);
    expect(Math.round((await table.header('status').boundingBox())!.width)).toBe(
      Math.round(width + 60),
    );
    expect(await table.byTestId('runs-search').inputValue()).toBe('run-01');
    expect(await table.rowCount()).toBe(rows);
    expect(await table.idAt(0)).toBe(first);
  });

  it('lists one experiment with its own remembered layout, and remembers the choice', async () => {
    // Runs come in blocks of 50, alternating alpha and beta.
    const beta = alive().filter((i) => Math.floor(i / 50) % 2 === 1).length;
    await table.search('run-01');
    await expect.poll(() => table.rowCount()).toBeLessThan(topLevel().length);
    await table.waitForLayoutSaved();
    await table.chooseExperiment('beta');
    await table.waitForTotal(beta);
    expect(await table.byTestId('runs-search').inputValue()).toBe('');
    expect(await table.table().getAttribute('data-sort')).toBe('');
    await session.page.reload();
    await table.table().waitFor();
    await table.waitForTotal(beta);
    expect(await table.byTestId('runs-experiment').inputValue()).toBe('beta');
    await table.chooseExperiment('');
    await table.waitForTotal(alive().length);
    expect(await table.byTestId('runs-search').inputValue()).toBe('run-01');
  });
});
