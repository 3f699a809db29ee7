// Feature importance of a tree ensemble, stored with the run as model/importance.json: by gain (the loss
// reduction of every split on the feature, summed over the trees) and by splits (how many nodes split on
// it). Plain TypeScript importing only types.
import type { GbdtModel } from './tree-model';

export const IMPORTANCE_PATH = 'model/importance.json';

export interface FeatureImportance {
  /** Sum of split gains per feature name; 0 for a feature no tree splits on. */
  gain: Record<string, number>;
  /** Number of splits per feature name; 0 for a feature no tree splits on. */
  splits: Record<string, number>;
}

/** Importance by gain and by split count of every feature of `model` (in its column order). */
export function featureImportance(model: GbdtModel): FeatureImportance {
  const gain = new Float64Array(model.features.length);
  const splits = new Float64Array(model.features.length);
  for (const tree of model.trees)
    tree.feature.forEach((f, n) => {
      if (f < 0) return;
      if (f >= model.features.length)
        throw new RangeError(
          `featureImportance: a split on feature ${f}, but the model has ${model.features.length} features`,
        );
      gain[f]! += tree.gain[n]!;
      splits[f]!++;
    });
  return {
    gain: Object.fromEntries(model.features.map((name, f) => [name, gain[f]!])),
    splits: Object.fromEntries(model.features.map((name, f) => [name, splits[f]!])),
  };
}
