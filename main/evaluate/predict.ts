// Scoring a trained run on rows it did not train on: its test split (or validation split), or every row of
// another dataset version. Runs in the evaluation worker: DuckDB rebuilds the split by the stored rule and
// applies the stored fitted feature spec over the whole table (lags and windows see every row, as in
// training), the saved model (a tfjs network or a tree ensemble) predicts, and permutation importance
// reshuffles each input column.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  LatheError,
  type ColumnInfo,
  type Explanations,
  type TrainConfig,
} from '../../shared/contract';
import type { FittedFeatureSpec } from '../../shared/contract/features';
import { groupDigits } from '../../shared/format';
import { createEngine, type Engine } from '../data/engine';
import { applySplit, type SplitRule } from '../data/splits';
import { compileFeatureSql } from '../features/sql';
import { columnOutputs, derivedOutputs } from '../features/names';
import { createRng, permutation } from '../train/random';
import { GBDT_IMPORTANCE_ROWS } from '../train/gbdt/ensemble-predict';
import { GBDT_FORMAT, type GbdtModel } from '../train/gbdt/tree-model';
import { threadedScorer } from '../train/gbdt/tree-scorer';
import { subsetColumns } from '../train/selection';
import { tfjsTrainedModel } from '../train/validation';
import { ident, literal, toPlain } from '../workspace/db';
import { explainForReport } from './shap-summary';

/** The target as training stored it (target.json). */
export type StoredTarget =
  | { task: 'binary' | 'multiclass'; column: string; kind: 'classes'; classes: string[] }
  | { task: 'regression'; column: string; kind: 'regression'; mean: number; std: number };

export interface ScoreJob {
  config: TrainConfig;
  /** The rows to score: the run's own dataset version, or another one (`which: 'all'`). */
  parquetPath: string;
  columns: ColumnInfo[];
  fitted: FittedFeatureSpec & { selection?: { kept: string[] } };
  target: StoredTarget;
  rule: SplitRule;
  /** test or valid: that split of the run's data by its rule; all: every row with a target. */
  which: 'test' | 'valid' | 'all';
  model: StoredModel;
  /** Raw columns returned per row (sensitive attributes, slices). */
  segmentColumns: string[];
  /** Permutation importance repeats per input column (0: none). */
  importanceRepeats: number;
  seed: number;
  /** Explain a tree model's predictions with TreeSHAP (the report's explanations); other models: none. */
  explain?: boolean;
}

export interface ScoredRows {
  rows: number;
  /** Class index per row (classification); NaN-free. */
  labels: Int32Array;
  /** Actual values (regression). */
  actual: Float64Array;
  /** n × k class probabilities (k = 2 for binary: P(class 0), P(class 1)); regression: empty. */
  probs: Float64Array;
  /** Predicted values in original units (regression). */
  predicted: Float64Array;
  classes: string[];
  /** Raw values of the segment columns, per row. */
  segments: Record<string, (string | number | null)[]>;
  /** Per input column: the rise of the loss when it is shuffled (mean and std over repeats). */
  importance: Record<string, { mean: number; std: number }>;
  loss: number;
  nFeatures: number;
  /** TreeSHAP of a tree model on these rows, when the job asked to explain. */
  explanations?: Explanations;
}

/**
 * A run's saved model: a network (model/model.json and model/weights.bin) or a gradient-boosted tree
 * ensemble (the text of model/gbdt.json).
 */
export type StoredModel =
  { kind: 'tfjs'; modelJson: string; weights: Uint8Array } | { kind: 'gbdt'; json: string };

/** A stored tree ensemble, checked enough to predict on `width` inputs; CORRUPT_FILE names the file. */
export function parseGbdtModel(json: string, width: number): GbdtModel {
  let model: Partial<GbdtModel> | null;
  try {
    model = JSON.parse(json) as Partial<GbdtModel> | null;
  } catch (err) {
    throw new LatheError('CORRUPT_FILE', `model/gbdt.json is not JSON: ${(err as Error).message}`, {
      path: 'model/gbdt.json',
    });
  }
  const problem =
    model?.format !== GBDT_FORMAT
      ? `its format is ${JSON.stringify(model?.format ?? null)}, not ${GBDT_FORMAT}`
      : !Array.isArray(model.trees) || !Array.isArray(model.features)
        ? 'it has no trees or features'
        : model.features.length !== width
          ? `it reads ${model.features.length} features, the fitted spec gives ${width}`
          : null;
  if (problem)
    throw new LatheError(
      'CORRUPT_FILE',
      `model/gbdt.json is not a model Lathe trained: ${problem}`,
      {
        path: 'model/gbdt.json',
      },
    );
  return model as GbdtModel;
}

