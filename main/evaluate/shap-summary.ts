// TreeSHAP in the evaluation report: exact contributions of a tree model on the evaluated rows, summed up
// as mean |SHAP| per input (the ranking) and kept for a bounded, seeded sample of rows (the beeswarm), so
// a report of a million rows costs what one of two thousand does and stays a few hundred kilobytes.
import type { Explanations, ShapFeature } from '../../shared/contract';
import type { GbdtModel } from '../train/gbdt/tree-model';
import { treeShap } from '../train/gbdt/tree-shap';
import { createRng } from '../train/random';

/** Rows whose contributions are computed at most (a seeded sample beyond). */
export const SHAP_MAX_ROWS = 2000;
/**
 * TreeSHAP's work grows with rows × leaves: a model with more leaves than 100 trees of depth 6 explains
 * proportionally fewer rows, down to SHAP_MIN_ROWS, so a big multiclass model's evaluation stays seconds.
 */
export const SHAP_LEAF_BUDGET = SHAP_MAX_ROWS * 100 * 64;
export const SHAP_MIN_ROWS = 500;
/** Rows whose values are stored for the beeswarm at most. */
export const SHAP_MAX_STORED = 500;
/**
 * Stored SHAP values (inputs × outputs × rows) at most: a wide multiclass model stores fewer rows, never
 * fewer than SHAP_MIN_STORED (or all explained rows when there are fewer).
 */
export const SHAP_STORED_BUDGET = 20_000;
export const SHAP_MIN_STORED = 50;

/** Contributions [rows][outputs][features + 1] of rows x [rows][features], the last slot the base. */
export type ShapFn = (model: GbdtModel, x: ArrayLike<number>, rows: number) => Float64Array;

/**
 * `m` distinct positions of 0..n-1 drawn with `seed` (a partial Fisher–Yates that touches only the
 * positions it draws), ascending; all of them when m >= n.
 */
export function sampleRows(n: number, m: number, seed: number): Int32Array {
  if (m >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const rng = createRng(seed);
  const swapped = new Map<number, number>();
  const at = (i: number) => swapped.get(i) ?? i;
  const out = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(rng() * (n - i));
    const vi = at(i);
    const vj = at(j);
    swapped.set(j, vi);
    out[i] = vj;
  }
  return out.sort();
}

/** How many explained rows keep their values for the beeswarm, within the stored budget. */
export function storedCount(explained: number, features: number, outputs: number): number {
  const byBudget = Math.floor(SHAP_STORED_BUDGET / Math.max(1, features * outputs));
  return Math.min(explained, SHAP_MAX_STORED, Math.max(SHAP_MIN_STORED, byBudget));
}

/** Rows to explain of a model: SHAP_MAX_ROWS, fewer for a model with many leaves (SHAP_LEAF_BUDGET). */
export function explainedCount(model: Pick<GbdtModel, 'trees'>): number {
  let leaves = 0;
  for (const t of model.trees) for (const f of t.feature) if (f < 0) leaves++;
  const byWork = Math.floor(SHAP_LEAF_BUDGET / Math.max(1, leaves));
  return Math.min(SHAP_MAX_ROWS, Math.max(SHAP_MIN_ROWS, byWork));
}

/** Six significant digits: the beeswarm's resolution, at about half the JSON of a full double. */
function short(v: number): number {
  return v === 0 ? 0 : Number(v.toPrecision(6));
}

/** The shortest decimal that reads back (through float32) as the float32 value v: 39.1, not 39.099998474121094. */
function float32Text(v: number): number {
  for (let p = 1; p < 9; p++) {
    const d = Number(v.toPrecision(p));
    if (Math.fround(d) === v) return d;
  }
  return v;
}

/** The q-quantile of ascending values (linear between order statistics). */
function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export interface ShapSummaryInput {
  /** Contributions of the explained rows: [rows][outputs][features + 1], the last slot the base. */
  contributions: Float64Array;
  /** The explained rows' inputs, [rows][features] row-major, float32 values (stored in their shortest form). */
  x: ArrayLike<number>;
  rows: number;
  features: string[];
  /** Indexes of categorical features (category codes; a negative code is missing). */
  categorical: number[];
  /** Output names: class names (multiclass) or the one output's. */
  outputs: string[];
  units: string;
  /** Position of each explained row among the evaluated rows (ascending). */
  positions: ArrayLike<number>;
  /** Indexes into the explained rows of those stored for the beeswarm (ascending). */
  stored: ArrayLike<number>;
  evaluatedRows: number;
  seed: number;
  /** Maps raw units to the reported ones: SHAP × mul, base × mul + add (regression's target units). */
  scale?: { mul: number; add: number };
}

