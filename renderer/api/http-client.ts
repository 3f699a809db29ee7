import {
  HTTP,
  events,
  type ChannelInput,
  type ChannelName,
  type ChannelOutput,
  type EventName,
  type EventPayload,
  type InvokeResponse,
  type LatheApi,
} from '../../shared/contract';
import { ApiError } from './errors';

type AnyListener = (payload: unknown) => void;

export interface HttpClientOptions {
  /** Origin of the host, e.g. `http://127.0.0.1:7070`; default: the page's origin. */
  baseUrl?: string;
  /** Reconnect delays grow from `minDelayMs` to `maxDelayMs`. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

async function readResponse<T>(res: Response, what: string): Promise<T> {
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError(
      'INTERNAL',
      `${what}: the host answered HTTP ${res.status} with a body that is not JSON`,
    );
  }
  if (!isRecord(body) || typeof body.ok !== 'boolean') {
    throw new ApiError(
      'INTERNAL',
      `${what}: unexpected response from the host (HTTP ${res.status})`,
    );
  }
  const response = body as InvokeResponse<T>;
  if (!response.ok) {
    const { code, message, details } = response.error;
    throw new ApiError(code, message, details);
  }
  return response.result;
}

/** The browser transport: HTTP for calls, one WebSocket (reconnecting) for events. */
export class HttpClient implements LatheApi {
  private readonly baseUrl: string;
  private readonly minDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly listeners = new Map<EventName, Set<AnyListener>>();
  private socket: WebSocket | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private attempts = 0;

  constructor(options: HttpClientOptions = {}) {
    this.baseUrl = (options.baseUrl ?? window.location.origin).replace(/\/$/, '');
    this.minDelayMs = options.minDelayMs ?? 250;
    this.maxDelayMs = options.maxDelayMs ?? 8000;
  }

  async invoke<C extends ChannelName>(
    channel: C,
    input: ChannelInput<C>,
  ): Promise<ChannelOutput<C>> {
    let res: Response;
    try {
      res = await fetch(this.baseUrl + HTTP.invoke(channel), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(input ?? {}),
      });
    } catch {
      throw new ApiError('INTERNAL', `${channel}: cannot reach the Lathe host at ${this.baseUrl}`);
    }
    return readResponse<ChannelOutput<C>>(res, channel);
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    const wrapped = listener as AnyListener;
    set.add(wrapped);
    this.connect();
    return () => {
      set.delete(wrapped);
    };
  }

  /** Uploads a picked file and returns the server-side path to import from. */
  async upload(file: File): Promise<string> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${HTTP.upload}?name=${encodeURIComponent(file.name)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream' },
        body: file,
      });
    } catch {
      throw new ApiError('INTERNAL', `upload of ${file.name}: cannot reach the Lathe host`);
    }
    const result = await readResponse<{ path: string }>(res, `upload of ${file.name}`);
    if (!isRecord(result) || typeof result.path !== 'string') {
      throw new ApiError('INTERNAL', `upload of ${file.name}: the host returned no path`);
    }
    return result.path;
  }

  private eventsUrl(): string {
    const url = new URL(HTTP.events, this.baseUrl + '/');
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return url.toString();
  }

  private connect(): void {
    if (this.socket || this.retryTimer) return;
    const socket = new WebSocket(this.eventsUrl());
    this.socket = socket;
    socket.onopen = () => {
      this.attempts = 0;
    };
    socket.onmessage = (message: MessageEvent<unknown>) => {
      if (typeof message.data === 'string') this.dispatch(message.data);
    };
    socket.onclose = () => {
      this.socket = null;
      this.scheduleReconnect();
    };
    socket.onerror = () => {
      socket.close();
    };
  }

  private scheduleReconnect(): void {
    if (this.retryTimer) return;
    const delay = Math.min(this.maxDelayMs, this.minDelayMs * 2 ** this.attempts);
    this.attempts += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  private dispatch(data: string): void {
    let frame: unknown;
    try {
      frame = JSON.parse(data);
    } catch {
      console.warn('[HttpClient] dropped a non-JSON event frame');
      return;
    }
    if (!isRecord(frame) || typeof frame.event !== 'string' || !(frame.event in events)) return;
    const name = frame.event as EventName;
    const parsed = events[name].safeParse(frame.payload);
    if (!parsed.success) {
      console.warn(`[HttpClient] dropped an invalid ${name} event:`, parsed.error.message);
      return;
    }
    for (const listener of [...(this.listeners.get(name) ?? [])]) {
      try {
        listener(parsed.data);
      } catch (err) {
        console.error(`[HttpClient] ${name} listener failed:`, err);
      }
    }
  }
}
