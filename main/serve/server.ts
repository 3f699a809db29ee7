// The prediction server: node:http, no framework. Serves one or more Predictors under
// POST /v1/models/{name}/predict, with /health, /ready, /metrics and /openapi.json.
//
// Hardened like main/host/server.ts: bounded bodies (413), strict routes (404/405), JSON errors with a
// `code` and no stack, a request id on every response. Probes, metrics and the OpenAPI document are open;
// predict needs `Authorization: Bearer KEY` when keys are configured (401 / 403 / 429 + Retry-After).
//
// Hostile clients cannot hold a connection open (ServeTimeouts): headers and bodies that trickle in are
// cut off (408), a response the client does not read is dropped after the write timeout, and a client
// that pipelines requests without reading the answers is disconnected. Each cut is counted in /metrics
// (lathe_timeouts_total{kind}).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { LatheError } from '../../shared/contract';
import { EXPLAIN_FIELD } from '../../shared/contract/serve';
import { routesToChallenger } from './canary';
import { explainRefusal } from './explain';
import { createServeMetrics } from './metrics';
import { openApiDocument, parsePredictBody, recordSchema } from './openapi';
import type { PredictionLog } from './prediction-log';
import { createTokenBucket, type TokenBucket } from './rate-limit';
import type { Prediction, Predictor } from './types';

/** An API key as the server checks it (the store keeps only its hash). */
export interface ServeKey {
  id: string;
  name: string;
  /** Models the key may call; null = all. */
  models: string[] | null;
  /** Requests per minute; null = unlimited. */
  rateLimit: number | null;
}

export interface ServeAuth {
  /** Requests without a valid key are refused even when no key exists. */
  required: boolean;
  /** The active key for a presented token, or null. */
  find(token: string): ServeKey | null;
}

export interface ModelRoute {
  /** The URL name: /v1/models/{name}/predict. */
  name: string;
  champion: Predictor;
  /** Answers `percent` of the requests (by request id hash). */
  canary?: { predictor: Predictor; percent: number };
  /** Scored and logged on every request; never answers. */
  shadow?: Predictor;
}

/** How long a client may take; every value in milliseconds. */
export interface ServeTimeouts {
  /** From the connection (or the previous request) until all request headers arrived (node's headersTimeout). */
  headersMs: number;
  /** From the first byte until the whole request (headers and body) arrived (node's requestTimeout). */
  requestMs: number;
  /** From the headers until the body is read: a body sent slower is answered 408 and the connection closed. */
  bodyMs: number;
  /** A response the client has not taken (bytes left unsent) this long after it was written is dropped. */
  writeMs: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveMs: number;
}

export const DEFAULT_TIMEOUTS: ServeTimeouts = {
  headersMs: 10_000,
  requestMs: 30_000,
  bodyMs: 10_000,
  writeMs: 30_000,
  keepAliveMs: 5000,
};

/** The environment variable of each timeout (`lathe serve` and the exported server read the same ones). */
export const TIMEOUT_ENV: Record<keyof ServeTimeouts, string> = {
  headersMs: 'LATHE_SERVE_HEADERS_TIMEOUT_MS',
  requestMs: 'LATHE_SERVE_REQUEST_TIMEOUT_MS',
  bodyMs: 'LATHE_SERVE_BODY_TIMEOUT_MS',
  writeMs: 'LATHE_SERVE_WRITE_TIMEOUT_MS',
  keepAliveMs: 'LATHE_SERVE_KEEP_ALIVE_TIMEOUT_MS',
};

/**
 * The timeouts set in `env` (TIMEOUT_ENV names; unset ones are left out). A value that is not a positive
 * whole number of milliseconds is refused with INVALID_CONFIG naming the variable.
 */
export function timeoutsFromEnv(env: Record<string, string | undefined>): Partial<ServeTimeouts> {
  const out: Partial<ServeTimeouts> = {};
  for (const [key, name] of Object.entries(TIMEOUT_ENV) as [keyof ServeTimeouts, string][]) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n <= 0)
      throw new LatheError(
        'INVALID_CONFIG',
        `${name}=${raw}: expected a positive whole number of milliseconds`,
        { variable: name, value: raw },
      );
    out[key] = n;
  }
  return out;
}

