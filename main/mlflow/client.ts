// A typed client of MLflow's REST API (tracking, model registry, artifact proxy), used by `lathe mlflow
// push` and the app's push buttons.
//
// Why not a package from npm (checked 2026-12 with `npm view`; `npm search` is not served by the
// registry mirror here, and the package lists of this machine name no other MLflow client):
// - `mlflow` 2.0.7 (Yuhsak/mlflow, last publish 2026-05-14, types included): calls
//   `experiments/list`, which MLflow 2.0 removed; no experiments/search or get-by-name, no model registry,
//   no artifact upload or download (only artifacts/list of the old, non-proxied API), no retries, no
//   timeouts, no auth beyond raw headers, `set-experiment-tag` posted without its slash, and it pulls in
//   isomorphic-unfetch.
// - `mlflow-js`, `mlflow-client`, `mlflow-tracking`, `mlflow-ts`, `mlflowjs`, `mlflow-tracing`,
//   `@mlflow/mlflow`, `@mlflow/core`: not on the registry (404).
// So this file is the client: every request and answer is parsed with the zod schemas the server side
// uses (the channels of shared/contract/mlflow.ts and mlflow-registry.ts, routed by their endpoint
// tables), with retries on 429/5xx and dropped connections (exponential backoff with jitter, Retry-After
// honoured, bounded), a timeout per request, bearer-token or basic auth, and MLflow's error bodies turned
// into LatheErrors that keep the remote `error_code` and message.
import { setTimeout as delay } from 'node:timers/promises';
import type { z } from 'zod';
import { LatheError, describeIssues, type ErrorCode } from '../../shared/contract';

/** How a client proves who it is: MLflow's `MLFLOW_TRACKING_TOKEN`, or `_USERNAME` + `_PASSWORD`. */
export type MlflowAuth =
  { kind: 'token'; token: string } | { kind: 'basic'; username: string; password: string };

/** One REST endpoint: its method, its path after `/api/2.0/mlflow/`, and the schemas of its messages. */
export interface MlflowEndpoint<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  input: I;
  output: O;
}

/** What a retry is about to wait for (for progress lines and tests). */
export interface RetryNotice {
  what: string;
  attempt: number;
  delayMs: number;
  /** The HTTP status, or the connection error's code. */
  reason: string;
}

export interface MlflowClientOptions {
  /** The tracking URI: `http(s)://host[:port][/prefix]`. */
  url: string;
  auth?: MlflowAuth;
  /** Per request, including the body; default 60 s. */
  timeoutMs?: number;
  /** Retries after the first attempt (429, 5xx, dropped connections); default 5. */
  maxRetries?: number;
  /** The first backoff; each retry doubles it up to maxBackoffMs. Default 500 ms. */
  backoffBaseMs?: number;
  /** Default 30 s. */
  maxBackoffMs?: number;
  /** A Retry-After longer than this is cut to it; default 120 s. */
  maxRetryAfterMs?: number;
  /** Stops waits and requests: the call fails with CANCELLED. */
  signal?: AbortSignal;
  /** Jitter source in [0, 1) (tests pass a fixed one). */
  random?: () => number;
  /** How a backoff waits (tests record the delays instead of waiting). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  onRetry?: (notice: RetryNotice) => void;
  fetch?: typeof fetch;
}

/** An entry of an artifact listing, relative to the listed folder's root. */
export interface MlflowFileInfo {
  path: string;
  isDir: boolean;
  fileSize?: number;
}

/** MLflow's retryable statuses, as its Python client's `_get_request_session` lists them. */
const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);

/** The Lathe code of an MLflow `error_code`: the reverse of the host's mapping (see the shared brief). */
const CODE_OF_MLFLOW: Record<string, ErrorCode> = {
  RESOURCE_DOES_NOT_EXIST: 'NOT_FOUND',
  RESOURCE_ALREADY_EXISTS: 'ALREADY_EXISTS',
  INVALID_PARAMETER_VALUE: 'INVALID_INPUT',
  BAD_REQUEST: 'INVALID_INPUT',
  INVALID_STATE: 'INVALID_INPUT',
  UNAUTHENTICATED: 'INVALID_INPUT',
  PERMISSION_DENIED: 'INVALID_INPUT',
};

