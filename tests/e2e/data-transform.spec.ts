import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openBrowserSession, repo, type BrowserSession } from './pages/lathe-host';
import { DataPage } from './pages/data-page';

// `lathe data transform` and `lathe data import --sql` in the app: a new version made from a parent with
// steps (shown with its parent in the lineage), and a dataset imported from a SELECT over a file.
let session: BrowserSession;
let page: Page;
let files: string;
let csv: string;
let data: DataPage;

describe('transforms and query imports in the Data view', () => {
  beforeAll(async () => {
    files = mkdtempSync(join(tmpdir(), 'lathe-e2e-files-'));
    csv = join(files, 'people.csv');
    writeFileSync(csv, 'id,name,age,notes\n1,Ada,36,x\n2,Bob,41,y\n3,Cy,19,z\n');
    session = await openBrowserSession({ prefix: 'lathe-e2e-data-transform-' });
    page = session.page;
    data = new DataPage(page);
    await data.open(session.url);
    await data.goto('data');
  });

  afterAll(async () => {
    await session?.close();
    rmSync(files, { recursive: true, force: true });
  });

  it('makes a new dataset from a parent with drop and filter steps, listed with its parent in lineage', async () => {
    await data.importByPath(csv, 'people');
    // The open dataset is the parent by default.
    expect(await data.byTestId('transform-from').inputValue()).toBe('people');
    // Nothing written: the form asks for a step, and a field's error goes once it is filled in.
    await data.byTestId('transform-from').fill('');
    await data.byTestId('transform-submit').click();
    expect(await data.byTestId('transform-text-error').textContent()).toContain(
      'add at least one step',
    );
    expect(await data.byTestId('transform-steps-errors').count()).toBe(0);
    expect(await data.byTestId('transform-from-error').textContent()).toContain(
      'name at least one parent dataset',
    );
    expect(await data.byTestId('transform-name-error').textContent()).toBe(
      'name the output dataset',
    );
    await data.byTestId('transform-from').fill('people');
    expect(await data.byTestId('transform-from-error').count()).toBe(0);
    expect(await data.byTestId('transform-name-error').count()).toBe(1);
    await data.byTestId('transform-name').fill('adults');
    expect(await data.byTestId('transform-name-error').count()).toBe(0);
    await data.byTestId('transform-text').fill('steps:\n  - type: drop\n    columns: []\n');
    await data.byTestId('transform-submit').click();
    expect(await data.byTestId('transform-steps-errors').textContent()).toContain(
      'steps.0.columns: name at least one column',
    );

    await data
      .byTestId('transform-text')
      .fill(
        'steps:\n  - type: drop\n    columns: [notes]\n  - type: filter\n    where: age > 30\n',
      );
    await data.byTestId('transform-submit').click();
    await data.byTestId('transform-done').waitFor();
    expect(await data.byTestId('transform-done').textContent()).toContain(
      'adults v1 from people@1',
    );
    await data.datasetRow('adults').waitFor();
    // The new dataset is opened: two of three rows kept, the notes column gone.
    expect(await data.profileRows()).toBe('2');
    expect(await data.hasProfiledColumn('age')).toBe(true);
    expect(await data.hasProfiledColumn('notes')).toBe(false);

    await data.byTestId('tab-lineage').click();
    await data.byTestId('lineage-graph').waitFor();
    const versions = await data.byTestId('lineage-node-version').allTextContents();
    expect(versions.some((t) => t.includes('people@1'))).toBe(true);
    expect(versions.some((t) => t.includes('adults@1'))).toBe(true);
    await page.screenshot({
      path: join(repo, 'test-results', 'data-transform.png'),
      fullPage: true,
    });
  });

  it('imports the result of a SQL query over the CSV file', async () => {
    await data.byTestId('query-import-sql').fill(`SELECT id, age FROM '${csv}' WHERE age < 40`);
    await data.byTestId('query-import-submit').click();
    expect(await data.byTestId('query-import-name-error').textContent()).toBe('name the dataset');
    await data.byTestId('query-import-name').fill('under40');
    await data.byTestId('query-import-submit').click();
    await data.byTestId('query-import-done').waitFor();
    await data.datasetRow('under40').waitFor();
    expect(await data.profileRows()).toBe('2');
    expect(await data.hasProfiledColumn('name')).toBe(false);
  });

  it('makes a dataset from a SELECT joining two parents', async () => {
    await data.byTestId('transform-from').fill('people, under40');
    await data.byTestId('transform-name').fill('joined');
    await data.byTestId('transform-mode').selectOption('sql');
    await data
      .byTestId('transform-text')
      .fill('SELECT p.name, u.age FROM people p JOIN under40 u USING (id)');
    await data.byTestId('transform-submit').click();
    await data.byTestId('transform-done').waitFor();
    expect(await data.byTestId('transform-done').textContent()).toContain(
      'joined v1 from people@1, under40@1',
    );
    await data.datasetRow('joined').waitFor();
    expect(await data.profileRows()).toBe('2');
    expect(await data.hasProfiledColumn('name')).toBe(true);
  });

  it('groups the numbers of numeric columns in the Rows tab, and shows numbers kept as text as typed', async () => {
    await data
      .byTestId('query-import-sql')
      .fill(
        "SELECT '3000000' AS code, '2001' AS founded, 2001::INTEGER AS year, 3000000::BIGINT AS population, 1234567.25::DOUBLE AS area",
      );
    await data.byTestId('query-import-name').fill('towns');
    await data.byTestId('query-import-submit').click();
    await data.datasetRow('towns').waitFor();
    await data.byTestId('profile-column-population').waitFor();
    const grid = await data.showRows();
    const row = grid.locator('[data-row="0"]');
    await expect
      .poll(() => row.locator(':scope > div').allTextContents())
      .toEqual(['1', '3000000', '2001', '2,001', '3,000,000', '1,234,567.3']);
  });
});
