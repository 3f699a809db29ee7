// Histogram gradient boosting: trainGbdt grows the trees of a GbdtModel (./tree-model.ts) round by round.
// Features are binned once (./binning.ts); each tree is grown on gradient histograms (./grow.ts) that an
// engine builds (./hist-engine.ts: WebAssembly SIMD over shared memory, split by feature across worker
// threads, so any number of threads gives the same trees bit for bit).
import { LatheError } from '../../../shared/contract/errors';
import { createRng, permutation } from '../random';
import { computeBins, fillBins, validBins, type BinSpec } from './binning';
import { growTree } from './grow';
import { createJsEngine, type EngineScores, type HistEngine } from './hist-engine';
import { baseScore, gradients, weightedMedian } from './objectives';
import { createWasmEngine } from './wasm-engine';
import { GBDT_FORMAT, type GbdtModel, type Tree } from './tree-model';

export interface GbdtParams {
  objective: GbdtModel['objective'];
  /** k for softmax, else 1. */
  outputs: number;
  trees: number;
  learningRate: number;
  /** 0 = no limit. */
  maxDepth: number;
  /** 0 = no limit; growth leafwise grows the best leaf first. */
  maxLeaves: number;
  growth: 'depthwise' | 'leafwise';
  minChildWeight: number;
  minSplitGain: number;
  l1: number;
  l2: number;
  /** Fractions of rows and of features each tree sees, drawn per (seed, round, output). */
  subsample: number;
  colsample: number;
  maxBins: number;
  huberDelta: number;
  seed: number;
  /** Threads building histograms: the results are identical for every value. */
  threads: number;
}

export interface GbdtData {
  /** Row-major [rows, width]; NaN = missing. */
  x: Float32Array;
  rows: number;
  width: number;
  features: string[];
  /** Columns holding integer category codes (< 0 = missing). */
  categorical: number[];
  /** 0/1 (logistic), class index (softmax), standardized value (regression). */
  y: Float32Array | Int32Array;
  /** Per-row weights (class weights) or null. */
  weights: Float32Array | null;
}

export interface GbdtCheckpoint {
  /** Rounds done. */
  round: number;
  trees: Tree[];
  baseScore: number[];
}

export interface GbdtHooks<M = never> {
  /**
   * After each round (`round` = rounds done, from 1): raw validation scores [validRows, outputs] after it
   * and the training loss (weighted mean: log loss, cross-entropy, squared / absolute error, Huber loss);
   * with `measure`, its measurement of those scores.
   */
  onRound(r: {
    round: number;
    trainLoss: number;
    validRaw: Float32Array;
    measured?: M;
  }): 'continue' | 'stop';
  /**
   * Measures a round's validation scores elsewhere (another thread): the next round grows meanwhile, and
   * onRound gets the round once the measurement is in. Rounds still reach onRound in order, and when one
   * says stop, the round grown beyond it is dropped: the model, the rounds reported and the checkpoints
   * are those of training without it.
   */
  measure?(validRaw: Float32Array): Promise<M>;
  /** Polled between trees; true → throw LatheError('CANCELLED', …). */
  isCancelled?(): boolean;
  checkpointEvery?: number;
  onCheckpoint?(c: GbdtCheckpoint): void;
}

/** Creates the histogram engine: WebAssembly with worker threads; tests also pass the TypeScript one. */
export type EngineFactory = (
  spec: BinSpec,
  rows: number,
  width: number,
  threads: number,
  scores: EngineScores,
) => Promise<HistEngine>;

/** The plain TypeScript engine (single-threaded): the reference the WebAssembly engine equals. */
export const jsEngine: EngineFactory = (spec, rows, width, _threads, scores) =>
  Promise.resolve(createJsEngine(spec, rows, width, scores));

