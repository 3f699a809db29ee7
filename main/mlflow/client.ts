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
import { z } from 'zod';
import { LatheError, describeIssues, type ErrorCode } from '../../shared/contract';
import {
  MLFLOW_TRACKING_ENDPOINTS,
  MlflowInt64,
  mlflowTrackingChannels,
} from '../../shared/contract/mlflow';
import { MlflowFileInfo as MlflowFileInfoWire } from '../../shared/contract/mlflow-artifacts';
import {
  MLFLOW_REGISTRY_ENDPOINTS,
  mlflowRegistryChannels,
} from '../../shared/contract/mlflow-registry';

/** The MLflow channels of the contract (their schemas are what the server side parses with). */
const MLFLOW_CHANNELS = { ...mlflowTrackingChannels, ...mlflowRegistryChannels };
type MlflowChannels = typeof MLFLOW_CHANNELS;
/** A channel the client can call: `mlflow:<area>:<verb>`. */
export type MlflowChannel = keyof MlflowChannels;

/**
 * POST channels a repeat could apply twice (a second run or version; a file store appends metric lines
 * again), so a dropped connection after the request went out is not retried: the caller decides (a push
 * finds what arrived and sends the rest the next time).
 */
const NOT_IDEMPOTENT = new Set<MlflowChannel>([
  'mlflow:runs:create',
  'mlflow:runs:log-metric',
  'mlflow:runs:log-batch',
  'mlflow:model-versions:create',
]);

/** Method and path of each channel (POST where MLflow offers both, as its Python client sends them). */
const ROUTES = new Map<string, { method: MlflowEndpoint['method']; path: string }>();
for (const e of [...MLFLOW_TRACKING_ENDPOINTS, ...MLFLOW_REGISTRY_ENDPOINTS]) {
  const seen = ROUTES.get(e.channel);
  if (!seen || (seen.method === 'GET' && e.method === 'POST'))
    ROUTES.set(e.channel, { method: e.method, path: e.path });
}

/** The endpoint of a contract channel: its route and its schemas. */
export function endpointOf<C extends MlflowChannel>(
  channel: C,
): MlflowEndpoint<MlflowChannels[C]['input'], MlflowChannels[C]['output']> {
  const route = ROUTES.get(channel);
  if (!route) throw new LatheError('INTERNAL', `no MLflow endpoint routes ${channel}`);
  const { input, output } = MLFLOW_CHANNELS[channel];
  return {
    ...route,
    input,
    output,
    idempotent: route.method !== 'POST' || !NOT_IDEMPOTENT.has(channel),
  };
}

/**
 * ListArtifacts' answer, read as proto JSON allows it: a file size as an int64 number or string, and an
 * unset is_dir (false) left out.
 */
const ListArtifactsOut = z.object({
  files: z
    .array(
      MlflowFileInfoWire.extend({
        is_dir: z.boolean().default(false),
        file_size: MlflowInt64.optional(),
      }),
    )
    .default([]),
});

/** How a client proves who it is: MLflow's `MLFLOW_TRACKING_TOKEN`, or `_USERNAME` + `_PASSWORD`. */
export type MlflowAuth =
  { kind: 'token'; token: string } | { kind: 'basic'; username: string; password: string };

/** One REST endpoint: its method, its path after `/api/2.0/mlflow/`, and the schemas of its messages. */
export interface MlflowEndpoint<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  input: I;
  output: O;
  /**
   * Whether sending it twice has the effect of sending it once; default: every method but POST. A
   * connection dropped after the request went out is retried only then.
   */
  idempotent?: boolean;
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

