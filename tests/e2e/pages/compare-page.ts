import type { Locator } from 'playwright-core';
import { AppPage } from './app-page';

/** What the overlay chart last drew, from its data-* attributes. */
export interface ChartState {
  mode: string;
  datasets: number;
  visible: number;
  bands: number;
  x: string;
  logY: boolean;
  smoothing: number;
  /** Sum of the visible y values. */
  ySum: number;
  /** Largest visible x. */
  xMax: number;
  drawn: number;
  checksum: string;
}

/** The Compare view (`#/compare?ids=…`): diff table, overlaid curves, parallel coordinates, scatter. */
export class ComparePage extends AppPage {
  /** Opens the view for `ids` and waits until the params table is shown. */
  async openRuns(url: string, ids: readonly string[]): Promise<void> {
    await this.page.goto(`${url}#/compare?ids=${ids.join(',')}`);
    await this.table().waitFor();
  }

  table(): Locator {
    return this.byTestId('compare-table');
  }

  /** Keys of the param columns shown, in order. */
  async paramColumns(): Promise<string[]> {
    return this.table()
      .locator('th[data-testid^="param-col-"]')
      .evaluateAll((ths) => ths.map((th) => th.textContent ?? ''));
  }

  async setOnlyDifferences(on: boolean): Promise<void> {
    await this.byTestId('only-diffs').setChecked(on);
  }

  row(runId: string): Locator {
    return this.byTestId(`compare-row-${runId}`);
  }

  chart(): Locator {
    return this.byTestId('compare-chart');
  }

  /** The chart's state once its curves are loaded and drawn. */
  async chartState(): Promise<ChartState> {
    await this.byTestId('curves-status').and(this.page.locator('[data-status="ready"]')).waitFor();
    return this.readChart();
  }

  private async readChart(): Promise<ChartState> {
    return this.parse(await this.snapshot());
  }

  private snapshot(): Promise<Record<string, string | undefined>> {
    return this.chart().evaluate((el) => ({ ...(el as HTMLElement).dataset }));
  }

  private parse(a: Record<string, string | undefined>): ChartState {
    const [ySum, xMax] = (a.checksum ?? '|').split('|');
    return {
      mode: a.mode ?? '',
      datasets: Number(a.datasets),
      visible: Number(a.visible),
      bands: Number(a.bands),
      x: a.x ?? '',
      logY: a.logY === 'true',
      smoothing: Number(a.smoothing),
      ySum: Number(ySum),
      xMax: xMax ? Number(xMax) : Number.NaN,
      drawn: Number(a.drawn ?? 0),
      checksum: a.checksum ?? '',
    };
  }

  /**
   * Waits until the curves are loaded and the drawn chart satisfies `ready`, at most 60 s in all (a chart
   * that keeps redrawing without ever getting there fails too); resolves with its state.
   */
  async waitForChart(ready: (s: ChartState) => boolean, what: string): Promise<ChartState> {
    await this.byTestId('curves-status').and(this.page.locator('[data-status="ready"]')).waitFor();
    const deadline = Date.now() + 60_000;
    for (;;) {
      const raw = await this.snapshot();
      const last = this.parse(raw);
      if (last.drawn > 0 && ready(last)) return last;
      // Wait for the next draw or attribute change instead of sleeping.
      await this.page
        .waitForFunction(
          (before) => {
            const el = document.querySelector<HTMLElement>('[data-testid="compare-chart"]');
            return JSON.stringify(el ? { ...el.dataset } : null) !== before;
          },
          JSON.stringify(raw),
          { timeout: Math.max(1, deadline - Date.now()) },
        )
        .catch(() => {
          throw new Error(`the chart never showed ${what}; last: ${JSON.stringify(last)}`);
        });
    }
  }

  async setMetric(key: string): Promise<void> {
    await this.byTestId('curve-metric').selectOption(key);
  }

  async setX(mode: 'step' | 'time' | 'metric', metric?: string): Promise<void> {
    await this.byTestId('curve-x').selectOption(mode);
    if (metric) await this.byTestId('curve-x-metric').selectOption(metric);
  }

  async setSmoothing(weight: number): Promise<void> {
    await this.byTestId('curve-smoothing').fill(String(weight));
  }

  async setGroupBy(param: string): Promise<void> {
    await this.byTestId('curve-group').selectOption(param);
  }

  async setLogY(on: boolean): Promise<void> {
    await this.byTestId('curve-log-y').setChecked(on);
  }

  /** Hides or shows a run's curve through the legend. */
  async toggleLegend(runId: string): Promise<void> {
    await this.byTestId('compare-legend').locator(`[data-run-id="${runId}"]`).click();
  }

  parallel(): Locator {
    return this.byTestId('parallel-coords');
  }

  /** Drags along parallel axis `axis` from position `from` to `to` (0 = bottom, 1 = top of the axis). */
  async brushAxis(axis: number, from: number, to: number): Promise<void> {
    const area = this.parallel().locator(`[data-testid="pc-brush-area-${axis}"]`);
    const box = await area.boundingBox();
    if (!box) throw new Error(`parallel axis ${axis} is not shown`);
    const x = box.x + box.width / 2;
    const at = (t: number) => box.y + (1 - t) * box.height;
    await this.page.mouse.move(x, at(from));
    await this.page.mouse.down();
    await this.page.mouse.move(x, at((from + to) / 2), { steps: 3 });
    await this.page.mouse.move(x, at(to), { steps: 3 });
    await this.page.mouse.up();
  }

  scatter(): Locator {
    return this.byTestId('scatter-plot');
  }

  async setHyperparamMetric(key: string): Promise<void> {
    await this.byTestId('hp-metric').selectOption(key);
  }

  async setScatterParam(key: string): Promise<void> {
    await this.byTestId('hp-param').selectOption(key);
  }
}
