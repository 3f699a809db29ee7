import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type ElectronBinary = { path: string } | { path: null; reason: string };

/**
 * The Electron executable, found the way `require('electron')` finds it but without its side effect:
 * when the binary is missing, `require('electron')` tries to download it (which fails offline).
 */
export function findElectronBinary(): ElectronBinary {
  const require = createRequire(import.meta.url);
  let packageDir: string;
  try {
    packageDir = dirname(require.resolve('electron/package.json'));
  } catch {
    return { path: null, reason: 'the electron package is not installed' };
  }
  const pathFile = join(packageDir, 'path.txt');
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  if (override) {
    const candidate = join(override, relative ?? 'electron');
    return existsSync(candidate)
      ? { path: candidate }
      : {
          path: null,
          reason: `ELECTRON_OVERRIDE_DIST_PATH has no Electron binary at ${candidate}`,
        };
  }
  if (!relative) {
    return {
      path: null,
      reason:
        'the Electron binary was never downloaded (node_modules/electron/path.txt is missing)',
    };
  }
  const candidate = join(packageDir, 'dist', relative);
  return existsSync(candidate)
    ? { path: candidate }
    : { path: null, reason: `the Electron binary is missing at ${candidate}` };
}
