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

  alertRows(): Locator {
    return this.byTestId('alert-row');
  }

  async acknowledge(row: Locator, note: string): Promise<void> {
    await row.getByTestId('alert-ack').click();
    await row.getByTestId('alert-note').fill(note);
    await row.getByTestId('alert-ack-confirm').click();
  }
}
