import type { Download, Locator } from 'playwright-core';
import { AppPage } from './app-page';

/** The Evaluations list (`#/evaluations[?target=]`) and one report (`#/evaluations/<id>`). */
export class EvaluationPage extends AppPage {
  async openList(url: string, target?: string): Promise<void> {
    const query = target ? `?target=${encodeURIComponent(target)}` : '';
    await this.page.goto(`${url}#/evaluations${query}`);
    await this.byTestId('evaluations-view').waitFor();
  }

  async openReport(url: string, id: string): Promise<void> {
    await this.page.goto(`${url}#/evaluations/${encodeURIComponent(id)}`);
    await this.byTestId('evaluation-report').waitFor();
  }

  rows(): Locator {
    return this.byTestId('evaluation-row');
  }

  async filter(target: string): Promise<void> {
    await this.byTestId('eval-filter').fill(target);
    await this.byTestId('eval-filter').press('Enter');
  }

  chart(name: string): Locator {
    return this.byTestId(`eval-chart-${name}`);
  }

  /** The points of a chart's named polyline, as drawn. */
  async seriesPoints(chart: string, series: string): Promise<number> {
    const points = await this.chart(chart)
      .locator(`polyline[data-series="${series}"]`)
      .getAttribute('points');
    return points ? points.trim().split(/\s+/).length : 0;
  }

  async downloadHtml(): Promise<Download> {
    const [download] = await Promise.all([
      this.page.waitForEvent('download'),
      this.byTestId('eval-download-html').click(),
    ]);
    return download;
  }
}
