// Background `lathe` processes for the concurrency tests: their output, a wait for a line in it, a stop.
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from '../../helpers/cli';

/** What a user must never see: the lock of a workspace or of its database. */
export const LOCK_TEXT = /WORKSPACE_LOCKED|Conflicting lock|Could not set lock|in use by process/;

export interface Background {
  child: ChildProcess;
  exit: Promise<number | null>;
  /** stdout and stderr so far, interleaved as they arrived. */
  output(): string;
  /** The first match of `pattern` in the output; rejects when the process ends before it. */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
  /** Ctrl-C, then its exit code. */
  stop(): Promise<number | null>;
}

/** Starts `node <script> …args` (the `lathe` executable by default); `children` collects it for a kill. */
export function background(
  args: string[],
  options: { cwd: string; children: ChildProcess[]; env?: NodeJS.ProcessEnv; script?: string },
): Background {
  const child = spawn(process.execPath, [options.script ?? BIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', LATHE_HOME: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  options.children.push(child);
  let out = '';
  const checks: (() => void)[] = [];
  for (const stream of [child.stdout, child.stderr])
    stream.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      for (const check of [...checks]) check();
    });
  const exit = new Promise<number | null>((resolve) => child.once('close', resolve));
  return {
    child,
    exit,
    output: () => out,
    waitFor(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = pattern.exec(out);
          if (!m) return;
          checks.splice(checks.indexOf(check), 1);
          resolve(m);
        };
        checks.push(check);
        check();
        void exit.then((code) => reject(new Error(`exited (${code}) before ${pattern}: ${out}`)));
      });
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGINT');
      return exit;
    },
  };
}
