import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * Starts an exported context's `node server.cjs` on 127.0.0.1, port 0, outside the workspace, and resolves
 * with its first stdout line (the JSON `listening` record); rejects with its stderr when it exits first.
 * `children` collects the process so the suite's afterAll can kill it whatever happens.
 */
export async function startServerCjs(
  cwd: string,
  children: ChildProcess[],
): Promise<{ child: ChildProcess; ready: Record<string, unknown> & { url: string } }> {
  const child = spawn(process.execPath, ['server.cjs'], {
    cwd,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', NODE_PATH: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const ready = await new Promise<Record<string, unknown> & { url: string }>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (l) =>
      resolve(JSON.parse(l) as Record<string, unknown> & { url: string }),
    );
    child.once('exit', (code) => reject(new Error(`server.cjs exited ${code}: ${stderr}`)));
  });
  return { child, ready };
}
