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

  async chooseVersion(ref: string): Promise<void> {
    await this.byTestId('deploy-version').selectOption(ref);
  }

  /** What a server row says about the alias it follows ('via m@champion', '… is now v2: restart …'). */
  async serverRef(row = 0): Promise<string> {
    return (await this.servers().nth(row).getByTestId('deploy-server-ref').textContent()) ?? '';
  }

  async serverModel(row = 0): Promise<string> {
    return (await this.servers().nth(row).locator('td').first().textContent()) ?? '';
  }

  async restartServer(row = 0): Promise<void> {
    await this.servers().nth(row).getByTestId('deploy-server-restart').click();
  }

  /** Fills a field of the request panel (a select takes the option's value). */
  async fillRequest(values: Record<string, string | number>): Promise<void> {
    for (const [name, value] of Object.entries(values)) {
      const field = this.byTestId(`deploy-request-field-${name}`);
      if ((await field.evaluate((e) => e.tagName)) === 'SELECT')
        await field.selectOption(String(value));
      else await field.fill(String(value));
    }
  }

  /** Sends the request panel's request; resolves with the status line and the parsed JSON answer. */
  async sendRequest(): Promise<{ status: string; answer: unknown }> {
    await this.byTestId('deploy-request-send').click();
    await this.byTestId('deploy-request-result').waitFor();
    const status = (await this.byTestId('deploy-request-status').textContent()) ?? '';
    const answer = JSON.parse(
      (await this.byTestId('deploy-request-answer').textContent()) ?? 'null',
    ) as unknown;
    return { status, answer };
  }

  /** How many option rows a multiple select has room for (its `size`, unless CSS squeezes it). */
  async listRows(select: Locator): Promise<number> {
    return select.evaluate((el) => {
      const s = el as HTMLSelectElement;
      const style = getComputedStyle(s);
      const room = s.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
      return Math.round((room / s.options[0]!.getBoundingClientRect().height) * 10) / 10;
    });
  }

  async curl(): Promise<string> {
    return (await this.byTestId('deploy-request-curl').textContent()) ?? '';
  }

  /** Fills the batch form and submits it. */
  async runBatch(input: string, output: string, keep = ''): Promise<void> {
    await this.byTestId('deploy-batch-input').fill(input);
    await this.byTestId('deploy-batch-output').fill(output);
    await this.byTestId('deploy-batch-keep').fill(keep);
    await this.byTestId('deploy-batch-run').click();
  }
}
