import type { Locator } from 'playwright-core';
import { AppPage } from './app-page';

/** Data view: import form, dataset list, profile, row preview. */
export class DataPage extends AppPage {
  /** Waits for the Data view (the start page) to render. */
  async waitUntilShown(): Promise<void> {
    await this.byTestId('import-form').waitFor();
  }

  /** Imports a file by typing its path, then waits for the dataset's profile. */
  async importByPath(path: string, name: string): Promise<void> {
    await this.importPath(path, name);
    await this.datasetRow(name).waitFor();
    await this.profileTable().waitFor();
  }

  /** The profiled row count as displayed (e.g. `1,461`), once the profile is shown. */
  async profiledRowCount(): Promise<string> {
    return this.profileRows();
  }

  async hasProfiledColumn(column: string): Promise<boolean> {
    await this.profileTable().waitFor();
    return (await this.byTestId(`profile-column-${column}`).count()) === 1;
  }

  async importFile(filePath: string, name?: string): Promise<void> {
    if (name !== undefined) await this.byTestId('import-name').fill(name);
    await this.byTestId('import-file').setInputFiles(filePath);
  }

  async importPath(path: string, name: string): Promise<void> {
    await this.byTestId('import-path').fill(path);
    await this.byTestId('import-name').fill(name);
    await this.byTestId('import-submit').click();
  }

  datasetRow(name: string): Locator {
    return this.byTestId(`dataset-row-${name}`);
  }

  async openDataset(name: string): Promise<void> {
    await this.datasetRow(name).click();
  }

  profileTable(): Locator {
    return this.byTestId('profile-table');
  }

  async profileRows(): Promise<string> {
    const rows = this.byTestId('profile-rows');
    await rows.waitFor();
    return (await rows.textContent()) ?? '';
  }

  histogram(column: string): Locator {
    return this.byTestId(`histogram-${column}`);
  }

  async showRows(): Promise<Locator> {
    await this.byTestId('tab-rows').click();
    return this.byTestId('preview-grid');
  }
}
