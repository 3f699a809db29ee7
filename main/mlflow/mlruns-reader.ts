// Reads an MLflow file-store folder (`mlruns/`, as mlflow/store/tracking/file_store.py and
// mlflow/store/model_registry/file_store.py write it) into plain objects, checking every file first:
//   <root>/<exp_id>/meta.yaml                experiment (name, artifact_location, lifecycle_stage, times)
//   <root>/<exp_id>/tags/<key>               experiment tags (file content = value)
//   <root>/<exp_id>/<run_id>/meta.yaml       run (run_id, run_name, status as an int enum, times, …)
//   <root>/<exp_id>/<run_id>/params/<key>    file content = value
//   <root>/<exp_id>/<run_id>/metrics/<key>   lines `timestamp value step` (older files: `timestamp value`)
//   <root>/<exp_id>/<run_id>/tags/<key>
//   <root>/<exp_id>/<run_id>/artifacts/...   the run's files, when its artifact_uri is this folder
//   <root>/.trash/<exp_id>/...               deleted experiments, laid out the same way
//   <root>/models/<name>/meta.yaml, tags/, aliases/<alias> (content = version), version-<n>/meta.yaml, tags/
// A key with `/` is a nested folder. Bad input throws CORRUPT_FILE naming the file (and line).
import { readFileSync, readdirSync, statSync, type Dirent } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { LatheError } from '../../shared/contract';

/** MLflow's RunStatus enum as the file store writes it (mlflow/entities/run_status.py). */
export const MLFLOW_RUN_STATUS = {
  1: 'RUNNING',
  2: 'SCHEDULED',
  3: 'FINISHED',
  4: 'FAILED',
  5: 'KILLED',
} as const;
export type MlflowRunStatus = (typeof MLFLOW_RUN_STATUS)[keyof typeof MLFLOW_RUN_STATUS];

/** Folders inside an experiment folder that are not runs (file_store.py RESERVED_EXPERIMENT_FOLDERS, MLflow 3's logged models). */
const RESERVED_EXPERIMENT_FOLDERS = new Set(['tags', 'datasets', 'traces', 'models']);
const TRASH = '.trash';
const MODELS = 'models';

/** Lathe stores steps as 32-bit integers. */
const STEP_MIN = -2147483648;
const STEP_MAX = 2147483647;

export interface MlrunsMetricPoint {
  /** ms since the epoch */
  timestamp: number;
  value: number;
  step: number;
}

export interface MlrunsArtifact {
  /** Relative to the run's artifact root, `/`-separated. */
  path: string;
  /** The file on disk. */
  file: string;
  sizeBytes: number;
}

export interface MlrunsRun {
  runId: string;
  runName: string;
  experimentId: string;
  userId: string;
  status: MlflowRunStatus;
  /** ms */
  startTime: number;
  /** ms, null while running */
  endTime: number | null;
  lifecycleStage: 'active' | 'deleted';
  artifactUri: string;
  params: Record<string, string>;
  tags: Record<string, string>;
  /** Points in file order. */
  metrics: Record<string, MlrunsMetricPoint[]>;
  artifacts: MlrunsArtifact[];
  /**
   * Why artifacts were not read: the run's artifact_uri names a place other than its own folder
   * (an object store, another disk). Null when they were read from `<run>/artifacts`.
   */
  artifactsElsewhere: string | null;
  /** The run's folder. */
  dir: string;
}

export interface MlrunsExperiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: 'active' | 'deleted';
  /** ms, null when the meta.yaml predates it */
  creationTime: number | null;
  lastUpdateTime: number | null;
  tags: Record<string, string>;
  runs: MlrunsRun[];
  dir: string;
}

export interface MlrunsModelVersion {
  version: number;
  source: string;
  runId: string | null;
  description: string;
  currentStage: string;
  userId: string;
  creationTimestamp: number | null;
  lastUpdatedTimestamp: number | null;
  status: string;
  tags: Record<string, string>;
}

