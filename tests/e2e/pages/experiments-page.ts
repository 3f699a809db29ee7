import type { Locator } from 'playwright-core';
import { AppPage } from './app-page';

export interface NewRunOptions {
  dataset: string;
  target: string;
  task: 'binary' | 'multiclass' | 'regression';
  model: 'linear' | 'mlp';
  epochs: number;
  /** Cross-validation folds. */
  folds?: number;
  /** A search: strategy, trials and the YAML space. */
  search?: { strategy: 'grid' | 'random' | 'tpe'; trials: number; space: string };
}

/** Experiments view (runs table, New run form) and the run page. */
export class ExperimentsPage extends AppPage {
  /** Fills the New run form and starts training; resolves with the run id from the run page URL. */
  async startRun(options: NewRunOptions): Promise<string> {
    await this.byTestId('new-run-open').click();
    await this.byTestId('new-run-dataset').selectOption(options.dataset);
    await this.byTestId('new-run-target').selectOption(options.target);
    await this.byTestId('new-run-task').selectOption(options.task);
    await this.byTestId('new-run-model').selectOption(options.model);
    await this.byTestId('new-run-epochs').fill(String(options.epochs));
    if (options.folds !== undefined)
      await this.byTestId('new-run-folds').fill(String(options.folds));
    if (options.search) {
      await this.byTestId('new-run-search').selectOption(options.search.strategy);
      await this.byTestId('new-run-trials').fill(String(options.search.trials));
      await this.byTestId('new-run-space').fill(options.search.space);
    }
    await this.byTestId('train-submit').click();
    await this.page.waitForURL(/#\/runs\/.+/);
    const hash = new URL(this.page.url()).hash;
    return decodeURIComponent(hash.replace(/^#\/runs\//, ''));
  }

  runChart(): Locator {
    return this.byTestId('run-chart');
  }

  /** Waits until the run chart has plotted at least `n` epochs. */
  async waitForChartPoints(n: number): Promise<number> {
    const handle = await this.page.waitForFunction((min) => {
      const el = document.querySelector('[data-testid="run-chart"]');
      const points = Number(el?.getAttribute('data-points') ?? 0);
      return points >= min ? points : false;
    }, n);
    return (await handle.jsonValue()) as number;
  }

  runRow(id: string): Locator {
    return this.byTestId(`run-row-${id}`);
  }

  /** Waits until the run's row in the runs table shows `status`. */
  async waitForRunStatus(id: string, status: string): Promise<void> {
    await this.runRow(id).locator(`[data-testid="run-status"][data-status="${status}"]`).waitFor();
  }
}
