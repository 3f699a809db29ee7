import type { RunColumns, RunKind, RunStatus, RunSummary, Task } from '../../../../shared/contract';
import { modelLabel } from '../../../../shared/model-label';

/**
 * The runs table's model: the runs of a runs:listColumns answer kept as columns (typed arrays and
 * interned text), read by run index. No object is made per run: sorting reads a metric's Float64Array,
 * a cell reads one entry of one column.
 */
export interface RunsModel {
  readonly count: number;
  /** The interned text the *Ref columns point into (-1: none). */
  readonly strings: readonly string[];
  readonly ids: readonly string[];
  readonly names: readonly string[];
  /** The index of each run id. */
  readonly indexOf: ReadonlyMap<string, number>;
  readonly experiment: Int32Array;
  readonly project: Int32Array;
  readonly status: Int32Array;
  readonly task: Int32Array;
  readonly modelType: Int32Array;
  readonly dataset: Int32Array;
  readonly backend: Int32Array;
  readonly kind: Int32Array;
  readonly parentId: Int32Array;
  /** Milliseconds since the epoch; NaN where there is none. */
  readonly startedAt: Float64Array;
  readonly endedAt: Float64Array;
  readonly deletedAt: Float64Array;
  /** Each metric key's latest values (NaN: the run has none), keys sorted. */
  readonly metrics: ReadonlyMap<string, Float64Array>;
  /** Each param key's values as string refs, keys sorted. */
  readonly params: ReadonlyMap<string, Int32Array>;
  readonly tags: ReadonlyMap<string, Int32Array>;
}

/** Base64 as its bytes (the native decoder where the engine has one). */
function base64Bytes(base64: string): Uint8Array {
  const native = (Uint8Array as { fromBase64?: (s: string) => Uint8Array }).fromBase64;
  if (native) return native.call(Uint8Array, base64);
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** A Float64Column (shared/contract/runs.ts) as the doubles it holds: a view of its decoded bytes. */
export function decodeFloat64Column(base64: string): Float64Array {
  const bytes = base64Bytes(base64);
  if (bytes.length % 8) throw new Error(`a Float64Column of ${bytes.length} bytes (not 8 per run)`);
  return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8);
}

/** An Int32Column (shared/contract/runs.ts) as the string refs it holds. */
export function decodeInt32Column(base64: string): Int32Array {
  const bytes = base64Bytes(base64);
  if (bytes.length % 4) throw new Error(`an Int32Column of ${bytes.length} bytes (not 4 per run)`);
  return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
}

/** A typed array's bytes as base64 (what the main process sends, made here for tests and encodeRunColumns). */
export function encodeColumn(values: Float64Array | Int32Array): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  let binary = '';
  // In slices: String.fromCharCode takes its bytes as arguments.
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** The model of a runs:listColumns answer (its arrays become typed arrays; no per-run objects). */
export function decodeRunColumns(c: RunColumns): RunsModel {
  const indexOf = new Map<string, number>();
  for (let i = 0; i < c.ids.length; i++) indexOf.set(c.ids[i]!, i);
  const byKey = <V, T>(list: { key: string; values: V }[], make: (values: V) => T) =>
    new Map(list.map((col) => [col.key, make(col.values)]));
  return {
    count: c.count,
    strings: c.strings,
    ids: c.ids,
    names: c.names,
    indexOf,
    experiment: decodeInt32Column(c.experiment),
    project: decodeInt32Column(c.project),
    status: decodeInt32Column(c.status),
    task: decodeInt32Column(c.task),
    modelType: decodeInt32Column(c.modelType),
    dataset: decodeInt32Column(c.dataset),
    backend: decodeInt32Column(c.backend),
    kind: decodeInt32Column(c.kind),
    parentId: decodeInt32Column(c.parentId),
    startedAt: decodeFloat64Column(c.startedAt),
    endedAt: decodeFloat64Column(c.endedAt),
    deletedAt: decodeFloat64Column(c.deletedAt),
    metrics: byKey(c.metrics, decodeFloat64Column),
    params: byKey(c.params, decodeInt32Column),
    tags: byKey(c.tags, decodeInt32Column),
  };
}

/** The text a string ref points to, or null for -1. */
export function textOf(model: RunsModel, ref: number): string | null {
  return ref < 0 ? null : model.strings[ref]!;
}

/** A run's param value, or null when it has none. */
export function paramOf(model: RunsModel, i: number, key: string): string | null {
  const col = model.params.get(key);
  return col ? textOf(model, col[i]!) : null;
}

export function isDeleted(model: RunsModel, i: number): boolean {
  return !Number.isNaN(model.deletedAt[i]!);
}

