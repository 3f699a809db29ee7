// Batch prediction: input files (CSV, Parquet, JSON; a glob allowed) → one CSV or Parquet file of predictions.
// DuckDB streams the input and applies the fitted spec with the SQL executor training uses (features/sql.ts);
// the package's predictor scores each chunk; rows go out in file order. Memory stays bounded: DuckDB hands
// over a streaming result, one chunk of rows at a time, and each scored chunk is written before the next is
// read. Output is written under a temporary name and renamed into place at the end, so a failure leaves none;
// what a killed job left beside it is removed by the next job writing the same output.
import { createHash, randomUUID } from 'node:crypto';
import {
  accessSync,
  constants,
  createReadStream,
  existsSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { LatheError } from '../../shared/contract';
import type { FittedFeatureSpec } from '../../shared/contract/features';
import { columnOutputs, derivedOutputs } from '../features/names';
import { ident, literal, sqlInteger, text } from '../workspace/db';
import { isProcessAlive } from '../workspace/lock';
import { capturesRowNumbers, type CaptureColumns } from './capture-format';
import { classValues } from '../../shared/contract/serve';
import { readModelPackage } from './package';
import { loadMatrixScorer, loadPredictor } from './predictor';
import { gatherFirstLayer } from './onnx-gather';
import { readPackageGbdt } from './explain';
import type { Predictor } from './types';
import type { StoredTarget } from '../evaluate/predict';
import type { GbdtModel } from '../train/gbdt/tree-model';
import { threadedScorer } from '../train/gbdt/tree-scorer';
import { batchFeatures, featurePlan } from './batch-features';
import { SCORED_TABLE, createScoredSink, type ScoredSink } from './batch-scored';
import { mergeParquet } from './parquet-merge';

/** Rows scored and written per step. */
export const BATCH_CHUNK_ROWS = 100_000;
/**
 * Scored rows of a staged input whose capture is written as a part, beside the scoring, once the part
 * before is written (then joined into one file, parquet-merge.ts): the capture's single-threaded Parquet
 * encoding fills time DuckDB's threads had spare while JavaScript copies features, instead of running
 * after the scoring (3M flights rows: 0.35-0.5 s sooner).
 */
export const CAPTURE_PART_ROWS = 1 << 18;
/**
 * What DuckDB computes ahead of the rows JavaScript has taken (its streaming_buffer_size): 3M flights rows
 * scored 0.1-0.2 s sooner than with 8MB, for about 40 MB more at the peak.
 */
const STREAMING_BUFFER = '64MB';
/** The id column's name when the input names none: the row's position in the input, from 0. */
export const DEFAULT_ID_COLUMN = 'row';

const READERS: Record<string, string> = {
  '.csv': 'read_csv_auto',
  '.tsv': 'read_csv_auto',
  '.txt': 'read_csv_auto',
  '.parquet': 'read_parquet',
  '.pq': 'read_parquet',
  '.json': 'read_json_auto',
  '.jsonl': 'read_json_auto',
  '.ndjson': 'read_json_auto',
};

export interface BatchProgress {
  /**
   * 'scoring' while rows are read and scored (rows of total done); 'writing' once every row is scored,
   * while the output (and the capture) are written.
   */
  stage: 'scoring' | 'writing';
  rows: number;
  total: number;
  elapsedMs: number;
}

export interface BatchOptions {
  /** A model package folder (package.ts). */
  packageDir: string;
  /** An input file or a glob of them. */
  input: string;
  /** The output file: .csv or .parquet. */
  output: string;
  /** Input column copied to the output as each row's id; default: the row number, as `row`. */
  idColumn?: string;
  /** Input columns copied to the output as they are, after the id and before the prediction. */
  keep?: readonly string[];
  /** Replace an existing output file; without it an existing output is refused. */
  overwrite?: boolean;
  /** Rows scored per step (default BATCH_CHUNK_ROWS); two steps' feature matrices are held at once. */
  chunkRows?: number;
  /**
   * DuckDB's memory limit for the job (a DuckDB size: '512MB', '2GB'); past it DuckDB spills to a folder
   * beside the output, removed afterwards. Default BATCH_MEMORY_LIMIT.
   */
  memoryLimit?: string;
  onProgress?(p: BatchProgress): void;
  /** Also write the captured rows (capture table columns) to a Parquet file; see BatchCapture. */
  capture?: BatchCapture;
  /**
   * How a package with the trees (gbdt.json) is scored: 'native' (default) walks them in JS on `threads`
   * threads, 'onnx' runs model.onnx in onnxruntime as for every other package. Same outputs within 1e-6.
   */
  engine?: 'native' | 'onnx';
  /** Threads of the native tree scorer; default: the machine's cores. */
  threads?: number;
  /**
   * Aborting it stops the job: its DuckDB statements are interrupted, no further chunk is scored, and it
   * fails as CANCELLED having written nothing (no output, no capture file, no leftovers).
   */
  signal?: AbortSignal;
}

/**
 * The rows of a batch job captured for monitoring. The job's own DuckDB writes them to `file` (Parquet),
 * narrow: `_row_id` the id column's value (else the row's position from 0, BIGINT, only when the job
 * samples its rows: capture-format.ts capturesRowNumbers), each input cast to its
 * capture type (NULL when the input has no such column), `_prediction` as scored (FLOAT, BIGINT or text)
 * and `_probabilities` (classifiers). The workspace keeps the file as it is (capture.ts CaptureFile) and
 * makes the capture table's other columns when reading it: `_at` the job's time, `_row_id` the id or
 * `<rowIdPrefix>/<row>`, `_source`, `_role` 'batch', the prediction as text, its score. Writing the wide
 * rows took the job about three times as long.
 */
export interface BatchCapture {
  file: string;
  columns: CaptureColumns;
  source: string;
  at: Date;
  rowIdPrefix: string;
  /**
   * Share of rows captured, in (0, 1]: a row is kept when the low 64 bits of md5(_row_id) modulo 10^6 are
   * under rate × 10^6, so a rate picks the same rows on every run.
   */
  rate: number;
  /** Scored rows per part of a staged input's capture (default CAPTURE_PART_ROWS). */
  partRows?: number;
}

/**
 * What DuckDB may hold in memory during a batch job. Streaming models need far less; a model with lag or
 * rolling features orders the whole input, which then spills to disk instead of growing with the input.
 */
export const BATCH_MEMORY_LIMIT = '512MB';

/** The table a text input is parsed into (see predictBatch). */
const INPUT_TABLE = '__lathe_input';

export interface BatchResult {
  rows: number;
  /** The input files read, in order. */
  files: string[];
  /** sha256 of the input files' bytes, concatenated in order. */
  inputSha256: string;
  output: string;
  /**
   * The output's columns: the id, the kept input columns, `prediction`, then `probability_<class>` per
   * class (classifiers).
   */
  columns: string[];
  durationMs: number;
  /** Rows written to the capture file (0 without capture). */
  captured: number;
  /** See UnreadableNumbers. */
  unreadable: UnreadableNumbers[];
}

/**
 * A numeric input of the model that arrived as text (a CSV column DuckDB read as VARCHAR) with values that
 * are no finite number: each scored as missing (imputed, as in training), and counted so the job says so.
 */
export interface UnreadableNumbers {
  column: string;
  /** Values that are not empty and not a finite number. */
  values: number;
  /** The smallest of them, as text. */
  example: string;
}

/** DuckDB types a numeric feature reads as they are (booleans as 0/1). */
const NUMERIC_TYPE =
  /^(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|FLOAT|DOUBLE|DECIMAL(\(\d+,\s*\d+\))?|BOOLEAN)$/;

/**
 * The numeric inputs of `spec` that `described` gives as another type, and how many of their values are no
 * finite number, in one scan of `from` (none when every numeric input has a numeric type: the usual case).
 */
async function unreadableNumbers(
  conn: DuckDBConnection,
  spec: FittedFeatureSpec,
  described: { name: string; type: string }[],
  from: string,
): Promise<UnreadableNumbers[]> {
  const typeOf = new Map(described.map((d) => [d.name, d.type]));
  const columns = [
    ...new Set(
      spec.columns
        .filter((c) => c.kind === 'numeric')
        .map((c) => c.source)
        .filter((c) => typeOf.has(c) && !NUMERIC_TYPE.test(typeOf.get(c)!)),
    ),
  ];
  if (!columns.length) return [];
  const bad = (c: string) =>
    `${ident(c)} IS NOT NULL AND NOT coalesce(isfinite(TRY_CAST(${ident(c)} AS DOUBLE)), false)`;
  const row = (
    await conn.runAndReadAll(
      `SELECT ${columns
        .map(
          (c, k) =>
            `count(*) FILTER (WHERE ${bad(c)}) AS n${k}, min(${ident(c)}::VARCHAR) FILTER (WHERE ${bad(c)}) AS e${k}`,
        )
        .join(', ')} FROM ${from}`,
    )
  ).getRowObjectsJS()[0]!;
  return columns
    .map((column, k) => ({ column, values: Number(row[`n${k}`]), example: text(row[`e${k}`]) }))
    .filter((u) => u.values > 0);
}

/**
 * The SELECT of the job's capture file (see BatchCapture): the input (`read`) and the scored rows
 * (SCORED_TABLE: `__id` with an id column, `prediction`, `__p<k>` per class, in input order) side by side
 * by position; with `rows`, only those rows of both (`read` is then a table: the staged input). The fixed
 * columns' names are the capture table's, which no input may take.
 */
function captureSelect(
  c: BatchCapture,
  read: string,
  have: Set<string>,
  byId: boolean,
  rows?: { from: number; to: number },
): string {
  const classes = c.columns.classes;
  const select = [
    ...(capturesRowNumbers(byId, c.rate) ? [] : [`${byId ? 'p.__id' : 'p.__row'} AS _row_id`]),
    ...c.columns.inputs.map(
      (i) =>
        `${have.has(i.name) ? `TRY_CAST(i.${ident(i.name)} AS ${i.type})` : `NULL::${i.type}`} AS ${ident(i.name)}`,
    ),
    'p.prediction AS _prediction',
    ...(classes
      ? [`[${classes.map((_, k) => `p.__p${k}`).join(', ')}]::DOUBLE[] AS _probabilities`]
      : []),
  ];
  const rowId = byId ? 'p.__id' : `${literal(`${c.rowIdPrefix}/`)} || p.__row`;
  const range = rows
    ? ` WHERE rowid >= ${sqlInteger(rows.from)} AND rowid < ${sqlInteger(rows.to)}`
    : '';
  return `SELECT ${select.join(', ')} FROM (SELECT * FROM ${read}${range}) i POSITIONAL JOIN (SELECT *, rowid AS __row FROM ${SCORED_TABLE}${range}) p${
    c.rate >= 1
      ? ''
      : ` WHERE md5_number_lower(${rowId}) % 1000000 < ${sqlInteger(Math.round(c.rate * 1e6))}`
  }`;
}

const hasGlob = (s: string) => /[*?[]/.test(s);

/**
 * Refuses an existing `output` that is one of the input `files` (the same file under any name). The output
 * replaces its file only at the end, by a rename: over an input, the job would end by destroying what it
 * read (`--overwrite` allows replacing an old output, not the input).
 */
function refuseOwnInput(output: string, files: string[]): void {
  const target = realpathSync(output);
  const same = files.find((f) => realpathSync(f) === target);
  if (same)
    fail(
      'INVALID_INPUT',
      `output ${output} is the job's input ${same}; write the predictions to another file`,
      { output, file: same },
    );
}

function fail(
  code: 'INVALID_INPUT' | 'NOT_FOUND' | 'COLUMN_NOT_FOUND',
  message: string,
  details?: Record<string, unknown>,
): never {
  throw new LatheError(code, message, details);
}

/** The input files a path or glob names, sorted, with the DuckDB reader their extension calls for. */
async function inputFiles(
  conn: DuckDBConnection,
  input: string,
): Promise<{ files: string[]; reader: string }> {
  let files: string[];
  if (hasGlob(input)) {
    const r = await conn.runAndReadAll(`SELECT file FROM glob(${literal(input)}) ORDER BY file`);
    files = r.getRowObjectsJS().map((row) => text(row.file));
    if (!files.length) fail('NOT_FOUND', `input ${input}: no file matches`, { input });
  } else {
    if (!existsSync(input)) fail('NOT_FOUND', `input ${input} does not exist`, { input });
    if (statSync(input).isDirectory())
      fail(
        'INVALID_INPUT',
        `input ${input} is a folder; give a file or a glob such as ${join(input, '*.parquet')}`,
        { input },
      );
    files = [input];
  }
  const readers = new Set<string>();
  for (const f of files) {
    const reader = READERS[extname(f).toLowerCase()];
    if (!reader)
      fail(
        'INVALID_INPUT',
        `input ${f}: unknown extension '${extname(f)}'; use .csv, .tsv, .parquet, .json, .jsonl or .ndjson`,
        { file: f },
      );
    readers.add(reader);
  }
  if (readers.size > 1)
    fail(
      'INVALID_INPUT',
      `input ${input}: the files mix formats (${[...readers].join(', ')}); predict each format separately`,
      { input },
    );
  return { files, reader: [...readers][0]! };
}

/** The spec cut down to the features the model kept, so the input needs only the columns behind them. */
function prunedSpec(fitted: FittedFeatureSpec, kept: string[]): FittedFeatureSpec {
  const want = new Set(kept);
  return {
    ...fitted,
    columns: fitted.columns.filter((c) => columnOutputs(c).some((o) => want.has(o))),
    derived: fitted.derived.filter((d) => derivedOutputs(d).some((o) => want.has(o))),
  };
}

/** Raw input columns a spec reads. */
function requiredColumns(fitted: FittedFeatureSpec): string[] {
  const out = new Set<string>();
  for (const c of fitted.columns) out.add(c.source);
  for (const d of fitted.derived) {
    if ('columns' in d) d.columns.forEach((c) => out.add(c));
    else out.add(d.column);
    if ('time' in d) out.add(d.time);
    if ('entity' in d && d.entity) out.add(d.entity);
  }
  return [...out];
}

/**
 * sha256 of the files' bytes, concatenated in order; with `count`, also the records of CSV files: line ends
 * outside double quotes (and a last line without one), less a header line per file. That is DuckDB's
 * count of a CSV file with a header, in the same read as the hash (the count is only for progress: a
 * DuckDB count(*) parsed the whole file again, on the cores the job's own scan was using).
 */
async function readInputs(
  files: string[],
  count: boolean,
  signal?: AbortSignal,
): Promise<{ sha256: string; records: number }> {
  const hash = createHash('sha256');
  let records = 0;
  for (const f of files) {
    let lines = 0;
    let quoted = false;
    let last = -1;
    await new Promise<void>((resolve, reject) =>
      createReadStream(f, { highWaterMark: 1 << 20, ...(signal ? { signal } : {}) })
        .on('data', (chunk) => {
          const b = chunk as Buffer;
          hash.update(b);
          if (!count || !b.length) return;
          for (let i = 0; i < b.length; i++) {
            const c = b[i]!;
            if (c === 34) quoted = !quoted;
            else if (c === 10 && !quoted) lines++;
          }
          last = b[b.length - 1]!;
        })
        .on('end', resolve)
        .on('error', reject),
    );
    if (last !== -1 && last !== 10) lines++;
    records += Math.max(0, lines - 1);
  }
  return { sha256: hash.digest('hex'), records };
}

/** DuckDB's error, prefixed with the input it was reading. */
function readError(files: string[], err: unknown): LatheError {
  const msg = (err as Error).message;
  const named = files.find((f) => msg.includes(f));
  return new LatheError(
    'INVALID_INPUT',
    `cannot read input ${named ?? (files.length === 1 ? files[0] : `${files.length} files (${files[0]}, …)`)}: ${msg}`,
    { file: named ?? files[0] },
  );
}

/** The start of the names of a job's scratch files beside `name` (its pid and a random tag follow). */
const leftoverPrefix = (name: string) => `.${name}.lathe-`;

/**
 * Removes the scratch files (partial output, scored rows, DuckDB spill folder) that jobs writing `name`
 * in `dir` left when their process was killed: a job's name carries its pid, and only those of processes
 * no longer alive are removed, so a job running now keeps its own.
 */
function removeDeadLeftovers(dir: string, name: string): void {
  const prefix = leftoverPrefix(name);
  for (const entry of readdirSync(dir)) {
    if (!entry.startsWith(prefix)) continue;
    const m = /^(\d+)-[0-9a-f]{8}\.(csv\.tmp|out\.(csv|parquet)\.tmp|spill)$/.exec(
      entry.slice(prefix.length),
    );
    if (!m || isProcessAlive(Number(m[1]))) continue;
    rmSync(join(dir, entry), { recursive: true, force: true });
  }
}

/**
 * Batch scoring of a tree model without onnxruntime: the trees of gbdt.json walked natively (tree-scorer.ts)
 * and mapped to what the exported ONNX graph (onnx-trees.ts) outputs: sums in float64 in the graph's
 * order (binary: the base score plus the leaves, LOGISTIC → (1 − p, p); multiclass: the leaves then the base
 * score, SOFTMAX; regression: the leaves · std, then base · std + mean), rounded to float32 at the end; the
 * predicted class is the most probable one (the first of ties), as the ONNX path picks it.
 */
function nativeTreePredictor(
  model: GbdtModel,
  target: StoredTarget,
  threads: number | undefined,
): Pick<Predictor, 'predictMatrix' | 'close'> {
  const classes = target.kind === 'classes' ? target.classes : null;
  const k = classes ? classes.length : 1;
  const binary = k === 2;
  const expected = binary ? 1 : k;
  if (model.outputs !== expected || model.baseScore.length !== model.outputs)
    throw new LatheError(
      'CORRUPT_FILE',
      `gbdt.json gives ${model.outputs} outputs per row; the ${target.task} target with ${k} ${classes ? 'classes' : 'value'} needs ${expected}`,
      { outputs: model.outputs },
    );
  const scale = target.kind === 'regression' ? target.std : 1;
  const shift = target.kind === 'regression' ? target.mean : 0;
  // The graph's base values are added after the leaves (binary: into the first tree's leaves, the same sum).
  const base = binary ? [0] : model.baseScore.map((b) => b * scale + shift);
  const scored: GbdtModel = binary
    ? model
    : {
        ...model,
        baseScore: model.baseScore.map(() => 0),
        trees:
          scale === 1
            ? model.trees
            : model.trees.map((t) => ({ ...t, value: t.value.map((v) => v * scale) })),
      };
  const scorer = threadedScorer(scored, threads);
  const answers = classes ? classValues(classes) : null;
  return {
    async predictMatrix(x, rows) {
      const raw = await scorer.score(x, rows);
      const predictions: (string | number)[] = new Array<string | number>(rows);
      if (!answers) {
        for (let r = 0; r < rows; r++) predictions[r] = Math.fround(raw[r]! + base[0]!);
        return { predictions, probabilities: null };
      }
      const probabilities = new Float32Array(rows * k);
      for (let r = 0; r < rows; r++) {
        const o = r * k;
        if (binary) {
          const s = raw[r]!;
          probabilities[o] = 1 / (1 + Math.exp(s));
          probabilities[o + 1] = 1 / (1 + Math.exp(-s));
        } else {
          let max = -Infinity;
          for (let c = 0; c < k; c++) max = Math.max(max, raw[o + c]! + base[c]!);
          let sum = 0;
          for (let c = 0; c < k; c++) sum += Math.exp(raw[o + c]! + base[c]! - max);
          for (let c = 0; c < k; c++)
            probabilities[o + c] = Math.exp(raw[o + c]! + base[c]! - max) / sum;
        }
        let best = 0;
        for (let c = 1; c < k; c++) if (probabilities[o + c]! > probabilities[o + best]!) best = c;
        predictions[r] = answers[best]!;
      }
      return { predictions, probabilities };
    },
    close: () => scorer.close(),
  };
}

/**
 * onnxruntime's threads in a batch job: half the cores, the other half left to DuckDB, which reads and
 * computes the next rows meanwhile (on two cores, onnxruntime's default of a spinning thread per core took
 * a core from DuckDB and a second of CPU from 3M rows for nothing).
 */
const ortThreads = () => Math.max(1, Math.floor(availableParallelism() / 2));

/**
 * Predicts every row of the input with the package's model and writes the id, the prediction and (for
 * classifiers) one probability column per class, in input order.
 */
export async function predictBatch(options: BatchOptions): Promise<BatchResult> {
  const started = Date.now();
  const output = options.output;
  const format = extname(output).toLowerCase();
  if (format !== '.csv' && format !== '.parquet')
    fail(
      'INVALID_INPUT',
      `output ${output}: unknown extension '${extname(output)}'; use .csv or .parquet`,
      { output },
    );
  const outDir = dirname(output);
  try {
    accessSync(outDir, constants.W_OK);
  } catch (err) {
    fail(
      'INVALID_INPUT',
      `output ${output}: cannot write to folder ${outDir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      { output },
    );
  }
  if (existsSync(output) && statSync(output).isDirectory())
    fail('INVALID_INPUT', `output ${output} is a folder`, { output });

  const pkg = readModelPackage(options.packageDir);
  const kept = pkg.fitted.selection?.kept ?? pkg.fitted.outputs;
  const spec = prunedSpec(pkg.fitted, kept);
  const classes = pkg.target.kind === 'classes' ? pkg.target.classes : null;
  const idName = options.idColumn ?? DEFAULT_ID_COLUMN;
  const keep = options.keep ?? [];
  const scored = ['prediction', ...(classes ?? []).map((c) => `probability_${c}`)];
  const columns = [idName, ...keep, ...scored];
  const clash = columns.find((c, i) => columns.indexOf(c) !== i);
  if (clash)
    fail(
      'INVALID_INPUT',
      `output column '${clash}' would appear twice; pick another --id-column or leave it out of --keep`,
      { column: clash },
    );

  const chunkRows = Math.max(1, options.chunkRows ?? BATCH_CHUNK_ROWS);
  removeDeadLeftovers(outDir, basename(output));
  const tag = `${leftoverPrefix(basename(output))}${process.pid}-${randomUUID().slice(0, 8)}`;
  const tmpOut = join(outDir, `${tag}.out${format}.tmp`);
  const spill = join(outDir, `${tag}.spill`);
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: options.memoryLimit ?? BATCH_MEMORY_LIMIT,
    temp_directory: spill,
  });
  const conn = await instance.connect();
  type Scorer = Pick<Predictor, 'predictMatrix' | 'close'>;
  // onnxruntime's session loads on its worker thread while DuckDB reads the input's schema and fills its
  // first buffer (a quarter of a second of a 3M-row CSV): the first chunk awaits it, and so does the end
  // of a job of no rows, so a model that does not load fails the job either way.
  const native =
    pkg.meta.gbdtSha256 && pkg.meta.source?.kind !== 'import' && options.engine !== 'onnx';
  // A Lathe network whose features hold one-hot columns reads them by lookup (onnx-gather.ts), from a
  // matrix of their codes: 3M flights rows (two 51-airport columns) scored in a fraction of the time.
  const gathered =
    native || pkg.meta.source?.kind === 'import'
      ? null
      : gatherFirstLayer(pkg.onnx, featurePlan(spec, kept));
  const loading: Promise<Scorer> = native
    ? Promise.resolve(
        nativeTreePredictor(
          readPackageGbdt(options.packageDir, pkg.meta, kept.length),
          pkg.target,
          options.threads,
        ),
      )
    : (gathered
        ? loadMatrixScorer(options.packageDir, pkg, { ...gathered, threads: ortThreads() })
        : loadPredictor(options.packageDir, { threads: ortThreads(), worker: true })
      ).catch((err: unknown) => {
        // A LatheError, so the stream's handler below does not take it for the input's.
        if (err instanceof LatheError) throw err;
        throw new LatheError(
          'CORRUPT_FILE',
          `the model package ${options.packageDir} cannot be loaded: ${(err as Error).message}`,
          { file: options.packageDir },
        );
      });
  loading.catch(() => undefined);
  let sink: ScoredSink | undefined;
  // The chunk being scored, if any (see flush).
  let scoring: Promise<void> = Promise.resolve();
  // A second connection: it counts the input while the first streams it, then writes the capture file
  // while the first writes the output. Work on it is awaited before the instance closes.
  const side = await instance.connect();
  let sideWork: Promise<unknown> = Promise.resolve();
  // A staged input's capture parts (CAPTURE_PART_ROWS), written on a connection of their own.
  let parter: DuckDBConnection | undefined;
  const captureParts: string[] = [];
  // The part being written; none starts once the scoring is over or the job has failed (closed).
  const parts: { running: Promise<void> | null; closed: boolean } = {
    running: null,
    closed: false,
  };
  let partWork: Promise<unknown> = Promise.resolve();
  const signal = options.signal;
  const cancelled = () =>
    new LatheError('CANCELLED', `the batch prediction into ${output} was cancelled`, { output });
  // A cancel interrupts what DuckDB runs now; the job then stops at its next check.
  const interrupt = () => {
    conn.interrupt();
    side.interrupt();
    parter?.interrupt();
  };
  signal?.addEventListener('abort', interrupt, { once: true });
  try {
    if (signal?.aborted) throw cancelled();
    const { files, reader } = await inputFiles(conn, options.input);
    if (existsSync(output)) {
      // Named as the input (a glob's files included), the output is refused as such before the
      // overwrite hint: --overwrite would not allow it either.
      refuseOwnInput(output, files);
      // An empty file holds nothing to lose (e.g. one made by mktemp to name the output): written over.
      if (statSync(output).size > 0 && !options.overwrite)
        fail(
          'INVALID_INPUT',
          `output ${output} already exists; choose another file or allow overwriting it (--overwrite)`,
          { output, exists: true },
        );
    }
    const read = `${reader}([${files.map(literal).join(', ')}]${reader === 'read_parquet' ? '' : ', union_by_name = true'})`;
    let described: { name: string; type: string }[];
    try {
      described = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${read}`))
        .getRowObjectsJS()
        .map((r) => ({ name: text(r.column_name), type: text(r.column_type) }));
    } catch (err) {
      throw readError(files, err);
    }
    const have = new Set(described.map((d) => d.name));
    const where = files.length === 1 ? files[0]! : `${options.input} (${files.length} files)`;
    const missing = requiredColumns(spec).filter((c) => !have.has(c));
    if (missing.length)
      fail(
        'COLUMN_NOT_FOUND',
        `input ${where} has no column ${missing.map((m) => `'${m}'`).join(', ')}, which the model needs (input columns: ${[...have].join(', ')})`,
        { columns: missing, file: where },
      );
    if (options.idColumn !== undefined && !have.has(options.idColumn))
      fail(
        'COLUMN_NOT_FOUND',
        `input ${where} has no id column '${options.idColumn}' (input columns: ${[...have].join(', ')})`,
        { columns: [options.idColumn], file: where },
      );
    const notKept = keep.filter((c) => !have.has(c));
    if (notKept.length)
      fail(
        'COLUMN_NOT_FOUND',
        `input ${where} has no column ${notKept.map((m) => `'${m}'`).join(', ')} to keep (input columns: ${[...have].join(', ')})`,
        { columns: notKept, file: where },
      );
    const idType = options.idColumn
      ? described.find((d) => d.name === options.idColumn)!.type
      : 'BIGINT';

    const c = options.capture;
    // What the job reads its rows from. A captured job's text input (CSV, JSON) is parsed once, on every
    // core, into a table of the columns the job uses: the count, the features, the kept columns and the
    // capture then read that table, where the capture would otherwise parse the whole file a second time
    // (3M CSV rows: 3.8 -> 3.4 s). Without a capture the file is streamed as it is parsed (the features
    // start at once, and the count's scan runs beside them): staging it first was no faster. Parquet is
    // read where it is.
    let from = read;
    if (c && reader !== 'read_parquet') {
      const used = new Set([
        ...requiredColumns(spec),
        ...(options.idColumn !== undefined ? [options.idColumn] : []),
        ...keep,
        ...c.columns.inputs.map((i) => i.name).filter((name) => have.has(name)),
      ]);
      try {
        await conn.run(
          `CREATE TABLE ${INPUT_TABLE} AS SELECT ${used.size ? [...used].map(ident).join(', ') : '*'} FROM ${read}`,
        );
      } catch (err) {
        throw readError(files, err);
      }
      from = INPUT_TABLE;
      parter = await instance.connect();
    }
    let unreadable: UnreadableNumbers[];
    try {
      unreadable = await unreadableNumbers(conn, spec, described, from);
    } catch (err) {
      throw readError(files, err);
    }
    // The row count is only for progress: a Parquet file's comes from its metadata and a staged input's
    // from its table; a CSV file streamed as it is parsed is counted as it is hashed (readInputs), beside
    // the scoring; a JSON file's takes DuckDB's scan. Progress is reported once the count is known.
    const csvRead = from === read && reader === 'read_csv_auto';
    const reading = readInputs(files, csvRead, signal);
    reading.catch(() => undefined);
    let total: number | undefined;
    const counting = csvRead
      ? reading.then((r) => void (total = r.records))
      : side
          .runAndReadAll(`SELECT count(*) AS n FROM ${from}`)
          .then((r) => void (total = Number(r.getRowObjectsJS()[0]!.n)));
    sideWork = Promise.allSettled([counting, reading]);

    // row_number() OVER () streams and follows the scan, whose order DuckDB keeps (preserve_insertion_order);
    // lags and rolling means break ties in time order with it.
    const idCol = options.idColumn;
    const windowed = spec.derived.some((d) => d.op === 'lag' || d.op === 'rolling_mean');
    const source = `(SELECT *${windowed ? ', row_number() OVER () - 1 AS __row' : ''}${idCol ? `, CAST(${ident(idCol)} AS VARCHAR) AS __id` : ''} FROM ${from})`;
    const query = batchFeatures(spec, kept, source, {
      keep: [...(windowed ? ['__row'] : []), ...(idCol ? ['__id'] : [])],
      rowOrder: '__row',
      numeric: new Set(described.filter((d) => NUMERIC_TYPE.test(d.type)).map((d) => d.name)),
    });
    const sql = windowed
      ? `SELECT * EXCLUDE (__row) FROM (${query.sql}) ORDER BY __row`
      : query.sql;

    // Scored rows are appended to a table of this job's DuckDB (spilling past its memory limit), which
    // then writes the output (and the capture) with COPY: no text goes through JavaScript.
    const rowsOut = await createScoredSink(instance, { classes, ids: idCol !== undefined });
    sink = rowsOut;
    const width = gathered?.width ?? kept.length;
    const fill = gathered ? query.compactFill(gathered.offsets) : query.fill;
    // Two matrices: JavaScript fills one from DuckDB's chunks while the model scores the other (onnxruntime
    // and the tree scorer run off the main thread). Chunks are scored and appended in order, one at a time.
    const matrices: Float32Array[] = [
      new Float32Array(chunkRows * width),
      new Float32Array(chunkRows * width),
    ];
    const idLists = idCol
      ? [new Array<string | null>(chunkRows), new Array<string | null>(chunkRows)]
      : null;
    let filling = 0;
    let x = matrices[0]!;
    let ids = idLists?.[0] ?? null;
    let buffered = 0;
    let rows = 0;
    // The capture's next part starts at partFrom; none starts once the scoring is over (closed).
    let partFrom = 0;
    const cutPart = () => {
      const partRows = c?.partRows ?? CAPTURE_PART_ROWS;
      if (!c || !parter || parts.closed || parts.running || rows - partFrom < partRows) return;
      rowsOut.flush();
      const part = `${c.file}.part${captureParts.length}`;
      captureParts.push(part);
      const select = captureSelect(c, from, have, idCol !== undefined, {
        from: partFrom,
        to: rows,
      });
      partFrom = rows;
      const running = parter
        .run(`COPY (${select}) TO ${literal(part)} (FORMAT parquet)`)
        .then(() => {
          parts.running = null;
          cutPart();
        });
      parts.running = running;
      partWork = Promise.allSettled([partWork, running]);
    };

    const flush = async () => {
      if (!buffered) return;
      // The chunk before ends (scored and appended) before this one starts, and frees its matrix.
      await scoring;
      const predictor = await loading;
      const [n, m, chunkIds, slot] = [buffered, x, ids, filling];
      // The matrix is lent to the model's thread (no copy) and comes back before the next flush.
      scoring = predictor.predictMatrix(m.subarray(0, n * width), n, true).then((scoredChunk) => {
        if (scoredChunk.input) matrices[slot] = scoredChunk.input;
        rowsOut.append(scoredChunk, chunkIds, n);
        rows += n;
        report();
        cutPart();
      });
      // Awaited by the next flush, after the last chunk, or before the job closes.
      scoring.catch(() => undefined);
      filling = 1 - filling;
      x = matrices[filling]!;
      ids = idLists?.[filling] ?? null;
      buffered = 0;
    };
    let reported = -1;
    const report = () => {
      if (total === undefined || reported === rows) return;
      reported = rows;
      // A CSV file's count may be off (a file without a header, blank lines): never under the rows done.
      options.onProgress?.({
        stage: 'scoring',
        rows,
        total: Math.max(total, rows),
        elapsedMs: Date.now() - started,
      });
    };

    try {
      // DuckDB computes the next rows on its own threads, up to the streaming buffer, while JavaScript
      // copies and scores these.
      await conn.run(`SET streaming_buffer_size = '${STREAMING_BUFFER}'`);
      const result = await conn.stream(sql);
      let next = result.fetchChunk();
      for (;;) {
        const chunk = await next;
        if (signal?.aborted) throw cancelled();
        if (!chunk || chunk.rowCount === 0) break;
        next = result.fetchChunk();
        const n = chunk.rowCount;
        let offset = 0;
        while (offset < n) {
          const take = Math.min(n - offset, chunkRows - buffered);
          fill(chunk, offset, take, x, buffered);
          if (ids) {
            const idValues = chunk.getColumnVector(query.columns);
            for (let r = 0; r < take; r++) {
              const v = idValues.getItem(offset + r);
              ids[buffered + r] = v === null || v === undefined ? null : String(v);
            }
          }
          buffered += take;
          offset += take;
          if (buffered === chunkRows) await flush();
        }
      }
      await flush();
      await scoring;
      await loading;
      parts.closed = true;
      rowsOut.close();
      await counting;
      // Every row done, also when the count came after the last chunk: the rows scored are the count.
      if (total !== rows) {
        total = rows;
        reported = -1;
      }
      report();
    } catch (err) {
      if (err instanceof LatheError) throw err;
      throw readError(files, err);
    }
    // A part that failed fails the job with its own error (a full disk, say), not as the input's.
    await parts.running;
    options.onProgress?.({ stage: 'writing', rows, total: rows, elapsedMs: Date.now() - started });
    // The capture file (on the side connection), the output and the input's hash are written and read
    // at once: the capture reads the input again (a text input's staged table; after the parts written
    // meanwhile, the rows left, then all joined into the file), the output only the scored rows.
    // The parts: those written meanwhile, and the rows left (removed with them at the end).
    const joined = captureParts.length
      ? [...captureParts, `${c?.file}.part${captureParts.length}`]
      : [];
    if (joined.length) captureParts.push(joined.at(-1)!);
    const capturing = !c
      ? Promise.resolve()
      : !joined.length
        ? side.run(
            `COPY (${captureSelect(c, from, have, idCol !== undefined)}) TO ${literal(c.file)} (FORMAT parquet)`,
          )
        : side
            .run(
              `COPY (${captureSelect(c, from, have, idCol !== undefined, { from: partFrom, to: rows })}) TO ${literal(joined.at(-1)!)} (FORMAT parquet)`,
            )
            .then(() => mergeParquet(joined, c.file));
    const hashing = reading.then((r) => r.sha256);
    sideWork = Promise.allSettled([capturing, hashing]);

    // CSV keeps the id as text; Parquet gets the id column's own type.
    const parquet = format === '.parquet';
    const outputId = idCol ? (parquet ? `CAST(p.__id AS ${idType})` : 'p.__id') : 'p.rowid';
    const scoredColumns = [
      `${outputId} AS ${ident(idName)}`,
      `${parquet && !classes ? 'CAST(p.prediction AS DOUBLE)' : 'p.prediction'} AS prediction`,
      ...(classes ?? []).map((c, k) => `p.__p${k} AS ${ident(`probability_${c}`)}`),
    ];
    // The kept columns are read again beside the scored rows, by position (the scan keeps file order).
    const select = keep.length
      ? `SELECT ${[scoredColumns[0]!, ...keep.map((c) => `i.${ident(c)}`), ...scoredColumns.slice(1)].join(', ')} FROM ${SCORED_TABLE} p POSITIONAL JOIN (SELECT ${keep.map(ident).join(', ')} FROM ${from}) i`
      : `SELECT ${scoredColumns.join(', ')} FROM ${SCORED_TABLE} p`;
    const writing = conn.run(
      `COPY (${select}) TO ${literal(tmpOut)} (FORMAT ${parquet ? 'parquet' : 'csv, HEADER true'})`,
    );
    const failed = (await Promise.allSettled([writing, capturing])).find(
      (r) => r.status === 'rejected',
    );
    if (failed) throw failed.reason;
    const captured = c
      ? Number(
          (
            await conn.runAndReadAll(`SELECT count(*) AS n FROM read_parquet(${literal(c.file)})`)
          ).getRowObjectsJS()[0]!.n,
        )
      : 0;
    const inputSha256 = await hashing;
    // Cancelled while the output was written: it is not published.
    if (signal?.aborted) throw cancelled();
    renameSync(tmpOut, output);
    return {
      rows,
      files,
      inputSha256,
      output,
      columns,
      durationMs: Date.now() - started,
      captured,
      unreadable,
    };
  } catch (err) {
    // An interrupted statement fails with DuckDB's own error (read as the input's): a cancel says so.
    if (signal?.aborted) throw cancelled();
    throw err;
  } finally {
    signal?.removeEventListener('abort', interrupt);
    // No capture part starts from here (a chunk still scored below would cut one), and one being written
    // for a job that failed is stopped.
    if (!parts.closed) {
      parts.closed = true;
      parter?.interrupt();
    }
    // Nothing may still run on the instance when it closes.
    await sideWork;
    // Nor may the model still score into the sink when both close.
    await scoring.catch(() => undefined);
    await partWork;
    for (const part of captureParts) rmSync(part, { force: true });
    rmSync(tmpOut, { force: true });
    sink?.close();
    await (await loading.catch(() => undefined))?.close();
    side.closeSync();
    parter?.closeSync();
    conn.closeSync();
    instance.closeSync();
    rmSync(spill, { recursive: true, force: true });
  }
}
