import type { ChannelInput, ChannelName, ChannelOutput, LatheApi } from '../../shared/contract';
import { ApiError } from './errors';

/** The surface the Electron preload exposes as `window.lathe`. */
export interface ElectronBridge extends LatheApi {
  kind: 'electron';
  /** Absolute path of a file picked in an `<input type="file">` (Electron's webUtils.getPathForFile). */
  pathForFile(file: File): string;
}

declare global {
  interface Window {
    lathe?: ElectronBridge;
  }
}

// ipcRenderer.invoke wraps rejections as "Error invoking remote method 'x': Error: <message>".
const REMOTE_PREFIX = /^Error invoking remote method '[^']+': (?:\w*Error: )?/;

function normalize(err: unknown): Error {
  if (err instanceof ApiError) return err;
  // The preload rejects with a plain { code, message, details } so the code survives contextBridge.
  if (typeof err === 'object' && err !== null && !(err instanceof Error)) {
    const shape = err as { code?: unknown; message?: unknown; details?: unknown };
    if (typeof shape.code === 'string' && typeof shape.message === 'string') {
      return new ApiError(
        shape.code,
        shape.message,
        shape.details as Record<string, unknown> | undefined,
      );
    }
  }
  if (err instanceof Error) {
    const code = 'code' in err && typeof err.code === 'string' ? err.code : 'INTERNAL';
    return new ApiError(code, err.message.replace(REMOTE_PREFIX, ''));
  }
  return new ApiError('INTERNAL', String(err));
}

/** Wraps the preload bridge so failures surface as ApiError with a clean message. */
export function createElectronClient(bridge: ElectronBridge): LatheApi {
  return {
    async invoke<C extends ChannelName>(
      channel: C,
      input: ChannelInput<C>,
    ): Promise<ChannelOutput<C>> {
      try {
        return await bridge.invoke(channel, input);
      } catch (err) {
        throw normalize(err);
      }
    },
    on: (event, listener) => bridge.on(event, listener),
  };
}
