import type { Locator } from 'playwright-core';
import { AppPage } from './app-page';

/** The Deploy view: `#/deploy` (model version, prediction servers, Docker export, batch prediction). */
export class DeployPage extends AppPage {
  async openDeploy(url: string): Promise<void> {
    await this.page.goto(`${url}#/deploy`);
    await this.byTestId('deploy-view').waitFor();
  }

  /** Waits until the version picker holds `ref` (the view preselects the champion). */
  async selectedVersion(): Promise<string> {
    return this.byTestId('deploy-version').inputValue();
  }

  async startServer(): Promise<void> {
    await this.byTestId('deploy-start').click();
  }

  /** The running servers' rows. */
  servers(): Locator {
    return this.byTestId('deploy-server');
  }

  async serverUrl(row = 0): Promise<string> {
    return (await this.servers().nth(row).getByTestId('deploy-server-url').textContent()) ?? '';
  }

  async serverRequests(row = 0): Promise<number> {
    const text = await this.servers().nth(row).getByTestId('deploy-server-requests').textContent();
    return Number((text ?? '').replace(/,/g, ''));
  }

  async serverRate(row = 0): Promise<string> {
    return (await this.servers().nth(row).getByTestId('deploy-server-rate').textContent()) ?? '';
  }

  async stopServer(row = 0): Promise<void> {
    await this.servers().nth(row).getByTestId('deploy-server-stop').click();
  }

  noServers(): Locator {
    return this.byTestId('deploy-no-servers');
  }
}