/** Mean |SHAP| per input and output, the ranking, and the stored rows' values, from contributions. */
export function summarizeShap(input: ShapSummaryInput): Explanations {
  const { contributions, x, rows, features, outputs } = input;
  const F = features.length;
  const K = outputs.length;
  const slot = F + 1;
  if (contributions.length !== rows * K * slot) {
    throw new Error(
      `[ShapSummary] contributions hold ${contributions.length} values, expected ${rows} rows × ${K} outputs × ${slot}`,
    );
  }
  const mul = input.scale?.mul ?? 1;
  const add = input.scale?.add ?? 0;
  const isCategorical = new Set(input.categorical);
  const stored = Array.from(input.stored);
  const missing = (f: number, v: number) => Number.isNaN(v) || (isCategorical.has(f) && v < 0);

  const base = outputs.map((_, k) =>
    rows ? contributions[k * slot + F]! * mul + add : Number.NaN,
  );
  const summary: (ShapFeature & { rank: number })[] = features.map((feature, f) => {
    const meanAbs = outputs.map((_, k) => {
      let sum = 0;
      for (let r = 0; r < rows; r++) sum += Math.abs(contributions[(r * K + k) * slot + f]!);
      return rows ? (sum / rows) * Math.abs(mul) : 0;
    });
    const present: number[] = [];
    for (let r = 0; r < rows; r++) {
      const v = x[r * F + f]!;
      if (!missing(f, v)) present.push(v);
    }
    present.sort((a, b) => a - b);
    return {
      feature,
      meanAbs,
      values: stored.map((r) => {
        const v = x[r * F + f]!;
        return missing(f, v) ? null : float32Text(v);
      }),
      shap: outputs.map((_, k) =>
        stored.map((r) => short(contributions[(r * K + k) * slot + f]! * mul)),
      ),
      range: present.length ? [quantile(present, 0.05), quantile(present, 0.95)] : null,
      categorical: isCategorical.has(f),
      rank: meanAbs.reduce((a, b) => a + b, 0),
    };
  });
  // Ties keep the model's column order, so the same model and rows give the same report.
  const ranked = summary
    .map((s, f) => ({ s, f }))
    .sort((a, b) => b.s.rank - a.s.rank || a.f - b.f)
    .map(({ s }) => {
      const { rank: _rank, ...feature } = s;
      return feature;
    });
  return {
    method: 'treeshap',
    units: input.units,
    outputs,
    explainedRows: rows,
    evaluatedRows: input.evaluatedRows,
    seed: input.seed,
    storedRows: stored.map((r) => input.positions[r]!),
    base,
    features: ranked,
  };
}

export interface ExplainInput {
  model: GbdtModel;
  /** Every evaluated row's model inputs, [rows][model.features.length] row-major. */
  x: ArrayLike<number>;
  rows: number;
  outputs: string[];
  units: string;
  scale?: { mul: number; add: number };
  seed: number;
  /** TreeSHAP (main/train/gbdt/tree-shap.ts's treeShap). */
  shap: ShapFn;
  maxRows?: number;
}

/**
 * TreeSHAP of a tree model on evaluated rows: a seeded sample of at most `maxRows` (explainedCount) is
 * explained, and a seeded subsample of those (within the stored budget) keeps its values.
 */
export function explainTrees(input: ExplainInput): Explanations {
  const { model, rows } = input;
  const F = model.features.length;
  const K = model.outputs;
  if (input.outputs.length !== K) {
    throw new Error(`[ShapSummary] ${input.outputs.length} output names for ${K} model outputs`);
  }
  const positions = sampleRows(rows, input.maxRows ?? explainedCount(model), input.seed);
  const n = positions.length;
  const sample = new Float32Array(n * F);
  for (let i = 0; i < n; i++) {
    const from = positions[i]! * F;
    for (let f = 0; f < F; f++) sample[i * F + f] = input.x[from + f]!;
  }
  const contributions = input.shap(model, sample, n);
  const stored = sampleRows(n, storedCount(n, F, K), input.seed ^ 0x5a4b);
  return summarizeShap({
    contributions,
    x: sample,
    rows: n,
    features: model.features,
    categorical: model.categorical,
    outputs: input.outputs,
    units: input.units,
    positions,
    stored,
    evaluatedRows: rows,
    seed: input.seed,
    ...(input.scale ? { scale: input.scale } : {}),
  });
}

/** Output names and SHAP units of a tree model by task, from the stored target. */
export function explanationOutputs(
  target:
    | { kind: 'classes'; classes: string[] }
    | { kind: 'regression'; column: string; mean: number; std: number },
): { outputs: string[]; units: string; scale?: { mul: number; add: number } } {
  if (target.kind === 'regression')
    return {
      outputs: [target.column],
      units: target.column,
      scale: { mul: target.std, add: target.mean },
    };
  const [, positive] = target.classes;
  if (target.classes.length === 2 && positive !== undefined)
    return { outputs: [positive], units: `log-odds of “${positive}”` };
  return { outputs: target.classes, units: 'log-odds (softmax logit) per class' };
}

/**
 * The report's explanations of a tree model scored on `rows` rows of model inputs `x`: named and scaled
 * by the stored target, sampled with the run's seed.
 */
export function explainForReport(
  model: GbdtModel,
  x: ArrayLike<number>,
  rows: number,
  target: Parameters<typeof explanationOutputs>[0],
  seed: number,
): Explanations {
  return explainTrees({ model, x, rows, seed, shap: treeShap, ...explanationOutputs(target) });
}
