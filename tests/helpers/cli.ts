import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from './workspace';

const BIN = join(REPO, 'main', 'cli', 'lathe.cjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  json: unknown;
}

/** Runs the real `lathe` executable and parses stdout as JSON when it is. */
export function lathe(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', LATHE_HOME: '', ...env },
    timeout: 300_000,
    cwd,
  });
  let json: unknown = null;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    json = null;
  }
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json };
}

/**
 * Starts `lathe` in the background; `waitFor` resolves with the first output matching a pattern, and
 * fails naming the pattern when lathe exits first or `timeoutMs` (default 90 s) passes.
 */
export function latheBackground(args: string[]): {
  child: ChildProcess;
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs?: number): Promise<string>;
  exit: Promise<number | null>;
} {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const buffers = { stdout: '', stderr: '' };
  const waiters: { stream: 'stdout' | 'stderr'; pattern: RegExp; resolve(text: string): void }[] =
    [];
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream].on('data', (chunk: Buffer) => {
      buffers[stream] += chunk.toString('utf8');
      for (const w of [...waiters]) {
        const m = w.pattern.exec(buffers[w.stream]);
        if (m) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(m[0]);
        }
      }
    });
  }
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return {
    child,
    exit,
    waitFor(stream, pattern, timeoutMs = 90_000) {
      const m = pattern.exec(buffers[stream]);
      if (m) return Promise.resolve(m[0]);
      return new Promise((resolveWait, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(
            new Error(
              `lathe printed no ${pattern} on ${stream} in ${timeoutMs} ms: ${buffers.stderr}`,
            ),
          );
        }, timeoutMs);
        const waiter = {
          stream,
          pattern,
          resolve: (text: string) => {
            clearTimeout(timer);
            resolveWait(text);
          },
        };
        waiters.push(waiter);
        void exit.then((code) => {
          clearTimeout(timer);
          reject(new Error(`lathe exited (${code}) before printing ${pattern}: ${buffers.stderr}`));
        });
      });
    },
  };
}