export interface MlrunsModel {
  name: string;
  description: string;
  creationTimestamp: number | null;
  lastUpdatedTimestamp: number | null;
  tags: Record<string, string>;
  /** alias → version */
  aliases: Record<string, number>;
  versions: MlrunsModelVersion[];
}

export interface MlrunsTree {
  root: string;
  experiments: MlrunsExperiment[];
  models: MlrunsModel[];
  /** Totals, for progress and the import's answer. */
  counts: { runs: number; metricPoints: number; artifacts: number; artifactBytes: number };
}

const corrupt = (file: string, why: string, line?: number): never => {
  throw new LatheError(
    'CORRUPT_FILE',
    `${file}${line !== undefined ? `:${line}` : ''}: ${why}`,
    line !== undefined ? { file, line } : { file },
  );
};

const entries = (dir: string): Dirent[] => {
  try {
    return readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
};

const exists = (path: string) => {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
};

/** A meta.yaml as a mapping; PyYAML writes YAML 1.1, so it is read as 1.1 (`yes` stays what PyYAML meant). */
function readYaml(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new LatheError('FILE_NOT_FOUND', `${file} is missing`, { file });
    throw err;
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { version: '1.1', uniqueKeys: true, prettyErrors: false });
  } catch (err) {
    if (err instanceof YAMLParseError)
      corrupt(file, `not valid YAML (${err.message.split('\n')[0]})`, err.linePos?.[0].line);
    throw err;
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    corrupt(file, 'expected a YAML mapping of fields');
  return doc as Record<string, unknown>;
}

/** Line of `field:` in a YAML file, for messages (1-based; undefined when not found). */
function lineOf(file: string, field: string): number | undefined {
  try {
    const lines = readFileSync(file, 'utf8').split('\n');
    const i = lines.findIndex((l) => l.startsWith(`${field}:`));
    return i >= 0 ? i + 1 : undefined;
  } catch {
    return undefined;
  }
}

function fieldText(file: string, meta: Record<string, unknown>, field: string, fallback?: string) {
  const v = meta[field];
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    return corrupt(file, `the field ${field} is missing`);
  }
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return corrupt(file, `the field ${field} is not text: ${JSON.stringify(v)}`, lineOf(file, field));
}

/** An integer time (ms) or null when absent. */
function fieldMs(file: string, meta: Record<string, unknown>, field: string): number | null {
  const v = meta[field];
  if (v === undefined || v === null) return null;
  const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n))
    return corrupt(
      file,
      `the field ${field} is not a time in ms: ${JSON.stringify(v)}`,
      lineOf(file, field),
    );
  return n;
}

function lifecycle(file: string, meta: Record<string, unknown>): 'active' | 'deleted' {
  const v = meta.lifecycle_stage ?? 'active';
  if (v === 'active' || v === 'deleted') return v;
  return corrupt(
    file,
    `lifecycle_stage is ${JSON.stringify(v)}: expected active or deleted`,
    lineOf(file, 'lifecycle_stage'),
  );
}

/** Files under `dir` (recursively), keyed by their `/`-joined relative path. */
function keyFiles(dir: string): { key: string; file: string }[] {
  const out: { key: string; file: string }[] = [];
  const walk = (at: string) => {
    for (const e of entries(at)) {
      const p = join(at, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push({ key: relative(dir, p).split(sep).join('/'), file: p });
    }
  };
  walk(dir);
  return out;
}

/** Key → value files (params, tags): the whole file is the value, as file_store.py writes it. */
function keyValues(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { key, file } of keyFiles(dir)) {
    const bytes = readFileSync(file);
    const text = bytes.toString('utf8');
    if (Buffer.compare(Buffer.from(text, 'utf8'), bytes) !== 0) corrupt(file, 'is not UTF-8 text');
    out[key] = text;
  }
  return out;
}

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Python's float() of the spellings MLflow writes: decimal, `nan`, `inf`, `-inf` (any case). */
function parseValue(s: string): number | null {
  const lower = s.toLowerCase();
  if (lower === 'nan' || lower === '+nan' || lower === '-nan') return NaN;
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity')
    return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  return NUMBER.test(s) ? Number(s) : null;
}

