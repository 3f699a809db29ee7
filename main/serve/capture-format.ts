// What a captured prediction is, with no database: the typed columns a version's capture table has (from
// its signature), how one served request becomes captured rows (one per record), the score kept beside
// the prediction, and the latency histogram of service health. The standalone server of a Docker context
// uses this file too, so it imports no DuckDB.
import type { ModelSignature } from '../../shared/contract';
import type { PredictionLogRow } from './prediction-log';

export type CaptureTask = 'binary' | 'multiclass' | 'regression';
export type CaptureType = 'DOUBLE' | 'VARCHAR' | 'BOOLEAN' | 'TIMESTAMP' | 'DATE';
export type CaptureRole = 'champion' | 'canary' | 'shadow' | 'batch';

/** One signature input as its capture column: the input's name, its DuckDB type, its column kind. */
export interface CaptureInput {
  name: string;
  type: CaptureType;
  kind: string;
}

/** `capture_tables.columns`: what a version's capture table holds besides the fixed columns. */
export interface CaptureColumns {
  task: CaptureTask;
  /** Class labels in the model's output order; null for regression. */
  classes: string[] | null;
  inputs: CaptureInput[];
}

/**
 * Whether a batch job's capture file numbers its rows by position instead of storing `_row_id`: when the
 * job has no id column and keeps every row, a row's id is `<batch>/<its position>`, which the reader takes
 * from the file's own row numbers. A column of 3M distinct integers was a third of a 3M-row file (34.5 →
 * 22.4 MB) and 60 ms of the job's Parquet encoding. A sampled job keeps `_row_id`: its rows' positions in
 * the file are not their positions in the input.
 */
export const capturesRowNumbers = (byId: boolean, rate: number): boolean => !byId && rate >= 1;

/** The fixed columns of every capture table, in order, before the inputs (prediction columns follow). */
export const CAPTURE_HEAD = ['_at', '_row_id', '_source', '_role', '_latency_ms'] as const;
export const CAPTURE_TAIL = ['_prediction', '_score', '_probabilities'] as const;
/** Column names an input may not take: the fixed columns, and segment lines' model and version. */
export const RESERVED_COLUMNS: ReadonlySet<string> = new Set([
  ...CAPTURE_HEAD,
  ...CAPTURE_TAIL,
  '_model',
  '_version',
]);

/** The capture type of a signature input: its kind decides; a datetime is a DATE only when typed so. */
export function captureTypeOf(input: { type: string; kind: string }): CaptureType {
  switch (input.kind) {
    case 'numeric':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'datetime':
      return input.type.trim().toUpperCase() === 'DATE' ? 'DATE' : 'TIMESTAMP';
    default:
      return 'VARCHAR';
  }
}

/** The capture columns of a signature. */
export function captureColumnsOf(signature: ModelSignature): CaptureColumns {
  const task = signature.output.task;
  return {
    task,
    classes: task === 'regression' ? null : (signature.output.classes ?? null),
    inputs: signature.inputs.map((i) => ({ name: i.name, type: captureTypeOf(i), kind: i.kind })),
  };
}

/**
 * The `_row_id` of record `i` of `n` in a request: the request id when the request held one record,
 * `<requestId>/<i>` (from 0) when it held several.
 */
export const recordRowId = (requestId: string, i: number, n: number): string =>
  n === 1 ? requestId : `${requestId}/${i}`;

/**
 * `_score`: regression, the predicted value; binary, the probability of the positive class (classes[1]);
 * multiclass, the probability of the predicted class. Null when the model gave no probabilities.
 */
export function scoreOf(
  columns: Pick<CaptureColumns, 'task' | 'classes'>,
  prediction: string | number,
  probabilities: Record<string, number> | undefined,
): number | null {
  if (columns.task === 'regression')
    return typeof prediction === 'number' ? prediction : Number(prediction);
  if (!probabilities) return null;
  const key = columns.task === 'binary' ? columns.classes?.[1] : String(prediction);
  const p = key === undefined ? undefined : probabilities[key];
  return p === undefined ? null : p;
}

/** `_probabilities`: one per class in class order; null for regression or without probabilities. */
export function probabilitiesOf(
  columns: Pick<CaptureColumns, 'classes'>,
  probabilities: Record<string, number> | undefined,
): number[] | null {
  if (!columns.classes || !probabilities) return null;
  return columns.classes.map((c) => probabilities[c] ?? 0);
}

// ---------------------------------------------------------------------------------------------------
// Segment files (the Docker context's log): one NDJSON line per captured record
// ---------------------------------------------------------------------------------------------------

/**
 * A segment line: `{_model, _version, _at, _row_id, _role, _latency_ms, inputs: {name: value}, _prediction,
 * _score, _probabilities}`. Inputs are nested so no input name can collide with the fixed fields;
 * `_prediction` is always text, as the capture table keeps it.
 */
export function segmentLines(row: PredictionLogRow, columns: CaptureColumns): string {
  const n = row.features.length;
  let out = '';
  for (let i = 0; i < n; i++) {
    const p = row.predictions[i]!;
    const inputs: Record<string, unknown> = {};
    for (const input of columns.inputs) inputs[input.name] = row.features[i]![input.name] ?? null;
    out += `${i ? '\n' : ''}${JSON.stringify({
      _model: row.model,
      _version: row.version,
      _at: row.at,
      _row_id: recordRowId(row.requestId, i, n),
      _role: row.role,
      _latency_ms: row.latencyMs,
      inputs,
      _prediction: String(p.prediction),
      _score: scoreOf(columns, p.prediction, p.probabilities),
      _probabilities: probabilitiesOf(columns, p.probabilities),
    })}`;
  }
  return out;
}

