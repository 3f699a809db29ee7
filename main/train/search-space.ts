// Hyperparameter search spaces: grid enumeration, random sampling and a tree-structured Parzen estimator
// (TPE, Bergstra et al. 2011, univariate as in Optuna's default sampler). Pure: a seeded rng in, values out.
import type { JsonValue, MetricMode, SearchDimension } from '../../shared/contract';

export type Space = Record<string, SearchDimension>;
export type Assignment = Record<string, JsonValue>;

/** A finished trial as the sampler sees it: its assignment and its objective value. */
export interface Observation {
  params: Assignment;
  value: number;
}

/** Each continuous dimension at `points` values (geometric for log scales), ints deduplicated. */
export function dimensionGrid(dim: SearchDimension, points: number): JsonValue[] {
  if (dim.type === 'choice') return dim.values;
  const log = dim.type === 'loguniform' || (dim.type === 'int' && dim.log === true);
  if (dim.type === 'int' && !log && dim.high - dim.low + 1 <= points) {
    return Array.from({ length: dim.high - dim.low + 1 }, (_, i) => dim.low + i);
  }
  const [a, b] = log ? [Math.log(dim.low), Math.log(dim.high)] : [dim.low, dim.high];
  const values = Array.from({ length: points }, (_, i) => {
    const x = a + ((b - a) * i) / (points - 1);
    return log ? Math.exp(x) : x;
  });
  if (dim.type !== 'int') return values.map((v) => roundSignificant(v));
  return [...new Set(values.map((v) => Math.round(v)))];
}

/** Every combination of the dimensions' grids, the first dimension varying slowest. */
export function gridAssignments(space: Space, points: number): Assignment[] {
  let out: Assignment[] = [{}];
  for (const [path, dim] of Object.entries(space)) {
    const values = dimensionGrid(dim, points);
    out = out.flatMap((a) => values.map((v) => ({ ...a, [path]: v })));
  }
  return out;
}

/** How many combinations a grid has (without building it). */
export function gridSize(space: Space, points: number): number {
  return Object.values(space).reduce((n, d) => n * dimensionGrid(d, points).length, 1);
}

// Numeric dimensions are modelled in an internal coordinate: log for log scales, ints widened by ±0.5
// so rounding gives every integer the same share of the range.
interface Numeric {
  lo: number;
  hi: number;
  toValue(x: number): number;
  toInternal(v: number): number;
}

function numeric(dim: Exclude<SearchDimension, { type: 'choice' }>): Numeric {
  if (dim.type === 'uniform')
    return { lo: dim.low, hi: dim.high, toValue: (x) => x, toInternal: (v) => v };
  if (dim.type === 'loguniform') {
    return {
      lo: Math.log(dim.low),
      hi: Math.log(dim.high),
      toValue: (x) => Math.exp(x),
      toInternal: (v) => Math.log(v),
    };
  }
  const clampInt = (v: number) => Math.min(dim.high, Math.max(dim.low, Math.round(v)));
  if (dim.log) {
    return {
      lo: Math.log(dim.low - 0.5 > 0 ? dim.low - 0.5 : dim.low / 2),
      hi: Math.log(dim.high + 0.5),
      toValue: (x) => clampInt(Math.exp(x)),
      toInternal: (v) => Math.log(v),
    };
  }
  return { lo: dim.low - 0.5, hi: dim.high + 0.5, toValue: clampInt, toInternal: (v) => v };
}

/** One dimension sampled uniformly (on its scale). */
function sampleUniform(dim: SearchDimension, rng: () => number): JsonValue {
  if (dim.type === 'choice') return dim.values[Math.floor(rng() * dim.values.length)]!;
  const n = numeric(dim);
  const v = n.toValue(n.lo + rng() * (n.hi - n.lo));
  return dim.type === 'int' ? v : roundSignificant(v);
}

export function randomAssignment(space: Space, rng: () => number): Assignment {
  return Object.fromEntries(Object.entries(space).map(([p, d]) => [p, sampleUniform(d, rng)]));
}

export interface TpeOptions {
  /** Random trials before modelling. */
  startupTrials: number;
  /** Candidates drawn from the good-trials density; the one with the best l(x)/g(x) ratio wins. */
  candidates?: number;
}

/**
 * The next assignment by TPE: observations are split into the best γ fraction ("good", at most 25) and the
 * rest; per dimension a Parzen estimator of each (Gaussian kernels truncated to the range with bandwidths
 * from neighbour distances, plus a wide prior; smoothed counts for choices) and the candidate maximizing
 * log l(x) − log g(x) among draws from l. Random until `startupTrials` observations exist.
 */
