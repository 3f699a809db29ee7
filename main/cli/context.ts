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

/**
 * Opens the workspace for a command: as its writer when free; when another process owns it and runs a
 * local host (the app, `lathe ui`), through that host; otherwise fails naming the owner's pid.
 */
export async function openSession(
  workspaceDir: string,
  options: { requireOwner?: boolean; say(message: string): void },
): Promise<Session> {
  const owner = workspaceOwner(workspaceDir);
  if (owner?.hostUrl && !options.requireOwner) {
    options.say(
      `workspace is open in process ${owner.pid}; sending the command to it at ${owner.hostUrl}`,
    );
    const api = createRemoteApi(owner.hostUrl);
    return { api, mode: 'client', close: async () => api.close() };
  }
  try {
    const services = await createServices({ workspaceDir });
    const api = createLocalApi(createDispatcher(services.handlers), services.bus);
    return { api, services, mode: 'owner', close: () => services.close() };
  } catch (err) {
    if (err instanceof LatheError && err.code === 'WORKSPACE_LOCKED' && options.requireOwner) {
      throw new LatheError(
        'WORKSPACE_LOCKED',
        `${err.message}; this command needs to own the workspace`,
        err.details,
      );
    }
    throw err;
  }
}
