import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Builds the main-process bundles (CLI, training worker) the integration tests spawn; takes about a second. */
export default function setup(): void {
  const root = join(__dirname, '..', '..');
  execFileSync(process.execPath, [join(root, 'esbuild.config.mjs')], {
    cwd: root,
    stdio: 'inherit',
  });
}
