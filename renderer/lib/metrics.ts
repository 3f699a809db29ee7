import type { Task } from '../../shared/contract';

/** Metrics shown as columns of the runs table, in this order, when any run has them. */
export const KEY_METRICS = [
  'val_accuracy',
  'val_auc',
  'val_f1_macro',
  'val_rmse',
  'val_r2',
] as const;

const PREFERRED: Record<Task, string[]> = {
  binary: ['val_auc', 'val_accuracy', 'val_f1_macro'],
  multiclass: ['val_accuracy', 'val_f1_macro'],
  regression: ['val_rmse', 'val_r2', 'val_mae'],
};

/** The validation metric to chart for a task, among the keys the run actually reports. */
export function chartMetric(task: Task, available: Iterable<string>): string | null {
  const keys = new Set(available);
  for (const key of PREFERRED[task]) if (keys.has(key)) return key;
  for (const key of keys) if (key.startsWith('val_') && key !== 'val_loss') return key;
  return null;
}

/** Metric columns present in at least one run, in KEY_METRICS order. */
export function presentMetrics(runs: { metrics: Record<string, number> }[]): string[] {
  return KEY_METRICS.filter((k) => runs.some((r) => typeof r.metrics[k] === 'number'));
}

/** The params that tell runs apart at a glance, as short `label value` pairs, in this order. */
const KEY_PARAMS: [string, string][] = [
  ['model.hidden', 'hidden'],
  ['training.epochs', 'epochs'],
  ['training.batchSize', 'batch'],
  ['training.learningRate', 'lr'],
  ['seed', 'seed'],
];

export function keyParams(params: Record<string, string>): string {
  return KEY_PARAMS.filter(([key]) => params[key] !== undefined)
    .map(([key, label]) => `${label} ${params[key]}`)
    .join(' · ');
}