/** DEFAULT_TIMEOUTS, then the environment's, then `given`; checked as a whole. */
export function resolveTimeouts(
  given: Partial<ServeTimeouts> = {},
  env: Record<string, string | undefined> = process.env,
): ServeTimeouts {
  const t = { ...DEFAULT_TIMEOUTS, ...timeoutsFromEnv(env), ...given };
  for (const [key, v] of Object.entries(t) as [keyof ServeTimeouts, number][])
    if (!Number.isSafeInteger(v) || v <= 0)
      throw new LatheError(
        'INVALID_CONFIG',
        `timeout ${key}=${v}: expected a positive whole number of milliseconds`,
        {
          field: key,
        },
      );
  // node refuses a headers timeout longer than the request timeout (both cover the headers).
  if (t.headersMs > t.requestMs)
    throw new LatheError(
      'INVALID_CONFIG',
      `the headers timeout (${t.headersMs} ms, ${TIMEOUT_ENV.headersMs}) is longer than the request timeout (${t.requestMs} ms, ${TIMEOUT_ENV.requestMs})`,
      { headersMs: t.headersMs, requestMs: t.requestMs },
    );
  return t;
}

/**
 * Responses a connection may have unfinished (pipelined requests whose answers the client has not taken)
 * before it is closed: a client that pipelines without reading would otherwise make the server buffer
 * every answer.
 */
export const MAX_UNFINISHED_PER_CONNECTION = 64;

export interface PredictServerOptions {
  models: ModelRoute[];
  port: number;
  /** Default 127.0.0.1; the container binds 0.0.0.0. */
  host?: string;
  /** Records per request (default 1000). */
  maxBatch?: number;
  /** Request body limit in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  auth?: ServeAuth;
  log?: PredictionLog;
  /**
   * Service health: told of every prediction request of a served model (its answering version, status,
   * records scored and latency); flushed when the server closes.
   */
  health?: {
    record(model: string, version: number, status: number, rows: number, latencyMs: number): void;
    close(): Promise<void>;
  };
  /** Reported in the OpenAPI document. */
  serverVersion?: string;
  /** Called after each prediction request: its status and, when it succeeded, its latency in seconds. */
  onPredict?(status: number, seconds: number | null): void;
  /** Overrides the environment's timeouts (TIMEOUT_ENV), which override DEFAULT_TIMEOUTS. */
  timeouts?: Partial<ServeTimeouts>;
}

export interface PredictServer {
  readonly url: string;
  readonly port: number;
  /**
   * Replaces a model's champion: new requests use `predictor`, requests already running finish on the
   * old one, which is closed once they are done.
   */
  swap(name: string, predictor: Predictor): Promise<void>;
  /** Stops accepting, finishes in-flight requests, flushes the prediction log, closes the predictors. */
  close(): Promise<void>;
}

// Headers go to writeHead as one flat [name, value, …] list: with no setHeader() before it, node writes
// them as given instead of building and merging header objects on every response.
const SECURITY_HEADERS = [
  'X-Content-Type-Options',
  'nosniff',
  'Referrer-Policy',
  'no-referrer',
  'Cache-Control',
  'no-store',
];
const JSON_TYPE = ['Content-Type', 'application/json; charset=utf-8'];

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const PREDICT = /^\/v1\/models\/([^/]+)\/predict$/;
// A path of plain segments (none starting with '.' or holding '%', '\\', '#'): the WHATWG parser would
// return it unchanged, so it is used as is. Anything else (dot segments, percent-encoding, '//' …) goes
// through new URL(). One '/' opens each segment, so the match is linear.
const PLAIN_PATH = /^(?:\/[\w~!$&'()*+,;=:@-][\w.~!$&'()*+,;=:@-]*)*\/?$/;

/**
 * The path of a request target, as new URL(target, base).pathname gives it; null when the target is no
 * URL at all (node accepts an absolute-form target such as `http://[`, which new URL() refuses).
 */
export function pathOf(target: string): string | null {
  const q = target.indexOf('?');
  const raw = q < 0 ? target : target.slice(0, q);
  if (PLAIN_PATH.test(raw)) return raw;
  try {
    return new URL(target, 'http://localhost').pathname;
  } catch {
    return null;
  }
}

