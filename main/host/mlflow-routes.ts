// The HTTP face of MLflow's REST API on the Lathe host: /api/2.0/mlflow/<path> (and the UI's
// /ajax-api/2.0/mlflow/<path>) routed by the contract's endpoint tables to `services.dispatch`, and the
// artifacts proxy /api/2.0/mlflow-artifacts/artifacts[/<path>] as `mlflow server --serve-artifacts` answers
// it. Errors are MLflow's `{ error_code, message }`; bad input is never a 5xx (the Python client retries
// those seven times).
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { MlflowArtifactGetOut, channels, isChannel, type ErrorCode } from '../../shared/contract';
import type { Dispatch } from '../api/dispatch';

/** One row of an endpoint table (MLFLOW_TRACKING_ENDPOINTS, MLFLOW_REGISTRY_ENDPOINTS). */
export interface MlflowRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** After `/api/2.0/mlflow/`, e.g. `runs/log-batch`. */
  path: string;
  channel: string;
}

/** What a request may do, by what it reads or writes; the host's auth maps key scopes onto it. */
export type MlflowAccess = 'read' | 'write';

export const MLFLOW_API_PREFIXES = ['/api/2.0/mlflow/', '/ajax-api/2.0/mlflow/'] as const;
export const MLFLOW_ARTIFACTS_PREFIX = '/api/2.0/mlflow-artifacts/artifacts';

/** Whether a request path is the artifact proxy's (its listing or a file under it). */
const isArtifactsPath = (pathname: string) =>
  pathname === MLFLOW_ARTIFACTS_PREFIX || pathname.startsWith(`${MLFLOW_ARTIFACTS_PREFIX}/`);

/** Whether a request path is one of MLflow's (its REST API or the artifact proxy): answered as MLflow. */
export const isMlflowPath = (pathname: string): boolean =>
  MLFLOW_API_PREFIXES.some((p) => pathname.startsWith(p)) || isArtifactsPath(pathname);

/** A JSON body over this many bytes is refused (log-batch's own limit is 1 MB). */
export const MLFLOW_MAX_JSON_BYTES = 16 * 1024 * 1024;
/** An artifact upload over this many bytes is refused (a sane cap, not MLflow's: it has none). */
export const MLFLOW_MAX_ARTIFACT_BYTES = 20 * 1024 ** 3;

/**
 * The MLflow error code and HTTP status of each Lathe error code; typed over every code, so a new one
 * cannot fall through unseen. Input problems are 400; only Lathe's own faults (INTERNAL) and a workspace
 * that is busy or an upstream that failed (worth the client's retry) are 5xx.
 */
export const MLFLOW_ERROR_BY_CODE: Record<ErrorCode, [string, number]> = {
  INVALID_INPUT: ['INVALID_PARAMETER_VALUE', 400],
  INVALID_CONFIG: ['INVALID_PARAMETER_VALUE', 400],
  FILE_NOT_FOUND: ['INVALID_PARAMETER_VALUE', 400],
  UNSUPPORTED_FILE: ['INVALID_PARAMETER_VALUE', 400],
  CORRUPT_FILE: ['INVALID_PARAMETER_VALUE', 400],
  EMPTY_FILE: ['INVALID_PARAMETER_VALUE', 400],
  RAGGED_ROWS: ['INVALID_PARAMETER_VALUE', 400],
  DUPLICATE_COLUMN: ['INVALID_PARAMETER_VALUE', 400],
  COLUMN_NOT_FOUND: ['INVALID_PARAMETER_VALUE', 400],
  NOT_FOUND: ['RESOURCE_DOES_NOT_EXIST', 404],
  ALREADY_EXISTS: ['RESOURCE_ALREADY_EXISTS', 400],
  UNKNOWN_CHANNEL: ['ENDPOINT_NOT_FOUND', 404],
  TRAINING_FAILED: ['INVALID_STATE', 400],
  GATE_FAILED: ['INVALID_STATE', 400],
  CANCELLED: ['INVALID_STATE', 400],
  WORKSPACE_READ_ONLY: ['INVALID_STATE', 400],
  // Another process holds the workspace for a moment: a retry is what the client should do.
  WORKSPACE_LOCKED: ['TEMPORARILY_UNAVAILABLE', 503],
  NETWORK: ['TEMPORARILY_UNAVAILABLE', 503],
  INTERNAL: ['INTERNAL_ERROR', 500],
};

/**
 * Statuses of MLflow's codes a service may force with `details.mlflowCode` (mlflow/exceptions.py's
 * table), except INVALID_STATE: MLflow answers it 500, which the client retries, so Lathe answers 400.
 */
