import type { Locator } from 'playwright-core';
import { AppPage } from './app-page';

/** The page of one run (`#/runs/<id>`): chart, facts, notes, tags, child runs, delete and restore. */
export class RunPage extends AppPage {
  async openRun(url: string, runId: string): Promise<void> {
    await this.page.goto(`${url}#/runs/${runId}`);
    await this.byTestId('run-name').waitFor();
  }

  chart(): Locator {
    return this.byTestId('run-chart');
  }

  /** Waits until the chart draws exactly `series` (comma-joined keys) and returns its step count. */
  async waitForSeries(series: string[]): Promise<number> {
    const want = series.join(',');
    await this.page.waitForFunction(
      (w) => document.querySelector('[data-testid="run-chart"]')?.getAttribute('data-series') === w,
      want,
    );
    return Number(await this.chart().getAttribute('data-points'));
  }

  async waitForChartPoints(n: number): Promise<void> {
    await this.page.waitForFunction(
      (min) =>
        Number(document.querySelector('[data-testid="run-chart"]')?.getAttribute('data-points')) ===
        min,
      n,
    );
  }

  async toggleMetric(key: string): Promise<void> {
    await this.byTestId(`metric-toggle-${key}`).click();
  }

  async addTag(key: string, value: string): Promise<void> {
    await this.byTestId('tag-key').fill(key);
    await this.byTestId('tag-value').fill(value);
    await this.byTestId('tag-add').click();
  }

  tag(key: string): Locator {
    return this.byTestId(`tag-${key}`);
  }

  async removeTag(key: string): Promise<void> {
    await this.byTestId(`tag-remove-${key}`).click();
    await this.tag(key).waitFor({ state: 'detached' });
  }

  async saveNotes(text: string): Promise<void> {
    await this.byTestId('run-notes').fill(text);
    await this.byTestId('notes-save').click();
    await this.byTestId('notes-saved').waitFor();
  }

  async rename(name: string): Promise<void> {
    await this.byTestId('run-rename').click();
    await this.byTestId('run-name-input').fill(name);
    await this.byTestId('run-name-input').press('Enter');
    await this.page.waitForFunction(
      (n) => document.querySelector('[data-testid="run-name"]')?.textContent === n,
      name,
    );
  }

  async deleteRun(): Promise<void> {
    await this.byTestId('run-delete').click();
    await this.byTestId('run-deleted-banner').waitFor();
  }

  async restoreRun(): Promise<void> {
    await this.byTestId('run-restore').click();
    await this.byTestId('run-delete').waitFor();
  }

  children(): Locator {
    return this.byTestId('run-children').locator('[data-testid="run-child"]');
  }
}
