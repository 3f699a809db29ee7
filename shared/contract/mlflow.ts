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

// -- requests and responses (service.proto) --

const Empty = z.object({});
/** Proto strings are optional; a required one is checked by the service with MLflow's message. */
const str = z.string().optional();
const OrderBy = repeated(z.string()).optional();

export const MlflowGetExperimentByNameIn = z.object({ experiment_name: str });
export const MlflowExperimentOut = z.object({ experiment: MlflowExperiment });

export const MlflowCreateExperimentIn = z.object({
  name: str,
  artifact_location: str,
  tags: z.array(MlflowExperimentTag).optional(),
});
export const MlflowCreateExperimentOut = z.object({ experiment_id: z.string() });

export const MlflowSearchExperimentsIn = z.object({
  max_results: MlflowInt64.optional(),
  page_token: str,
  filter: str,
  order_by: OrderBy,
  view_type: MlflowViewType.optional(),
});
export type MlflowSearchExperimentsIn = z.input<typeof MlflowSearchExperimentsIn>;
export const MlflowSearchExperimentsOut = z.object({
  experiments: z.array(MlflowExperiment).default([]),
  next_page_token: str,
});

export const MlflowExperimentIdIn = z.object({ experiment_id: str });
export const MlflowUpdateExperimentIn = z.object({ experiment_id: str, new_name: str });
export const MlflowSetExperimentTagIn = z.object({ experiment_id: str, key: str, value: str });
export const MlflowDeleteExperimentTagIn = z.object({ experiment_id: str, key: str });

export const MlflowCreateRunIn = z.object({
  experiment_id: str,
  user_id: str,
  run_name: str,
  /** Unix milliseconds; now when absent. */
  start_time: MlflowInt64.optional(),
  tags: z.array(MlflowRunTag).optional(),
});
export type MlflowCreateRunIn = z.input<typeof MlflowCreateRunIn>;
export const MlflowRunOut = z.object({ run: MlflowRun });

/** A run named by run_id, or by the deprecated run_uuid that older clients send. */
const RunRef = { run_id: str, run_uuid: str };

export const MlflowUpdateRunIn = z.object({
  ...RunRef,
  status: MlflowRunStatus.optional(),
  end_time: MlflowInt64.optional(),
  run_name: str,
});
export const MlflowUpdateRunOut = z.object({ run_info: MlflowRunInfo });

export const MlflowRunRefIn = z.object(RunRef);

export const MlflowSearchRunsIn = z.object({
  experiment_ids: repeated(z.string()).optional(),
  filter: str,
  run_view_type: MlflowViewType.optional(),
  max_results: MlflowInt32.optional(),
  order_by: OrderBy,
  page_token: str,
});
export type MlflowSearchRunsIn = z.input<typeof MlflowSearchRunsIn>;
export const MlflowSearchRunsOut = z.object({
  runs: z.array(MlflowRun).default([]),
  next_page_token: str,
});

export const MlflowLogMetricIn = z.object({
  ...RunRef,
  key: str,
  value: MlflowDouble.optional(),
  timestamp: MlflowInt64.optional(),
  step: MlflowInt64.optional(),
  model_id: str,
  dataset_name: str,
  dataset_digest: str,
});
export const MlflowLogParamIn = z.object({ ...RunRef, key: str, value: str });
export const MlflowSetTagIn = z.object({ ...RunRef, key: str, value: str });
export const MlflowDeleteTagIn = z.object({ run_id: str, key: str });

/** A metric of log-batch: key, value and timestamp are required (checked by the service). */
export const MlflowBatchMetric = z.object({
  key: str,
  value: MlflowDouble.optional(),
  timestamp: MlflowInt64.optional(),
  step: MlflowInt64.optional(),
  model_id: str,
  dataset_name: str,
  dataset_digest: str,
  run_id: str,
});
const BatchKeyValue = z.object({ key: str, value: str });
export const MlflowLogBatchIn = z.object({
  run_id: str,
  metrics: z.array(MlflowBatchMetric).optional(),
  params: z.array(BatchKeyValue).optional(),
  tags: z.array(BatchKeyValue).optional(),
});
export type MlflowLogBatchIn = z.input<typeof MlflowLogBatchIn>;

export const MlflowLogInputsIn = z.object({
  run_id: str,
  datasets: z.array(MlflowDatasetInput).optional(),
  models: z.array(MlflowModelInput).optional(),
});

export const MlflowGetMetricHistoryIn = z.object({
  ...RunRef,
  metric_key: str,
  page_token: str,
  max_results: MlflowInt32.optional(),
});
export const MlflowGetMetricHistoryOut = z.object({
  metrics: z.array(MlflowMetric).default([]),
  next_page_token: str,
});

