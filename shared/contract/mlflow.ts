import { z } from 'zod';

// MLflow's tracking REST API as Lathe answers it (issue 15). The messages follow mlflow/protos/service.proto;
// field names are the protos' JSON names (snake_case). The same schemas parse requests (server side) and
// responses (main/mlflow/client.ts), so each one accepts what proto JSON allows on the wire and yields the
// canonical wire form again (parsing twice changes nothing).

/** One MLflow REST endpoint: `path` follows `/api/2.0/mlflow/`; `channel` is the contract channel behind it. */
export interface MlflowEndpoint {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  channel: string;
}

/** MLflow's error codes (databricks.proto ErrorCode) that Lathe answers or a client may meet. */
export const MlflowErrorCode = z.enum([
  'INTERNAL_ERROR',
  'TEMPORARILY_UNAVAILABLE',
  'IO_ERROR',
  'BAD_REQUEST',
  'DEADLINE_EXCEEDED',
  'CANCELLED',
  'RESOURCE_EXHAUSTED',
  'ABORTED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'UNAUTHENTICATED',
  'INVALID_PARAMETER_VALUE',
  'ENDPOINT_NOT_FOUND',
  'MALFORMED_REQUEST',
  'INVALID_STATE',
  'PERMISSION_DENIED',
  'FEATURE_DISABLED',
  'CUSTOMER_UNAUTHORIZED',
  'REQUEST_LIMIT_EXCEEDED',
  'RESOURCE_CONFLICT',
  'NOT_IMPLEMENTED',
  'RESOURCE_ALREADY_EXISTS',
  'RESOURCE_DOES_NOT_EXIST',
]);
export type MlflowErrorCode = z.infer<typeof MlflowErrorCode>;

/** MLflow's error body: `{ error_code, message }`. */
export const MlflowErrorBody = z.object({ error_code: z.string(), message: z.string() });
export type MlflowErrorBody = z.infer<typeof MlflowErrorBody>;

const INTEGER_TEXT = /^[-+]?\d+$/;

/**
 * An integer field of the protos (int64, int32): proto JSON sends it as a number or a decimal string (a GET
 * query string always a string); both become a number. Lathe keeps integers in JS numbers, so a value
 * beyond ±(2^53 − 1) is refused rather than silently rounded.
 */
function protoInteger(bits: 32 | 64) {
  const [min, max] =
    bits === 32 ? [-(2 ** 31), 2 ** 31 - 1] : [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
  const range =
    bits === 32
      ? 'a 32-bit integer'
      : `a 64-bit integer within ±${Number.MAX_SAFE_INTEGER} (the largest Lathe keeps exactly)`;
  return z.union([z.number(), z.string()]).transform((value, ctx) => {
    const text = typeof value === 'string' ? value.trim() : '';
    if (typeof value === 'string' && !INTEGER_TEXT.test(text)) {
      ctx.addIssue({ code: 'custom', message: `expected an integer, got '${value}'` });
      return z.NEVER;
    }
    const n = typeof value === 'string' ? Number(text) : value;
    if (!Number.isInteger(n)) {
      ctx.addIssue({ code: 'custom', message: `expected an integer, got ${String(value)}` });
      return z.NEVER;
    }
    if (n < min || n > max || (typeof value === 'string' && !Number.isSafeInteger(n))) {
      ctx.addIssue({
        code: 'custom',
        message: `${String(value)} is out of range: must be ${range}`,
      });
      return z.NEVER;
    }
    return n;
  });
}

/** An int64 field: a number or a decimal string on the wire; a safe integer after parsing. */
export const MlflowInt64 = protoInteger(64);
/** An int32 field (max_results of runs/search and metrics/get-history). */
export const MlflowInt32 = protoInteger(32);

/** The three words proto JSON uses for the doubles JSON has no number for. */
export const NonFiniteWord = z.enum(['NaN', 'Infinity', '-Infinity']);
export type NonFiniteWord = z.infer<typeof NonFiniteWord>;

/** A double as it crosses the wire: a finite number, or 'NaN' / 'Infinity' / '-Infinity'. */
export type ProtoDoubleWire = number | NonFiniteWord;

/** A JS number in proto JSON's form: NaN and ±Infinity become their words (JSON.stringify would say null). */
export function toProtoDouble(value: number): ProtoDoubleWire {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? 'Infinity' : '-Infinity';
}

/** The JS number of a wire double ('NaN' → NaN, 'Infinity' → Infinity). */
export function fromProtoDouble(value: ProtoDoubleWire): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  return value === 'Infinity' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
}

