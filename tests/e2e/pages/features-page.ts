import type { Locator } from 'playwright-core';
import { AppPage } from './app-page';

/** Features view: dataset/target pickers, spec editor, live preview and feature docs. */
export class FeaturesPage extends AppPage {
  /** Opens `#/features/<dataset>` and waits for the view. */
  async openDataset(url: string, dataset: string): Promise<void> {
    await this.page.goto(`${url}#/features/${encodeURIComponent(dataset)}`);
    await this.byTestId('features-view').waitFor();
  }

  editor(): Locator {
    return this.byTestId('feature-spec-editor');
  }

  preview(): Locator {
    return this.byTestId('feature-preview');
  }

  docs(): Locator {
    return this.byTestId('feature-docs');
  }

  doc(feature: string): Locator {
    return this.byTestId(`feature-doc-${feature}`);
  }

  specErrors(): Locator {
    return this.byTestId('feature-spec-errors');
  }

  /** The editor's text once the default spec (or anything) has filled it. */
  async specText(): Promise<string> {
    await this.page.waitForFunction(() => {
      const el = document.querySelector<HTMLTextAreaElement>('[data-testid="feature-spec-editor"]');
      return (el?.value.length ?? 0) > 0;
    });
    return this.editor().inputValue();
  }

  async editSpec(text: string): Promise<void> {
    await this.editor().fill(text);
  }

  /**
   * Waits until the preview is current (fitted from the editor's text, not a stale one) with at least one
   * output feature, `is` of them or any number but `not`; resolves with the number of output features.
   */
  async waitForPreview(columns: { is?: number; not?: number } = {}): Promise<number> {
    const handle = await this.page.waitForFunction(({ is, not }) => {
      const el = document.querySelector('[data-testid="feature-preview"]');
      if (!el || el.getAttribute('data-stale') !== 'false') return false;
      const n = Number(el.getAttribute('data-columns'));
      if (n <= 0 || (is !== undefined && n !== is) || (not !== undefined && n === not))
        return false;
      return n;
    }, columns);
    return (await handle.jsonValue()) as number;
  }

  /** Resolves with the error banner's text once the host rejected the spec. */
  async hostError(): Promise<string> {
    const banner = this.errorBanner();
    await banner.waitFor();
    return (await banner.textContent()) ?? '';
  }

  async resetSpec(): Promise<void> {
    await this.byTestId('reset-spec').click();
  }
}
