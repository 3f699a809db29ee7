import { betterOf, type Run } from '../../shared/contract';
import type { EvaluateService } from '../evaluate/evaluate-service';
import type { PairEvaluation } from './registry-store';

/**
 * models:compare's evaluation: both versions scored on the first one's held-out rows, with every metric
 * either of them has. Null when one is imported (it has no run to score through the evaluation service).
 */
export function pairEvaluation(deps: {
  getRun(id: string): Promise<Run>;
  comparePair: EvaluateService['comparePair'];
}): PairEvaluation {
  return async (va, vb) => {
    if (va.runId === null || vb.runId === null) return null;
    const [ra, rb] = await Promise.all([deps.getRun(va.runId), deps.getRun(vb.runId)]);
    const pair = await deps.comparePair(ra, rb);
    const [name, version] = pair.dataset.split('@') as [string, string];
    return {
      dataset: name,
      datasetVersion: Number(version),
      split: pair.split,
      metrics: Object.keys(pair.a)
        .filter((k) => pair.a[k] !== null || pair.b[k] !== null)
        .map((key) => {
          const [a, b] = [pair.a[key] ?? null, pair.b[key] ?? null];
          return { key, a, b, better: betterOf(key, a, b) };
        }),
    };
  };
}
