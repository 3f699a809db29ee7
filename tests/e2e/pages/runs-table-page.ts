import type { Locator } from 'playwright-core';
import { AppPage } from './app-page';

/** The runs table of the Experiments view: toolbar, column picker, selection actions, virtualized rows. */
export class RunsTablePage extends AppPage {
  table(): Locator {
    return this.byTestId('runs-table');
  }

  /** Opens `#/experiments` and waits until the table lists `total` runs. */
  async openExperiments(url: string, total?: number): Promise<void> {
    await this.page.goto(`${url}#/experiments`);
    await this.table().waitFor();
    if (total !== undefined) await this.waitForTotal(total);
  }

  /** Runs listed (after the filter, before search and nesting). */
  async total(): Promise<number> {
    return Number(await this.table().getAttribute('data-total'));
  }

  async waitForTotal(n: number): Promise<void> {
    await this.page.waitForFunction(
      (want) =>
        document.querySelector('[data-testid="runs-table"]')?.getAttribute('data-total') ===
        String(want),
      n,
    );
  }

  /** Lines of the table (after search and nesting), whether or not they are in the DOM. */
  async rowCount(): Promise<number> {
    return Number(await this.table().getAttribute('data-rows'));
  }

  /** Row elements actually in the DOM (the virtualized window). */
  renderedRows(): Locator {
    return this.table().locator('[role="row"][data-index]');
  }

  rowAt(index: number): Locator {
    return this.table().locator(`[role="row"][data-index="${index}"]`);
  }

  row(id: string): Locator {
    return this.byTestId(`run-row-${id}`);
  }

  /** The cell of a run's line in `column`, pinned (in the pinned pane) or not. */
  cell(id: string, column: string): Locator {
    return this.table().locator(
      `:is([data-testid="run-row-${id}"], [data-testid="run-pinned-${id}"]) [data-col="${column}"]`,
    );
  }

  /** The run id of the line at `index` (it must be in the rendered window). */
  async idAt(index: number): Promise<string> {
    const testId = (await this.rowAt(index).getAttribute('data-testid')) ?? '';
    return testId.replace(/^run-row-/, '');
  }

  header(column: string): Locator {
    return this.byTestId(`col-header-${column}`);
  }

  async headerIds(): Promise<string[]> {
    return this.table()
      .locator('[role="columnheader"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-col') ?? ''));
  }

  /** Clicks a header to cycle its sort and waits until the table says `expected` (`col dir` or ''). */
  async sortBy(column: string, expected: string): Promise<void> {
    await this.byTestId(`col-sort-${column}`).click();
    await this.page.waitForFunction(
      (want) =>
        document.querySelector('[data-testid="runs-table"]')?.getAttribute('data-sort') === want,
      expected,
    );
  }

  /** Picks an experiment ('' for all of them). */
  async chooseExperiment(name: string): Promise<void> {
    await this.byTestId('runs-experiment').selectOption(name);
  }

  async applyFilter(text: string): Promise<void> {
    await this.byTestId('runs-filter').fill(text);
    await this.byTestId('runs-filter').press('Enter');
  }

  filterError(): Locator {
    return this.byTestId('runs-filter-error');
  }

  async search(text: string): Promise<void> {
    await this.byTestId('runs-search').fill(text);
  }

  async openColumnPicker(): Promise<Locator> {
    const picker = this.byTestId('column-picker');
    if (!(await picker.isVisible())) await this.byTestId('runs-columns').click();
    await picker.waitFor();
    return picker;
  }

  async closeColumnPicker(): Promise<void> {
    await this.byTestId('column-picker-close').click();
    await this.byTestId('column-picker').waitFor({ state: 'detached' });
  }

  async searchColumns(query: string): Promise<void> {
    await this.byTestId('column-picker-search').fill(query);
  }

  async setColumnVisible(column: string, visible: boolean): Promise<void> {
    await this.openColumnPicker();
    await this.searchColumns(column);
    await this.byTestId(`column-visible-${column}`).setChecked(visible);
    await this.header(column).waitFor({ state: visible ? 'attached' : 'detached' });
  }

  async moveColumn(column: string, direction: 'left' | 'right'): Promise<void> {
    await this.openColumnPicker();
    await this.searchColumns(column);
    await this.byTestId(`column-${direction}-${column}`).click();
  }

  /** Drags a header's right edge by `dx` pixels. */
  async resize(column: string, dx: number): Promise<void> {
    // Scroll the column clear of the pinned ones (a header click may have scrolled the table sideways).
    await this.header(column).evaluate((el) => {
      const scroller = el.closest('[data-testid="runs-table"]')!;
      scroller.scrollLeft = Math.max(0, (el as HTMLElement).offsetLeft - scroller.clientWidth / 2);
    });
    const handle = this.byTestId(`col-resize-${column}`);
    const box = await handle.boundingBox();
    if (!box) throw new Error(`no resize handle for ${column}`);
    const y = box.y + box.height / 2;
    await this.page.mouse.move(box.x + box.width / 2, y);
    await this.page.mouse.down();
    await this.page.mouse.move(box.x + box.width / 2 + dx / 2, y, { steps: 3 });
    await this.page.mouse.move(box.x + box.width / 2 + dx, y, { steps: 3 });
    await this.page.mouse.up();
  }

  /** Drags the header of `column` onto the header of `onto` (HTML drag and drop). */
  async dragColumn(column: string, onto: string): Promise<void> {
    await this.scrollTable(0);
    await this.byTestId(`col-sort-${column}`).dragTo(this.header(onto));
  }

  async scrollTable(left: number | 'end'): Promise<void> {
    await this.table().evaluate((el, to) => {
      el.scrollLeft = to === 'end' ? el.scrollWidth : to;
      el.dispatchEvent(new Event('scroll'));
    }, left);
  }

  /** Ticks the checkbox of the line at `index`, with Shift for a range. */
  async select(index: number, shift = false): Promise<void> {
    const id = await this.idAt(index);
    await this.byTestId(`run-select-${id}`).click({ modifiers: shift ? ['Shift'] : [] });
  }

  async selectedCount(): Promise<number> {
    const text = (await this.byTestId('runs-selected-count').textContent()) ?? '';
    return Number(text.replace(/[^\d]/g, ''));
  }

  async compareHref(): Promise<string | null> {
    return this.byTestId('runs-compare').getAttribute('href');
  }

  async deleteSelected(): Promise<void> {
    await this.byTestId('runs-delete').click();
  }

  async restoreSelected(): Promise<void> {
    await this.byTestId('runs-restore').click();
  }

  async showDeleted(on: boolean): Promise<void> {
    await this.byTestId('runs-show-deleted').setChecked(on);
  }

  async purge(): Promise<void> {
    await this.byTestId('runs-purge').click();
    await this.byTestId('runs-purge-confirm').waitFor();
    await this.byTestId('runs-purge-yes').click();
  }

  /** Waits for the notice of the last action to contain `text`, and returns all of it. */
  async notice(text: string): Promise<string> {
    const notice = this.byTestId('runs-notice');
    await notice.filter({ hasText: text }).waitFor();
    return (await notice.textContent()) ?? '';
  }

  /** Waits until the layout on screen has been written to the workspace. */
  async waitForLayoutSaved(): Promise<void> {
    await this.page.waitForFunction(
      () =>
        document.querySelector('[data-testid="runs-table"]')?.getAttribute('data-layout-saved') ===
        'true',
    );
  }
}
