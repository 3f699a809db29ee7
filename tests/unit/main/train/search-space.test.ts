import { describe, expect, it } from 'vitest';
import {
  dimensionGrid,
  gridAssignments,
  gridSize,
  randomAssignment,
  shouldPrune,
  tpeAssignment,
  type Observation,
  type Space,
} from '../../../../main/train/search-space';
import { createRng } from '../../../../main/train/random';
import { SearchSpec } from '../../../../shared/contract';

// A synthetic objective with a known optimum: lr = 1e-2 (log scale), dropout = 0.3, width 64, relu.
const space: Space = {
  'training.learningRate': { type: 'loguniform', low: 1e-5, high: 1 },
  'model.dropout': { type: 'uniform', low: 0, high: 0.9 },
  width: { type: 'int', low: 8, high: 512, log: true },
  'model.activation': { type: 'choice', values: ['relu', 'tanh', 'elu', 'selu'] },
};
function objective(p: Record<string, unknown>): number {
  const lr = Math.log10(p['training.learningRate'] as number) + 2;
  const d = ((p['model.dropout'] as number) - 0.3) * 4;
  const w = Math.log2(p.width as number) - 6;
  const a = p['model.activation'] === 'relu' ? 0 : 1;
  return lr * lr + d * d + 0.5 * w * w + a;
}

function search(strategy: 'random' | 'tpe', trials: number, seed: number) {
  const rng = createRng(seed);
  const obs: Observation[] = [];
  for (let t = 0; t < trials; t++) {
    const params =
      strategy === 'tpe'
        ? tpeAssignment(space, obs, 'min', rng, { startupTrials: 10 })
        : randomAssignment(space, rng);
    obs.push({ params, value: objective(params) });
  }
  return obs;
}

describe('search spaces', () => {
  it('grids continuous ranges at evenly spaced points, log ranges geometrically', () => {
    expect(dimensionGrid({ type: 'uniform', low: 0, high: 1 }, 5)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(dimensionGrid({ type: 'loguniform', low: 1e-4, high: 1 }, 5)).toEqual([
      1e-4, 1e-3, 1e-2, 1e-1, 1,
    ]);
    expect(dimensionGrid({ type: 'int', low: 1, high: 3 }, 5)).toEqual([1, 2, 3]);
    expect(dimensionGrid({ type: 'int', low: 16, high: 256, log: true }, 5)).toEqual([
      16, 32, 64, 128, 256,
    ]);
    expect(gridSize(space, 3)).toBe(3 * 3 * 3 * 4);
    const grid = gridAssignments(space, 3);
    expect(grid).toHaveLength(108);
    expect(new Set(grid.map((g) => JSON.stringify(g))).size).toBe(108);
  });

  it('samples inside every range, ints as integers, choices from their values', () => {
    const rng = createRng(3);
    for (let i = 0; i < 500; i++) {
      const a = randomAssignment(space, rng);
      const lr = a['training.learningRate'] as number;
      expect(lr).toBeGreaterThanOrEqual(1e-5);
      expect(lr).toBeLessThanOrEqual(1);
      expect(Number.isInteger(a.width)).toBe(true);
      expect(a.width as number).toBeGreaterThanOrEqual(8);
      expect(a.width as number).toBeLessThanOrEqual(512);
      expect(['relu', 'tanh', 'elu', 'selu']).toContain(a['model.activation']);
    }
  });

  it('TPE finds the known-better region of a synthetic problem, better than random search', () => {
    let tpeWins = 0;
    for (const seed of [1, 2, 3, 4, 5]) {
      const tpe = search('tpe', 60, seed);
      const random = search('random', 60, seed);
      const best = (o: Observation[]) => Math.min(...o.map((x) => x.value));
      if (best(tpe) < best(random)) tpeWins++;
      // After the random start, TPE's samples concentrate around the optimum (lr ≈ 1e-2).
      const late = tpe
        .slice(40)
        .map((o) => Math.log10(o.params['training.learningRate'] as number));
      const near = late.filter((x) => Math.abs(x + 2) < 1).length;
      expect(near / late.length).toBeGreaterThan(0.5);
      expect(best(tpe)).toBeLessThan(1.5);
    }
    expect(tpeWins).toBeGreaterThanOrEqual(4);
  });

  it('is deterministic for a seed', () => {
    expect(search('tpe', 20, 9)).toEqual(search('tpe', 20, 9));
  });

  it('prunes a trial worse than the median of finished trials at the same epoch, after warm-up', () => {
    const finished = [
      [0.6, 0.7, 0.8],
      [0.6, 0.72, 0.82],
      [0.5, 0.65, 0.75],
    ];
    const args = { finished, mode: 'max' as const, warmupEpochs: 1, minTrials: 3 };
    expect(shouldPrune({ ...args, history: [0.1] })).toBe(false); // warm-up
    expect(shouldPrune({ ...args, history: [0.1, 0.2] })).toBe(true);
    expect(shouldPrune({ ...args, history: [0.6, 0.71] })).toBe(false);
    expect(shouldPrune({ ...args, history: [0.1, 0.2], minTrials: 4 })).toBe(false);
    expect(shouldPrune({ ...args, mode: 'min', history: [0.1, 0.2] })).toBe(false);
  });

  it('names a bad search space field', () => {
    const r = SearchSpec.safeParse({
      space: { 'training.learningRate': { type: 'loguniform', low: 0, high: 1 } },
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['space', 'training.learningRate', 'low']);
    const bad = SearchSpec.safeParse({ space: { 'foo bar': { type: 'choice', values: [1] } } });
    expect(bad.success).toBe(false);
    expect(SearchSpec.safeParse({ space: {} }).success).toBe(false);
    expect(
      SearchSpec.safeParse({ space: { 'model.dropout': { type: 'uniform', low: 0.5, high: 0.1 } } })
        .error!.issues[0]!.message,
    ).toMatch(/high must be above low/);
  });
});