/**
 * A double field (a metric's value). MLflow's Python client sends NaN and ±Infinity as the strings 'NaN',
 * 'Infinity', '-Infinity' (protobuf's MessageToJson), and proto JSON also allows a number as a decimal
 * string; all parse to the canonical wire form (a finite number or one of the three words), so the value
 * stays exact through JSON in both directions. `fromProtoDouble` gives the JS number.
 */
export const MlflowDouble = z
  // Not z.number(): zod refuses NaN and ±Infinity there, and they are values here.
  .custom<number | string>(
    (value) => typeof value === 'number' || typeof value === 'string',
    'expected a double (a number, or a string holding one)',
  )
  .transform((value, ctx): ProtoDoubleWire => {
    if (typeof value === 'number') return toProtoDouble(value);
    const word = NonFiniteWord.safeParse(value);
    if (word.success) return word.data;
    const text = value.trim();
    const n = text === '' ? Number.NaN : Number(text);
    if (!Number.isFinite(n)) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a double (a number, 'NaN', 'Infinity' or '-Infinity'), got '${value}'`,
      });
      return z.NEVER;
    }
    return n;
  });

/** A proto enum: its name, or its number (proto JSON accepts both; a query string carries either). */
function protoEnum<N extends string>(
  names: z.ZodEnum<{ [K in N]: K }>,
  numbers: Record<N, number>,
) {
  const byNumber = new Map<number, N>(
    (Object.entries(numbers) as [N, number][]).map(([name, n]) => [n, name]),
  );
  return z.union([z.string(), z.number()]).transform((value, ctx): N => {
    const named = names.safeParse(typeof value === 'string' ? value.trim() : value);
    if (named.success) return named.data;
    const n = typeof value === 'number' ? value : Number(value.trim());
    const found = Number.isInteger(n) ? byNumber.get(n) : undefined;
    if (found !== undefined) return found;
    ctx.addIssue({
      code: 'custom',
      message: `expected one of ${names.options.join(', ')}, got '${String(value)}'`,
    });
    return z.NEVER;
  });
}

/** ViewType: which experiments or runs a search returns (default ACTIVE_ONLY). */
export const MlflowViewTypeName = z.enum(['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL']);
export type MlflowViewType = z.infer<typeof MlflowViewTypeName>;
export const MlflowViewType = protoEnum(MlflowViewTypeName, {
  ACTIVE_ONLY: 1,
  DELETED_ONLY: 2,
  ALL: 3,
});

/** RunStatus of service.proto. */
export const MlflowRunStatusName = z.enum(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']);
export type MlflowRunStatus = z.infer<typeof MlflowRunStatusName>;
export const MlflowRunStatus = protoEnum(MlflowRunStatusName, {
  RUNNING: 1,
  SCHEDULED: 2,
  FINISHED: 3,
  FAILED: 4,
  KILLED: 5,
});

/** "active" or "deleted". */
export const MlflowLifecycleStage = z.enum(['active', 'deleted']);
export type MlflowLifecycleStage = z.infer<typeof MlflowLifecycleStage>;

/** A repeated field in a GET query string: one value arrives as a string, several as a list. */
export function repeated<T extends z.ZodType>(item: T) {
  return z.preprocess(
    (value) => (value === undefined || Array.isArray(value) ? value : [value]),
    z.array(item),
  );
}

// -- entities (service.proto) --

/** Metric: one logged value of a key at a timestamp (ms) and step. */
export const MlflowMetric = z.object({
  key: z.string(),
  value: MlflowDouble,
  /** Unix time in milliseconds. */
  timestamp: MlflowInt64,
  step: MlflowInt64.default(0),
  dataset_name: z.string().optional(),
  dataset_digest: z.string().optional(),
  model_id: z.string().optional(),
  run_id: z.string().optional(),
});
export type MlflowMetric = z.output<typeof MlflowMetric>;

/** Param: a key and a string value, logged once per run. */
export const MlflowParam = z.object({ key: z.string(), value: z.string() });
export type MlflowParam = z.output<typeof MlflowParam>;

/** RunTag: a key and a string value; a later value replaces an earlier one. */
export const MlflowRunTag = z.object({ key: z.string(), value: z.string() });
export type MlflowRunTag = z.output<typeof MlflowRunTag>;

/** ExperimentTag. */
export const MlflowExperimentTag = z.object({ key: z.string(), value: z.string() });
export type MlflowExperimentTag = z.output<typeof MlflowExperimentTag>;

/** RunInfo: a run's metadata. Times are Unix milliseconds. */
export const MlflowRunInfo = z.object({
  run_id: z.string(),
  /** Deprecated copy of run_id that MLflow still sends. */
  run_uuid: z.string().optional(),
  run_name: z.string().optional(),
  experiment_id: z.string(),
  user_id: z.string().optional(),
  status: MlflowRunStatus,
  start_time: MlflowInt64.optional(),
  end_time: MlflowInt64.optional(),
  artifact_uri: z.string().optional(),
  lifecycle_stage: MlflowLifecycleStage,
});
export type MlflowRunInfo = z.output<typeof MlflowRunInfo>;

/** RunData: the latest value of each metric, the params and the tags. Empty lists may be left out. */
export const MlflowRunData = z.object({
  metrics: z.array(MlflowMetric).default([]),
  params: z.array(MlflowParam).default([]),
  tags: z.array(MlflowRunTag).default([]),
});
export type MlflowRunData = z.output<typeof MlflowRunData>;

/** InputTag of a dataset input (e.g. mlflow.data.context = training). */
export const MlflowInputTag = z.object({ key: z.string(), value: z.string() });

/** Dataset: a reference to the data a run used. */
export const MlflowDataset = z.object({
  name: z.string(),
  digest: z.string(),
  source_type: z.string(),
  source: z.string(),
  schema: z.string().optional(),
  profile: z.string().optional(),
});
export type MlflowDataset = z.output<typeof MlflowDataset>;

/** DatasetInput: a dataset and its input tags. */
export const MlflowDatasetInput = z.object({
  tags: z.array(MlflowInputTag).default([]),
  dataset: MlflowDataset,
});
export type MlflowDatasetInput = z.output<typeof MlflowDatasetInput>;

/** ModelInput: a logged model or model version a run used. */
export const MlflowModelInput = z.object({ model_id: z.string() });

/** RunInputs. */
export const MlflowRunInputs = z.object({
  dataset_inputs: z.array(MlflowDatasetInput).default([]),
  model_inputs: z.array(MlflowModelInput).optional(),
});

/** Run: info, data and inputs. */
export const MlflowRun = z.object({
  info: MlflowRunInfo,
  data: MlflowRunData.default({ metrics: [], params: [], tags: [] }),
  inputs: MlflowRunInputs.optional(),
});
export type MlflowRun = z.output<typeof MlflowRun>;

/** Experiment. Times are Unix milliseconds. */
export const MlflowExperiment = z.object({
  experiment_id: z.string(),
  name: z.string(),
  artifact_location: z.string().optional(),
  lifecycle_stage: MlflowLifecycleStage,
  last_update_time: MlflowInt64.optional(),
  creation_time: MlflowInt64.optional(),
  tags: z.array(MlflowExperimentTag).default([]),
});
export type MlflowExperiment = z.output<typeof MlflowExperiment>;