const STATUS_BY_MLFLOW_CODE: Record<string, number> = {
  INTERNAL_ERROR: 500,
  TEMPORARILY_UNAVAILABLE: 503,
  REQUEST_LIMIT_EXCEEDED: 429,
  RESOURCE_EXHAUSTED: 429,
  ENDPOINT_NOT_FOUND: 404,
  NOT_FOUND: 404,
  RESOURCE_DOES_NOT_EXIST: 404,
  PERMISSION_DENIED: 403,
  UNAUTHENTICATED: 401,
  CUSTOMER_UNAUTHORIZED: 401,
  BAD_REQUEST: 400,
  MALFORMED_REQUEST: 400,
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  INVALID_STATE: 400,
  ALREADY_EXISTS: 409,
  RESOURCE_CONFLICT: 409,
  ABORTED: 409,
  FEATURE_DISABLED: 501,
  NOT_IMPLEMENTED: 501,
};

/** The MLflow error code and status of a failed dispatch. */
export function mlflowErrorOf(error: { code: string; details?: Record<string, unknown> }): {
  errorCode: string;
  status: number;
} {
  const forced = error.details?.mlflowCode;
  if (typeof forced === 'string' && STATUS_BY_MLFLOW_CODE[forced] !== undefined)
    return { errorCode: forced, status: STATUS_BY_MLFLOW_CODE[forced] };
  const [errorCode, status] = MLFLOW_ERROR_BY_CODE[error.code as ErrorCode] ?? [
    'INTERNAL_ERROR',
    500,
  ];
  return { errorCode, status };
}

/**
 * JSON text as proto JSON writes it: NaN and ±Infinity (which JSON.stringify would turn into null) become
 * the strings "NaN", "Infinity", "-Infinity".
 */
export function protoJsonText(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'number' && !Number.isFinite(v)
      ? Number.isNaN(v)
        ? 'NaN'
        : v > 0
          ? 'Infinity'
          : '-Infinity'
      : v,
  );
}

/**
 * Parses a request body. Besides strict JSON it takes the bare NaN, Infinity and -Infinity tokens that
 * Python's json.dumps writes for float('nan') / float('inf') (a client serializing a dict rather than a
 * proto message sends them), as the proto JSON strings "NaN", "Infinity", "-Infinity". Throws SyntaxError.
 */
export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    if (!/NaN|Infinity/.test(text)) throw err;
  }
  // Outside strings, a bare NaN / Infinity / -Infinity token becomes its quoted form.
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const token = /^(-?Infinity|NaN)(?![A-Za-z0-9_])/.exec(text.slice(i, i + 10));
    if (token && !/[A-Za-z0-9_.]/.test(text[i - 1] ?? ' ')) {
      out += `"${token[1]}"`;
      i += token[1]!.length;
      continue;
    }
    out += c;
    i++;
  }
  return JSON.parse(out) as unknown;
}

/** A query string as an object: a repeated key becomes an array; values stay strings. */
export function queryObject(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const all = params.getAll(key);
    out[key] = all.length > 1 ? all : all[0]!;
  }
  return out;
}

/** The top-level field names a channel's input schema takes, or null when it has no object shape. */
export function inputFields(channel: string): Set<string> | null {
  if (!isChannel(channel)) return null;
  let schema: unknown = channels[channel].input;
  // Through wrappers (pipes, defaults, optionals) to the object underneath, a few levels at most.
  for (let depth = 0; depth < 6 && schema; depth++) {
    const shape = (schema as { shape?: Record<string, unknown> }).shape;
    if (shape && typeof shape === 'object') return new Set(Object.keys(shape));
    const def = (schema as { def?: Record<string, unknown> }).def;
    schema = def?.out ?? def?.innerType ?? def?.in ?? def?.schema;
  }
  return null;
}

/** Drops the fields the channel does not take, as MLflow parses with ignore_unknown_fields. */
export function stripUnknown(channel: string, input: Record<string, unknown>) {
  const fields = inputFields(channel);
  if (!fields) return input;
  return Object.fromEntries(Object.entries(input).filter(([k]) => fields.has(k)));
}

/** Channels that only read: the verb is get, search or list (e.g. `mlflow:runs:search`). */
export const accessOfChannel = (channel: string): MlflowAccess =>
  /:(get|search|list)[^:]*$/.test(channel) ? 'read' : 'write';

/** The read or write an artifacts-proxy request needs. */
export const accessOfArtifactsMethod = (method: string): MlflowAccess =>
  method === 'GET' || method === 'HEAD' ? 'read' : 'write';

export function sendMlflow(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(protoJsonText(body));
}

