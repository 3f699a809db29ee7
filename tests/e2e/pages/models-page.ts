import type { Locator } from 'playwright-core';
import { expect } from 'vitest';
import { AppPage } from './app-page';

/** The Models view: `#/models` (the list) and `#/models/<name>` (versions, controls, card, audit). */
export class ModelsPage extends AppPage {
  async openList(url: string): Promise<void> {
    await this.page.goto(`${url}#/models`);
    await this.byTestId('models-view').waitFor();
  }

  /**
   * Opens a model and waits until its panels have loaded (none aria-busy), so nothing moves under a
   * click; `settled: false` returns once the versions show.
   */
  async openModel(url: string, name: string, { settled = true } = {}): Promise<void> {
    await this.page.goto(`${url}#/models/${encodeURIComponent(name)}`);
    await this.byTestId('model-versions').waitFor();
    if (!settled) return;
    await expect
      .poll(() => this.byTestId('model-page').locator('[aria-busy="true"]').count())
      .toBe(0);
  }

  row(name: string): Locator {
    return this.byTestId(`model-row-${name}`);
  }

  version(n: number): Locator {
    return this.byTestId(`model-version-${n}`);
  }

  async selectVersion(n: number): Promise<void> {
    // Its vN button: the row's middle can be the run's link, which leaves the page.
    await this.version(n).locator('td').first().click();
    await this.page
      .locator(`[data-testid="model-controls"] h2`, { hasText: `Change v${n}` })
      .waitFor();
  }

  /** Waits until version `n` lists exactly these aliases. */
  async waitForAliases(n: number, aliases: string[]): Promise<void> {
    await this.page.waitForFunction(
      ([v, want]) => {
        const cell = document.querySelector(
          `[data-testid="model-version-${v}"] [data-testid="version-aliases"]`,
        );
        const got = [...(cell?.querySelectorAll('.alias-chip') ?? [])].map((c) =>
          (c.firstChild?.textContent ?? '').trim(),
        );
        return got.join(',') === want;
      },
      [n, aliases.join(',')] as const,
    );
  }

  async waitForStage(n: number, stage: string): Promise<void> {
    await this.version(n)
      .locator('[data-testid="version-stage"]', { hasText: new RegExp(`^${stage}$`) })
      .waitFor();
  }

  async setAlias(alias: string, reason: string): Promise<void> {
    await this.byTestId('change-reason').fill(reason);
    await this.byTestId('alias-input').fill(alias);
    await this.byTestId('alias-set').click();
  }

  async setStage(stage: string, reason: string, archiveExisting = false): Promise<void> {
    await this.byTestId('change-reason').fill(reason);
    await this.byTestId('stage-select').selectOption(stage);
    if (archiveExisting) await this.byTestId('stage-archive-existing').check();
    await this.byTestId('stage-set').click();
  }

  gateFailures(): Locator {
    return this.byTestId('gate-failures').locator('li');
  }

  async override(reason: string): Promise<void> {
    await this.byTestId('override-reason').fill(reason);
    await this.byTestId('override-apply').click();
    await this.byTestId('gate-failed').waitFor({ state: 'detached' });
  }

  async editCard(field: string, text: string): Promise<void> {
    await this.byTestId('card-edit').click();
    await this.byTestId(`card-field-${field}`).fill(text);
    await this.byTestId('card-save').click();
    await this.byTestId('card-edit').waitFor();
  }

  cardText(): Locator {
    return this.byTestId('card-rendered');
  }

  /** Picks a day in the audit panel and returns the "champion was …" line once it shows. */
  async championOn(day: string): Promise<string> {
    await this.byTestId('audit-date').fill(day);
    const line = this.byTestId('audit-champion');
    await line.filter({ hasText: day }).waitFor();
    return (await line.textContent()) ?? '';
  }

  auditEntries(): Locator {
    return this.byTestId('audit-entry');
  }
}
