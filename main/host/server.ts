import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { Server as NetServer, type AddressInfo, type Socket } from 'node:net';
import { basename, extname, join, normalize, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import type { WebSocket } from 'ws';
import {
  HTTP,
  LatheError,
  RunArtifactOut,
  type ErrorCode,
  type InvokeResponse,
} from '../../shared/contract';
import { MLFLOW_TRACKING_ENDPOINTS } from '../../shared/contract/mlflow';
import { MLFLOW_REGISTRY_ENDPOINTS } from '../../shared/contract/mlflow-registry';
import type { Services } from '../services';
import { createHostAuth, isLoopbackHost, type Access, type AuthMode } from './auth';
import {
  createMlflowRouter,
  isMlflowPath,
  sendMlflowError,
  type MlflowRoute,
} from './mlflow-routes';

export interface Host {
  url: string;
  port: number;
  /**
   * Stops accepting and lets calls in flight finish before closing: up to `graceMs` (10 s by default;
   * Infinity waits for them all, as a CLI command owning the workspace does) or until `stopWaiting`.
   */
  close(options?: { graceMs?: number; stopWaiting?: Promise<void> }): Promise<void>;
}

export interface HostOptions {
  services: Services;
  /** 0 picks a free port. */
  port: number;
  /** The built renderer (out/renderer); the host serves it at /. */
  rendererDir: string;
  /**
   * Address to bind (default 127.0.0.1). Anything but loopback needs `auth`: the host refuses to start
   * without it.
   */
  hostname?: string;
  /** Require an API key on every request (MLflow routes, /api/*, the UI): bearer or basic. */
  auth?: AuthMode;
  /** Serve HTTPS with this PEM certificate and key. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** The MLflow endpoint tables to route (default: the contract's tracking and registry tables). */
  mlflowEndpoints?: readonly MlflowRoute[];
}

/** The MLflow endpoints of the contract's tables (tracking, registry). */
export const contractMlflowEndpoints = (): MlflowRoute[] => [
  ...MLFLOW_TRACKING_ENDPOINTS,
  ...MLFLOW_REGISTRY_ENDPOINTS,
];

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

/** How long close() lets calls in flight finish before it cuts them. */
const CLOSE_GRACE_MS = 10_000;
/**
 * While closing, how long a connection accepted without a request yet may take to send it (and be told
 * the host is closing) before it is dropped.
 */
const FRESH_CONNECTION_GRACE_MS = 2_000;
/**
 * After a closing host has taken its URL out of the workspace lock, how long it keeps listening with no
 * new connection before it stops: a command that read the lock just before connects meanwhile and is told
 * the call was not run. Closing the listener at once would reset a connection still in the kernel's
 * backlog, which its caller could not tell from a call dropped mid-way.
 */
const WITHDRAWN_QUIET_MS = 100;

const MAX_JSON_BYTES = 16 * 1024 * 1024;

/**
 * The HTTP status of each error code; typed over every code, so a new one cannot fall back to 400 unseen.
 * 400: the request itself is wrong; 404: what it names does not exist; 409: the workspace's state refuses
 * it now (locked, read-only, a gate failed, cancelled); 415/422: a file it names is not usable data.
 */
export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  INVALID_INPUT: 400,
  INVALID_CONFIG: 400,
  COLUMN_NOT_FOUND: 400,
  FILE_NOT_FOUND: 400,
  UNKNOWN_CHANNEL: 404,
  NOT_FOUND: 404,
  UNSUPPORTED_FILE: 415,
  CORRUPT_FILE: 422,
  EMPTY_FILE: 422,
  RAGGED_ROWS: 422,
  DUPLICATE_COLUMN: 422,
  // The config was valid but the run failed (diverged, a worker error): not the host's fault, not a 5xx.
  TRAINING_FAILED: 422,
  WORKSPACE_LOCKED: 409,
  WORKSPACE_READ_ONLY: 409,
  GATE_FAILED: 409,
  CANCELLED: 409,
  ALREADY_EXISTS: 409,
  // A download the request asked for failed upstream.
  NETWORK: 502,
  INTERNAL: 500,
};

