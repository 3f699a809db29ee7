import type { RunSummary } from './contract';

/**
 * A run's model in a few words: its type, and for a gbdt its size too (`gbdt 100 trees, depth 6`, or
 * `…, 31 leaves, depth 6` when it grows leaf-wise), from the run's params with the contract's defaults for
 * options left out. A run logged through MLflow has no model type of Lathe's: `MLflow`, with the flavor
 * of the model it logged when its tags say (`MLflow sklearn`). The runs table's model column and
 * `lathe runs list` show it.
 */
export function modelLabel(
  run: Pick<RunSummary, 'modelType' | 'params'> & Partial<Pick<RunSummary, 'tags'>>,
): string {
  if (run.modelType === null) {
    const flavor = mlflowFlavor(run.tags ?? {});
    return flavor ? `MLflow ${flavor}` : 'MLflow';
  }
  if (run.modelType !== 'gbdt') return run.modelType;
  const p = run.params;
  const leaves = p['model.maxLeaves'];
  const depth = p['model.maxDepth'] ?? '6';
  const growth = leaves
    ? `${leaves} leaves${depth === '0' ? '' : `, depth ${depth}`}`
    : `depth ${depth}`;
  return `gbdt ${p['model.trees'] ?? '100'} trees, ${growth}`;
}

/**
 * The flavor of the model an MLflow run logged: `mlflow.log-model.history` (the tag log_model writes, a
 * JSON list of MLmodel summaries) names its flavors; the first that is not python_function, else none.
 */
function mlflowFlavor(tags: Record<string, string>): string | null {
  const history = tags['mlflow.log-model.history'];
  if (!history) return null;
  try {
    const models = JSON.parse(history) as unknown;
    if (!Array.isArray(models)) return null;
    for (const m of models as unknown[]) {
      const flavors = (m as { flavors?: unknown } | null)?.flavors;
      if (!flavors || typeof flavors !== 'object') continue;
      const name = Object.keys(flavors).find((f) => f !== 'python_function');
      if (name) return name;
    }
  } catch {
    // Not JSON: a tag a user set by hand. The label stays plain.
  }
  return null;
}