/** A seed for the draws of (seed, round, output, purpose). */
function drawSeed(seed: number, round: number, output: number, purpose: number): number {
  let h = (seed ^ Math.imul(round + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) ^ Math.imul(output + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13), 0x27d4eb2f) ^ Math.imul(purpose, 0x165667b1);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Per internal node, whether each bin goes left (the split as the bins see it). */
function binTables(tree: Tree, spec: BinSpec): (Uint8Array | null)[] {
  return tree.feature.map((f, n) => {
    if (f < 0) return null;
    const fb = spec.features[f]!;
    const table = new Uint8Array(spec.stride + 2);
    table[spec.stride] = tree.defaultLeft[n] ? 1 : 0;
    const cats = tree.categories[n];
    if (cats) {
      const set = new Set(cats);
      fb.codes.forEach((code, b) => {
        if (set.has(code)) table[b] = 1;
      });
    } else {
      const t = tree.threshold[n]!;
      for (let b = 0; b < fb.valueBins; b++) if (fb.cuts[b]! <= t) table[b] = 1;
    }
    if (fb.missingBin >= 0) table[fb.missingBin] = tree.defaultLeft[n] ? 1 : 0;
    return table;
  });
}

function fillIdentity(index: Uint32Array): Uint32Array {
  for (let r = 0; r < index.length; r++) index[r] = r;
  return index;
}

function checkInputs(p: GbdtParams, d: GbdtData, valid: { x: Float32Array; rows: number }) {
  const bad = (message: string) => new LatheError('INVALID_INPUT', message);
  if (d.rows < 1) throw bad('GBDT training needs at least one training row');
  if (d.x.length !== d.rows * d.width)
    throw bad(
      `GBDT training data: x has ${d.x.length} values, expected rows × width = ${d.rows * d.width}`,
    );
  if (d.y.length !== d.rows)
    throw bad(`GBDT training data: y has ${d.y.length} values, expected ${d.rows}`);
  if (d.weights && d.weights.length !== d.rows)
    throw bad(`GBDT training data: weights has ${d.weights.length} values, expected ${d.rows}`);
  if (valid.x.length !== valid.rows * d.width)
    throw bad(
      `GBDT validation data: x has ${valid.x.length} values, expected ${valid.rows * d.width}`,
    );
  if (d.features.length !== d.width)
    throw bad(`GBDT training data: ${d.features.length} feature names for ${d.width} columns`);
  const badParam = (field: keyof GbdtParams, rule: string) =>
    new LatheError('INVALID_CONFIG', `GBDT model.${field} is ${String(p[field])}: ${rule}`);
  const checks: [keyof GbdtParams, boolean, string][] = [
    ['trees', Number.isInteger(p.trees) && p.trees >= 1, 'it must be a whole number ≥ 1'],
    ['learningRate', p.learningRate > 0 && Number.isFinite(p.learningRate), 'it must be > 0'],
    ['maxDepth', Number.isInteger(p.maxDepth) && p.maxDepth >= 0, 'it must be a whole number ≥ 0'],
    [
      'maxLeaves',
      Number.isInteger(p.maxLeaves) && p.maxLeaves >= 0,
      'it must be a whole number ≥ 0',
    ],
    ['minChildWeight', p.minChildWeight >= 0, 'it must be ≥ 0'],
    ['minSplitGain', p.minSplitGain >= 0, 'it must be ≥ 0'],
    ['l1', p.l1 >= 0, 'it must be ≥ 0'],
    ['l2', p.l2 >= 0, 'it must be ≥ 0'],
    ['subsample', p.subsample > 0 && p.subsample <= 1, 'it must be in (0, 1]'],
    ['colsample', p.colsample > 0 && p.colsample <= 1, 'it must be in (0, 1]'],
    [
      'maxBins',
      Number.isInteger(p.maxBins) && p.maxBins >= 2 && p.maxBins <= 65_000,
      'it must be a whole number from 2 to 65000',
    ],
    ['huberDelta', p.huberDelta > 0, 'it must be > 0'],
    ['threads', Number.isInteger(p.threads) && p.threads >= 1, 'it must be a whole number ≥ 1'],
  ];
  for (const [field, ok, rule] of checks) if (!ok) throw badParam(field, rule);
  const k = p.objective === 'softmax' ? p.outputs : 1;
  if (p.outputs !== k || k < 1) throw bad(`GBDT ${p.objective}: outputs ${p.outputs} is not valid`);
  if (p.objective === 'softmax')
    for (let i = 0; i < d.rows; i++) {
      const c = d.y[i]!;
      if (!(Number.isInteger(c) && c >= 0 && c < k))
        throw bad(`GBDT softmax: class index ${c} of row ${i} is not in 0..${k - 1}`);
    }
}

/**
 * Trains `params.trees` rounds (fewer when onRound says stop) and returns the model with every trained
 * round's trees. With `resume`, continues from its trees: the result equals an uninterrupted run's.
 */
export async function trainGbdt<M = never>(
  params: GbdtParams,
  data: GbdtData,
  valid: { x: Float32Array; rows: number },
  hooks: GbdtHooks<M>,
  resume?: GbdtCheckpoint,
  createEngine: EngineFactory = createWasmEngine,
): Promise<GbdtModel> {
  checkInputs(params, data, valid);
  const { rows, width, y, weights } = data;
  const k = params.outputs;
  const spec = computeBins(data.x, rows, width, data.categorical, params.maxBins);
  const engine = await createEngine(spec, rows, width, params.threads, {
    outputs: k,
    validRows: valid.rows,
  });
  try {
    fillBins(spec, data.x, rows, width, engine.bins);
    const base = resume ? resume.baseScore : baseScore(params.objective, k, y, weights);
    const trees: Tree[] = resume ? resume.trees.slice() : [];
    const startRound = resume ? resume.round : 0;
    if (trees.length !== startRound * k)
      throw new LatheError(
        'CORRUPT_FILE',
        `GBDT checkpoint: ${trees.length} trees for ${startRound} rounds of ${k} output(s)`,
      );
    engine.validBins.set(validBins(spec, valid.x, valid.rows, width));

    const raw = engine.raw;
    const validRaw = engine.validRaw;
    for (let r = 0; r < rows; r++) for (let c = 0; c < k; c++) raw[r * k + c] = base[c]!;
    for (let r = 0; r < valid.rows; r++) for (let c = 0; c < k; c++) validRaw[r * k + c] = base[c]!;
    trees.forEach((tree, t) => {
      const tables = binTables(tree, spec);
      engine.addTree(tree, tables, t % k, null);
    });

    const grad = k === 1 ? null : new Float32Array(rows * k * 2);
    const residual = params.objective === 'absolute_error' ? new Float64Array(rows) : null;
    const residualWeight =
      params.objective === 'absolute_error' && weights ? new Float64Array(rows) : null;
    const nFeatures = Math.max(1, Math.min(width, Math.round(params.colsample * width)));
    const grow = {
      maxDepth: params.maxDepth,
      maxLeaves: params.maxLeaves,
      growth: params.growth,
      minChildWeight: params.minChildWeight,
      minSplitGain: params.minSplitGain,
      l1: params.l1,
      l2: params.l2,
      learningRate: params.learningRate,
    };

    let weightSum = rows;
    if (weights) {
      weightSum = 0;
      for (let i = 0; i < rows; i++) weightSum += weights[i]!;
    }
    /** The training loss of `raw`, and every row's gradients for the next tree(s). */
    const lossAndGradients = (): number =>
      params.objective === 'logistic' && engine.logistic
        ? weightSum > 0
          ? engine.logistic(raw, y, weights) / weightSum
          : 0
        : gradients(params.objective, k, raw, y, weights, params.huberDelta, grad ?? engine.gpair);

    /** A round whose report waits for its measurement (with `measure`: while the next round grows). */
    interface Reported {
      round: number;
      trainLoss: number;
      validRaw: Float32Array;
      measured: Promise<M> | null;
    }
    let pending: Reported | null = null;
    const reported = (round: number, trainLoss: number): Reported => {
      const copy = Float32Array.from(validRaw);
      const measured = hooks.measure ? hooks.measure(copy) : null;
      // A round dropped after a stop is never awaited.
      measured?.catch(() => undefined);
      return { round, trainLoss, validRaw: copy, measured };
    };
    /**
     * Reports the pending round; true when it says stop (the trees grown after it are dropped). The last
     * round (`last`) takes no checkpoint.
     */
    const deliver = async (last = false): Promise<boolean> => {
      const p = pending;
      pending = null;
      if (!p) return false;
      const measured = p.measured ? await p.measured : undefined;
      const r = { round: p.round, trainLoss: p.trainLoss, validRaw: p.validRaw };
      if (hooks.onRound(measured === undefined ? r : { ...r, measured }) === 'stop') {
        trees.length = p.round * k;
        return true;
      }
      const every = hooks.checkpointEvery ?? 0;
      if (!last && every > 0 && hooks.onCheckpoint && p.round % every === 0)
        hooks.onCheckpoint({
          round: p.round,
          trees: trees.slice(0, p.round * k),
          baseScore: base.slice(),
        });
      return false;
    };

    let identity: Uint32Array | null = null;
    let round = startRound;
    let stopped = false;
    for (; round < params.trees; round++) {
      const loss = lossAndGradients();
      if (round > startRound) {
        const next = reported(round, loss);
        // Measured elsewhere: the round before is reported now, this one after the next tree grows.
        if (!hooks.measure) pending = next;
        stopped = await deliver();
        if (stopped) {
          round = trees.length / k;
          break;
        }
        if (hooks.measure) pending = next;
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
      for (let c = 0; c < k; c++) {
        if (hooks.isCancelled?.()) throw new LatheError('CANCELLED', 'GBDT training was cancelled');
        if (grad) {
          const gp = engine.gpair;
          for (let r = 0; r < rows; r++) {
            gp[2 * r] = grad[2 * (r * k + c)]!;
            gp[2 * r + 1] = grad[2 * (r * k + c) + 1]!;
          }
        }
        const index = engine.index;
        let count = 0;
        if (params.subsample < 1) {
          const rng = createRng(drawSeed(params.seed, round, c, 1));
          for (let r = 0; r < rows; r++) if (rng() < params.subsample) index[count++] = r;
        } else {
          identity ??= fillIdentity(new Uint32Array(rows));
          index.set(identity);
          count = rows;
        }
        engine.count = count;
        let features: Int32Array;
        if (nFeatures < width) {
          const perm = permutation(width, createRng(drawSeed(params.seed, round, c, 2)));
          features = perm.slice(0, nFeatures).sort();
        } else features = Int32Array.from({ length: width }, (_, f) => f);

        const grown = growTree(engine, spec, grow, features);
        const tree = grown.tree;
        if (residual) {
          // LightGBM's L1 regression: each node's value is the (weighted) median residual of its rows.
          for (let n = 0; n < tree.feature.length; n++) {
            const b = grown.begin[n]!;
            const e = grown.end[n]!;
            for (let i = b; i < e; i++) {
              const r = index[i]!;
              residual[i - b] = y[r]! - raw[r]!;
              if (residualWeight) residualWeight[i - b] = weights![r]!;
            }
            tree.value[n] =
              e > b ? weightedMedian(residual, residualWeight, e - b) * params.learningRate : 0;
          }
        }
        engine.addTree(tree, grown.tables, c, count === rows ? grown : null);
        trees.push(tree);
      }
    }
    if (!stopped && round > startRound) {
      // The last round grown: the one before it is reported first, and it may still say stop.
      const next = reported(round, lossAndGradients());
      if (await deliver()) round = trees.length / k;
      else {
        pending = next;
        await deliver(true);
      }
    }
    return {
      format: GBDT_FORMAT,
      formatVersion: 1,
      task:
        params.objective === 'logistic'
          ? 'binary'
          : params.objective === 'softmax'
            ? 'multiclass'
            : 'regression',
      objective: params.objective,
      features: data.features.slice(),
      categorical: data.categorical.slice().sort((a, b) => a - b),
      outputs: k,
      baseScore: base.slice(),
      trees,
      roundsTrained: round,
    };
  } finally {
    await engine.close();
  }
}