/** One metric file: `timestamp value step` per line (`timestamp value` in files before steps). */
export function readMetricFile(file: string): MlrunsMetricPoint[] {
  const points: MlrunsMetricPoint[] = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const parts = line.split(' ');
    const at = i + 1;
    if (parts.length !== 2 && parts.length !== 3)
      corrupt(
        file,
        `expected \`timestamp value step\` (or \`timestamp value\`), got ${parts.length} fields: ${JSON.stringify(line.slice(0, 80))}`,
        at,
      );
    const [ts, v, st] = parts as [string, string, string | undefined];
    if (!/^-?\d+$/.test(ts) || !Number.isSafeInteger(Number(ts)))
      corrupt(file, `the timestamp ${JSON.stringify(ts)} is not a whole number of ms`, at);
    const value = parseValue(v);
    if (value === null) corrupt(file, `the value ${JSON.stringify(v)} is not a number`, at);
    let step = 0;
    if (st !== undefined) {
      if (!/^-?\d+$/.test(st))
        corrupt(file, `the step ${JSON.stringify(st)} is not an integer`, at);
      step = Number(st);
      if (step < STEP_MIN || step > STEP_MAX)
        corrupt(
          file,
          `the step ${st} is outside the range Lathe stores (${STEP_MIN} to ${STEP_MAX})`,
          at,
        );
    }
    points.push({ timestamp: Number(ts), value: value!, step });
  });
  return points;
}

/** The local folder a `file:` URI or plain path names, or null for any other scheme. */
function localPath(uri: string): string | null {
  if (uri.startsWith('file:')) {
    try {
      return fileURLToPath(uri.startsWith('file://') ? uri : `file://${uri.slice(5)}`);
    } catch {
      return null;
    }
  }
  return /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(uri) && !/^[a-zA-Z]:[\\/]/.test(uri) ? null : uri;
}

function readRun(dir: string, experimentId: string): MlrunsRun {
  const metaFile = join(dir, 'meta.yaml');
  const meta = readYaml(metaFile);
  const folder = dir.split(sep).pop()!;
  const runId = fieldText(metaFile, meta, 'run_id', fieldText(metaFile, meta, 'run_uuid', folder));
  if (runId !== folder)
    corrupt(
      metaFile,
      `run_id ${runId} differs from its folder name ${folder}`,
      lineOf(metaFile, 'run_id'),
    );
  if (!/^[a-zA-Z0-9_-]{1,256}$/.test(runId))
    corrupt(
      metaFile,
      `run_id ${JSON.stringify(runId)} is not an MLflow run id`,
      lineOf(metaFile, 'run_id'),
    );
  const metaExp = fieldText(metaFile, meta, 'experiment_id', experimentId);
  if (metaExp !== experimentId)
    corrupt(
      metaFile,
      `experiment_id ${metaExp} differs from the experiment folder ${experimentId}`,
      lineOf(metaFile, 'experiment_id'),
    );
  const rawStatus = meta.status ?? 1;
  const status =
    typeof rawStatus === 'number'
      ? MLFLOW_RUN_STATUS[rawStatus as keyof typeof MLFLOW_RUN_STATUS]
      : Object.values(MLFLOW_RUN_STATUS).find((s) => s === rawStatus);
  if (!status)
    corrupt(
      metaFile,
      `status ${JSON.stringify(rawStatus)} is not an MLflow run status (1-5)`,
      lineOf(metaFile, 'status'),
    );
  const startTime = fieldMs(metaFile, meta, 'start_time');
  const tags = keyValues(join(dir, 'tags'));
  const params = keyValues(join(dir, 'params'));
  const metrics: Record<string, MlrunsMetricPoint[]> = {};
  for (const { key, file } of keyFiles(join(dir, 'metrics'))) metrics[key] = readMetricFile(file);

  const artifactUri = fieldText(metaFile, meta, 'artifact_uri', '');
  const own = join(dir, 'artifacts');
  const named = artifactUri ? localPath(artifactUri) : own;
  // The folder may have moved since the run wrote its absolute file: URI; its own artifacts/ folder is
  // the one that travelled with it.
  const artifactsElsewhere = named === null && !exists(own) ? artifactUri : null;
  const artifacts: MlrunsArtifact[] = [];
  if (artifactsElsewhere === null) {
    const base = exists(own) ? own : named!;
    for (const { key, file } of keyFiles(base))
      artifacts.push({ path: key, file, sizeBytes: statSync(file).size });
  }
  const runName = fieldText(metaFile, meta, 'run_name', tags['mlflow.runName'] ?? runId);
  return {
    runId,
    runName,
    experimentId,
    userId: fieldText(metaFile, meta, 'user_id', ''),
    status: status!,
    startTime: startTime ?? 0,
    endTime: fieldMs(metaFile, meta, 'end_time'),
    lifecycleStage: lifecycle(metaFile, meta),
    artifactUri,
    params,
    tags,
    metrics,
    artifacts,
    artifactsElsewhere,
    dir,
  };
}

