// The IPC face of the services: one `ipcMain.handle` per contract channel, and bus events to every window.
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { channelNames, type InvokeResponse } from '../../shared/contract';
import type { Services } from '../services';
import { EVENT_CHANNEL } from './bridge';

export interface IpcOptions {
  /** True for the URL of a frame allowed to call (our file:// renderer); everything else is refused. */
  isTrustedSender: (url: string) => boolean;
}

/** Registers every channel of the contract; returns a function that removes the handlers and the bus link. */
export function registerIpc(
  services: Pick<Services, 'dispatch' | 'bus'>,
  getWindows: () => readonly BrowserWindow[],
  { isTrustedSender }: IpcOptions,
): () => void {
  for (const name of channelNames) {
    ipcMain.handle(
      name,
      (event: IpcMainInvokeEvent, input: unknown): Promise<InvokeResponse<unknown>> => {
        const url = event.senderFrame?.url ?? '';
        if (!isTrustedSender(url)) {
          console.warn(`[Ipc] refused ${name} from untrusted frame ${url || '(gone)'}`);
          return Promise.resolve({
            ok: false,
            error: {
              code: 'INVALID_INPUT',
              message: `${name}: calls are accepted only from the Lathe window`,
            },
          });
        }
        // The dispatcher validates against the contract and never throws.
        return services.dispatch(name, input);
      },
    );
  }

  const unsubscribe = services.bus.subscribe((frame) => {
    for (const win of getWindows()) {
      if (!win.isDestroyed() && !win.webContents.isDestroyed()) {
        win.webContents.send(EVENT_CHANNEL, frame);
      }
    }
  });

  return () => {
    unsubscribe();
    for (const name of channelNames) ipcMain.removeHandler(name);
  };
}
