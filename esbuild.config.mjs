// Builds main-process code for Node 20 / Electron: the CLI, the training worker, the Electron main and preload.
// The renderer is built by Vite (vite.config.mjs).
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  absWorkingDir: root,
};

const nodeEntries = [
  ['main/cli/index.ts', 'out/main/cli.cjs'],
  ['main/train/worker.ts', 'out/main/train-worker.cjs'],
  ['main/evaluate/worker.ts', 'out/main/eval-worker.cjs'],
  ['main/electron/main.ts', 'out/main/electron.cjs'],
].filter(([entry]) => existsSync(join(root, entry)));

await Promise.all([
  ...nodeEntries.map(([entry, outfile]) =>
    build({ ...common, entryPoints: [entry], outfile, packages: 'external' }),
  ),
  // The prediction server of exported Docker contexts (lathe export docker): one file with everything but
  // onnxruntime-node, which the context vendors.
  ...(existsSync(join(root, 'main/serve/standalone.ts'))
    ? [
        build({
          ...common,
          entryPoints: ['main/serve/standalone.ts'],
          outfile: 'out/main/serve-standalone.cjs',
          external: ['onnxruntime-node'],
          sourcemap: false,
          minify: true,
        }),
      ]
    : []),
  // The sandboxed preload may require only 'electron': everything else (zod, the contract) is bundled in.
  ...(existsSync(join(root, 'main/electron/preload.ts'))
    ? [
        build({
          ...common,
          entryPoints: ['main/electron/preload.ts'],
          outfile: 'out/preload/preload.cjs',
          external: ['electron'],
        }),
      ]
    : []),
]);