function readExperiment(dir: string, deletedFolder: boolean): MlrunsExperiment {
  const metaFile = join(dir, 'meta.yaml');
  const meta = readYaml(metaFile);
  const folder = dir.split(sep).pop()!;
  const experimentId = fieldText(metaFile, meta, 'experiment_id', folder);
  if (experimentId !== folder)
    corrupt(
      metaFile,
      `experiment_id ${experimentId} differs from its folder name ${folder}`,
      lineOf(metaFile, 'experiment_id'),
    );
  const name = fieldText(metaFile, meta, 'name');
  if (name.trim() === '')
    corrupt(metaFile, 'the experiment name is empty', lineOf(metaFile, 'name'));
  const stage = lifecycle(metaFile, meta);
  const runs: MlrunsRun[] = [];
  for (const e of entries(dir)) {
    if (!e.isDirectory() || RESERVED_EXPERIMENT_FOLDERS.has(e.name)) continue;
    runs.push(readRun(join(dir, e.name), experimentId));
  }
  return {
    experimentId,
    name,
    artifactLocation: fieldText(metaFile, meta, 'artifact_location', ''),
    // A folder in .trash is deleted whatever its meta says (delete_experiment moves it and sets both).
    lifecycleStage: deletedFolder ? 'deleted' : stage,
    creationTime: fieldMs(metaFile, meta, 'creation_time'),
    lastUpdateTime: fieldMs(metaFile, meta, 'last_update_time'),
    tags: keyValues(join(dir, 'tags')),
    runs,
    dir,
  };
}

function readModel(dir: string): MlrunsModel {
  const metaFile = join(dir, 'meta.yaml');
  const meta = readYaml(metaFile);
  const name = fieldText(metaFile, meta, 'name');
  const versions: MlrunsModelVersion[] = [];
  for (const e of entries(dir)) {
    const m = /^version-(\d+)$/.exec(e.name);
    if (!e.isDirectory() || !m) continue;
    const vFile = join(dir, e.name, 'meta.yaml');
    const v = readYaml(vFile);
    const version = Number(fieldText(vFile, v, 'version', m[1]));
    if (!Number.isSafeInteger(version) || version < 1 || String(version) !== m[1])
      corrupt(
        vFile,
        `version ${JSON.stringify(v.version)} differs from its folder ${e.name}`,
        lineOf(vFile, 'version'),
      );
    const runId =
      v.run_id === undefined || v.run_id === null || v.run_id === ''
        ? null
        : fieldText(vFile, v, 'run_id');
    versions.push({
      version,
      source: fieldText(vFile, v, 'source', ''),
      runId,
      description: fieldText(vFile, v, 'description', ''),
      currentStage: fieldText(vFile, v, 'current_stage', 'None'),
      userId: fieldText(vFile, v, 'user_id', ''),
      creationTimestamp: fieldMs(vFile, v, 'creation_timestamp'),
      lastUpdatedTimestamp: fieldMs(vFile, v, 'last_updated_timestamp'),
      status: fieldText(vFile, v, 'status', 'READY'),
      tags: keyValues(join(dir, e.name, 'tags')),
    });
  }
  versions.sort((a, b) => a.version - b.version);
  const aliases: Record<string, number> = {};
  for (const { key, file } of keyFiles(join(dir, 'aliases'))) {
    const text = readFileSync(file, 'utf8').trim();
    const n = Number(text);
    if (!/^\d+$/.test(text) || !versions.some((v) => v.version === n))
      corrupt(file, `alias ${key} points at ${JSON.stringify(text)}, not a version of ${name}`, 1);
    aliases[key] = n;
  }
  return {
    name,
    description: fieldText(metaFile, meta, 'description', ''),
    creationTimestamp: fieldMs(metaFile, meta, 'creation_timestamp'),
    lastUpdatedTimestamp: fieldMs(metaFile, meta, 'last_updated_timestamp'),
    tags: keyValues(join(dir, 'tags')),
    aliases,
    versions,
  };
}