export function durationOf(model: RunsModel, i: number): number | null {
  const ended = model.endedAt[i]!;
  return Number.isNaN(ended) ? null : ended - model.startedAt[i]!;
}

export function kindOf(model: RunsModel, i: number): RunKind {
  return (textOf(model, model.kind[i]!) ?? 'train') as RunKind;
}

/** The model column's words (modelLabel over the few params and tags it reads). */
export function modelLabelAt(model: RunsModel, i: number): string {
  const param = (key: string) => paramOf(model, i, key) ?? undefined;
  const col = model.tags.get('mlflow.log-model.history');
  const history = col ? textOf(model, col[i]!) : null;
  return modelLabel({
    modelType: textOf(model, model.modelType[i]!),
    params: Object.fromEntries(
      ['model.trees', 'model.maxLeaves', 'model.maxDepth']
        .map((k) => [k, param(k)])
        .filter(([, v]) => v !== undefined),
    ) as Record<string, string>,
    tags: history === null ? {} : { 'mlflow.log-model.history': history },
  });
}

const iso = (ms: number) => (Number.isNaN(ms) ? null : new Date(ms).toISOString());

/** Run `i` as runs:list gives it (for callers that want one run whole; the table reads the columns). */
export function summaryAt(model: RunsModel, i: number): RunSummary {
  const record = (cols: ReadonlyMap<string, Int32Array>) => {
    const out: Record<string, string> = {};
    for (const [key, col] of cols) if (col[i]! >= 0) out[key] = model.strings[col[i]!]!;
    return out;
  };
  const metrics: Record<string, number> = {};
  for (const [key, col] of model.metrics) if (!Number.isNaN(col[i]!)) metrics[key] = col[i]!;
  const text = (col: Int32Array) => textOf(model, col[i]!);
  return {
    id: model.ids[i]!,
    name: model.names[i]!,
    experiment: text(model.experiment)!,
    project: text(model.project)!,
    status: text(model.status) as RunStatus,
    task: text(model.task) as Task | null,
    modelType: text(model.modelType),
    dataset: text(model.dataset),
    startedAt: iso(model.startedAt[i]!)!,
    endedAt: iso(model.endedAt[i]!),
    durationMs: durationOf(model, i),
    backend: text(model.backend),
    metrics,
    params: record(model.params),
    deletedAt: iso(model.deletedAt[i]!),
    kind: kindOf(model, i),
    parentId: text(model.parentId),
    tags: record(model.tags),
  };
}

/**
 * The columnar form of a list of runs, as runs:listColumns sends it (for tests, and for callers holding
 * summaries): keys sorted, text interned in order of first use.
 */
export function encodeRunColumns(runs: readonly RunSummary[]): RunColumns {
  const strings: string[] = [];
  const seen = new Map<string, number>();
  const intern = (value: string | null | undefined): number => {
    if (value === null || value === undefined) return -1;
    let ref = seen.get(value);
    if (ref === undefined) {
      ref = strings.push(value) - 1;
      seen.set(value, ref);
    }
    return ref;
  };
  const ms = (value: string | null | undefined) => (value ? Date.parse(value) : NaN);
  const keys = (pick: (run: RunSummary) => Record<string, unknown> | undefined) =>
    [...new Set(runs.flatMap((r) => Object.keys(pick(r) ?? {})))].sort();
  const text = (pick: (run: RunSummary) => string | null | undefined) =>
    encodeColumn(Int32Array.from(runs, (r) => intern(pick(r))));
  return {
    count: runs.length,
    strings,
    ids: runs.map((r) => r.id),
    names: runs.map((r) => r.name),
    experiment: text((r) => r.experiment),
    project: text((r) => r.project),
    status: text((r) => r.status),
    task: text((r) => r.task),
    modelType: text((r) => r.modelType),
    dataset: text((r) => r.dataset),
    backend: text((r) => r.backend),
    kind: text((r) => r.kind),
    parentId: text((r) => r.parentId),
    startedAt: encodeColumn(Float64Array.from(runs, (r) => Date.parse(r.startedAt))),
    endedAt: encodeColumn(Float64Array.from(runs, (r) => ms(r.endedAt))),
    deletedAt: encodeColumn(Float64Array.from(runs, (r) => ms(r.deletedAt))),
    metrics: keys((r) => r.metrics).map((key) => ({
      key,
      values: encodeColumn(Float64Array.from(runs, (r) => r.metrics[key] ?? NaN)),
    })),
    params: keys((r) => r.params).map((key) => ({ key, values: text((r) => r.params[key]) })),
    tags: keys((r) => r.tags).map((key) => ({ key, values: text((r) => r.tags?.[key]) })),
  };
}

/** An empty model (no runs listed yet). */
export const NO_MODEL: RunsModel = decodeRunColumns(encodeRunColumns([]));