/** The tracking channels, spread into the channel map in index.ts. */
export const mlflowTrackingChannels = {
  /** GetExperimentByName: the active experiment of that name, else a deleted one; RESOURCE_DOES_NOT_EXIST. */
  'mlflow:experiments:get-by-name': {
    input: MlflowGetExperimentByNameIn,
    output: MlflowExperimentOut,
  },
  /** CreateExperiment (in the workspace's Default project); RESOURCE_ALREADY_EXISTS when the name is taken. */
  'mlflow:experiments:create': {
    input: MlflowCreateExperimentIn,
    output: MlflowCreateExperimentOut,
  },
  /** GetExperiment, deleted ones included. */
  'mlflow:experiments:get': { input: MlflowExperimentIdIn, output: MlflowExperimentOut },
  /** SearchExperiments: filter, order_by, view_type, max_results and page tokens. */
  'mlflow:experiments:search': {
    input: MlflowSearchExperimentsIn,
    output: MlflowSearchExperimentsOut,
  },
  /** UpdateExperiment: renames an active experiment to an unused name. */
  'mlflow:experiments:update': { input: MlflowUpdateExperimentIn, output: Empty },
  /** DeleteExperiment: marks it and its runs deleted (restorable); experiment 0 cannot be deleted. */
  'mlflow:experiments:delete': { input: MlflowExperimentIdIn, output: Empty },
  /** RestoreExperiment: the experiment and the runs its deletion marked. */
  'mlflow:experiments:restore': { input: MlflowExperimentIdIn, output: Empty },
  /** SetExperimentTag on an active experiment. */
  'mlflow:experiments:set-experiment-tag': { input: MlflowSetExperimentTagIn, output: Empty },
  /** DeleteExperimentTag; RESOURCE_DOES_NOT_EXIST when the experiment has no such tag. */
  'mlflow:experiments:delete-experiment-tag': { input: MlflowDeleteExperimentTagIn, output: Empty },
  /** CreateRun: a Lathe run of kind 'mlflow' in an active experiment (default "0"). */
  'mlflow:runs:create': { input: MlflowCreateRunIn, output: MlflowRunOut },
  /** UpdateRun: status, end_time, run_name. */
  'mlflow:runs:update': { input: MlflowUpdateRunIn, output: MlflowUpdateRunOut },
  /** GetRun: info, the latest value of each metric, params, tags and dataset inputs. */
  'mlflow:runs:get': { input: MlflowRunRefIn, output: MlflowRunOut },
  /** SearchRuns: MLflow's filter grammar, order_by, run_view_type, max_results and page tokens. */
  'mlflow:runs:search': { input: MlflowSearchRunsIn, output: MlflowSearchRunsOut },
  /** DeleteRun: marks the run deleted (Lathe's soft delete). */
  'mlflow:runs:delete': { input: MlflowRunRefIn, output: Empty },
  /** RestoreRun. */
  'mlflow:runs:restore': { input: MlflowRunRefIn, output: Empty },
  /** LogBatch: metrics, params and tags in one transaction, within MLflow's limits. */
  'mlflow:runs:log-batch': { input: MlflowLogBatchIn, output: Empty },
  /** LogMetric: one point (value may be NaN or ±Infinity). */
  'mlflow:runs:log-metric': { input: MlflowLogMetricIn, output: Empty },
  /** LogParam: params are immutable; the same value again is accepted. */
  'mlflow:runs:log-parameter': { input: MlflowLogParamIn, output: Empty },
  /** SetTag (mlflow.runName renames the run). */
  'mlflow:runs:set-tag': { input: MlflowSetTagIn, output: Empty },
  /** DeleteTag; RESOURCE_DOES_NOT_EXIST when the run has no such tag. */
  'mlflow:runs:delete-tag': { input: MlflowDeleteTagIn, output: Empty },
  /** LogInputs: dataset inputs of a run (each name and digest once). */
  'mlflow:runs:log-inputs': { input: MlflowLogInputsIn, output: Empty },
  /** GetMetricHistory: every point of one metric, paged by max_results and page_token. */
  'mlflow:metrics:get-history': {
    input: MlflowGetMetricHistoryIn,
    output: MlflowGetMetricHistoryOut,
  },
};

/** The REST endpoints of the tracking channels (paths after /api/2.0/mlflow/), as service.proto has them. */
export const MLFLOW_TRACKING_ENDPOINTS: readonly MlflowEndpoint[] = [
  { method: 'GET', path: 'experiments/get-by-name', channel: 'mlflow:experiments:get-by-name' },
  { method: 'POST', path: 'experiments/create', channel: 'mlflow:experiments:create' },
  { method: 'GET', path: 'experiments/get', channel: 'mlflow:experiments:get' },
  { method: 'POST', path: 'experiments/search', channel: 'mlflow:experiments:search' },
  { method: 'GET', path: 'experiments/search', channel: 'mlflow:experiments:search' },
  { method: 'POST', path: 'experiments/update', channel: 'mlflow:experiments:update' },
  { method: 'POST', path: 'experiments/delete', channel: 'mlflow:experiments:delete' },
  { method: 'POST', path: 'experiments/restore', channel: 'mlflow:experiments:restore' },
  {
    method: 'POST',
    path: 'experiments/set-experiment-tag',
    channel: 'mlflow:experiments:set-experiment-tag',
  },
  {
    method: 'POST',
    path: 'experiments/delete-experiment-tag',
    channel: 'mlflow:experiments:delete-experiment-tag',
  },
  { method: 'POST', path: 'runs/create', channel: 'mlflow:runs:create' },
  { method: 'POST', path: 'runs/update', channel: 'mlflow:runs:update' },
  { method: 'GET', path: 'runs/get', channel: 'mlflow:runs:get' },
  { method: 'POST', path: 'runs/search', channel: 'mlflow:runs:search' },
  { method: 'POST', path: 'runs/delete', channel: 'mlflow:runs:delete' },
  { method: 'POST', path: 'runs/restore', channel: 'mlflow:runs:restore' },
  { method: 'POST', path: 'runs/log-batch', channel: 'mlflow:runs:log-batch' },
  { method: 'POST', path: 'runs/log-metric', channel: 'mlflow:runs:log-metric' },
  { method: 'POST', path: 'runs/log-parameter', channel: 'mlflow:runs:log-parameter' },
  { method: 'POST', path: 'runs/set-tag', channel: 'mlflow:runs:set-tag' },
  { method: 'POST', path: 'runs/delete-tag', channel: 'mlflow:runs:delete-tag' },
  { method: 'POST', path: 'runs/log-inputs', channel: 'mlflow:runs:log-inputs' },
  { method: 'GET', path: 'metrics/get-history', channel: 'mlflow:metrics:get-history' },
];