export function tpeAssignment(
  space: Space,
  observations: readonly Observation[],
  mode: MetricMode,
  rng: () => number,
  options: TpeOptions,
): Assignment {
  const obs = observations.filter((o) => Number.isFinite(o.value));
  if (obs.length < options.startupTrials) return randomAssignment(space, rng);
  const sorted = [...obs].sort((a, b) => (mode === 'min' ? a.value - b.value : b.value - a.value));
  const nGood = Math.min(25, Math.max(1, Math.ceil(0.25 * sorted.length)));
  const good = sorted.slice(0, nGood);
  const bad = sorted.slice(nGood);
  const nCandidates = options.candidates ?? 24;
  const out: Assignment = {};
  for (const [path, dim] of Object.entries(space)) {
    if (dim.type === 'choice') {
      const key = (v: JsonValue) => JSON.stringify(v);
      const index = new Map(dim.values.map((v, i) => [key(v), i]));
      const weights = (set: Observation[]) => {
        const w = dim.values.map(() => 1);
        for (const o of set) {
          const i = index.get(key(o.params[path] ?? null));
          if (i !== undefined) w[i]! += 1;
        }
        const total = w.reduce((a, b) => a + b, 0);
        return w.map((x) => x / total);
      };
      const l = weights(good);
      const g = weights(bad);
      let best = 0;
      let bestScore = -Infinity;
      for (let c = 0; c < nCandidates; c++) {
        const i = drawIndex(l, rng);
        const score = Math.log(l[i]!) - Math.log(g[i]!);
        if (score > bestScore) [best, bestScore] = [i, score];
      }
      out[path] = dim.values[best]!;
      continue;
    }
    const n = numeric(dim);
    const at = (set: Observation[]) =>
      set
        .map((o) => o.params[path])
        .filter((v): v is number => typeof v === 'number')
        .map((v) => Math.min(n.hi, Math.max(n.lo, n.toInternal(v))));
    const l = parzen(at(good), n.lo, n.hi);
    const g = parzen(at(bad), n.lo, n.hi);
    let best = l.sample(rng);
    let bestScore = -Infinity;
    for (let c = 0; c < nCandidates; c++) {
      const x = l.sample(rng);
      const score = l.logPdf(x) - g.logPdf(x);
      if (score > bestScore) [best, bestScore] = [x, score];
    }
    const v = n.toValue(best);
    out[path] = dim.type === 'int' ? v : roundSignificant(v);
  }
  return out;
}

function drawIndex(weights: readonly number[], rng: () => number): number {
  let u = rng();
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i]!;
    if (u <= 0) return i;
  }
  return weights.length - 1;
}

/** A mixture of Gaussians truncated to [lo, hi]: one per point plus a prior centred on the range. */
export function parzen(points: readonly number[], lo: number, hi: number) {
  const range = hi - lo;
  const mus = [...points, (lo + hi) / 2];
  const order = mus.map((m, i) => [m, i] as const).sort((a, b) => a[0] - b[0]);
  const minSigma = range / Math.min(100, 1 + mus.length);
  const sigmas = new Array<number>(mus.length);
  order.forEach(([m, i], k) => {
    if (i === mus.length - 1) {
      sigmas[i] = range; // the prior
      return;
    }
    const left = k > 0 ? m - order[k - 1]![0] : m - lo;
    const right = k < order.length - 1 ? order[k + 1]![0] - m : hi - m;
    sigmas[i] = Math.min(range, Math.max(minSigma, left, right));
  });
  const weight = 1 / mus.length;
  // Each kernel's mass inside the range, to renormalize the truncated densities.
  const mass = mus.map(
    (m, i) => normalCdf((hi - m) / sigmas[i]!) - normalCdf((lo - m) / sigmas[i]!),
  );
  return {
    sample(rng: () => number): number {
      const i = Math.min(mus.length - 1, Math.floor(rng() * mus.length));
      for (let tries = 0; tries < 64; tries++) {
        const x = mus[i]! + sigmas[i]! * gaussian(rng);
        if (x >= lo && x <= hi) return x;
      }
      return Math.min(hi, Math.max(lo, mus[i]!));
    },
    logPdf(x: number): number {
      let p = 0;
      for (let i = 0; i < mus.length; i++) {
        const z = (x - mus[i]!) / sigmas[i]!;
        p += (weight * Math.exp(-0.5 * z * z)) / (sigmas[i]! * Math.sqrt(2 * Math.PI) * mass[i]!);
      }
      return Math.log(Math.max(p, 1e-300));
    },
  };
}

/** Box–Muller: a standard normal draw. */
function gaussian(rng: () => number): number {
  const u = Math.max(rng(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** Φ(x), by the Abramowitz–Stegun erf approximation (|error| < 1.5e-7). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/** Sampled floats rounded to 6 significant digits: readable params, same training. */
function roundSignificant(v: number): number {
  return Number(v.toPrecision(6));
}

/**
 * Median pruning (as Optuna's MedianPruner): after `warmupEpochs`, a trial whose best value so far is
 * worse than the median of finished trials' best values up to the same epoch stops. Needs `minTrials`
 * finished trials that reached that epoch.
 */
export function shouldPrune(args: {
  /** The trial's metric by epoch (1-based index = epoch). */
  history: readonly number[];
  /** Finished trials' metric by epoch. */
  finished: readonly (readonly number[])[];
  mode: MetricMode;
  warmupEpochs: number;
  minTrials: number;
}): boolean {
  const { history, finished, mode, warmupEpochs, minTrials } = args;
  const epoch = history.length;
  if (epoch <= warmupEpochs) return false;
  const better = (a: number, b: number) => (mode === 'min' ? Math.min(a, b) : Math.max(a, b));
  const bestUpTo = (h: readonly number[]) =>
    h.slice(0, epoch).filter(Number.isFinite).reduce(better);
  const peers = finished.filter(
    (h) => h.length >= epoch && h.slice(0, epoch).some(Number.isFinite),
  );
  if (peers.length < minTrials) return false;
  const values = peers.map(bestUpTo).sort((a, b) => a - b);
  const mid = values.length / 2;
  const median =
    values.length % 2 ? values[Math.floor(mid)]! : (values[mid - 1]! + values[mid]!) / 2;
  const mine = history.filter(Number.isFinite);
  if (!mine.length) return true;
  const best = mine.reduce(better);
  return mode === 'min' ? best > median : best < median;
}
