import { setTimeout as delay } from 'node:timers/promises';
import { LatheError, type LatheApi } from '../../shared/contract';
import { createDispatcher } from '../api/dispatch';
import { createLocalApi } from '../api/local-api';
import { createRemoteApi } from '../api/remote-api';
import { workspaceOwner } from '../api/workspace';
import { createServices, type Services } from '../services';

export interface Session {
  api: LatheApi;
  /** Present when this process owns the workspace. */
  services?: Services;
  mode: 'owner' | 'client';
  close(): Promise<void>;
}

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

/** The owner as it can be used: one whose host refused us is a closing process to wait for. */
function reachable<T extends { hostUrl?: string }>(owner: T | null, refused?: string): T | null {
  const bare = (url?: string) => url?.replace(/\/$/, '');
  if (!owner || !refused || bare(owner.hostUrl) !== bare(refused)) return owner;
  return { ...owner, hostUrl: undefined };
}

const isLocked = (err: unknown): err is LatheError =>
  err instanceof LatheError && err.code === 'WORKSPACE_LOCKED';

/**
 * Opens the workspace for a command: as its writer when free; when another process owns it and runs a
 * local host (the app, `lathe ui`), through that host; when another command holds it (no host: it will
 * finish), waits for it up to `waitMs` (see lockWaitMs), saying so, then owns it or goes through the
 * host it has started meanwhile. Fails with WORKSPACE_LOCKED naming the owner's pid when the wait runs
 * out, and at once with `requireOwner` when the owner runs a host (the app stays open).
 */
export async function openSession(
  workspaceDir: string,
  options: {
    requireOwner?: boolean;
    say(message: string): void;
    waitMs?: number;
    /** A host that refused a connection (its process is closing): waited out, not called again. */
    refusedHost?: string;
  },
): Promise<Session> {
  const deadline = Date.now() + (options.waitMs ?? lockWaitMs());
  let waitingFor: number | undefined;
  for (;;) {
    const owner = reachable(workspaceOwner(workspaceDir), options.refusedHost);
    if (owner?.hostUrl && !options.requireOwner) {
      options.say(
        `workspace is open in process ${owner.pid}; sending the command to it at ${owner.hostUrl}`,
      );
      const api = createRemoteApi(owner.hostUrl);
      return { api, mode: 'client', close: async () => api.close() };
    }
    let locked: LatheError;
    try {
      const services = await createServices({ workspaceDir });
      const api = createLocalApi(createDispatcher(services.handlers), services.bus);
      return { api, services, mode: 'owner', close: () => services.close() };
    } catch (err) {
      // Held by this very process (a second open of the same folder): waiting cannot help.
      if (!isLocked(err) || err.details?.pid === process.pid) throw err;
      locked = err;
    }
    const holder = reachable(workspaceOwner(workspaceDir), options.refusedHost);
    if (holder?.hostUrl && !options.requireOwner) continue;
    if ((holder?.hostUrl && options.requireOwner) || Date.now() >= deadline) {
      if (!options.requireOwner) throw locked;
      throw new LatheError(
        'WORKSPACE_LOCKED',
        `${locked.message}; this command needs to own the workspace`,
        locked.details,
      );
    }
    const pid = holder?.pid ?? (locked.details?.pid as number | undefined);
    if (pid !== undefined && pid !== waitingFor) {
      waitingFor = pid;
      const left = Math.ceil((deadline - Date.now()) / 1000);
      options.say(
        `workspace is in use by process ${pid}; waiting up to ${left} s for it to finish`,
      );
    }
    await delay(LOCK_POLL_MS);
  }
}
