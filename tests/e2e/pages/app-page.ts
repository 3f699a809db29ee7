import type { Locator, Page } from 'playwright-core';
import type { ChannelInput, ChannelName, ChannelOutput } from '../../../shared/contract';

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

  /** Calls the host's API from the page, as the renderer does. */
  async invoke<C extends ChannelName>(
    channel: C,
    input: ChannelInput<C>,
  ): Promise<ChannelOutput<C>> {
    const body = await this.page.evaluate(
      async ([c, i]) => {
        const r = await fetch(`/api/invoke/${c}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(i),
        });
        return (await r.json()) as { ok: boolean; result?: unknown; error?: { message: string } };
      },
      [channel as string, input as unknown] as const,
    );
    if (!body.ok) throw new Error(body.error?.message ?? `${channel} failed`);
    return body.result as ChannelOutput<C>;
  }

  errorBanner(): Locator {
    return this.byTestId('error-banner');
  }
}