/**
 * Reads and checks a whole mlruns folder; throws before anything is written when a file is bad.
 * `onExperiment` is told after each experiment folder is read (progress over big folders).
 */
export function readMlruns(
  root: string,
  onExperiment?: (done: number, total: number, name: string) => void,
): MlrunsTree {
  let st;
  try {
    st = statSync(root);
  } catch {
    throw new LatheError('FILE_NOT_FOUND', `${root} does not exist`, { file: root });
  }
  if (!st.isDirectory())
    throw new LatheError('INVALID_INPUT', `${root} is a file: give the mlruns folder`, {
      file: root,
    });
  const folders: { dir: string; deleted: boolean }[] = [];
  for (const e of entries(root))
    if (
      e.isDirectory() &&
      e.name !== TRASH &&
      e.name !== MODELS &&
      exists(join(root, e.name, 'meta.yaml'))
    )
      folders.push({ dir: join(root, e.name), deleted: false });
    else if (e.isDirectory() && e.name !== TRASH && e.name !== MODELS && !e.name.startsWith('.'))
      corrupt(join(root, e.name, 'meta.yaml'), 'is missing: an experiment folder needs one');
  for (const e of entries(join(root, TRASH)))
    if (e.isDirectory()) folders.push({ dir: join(root, TRASH, e.name), deleted: true });
  if (folders.length === 0 && !exists(join(root, MODELS)))
    throw new LatheError(
      'INVALID_INPUT',
      `${root} holds no MLflow experiments (no <experiment>/meta.yaml): is it an mlruns folder?`,
      { file: root },
    );
  const experiments: MlrunsExperiment[] = [];
  folders.forEach((f, i) => {
    const exp = readExperiment(f.dir, f.deleted);
    experiments.push(exp);
    onExperiment?.(i + 1, folders.length, exp.name);
  });
  const ids = new Map<string, string>();
  const names = new Map<string, string>();
  for (const exp of experiments) {
    const file = join(exp.dir, 'meta.yaml');
    if (ids.has(exp.experimentId))
      corrupt(
        file,
        `experiment id ${exp.experimentId} is also used by ${ids.get(exp.experimentId)}`,
      );
    ids.set(exp.experimentId, file);
    if (names.has(exp.name))
      corrupt(
        file,
        `experiment name ${JSON.stringify(exp.name)} is also used by ${names.get(exp.name)}`,
      );
    names.set(exp.name, file);
  }
  const models = entries(join(root, MODELS))
    .filter((e) => e.isDirectory())
    .map((e) => readModel(join(root, MODELS, e.name)));
  const runs = experiments.flatMap((e) => e.runs);
  return {
    root,
    experiments,
    models,
    counts: {
      runs: runs.length,
      metricPoints: runs.reduce(
        (n, r) => n + Object.values(r.metrics).reduce((m, p) => m + p.length, 0),
        0,
      ),
      artifacts: runs.reduce((n, r) => n + r.artifacts.length, 0),
      artifactBytes: runs.reduce((n, r) => n + r.artifacts.reduce((m, a) => m + a.sizeBytes, 0), 0),
    },
  };
}