/** A stored model's raw outputs [rows, outputs] as float32, from row-major features [rows, width]. */
export interface StoredModelScorer {
  predict(x: Float32Array, rows: number): Promise<Float32Array>;
  /** Frees the model (a tree ensemble's scorer threads); always call it. */
  dispose(): Promise<void>;
}

/**
 * A stored model of `width` inputs, ready to predict raw outputs. A tree ensemble is walked on every core
 * (tree-scorer.ts threadedScorer: the same sums, bit for bit, as on one thread): an evaluation's passes
 * (the rows, then a pass per column and repeat of permutation importance) took seconds each on one.
 */
export async function loadStoredModel(
  stored: StoredModel,
  width: number,
  threads?: number,
): Promise<StoredModelScorer> {
  if (stored.kind === 'gbdt') {
    const scorer = threadedScorer(parseGbdtModel(stored.json, width), threads);
    return {
      predict: async (x, rows) => Float32Array.from(await scorer.score(x, rows)),
      dispose: () => scorer.close(),
    };
  }
  await tf.ready();
  const model = tfjsTrainedModel(await loadModel(stored.modelJson, stored.weights), width);
  return {
    predict: (x, rows) => Promise.resolve(model.predict(x, rows)),
    dispose: () => Promise.resolve(model.dispose()),
  };
}

/** The saved model, from the bytes of model/model.json and model/weights.bin. */
export async function loadModel(modelJson: string, weights: Uint8Array): Promise<tfl.LayersModel> {
  const parsed = JSON.parse(modelJson) as {
    modelTopology: object;
    weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
  };
  const data = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength);
  return tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: parsed.modelTopology,
      weightSpecs: parsed.weightsManifest.flatMap((m) => m.weights),
      weightData: data as ArrayBuffer,
    }),
  );
}

/** Probabilities (n × k) from raw outputs, and the mean log loss against the labels. */
function toProbs(raw: Float32Array, rows: number, k: number, labels: Int32Array) {
  const probs = new Float64Array(rows * k);
  let loss = 0;
  const eps = 1e-15;
  for (let i = 0; i < rows; i++) {
    if (k === 2) {
      const p1 = 1 / (1 + Math.exp(-raw[i]!));
      probs[i * 2] = 1 - p1;
      probs[i * 2 + 1] = p1;
    } else {
      let max = -Infinity;
      for (let c = 0; c < k; c++) max = Math.max(max, raw[i * k + c]!);
      let z = 0;
      for (let c = 0; c < k; c++) z += Math.exp(raw[i * k + c]! - max);
      for (let c = 0; c < k; c++) probs[i * k + c] = Math.exp(raw[i * k + c]! - max) / z;
    }
    loss -= Math.log(Math.min(1, Math.max(eps, probs[i * k + labels[i]!]!)));
  }
  return { probs, loss: rows ? loss / rows : 0 };
}

async function evalTable(engine: Engine, job: ScoreJob): Promise<string> {
  const t = ident(job.config.target);
  const file = `read_parquet(${literal(job.parquetPath)}, file_row_number = true)`;
  const source = `(SELECT * EXCLUDE (file_row_number), file_row_number AS __row FROM ${file} WHERE ${t} IS NOT NULL)`;
  if (job.which === 'all') {
    await engine.run(`CREATE OR REPLACE TABLE data AS SELECT *, 'all' AS __split FROM ${source}`);
  } else {
    await applySplit(engine, {
      table: 'data',
      from: source,
      rule: job.rule,
      target: job.config.target,
      row: '__row',
    });
  }
  return 'data';
}

/** How far a job has come: `fraction` of its work done, and what it does now. */
export type ScoreProgress = (fraction: number, message: string) => void;

/** How a job hears that it was cancelled (the evaluation worker's cancel; see worker.ts). */
export interface ScoreCancel {
  isCancelled(): boolean;
  /** Runs `hook` once the job is cancelled (e.g. to interrupt DuckDB); returns its removal. */
  onCancel(hook: () => void): () => void;
}

/** The error a cancelled evaluation job ends with. */
export const evaluationCancelled = () =>
  new LatheError('CANCELLED', 'the evaluation was cancelled');

