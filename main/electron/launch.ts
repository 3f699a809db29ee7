// What the Electron main process decides at launch, kept free of 'electron' so tests can import it.
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The value of `--NAME VALUE` or `--NAME=VALUE` in argv, or null when absent.
 * The last occurrence wins, as with most CLIs; a `--NAME` with no value is ignored.
 */
export function parseFlag(argv: readonly string[], name: string): string | null {
  const flag = `--${name}`;
  let found: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === flag) {
      const next = argv[i + 1];
      if (next !== undefined && next !== '' && !next.startsWith('--')) {
        found = next;
        i++;
      }
    } else if (arg?.startsWith(`${flag}=`)) {
      const value = arg.slice(flag.length + 1);
      if (value) found = value;
    }
  }
  return found;
}

export interface WorkspaceSources {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  /** `app.getPath('home')`. */
  home: string;
  /** Base for a relative `--workspace` or `LATHE_HOME`. */
  cwd: string;
}

/** `--workspace`, else `LATHE_HOME`, else `~/.lathe`; always absolute. */
export function resolveWorkspaceDir({ argv, env, home, cwd }: WorkspaceSources): string {
  const chosen = parseFlag(argv, 'workspace') ?? (env.LATHE_HOME?.trim() || null);
  return chosen ? resolve(cwd, chosen) : join(home, '.lathe');
}

export interface AppPaths {
  /** The bundled, sandboxed preload. */
  preload: string;
  /** The Vite build of the renderer (also served by the local host). */
  rendererDir: string;
  rendererIndex: string;
  /** `file://` URL of `rendererIndex`: the only page allowed to load and to call IPC. */
  rendererIndexUrl: string;
}

/** Where the built pieces sit, given the directory of the bundled main script (`out/main/`). */
export function appPaths(mainDir: string): AppPaths {
  const rendererDir = resolve(mainDir, '../renderer');
  const rendererIndex = join(rendererDir, 'index.html');
  return {
    preload: resolve(mainDir, '../preload/preload.cjs'),
    rendererDir,
    rendererIndex,
    rendererIndexUrl: pathToFileURL(rendererIndex).href,
  };
}

/** Who holds the workspace the app waits for (see openWorkspace in main/api/open-workspace.ts). */
export interface WorkspaceHolder {
  pid: number;
  command?: string;
}

/** The message box the app shows while it waits for the process holding its workspace. */
export function waitingNotice(
  workspaceDir: string,
  holder: WorkspaceHolder,
): { title: string; message: string; detail: string } {
  const who = `process ${holder.pid}${holder.command ? ` (${holder.command})` : ''}`;
  return {
    title: 'Lathe: waiting for the workspace',
    message: `The workspace is in use by ${who}. Lathe opens it as soon as that finishes.`,
    detail: `${workspaceDir}\n\nQuit to stop waiting.`,
  };
}
