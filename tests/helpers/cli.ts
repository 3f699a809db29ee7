import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from './workspace';

/** The `lathe` executable the tests run. */
export const BIN = join(REPO, 'main', 'cli', 'lathe.cjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  json: unknown;
}

/**
 * No colours, not the LATHE_HOME of the machine running the tests, and none of its MLflow credentials (a
 * test passes the ones it means in `env`).
 */
export function cliEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', LATHE_HOME: '' };
  for (const key of Object.keys(out)) if (key.startsWith('MLFLOW_TRACKING_')) delete out[key];
  return { ...out, ...env };
}

function result(code: number | null, stdout: string, stderr: string): CliResult {
  let json: unknown = null;
  try {
    json = JSON.parse(stdout);
  } catch {
    json = null;
  }
  return { code, stdout, stderr, json };
}

/** Runs the real `lathe` executable and parses stdout as JSON when it is. */
export function lathe(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: cliEnv(env),
    timeout: 300_000,
    cwd,
  });
  return result(r.status, r.stdout, r.stderr);
}

/**
 * `lathe` run to its end without blocking this process, whose host may be the one answering it; the
 * child joins `children` (for a kill in afterAll) when given; `env` adds variables.
 */
export function latheAsync(
  args: string[],
  { cwd, children, env }: { cwd?: string; children?: ChildProcess[]; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: cliEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children?.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) =>
    child.once('close', (code) => resolve(result(code, stdout, stderr))),
  );
}

/**
 * Starts `lathe` in the background; `waitFor` resolves with the first output matching a pattern, and
 * fails naming the pattern when lathe exits first or `timeoutMs` (default 90 s) passes.
 */
export function latheBackground(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): {
  child: ChildProcess;
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs?: number): Promise<string>;
  exit: Promise<number | null>;
} {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, NO_COLOR: '1', ...env },
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