/** Throws CANCELLED once `cancel` says so: between the stages and passes of a job. */
export function throwIfCancelled(cancel: ScoreCancel | undefined): void {
  if (cancel?.isCancelled()) throw evaluationCancelled();
}

/** The share of a job's progress its reading takes (the feature query); the scoring passes share the rest. */
const READ_SHARE = 0.15;

/**
 * Scores the rows of a job with its model: labels or values, probabilities or predictions, importance.
 * `progress` hears of each stage: reading, scoring, explaining, and each importance pass.
 */
export async function scoreRows(
  job: ScoreJob,
  progress: ScoreProgress = () => undefined,
  cancel?: ScoreCancel,
): Promise<ScoredRows> {
  const missing = [job.config.target, ...job.segmentColumns].filter(
    (c) => !job.columns.some((x) => x.name === c),
  );
  if (missing.length) {
    throw new LatheError(
      'COLUMN_NOT_FOUND',
      `column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')} not in the evaluation data`,
      { columns: missing },
    );
  }
  progress(0, 'reading the rows');
  const engine = await createEngine();
  // A cancel interrupts the reading where it is.
  const offCancel = cancel?.onCancel(() => engine.interrupt());
  try {
    throwIfCancelled(cancel);
    const table = await evalTable(engine, job);
    const sql = compileFeatureSql(job.fitted, table, {
      keep: ['__row', '__split', job.config.target, ...job.segmentColumns],
      rowOrder: '__row',
    });
    const which = job.which === 'all' ? 'all' : job.which;
    const outputs = job.fitted.outputs;
    const width0 = outputs.length;
    const result = await engine.matrix(
      `SELECT * FROM (${sql}) WHERE __split = ${literal(which)} ORDER BY __row`,
      width0,
    );
    const rows = (result.numeric[0] ?? result.values[0])?.length ?? 0;
    if (rows === 0) {
      throw new LatheError(
        'INVALID_INPUT',
        job.which === 'test'
          ? 'the run held out no test rows (split.testFraction is 0)'
          : `no rows to evaluate in the ${job.which === 'all' ? 'dataset' : 'validation split'}`,
      );
    }
    let x: Float32Array = new Float32Array(rows * width0);
    for (let k = 0; k < width0; k++) {
      const col = result.numeric[k]!;
      for (let r = 0; r < rows; r++) x[r * width0 + k] = col[r]!;
    }
    const kept = job.fitted.selection?.kept ?? outputs;
    if (job.fitted.selection) x = subsetColumns(x, rows, outputs, kept);
    const width = kept.length;
    const targetCol = result.values[2]!;
    const segments: ScoredRows['segments'] = {};
    job.segmentColumns.forEach((c, i) => {
      segments[c] = result.values[3 + i]!.map((v) => {
        const p = toPlain(v);
        return p === null || p === undefined ? null : typeof p === 'number' ? p : String(p);
      });
    });

    const labels = new Int32Array(rows);
    const actual = new Float64Array(rows);
    const target = job.target;
    const classes = target.kind === 'classes' ? target.classes : [];
    if (target.kind === 'classes') {
      const index = new Map(classes.map((c, i) => [c, i]));
      const unknown = new Set<string>();
      for (let r = 0; r < rows; r++) {
        const v = String(toPlain(targetCol[r]));
        const i = index.get(v);
        if (i === undefined) unknown.add(v);
        else labels[r] = i;
      }
      if (unknown.size) {
        throw new LatheError(
          'INVALID_INPUT',
          `target '${job.config.target}' has values the model never saw: ${[...unknown].slice(0, 5).join(', ')} (it knows ${classes.join(', ')})`,
        );
      }
    } else for (let r = 0; r < rows; r++) actual[r] = Number(toPlain(targetCol[r]));

    const model = await loadStoredModel(job.model, width);
    try {
      // The passes after reading: the scoring, TreeSHAP (about two passes' work), and each importance
      // pass (one more for a sampled ensemble's baseline).
      const explaining = job.explain === true && job.model.kind === 'gbdt';
      const sources = new Set(kept.map((name) => sourceOf(job.fitted, name))).size;
      const sampled =
        job.importanceRepeats > 0 && job.model.kind === 'gbdt' && rows > GBDT_IMPORTANCE_ROWS;
      const passes = 1 + (explaining ? 2 : 0) + (sampled ? 1 : 0) + sources * job.importanceRepeats;
      let passesDone = 0;
      const passed = (message: string, weight = 1) => {
        throwIfCancelled(cancel);
        progress(READ_SHARE + ((1 - READ_SHARE) * passesDone) / passes, message);
        passesDone += weight;
      };
      const k = classes.length;
      const scoreOn = async (
        features: Float32Array,
        n: number,
        yLabels: Int32Array,
        yActual: Float64Array,
      ) => {
        const raw = await model.predict(features, n);
        if (target.kind === 'classes') return toProbs(raw, n, k, yLabels);
        const predicted = Float64Array.from(raw, (z) => z * target.std + target.mean);
        let se = 0;
        for (let r = 0; r < n; r++) se += (predicted[r]! - yActual[r]!) ** 2;
        return { predicted, loss: se / n };
      };
      passed(`scoring ${groupDigits(rows)} rows`);
      const base = await scoreOn(x, rows, labels, actual);
      if (explaining) passed('explaining the predictions (TreeSHAP)', 2);
      const explanations =
        explaining && job.model.kind === 'gbdt'
          ? explainForReport(parseGbdtModel(job.model.json, width), x, rows, target, job.seed)
          : undefined;

      // Permutation importance by input column: every output feature made from that column is shuffled
      // with the same row order, as if the raw column had been.
      const importance: ScoredRows['importance'] = {};
      if (job.importanceRepeats > 0) {
        // A tree ensemble shuffles a seeded sample of the rows (predicting is seconds per pass there).
        const sample =
          job.model.kind === 'gbdt' && rows > GBDT_IMPORTANCE_ROWS
            ? permutation(rows, createRng(job.seed ^ 0x1b873593))
                .subarray(0, GBDT_IMPORTANCE_ROWS)
                .sort()
            : null;
        const n = sample?.length ?? rows;
        const xs = sample ? new Float32Array(n * width) : x;
        if (sample)
          sample.forEach((r, i) => xs.set(x.subarray(r * width, (r + 1) * width), i * width));
        const ys = sample ? Int32Array.from(sample, (r) => labels[r]!) : labels;
        const as = sample ? Float64Array.from(sample, (r) => actual[r]!) : actual;
        if (sample) passed(`importance: scoring a sample of ${groupDigits(n)} rows`);
        const baseLoss = sample ? (await scoreOn(xs, n, ys, as)).loss : base.loss;
        const bySource = new Map<string, number[]>();
        kept.forEach((name, j) => {
          const src = sourceOf(job.fitted, name);
          bySource.set(src, [...(bySource.get(src) ?? []), j]);
        });
        const rng = createRng(job.seed ^ 0x51ced);
        const shuffled = Float32Array.from(xs);
        let column = 0;
        for (const [src, cols] of bySource) {
          column++;
          const rises: number[] = [];
          for (let rep = 0; rep < job.importanceRepeats; rep++) {
            passed(`importance: ${src} (${column} of ${bySource.size})`);
            const order = permutation(n, rng);
            // Row by row, the column's outputs side by side (a one-hot column's are adjacent): a column
            // at a time strode the whole matrix once per output.
            for (let r = 0, o = 0; r < n; r++, o += width) {
              const from = order[r]! * width;
              for (const j of cols) shuffled[o + j] = xs[from + j]!;
            }
            rises.push((await scoreOn(shuffled, n, ys, as)).loss - baseLoss);
            for (let o = 0; o < n * width; o += width)
              for (const j of cols) shuffled[o + j] = xs[o + j]!;
          }
          const mean = rises.reduce((a, b) => a + b, 0) / rises.length;
          const std = Math.sqrt(rises.reduce((a, b) => a + (b - mean) ** 2, 0) / rises.length);
          importance[src] = { mean, std };
        }
      }
      return {
        rows,
        labels,
        actual,
        probs: 'probs' in base ? base.probs : new Float64Array(0),
        predicted: 'predicted' in base ? base.predicted : new Float64Array(0),
        classes,
        segments,
        importance,
        loss: base.loss,
        nFeatures: width,
        ...(explanations ? { explanations } : {}),
      };
    } finally {
      await model.dispose();
    }
  } finally {
    offCancel?.();
    engine.close();
  }
}

/** The input column an output feature was made from; a derived feature counts under its first column. */
function sourceOf(fitted: FittedFeatureSpec, output: string): string {
  for (const c of fitted.columns) if (columnOutputs(c).includes(output)) return c.source;
  for (const d of fitted.derived)
    if (derivedOutputs(d).includes(output)) return 'column' in d ? d.column : d.columns[0];
  return output;
}
