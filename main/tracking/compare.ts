import { lowerIsBetter, type RunDetails, type RunsCompareOut } from '../../shared/contract';

/** Lines up runs' params and latest metrics, marking params that differ and the best run per metric. */
export function compareRuns(runs: RunDetails[]): RunsCompareOut {
  const paramKeys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
  const metricKeys = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  return {
    runs,
    params: paramKeys.map((key) => {
      const values = runs.map((r) => r.params[key] ?? null);
      return { key, values, differs: new Set(values).size > 1 };
    }),
    metrics: metricKeys.map((key) => {
      const values = runs.map((r) => r.metrics[key] ?? null);
      const lower = lowerIsBetter(key);
      let best: number | null = null;
      values.forEach((v, i) => {
        if (v === null) return;
        const b = best === null ? null : values[best]!;
        if (b === null || (lower ? v < b : v > b)) best = i;
      });
      return { key, values, best };
    }),
  };
}
