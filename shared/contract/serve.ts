// Serving channels: batch prediction with a registered model version.
import { z } from 'zod';
import { ModelRef } from './registry';

/**
 * The classes as the target held them: training stores each class as text (target.json), so a 0/1 or
 * other integer target comes back as numbers when every class is an integer written plainly ("1", "-2";
 * not "01" or "1.0"), and text classes stay text. The server, the OpenAPI schema and batch output answer
 * with these values.
 */
export function classValues(classes: readonly string[]): (string | number)[] {
  const integers = classes.every(
    (c) => /^-?(0|[1-9]\d*)$/.test(c) && Number.isSafeInteger(Number(c)),
  );
  return integers ? classes.map(Number) : [...classes];
}

/**
 * Contributions of one prediction when a request asks `"explain": true` (TreeSHAP, tree models only):
 * each model feature's share of the score, in the units of the score — log-odds of the second class for a
 * binary model, each class's logit for a multiclass one (one record per class), the target's own units for
 * regression — so `base` plus the contributions gives the score (for regression: the prediction).
 */
export const FeatureContributions = z.record(z.string(), z.number());
export type FeatureContributions = z.infer<typeof FeatureContributions>;

/** What `explain` adds to each prediction: per feature (per class for multiclass) and the base value. */
export const PredictionExplanation = z.union([
  z.object({ contributions: FeatureContributions, base: z.number() }),
  z.object({
    contributions: z.record(z.string(), FeatureContributions),
    base: z.record(z.string(), z.number()),
  }),
]);
export type PredictionExplanation = z.infer<typeof PredictionExplanation>;

/** The request field that asks for explanations (beside `records`, or in a single record). */
export const EXPLAIN_FIELD = 'explain';

export const PredictBatchIn = z.object({
  /** The model version: `NAME@VERSION`, `NAME@alias` or `NAME` (latest). */
  model: ModelRef,
  /** An input file (.csv, .tsv, .parquet, .json, .jsonl, .ndjson) or a glob of them. */
  input: z.string().min(1, 'an input file is required'),
  /** The output file: .csv or .parquet. Written whole or not at all. */
  output: z.string().min(1, 'an output file is required'),
  /** Input column copied to the output as each row's id; default: the row number (from 0) as `row`. */
  idColumn: z.string().min(1).optional(),
  /**
   * Input columns copied to the output as they are (after the id, before the prediction), e.g. a customer
   * name to read beside each score.
   */
  passthrough: z.array(z.string().min(1, 'a column name is required')).optional(),
  /** Replace an existing output file; without it an existing output is refused. */
  overwrite: z.boolean().optional(),
  /** Rows scored per step (memory is bounded by it); default 100,000. */
  chunkRows: z.number().int().positive().max(10_000_000).optional(),
  /**
   * Which rows are captured for monitoring (inputs, prediction, probabilities in the version's capture
   * table): 'all' (the default), 'none', or a share in (0, 1], sampled by a hash of each row's id, so the
   * same rows are picked every time.
   */
  capture: z
    .union([z.enum(['all', 'none']), z.number().gt(0, 'a capture rate is above 0').max(1)])
    .optional(),
});
export type PredictBatchIn = z.input<typeof PredictBatchIn>;

/** Names the batch prediction to stop by its output file (as `predict:batch` was given it). */
export const PredictCancelIn = z.object({
  output: z.string().min(1, 'name the output file of the batch prediction to stop'),
});
/** The output file (absolute), and whether a batch prediction into it was running. */
export const PredictCancelOut = z.object({ output: z.string(), cancelled: z.boolean() });

