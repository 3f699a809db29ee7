import type { Locator, Page } from 'playwright-core';

/** The shell: left nav, header, global error banners. */
export class AppPage {
  constructor(readonly page: Page) {}

  byTestId(id: string): Locator {
    return this.page.locator(`[data-testid="${id}"]`);
  }

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.byTestId('workspace-path').waitFor();
  }

  async workspacePath(): Promise<string> {
    return (await this.byTestId('workspace-path').textContent()) ?? '';
  }

  async goto(section: 'projects' | 'data' | 'experiments'): Promise<void> {
    await this.byTestId(`nav-${section}`).click();
  }

  errorBanner(): Locator {
    return this.byTestId('error-banner');
  }
}
