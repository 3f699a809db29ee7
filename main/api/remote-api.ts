import type WebSocket from 'ws';
import {
  HTTP,
  LatheError,
  events as eventSchemas,
  type EventFrame,
  type InvokeResponse,
  type LatheApi,
} from '../../shared/contract';
import { resultOf } from './dispatch';

/**
 * The owner's host dropped a call it had received (the app quit mid-call): it may have been applied, so
 * it is not sent again; the message says to look before repeating it.
 */
function ownerClosed(base: string, channel: string, reason: string): LatheError {
  return new LatheError(
    'NETWORK',
    `the workspace owner at ${base} closed the connection before answering ${channel} (${reason}); it may have been done — look before running the command again`,
    { hostUrl: base, channel },
  );
}

/**
 * A LatheApi that talks to the workspace owner's local host: used by the CLI when the app or `lathe ui`
 * already holds the workspace.
 */
export function createRemoteApi(baseUrl: string): LatheApi & { close(): void } {
  const base = baseUrl.replace(/\/$/, '');
  let socket: WebSocket | undefined;
  const listeners = new Set<(frame: EventFrame) => void>();
  let opened: Promise<void> | undefined;
  /** Calls the owner has answered: a command whose first call was refused did nothing yet. */
  let answered = 0;

  const ensureSocket = () => {
    // ws is loaded when a command first listens for events, not when every command starts.
    opened ??= import('ws').then(
      ({ default: Socket }) =>
        new Promise<void>((resolveOpen) => {
          socket = new Socket(`${base.replace(/^http/, 'ws')}${HTTP.events}`);
          socket.on('open', () => resolveOpen());
          socket.on('error', () => resolveOpen());
          socket.on('message', (data: WebSocket.RawData) => {
            let text: string;
            if (Array.isArray(data)) text = Buffer.concat(data).toString('utf8');
            else if (data instanceof ArrayBuffer) text = Buffer.from(data).toString('utf8');
            else text = data.toString('utf8');
            const frame = JSON.parse(text) as EventFrame;
            const schema = eventSchemas[frame.event];
            if (!schema?.safeParse(frame.payload).success) return;
            for (const l of listeners) l(frame);
          });
        }),
    );
    return opened;
  };

  return {
    async invoke(channel, input) {
      if (listeners.size) await ensureSocket();
      let res: Response;
      try {
        res = await fetch(`${base}${HTTP.invoke(channel)}`, {
          method: 'POST',
          // A connection per call: the owner closing drops kept-alive connections, and a call sent on
          // one at that moment could not be told from one dropped mid-way.
          headers: { 'Content-Type': 'application/json', Connection: 'close' },
          body: JSON.stringify(input ?? {}),
        });
      } catch (err) {
        const cause = (err as Error & { cause?: NodeJS.ErrnoException }).cause;
        const reason = cause?.message ?? (err as Error).message;
        if (cause?.code === 'ECONNREFUSED' || cause?.syscall === 'connect')
          // Refused, or reset while connecting: the request never reached the owner (its host is
          // closing), so nothing was done.
          throw new LatheError(
            'WORKSPACE_LOCKED',
            `cannot reach the workspace owner at ${base}: ${reason}`,
            { hostUrl: base, notDelivered: true, answered },
          );
        throw ownerClosed(base, channel, reason);
      }
      let text: string;
      try {
        text = await res.text();
      } catch (err) {
        throw ownerClosed(base, channel, (err as Error).message);
      }
      let response: InvokeResponse<never>;
      try {
        response = JSON.parse(text) as InvokeResponse<never>;
      } catch {
        answered++;
        throw new LatheError(
          'NETWORK',
          `the workspace owner at ${base} answered ${channel} with HTTP ${res.status} and no Lathe response: ${text.slice(0, 200)}`,
          { hostUrl: base, status: res.status },
        );
      }
      // The owner is closing and did not run the call (main/host/server.ts refuseClosing): as refused.
      if (!response.ok && response.error.details?.notDelivered === true)
        throw new LatheError(
          'WORKSPACE_LOCKED',
          `the workspace owner at ${base} is closing: ${response.error.message}`,
          { hostUrl: base, notDelivered: true, answered },
        );
      answered++;
      return resultOf(response);
    },
    on(event, listener) {
      const wrapped = (frame: EventFrame) => {
        if (frame.event === event) listener(frame.payload as Parameters<typeof listener>[0]);
      };
      listeners.add(wrapped);
      void ensureSocket();
      return () => listeners.delete(wrapped);
    },
    close() {
      socket?.close();
    },
  };
}
