import type { RunSummary } from './contract';

/**
 * A run's model in a few words: its type, and for a gbdt its size too (`gbdt 100 trees, depth 6`, or
 * `…, 31 leaves, depth 6` when it grows leaf-wise), from the run's params with the contract's defaults for
 * options left out. The runs table's model column and `lathe runs list` show it.
 */
export function modelLabel(run: Pick<RunSummary, 'modelType' | 'params'>): string {
  if (run.modelType !== 'gbdt') return run.modelType;
  const p = run.params;
  const leaves = p['model.maxLeaves'];
  const depth = p['model.maxDepth'] ?? '6';
  const growth = leaves
    ? `${leaves} leaves${depth === '0' ? '' : `, depth ${depth}`}`
    : `depth ${depth}`;
  return `gbdt ${p['model.trees'] ?? '100'} trees, ${growth}`;
}
