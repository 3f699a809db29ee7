// Shared by the bench scripts: bundles a TypeScript entry over main/ into out/bench/ with esbuild, so it
// runs with plain node from the project root (finding the package root as the built CLI does); reads
// numeric flags; starts servers that print a JSON line (`lathe ui`, `lathe server`) and reads their CPU time;
// opens `lathe ui` in the headless Chromium from Debian.
import { build } from 'esbuild';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The project root, wherever the bench is started from. */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The `lathe` executable of this checkout. */
export const latheCli = join(root, 'main/cli/lathe.cjs');
/** The Python the comparisons run (Debian's, with the libraries each bench names installed by hand). */
export const python = '/usr/bin/python3';
/** vega-datasets' 3-million-row flights file: the data of the data, batch and train benches. */
export const flights3m = join(
  dirname(createRequire(import.meta.url).resolve('vega-datasets')),
  '..',
  'data',
  'flights-3m.parquet',
);

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

/** Runs a bundle made by `bundle` with node from the project root; spawnSync's options may be added. */
export function runBundle(outfile, options = {}) {
  return spawnSync(process.execPath, [outfile], {
    cwd: root,
    env: { ...process.env, NODE_PATH: join(root, 'node_modules') },
    ...options,
  });
}

/** The number after `--name` on the command line, else `fallback`. */
export function numberArg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/**
 * Starts a server process that prints one JSON line with its `url` first (`lathe ui --json`,
 * `lathe server --json`, a bench's own Python server); resolves with the process and that line parsed.
 */
export async function startJsonServer(command, args, spawnOptions = {}) {
  const host = spawn(command, args, { cwd: root, ...spawnOptions });
  const what = [command, ...args].join(' ');
  const first = await new Promise((ok, fail) => {
    host.once('exit', (code) => fail(new Error(`${what} exited with ${code}`)));
    createInterface({ input: host.stdout }).once('line', (line) => {
      // A thrown JSON.parse here would escape the promise and leave the host running.
      try {
        const parsed = JSON.parse(line);
        if (typeof parsed?.url !== 'string') throw new Error('no url');
        ok(parsed);
      } catch {
        fail(new Error(`${what} printed an unexpected first line: ${line}`));
      }
    });
  }).catch(async (err) => {
    await stopServer(host);
    throw err;
  });
  return { host, url: first.url, first };
}

/** Starts `lathe ui` on `workspace` on a free port; resolves with the process and its URL. */
function startLatheUi(workspace, spawnOptions = {}) {
  return startJsonServer(
    process.execPath,
    [latheCli, 'ui', '--port', '0', '--workspace', workspace, '--json'],
    spawnOptions,
  );
}

/** Stops a process from `startJsonServer` (if it runs) and waits for it to exit. */
export async function stopServer(host) {
  if (!host || host.exitCode !== null) return;
  host.removeAllListeners('exit');
  const exited = new Promise((r) => host.once('exit', r));
  host.kill('SIGTERM');
  await exited;
}

/**
 * `lathe ui` on `workspace` and headless Chromium from Debian (/usr/bin/chromium) to open it; `close()`
 * stops both. A start that fails half way stops what it started.
 */
export async function openLatheUi(workspace, spawnOptions = {}) {
  // Imported here: the benches without a browser need not load playwright.
  const { chromium } = await import('playwright-core');
  const { host, url } = await startLatheUi(workspace, spawnOptions);
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
    });
  } catch (err) {
    await stopServer(host);
    throw err;
  }
  return {
    url,
    browser,
    async close() {
      await browser.close();
      await stopServer(host);
    },
  };
}

const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system, all threads) process `pid` has used, from /proc; NaN where there is none. */
export function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return NaN;
  }
}

/** The median of numbers (the mean of the two middle ones for an even count). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
