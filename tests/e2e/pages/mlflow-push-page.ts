import type { Locator } from 'playwright-core';
import { AppPage } from './app-page';

/** The "Push to MLflow" dialog (run and model version pages) and the model page's MLflow export. */
export class MlflowPushPage extends AppPage {
  dialog(): Locator {
    return this.byTestId('mlflow-push-dialog');
  }

  /** Opens the dialog from the push button inside `scope` (the page header, the model's MLflow panel). */
  async openDialog(scope: Locator = this.page.locator('body')): Promise<void> {
    await scope.locator('[data-testid="mlflow-push"]').click();
    await this.dialog().waitFor();
  }

  async fill(options: { url?: string; token?: string }): Promise<void> {
    if (options.url !== undefined) await this.byTestId('mlflow-push-url').fill(options.url);
    if (options.token !== undefined) {
      await this.byTestId('mlflow-push-auth').selectOption('token');
      await this.byTestId('mlflow-push-token').fill(options.token);
    }
  }

  /** Submits and waits for the field error `field` (url, auth, token…); returns its text. */
  async submitExpectingFieldError(field: string): Promise<string> {
    await this.byTestId('mlflow-push-submit').click();
    const error = this.byTestId(`mlflow-push-${field}-error`);
    await error.waitFor();
    return (await error.textContent()) ?? '';
  }

  /**
   * Submits, runs `whilePushing` (e.g. to look at the progress), and waits for the result; returns
   * whether the push changed anything, its text and the remote run id.
   */
  async push(
    whilePushing?: () => Promise<void>,
  ): Promise<{ changed: boolean; headline: string; text: string; remoteRunId: string }> {
    // The click clears the last result (a discrete event's render is synchronous), so what shows next is
    // this push's.
    await this.byTestId('mlflow-push-submit').click();
    await whilePushing?.();
    const result = this.byTestId('mlflow-push-result');
    const error = this.byTestId('mlflow-push-error');
    await result.or(error).waitFor();
    if (await error.isVisible()) throw new Error(`push failed: ${await error.textContent()}`);
    return {
      changed: (await result.getAttribute('data-changed')) === 'true',
      headline: (await this.byTestId('mlflow-push-headline').textContent()) ?? '',
      text: (await result.textContent()) ?? '',
      remoteRunId: (await this.byTestId('mlflow-push-run-link').getAttribute('data-run-id')) ?? '',
    };
  }

  async close(): Promise<void> {
    await this.dialog().getByRole('button', { name: 'Close' }).click();
    await this.dialog().waitFor({ state: 'detached' });
  }

  /** Exports the selected version into `dir`; waits for the written folder or the folder's error. */
  async exportModel(dir: string): Promise<{ dir: string } | { error: string }> {
    await this.byTestId('mlflow-export-out').fill(dir);
    await this.byTestId('mlflow-export').click();
    const done = this.byTestId('mlflow-export-dir');
    const error = this.byTestId('mlflow-export-out-error');
    await done.or(error).waitFor();
    return (await error.isVisible())
      ? { error: (await error.textContent()) ?? '' }
      : { dir: (await done.textContent()) ?? '' };
  }
}
