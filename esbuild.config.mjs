// Builds main-process code for Node 20 / Electron: the CLI, the training worker, the Electron main and preload.
// The renderer is built by Vite (vite.config.mjs).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lazySchemaPlugin } from './main/cli/lazy-schema-plugin.mjs';

const root = dirname(fileURLToPath(import.meta.url));
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  absWorkingDir: root,
  // import() of a package (onnxruntime-node, loaded with the first model) becomes a lazy require.
  supported: { 'dynamic-import': false },
};

/**
 * The CLI in two bundles, so it starts fast (see main/cli/index.ts): its front (out/main/cli.cjs: arguments,
 * help, the command manifest) and the commands' runtime it loads when a command runs (out/main/cli-run.cjs,
 * main/cli/command-groups.ts). The runtime bundles the pure-JS packages a command loads at start (the
 * contract's zod, yaml, ws, croner, DuckDB's JS API), so Node resolves, reads and compiles one file (whose
 * V8 code cache main/cli/lathe.cjs keeps) instead of hundreds; native code (DuckDB's bindings,
 * onnxruntime) stays in node_modules.
 */
const CLI_FRONT = 'out/main/cli.cjs';
const CLI_RUNTIME = 'out/main/cli-run.cjs';
/** The commands the build runs before it writes the runtime's code cache (see below). */
const CACHE_WARM_COMMANDS = [
  ['data', 'list'],
  ['runs', 'list', '--json'],
  ['models', 'list'],
];
const CLI_INLINED = new Set(['zod', 'yaml', 'ws', 'croner', '@duckdb/node-api']);

/** Every package external but `inlined` (esbuild's packages: 'external', with exceptions). */
function externalBut(inlined) {
  return {
    name: 'external-but',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, ({ path }) => {
        const parts = path.split('/');
        const name = path.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
        return inlined.has(name) ? undefined : { path, external: true };
      });
    },
  };
}

/** The front's import of the runtime, left to a require of the runtime's bundle. */
const runtimeExternal = {
  name: 'cli-runtime-external',
  setup(b) {
    b.onResolve({ filter: /^\.\/command-groups$/ }, () => ({
      path: './cli-run.cjs',
      external: true,
    }));
  },
};

const nodeEntries = [
  ['main/train/worker.ts', 'out/main/train-worker.cjs'],
  ['main/evaluate/worker.ts', 'out/main/eval-worker.cjs'],
  ['main/train/validation-worker.ts', 'out/main/validation-worker.cjs'],
  ['main/electron/main.ts', 'out/main/electron.cjs'],
].filter(([entry]) => existsSync(join(root, entry)));

await Promise.all([
  ...nodeEntries.map(([entry, outfile]) =>
    build({ ...common, entryPoints: [entry], outfile, packages: 'external' }),
  ),
  ...(existsSync(join(root, 'main/cli/index.ts'))
    ? [
        build({
          ...common,
          entryPoints: ['main/cli/index.ts'],
          outfile: CLI_FRONT,
          plugins: [runtimeExternal],
          packages: 'external',
        }),
        build({
          ...common,
          entryPoints: ['main/cli/command-groups.ts'],
          outfile: CLI_RUNTIME,
          // The zod schemas of shared/ and main/ are built when first used, not at load (shared/lazy-schema.ts).
          plugins: [externalBut(CLI_INLINED), lazySchemaPlugin({ root, dirs: ['shared', 'main'] })],
        }),
      ]
    : []),
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

// The runtime bundle in ASCII, so the CLI reads it as Latin-1, several times faster than UTF-8
// (main/cli/code-cache.cjs): esbuild escapes strings, templates and names itself (charset ascii), not the
// comments it keeps, where a \uXXXX changes nothing.
if (existsSync(join(root, CLI_RUNTIME))) {
  const file = join(root, CLI_RUNTIME);
  const text = readFileSync(file, 'utf8');
  const ascii = text.replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  if (ascii !== text) writeFileSync(file, ascii);
}

// The CLI's command manifest (every command's spec and file), so `lathe --help` and usage errors load no
// command file, and V8's code cache of the runtime (see main/cli/code-cache.cjs): written by the runtime
// just built, which loads every command file once here, then runs the read-only commands below on a new
// workspace, so the functions every command runs (opening the workspace, the services, the dispatcher)
// are in the cache, compiled, instead of compiled again by each command (lathe data list, runs list and
// models list: 10 to 20 ms less each).
if (existsSync(join(root, CLI_RUNTIME))) {
  // Without it (the runtime cannot load here: no native DuckDB), the CLI builds the manifest each run.
  rmSync(join(root, 'out/main/cli-commands.json'), { force: true });
  try {
    execFileSync(
      process.execPath,
      [
        '-e',
        `const { resolve } = require('node:path');
       const { requireWithCodeCache } = require('./main/cli/code-cache.cjs');
       const runtime = requireWithCodeCache(resolve(${JSON.stringify(CLI_RUNTIME)}), { rebuild: true });
       const { MANIFEST_FILE } = require(resolve(${JSON.stringify(CLI_FRONT)}));
       const warm = async () => {
         const { mkdtempSync, rmSync } = require('node:fs');
         const quiet = { write: () => true };
         const io = { stdout: quiet, stderr: quiet, interrupted: new Promise(() => undefined) };
         const { main } = require(resolve(${JSON.stringify(CLI_FRONT)}));
         let workspace;
         try {
           workspace = mkdtempSync(require('node:path').join(require('node:os').tmpdir(), 'lathe-cache-'));
           for (const argv of ${JSON.stringify(CACHE_WARM_COMMANDS)}) {
             const code = await main([...argv, '--workspace', workspace], io, async () => runtime.exports);
             if (code !== 0) throw new Error('lathe ' + argv.join(' ') + ' exited with ' + code);
           }
         } catch (err) {
           console.warn('warning: the code cache holds fewer functions: ' + err.message);
         } finally {
           if (workspace) rmSync(workspace, { recursive: true, force: true });
         }
       };
       runtime.exports.commandManifest().then(async (m) => {
         require('node:fs').writeFileSync(resolve('out/main', MANIFEST_FILE), JSON.stringify(m));
         await warm();
         runtime.save();
       }, (err) => { console.error(err); process.exit(1); }).then(() => {
         // Every command file is loaded: build each lazy schema once; one that is not a schema fails.
         try {
           globalThis[Symbol.for('lathe.lazySchemas')]?.();
         } catch (err) {
           console.error(err.message);
           process.exit(3);
         }
         process.exit(0);
       });`,
      ],
      { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] },
    );
  } catch (err) {
    if (err.status === 3)
      throw new Error('the CLI runtime has a lazy schema that is no schema (above)');
    console.warn(
      `warning: no CLI command manifest (lathe --help will load every command): ${err.message}`,
    );
  }
}
