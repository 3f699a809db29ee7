import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary folder per test; remove() deletes it. */
export function tempDir(prefix = 'lathe-test-'): {
  dir: string;
  file(name: string, text: string): string;
  remove(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    file(name, text) {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The small real datasets shipped as test fixtures (copied from vega-datasets). */
export const FIXTURES = join(__dirname, '..', 'fixtures');
export const REPO = join(__dirname, '..', '..');

/** A file of the vega-datasets npm package (real public data). */
export const vega = (name: string) => join(REPO, 'node_modules', 'vega-datasets', 'data', name);
