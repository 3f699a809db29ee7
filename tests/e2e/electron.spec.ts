import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { _electron as electron, type ElectronApplication } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { findElectronBinary } from './electron-binary';
import { DataPage } from './pages/data-page';

const root = resolve(import.meta.dirname, '../..');
const mainEntry = join(root, 'out/main/electron.cjs');
const fixture = join(root, 'tests/fixtures/smoke.csv');

const binary = findElectronBinary();
const executablePath = binary.path;

function skipReason(): string | null {
  if (binary.path === null) return binary.reason;
  if (!existsSync(mainEntry)) return `${mainEntry} is missing: run \`npm run build\` first`;
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return 'no display: run under xvfb-run';
  }
  return null;
}

const reason = skipReason();
if (reason) console.log(`[e2e/electron] skipping the Electron smoke test: ${reason}`);
const runIfElectron = reason ? it.skip : it;

describe('Electron app', () => {
  let app: ElectronApplication | null = null;
  const temps: string[] = [];
  const tempDir = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    temps.push(dir);
    return dir;
  };

  afterEach(async () => {
    await app?.close();
    app = null;
    for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  runIfElectron('opens on the Data view, imports a CSV by path and shows its profile', async () => {
    if (!executablePath) throw new Error('unreachable: the test is skipped without a binary');
    const args = [
      mainEntry,
      '--workspace',
      tempDir('lathe-e2e-ws-'),
      `--user-data-dir=${tempDir('lathe-e2e-profile-')}`,
    ];
    // Chromium refuses to start its sandbox as root (CI containers); the renderer stays context-isolated.
    if (process.getuid?.() === 0) args.push('--no-sandbox');
    app = await electron.launch({ executablePath, args, timeout: 60_000 });

    const page = await app.firstWindow();
    const data = new DataPage(page);
    await data.waitUntilShown();

    const bridge = await page.evaluate(() => {
      const w = window as unknown as { lathe?: Record<string, unknown>; require?: unknown };
      return {
        keys: Object.keys(w.lathe ?? {}).sort(),
        hasRequire: typeof w.require !== 'undefined',
      };
    });
    expect(bridge).toEqual({ keys: ['invoke', 'kind', 'on', 'pathForFile'], hasRequire: false });

    await data.importByPath(fixture, 'smoke');
    expect(await data.profiledRowCount()).toBe('12');
    expect(await data.hasProfiledColumn('species')).toBe(true);
  });
});
