import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The workspace folder: `--workspace DIR`, else `$LATHE_HOME`, else `~/.lathe`. */
export function resolveWorkspaceDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag);
  if (env.LATHE_HOME) return resolve(env.LATHE_HOME);
  return join(homedir(), '.lathe');
}

/** Fixed layout inside a workspace folder. */
export function workspacePaths(dir: string) {
  return {
    dir,
    database: join(dir, 'lathe.duckdb'),
    lock: join(dir, 'lathe.lock'),
    datasets: join(dir, 'datasets'),
    artifacts: join(dir, 'artifacts'),
    uploads: join(dir, 'uploads'),
    tmp: join(dir, 'tmp'),
  };
}
export type WorkspacePaths = ReturnType<typeof workspacePaths>;