const codeOfStatus = (status: number): ErrorCode =>
  status === 404 ? 'NOT_FOUND' : status < 500 ? 'INVALID_INPUT' : 'NETWORK';

/** The MLflow error body `{ error_code, message }` of an answer, when it is one. */
function mlflowError(text: string): { errorCode?: string; message?: string } {
  try {
    const body = JSON.parse(text) as unknown;
    if (body && typeof body === 'object') {
      const { error_code: errorCode, message } = body as Record<string, unknown>;
      return {
        errorCode: typeof errorCode === 'string' ? errorCode : undefined,
        message: typeof message === 'string' ? message : undefined,
      };
    }
  } catch {
    // Not JSON (a proxy's HTML page): the status speaks for it.
  }
  return {};
}

/** Retry-After as milliseconds: seconds, or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The `Authorization` header of `auth`. */
export function authorizationHeader(auth: MlflowAuth): string {
  return auth.kind === 'token'
    ? `Bearer ${auth.token}`
    : `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
}

/** The query string of a GET/DELETE message: a list becomes a repeated key, as MLflow's client sends it. */
export function queryString(input: unknown): string {
  if (input === null || typeof input !== 'object') return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? (value as unknown[]) : [value]) {
      params.append(key, typeof item === 'string' ? item : JSON.stringify(item));
    }
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** A tracking URI checked and without its trailing slash; INVALID_INPUT naming it otherwise. */
export function trackingBase(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LatheError('INVALID_INPUT', `--to '${url}' is not a URL (e.g. http://mlflow:5000)`, {
      field: 'to',
    });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new LatheError(
      'INVALID_INPUT',
      `--to '${url}': an MLflow tracking server is reached over http or https, not ${parsed.protocol.replace(/:$/, '')}`,
      { field: 'to' },
    );
  if (parsed.username || parsed.password)
    throw new LatheError(
      'INVALID_INPUT',
      `--to '${parsed.origin}': put credentials in MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD, not in the URL`,
      { field: 'to' },
    );
  if (parsed.search || parsed.hash)
    throw new LatheError(
      'INVALID_INPUT',
      `--to '${url}': the tracking URI takes no query or fragment`,
      {
        field: 'to',
      },
    );
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

const encodePath = (path: string) =>
  path
    .split('/')
    .filter((s) => s !== '')
    .map(encodeURIComponent)
    .join('/');

export interface MlflowClient {
  /** The tracking URI, without a trailing slash. */
  readonly url: string;
  /** Sends one message to an endpoint and parses the answer with its output schema. */
  request<I extends z.ZodType, O extends z.ZodType>(
    endpoint: MlflowEndpoint<I, O>,
    input: z.input<I>,
  ): Promise<z.output<O>>;
  /**
   * The proxy root of a run's `artifact_uri`; a URI of another scheme (s3:, file:, a local path) is
   * refused with INVALID_CONFIG naming the scheme: Lathe uploads only through the server's proxy.
   */
  artifactRoot(artifactUri: string): string;
  /** Uploads one file under a run's artifact root (PUT through the proxy). */
  putArtifact(artifactUri: string, path: string, bytes: Uint8Array): Promise<void>;
  /** Downloads one file under a run's artifact root. */
  getArtifact(artifactUri: string, path: string): Promise<Buffer>;
  /** Lists one folder (default the root) of a run's artifacts. */
  listArtifacts(artifactUri: string, path?: string): Promise<MlflowFileInfo[]>;
}

interface RawAnswer {
  status: number;
  body: Buffer;
}

