// MLflow's input rules (mlflow/utils/validation.py) with its messages. Every failure is INVALID_INPUT, which
// the MLflow routes answer as INVALID_PARAMETER_VALUE (400). Lathe refuses over-long values where MLflow's
// client may truncate them: nothing a client sends is silently cut.
import { LatheError } from '../../shared/contract';

export const MAX_PARAMS_TAGS_PER_BATCH = 100;
export const MAX_METRICS_PER_BATCH = 1000;
export const MAX_ENTITIES_PER_BATCH = 1000;
export const MAX_BATCH_LOG_REQUEST_SIZE = 1_000_000;
export const MAX_PARAM_VAL_LENGTH = 6000;
export const MAX_TAG_VAL_LENGTH = 5000;
export const MAX_EXPERIMENT_NAME_LENGTH = 500;
export const MAX_EXPERIMENT_TAG_KEY_LENGTH = 250;
export const MAX_EXPERIMENT_TAG_VAL_LENGTH = 5000;
export const MAX_ENTITY_KEY_LENGTH = 250;
/** Lathe stores a metric's step as a 32-bit integer (MLflow's is 64-bit). */
export const MIN_STEP = -(2 ** 31);
export const MAX_STEP = 2 ** 31 - 1;

/** Python's `^[/\w.\- ]*$` with a Unicode \w. */
const VALID_NAME = /^[/\p{L}\p{N}_.\- ]*$/u;
const RUN_ID = /^[a-zA-Z0-9][\w-]{0,255}$/;
const EXPERIMENT_ID = /^[a-zA-Z0-9][\w-]{0,63}$/;
const BAD_CHARACTERS =
  'Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/).';

const invalid = (message: string, details?: Record<string, unknown>): never => {
  throw new LatheError('INVALID_INPUT', message, details);
};

/** Python's posixpath.normpath. */
export function normpath(path: string): string {
  if (path === '') return '.';
  let slashes = path.startsWith('/') ? 1 : 0;
  if (slashes && path.startsWith('//') && !path.startsWith('///')) slashes = 2;
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..' || (!slashes && !out.length) || out[out.length - 1] === '..') out.push(part);
    else if (out.length) out.pop();
  }
  const joined = '/'.repeat(slashes) + out.join('/');
  return joined || '.';
}

function pathNotUnique(name: string): boolean {
  const norm = normpath(name);
  return norm !== name || norm === '.' || norm.startsWith('..') || norm.startsWith('/');
}

/** A metric, param or tag name: MLflow's characters, and not a path that resolves to another name. */
export function validateName(
  kind: 'metric' | 'parameter' | 'tag',
  name: string | undefined,
): string {
  const label = kind === 'parameter' ? 'Parameter' : kind === 'metric' ? 'Metric' : 'Tag';
  if (name === undefined)
    invalid(`${label} name cannot be None. A key name must be provided.`, { field: 'key' });
  const key = name!;
  if (!VALID_NAME.test(key)) invalid(`Invalid ${kind} name: '${key}'. ${BAD_CHARACTERS}`);
  if (pathNotUnique(key))
    invalid(
      `Invalid ${kind} name: '${key}'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '${normpath(key)}'`,
    );
  return key;
}

/** A length limit on a key or value, with MLflow's message. */
export function validateLength(entity: string, limit: number, value: string | undefined): void {
  if (value === undefined || value.length <= limit) return;
  invalid(
    `${entity} '${value.slice(0, 250)}' had length ${value.length}, which exceeded length limit of ${limit}`,
  );
}

/** A required field of a request (proto's validate_required). */
export function required<T>(value: T | undefined | null, field: string): T {
  if (value === undefined || value === null || value === '')
    invalid(
      `Missing value for required parameter '${field}'. See the API docs for more information about request parameters.`,
      { field },
    );
  return value!;
}

export function validateRunId(runId: string): void {
  if (!RUN_ID.test(runId)) invalid(`Invalid run ID: '${runId}'`, { field: 'run_id' });
}

export function validateExperimentId(id: string): void {
  if (!EXPERIMENT_ID.test(id))
    invalid(`Invalid experiment ID: '${id}'`, { field: 'experiment_id' });
}

