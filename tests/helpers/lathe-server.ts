import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { BIN, cliEnv } from './cli';

/** What `lathe server --json` prints once it listens. */
export interface LatheServerReady {
  url: string;
  trackingUri: string;
  auth: string | null;
  workspace: string;
  pid: number;
}

/**
 * Starts `lathe server --port 0 --json` over `workspace` (127.0.0.1) with `args` (e.g. `--auth token`), and
 * resolves once it prints where it listens; rejects with its stderr when it exits first. The child joins
 * `children`; stop it with stopLatheServer.
 */
export async function startLatheServer(
  workspace: string,
  args: string[],
  children: ChildProcess[],
): Promise<{ child: ChildProcess; ready: LatheServerReady }> {
  const child = spawn(
    process.execPath,
    [BIN, 'server', '--port', '0', '--json', '--workspace', workspace, ...args],
    { env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const ready = await new Promise<LatheServerReady>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (l) =>
      resolve(JSON.parse(l) as LatheServerReady),
    );
    child.once('exit', (code) => reject(new Error(`lathe server exited ${code}: ${stderr}`)));
  });
  return { child, ready };
}

/** Stops a server as Ctrl-C does and waits for it to exit (SIGKILL if it has not within 30 s). */
export async function stopLatheServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}