/** Creates a client of the MLflow server at `options.url` (checked: INVALID_INPUT names a bad one). */
export function createMlflowClient(options: MlflowClientOptions): MlflowClient {
  const base = trackingBase(options.url);
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxRetries = options.maxRetries ?? 5;
  const backoffBaseMs = options.backoffBaseMs ?? 500;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 120_000;
  const random = options.random ?? Math.random;
  const sleep =
    options.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal }));
  const authHeader = options.auth ? authorizationHeader(options.auth) : undefined;

  const cancelled = (what: string) =>
    new LatheError('CANCELLED', `stopped: ${what} to the MLflow server at ${base}`);

  /** Exponential backoff with "equal jitter": half the step fixed, half random. */
  const backoff = (retry: number) => {
    const step = Math.min(maxBackoffMs, backoffBaseMs * 2 ** retry);
    return Math.round(step / 2 + random() * (step / 2));
  };

  const failure = (what: string, status: number, text: string): LatheError => {
    const { errorCode, message } = mlflowError(text);
    const code = (errorCode ? CODE_OF_MLFLOW[errorCode] : undefined) ?? codeOfStatus(status);
    const remote = message ?? (text.trim().slice(0, 300) || `HTTP ${status}`);
    const hint =
      status === 401
        ? ' (set MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD)'
        : status === 403
          ? ' (these credentials lack the permission)'
          : '';
    return new LatheError(
      code,
      `the MLflow server at ${base} refused ${what}: ${errorCode ?? `HTTP ${status}`}: ${remote}${hint}`,
      { url: base, status, ...(errorCode ? { mlflowCode: errorCode } : {}), remoteMessage: remote },
    );
  };

  /** One HTTP exchange with retries; answers 2xx, throws a LatheError otherwise. */
  async function exchange(
    what: string,
    url: string,
    init: { method: string; body?: Uint8Array | string; contentType?: string },
  ): Promise<RawAnswer> {
    for (let attempt = 0; ; attempt++) {
      if (options.signal?.aborted) throw cancelled(what);
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      const headers: Record<string, string> = { Accept: 'application/json' };
      if (init.contentType) headers['Content-Type'] = init.contentType;
      if (authHeader) headers.Authorization = authHeader;
      let reason: string;
      let waitMs: number | undefined;
      try {
        const res = await fetchImpl(url, {
          method: init.method,
          headers,
          body: init.body,
          signal,
          redirect: 'error',
        });
        const body = Buffer.from(await res.arrayBuffer());
        if (res.ok) return { status: res.status, body };
        if (!RETRY_STATUSES.has(res.status) || attempt >= maxRetries)
          throw failure(what, res.status, body.toString('utf8'));
        reason = `HTTP ${res.status}`;
        const after = retryAfterMs(res.headers.get('retry-after'));
        if (after !== undefined) waitMs = Math.min(after, maxRetryAfterMs);
      } catch (err) {
        if (err instanceof LatheError) throw err;
        if (options.signal?.aborted) throw cancelled(what);
        const e = err as Error & { cause?: NodeJS.ErrnoException };
        const timedOut = timeout.aborted;
        reason = timedOut ? 'timeout' : (e.cause?.code ?? e.cause?.message ?? e.message);
        if (attempt >= maxRetries)
          throw new LatheError(
            'NETWORK',
            timedOut
              ? `the MLflow server at ${base} did not answer ${what} within ${timeoutMs} ms (${attempt + 1} attempt(s))`
              : `cannot reach the MLflow server at ${base} for ${what}: ${reason} (${attempt + 1} attempt(s))`,
            { url: base, reason },
          );
      }
      const delayMs = waitMs ?? backoff(attempt);
      options.onRetry?.({ what, attempt: attempt + 1, delayMs, reason });
      try {
        await sleep(delayMs, options.signal);
      } catch {
        throw cancelled(what);
      }
    }
  }

  const artifactRoot = (artifactUri: string): string => {
    const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(artifactUri)?.[1];
    if (scheme !== 'mlflow-artifacts')
      throw new LatheError(
        'INVALID_CONFIG',
        `the MLflow server at ${base} stores run artifacts at '${artifactUri}' (${scheme ? `scheme ${scheme}:` : 'a local path'}), which a client can only reach through the server's artifact proxy: start it with --serve-artifacts (the default since MLflow 2.0) and a default artifact root it proxies, so runs get mlflow-artifacts: URIs`,
        { url: base, artifactUri, scheme: scheme ?? 'file' },
      );
    // mlflow-artifacts:/<path> goes to the tracking server itself; mlflow-artifacts://host:port/<path>
    // to that host with the tracking URI's scheme (MLflow's MlflowArtifactsRepository.resolve_uri).
    const rest = artifactUri.slice('mlflow-artifacts:'.length);
    if (rest.startsWith('//')) {
      const slash = rest.indexOf('/', 2);
      const host = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
      const path = slash < 0 ? '' : rest.slice(slash);
      const origin = host ? `${new URL(base).protocol}//${host}` : base;
      const prefix = host ? '' : new URL(base).pathname.replace(/\/+$/, '');
      return `${origin}${prefix}/api/2.0/mlflow-artifacts/artifacts/${encodePath(path)}`;
    }
    return `${base}/api/2.0/mlflow-artifacts/artifacts/${encodePath(rest)}`;
  };

  const fileUrl = (artifactUri: string, path: string) => {
    const clean = encodePath(path);
    if (!clean || path.split('/').some((s) => s === '..' || s === '.'))
      throw new LatheError(
        'INVALID_INPUT',
        `artifact path '${path}' must be a relative file path`,
        {
          path,
        },
      );
    return `${artifactRoot(artifactUri)}/${clean}`;
  };

  return {
    url: base,

    async request(endpoint, input) {
      const what = `${endpoint.method} ${endpoint.path}`;
      const checked = endpoint.input.safeParse(input);
      if (!checked.success)
        throw new LatheError('INVALID_INPUT', describeIssues(checked.error, what), {
          endpoint: endpoint.path,
        });
      const inQuery = endpoint.method === 'GET' || endpoint.method === 'DELETE';
      const url = `${base}/api/2.0/mlflow/${endpoint.path}${inQuery ? queryString(input) : ''}`;
      const answer = await exchange(what, url, {
        method: endpoint.method,
        ...(inQuery ? {} : { body: JSON.stringify(input), contentType: 'application/json' }),
      });
      const text = answer.body.toString('utf8');
      let json: unknown;
      try {
        json = text.trim() === '' ? {} : JSON.parse(text);
      } catch {
        throw new LatheError(
          'NETWORK',
          `the MLflow server at ${base} answered ${what} with HTTP ${answer.status} and no JSON: ${text.slice(0, 200)}`,
          { url: base, status: answer.status },
        );
      }
      const parsed = endpoint.output.safeParse(json);
      if (!parsed.success)
        throw new LatheError(
          'NETWORK',
          `the MLflow server at ${base} answered ${what} with a message Lathe does not read: ${describeIssues(parsed.error)}`,
          { url: base, endpoint: endpoint.path },
        );
      return parsed.data;
    },

    artifactRoot,

    async putArtifact(artifactUri, path, bytes) {
      await exchange(`PUT artifact ${path}`, fileUrl(artifactUri, path), {
        method: 'PUT',
        body: bytes,
        contentType: 'application/octet-stream',
      });
    },

    async getArtifact(artifactUri, path) {
      return (await exchange(`GET artifact ${path}`, fileUrl(artifactUri, path), { method: 'GET' }))
        .body;
    },

    async listArtifacts(artifactUri, path = '') {
      const root = artifactRoot(artifactUri);
      const marker = '/api/2.0/mlflow-artifacts/artifacts';
      const at = root.indexOf(marker);
      const head = root.slice(0, at + marker.length);
      const tail = decodeURIComponent(root.slice(at + marker.length + 1));
      const listed = [tail, path].filter((s) => s !== '').join('/');
      const answer = await exchange(
        `list artifacts ${path || '/'}`,
        `${head}${queryString({ path: listed })}`,
        {
          method: 'GET',
        },
      );
      let body: { files?: { path?: string; is_dir?: boolean; file_size?: string | number }[] };
      try {
        body = JSON.parse(answer.body.toString('utf8') || '{}') as typeof body;
      } catch {
        throw new LatheError(
          'NETWORK',
          `the MLflow server at ${base} listed artifacts without JSON`,
          {
            url: base,
          },
        );
      }
      return (body.files ?? []).map((f) => ({
        path: [path, f.path ?? ''].filter((s) => s !== '').join('/'),
        isDir: f.is_dir === true,
        ...(f.file_size !== undefined ? { fileSize: Number(f.file_size) } : {}),
      }));
    },
  };
}
