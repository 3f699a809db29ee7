import type { Locator } from 'playwright-core';
import { AppPage } from './app-page';

type Section = 'health' | 'drift' | 'performance' | 'alerts' | 'retraining';

/** The Monitor view: `#/monitor/<model>` (health, drift, performance, alerts, retraining). */
export class MonitorPage extends AppPage {
  async openMonitor(url: string, model: string): Promise<void> {
    await this.page.goto(`${url}#/monitor/${encodeURIComponent(model)}`);
    await this.byTestId('monitor-view').waitFor();
  }

  /** The version picker's `NAME@VERSION` (the view preselects the champion). */
  async selectedVersion(): Promise<string> {
    return this.byTestId('monitor-version').inputValue();
  }

  async show(section: Section): Promise<void> {
    await this.byTestId(`tab-${section}`).click();
  }

  /** A heatmap cell: `window` is its column (-1 for all current rows together). */
  heatCell(feature: string, window: number): Locator {
    return this.byTestId(`heat-cell-${feature}-${window}`);
  }

  heatmapFeatures(): Promise<string[]> {
    return this.byTestId('drift-heatmap').locator('tbody th[scope="row"]').allTextContents();
  }

  /** The opened cell's method, statistic and drift verdict. */
  async detail(): Promise<{ method: string; statistic: string; drifted: string | null }> {
    const facts = this.byTestId('drift-detail-facts');
    await facts.waitFor();
    return {
      method: (await this.byTestId('drift-detail-method').textContent()) ?? '',
      statistic: (await this.byTestId('drift-detail-statistic').textContent()) ?? '',
      drifted: await facts.getAttribute('data-drifted'),
    };
  }

  /** Picks a labels file (uploaded to the host, as a browser does) and joins it by `id`. */
  async uploadLabels(file: string, idColumn: string, targetColumn: string): Promise<void> {
    await this.byTestId('labels-file-input').setInputFiles(file);
    // The path appears once the upload is done.
    await this.page.waitForFunction(
      () => document.querySelector<HTMLInputElement>('[data-testid="labels-file"]')?.value !== '',
    );
    await this.byTestId('labels-id-column').fill(idColumn);
    await this.byTestId('labels-target-column').fill(targetColumn);
    await this.byTestId('labels-submit').click();
  }

  /** The first number of "N of M captured rows have a label". */
  async labelledRows(): Promise<number> {
    const text = (await this.byTestId('performance-labelled').textContent()) ?? '';
    return Number((/[\d,]+/.exec(text)?.[0] ?? '').replace(/,/g, ''));
  }

  alertRows(): Locator {
    return this.byTestId('alert-row');
  }

  async acknowledge(row: Locator, note: string): Promise<void> {
    await row.getByTestId('alert-ack').click();
    await row.getByTestId('alert-note').fill(note);
    await row.getByTestId('alert-ack-confirm').click();
  }
}
