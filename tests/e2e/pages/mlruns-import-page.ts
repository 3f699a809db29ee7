import type { Locator } from 'playwright-core';
import { AppPage } from './app-page';

/** The Experiments view's "Import mlruns folder" panel and its "Log from an MLflow notebook" hint. */
export class MlrunsImportPage extends AppPage {
  /** Opens `#/experiments` afresh (a reload: the panel and the hint start closed). */
  async openExperiments(url: string): Promise<void> {
    await this.page.goto(`${url}#/experiments`);
    await this.page.reload();
    await this.byTestId('mlruns-import-open').waitFor();
  }

  /** The hint's two lines, once it is unfolded. */
  async notebookLines(): Promise<string[]> {
    await this.byTestId('mlflow-hint').locator('summary').click();
    const text = (await this.byTestId('mlflow-hint-lines').textContent()) ?? '';
    return text.split('\n');
  }

  async openPanel(): Promise<void> {
    await this.byTestId('mlruns-import-open').click();
    await this.byTestId('mlruns-import-panel').waitFor();
  }

  /** Types the folder and presses Import. */
  async submit(dir: string): Promise<void> {
    await this.byTestId('mlruns-dir').fill(dir);
    await this.byTestId('mlruns-import').click();
  }

  result(): Locator {
    return this.byTestId('mlruns-result');
  }

  progressBar(): Locator {
    return this.byTestId('mlruns-busy').locator('[role="progressbar"]');
  }
}
