import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { lathe } from '../helpers/cli';
import { FeaturesPage } from './pages/features-page';

const repo = resolve(import.meta.dirname, '../..');
const fixture = join(repo, 'tests/fixtures/seattle-weather.csv');
const hostScript = resolve(repo, process.env.LATHE_E2E_HOST ?? 'main/cli/lathe.cjs');

let workspace: string;
let host: ChildProcessWithoutNullStreams | undefined;
let hostLog = '';
let browser: Browser | undefined;
let page: Page;
let url: string;

/** Starts `lathe ui --port 0 --json` and resolves with the URL from its first stdout line. */
function startHost(): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    const child = spawn(
      process.execPath,
      [hostScript, 'ui', '--port', '0', '--workspace', workspace, '--json'],
      { cwd: repo, env: { ...process.env, NO_COLOR: '1' } },
    );
    host = child;
    child.stderr.on('data', (chunk: Buffer) => {
      hostLog += chunk.toString();
    });
    child.on('exit', (code) => reject(new Error(`lathe ui exited with ${code}:\n${hostLog}`)));
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      try {
        const parsed = JSON.parse(line) as { url?: unknown };
        if (typeof parsed.url !== 'string') throw new Error('no url');
        resolveUrl(parsed.url);
      } catch {
        reject(new Error(`lathe ui printed an unexpected first line: ${line}\n${hostLog}`));
      }
    });
  });
}

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
    workspace = mkdtempSync(join(tmpdir(), 'lathe-e2e-features-'));
    const imported = lathe([
      'data',
      'import',
      fixture,
      '--name',
      'weather',
      '--workspace',
      workspace,
    ]);
    expect(imported.code, imported.stderr).toBe(0);
    url = await startHost();
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1300 } });
    page.setDefaultTimeout(60_000);
  });

  afterAll(async () => {
    await browser?.close();
    if (host && host.exitCode === null) {
      host.removeAllListeners('exit');
      const exited = new Promise((r) => host?.once('exit', r));
      host.kill('SIGTERM');
      await exited;
    }
    if (workspace) rmSync(workspace, { recursive: true, force: true });
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

    // Picking a target redrafts the unedited default without it (weather's one-hot columns go).
    await features.byTestId('features-target').selectOption('weather');
    expect(await features.byTestId('features-task').inputValue()).toBe('multiclass');
    expect(await features.waitForPreview({ not: defaultColumns })).toBeLessThan(defaultColumns);
    expect(await features.editor().inputValue()).not.toContain('weather');
    expect(await features.errorBanner().count()).toBe(0);
  });
});