export function sendMlflowError(
  res: ServerResponse,
  status: number,
  errorCode: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendMlflow(res, status, { error_code: errorCode, message }, headers);
}

/** A body over the limit: refused with 413 before the rest is read. */
class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit)
    throw new BodyTooLarge(`request body of ${declared} bytes is over the ${limit}-byte limit`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge(`request body is over the ${limit}-byte limit`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The request's input object: the query for GET, the JSON body (and the query under it) otherwise. */
async function inputOf(req: IncomingMessage, url: URL): Promise<Record<string, unknown>> {
  const query = queryObject(url.searchParams);
  if (req.method === 'GET' || req.method === 'HEAD') return query;
  const text = await readBody(req, MLFLOW_MAX_JSON_BYTES);
  if (!text.trim()) return query;
  let body = parseJsonBody(text);
  // Older clients post their JSON double-encoded as a string (handlers.py decodes it a second time).
  if (typeof body === 'string') body = parseJsonBody(body);
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new SyntaxError('the body is not a JSON object');
  return { ...query, ...(body as Record<string, unknown>) };
}

export interface MlflowRouterOptions {
  dispatch: Dispatch;
  /** The endpoint tables, concatenated. */
  endpoints: readonly MlflowRoute[];
  /** Where artifact uploads are streamed before `mlflow:artifacts:put` takes them. */
  uploadsDir: string;
  /**
   * Called before a request runs with the access it needs: who the caller is (`user` undefined without an
   * auth mode), or null when it answered the request itself (401 / 403).
   */
  authorize(
    req: IncomingMessage,
    res: ServerResponse,
    access: MlflowAccess,
  ): Promise<{ user: string | undefined } | null>;
  /** Runs a request's dispatches on behalf of its caller (Services.asUser); default: as is. */
  asUser?: <T>(user: string | undefined, fn: () => T) => T;
}

export interface MlflowRouter {
  /** Answers the request when its path is an MLflow route; false when it is not one. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
}

export function createMlflowRouter(options: MlflowRouterOptions): MlflowRouter {
  const { dispatch } = options;
  const asUser = options.asUser ?? (<T>(_user: string | undefined, fn: () => T): T => fn());
  const byPath = new Map<string, MlflowRoute[]>();
  for (const e of options.endpoints) {
    const list = byPath.get(e.path) ?? [];
    list.push(e);
    byPath.set(e.path, list);
  }

  const answer = async (
    res: ServerResponse,
    channel: string,
    input: unknown,
    ok: (result: unknown) => void = (result) => sendMlflow(res, 200, result),
  ) => {
    const response = await dispatch(channel, input);
    if (response.ok) return ok(response.result);
    const { errorCode, status } = mlflowErrorOf(response.error);
    sendMlflowError(res, status, errorCode, response.error.message);
  };

  const api = async (req: IncomingMessage, res: ServerResponse, url: URL, rest: string) => {
    const path = rest.replace(/\/+$/, '');
    const routes = byPath.get(path);
    if (!routes)
      return sendMlflowError(
        res,
        404,
        'ENDPOINT_NOT_FOUND',
        `no MLflow endpoint ${url.pathname} on this Lathe host`,
      );
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    const route = routes.find((r) => r.method === method);
    if (!route) {
      const allowed = routes.map((r) => r.method).join(', ');
      return sendMlflowError(
        res,
        405,
        'BAD_REQUEST',
        `method ${req.method} is not allowed for ${url.pathname} (use ${allowed})`,
        { Allow: allowed },
      );
    }
    const caller = await options.authorize(req, res, accessOfChannel(route.channel));
    if (!caller) return;
    let input: Record<string, unknown>;
    try {
      input = await inputOf(req, url);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        res.setHeader('Connection', 'close');
        return sendMlflowError(res, 413, 'INVALID_PARAMETER_VALUE', err.message);
      }
      return sendMlflowError(
        res,
        400,
        'INVALID_PARAMETER_VALUE',
        `malformed JSON body: ${(err as Error).message}`,
      );
    }
    await asUser(caller.user, () => answer(res, route.channel, stripUnknown(route.channel, input)));
  };

  const artifacts = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    // The parsed URL has its dot segments ('..', '%2E%2E') resolved already, which could land a path
    // elsewhere in the run's artifacts: refuse them from the raw request target, as MLflow's
    // validate_path_is_safe does.
    const target = (req.url ?? '').split('?')[0]!;
    // A backslash is a separator too: the URL parser reads it as '/'.
    if (target.split(/\/|\\|%5c/i).some((segment) => /^(\.|%2e){1,2}$/i.test(segment)))
      return sendMlflowError(res, 400, 'INVALID_PARAMETER_VALUE', `Invalid path: ${target}`);
    const rest = url.pathname.slice(MLFLOW_ARTIFACTS_PREFIX.length);
    let path: string;
    try {
      path = decodeURIComponent(rest.replace(/^\//, ''));
    } catch {
      return sendMlflowError(res, 400, 'INVALID_PARAMETER_VALUE', `malformed path: ${rest}`);
    }
    const method = req.method ?? 'GET';
    if (!['GET', 'HEAD', 'PUT', 'POST', 'DELETE'].includes(method))
      return sendMlflowError(res, 405, 'BAD_REQUEST', `method ${method} is not allowed`, {
        Allow: 'GET, PUT, DELETE',
      });
    if (!(await options.authorize(req, res, accessOfArtifactsMethod(method)))) return;

    // GET /mlflow-artifacts/artifacts?path=...: the listing (ListArtifacts).
    if (rest === '' || rest === '/') {
      if (method !== 'GET' && method !== 'HEAD')
        return sendMlflowError(res, 405, 'BAD_REQUEST', 'the listing takes GET', {
          Allow: 'GET',
        });
      const listPath = url.searchParams.get('path');
      return answer(res, 'mlflow:artifacts:list', listPath ? { path: listPath } : {});
    }
    if (method === 'DELETE') return answer(res, 'mlflow:artifacts:delete', { path });
    if (method === 'GET' || method === 'HEAD')
      return answer(res, 'mlflow:artifacts:get', { path }, (result) => {
        const artifact = MlflowArtifactGetOut.parse(result);
        const name = basename(artifact.path).replace(/[^A-Za-z0-9_.-]/g, '_') || 'artifact';
        res.writeHead(200, {
          'Content-Type': 'application/octet-stream',
          'Content-Length': String(artifact.sizeBytes),
          'Content-Disposition': `attachment; filename=${name}`,
          'X-Content-Type-Options': 'nosniff',
          'Cache-Control': 'no-store',
        });
        if (method === 'HEAD') res.end();
        else pipeline(createReadStream(artifact.file), res).catch(() => res.destroy());
      });
    // PUT (and the older clients' POST): stream to the uploads folder, then hand the file over.
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MLFLOW_MAX_ARTIFACT_BYTES) {
      res.setHeader('Connection', 'close');
      return sendMlflowError(
        res,
        413,
        'INVALID_PARAMETER_VALUE',
        `artifact of ${declared} bytes is over the ${MLFLOW_MAX_ARTIFACT_BYTES}-byte limit`,
      );
    }
    const name = basename(path).replace(/[^A-Za-z0-9_.-]/g, '_') || 'artifact';
    const temp = join(options.uploadsDir, `mlflow-${randomBytes(8).toString('hex')}-${name}`);
    let size = 0;
    try {
      await pipeline(
        req,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            size += chunk.length;
            if (size > MLFLOW_MAX_ARTIFACT_BYTES) throw new BodyTooLarge('artifact too large');
            yield chunk;
          }
        },
        createWriteStream(temp),
      );
    } catch (err) {
      rmSync(temp, { force: true });
      if (err instanceof BodyTooLarge) {
        res.setHeader('Connection', 'close');
        return sendMlflowError(
          res,
          413,
          'INVALID_PARAMETER_VALUE',
          `artifact is over the ${MLFLOW_MAX_ARTIFACT_BYTES}-byte limit`,
        );
      }
      return sendMlflowError(
        res,
        400,
        'INVALID_PARAMETER_VALUE',
        `upload failed: ${(err as Error).message}`,
      );
    }
    // The service moves the file into the store (or removes it when it refuses the path).
    const response = await dispatch('mlflow:artifacts:put', { path, file: temp });
    rmSync(temp, { force: true });
    if (response.ok) return sendMlflow(res, 200, {});
    const { errorCode, status } = mlflowErrorOf(response.error);
    sendMlflowError(res, status, errorCode, response.error.message);
  };

  return {
    async handle(req, res, url) {
      const prefix = MLFLOW_API_PREFIXES.find((p) => url.pathname.startsWith(p));
      if (prefix) {
        let rest: string;
        try {
          rest = decodeURIComponent(url.pathname.slice(prefix.length));
        } catch {
          sendMlflowError(res, 400, 'INVALID_PARAMETER_VALUE', `malformed path: ${url.pathname}`);
          return true;
        }
        await api(req, res, url, rest);
        return true;
      }
      if (isArtifactsPath(url.pathname)) {
        await artifacts(req, res, url);
        return true;
      }
      return false;
    },
  };
}
