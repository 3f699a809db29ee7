import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Services } from '../../../main/services';
import { withServices } from '../../helpers/services';

export const repo = resolve(import.meta.dirname, '../../..');
// The host entry; overridable to point the same tests at another build of `lathe ui`.
const hostScript = resolve(repo, process.env.LATHE_E2E_HOST ?? 'main/cli/lathe.cjs');

/** A `lathe ui` on a fresh workspace, and a headless Chromium page to drive it. */
export interface BrowserSession {
  url: string;
  workspace: string;
  page: Page;
  /** Everything the host wrote to stderr, for failure messages. */
  log(): string;
  close(): Promise<void>;
}

/** Starts `lathe ui --port 0 --json` and resolves with the URL from its first stdout line. */
function startHost(
  workspace: string,
  logs: string[],
): Promise<{ url: string; child: ChildProcessWithoutNullStreams }> {
  return new Promise((resolveUrl, reject) => {
    const child = spawn(
      process.execPath,
      [hostScript, 'ui', '--port', '0', '--workspace', workspace, '--json'],
      {
        cwd: repo,
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    child.stderr.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
    child.on('exit', (code) =>
      reject(new Error(`lathe ui exited with ${code}:\n${logs.join('')}`)),
    );
    createInterface({ input: child.stdout }).once('line', (line) => {
      try {
        const parsed = JSON.parse(line) as { url?: unknown };
        if (typeof parsed.url !== 'string') throw new Error('no url');
        resolveUrl({ url: parsed.url, child });
      } catch {
        reject(new Error(`lathe ui printed an unexpected first line: ${line}\n${logs.join('')}`));
      }
    });
  });
}

/**
 * A fresh workspace (`prepare` may fill it with the CLI or the services, awaited, before the host opens
 * it), the host, and Chromium from Debian with the flags this closed network needs.
 */
export async function openBrowserSession(options: {
  prefix: string;
  viewport?: { width: number; height: number };
  prepare?: (workspace: string) => void | Promise<void>;
}): Promise<BrowserSession> {
  const workspace = mkdtempSync(join(tmpdir(), options.prefix));
  await options.prepare?.(workspace);
  const logs: string[] = [];
  const { url, child } = await startHost(workspace, logs);
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    if (child.exitCode === null) {
      child.removeAllListeners('exit');
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(workspace, { recursive: true, force: true });
  };
  try {
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
    const page = await browser.newPage({
      viewport: options.viewport ?? { width: 1400, height: 1000 },
    });
    page.setDefaultTimeout(60_000);
    return { url, workspace, page, log: () => logs.join(''), close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** A session whose fresh workspace `seed` fills through the services before the host opens it. */
export function openSeededSession(
  prefix: string,
  seed: (services: Services) => Promise<void>,
  viewport?: { width: number; height: number },
): Promise<BrowserSession> {
  return openBrowserSession({
    prefix,
    viewport,
    prepare: (workspace) => withServices(workspace, seed),
  });
}
