import type { LatheApi } from '../../shared/contract';
import { createDispatcher } from '../api/dispatch';
import { createLocalApi } from '../api/local-api';
import { lockWaitMs, openWorkspace } from '../api/open-workspace';
import { createRemoteApi } from '../api/remote-api';
import { createServices, type Services } from '../services';

export { lockWaitMs } from '../api/open-workspace';

export interface Session {
  api: LatheApi;
  /** Present when this process owns the workspace. */
  services?: Services;
  mode: 'owner' | 'client';
  close(): Promise<void>;
}

/**
 * Opens the workspace for a command (see openWorkspace in main/api/open-workspace.ts): as its writer when
 * free; through the host of a process that owns it and runs one (the app, `lathe ui`, a long command);
 * waiting, saying so, up to `waitMs` (see lockWaitMs) for a command that holds it without a host.
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
  const opened = await openWorkspace(workspaceDir, () => createServices({ workspaceDir }), {
    requireOwner: options.requireOwner,
    waitMs: options.waitMs ?? lockWaitMs(),
    refusedHost: options.refusedHost,
    onWait: ({ pid, command }, leftMs) =>
      options.say(
        `workspace is in use by process ${pid}${command ? ` (${command})` : ''}; waiting up to ${Math.ceil(leftMs / 1000)} s for it to finish`,
      ),
  });
  if (opened.mode === 'client') {
    options.say(
      `workspace is open in process ${opened.pid}; sending the command to it at ${opened.hostUrl}`,
    );
    const api = createRemoteApi(opened.hostUrl);
    return { api, mode: 'client', close: async () => api.close() };
  }
  const { services } = opened;
  const api = createLocalApi(createDispatcher(services.handlers), services.bus);
  return { api, services, mode: 'owner', close: () => services.close() };
}