/** The `code` of each error status the server answers (in the body beside `error`). */
export const CODE_BY_STATUS: Record<number, string> = {
  400: 'INVALID_INPUT',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  422: 'INVALID_INPUT',
  429: 'RATE_LIMITED',
  431: 'HEADERS_TOO_LARGE',
  500: 'INTERNAL',
  503: 'SHUTTING_DOWN',
};

/**
 * The status of a LatheError a predictor throws, by its code (the body then carries that code). A state
 * conflict (a cancelled operation, a refused gate, a locked workspace) is 409; bad input is 422, as the
 * server's own validation answers; a code not listed is the server's fault (500, code hidden as INTERNAL).
 */
export const STATUS_BY_LATHE_CODE: Partial<Record<string, number>> = {
  INVALID_INPUT: 422,
  COLUMN_NOT_FOUND: 422,
  NOT_FOUND: 404,
  CANCELLED: 409,
  GATE_FAILED: 409,
  WORKSPACE_LOCKED: 409,
};

class HttpError extends Error {
  readonly code: string;
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    /** Flat [name, value, …]. */
    readonly headers: string[] = [],
    code?: string,
  ) {
    super(message);
    this.code = code ?? CODE_BY_STATUS[status] ?? (status >= 500 ? 'INTERNAL' : 'INVALID_INPUT');
  }
}

/** What a request failure is answered with: an HttpError as is, a LatheError by its code, else a 500. */
function httpErrorOf(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof LatheError) {
    const status = STATUS_BY_LATHE_CODE[err.code];
    if (status) return new HttpError(status, err.message, {}, [], err.code);
  }
  return new HttpError(500, 'prediction failed: internal error');
}

/** Counts the requests using each predictor so a swapped-out one is closed only when idle. */
class Lease {
  private readonly users = new Map<Predictor, number>();
  private readonly retired = new Set<Predictor>();
  acquire(p: Predictor): () => void {
    this.users.set(p, (this.users.get(p) ?? 0) + 1);
    return () => {
      const n = (this.users.get(p) ?? 1) - 1;
      if (n > 0) this.users.set(p, n);
      else {
        this.users.delete(p);
        if (this.retired.delete(p)) void p.close().catch(() => undefined);
      }
    };
  }
  retire(p: Predictor): Promise<void> {
    if ((this.users.get(p) ?? 0) === 0) return p.close();
    this.retired.add(p);
    return Promise.resolve();
  }
}

/** Batches checked against answers computed alone before a predictor's batches are trusted. */
const BATCH_CHECKS = 8;

/**
 * Coalesces the predictRecords calls made on one predictor during one turn of the event loop into one
 * call (one onnxruntime run for all their records), then hands each caller its own predictions: under
 * load most of a request's model cost is per run, not per record.
 *
 * Answers must not depend on which requests happened to share a run. onnxruntime's CPU kernels compute
 * each row on its own, but rather than assume it, the first BATCH_CHECKS batches of each predictor also
 * score their first call alone and compare; one difference and that predictor is never batched again
 * (every caller of that batch gets its answer computed alone). A batch that fails is retried call by
 * call, so one bad request fails alone.
 */
