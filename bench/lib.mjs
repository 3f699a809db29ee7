// Shared by the bench scripts: bundles a TypeScript entry over main/ into out/bench/ with esbuild, so it
// runs with plain node from the project root (finding the package root as the built CLI does).
import { build } from 'esbuild';
import { join, resolve } from 'node:path';

export const root = resolve('.');

/** Bundles `entry` (a .ts file) to `outfile` (.cjs) for Node 20, node_modules left external. */
export async function bundle(entry, outfile) {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    absWorkingDir: root,
    nodePaths: [join(root, 'node_modules')],
    logLevel: 'warning',
  });
  return outfile;
}
