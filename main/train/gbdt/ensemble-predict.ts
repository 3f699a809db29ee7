// Raw predictions of a stored tree ensemble fast enough to run every round and for every feature of
// permutation importance: the trees flattened once into typed arrays and walked tree by tree over all
// rows. The result equals tree-model.ts's predictRaw bit for bit (each row's sum starts at the base score
// and adds the trees in order, in float64; the same left/right/missing rules).
import type { GbdtModel } from './tree-model';
import { compileEnsemble, scoreRows } from './tree-scorer';

/**
 * Rows a tree ensemble's permutation importance shuffles at most (a seeded sample; in training and in
 * evaluation): walking 100 trees over 160,000 rows takes seconds per pass where a network takes
 * milliseconds, and importance makes a pass per feature (per repeat).
 */
export const GBDT_IMPORTANCE_ROWS = 50_000;

/**
 * A predictor of `model`: raw outputs [rows, model.outputs] of row-major features [rows, features], on
 * the calling thread (tree-scorer.ts: flat typed arrays, category bitsets).
 */
export function ensemblePredictor(
  model: GbdtModel,
): (x: ArrayLike<number>, rows: number) => Float64Array {
  const compiled = compileEnsemble(model);
  return (x, rows) => scoreRows(compiled, x, rows);
}