/** A finished batch prediction, as recorded in the workspace (prediction_batches). */
export const PredictBatchOut = z.object({
  id: z.string(),
  model: z.string(),
  version: z.number().int().positive(),
  input: z.string(),
  /** The files the input named, in the order they were read. */
  files: z.array(z.string()),
  /** sha256 of the input files' bytes, concatenated in order. */
  inputSha256: z.string(),
  output: z.string(),
  /**
   * The output's columns: the id, the passthrough columns, `prediction`, then `probability_<class>` per
   * class.
   */
  columns: z.array(z.string()),
  rows: z.number().int().nonnegative(),
  durationMs: z.number().nonnegative(),
  /**
   * What was captured: the rate, rows captured and their capture_sources id — the batch's own id, so its
   * rows are those with `_source` = id (null when nothing was captured).
   */
  capture: z
    .object({
      rate: z.number().min(0).max(1),
      rows: z.number().int().nonnegative(),
      source: z.string().nullable(),
    })
    .optional(),
  /**
   * Numeric inputs that arrived as text holding values that are no finite number ('ten', 'n/a'): each such
   * value was scored as missing (imputed, as in training). `example` is the smallest of them. Empty when
   * every value read as a number.
   */
  unreadable: z
    .array(
      z.object({
        column: z.string(),
        values: z.number().int().positive(),
        example: z.string(),
      }),
    )
    .optional(),
});
export type PredictBatchOut = z.infer<typeof PredictBatchOut>;

/** The batch predictions of a model (`NAME`) or of one version (`NAME@3`, `NAME@alias`). */
export const PredictBatchesIn = z.object({ ref: ModelRef });
export type PredictBatchesIn = z.input<typeof PredictBatchesIn>;

/** A batch prediction recorded in prediction_batches. */
export const PredictBatchRecord = z.object({
  id: z.string(),
  /** When it started (ISO). */
  at: z.string(),
  model: z.string(),
  version: z.number().int().positive(),
  /** The input file or glob as given. */
  input: z.string(),
  inputSha256: z.string(),
  output: z.string(),
  rows: z.number().int().nonnegative(),
  durationMs: z.number().nonnegative(),
  /** Share of rows captured for monitoring (0: none); null for batches recorded before capture existed. */
  captureRate: z.number().min(0).max(1).nullable(),
});
export type PredictBatchRecord = z.infer<typeof PredictBatchRecord>;

/** Starts an in-process prediction server, as `lathe serve` does. */
export const ServeStartIn = z.object({
  /** The model version: `NAME@VERSION`, `NAME@alias` or `NAME` (latest). */
  ref: ModelRef,
  /** Port to bind; 0 (the default) picks a free one. */
  port: z.number().int().min(0).max(65535).optional(),
  /** Address to bind (default 127.0.0.1): an IP address or a host name. */
  host: z
    .union([z.ipv4(), z.ipv6(), z.hostname()], {
      error: 'an IP address or a host name is required',
    })
    .optional(),
  /**
   * Bind an address other than loopback: only `lathe serve --host` sets it. Without it a host other
   * than 127.0.0.1, ::1 or localhost is refused, so no face (the browser UI's host, IPC) can open a
   * server to the network, with or without API keys.
   */
  network: z.boolean().optional(),
  /** A challenger answering `percent` of requests, picked by request id. */
  canary: z.object({ ref: ModelRef, percent: z.number().gt(0).lt(100) }).optional(),
  /** A challenger scored and logged on every request; the champion answers. */
  shadow: ModelRef.optional(),
  /** Refuse requests without an API key even when the workspace has none. */
  requireKey: z.boolean().optional(),
  /** Records per prediction request (default 1000). */
  maxBatch: z.number().int().positive().optional(),
});
export type ServeStartIn = z.input<typeof ServeStartIn>;

/** A model version a server answers with, or scores beside the champion. */
const ServedVersion = z.object({ model: z.string(), version: z.number().int().positive() });

export const ServeStartOut = z.object({
  id: z.string(),
  /**
   * The reference the server was started with, as given (`NAME@champion`, `NAME@3`, `NAME`). A server keeps
   * the version it loaded; `serve:restart` resolves the reference again.
   */
  ref: z.string().optional(),
  /** Base URL; predictions go to `${url}/v1/models/${model}/predict`. */
  url: z.string(),
  model: z.string(),
  version: z.number().int().positive(),
  canary: ServedVersion.extend({ percent: z.number() }).optional(),
  shadow: ServedVersion.optional(),
  /** Whether requests need an API key, and how many keys were active when the server started. */
  auth: z.object({ required: z.boolean(), activeKeys: z.number().int().nonnegative() }),
});
export type ServeStartOut = z.infer<typeof ServeStartOut>;