/**
 * The file name of a segment: the model and version it holds, when it was opened, the writing server's
 * instance id (hex: replicas sharing a volume never pick the same name) and a sequence number. Health
 * segments (service health rows, `serve_health`'s columns) end in `.health.ndjson`.
 */
export function segmentName(
  model: string,
  version: number,
  openedAt: Date,
  instance: string,
  seq: number,
  kind: SegmentKind = 'records',
): string {
  const stamp = openedAt.toISOString().replace(/[-:]/g, '').replace('.', '');
  return `${model}@${version}_${stamp}_${instance}-${String(seq).padStart(4, '0')}${kind === 'health' ? '.health' : ''}.ndjson`;
}

export type SegmentKind = 'records' | 'health';

/** Model, version and kind of a segment file name, or null when the name is not one segmentName gives. */
export function parseSegmentName(
  file: string,
): { model: string; version: number; kind: SegmentKind } | null {
  const m =
    /^([A-Za-z0-9_][A-Za-z0-9_.-]*)@(\d+)_\d{8}T\d{9}Z_[0-9a-f]+-\d+(\.health)?\.ndjson$/.exec(
      file,
    );
  return m ? { model: m[1]!, version: Number(m[2]), kind: m[3] ? 'health' : 'records' } : null;
}

/** One line of a health segment: a serve_health row with its minute as ISO text. */
export const healthLine = (r: HealthRow): string =>
  JSON.stringify({ ...r, minute: new Date(r.minute).toISOString() });

// ---------------------------------------------------------------------------------------------------
// Service health: requests per minute × status × version, with a latency histogram
// ---------------------------------------------------------------------------------------------------

/**
 * Latency buckets are log-spaced: bucket i holds latencies in [LOWEST·G^(i-1), LOWEST·G^i) ms with G = 2^(1/8)
 * (each bucket ~9% wide, so a percentile read from it is within ~4.5% of the exact one); bucket 0 holds
 * everything under LOWEST. `serve_health.latency` stores `{"<bucket>": count}` for the non-empty ones.
 */
export const HISTOGRAM_GROWTH = 2 ** (1 / 8);
export const HISTOGRAM_LOWEST_MS = 0.01;
const LOG_G = Math.log(HISTOGRAM_GROWTH);

export type LatencyHistogram = Record<string, number>;

/** The bucket of a latency in ms. */
export function latencyBucket(ms: number): number {
  if (!(ms >= HISTOGRAM_LOWEST_MS)) return 0;
  return Math.floor(Math.log(ms / HISTOGRAM_LOWEST_MS) / LOG_G) + 1;
}

/** [lower, upper) bounds of a bucket in ms. */
export function bucketBounds(bucket: number): [number, number] {
  if (bucket <= 0) return [0, HISTOGRAM_LOWEST_MS];
  return [
    HISTOGRAM_LOWEST_MS * HISTOGRAM_GROWTH ** (bucket - 1),
    HISTOGRAM_LOWEST_MS * HISTOGRAM_GROWTH ** bucket,
  ];
}

/** Adds `from`'s counts into `into`. */
export function mergeHistogram(into: LatencyHistogram, from: LatencyHistogram): LatencyHistogram {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  return into;
}

/**
 * The q-quantile (0..1) of a histogram: the geometric middle of the bucket holding the nearest-rank
 * value (the upper bound of the lowest bucket); null when it is empty.
 */
export function histogramQuantile(h: LatencyHistogram, q: number): number | null {
  const buckets = Object.entries(h)
    .map(([k, v]) => [Number(k), v] as const)
    .filter(([, v]) => v > 0)
    .sort((a, b) => a[0] - b[0]);
  const total = buckets.reduce((s, [, v]) => s + v, 0);
  if (total === 0) return null;
  const rank = Math.min(total, Math.max(1, Math.ceil(q * total)));
  let seen = 0;
  for (const [b, v] of buckets) {
    seen += v;
    if (seen >= rank) {
      const [lo, hi] = bucketBounds(b);
      return b <= 0 ? hi : Math.sqrt(lo * hi);
    }
  }
  return null;
}

/** One `serve_health` row: a minute (epoch ms) of one status of one version. */
export interface HealthRow {
  minute: number;
  model: string;
  version: number;
  status: number;
  requests: number;
  rows: number;
  latency: LatencyHistogram;
}

export interface HealthAggregator {
  /** Counts one answered prediction request (any status) at `at` (epoch ms, default now). */
  record(
    model: string,
    version: number,
    status: number,
    rows: number,
    latencyMs: number,
    at?: number,
  ): void;
  /** Takes the rows of finished minutes (before `now`'s minute), or every row when `all`. */
  drain(all: boolean, now?: number): HealthRow[];
}

/** Health counters held in memory per minute × status × version until they are drained. */
export function createHealthAggregator(): HealthAggregator {
  const rows = new Map<string, HealthRow>();
  return {
    record(model, version, status, n, latencyMs, at = Date.now()) {
      const minute = at - (at % 60_000);
      const key = `${minute}\t${model}\t${version}\t${status}`;
      let r = rows.get(key);
      if (!r) {
        r = { minute, model, version, status, requests: 0, rows: 0, latency: {} };
        rows.set(key, r);
      }
      r.requests++;
      r.rows += n;
      const b = latencyBucket(latencyMs);
      r.latency[b] = (r.latency[b] ?? 0) + 1;
    },
    drain(all, now = Date.now()) {
      const current = now - (now % 60_000);
      const out: HealthRow[] = [];
      for (const [key, r] of rows)
        if (all || r.minute < current) {
          out.push(r);
          rows.delete(key);
        }
      return out;
    },
  };
}
