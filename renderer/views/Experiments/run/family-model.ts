// Pure logic of a cross-validation or search parent's page: how far its folds or trials are, the best so
// far, and the chart drawn over fold or trial numbers (not epochs). Tested without a DOM.
import {
  defaultSearchMetric,
  lowerIsBetter,
  trainPhaseLabel,
  type RunDetails as Run,
  type RunSummary,
  type TrainPhase,
} from '../../../../shared/contract';
import { formatNumber } from '../../../lib/format';
import { childIndex, orderChildren, type ChartSeries } from './run-model';

const ENDED = new Set(['finished', 'failed', 'cancelled', 'interrupted', 'pruned']);

export interface FamilyState {
  noun: 'fold' | 'trial';
  /** Folds or trials ended (finished, failed, pruned, …), and how many there will be. */
  done: number;
  total: number;
  running: number;
  /** The objective: the search metric, or the cross-validation's main validation metric. */
  metric: string;
  best: { index: number; runId: string; name: string; value: number } | null;
}

type Child = Pick<RunSummary, 'id' | 'name' | 'status' | 'metrics'>;

/**
 * The metric a parent is judged by: its search metric, else the task's default (a parent is a run Lathe
 * trained; one without a task, logged through MLflow, is judged by its loss).
 */
export function familyMetric(run: Pick<Run, 'config' | 'task'>): string {
  return run.config?.search?.metric ?? (run.task ? defaultSearchMetric(run.task) : 'loss');
}

/** How far a cross-validation or search is, and its best finished child so far. */
export function familyState(
  run: Pick<Run, 'kind' | 'config' | 'task'>,
  children: readonly Child[],
): FamilyState {
  const noun = run.kind === 'cv' ? 'fold' : 'trial';
  const metric = familyMetric(run);
  const lower = lowerIsBetter(metric);
  let best: FamilyState['best'] = null;
  for (const c of orderChildren(children)) {
    const value = c.metrics[metric];
    if (c.status !== 'finished' || value === undefined || !Number.isFinite(value)) continue;
    if (!best || (lower ? value < best.value : value > best.value))
      best = { index: childIndex(c.name), runId: c.id, name: c.name, value };
  }
  const planned =
    run.kind === 'cv' ? run.config?.crossValidation?.folds : run.config?.search?.trials;
  return {
    noun,
    done: children.filter((c) => ENDED.has(c.status)).length,
    total: Math.max(planned ?? 0, children.length),
    running: children.filter((c) => c.status === 'running').length,
    metric,
    best,
  };
}

/** The progress line of a parent: `3 of 10 trials done · 2 running · best val_auc 0.912 (trial 2)`. */
export function familyLabel(s: FamilyState): string {
  const parts = [`${s.done} of ${s.total} ${s.noun}s done`];
  if (s.running) parts.push(`${s.running} running`);
  parts.push(
    s.best
      ? `best ${s.metric} ${formatNumber(s.best.value)} (${s.noun} ${s.best.index})`
      : `no ${s.noun} finished yet`,
  );
  return parts.join(' · ');
}

/**
 * The parent's own chart over fold or trial numbers: each child's objective and, for a search, the best
 * so far after each trial.
 */
export function familySeries(s: FamilyState, children: readonly Child[]): ChartSeries {
  const ordered = orderChildren(children).filter(
    (c) => childIndex(c.name) !== Number.MAX_SAFE_INTEGER,
  );
  const steps = ordered.map((c) => childIndex(c.name));
  const values = ordered.map((c) => {
    const v = c.metrics[s.metric];
    return v === undefined || !Number.isFinite(v) || c.status === 'running' ? null : v;
  });
  const axis = lowerIsBetter(s.metric) ? ('loss' as const) : ('score' as const);
  const series: ChartSeries['series'] = [{ key: s.metric, axis, values }];
  if (s.noun === 'trial') {
    let best: number | null = null;
    const lower = lowerIsBetter(s.metric);
    series.push({
      key: `best ${s.metric}`,
      axis,
      values: ordered.map((c, i) => {
        const v = values[i];
        if (c.status === 'finished' && v !== null && v !== undefined)
          best = best === null || (lower ? v < best : v > best) ? v : best;
        return best;
      }),
    });
  }
  return { steps, series };
}

/** What a single run's progress bar says in a phase with no epoch to count. */
export function phaseLabel(phase: TrainPhase): string {
  return trainPhaseLabel(phase);
}