/** A running prediction server and its live counters. */
export const ServerStatus = ServeStartOut.extend({
  startedAt: z.string(),
  /** Prediction requests answered (any status). */
  requests: z.number().int().nonnegative(),
  /** Prediction requests that failed (4xx/5xx). */
  errors: z.number().int().nonnegative(),
  /** Requests per second over the last 10 s (or since start, when shorter). */
  requestRate: z.number().nonnegative(),
  /** Latency of successful predictions in ms, over the last 1000; absent before the first. */
  p50Ms: z.number().nonnegative().optional(),
  p99Ms: z.number().nonnegative().optional(),
  /**
   * Where `ref` points now when it names an alias or the latest version and that is no longer the version
   * served (the alias moved since the server started): restart the server to follow it. Null when the
   * alias was removed.
   */
  refNow: z.number().int().positive().nullable().optional(),
});
export type ServerStatus = z.infer<typeof ServerStatus>;

export const ServeStopIn = z.object({ id: z.string().min(1) });
export type ServeStopIn = z.input<typeof ServeStopIn>;

/** One request sent to a running server from the Deploy view's request panel. */
export const ServeTryIn = z.object({
  /** The server (serve:list). */
  id: z.string().min(1),
  /** The JSON body: one record (input name → value) or `{ records: [...] }`. */
  body: z.record(z.string(), z.unknown()),
  /** Sent as `Authorization: Bearer KEY` when given (servers need one when the workspace has keys). */
  apiKey: z.string().min(1).optional(),
});
export type ServeTryIn = z.input<typeof ServeTryIn>;

/** The server's answer, as a client would get it. */
export const ServeTryOut = z.object({
  /** The URL posted to. */
  url: z.string(),
  status: z.number().int(),
  /** The JSON answer (a prediction, or `{ error, fields? }`). */
  body: z.unknown(),
  durationMs: z.number().nonnegative(),
});
export type ServeTryOut = z.infer<typeof ServeTryOut>;

export const ExportDockerIn = z.object({
  ref: ModelRef,
  /** A new (or empty) folder, absolute or relative to the owner's working folder. */
  out: z.string().min(1, 'an output folder is required'),
});
export type ExportDockerIn = z.input<typeof ExportDockerIn>;

export const ExportDockerOut = z.object({
  dir: z.string(),
  image: z.string(),
  bytes: z.number().int().nonnegative(),
  /** Files in the context, relative, sorted. */
  files: z.array(z.string()),
  model: z.string(),
  version: z.number().int().positive(),
});
export type ExportDockerOut = z.infer<typeof ExportDockerOut>;

/** An API key of the prediction servers; never its secret or hash. */
/**
 * What a key may do. `predict`: call `lathe serve` servers; `mlflow:read` / `mlflow:write`: the MLflow
 * API of the Lathe host (write includes read); `workspace`: everything the browser UI does on a host
 * started with an auth mode (includes the MLflow scopes).
 */
export const ApiKeyScope = z.enum(['predict', 'mlflow:read', 'mlflow:write', 'workspace']);
export type ApiKeyScope = z.infer<typeof ApiKeyScope>;

export const ApiKeyInfo = z.object({
  id: z.string(),
  name: z.string(),
  /** Models the key may call; null: all. */
  models: z.array(z.string()).nullable(),
  /** Requests per minute; null: unlimited. */
  rateLimit: z.number().nullable(),
  /** What the key may do; null (keys made before scopes existed): predictions only. */
  scopes: z.array(ApiKeyScope).nullable().default(null),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});
export type ApiKeyInfo = z.infer<typeof ApiKeyInfo>;

// Name and rate limit are checked by the key store, whose messages name the CLI flag.
export const KeysCreateIn = z.object({
  name: z.string(),
  /** Models the key may call (default: all). */
  models: z.array(z.string()).optional(),
  /** Requests per minute (default: unlimited). */
  rateLimit: z.number().optional(),
  /** What the key may do (default: predict only). */
  scopes: z.array(ApiKeyScope).min(1, 'scopes: name at least one scope').optional(),
});
export type KeysCreateIn = z.input<typeof KeysCreateIn>;

/** A new key: `key` is the secret, shown this once (the workspace keeps its sha256 only). */
export const KeysCreateOut = z.object({ key: z.string() }).extend(ApiKeyInfo.shape);
export type KeysCreateOut = z.infer<typeof KeysCreateOut>;

export const KeysRevokeIn = z.object({
  /** The key's name or id. */
  name: z.string().min(1),
});
export type KeysRevokeIn = z.input<typeof KeysRevokeIn>;
