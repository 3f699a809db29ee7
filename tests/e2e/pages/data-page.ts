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

  /**
   * Chooses a file, which imports it at once. With `name`, types it first (cleared, then typed, as a
   * user retyping the name the last import left there): else the name follows the file.
   */
  async importFile(filePath: string, name?: string): Promise<void> {
    if (name !== undefined) {
      await this.byTestId('import-name').fill('');
      await this.byTestId('import-name').fill(name);
    }
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

  /** Opens the Outliers tab; resolves with its table once shown. */
  async showOutliers(): Promise<Locator> {
    await this.byTestId('tab-outliers').click();
    const table = this.byTestId('outliers-table');
    await table.waitFor();
    return table;
  }

  /** Opens the Validation tab and drafts a suite with Suggest; resolves with the editor's text. */
  async suggestSuite(): Promise<string> {
    await this.byTestId('tab-validation').click();
    const editor = this.byTestId('suite-editor');
    await editor.waitFor();
    await this.byTestId('suggest-suite').click();
    await this.page.waitForFunction(() => {
      const el = document.querySelector<HTMLTextAreaElement>('[data-testid="suite-editor"]');
      return (el?.value.length ?? 0) > 0;
    });
    return editor.inputValue();
  }

  async editSuite(text: string): Promise<void> {
    await this.byTestId('suite-editor').fill(text);
  }

  /** Runs the suite in the editor; resolves with the report once shown. */
  async runValidation(): Promise<Locator> {
    await this.byTestId('run-validation').click();
    const report = this.byTestId('validation-report');
    await report.waitFor();
    return report;
  }

  expectationRow(index: number): Locator {
    return this.byTestId(`expectation-row-${index}`);
  }

  /** Types a path and presses Import without touching the dataset name (it follows the path). */
  async importTypedPath(path: string): Promise<void> {
    await this.byTestId('import-path').fill(path);
    await this.byTestId('import-submit').click();
  }

  /** The confirm shown when a file's columns differ from the dataset's latest version. */
  schemaChangeConfirm(): Locator {
    return this.byTestId('schema-change-confirm');
  }

  /** Renames the open dataset (or, with `prefix` `project-NAME`, a project) through its inline form. */
  async rename(prefix: string, to: string): Promise<void> {
    await this.byTestId(`${prefix}-rename`).click();
    await this.byTestId(`${prefix}-rename-input`).fill(to);
    await this.byTestId(`${prefix}-rename-save`).click();
  }

  /** Deletes a project from its row, answering the question Delete asks first. */
  async deleteProject(name: string): Promise<void> {
    await this.byTestId(`project-${name}-delete`).click();
    await this.byTestId(`project-${name}-delete-yes`).click();
  }

  deletedDataset(name: string): Locator {
    return this.byTestId(`deleted-dataset-${name}`);
  }
}
