// The object the preload exposes as `window.lathe`, built over injected IPC so tests need no Electron.
import {
  eventNames,
  isChannel,
  type ChannelInput,
  type ChannelName,
  type ChannelOutput,
  type EventFrame,
  type EventName,
  type EventPayload,
  type InvokeResponse,
  type LatheApi,
} from '../../shared/contract';

/** The IPC channel that carries every bus event from main to the renderer. */
export const EVENT_CHANNEL = 'lathe:event';

/** What `window.lathe` offers: the contract's invoke/on and a path lookup for picked files. */
export interface LatheBridge extends LatheApi {
  readonly kind: 'electron';
  /** Absolute path of a file picked in an `<input type="file">` ('' when it has none). */
  pathForFile(file: File): string;
}

/** The slice of ipcRenderer the bridge uses; the IPC event itself never reaches the page. */
export interface RendererIpc {
  invoke(channel: string, input: unknown): Promise<unknown>;
  on(channel: string, listener: (event: unknown, frame: unknown) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, frame: unknown) => void): unknown;
}

/**
 * A failed call as the page sees it: the contract's code and message (never a stack from main).
 * A plain object, not an Error: contextBridge copies an Error's message only and drops its code.
 */
export interface BridgeError {
  readonly code: string;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

/** Throws a BridgeError (see above for why it is not an Error). */
export function bridgeError(
  code: string,
  message: string,
  details?: Record<string, unknown>,
): never {
  const error: BridgeError = details ? { code, message, details } : { code, message };
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- must stay a plain object to cross contextBridge
  throw error;
}

const knownEvents: ReadonlySet<string> = new Set(eventNames);

function isEventFrame(value: unknown): value is EventFrame {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { event?: unknown }).event === 'string' &&
    knownEvents.has((value as { event: string }).event)
  );
}

function isInvokeResponse(value: unknown): value is InvokeResponse<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { ok?: unknown }).ok === 'boolean'
  );
}

export function createBridge(
  ipc: RendererIpc,
  getPathForFile: (file: File) => string,
): LatheBridge {
  type AnyListener = (payload: unknown) => void;
  const listeners = new Map<EventName, Set<AnyListener>>();
  // One IPC listener for all subscriptions, attached while anyone listens.
  const onFrame = (_event: unknown, frame: unknown): void => {
    if (!isEventFrame(frame)) return;
    for (const listener of [...(listeners.get(frame.event) ?? [])]) {
      try {
        listener(frame.payload);
      } catch (err) {
        console.error(
          `[Preload] ${frame.event} listener failed:`,
          err instanceof Error ? err.message : err,
        );
      }
    }
  };
  let attached = false;
  const subscriberCount = () => [...listeners.values()].reduce((n, set) => n + set.size, 0);

  return {
    kind: 'electron',

    async invoke<C extends ChannelName>(
      channel: C,
      input: ChannelInput<C>,
    ): Promise<ChannelOutput<C>> {
      if (typeof channel !== 'string' || !isChannel(channel)) {
        bridgeError('UNKNOWN_CHANNEL', `unknown channel '${String(channel)}'`);
      }
      const response = await ipc.invoke(channel, input ?? {});
      if (!isInvokeResponse(response)) {
        bridgeError('INTERNAL', `${channel}: malformed response from the main process`);
      }
      if (!response.ok) {
        bridgeError(response.error.code, response.error.message, response.error.details);
      }
      return response.result as ChannelOutput<C>;
    },

    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      if (typeof event !== 'string' || !knownEvents.has(event)) {
        bridgeError('INVALID_INPUT', `unknown event '${String(event)}'`);
      }
      if (typeof listener !== 'function') {
        bridgeError('INVALID_INPUT', `listener for '${event}' must be a function`);
      }
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      const wrapped = listener as AnyListener;
      set.add(wrapped);
      if (!attached) {
        ipc.on(EVENT_CHANNEL, onFrame);
        attached = true;
      }
      let active = true;
      return () => {
        if (!active) return;
        active = false;
        set.delete(wrapped);
        if (attached && subscriberCount() === 0) {
          ipc.removeListener(EVENT_CHANNEL, onFrame);
          attached = false;
        }
      };
    },

    pathForFile(file: File): string {
      return getPathForFile(file);
    },
  };
}