export function validateExperimentName(name: string | undefined): string {
  if (name === undefined || name === '')
    invalid(`Invalid experiment name: '${name ?? ''}'`, { field: 'name' });
  if (name!.length > MAX_EXPERIMENT_NAME_LENGTH)
    invalid(
      `Experiment name exceeds the maximum length of ${MAX_EXPERIMENT_NAME_LENGTH} characters`,
      { field: 'name' },
    );
  return name!;
}

/** A metric point: name, a value, a nonnegative timestamp (ms) and a step Lathe can store. */
export function validateMetric(
  key: string | undefined,
  value: unknown,
  timestamp: number | undefined,
  step: number,
): void {
  const name = validateName('metric', key);
  if (typeof value !== 'number')
    invalid(
      `Got invalid value ${String(value)} for metric '${name}' (timestamp=${String(timestamp)}). Please specify value as a valid double (64-bit floating point)`,
    );
  if (timestamp === undefined || timestamp < 0)
    invalid(
      `Got invalid timestamp ${String(timestamp)} for metric '${name}' (value=${String(value)}). Timestamp must be a nonnegative long (64-bit integer) `,
    );
  if (step < MIN_STEP || step > MAX_STEP)
    invalid(
      `Got invalid step ${step} for metric '${name}' (value=${String(value)}). Lathe stores a step as a 32-bit integer (${MIN_STEP} to ${MAX_STEP}).`,
    );
  validateLength('Metric name', MAX_ENTITY_KEY_LENGTH, name);
}

export function validateParam(key: string | undefined, value: string): void {
  const name = validateName('parameter', key);
  validateLength('Param key', MAX_ENTITY_KEY_LENGTH, name);
  validateLength('Param value', MAX_PARAM_VAL_LENGTH, value);
}

export function validateTag(key: string | undefined, value: string): void {
  const name = validateName('tag', key);
  validateLength('Tag key', MAX_ENTITY_KEY_LENGTH, name);
  validateLength('Tag value', MAX_TAG_VAL_LENGTH, value);
}

export function validateExperimentTag(key: string | undefined, value: string): void {
  const name = validateName('tag', key);
  validateLength('Tag key', MAX_EXPERIMENT_TAG_KEY_LENGTH, name);
  validateLength('Tag value', MAX_EXPERIMENT_TAG_VAL_LENGTH, value);
}

function batchLimit(entity: string, limit: number, length: number): void {
  if (length > limit)
    invalid(
      `A batch logging request can contain at most ${limit} ${entity}. Got ${length} ${entity}. Please split up ${entity} across multiple requests and try again.`,
    );
}

/** log-batch's counts (1000 metrics, 100 params, 100 tags, 1000 in all). */
export function validateBatchLimits(metrics: number, params: number, tags: number): void {
  batchLimit('metrics', MAX_METRICS_PER_BATCH, metrics);
  batchLimit('params', MAX_PARAMS_TAGS_PER_BATCH, params);
  batchLimit('tags', MAX_PARAMS_TAGS_PER_BATCH, tags);
  batchLimit('metrics, params, and tags', MAX_ENTITIES_PER_BATCH, metrics + params + tags);
}

/** log-batch's request size (1 MB of JSON). */
export function validateBatchSize(bytes: number): void {
  if (bytes > MAX_BATCH_LOG_REQUEST_SIZE)
    invalid(
      `Batched logging API requests must be at most ${MAX_BATCH_LOG_REQUEST_SIZE} bytes, got a request of size ${bytes}.`,
    );
}

/** A batch may give a param key only once. */
export function validateParamKeysUnique(keys: readonly string[]): void {
  const seen = new Set<string>();
  const dupes: string[] = [];
  for (const k of keys) {
    if (seen.has(k)) dupes.push(k);
    seen.add(k);
  }
  if (dupes.length)
    invalid(
      `Duplicate parameter keys have been submitted: [${dupes.map((d) => `'${d}'`).join(', ')}]. Please ensure the request contains only one param value per param key.`,
    );
}
