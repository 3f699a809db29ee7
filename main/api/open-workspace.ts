// Opening a workspace another process may hold, for every face: the CLI's commands, `lathe ui` and the
// app. A command that holds it will finish, so the opener waits for it (saying for which process); an
// app or `lathe ui` stays open, so a command goes through its host and the app fails at once.
import { setTimeout as delay } from 'node:timers/promises';
import { LatheError } from '../../shared/contract';
import { workspaceOwner } from './workspace';

/** How long a command waits for a workspace another command holds (it will finish): 15 s by default. */
const DEFAULT_LOCK_WAIT_MS = 15_000;
/** How often the lock file is read again while waiting. */
const LOCK_POLL_MS = 100;

/** The wait for the lock: `$LATHE_LOCK_WAIT_MS` (0 fails at once) or the default. */
export function lockWaitMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.LATHE_LOCK_WAIT_MS;
  if (raw === undefined || raw === '') return DEFAULT_LOCK_WAIT_MS;
  const ms = Number(raw);
  if (!Number.isFinite(ms) || ms < 0)
    throw new LatheError(
      'INVALID_INPUT',
      `LATHE_LOCK_WAIT_MS: '${raw}' is not a number of milliseconds (0 or more)`,
      { field: 'LATHE_LOCK_WAIT_MS' },
    );
  return ms;
}

/** The process being waited for. */
export interface Holder {
  pid: number;
  /** The CLI command it runs, when it says (`lathe train`, `lathe serve`…). */
  command?: string;
}

export type Opened<S> =
  | { mode: 'owner'; services: S }
  /** Another process owns the workspace and runs a host: go through it. */
  | { mode: 'client'; hostUrl: string; pid: number };

export interface OpenOptions {
  /** Fail rather than go through another process's host (the app, `lathe ui`, `lathe serve`). */
  requireOwner?: boolean;
  /** How long to wait for a holder that will finish; Infinity waits until `signal` aborts. */
  waitMs: number;
  /** Called once per holder when the wait for it starts, with the milliseconds left. */
  onWait?(holder: Holder, leftMs: number): void;
  /** A host that refused a connection (its process is closing): waited out, not called again. */
  refusedHost?: string;
  /** Stops the wait: the open fails with CANCELLED. */
  signal?: AbortSignal;
  /** Who needs to own it, for the message (`this command` by default). */
  opener?: string;
}

const isLocked = (err: unknown): err is LatheError =>
  err instanceof LatheError && err.code === 'WORKSPACE_LOCKED';

/**
 * Opens `workspaceDir`: as its writer when free; when another process owns it and runs a host, through
 * that host (or, with `requireOwner`, fails at once if that process stays open — the app, `lathe ui` —
 * and waits if it is a command that will finish); when another command holds it without a host, waits
 * up to `waitMs`, then owns it or goes through the host it has started meanwhile. Fails with
 * WORKSPACE_LOCKED naming the owner's pid when the wait runs out.
 */
export async function openWorkspace<S>(
  workspaceDir: string,
  /** Opens it as its writer (createServices, which the faces pass in); WORKSPACE_LOCKED when held. */
  own: () => Promise<S>,
  options: OpenOptions,
): Promise<Opened<S>> {
  const deadline = Date.now() + options.waitMs;
  const bare = (url?: string) => url?.replace(/\/$/, '');
  const current = () => {
    const owner = workspaceOwner(workspaceDir);
    // An owner whose host refused us is a closing process: waited for, not called.
    if (owner && options.refusedHost && bare(owner.hostUrl) === bare(options.refusedHost))
      return { ...owner, hostUrl: undefined };
    return owner;
  };
  let waitingFor: number | undefined;
  for (;;) {
    if (options.signal?.aborted) throw cancelled(workspaceDir);
    const owner = current();
    if (owner?.hostUrl && !options.requireOwner)
      return { mode: 'client', hostUrl: owner.hostUrl, pid: owner.pid };
    let locked: LatheError;
    try {
      return { mode: 'owner', services: await own() };
    } catch (err) {
      // Held by this very process (a second open of the same folder): waiting cannot help.
      if (!isLocked(err) || err.details?.pid === process.pid) throw err;
      locked = err;
    }
    const holder = current();
    if (holder?.hostUrl && !options.requireOwner) continue;
    // An app or `lathe ui` stays open: waiting for it would not end.
    const staysOpen = holder?.hostUrl !== undefined && holder.command === undefined;
    if (staysOpen || Date.now() >= deadline) {
      if (!options.requireOwner) throw locked;
      throw new LatheError(
        'WORKSPACE_LOCKED',
        `${locked.message}; ${options.opener ?? 'this command'} needs to own the workspace`,
        locked.details,
      );
    }
    const pid = holder?.pid ?? (locked.details?.pid as number | undefined);
    if (pid !== undefined && pid !== waitingFor) {
      waitingFor = pid;
      options.onWait?.(
        { pid, ...(holder?.command ? { command: holder.command } : {}) },
        deadline - Date.now(),
      );
    }
    try {
      await delay(LOCK_POLL_MS, undefined, { signal: options.signal });
    } catch {
      throw cancelled(workspaceDir);
    }
  }
}

const cancelled = (workspaceDir: string) =>
  new LatheError('CANCELLED', `stopped waiting for the workspace ${workspaceDir}`);