/** The status of an error shape's code; a code this table does not know (it should not happen) is a 500. */
const statusOf = (code: string): number => STATUS_BY_CODE[code as ErrorCode] ?? 500;

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** The browser host's Content-Security-Policy header; renderer/index.html's meta must allow what it allows. */
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws: wss:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/** A percent-decoded path, or null when its escapes are malformed (a 400, not a thrown URIError). */
function decodePath(path: string): string | null {
  try {
    return decodeURIComponent(path);
  } catch {
    return null;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

function fail(res: ServerResponse, status: number, code: string, message: string): void {
  send(res, status, { ok: false, error: { code, message } } satisfies InvokeResponse<never>);
}

/** A JSON body over MAX_JSON_BYTES: answered 413 and the connection closed, the rest left unread. */
class BodyTooLarge extends Error {}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_JSON_BYTES)
    throw new BodyTooLarge(
      `request body of ${declared} bytes is over the ${MAX_JSON_BYTES}-byte limit`,
    );
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_JSON_BYTES)
      throw new BodyTooLarge(`request body is over the ${MAX_JSON_BYTES}-byte limit`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text.trim() ? (JSON.parse(text) as unknown) : {};
}

/**
 * Serves the contract over HTTP (POST /api/invoke/<channel>), events over a WebSocket (/api/events),
 * browser uploads (/api/upload) and the built renderer, on loopback only. Requests whose Host or Origin
 * is not this server are refused, so other web pages cannot drive the workspace (DNS rebinding, CSRF).
 */
