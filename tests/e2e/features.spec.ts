import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openBrowserSession, repo, type BrowserSession } from './pages/lathe-host';
import { lathe } from '../helpers/cli';
import { FeaturesPage } from './pages/features-page';

const fixture = join(repo, 'tests/fixtures/seattle-weather.csv');

let session: BrowserSession;
let page: Page;
let url: string;

/** The editor's text with an IQR clip typed in before the scale step of `column`'s group. */
function withClip(specYaml: string, column: string): string {
  const group = specYaml.indexOf(`columns: [ ${column} ]`);
  const scale = specYaml.indexOf('- { op: scale', group);
  if (group < 0 || scale < 0) throw new Error(`no scale step for ${column} in:\n${specYaml}`);
  return `${specYaml.slice(0, scale)}- { op: clip, method: iqr }\n      ${specYaml.slice(scale)}`;
}

const SMALL_SPEC = `groups:
  - columns: [temp_max, temp_min]
    steps:
      - { op: clip, method: iqr }
      - { op: scale, method: standard }
  - columns: [wind]
    steps:
      - { op: bucketize, bins: 4 }
derived:
  - { op: ratio, columns: [temp_max, temp_min] }
`;

describe('Features view', () => {
  beforeAll(async () => {
    session = await openBrowserSession({
      prefix: 'lathe-e2e-features-',
      viewport: { width: 1400, height: 1300 },
      prepare: (dir) => {
        const imported = lathe([
          'data',
          'import',
          fixture,
          '--name',
          'weather',
          '--workspace',
          dir,
        ]);
        expect(imported.code, imported.stderr).toBe(0);
      },
    });
    ({ page, url } = session);
  });

  afterAll(async () => {
    await session?.close();
  });

  it('previews the default spec, follows edits live and names the field of a broken spec', async () => {
    const features = new FeaturesPage(page);
    await features.openDataset(url, 'weather');
    expect(await features.byTestId('nav-features').getAttribute('aria-current')).toBe('page');

    const defaultSpec = await features.specText();
    expect(defaultSpec).toContain('op: scale');
    const defaultColumns = await features.waitForPreview();
    await expect.poll(() => features.docs().locator('tbody tr').count()).toBe(defaultColumns);
    expect(await features.doc('wind').textContent()).not.toContain('clip');
    // The inputs the spec reads sit beside the features, row by row.
    expect(await features.preview().locator('th.input-col', { hasText: 'wind' }).count()).toBe(1);
    expect(await features.preview().locator('tbody tr').count()).toBeGreaterThan(0);

    // Clipping wind before scaling adds fitted fences to its docs, with the same features.
    await features.editSpec(withClip(defaultSpec, 'wind'));
    await expect.poll(() => features.doc('wind').textContent()).toContain('clip.lo=');
    expect(await features.doc('wind').locator('.feature-transform').textContent()).toContain(
      'clip',
    );
    expect(await features.waitForPreview()).toBe(defaultColumns);
    expect(await features.byTestId('reset-spec').isEnabled()).toBe(true);
    mkdirSync(join(repo, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(repo, 'test-results/features.png'), fullPage: true });

    // A spec of its own: two clipped and scaled temperatures, a bucketized wind and their ratio.
    await features.editSpec(SMALL_SPEC);
    expect(await features.waitForPreview({ is: 4 })).toBe(4);
    await expect.poll(() => features.docs().locator('tbody tr').count()).toBe(4);
    expect(await features.doc('wind__bucket').textContent()).toContain('bucketize.cuts=[');
    expect(await features.doc('temp_max__div__temp_min').textContent()).toContain('ratio');

    // Schema errors show inline, with the field, before anything is sent.
    await features.editSpec(SMALL_SPEC.replace('method: iqr', 'method: tukey'));
    expect(await features.specErrors().textContent()).toContain('groups.0.steps.0.method');
    expect(await features.preview().getAttribute('data-stale')).toBe('true');

    // A column the dataset lacks passes the schema; the host's error names the field.
    await features.editSpec(SMALL_SPEC.replace('[wind]', '[gusts]'));
    const error = await features.hostError();
    expect(error).toContain('groups.1.columns.0');
    expect(error).toContain("'gusts'");
    expect(await features.specErrors().count()).toBe(0);
    await page.screenshot({ path: join(repo, 'test-results/features-error.png') });

    await features.resetSpec();
    expect(await features.waitForPreview({ is: defaultColumns })).toBe(defaultColumns);
    expect(await features.errorBanner().count()).toBe(0);
    expect(await features.editor().inputValue()).toBe(defaultSpec);

    // Picking a target redrafts the unedited default without it (weather's one-hot columns go); the
    // old default, which has the target as a feature, is never previewed with it.
    const refused: string[] = [];
    page.on('response', (r) => {
      if (r.url().endsWith('/api/invoke/features:preview') && r.status() >= 400)
        refused.push(`${r.status()}`);
    });
    await features.byTestId('features-target').selectOption('weather');
    expect(await features.byTestId('features-task').inputValue()).toBe('multiclass');
    expect(await features.waitForPreview({ not: defaultColumns })).toBeLessThan(defaultColumns);
    expect(await features.editor().inputValue()).not.toContain('weather');
    expect(await features.errorBanner().count()).toBe(0);
    expect(refused).toEqual([]);
  });
});
