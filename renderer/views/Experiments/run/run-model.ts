// Pure logic of the run page: which metric series to draw and on which axis, the system and lineage
// facts, tag edits and the child-run table of a cross-validation or search. Tested without a DOM.
import {
  tagKeyProblem,
  type RunKind,
  type RunSummary,
  type Task,
} from '../../../../shared/contract';
import type { EpochTable } from '../../../lib/epochs';
import { formatBytes } from '../../../lib/format';
import { chartMetric, presentMetrics } from '../../../lib/metrics';

/** Every metric key in a table: losses first, then the rest alphabetically. */
export function metricKeysOf(table: EpochTable): string[] {
  const keys = new Set<string>();
  for (const row of table.values()) for (const k of Object.keys(row)) keys.add(k);
  const rank = (k: string) => (k === 'loss' ? 0 : k === 'val_loss' ? 1 : 2);
  return [...keys].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/**
 * What the chart shows before the user picks: the losses and the task's main validation metric. A run
 * logged through MLflow (no task) shows its losses, or its first four metrics when it logged no loss.
 */
export function defaultSelection(task: Task | null, keys: readonly string[]): string[] {
  const main = task ? chartMetric(task, keys) : null;
  const chosen = keys.filter((k) => k === 'loss' || k === 'val_loss' || k === main);
  return chosen.length || task ? chosen : keys.slice(0, 4);
}

/** The selection with `key` added or removed, in the order of `keys`. */
export function toggleKey(selected: readonly string[], key: string, keys: readonly string[]) {
  const next = new Set(selected);
  if (next.has(key)) next.delete(key);
  else next.add(key);
  return keys.filter((k) => next.has(k));
}

/** Losses and errors (lower is better, unbounded) share the left axis; scores go on the right. */
export function axisOf(key: string): 'loss' | 'score' {
  return /loss|rmse|mae|mse|error/i.test(key) ? 'loss' : 'score';
}

export interface ChartSeries {
  /** The steps (epochs) on the x axis, ascending. */
  steps: number[];
  series: { key: string; axis: 'loss' | 'score'; values: (number | null)[] }[];
}

/** The selected series over every step that has any of them; gaps are null. */
export function chartSeries(table: EpochTable, selected: readonly string[]): ChartSeries {
  const steps = [...table.entries()]
    .filter(([, row]) => selected.some((k) => row[k] !== undefined))
    .map(([step]) => step)
    .sort((a, b) => a - b);
  return {
    steps,
    series: selected.map((key) => ({
      key,
      axis: axisOf(key),
      values: steps.map((s) => table.get(s)?.[key] ?? null),
    })),
  };
}

const SYSTEM_LABELS: [string, string][] = [
  ['os', 'OS'],
  ['arch', 'Architecture'],
  ['cpu', 'CPU'],
  ['cores', 'Cores'],
  ['memoryBytes', 'Memory'],
  ['node', 'Node'],
];

/** The machine a run trained on, known keys first in a fixed order, then any others. */
export function systemFacts(
  system: Record<string, string | number>,
  backend: string | null,
): [string, string][] {
  const known = new Set(SYSTEM_LABELS.map(([k]) => k));
  const facts: [string, string][] = [];
  for (const [key, label] of SYSTEM_LABELS) {
    const v = system[key];
    if (v === undefined) continue;
    facts.push([
      label,
      key === 'memoryBytes' && typeof v === 'number' ? formatBytes(v) : String(v),
    ]);
  }
  facts.push(['Backend', backend ?? '—']);
  for (const [k, v] of Object.entries(system).sort(([a], [b]) => a.localeCompare(b)))
    if (!known.has(k)) facts.push([k, String(v)]);
  return facts;
}

/** A tag the user typed, checked like the store checks it; the error names the key. */
export function checkTag(
  key: string,
  value: string,
): { ok: true; key: string; value: string } | { ok: false; error: string } {
  const k = key.trim();
  const problem = tagKeyProblem(k);
  return problem ? { ok: false, error: problem } : { ok: true, key: k, value };
}

/** Run kinds whose children (folds, trials) the run page lists. */
export function hasChildren(kind: RunKind | undefined): boolean {
  return kind === 'cv' || kind === 'tune';
}

/** The metric columns of a child-run table: the key validation metrics any child has, else its val_*. */
export function childColumns(children: Pick<RunSummary, 'metrics'>[]): string[] {
  const key = presentMetrics(children);
  if (key.length) return key;
  const all = new Set(children.flatMap((c) => Object.keys(c.metrics)));
  return [...all].filter((k) => k.startsWith('val_') && k !== 'val_loss').sort();
}

/** Mean and (population) standard deviation of a metric over the children that have it. */
export function aggregate(
  children: Pick<RunSummary, 'metrics'>[],
  key: string,
): { mean: number; std: number; n: number } | null {
  const values = children.map((c) => c.metrics[key]).filter((v): v is number => v !== undefined);
  if (!values.length) return null;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
  return { mean, std, n: values.length };
}

/** The fold or trial number at the end of a child's name (`…-fold3`, `…-trial12`), for ordering. */
export function childIndex(name: string): number {
  const m = /(\d+)$/.exec(name);
  return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
}

/** Children in fold or trial order (2 before 10), then by name. */
export function orderChildren<T extends Pick<RunSummary, 'name'>>(children: readonly T[]): T[] {
  return [...children].sort(
    (a, b) => childIndex(a.name) - childIndex(b.name) || a.name.localeCompare(b.name),
  );
}