export async function startHost(options: HostOptions): Promise<Host> {
  const { services, rendererDir } = options;
  const bindTo = options.hostname ?? '127.0.0.1';
  const loopback = isLoopbackHost(bindTo);
  if (!loopback && !options.auth)
    throw new LatheError(
      'INVALID_INPUT',
      `--host ${bindTo} is not a loopback address: start with --auth token or --auth basic (API keys made with lathe keys create NAME --scope ...), so the workspace is not open to anyone who can reach it`,
      { host: bindTo },
    );
  const scheme = options.tls ? 'https' : 'http';
  const root = resolve(rendererDir);
  let allowedHosts = new Set<string>();
  const auth = options.auth
    ? createHostAuth({
        mode: options.auth,
        authenticate: (secret, name) => services.authenticate(secret, name),
      })
    : undefined;

  // On loopback only this host's own names are accepted (DNS rebinding); off loopback every request
  // carries a key instead. Either way a browser's cross-site request (its Origin) is refused (CSRF).
  const trusted = (req: IncomingMessage): boolean => {
    const host = req.headers.host ?? '';
    if (loopback && !allowedHosts.has(host)) return false;
    const origin = req.headers.origin;
    return origin === undefined || origin === `${scheme}://${host}`;
  };

  /**
   * With an auth mode: who may go on (null: answered 401/403). Without one: anyone, as no named user.
   */
  const caller = async (
    req: IncomingMessage,
    res: ServerResponse,
    access: Access,
    mlflow: boolean,
  ): Promise<{ user: string | undefined } | null> => {
    if (!auth) return { user: undefined };
    const outcome = await auth.check(req, access);
    if (outcome.ok) return { user: outcome.identity.name };
    const headers: Record<string, string> =
      outcome.status === 401 ? { 'WWW-Authenticate': auth.challenge(!mlflow) } : {};
    if (mlflow) sendMlflowError(res, outcome.status, outcome.errorCode, outcome.message, headers);
    else {
      res.writeHead(outcome.status, {
        ...SECURITY_HEADERS,
        ...headers,
        'Content-Type': 'application/json; charset=utf-8',
        'Cache-Control': 'no-store',
      });
      res.end(
        JSON.stringify({
          ok: false,
          error: { code: 'INVALID_INPUT', message: outcome.message },
          error_code: outcome.errorCode,
        }),
      );
    }
    return null;
  };
  const authorized = async (
    req: IncomingMessage,
    res: ServerResponse,
    access: Access,
    mlflow: boolean,
  ): Promise<boolean> => (await caller(req, res, access, mlflow)) !== null;

  const mlflow = createMlflowRouter({
    dispatch: services.dispatch,
    endpoints: options.mlflowEndpoints ?? contractMlflowEndpoints(),
    uploadsDir: services.workspace.paths.uploads,
    authorize: (req, res, access) =>
      caller(req, res, access === 'read' ? 'mlflow:read' : 'mlflow:write', true),
    asUser: (user, fn) => services.asUser(user, fn),
  });

  const serveStatic = (req: IncomingMessage, res: ServerResponse, pathname: string) => {
    if (!existsSync(join(root, 'index.html'))) {
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(
        `The Lathe UI is not built (${join(root, 'index.html')} is missing). Run: npm run build`,
      );
      return;
    }
    const decoded = decodePath(pathname);
    if (decoded === null) return fail(res, 400, 'INVALID_INPUT', `malformed path: ${pathname}`);
    let file = normalize(join(root, decoded));
    if (!file.startsWith(root + sep) && file !== root) {
      res.writeHead(403).end();
      return;
    }
    if (!existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html');
    const type = MIME[extname(file)] ?? 'application/octet-stream';
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': type,
      'Content-Security-Policy': CSP,
      'Cache-Control': file.endsWith('index.html')
        ? 'no-cache'
        : 'public, max-age=31536000, immutable',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  };

  /** A run's artifact as a download: GET /api/artifacts?run=ID&path=PATH, through runs:artifact. */
  const streamArtifact = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const response = await services.dispatch('runs:artifact', {
      id: url.searchParams.get('run') ?? '',
      path: url.searchParams.get('path') ?? '',
    });
    if (!response.ok) return send(res, statusOf(response.error.code), response);
    const artifact = RunArtifactOut.parse(response.result);
    const name = basename(artifact.path).replace(/[^A-Za-z0-9_.-]/g, '_') || 'artifact';
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(artifact.sizeBytes),
      'Content-Disposition': `attachment; filename="${name}"`,
      'Cache-Control': 'no-store',
    });
    if (req.method === 'HEAD') res.end();
    else await pipeline(createReadStream(artifact.file), res);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = URL.parse(req.url ?? '/', 'http://localhost');
    if (!url) return fail(res, 400, 'INVALID_INPUT', 'malformed request target');
    if (!trusted(req)) {
      fail(res, 403, 'INVALID_INPUT', 'request refused: Host or Origin is not this Lathe host');
      return;
    }
    if (await mlflow.handle(req, res, url)) return;
    if (!(await authorized(req, res, 'workspace', false))) return;
    if (url.pathname.startsWith('/api/invoke/')) {
      if (req.method !== 'POST') return fail(res, 405, 'INVALID_INPUT', 'use POST');
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
        return fail(res, 415, 'INVALID_INPUT', 'Content-Type must be application/json');
      }
      let body: unknown;
      try {
        body = await readJson(req);
      } catch (err) {
        if (err instanceof BodyTooLarge) {
          res.setHeader('Connection', 'close');
          return fail(res, 413, 'INVALID_INPUT', err.message);
        }
        return fail(res, 400, 'INVALID_INPUT', `invalid JSON body: ${(err as Error).message}`);
      }
      const channel = decodePath(url.pathname.slice('/api/invoke/'.length));
      if (channel === null) return fail(res, 400, 'INVALID_INPUT', 'malformed channel name');
      const response = await services.dispatch(channel, body);
      return send(res, response.ok ? 200 : statusOf(response.error.code), response);
    }
    if (url.pathname === HTTP.upload) {
      if (req.method !== 'POST') return fail(res, 405, 'INVALID_INPUT', 'use POST');
      const name =
        basename(url.searchParams.get('name') ?? 'upload').replace(/[^A-Za-z0-9_.-]/g, '_') ||
        'upload';
      const dest = join(
        services.workspace.paths.uploads,
        `${randomBytes(6).toString('hex')}-${name}`,
      );
      try {
        await pipeline(req, createWriteStream(dest));
      } catch (err) {
        rmSync(dest, { force: true });
        return fail(res, 400, 'INVALID_INPUT', `upload failed: ${(err as Error).message}`);
      }
      return send(res, 200, { ok: true, result: { path: dest } });
    }
    if (url.pathname === HTTP.artifact) {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return fail(res, 405, 'INVALID_INPUT', 'use GET');
      return streamArtifact(req, res, url);
    }
    if (url.pathname === '/api/health')
      return send(res, 200, { ok: true, result: services.info() });
    if (url.pathname.startsWith('/api/'))
      return fail(res, 404, 'UNKNOWN_CHANNEL', `no route ${url.pathname}`);
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return fail(res, 405, 'INVALID_INPUT', 'use GET');
    serveStatic(req, res, url.pathname);
  };

  // Requests being answered: close() lets them finish (a CLI command forwarded here gets its answer).
  let inFlight = 0;
  let drained: (() => void) | undefined;
  // Closing: a request that arrives now is not run. It is answered 503 (the invoke API's WORKSPACE_LOCKED
  // with notDelivered, which the CLI waits out and sends again; MLflow's clients retry a 503) and its
  // connection closed.
  let closing = false;
  const refuseClosing = (req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('Connection', 'close');
    const message = 'this Lathe host is closing: the call was not run; send it again';
    if (isMlflowPath((req.url ?? '').split('?')[0]!))
      return sendMlflowError(res, 503, 'TEMPORARILY_UNAVAILABLE', message);
    send(res, 503, {
      ok: false,
      error: { code: 'WORKSPACE_LOCKED', message, details: { notDelivered: true } },
    } satisfies InvokeResponse<never>);
  };
  // Open connections, and those that carried a request: Node's own close drops every connection without
  // a request in progress — one accepted a moment ago whose request is still on its way too, which its
  // caller could not tell from a call dropped mid-way.
  const connections = new Set<Socket>();
  const used = new WeakSet<Socket>();
  /** Requests being answered on each connection. */
  const busy = new Map<Socket, number>();
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    used.add(socket);
    if (closing) return refuseClosing(req, res);
    inFlight++;
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const left = busy.get(socket)! - 1;
      if (left > 0) busy.set(socket, left);
      else busy.delete(socket);
      inFlight--;
      if (inFlight === 0) drained?.();
    });
    handle(req, res).catch((err: unknown) => {
      console.error('[Host] request failed:', err instanceof Error ? err.message : err);
      if (!res.headersSent) fail(res, 500, 'INTERNAL', 'internal error');
      else res.end();
    });
  };
  const server = options.tls
    ? createTlsServer({ cert: options.tls.cert, key: options.tls.key }, onRequest)
    : createServer(onRequest);

  let lastConnectionAt = 0;
  server.on(options.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    lastConnectionAt = performance.now();
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });

  const { WebSocketServer } = await import('ws');
  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    const url = URL.parse(req.url ?? '/', 'http://localhost');
    if (closing) {
      socket.write('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    if (url?.pathname !== HTTP.events || !trusted(req)) {
      socket.write('HTTP/1.1 403 Forbidden\r\n\r\n');
      socket.destroy();
      return;
    }
    const upgrade = () =>
      wss.handleUpgrade(req, socket, head, (ws) => {
        sockets.add(ws);
        ws.on('close', () => sockets.delete(ws));
      });
    if (!auth) return upgrade();
    auth.check(req, 'workspace').then(
      (outcome) => {
        if (outcome.ok) return upgrade();
        socket.write(
          outcome.status === 401
            ? `HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: ${auth.challenge(true)}\r\n\r\n`
            : 'HTTP/1.1 403 Forbidden\r\n\r\n',
        );
        socket.destroy();
      },
      () => socket.destroy(),
    );
  });
  const unsubscribe = services.bus.subscribe((frame) => {
    const text = JSON.stringify(frame);
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port, bindTo, () => resolveListen());
  });
  const port = (server.address() as AddressInfo).port;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  const shown =
    loopback || bindTo === '0.0.0.0' || bindTo === '::'
      ? '127.0.0.1'
      : bindTo.includes(':')
        ? `[${bindTo}]`
        : bindTo;
  const url = `${scheme}://${shown}:${port}/`;

  return {
    url,
    port,
    close: async ({ graceMs = CLOSE_GRACE_MS, stopWaiting } = {}) => {
      // Stop accepting; calls in flight (a command another process forwarded) finish and are answered
      // (their progress events still sent) before the workspace closes, within graceMs. Requests that
      // arrive meanwhile are refused as not run (refuseClosing).
      closing = true;
      // New commands stop coming here (they wait for the lock instead); the listener stays open until
      // the ones that read the lock before have connected and been refused.
      const withdrawnAt = services.withdrawHost(url) ? performance.now() : undefined;
      const dropIdle = () => {
        for (const socket of connections)
          if (used.has(socket) && !busy.has(socket)) socket.destroy();
      };
      dropIdle();
      if (inFlight > 0) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((r) => {
          drained = r;
          if (Number.isFinite(graceMs)) timer = setTimeout(r, graceMs);
          void stopWaiting?.then(r);
        });
        clearTimeout(timer);
      }
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      if (withdrawnAt !== undefined) {
        const until = withdrawnAt + FRESH_CONNECTION_GRACE_MS;
        for (;;) {
          const now = performance.now();
          const wait = Math.min(
            until - now,
            Math.max(withdrawnAt, lastConnectionAt) + WITHDRAWN_QUIET_MS - now,
          );
          if (wait <= 0) break;
          await delay(wait);
        }
      }
      const closed = new Promise<void>((r) => NetServer.prototype.close.call(server, () => r()));
      // Connections that carried a request are done (keep-alive): dropped. One still without a request
      // gets a moment to send it and hear that nothing was run.
      dropIdle();
      if (connections.size > 0) {
        const timer = setTimeout(() => {
          for (const socket of connections) socket.destroy();
        }, FRESH_CONNECTION_GRACE_MS);
        await closed;
        clearTimeout(timer);
      } else await closed;
    },
  };
}