export function coalesce(predictor: Predictor): Predictor['predictRecords'] {
  interface Job {
    records: readonly Record<string, unknown>[];
    resolve: (p: Prediction[]) => void;
    reject: (err: unknown) => void;
  }
  let jobs: Job[] = [];
  let checks = BATCH_CHECKS;
  let batching = true;
  // A predictor that throws instead of rejecting must still fail only its callers.
  const score = (records: readonly Record<string, unknown>[]) => {
    try {
      return predictor.predictRecords(records);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  };
  const alone = (j: Job) => void score(j.records).then(j.resolve, j.reject);
  const run = async (batch: Job[]) => {
    let all: Prediction[];
    let lone: Prediction[] | null = null;
    try {
      if (checks > 0) {
        checks--;
        [all, lone] = await Promise.all([
          score(batch.flatMap((j) => j.records)),
          score(batch[0]!.records),
        ]);
      } else all = await score(batch.flatMap((j) => j.records));
    } catch {
      return batch.forEach(alone);
    }
    if (lone && JSON.stringify(lone) !== JSON.stringify(all.slice(0, lone.length))) {
      batching = false;
      console.error(
        `[PredictServer] ${predictor.meta.model}@${predictor.meta.version} answers differently in a batch: scoring each request alone`,
      );
      batch[0]!.resolve(lone);
      return batch.slice(1).forEach(alone);
    }
    let at = 0;
    for (const j of batch) {
      j.resolve(all.slice(at, at + j.records.length));
      at += j.records.length;
    }
  };
  const flush = () => {
    const batch = jobs;
    jobs = [];
    if (batch.length === 1 || !batching) batch.forEach(alone);
    else void run(batch);
  };
  return (records) =>
    new Promise<Prediction[]>((resolve, reject) => {
      if (jobs.push({ records, resolve, reject }) === 1) setImmediate(flush);
    });
}

/**
 * The request body as text, refused with 413 past `limit` bytes and with 408 when it has not all arrived
 * `timeoutMs` after the headers. Listens to the stream directly: an async iterator per request cost more
 * than the rest of the read (and allocations the GC then pauses for).
 */
function readBody(
  req: IncomingMessage,
  limit: number,
  timeoutMs: number,
  onTimeout: () => void,
): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit)
    return Promise.reject(
      new HttpError(413, `request body of ${declared} bytes is over the ${limit}-byte limit`),
    );
  return new Promise((resolve, reject) => {
    let first: Buffer | null = null;
    let more: Buffer[] | null = null;
    let size = 0;
    const timer = setTimeout(() => {
      done();
      req.pause();
      onTimeout();
      reject(
        new HttpError(
          408,
          `the request body did not arrive within ${timeoutMs} ms (${size} bytes received)`,
        ),
      );
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        done();
        req.pause();
        reject(new HttpError(413, `request body is over the ${limit}-byte limit`));
      } else if (first === null) first = chunk;
      else (more ??= [first]).push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(more ? Buffer.concat(more).toString('utf8') : (first?.toString('utf8') ?? ''));
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    const onClose = () => {
      done();
      reject(new Error('the client closed the connection before the body arrived'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** Starts the prediction server; resolves once it listens. */
export async function startPredictServer(options: PredictServerOptions): Promise<PredictServer> {
  const maxBatch = options.maxBatch ?? 1000;
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  const timeouts = resolveTimeouts(options.timeouts);
  const metrics = createServeMetrics();
  const lease = new Lease();
  const routes = new Map<
    string,
    ModelRoute & {
      schema: ReturnType<typeof recordSchema>;
      /** parsePredictBody's options: whether `explain` is one of the model's inputs. */
      parse: { explainIsInput: boolean };
    }
  >();
  const explainIsInput = (p: Predictor) =>
    p.meta.signature.inputs.some((i) => i.name === EXPLAIN_FIELD);
  for (const r of options.models) {
    if (routes.has(r.name)) throw new Error(`model ${r.name} is served twice`);
    // Requests are validated against the champion's signature, so a challenger must read no other input.
    const inputs = new Set(r.champion.meta.signature.inputs.map((i) => i.name));
    for (const c of [r.canary?.predictor, r.shadow]) {
      const extra = c?.meta.signature.inputs.filter((i) => !inputs.has(i.name)).map((i) => i.name);
      if (c && extra?.length)
        throw new Error(
          `${c.meta.model}@${c.meta.version} reads inputs ${r.champion.meta.model}@${r.champion.meta.version} does not take: ${extra.join(', ')}`,
        );
    }
    routes.set(r.name, {
      ...r,
      schema: recordSchema(r.champion.meta.signature),
      parse: { explainIsInput: explainIsInput(r.champion) },
    });
  }
  const buckets = new Map<string, TokenBucket>();
  const batched = new WeakMap<Predictor, Predictor['predictRecords']>();
  const predictRecordsOf = (p: Predictor) => {
    let f = batched.get(p);
    if (!f) batched.set(p, (f = coalesce(p)));
    return f;
  };
  let inFlight = 0;
  let closing = false;
  let idle: (() => void) | null = null;
  const pending = new Set<Promise<unknown>>();

  const openapi = () =>
    openApiDocument(
      [...routes.values()].map((r) => ({
        name: r.name,
        version: r.champion.meta.version,
        signature: r.champion.meta.signature,
        explains: r.champion.explainRecords !== undefined,
      })),
      options.serverVersion ?? '0',
    );

  const send = (
    res: ServerResponse,
    requestId: string,
    status: number,
    body: unknown,
    headers: readonly string[] = [],
  ) => {
    const text = JSON.stringify(body);
    res.writeHead(status, [
      'X-Request-Id',
      requestId,
      ...SECURITY_HEADERS,
      ...JSON_TYPE,
      'Content-Length',
      String(Buffer.byteLength(text)),
      ...headers,
    ]);
    res.end(text);
    guardWrite(res);
  };

  // A response still waiting for its socket (behind pipelined ones) or with bytes the client has not
  // taken: dropped, with its connection, if it is not finished within the write timeout.
  const guardWrite = (res: ServerResponse) => {
    if (res.writableFinished || (res.socket && res.socket.writableLength === 0)) return;
    const timer = setTimeout(() => {
      if (res.writableFinished) return;
      metrics.timeout('write');
      res.destroy();
    }, timeouts.writeMs);
    timer.unref();
    res.once('close', () => clearTimeout(timer));
  };

  const errorBody = (requestId: string, e: HttpError) => ({
    error: e.message,
    code: e.code,
    request_id: requestId,
    ...e.extra,
  });

  const authorize = (req: IncomingMessage, model: string): void => {
    const auth = options.auth;
    if (!auth) return;
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) {
      if (!auth.required) return;
      throw new HttpError(401, 'an API key is required: send Authorization: Bearer KEY', {}, [
        'WWW-Authenticate',
        'Bearer',
      ]);
    }
    const key = auth.find(m[1]!);
    if (!key)
      throw new HttpError(401, 'unknown or revoked API key', {}, [
        'WWW-Authenticate',
        'Bearer error="invalid_token"',
      ]);
    if (key.models && !key.models.includes(model))
      throw new HttpError(
        403,
        `API key ${key.name} may not use model ${model} (allowed: ${key.models.join(', ')})`,
      );
    if (key.rateLimit !== null) {
      let b = buckets.get(key.id);
      if (!b) buckets.set(key.id, (b = createTokenBucket(key.rateLimit)));
      const t = b.take();
      if (!t.ok)
        throw new HttpError(
          429,
          `API key ${key.name} is over its limit of ${key.rateLimit} requests per minute`,
          { retry_after_seconds: t.retryAfterSeconds },
          ['Retry-After', String(t.retryAfterSeconds)],
        );
    }
  };

  const predict = async (req: IncomingMessage, name: string, requestId: string) => {
    if (!routes.has(name))
      throw new HttpError(404, `no model named ${name} (served: ${[...routes.keys()].join(', ')})`);
    if (req.method !== 'POST') throw new HttpError(405, 'use POST', {}, ['Allow', 'POST']);
    authorize(req, name);
    const text = await readBody(req, maxBody, timeouts.bodyMs, () => metrics.timeout('body'));
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      throw new HttpError(400, `the body is not JSON: ${(err as Error).message}`);
    }
    // Read the route after the body: a swap while the body arrived must not hand us a retired model.
    const route = routes.get(name)!;
    const parsed = parsePredictBody(route.schema, body, maxBatch, route.parse);
    if (!parsed.ok) throw new HttpError(422, parsed.error, { fields: parsed.fields });
    let useCanary = route.canary && routesToChallenger(requestId, route.canary.percent);
    if (parsed.explain && route.canary) {
      // An explanation comes from whichever side has trees when only one has.
      const canary = route.canary.predictor.explainRecords !== undefined;
      const champion = route.champion.explainRecords !== undefined;
      if (canary !== champion) useCanary = canary;
    }
    const predictor = useCanary ? route.canary!.predictor : route.champion;
    if (parsed.explain && !predictor.explainRecords)
      throw new HttpError(400, explainRefusal(predictor.meta), {
        fields: [{ field: EXPLAIN_FIELD, message: 'explanations need a tree model (gbdt)' }],
      });
    const release = lease.acquire(predictor);
    const started = performance.now();
    let predictions: Prediction[];
    try {
      // Explanations are computed per request (not coalesced): only requests that ask pay for them.
      predictions = parsed.explain
        ? await predictor.explainRecords!(parsed.records)
        : await predictRecordsOf(predictor)(parsed.records);
    } catch (err) {
      // A failing canary counts against its own version in the health counters, not the champion's.
      throw Object.assign(err instanceof Error ? err : new Error(String(err)), {
        failedVersion: predictor.meta.version,
      });
    } finally {
      release();
    }
    const latencyMs = performance.now() - started;
    const version = predictor.meta.version;
    if (route.shadow) {
      const shadow = route.shadow;
      const releaseShadow = lease.acquire(shadow);
      const t0 = performance.now();
      const job = predictRecordsOf(shadow)(parsed.records)
        .then((p) =>
          options.log?.push({
            at: new Date().toISOString(),
            model: shadow.meta.model,
            version: shadow.meta.version,
            requestId,
            role: 'shadow',
            features: parsed.records,
            predictions: p,
            latencyMs: performance.now() - t0,
          }),
        )
        .catch((err: unknown) => {
          metrics.error(name, String(shadow.meta.version), 'shadow');
          console.error(
            `[PredictServer] shadow ${shadow.meta.model}@${shadow.meta.version} failed: ${(err as Error).message}`,
          );
        })
        .finally(() => {
          releaseShadow();
          pending.delete(job);
        });
      pending.add(job);
    }
    return {
      version,
      body: {
        model: name,
        version,
        request_id: requestId,
        ...(parsed.single ? { prediction: predictions[0]!.prediction } : {}),
        predictions,
      },
      // Logged once the answer is on its way.
      logRow: {
        at: new Date().toISOString(),
        model: predictor.meta.model,
        version,
        requestId,
        role: useCanary ? ('canary' as const) : ('champion' as const),
        features: parsed.records,
        // The log and capture keep predictions, not explanations.
        predictions: parsed.explain
          ? predictions.map(({ prediction, probabilities }) =>
              probabilities ? { prediction, probabilities } : { prediction },
            )
          : predictions,
        latencyMs,
      },
    };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, requestId: string) => {
    const path = pathOf(req.url ?? '/');
    if (path === null)
      return send(
        res,
        requestId,
        400,
        errorBody(requestId, new HttpError(400, `the request target is not a URL path`)),
      );
    const started = performance.now();
    const m = PREDICT.exec(path);
    if (m) {
      let name = m[1]!;
      try {
        name = decodeURIComponent(name);
      } catch {
        /* keep the raw segment: it will not match a model */
      }
      const known = routes.has(name);
      try {
        const out = await predict(req, name, requestId);
        send(res, requestId, 200, out.body);
        const seconds = (performance.now() - started) / 1000;
        metrics.request(name, String(out.version), 200, seconds);
        options.onPredict?.(200, seconds);
        options.health?.record(
          out.logRow.model,
          out.version,
          200,
          out.logRow.features.length,
          seconds * 1000,
        );
        options.log?.push(out.logRow);
        return;
      } catch (err) {
        const version = known ? String(routes.get(name)!.champion.meta.version) : '';
        const e = httpErrorOf(err);
        if (e.status >= 500)
          console.error(
            `[PredictServer] ${name} request ${requestId} failed: ${err instanceof Error ? err.message : String(err)}`,
          );
        metrics.request(known ? name : '', version, e.status, null);
        options.onPredict?.(e.status, null);
        if (known) {
          const { meta } = routes.get(name)!.champion;
          options.health?.record(
            meta.model,
            (err as { failedVersion?: number }).failedVersion ?? meta.version,
            e.status,
            0,
            performance.now() - started,
          );
        }
        if (known) metrics.error(name, version, e.status >= 500 ? 'server' : 'client');
        // The rest of a refused or timed-out body is not read: the connection cannot carry another request.
        return send(
          res,
          requestId,
          e.status,
          errorBody(requestId, e),
          e.status === 413 || e.status === 408 ? [...e.headers, 'Connection', 'close'] : e.headers,
        );
      }
    }
    const get = (body: () => void) => {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return send(res, requestId, 405, errorBody(requestId, new HttpError(405, 'use GET')), [
          'Allow',
          'GET, HEAD',
        ]);
      body();
    };
    switch (path) {
      case '/health':
        return get(() => send(res, requestId, 200, { status: 'ok' }));
      case '/ready':
        return get(() =>
          closing
            ? send(res, requestId, 503, { status: 'shutting down', code: 'SHUTTING_DOWN' })
            : send(res, requestId, 200, {
                status: 'ready',
                models: [...routes.values()].map((r) => ({
                  name: r.name,
                  version: r.champion.meta.version,
                })),
              }),
        );
      case '/metrics':
        return get(() => {
          const text = metrics.render();
          res.writeHead(200, [
            'X-Request-Id',
            requestId,
            ...SECURITY_HEADERS,
            'Content-Type',
            'text/plain; version=0.0.4; charset=utf-8',
          ]);
          res.end(text);
          guardWrite(res);
        });
      case '/openapi.json':
        return get(() => send(res, requestId, 200, openapi()));
      default:
        return send(
          res,
          requestId,
          404,
          errorBody(requestId, new HttpError(404, `no route ${path}`)),
        );
    }
  };

  // Responses not yet finished on each connection (pipelined requests whose answers wait for the client).
  const unfinished = new WeakMap<Socket, number>();
  const server = createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      keepAliveTimeout: timeouts.keepAliveMs,
      // How often node checks the two timeouts above (its default, 30 s, would let a 10 s timeout run 40 s).
      connectionsCheckingInterval: Math.max(
        10,
        Math.min(1000, Math.floor(Math.min(timeouts.headersMs, timeouts.requestMs) / 4)),
      ),
    },
    (req, res) => {
      const socket = req.socket;
      const open = (unfinished.get(socket) ?? 0) + 1;
      if (open > MAX_UNFINISHED_PER_CONNECTION) {
        metrics.timeout('pipeline');
        socket.destroy();
        return;
      }
      unfinished.set(socket, open);
      res.once('close', () => unfinished.set(socket, (unfinished.get(socket) ?? 1) - 1));
      inFlight++;
      const incoming = req.headers['x-request-id'];
      const requestId =
        typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
      handle(req, res, requestId)
        .catch((err: unknown) => {
          console.error(
            '[PredictServer] request failed:',
            err instanceof Error ? err.message : err,
          );
          if (!res.headersSent)
            send(res, requestId, 500, errorBody(requestId, new HttpError(500, 'internal error')));
          else res.end();
        })
        .finally(() => {
          inFlight--;
          if (inFlight === 0 && idle) idle();
        });
    },
  );
  // A request node could not parse or that timed out before reaching the handler: answered in JSON with a
  // code (node's default answers plain text), then the connection is closed.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const timedOut = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    // node's current response on the connection: set once a request reached the handler.
    const current = (socket as { _httpMessage?: ServerResponse | null })._httpMessage;
    if (timedOut) metrics.timeout(current ? 'request' : 'headers');
    if (socket.writable && !current?.headersSent) {
      const [status, reason, message] = timedOut
        ? [408, 'Request Timeout', `the request did not arrive in time`]
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'Request Header Fields Too Large', 'the request headers are too large']
          : [400, 'Bad Request', 'the request is not valid HTTP/1.1'];
      const text = JSON.stringify({ error: message, code: CODE_BY_STATUS[status] });
      socket.write(
        `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nX-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${text}`,
      );
    }
    socket.destroy();
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolveListen());
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? '127.0.0.1';
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;

  return {
    url: `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`,
    port,
    async swap(name, predictor) {
      const route = routes.get(name);
      if (!route) throw new Error(`no model named ${name}`);
      const old = route.champion;
      routes.set(name, {
        ...route,
        champion: predictor,
        schema: recordSchema(predictor.meta.signature),
        parse: { explainIsInput: explainIsInput(predictor) },
      });
      if (old !== predictor) await lease.retire(old);
    },
    async close() {
      if (closing) return;
      closing = true;
      const stopped = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      if (inFlight > 0) await new Promise<void>((r) => (idle = r));
      // Nothing is in flight: what is left is idle or still sending its headers (a slow client) — not
      // worth keeping the server up for until its headers timeout.
      server.closeAllConnections();
      await Promise.allSettled([...pending]);
      await stopped;
      await options.log?.close();
      await options.health?.close();
      const all = new Set<Predictor>();
      for (const r of routes.values()) {
        all.add(r.champion);
        if (r.canary) all.add(r.canary.predictor);
        if (r.shadow) all.add(r.shadow);
      }
      await Promise.allSettled([...all].map((p) => p.close()));
    },
  };
}