/** Connection errors that happen before a request goes out: a retry of any request is safe. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

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
    throw new LatheError(
      'INVALID_INPUT',
      `the MLflow server URL '${url}' is not a URL (e.g. http://mlflow:5000)`,
      {
        field: 'to',
      },
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new LatheError(
      'INVALID_INPUT',
      `the MLflow server URL '${url}': an MLflow tracking server is reached over http or https, not ${parsed.protocol.replace(/:$/, '')}`,
      { field: 'to' },
    );
  if (parsed.username || parsed.password)
    throw new LatheError(
      'INVALID_INPUT',
      `the MLflow server URL '${parsed.origin}': give credentials as a token or a user name and password (MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD for the CLI), not in the URL`,
      { field: 'to' },
    );
  if (parsed.search || parsed.hash)
    throw new LatheError(
      'INVALID_INPUT',
      `the MLflow server URL '${url}': the tracking URI takes no query or fragment`,
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
  /** Calls a contract channel on the remote server (its endpoint from the contract's tables). */
  call<C extends MlflowChannel>(
    channel: C,
    input: z.input<MlflowChannels[C]['input']>,
  ): Promise<z.output<MlflowChannels[C]['output']>>;
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
        ? ' (give a token, or a user name and password: from the CLI, MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD)'
        : status === 403
          ? ' (these credentials lack the permission)'
          : '';
    return new LatheError(
      code,
      `the MLflow server at ${base} refused ${what}: ${errorCode ?? `HTTP ${status}`}: ${remote}${hint}`,
      { url: base, status, ...(errorCode ? { mlflowCode: errorCode } : {}), remoteMessage: remote },
    );
  };

  const redirected = (what: string, res: Response): LatheError => {
    const location = res.headers.get('location');
    return new LatheError(
      'INVALID_INPUT',
      `the MLflow server at ${base} answered ${what} with a redirect (HTTP ${res.status}${location ? ` to ${location}` : ''}): give the tracking URI it serves the API at (https:// where it moved there), or sign in another way if it is a login page`,
      { url: base, status: res.status, ...(location ? { location } : {}) },
    );
  };

  /** One HTTP exchange with retries; answers 2xx, throws a LatheError otherwise. */
  async function exchange(
    what: string,
    url: string,
    init: {
      method: string;
      body?: Uint8Array | string;
      contentType?: string;
      /** Retry a connection dropped after sending (default: unless POST). */
      idempotent?: boolean;
    },
  ): Promise<RawAnswer> {
    const idempotent = init.idempotent ?? init.method !== 'POST';
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
          // Not followed: a redirect would drop the Authorization header or resend a body elsewhere.
          redirect: 'manual',
        });
        const body = Buffer.from(await res.arrayBuffer());
        if (res.ok) return { status: res.status, body };
        if (res.status >= 300 && res.status < 400) throw redirected(what, res);
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
        const unsent = !timedOut && e.cause?.code !== undefined && NOT_SENT.has(e.cause.code);
        // A name that does not resolve stays so (EAI_AGAIN is the temporary failure): not waited on.
        const unknownHost = e.cause?.code === 'ENOTFOUND';
        if (unknownHost) reason = `ENOTFOUND: no host named ${new URL(url).hostname}`;
        if (attempt >= maxRetries || unknownHost || (!unsent && !idempotent))
          throw new LatheError(
            'NETWORK',
            (timedOut
              ? `the MLflow server at ${base} did not answer ${what} within ${timeoutMs} ms (${attempt + 1} attempt(s))`
              : unsent
                ? `cannot reach the MLflow server at ${base} for ${what}: ${reason} (${attempt + 1} attempt(s))`
                : `the connection to the MLflow server at ${base} failed during ${what}: ${reason} (${attempt + 1} attempt(s))`) +
              (!unsent && !idempotent
                ? '; not repeated, as it may have been applied: run the push again to complete it'
                : ''),
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
      const tracking = new URL(base);
      const origin = host ? `${tracking.protocol}//${host}` : tracking.origin;
      const prefix = tracking.pathname.replace(/\/+$/, '');
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

  /** An answer's JSON (empty: `{}`) parsed with `schema`; NETWORK naming the field it breaks. */
  function parseAnswer<O extends z.ZodType>(
    what: string,
    answer: RawAnswer,
    schema: O,
    endpoint: string,
  ): z.output<O> {
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
    const parsed = schema.safeParse(json);
    if (!parsed.success)
      throw new LatheError(
        'NETWORK',
        `the MLflow server at ${base} answered ${what} with a message Lathe does not read: ${describeIssues(parsed.error)}`,
        { url: base, endpoint },
      );
    return parsed.data;
  }

  async function request<I extends z.ZodType, O extends z.ZodType>(
    endpoint: MlflowEndpoint<I, O>,
    input: z.input<I>,
  ): Promise<z.output<O>> {
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
      idempotent: endpoint.idempotent,
      ...(inQuery ? {} : { body: JSON.stringify(input), contentType: 'application/json' }),
    });
    return parseAnswer(what, answer, endpoint.output, endpoint.path);
  }

  return {
    url: base,
    call: <C extends MlflowChannel>(channel: C, input: z.input<MlflowChannels[C]['input']>) =>
      request(endpointOf(channel), input) as Promise<z.output<MlflowChannels[C]['output']>>,
    request,
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
      const what = `list artifacts ${path || '/'}`;
      const answer = await exchange(what, `${head}${queryString({ path: listed })}`, {
        method: 'GET',
      });
      const { files } = parseAnswer(what, answer, ListArtifactsOut, 'mlflow-artifacts/artifacts');
      return files.map((f) => ({
        path: [path, f.path].filter((s) => s !== '').join('/'),
        isDir: f.is_dir,
        ...(f.file_size !== undefined ? { fileSize: f.file_size } : {}),
      }));
    },
  };
}
