import type { EventFrame, EventName, EventPayload } from '../../shared/contract';

export type FrameListener = (frame: EventFrame) => void;

/** Fan-out of contract events from services to every face (IPC, WebSocket, CLI). */
export interface EventBus {
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
  /** Subscribes to every event; returns the unsubscribe function. */
  subscribe(listener: FrameListener): () => void;
}

export function createEventBus(): EventBus {
  const listeners = new Set<FrameListener>();
  return {
    emit(event, payload) {
      for (const listener of [...listeners]) {
        try {
          listener({ event, payload });
        } catch (err) {
          console.error('[EventBus] listener failed:', err instanceof Error ? err.message : err);
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
