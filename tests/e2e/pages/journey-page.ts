import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { AppPage } from './app-page';

/**
 * The steps of the whole journey (issue 12's proof) that no other page object covers: creating a
 * project, the gate policy, choosing runs to compare, evaluating with options, registering from the run
 * page, and a screenshot per step.
 */
export class JourneyPage extends AppPage {
  private step = 0;

  /** Saves the page as `NN-name.png` under `folder`, one numbered file per step. */
  async shot(folder: string, name: string): Promise<void> {
    mkdirSync(folder, { recursive: true });
    this.step += 1;
    const file = `${String(this.step).padStart(2, '0')}-${name}.png`;
    await this.page.screenshot({ path: join(folder, file), fullPage: true });
  }

  /** Creates a project in the Projects view; it becomes the active one. */
  async createProject(url: string, name: string): Promise<void> {
    await this.page.goto(`${url}#/projects`);
    await this.byTestId('project-name').fill(name);
    await this.byTestId('project-submit').click();
    await this.byTestId(`project-row-${name}`).and(this.page.locator('.selected')).waitFor();
  }

  /** Saves the project default gate policy from the Models view and waits until it is active. */
  async setGatePolicy(url: string, yaml: string, reason: string): Promise<void> {
    await this.page.goto(`${url}#/models`);
    await this.byTestId('gate-policy-text').fill(yaml);
    await this.byTestId('gate-policy-reason').fill(reason);
    await this.byTestId('gate-policy-save').click();
    await this.byTestId('gate-policy-state')
      .filter({ hasText: /^active$/ })
      .waitFor();
  }

  /** Waits on a run's page until it finished (its Evaluate buttons show). */
  async waitForRunFinished(): Promise<void> {
    await this.byTestId('evaluate-options').waitFor({ timeout: 120_000 });
  }

  /** Ticks the runs in the Experiments view's table and opens Compare. */
  async compareRuns(url: string, ids: readonly string[]): Promise<Locator> {
    await this.page.goto(`${url}#/experiments`);
    for (const id of ids) await this.byTestId(`run-select-${id}`).click();
    await this.byTestId('runs-compare').click();
    const table = this.byTestId('compare-table');
    await table.waitFor();
    return table;
  }

  /** On a run's page: Evaluate with… the sensitive columns and no importance; resolves with the report id. */
  async evaluateWith(sensitive: string[]): Promise<string> {
    await this.byTestId('evaluate-options').click();
    await this.byTestId('evaluate-options-dialog').waitFor();
    await this.byTestId('evaluate-sensitive').selectOption(sensitive);
    await this.byTestId('evaluate-importance-repeats').fill('0');
    await this.byTestId('evaluate-options-submit').click();
    await this.page.waitForURL(/#\/evaluations\/.+/);
    await this.byTestId('evaluation-report').waitFor();
    return decodeURIComponent(new URL(this.page.url()).hash.replace(/^#\/evaluations\//, ''));
  }

  /** On a run's page: Register model as `name`; waits for the "Registered NAME vN" link. */
  async register(name: string): Promise<string> {
    await this.byTestId('register-model').click();
    await this.byTestId('register-model-name').fill(name);
    await this.byTestId('register-model-submit').click();
    const done = this.byTestId('register-model-done');
    await done.waitFor();
    return (await done.textContent()) ?? '';
  }

  /** In the Deploy view: picks the model (its version follows the champion). */
  async chooseDeployModel(name: string): Promise<void> {
    await this.byTestId('deploy-model').selectOption(name);
  }

  /** In the Deploy view: scores `input` into `output`; resolves with the result line. */
  async batchScore(input: string, output: string): Promise<string> {
    await this.byTestId('deploy-batch-input').fill(input);
    await this.byTestId('deploy-batch-output').fill(output);
    await this.byTestId('deploy-batch-run').click();
    const result = this.byTestId('deploy-batch-result');
    await result.waitFor();
    return (await result.textContent()) ?? '';
  }
}
