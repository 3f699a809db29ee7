// Run families: a cross-validation (parent + one fold run per fold) and a hyperparameter search (parent +
// one trial run per assignment). The parent trains nothing itself: it schedules its children on worker
// threads (several at once), follows them, and records what they found.
import { cpus } from 'node:os';
import {
  LatheError,
  TrainConfig,
  defaultSearchMetric,
  type ChildSummary,
  type FamilyReport,
  type JsonValue,
  type MetricMode,
  type RunChildEvent,
  type RunStatus,
  type SearchSpec,
} from '../../shared/contract';
import { pool } from '../workspace/pool';
import { defaultMode } from './schedules';
import { createRng } from './random';
import {
  gridAssignments,
  gridSize,
  randomAssignment,
  shouldPrune,
  tpeAssignment,
  type Assignment,
  type Observation,
} from './search-space';

/** The artifacts where a cross-validation and a search keep their FamilyReport. */
export const CV_REPORT = 'cv-report.json';
export const SEARCH_REPORT = 'search-report.json';

/** How a child run ended. */
export interface ChildOutcome {
  status: RunStatus;
  metrics: Record<string, number>;
  error: string | null;
}

export interface ChildHandle {
  runId: string;
  done: Promise<ChildOutcome>;
}

/** What a family needs from the train service. */
export interface FamilyHost {
  /**
   * Records and starts one child run; `onEpoch` judges its validation metrics each epoch, and the child
   * waits for that before its next epoch (so a stop decided there lands in time).
   */
  startChild(
    config: TrainConfig,
    meta: { kind: 'fold' | 'trial'; parentId: string; name: string; tags: Record<string, string> },
    onEpoch?: (epoch: number, metrics: Record<string, number>) => void,
  ): Promise<ChildHandle>;
  /** Continues a stopped child from its checkpoint (resuming a family). */
  resumeChild(
    runId: string,
    onEpoch?: (epoch: number, metrics: Record<string, number>) => void,
  ): Promise<ChildHandle>;
  /** Stops a running child; `pruned` ends it as pruned instead of cancelled. */
  stopChild(runId: string, pruned: boolean): void;
  emit(event: RunChildEvent): void;
  /** Logs metrics on the parent. */
  logParent(step: number, values: Record<string, number>): Promise<void>;
}

/**
 * A child a family had before it was interrupted (resuming it): an ended one counts as it is, a resumable
 * one continues from its checkpoint, any other is trained again.
 */
export interface PriorChild {
  index: number;
  runId: string;
  status: RunStatus;
  metrics: Record<string, number>;
  assignment: Assignment;
  /** The family metric per epoch (median pruning compares with it). */
  history: number[];
  error: string | null;
  /** It stopped (interrupted, cancelled, failed) with a checkpoint to continue from. */
  resumable: boolean;
}

/** The latest prior child per index; ended ones win over stopped ones. */
function priorByIndex(prior: readonly PriorChild[]): Map<number, PriorChild> {
  const rank = (c: PriorChild) =>
    c.status === 'finished' || c.status === 'pruned' ? 2 : c.resumable ? 1 : 0;
  const out = new Map<number, PriorChild>();
  for (const c of prior) {
    const had = out.get(c.index);
    if (!had || rank(c) > rank(had)) out.set(c.index, c);
  }
  return out;
}

/** The parent's end: its status and what it records. */
export interface FamilyEnd {
  status: Exclude<RunStatus, 'queued' | 'running'>;
  error: string | null;
  params: Record<string, string>;
  report: FamilyReport;
}

/** A running family: cancel() stops the children it runs and starts no more. */
export interface Family {
  cancel(): void;
  done: Promise<FamilyEnd>;
}

export const defaultParallel = () => Math.max(1, cpus().length);

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Population standard deviation (numpy's default), as cross_val_score users report it. */
const std = (xs: readonly number[]) => {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
};

/** The metric a cross-validation summarizes first: what a search would optimize for the task. */
export function familyMetric(config: TrainConfig): { metric: string; mode: MetricMode } {
  const metric = config.search?.metric ?? defaultSearchMetric(config.task);
  return { metric, mode: config.search?.mode ?? defaultMode(metric) };
}

/** The config of fold `index` (1-based): the parent's, with the fold set. */
export function foldConfig(config: TrainConfig, index: number): TrainConfig {
  return { ...config, crossValidation: { ...config.crossValidation!, fold: index } };
}

/**
 * Trains every fold of `config.crossValidation` as a child run and summarizes each final metric as mean
 * and std across folds. A fold that fails or is cancelled stops the others: the parent then fails or is
 * cancelled, naming the fold.
 */
export function crossValidate(
  host: FamilyHost,
  parent: { id: string; name: string },
  config: TrainConfig,
  prior: readonly PriorChild[] = [],
): Family {
  const before = priorByIndex(prior);
  const cv = config.crossValidation!;
  const k = cv.folds;
  const { metric, mode } = familyMetric(config);
  const running = new Set<string>();
  let cancelled = false;
  let failure: string | null = null;
  const children: ChildSummary[] = [];
  let nextFold = 0;

  const done = (async (): Promise<FamilyEnd> => {
    await pool(
      Math.min(cv.parallel ?? defaultParallel(), k),
      () => (cancelled || failure || nextFold >= k ? null : ++nextFold),
      async (index) => {
        const had = before.get(index);
        if (had?.status === 'finished') {
          const { history: _h, resumable: _r, ...kept } = had;
          const summary: ChildSummary = {
            ...kept,
            kind: 'fold',
            metric,
            value: had.metrics[metric] ?? null,
          };
          children.push(summary);
          host.emit({ ...summary, parentId: parent.id, total: k, best: null });
          return;
        }
        const child = await (
          had?.resumable
            ? host.resumeChild(had.runId)
            : host.startChild(foldConfig(config, index), {
                kind: 'fold',
                parentId: parent.id,
                name: `${parent.name}-fold${index}`,
                tags: { 'cv.fold': String(index) },
              })
        ).catch((err: Error) => {
          failure ??= `fold ${index}: ${err.message}`;
          return null;
        });
        if (!child) return;
        running.add(child.runId);
        const base = {
          parentId: parent.id,
          runId: child.runId,
          kind: 'fold' as const,
          index,
          total: k,
        };
        const event = { ...base, assignment: {}, metric, best: null };
        host.emit({ ...event, status: 'running', metrics: {}, value: null, error: null });
        const outcome = await child.done;
        running.delete(child.runId);
        const summary: ChildSummary = {
          runId: child.runId,
          kind: 'fold',
          index,
          status: outcome.status,
          assignment: {},
          metrics: outcome.metrics,
          metric,
          value: outcome.metrics[metric] ?? null,
          error: outcome.error,
        };
        children.push(summary);
        host.emit({ ...event, ...summary });
        if (outcome.status !== 'finished' && !cancelled) {
          failure ??= `fold ${index} ${outcome.status}${outcome.error ? `: ${outcome.error}` : ''}`;
          for (const id of running) host.stopChild(id, false);
        }
      },
    );
    children.sort((a, b) => a.index - b.index);
    const summary: FamilyReport['summary'] = {};
    const finished = children.filter((c) => c.status === 'finished');
    if (finished.length === k) {
      const keys = [...new Set(finished.flatMap((c) => Object.keys(c.metrics)))].sort();
      for (const key of keys) {
        const values = finished.map((c) => c.metrics[key]).filter((v) => v !== undefined);
        if (values.length === k) summary[key] = { mean: mean(values), std: std(values) };
      }
      const logged: Record<string, number> = {};
      for (const [key, s] of Object.entries(summary)) {
        logged[key] = s.mean;
        logged[`${key}_std`] = s.std;
      }
      await host.logParent(0, logged);
    }
    const report: FamilyReport = { kind: 'cv', metric, mode, children, summary, best: null };
    const params = {
      'cv.folds': String(k),
      'cv.method': config.split.method ?? (config.task === 'regression' ? 'random' : 'stratified'),
    };
    // Set by callbacks TypeScript cannot follow: read them afresh.
    const stopped = { cancelled, failure } as { cancelled: boolean; failure: string | null };
    if (stopped.cancelled) return { status: 'cancelled', error: null, params, report };
    if (stopped.failure)
      return { status: 'failed', error: `cross-validation ${stopped.failure}`, params, report };
    return { status: 'finished', error: null, params, report };
  })();

  return {
    cancel() {
      cancelled = true;
      for (const id of running) host.stopChild(id, false);
    },
    done,
  };
}

/**
 * Sets a search path (`training.learningRate`, `model.hidden`, ...) in a config input. Paths are checked
 * by SearchPath; the value is checked when the trial config is parsed.
 */
function setPath(input: Record<string, unknown>, path: string, value: JsonValue): void {
  const keys = path.split('.');
  let node = input;
  for (const key of keys.slice(0, -1)) {
    const child = node[key];
    node[key] = typeof child === 'object' && child !== null ? { ...child } : {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

/** The config of one trial: the search's base config with the assignment set, parsed (named errors). */
export function trialConfig(config: TrainConfig, assignment: Assignment): TrainConfig {
  // Parsed configs hold the resolved model (defaults filled in); re-parse from a copy without the search.
  const { search: _search, ...rest } = config;
  const input = structuredClone(rest) as Record<string, unknown>;
  for (const [path, value] of Object.entries(assignment)) setPath(input, path, value);
  const parsed = TrainConfig.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.join('.');
    const culprit = Object.keys(assignment).find((p) => where === p || where.startsWith(`${p}.`));
    throw new LatheError(
      'INVALID_CONFIG',
      culprit
        ? `search.space.${culprit}: ${JSON.stringify(assignment[culprit])} makes an invalid config: ${where}: ${issue.message}`
        : `search: the trial config is invalid: ${where}: ${issue.message}`,
      { field: culprit ? `search.space.${culprit}` : 'search' },
    );
  }
  return parsed.data;
}

/** A tune:run config must have a search space; INVALID_CONFIG says where to add one. */
export function requireSearch(config: TrainConfig): void {
  if (!config.search) {
    throw new LatheError(
      'INVALID_CONFIG',
      'search: the config has no search space; add a `search:` section (see lathe schema train-config)',
      { field: 'search' },
    );
  }
}

/** Every value a dimension can take at its edges: a search fails before its first trial on a bad one. */
export function checkSearch(config: TrainConfig): void {
  const space = config.search!.space;
  for (const [path, dim] of Object.entries(space)) {
    const values: JsonValue[] = dim.type === 'choice' ? dim.values : [dim.low, dim.high];
    for (const v of values) trialConfig(config, { [path]: v });
  }
}

export function searchTotal(search: SearchSpec): number {
  return search.strategy === 'grid'
    ? Math.min(gridSize(search.space, search.gridPoints), search.trials ?? Infinity)
    : (search.trials ?? 20);
}

/**
 * Runs a search: `total` trials, `parallel` at once, each a child run of the parent with the assignment
 * the strategy picks (grid in order, random, or TPE over the trials ended so far — with several at once
 * the order trials end in, and so TPE's picks, may vary between runs). Median pruning stops weak trials.
 * The parent logs the best value after each trial as `best_<metric>` and the best as `<metric>`.
 */
export function search(
  host: FamilyHost,
  parent: { id: string; name: string },
  config: TrainConfig,
  prior: readonly PriorChild[] = [],
): Family {
  const spec = config.search!;
  const before = priorByIndex(prior);
  const { metric, mode } = familyMetric(config);
  const total = searchTotal(spec);
  const grid = spec.strategy === 'grid' ? gridAssignments(spec.space, spec.gridPoints) : [];
  // A resumed search draws new picks from a fresh stream (its ended trials still guide TPE).
  const rng = createRng((config.seed ^ 0x5eed ^ before.size) >>> 0);
  const observations: Observation[] = [];
  /** Per-epoch metric of trials that finished, for median pruning. */
  const finishedHistories: number[][] = [];
  const children: ChildSummary[] = [];
  const running = new Set<string>();
  const pruned = new Set<string>();
  let best: ChildSummary | null = null;
  let cancelled = false;
  let ended = 0;
  let next = 0;
  /** Trials whose config or run could not be made. */
  let startFailures = 0;
  const errors: string[] = [];
  const isBetter = (a: number, b: number) => (mode === 'min' ? a < b : a > b);

  const pick = (): Assignment =>
    spec.strategy === 'grid'
      ? grid[next - 1]!
      : spec.strategy === 'random'
        ? randomAssignment(spec.space, rng)
        : tpeAssignment(spec.space, observations, mode, rng, { startupTrials: spec.startupTrials });

  /** Takes an ended trial into the search: observations for TPE and pruning, the best, the table. */
  const record = async (
    index: number,
    runId: string,
    assignment: Assignment,
    outcome: ChildOutcome,
    history: number[],
    logged = true,
  ) => {
    ended++;
    const value = outcome.metrics[metric];
    const summary: ChildSummary = {
      runId,
      kind: 'trial',
      index,
      status: outcome.status,
      assignment,
      metrics: outcome.metrics,
      metric,
      value: value ?? null,
      error: outcome.error,
    };
    children.push(summary);
    if (outcome.status === 'finished') {
      finishedHistories.push(history);
      if (value !== undefined && Number.isFinite(value)) {
        observations.push({ params: assignment, value });
        if (!best || isBetter(value, best.value!)) best = summary;
      }
    } else if (outcome.status === 'pruned') {
      // A pruned trial tells TPE where not to look: it joins the observations at its best so far.
      const seen = history.filter(Number.isFinite);
      if (seen.length)
        observations.push({
          params: assignment,
          value: seen.reduce((a, b) => (isBetter(a, b) ? a : b)),
        });
    } else if (outcome.status === 'failed') {
      errors.push(`trial ${index}: ${outcome.error ?? 'failed'}`);
    }
    host.emit({
      ...summary,
      parentId: parent.id,
      total,
      best: best && { index: best.index, runId: best.runId, value: best.value! },
    });
    if (best && logged) await host.logParent(ended, { [`best_${metric}`]: best.value! });
  };

  const done = (async (): Promise<FamilyEnd> => {
    // Resuming: ended trials count as they are (a failure too); stopped ones go first, continuing from
    // their checkpoint or, stopped before one, trained again with the same values.
    const toResume: PriorChild[] = [];
    for (const c of [...before.values()].sort((a, b) => a.index - b.index)) {
      if (
        c.status === 'finished' ||
        c.status === 'pruned' ||
        (c.status === 'failed' && !c.resumable)
      )
        await record(c.index, c.runId, c.assignment, c, c.history, false);
      else toResume.push(c);
    }
    next = Math.max(0, ...before.keys());
    await pool(
      Math.min(spec.parallel ?? defaultParallel(), total),
      () => (cancelled ? null : (toResume[0]?.index ?? (next >= total ? null : ++next))),
      async (index) => {
        const resumed = toResume[0]?.index === index ? toResume.shift()! : null;
        const assignment = resumed ? resumed.assignment : pick();
        const history: number[] = resumed?.resumable ? [...resumed.history] : [];
        let runId = '';
        const onEpoch = (_epoch: number, metrics: Record<string, number>) => {
          history.push(metrics[metric] ?? NaN);
          if (
            spec.pruning &&
            runId &&
            !pruned.has(runId) &&
            shouldPrune({
              history,
              finished: finishedHistories,
              mode,
              warmupEpochs: spec.pruning.warmupEpochs,
              minTrials: spec.pruning.minTrials,
            })
          ) {
            pruned.add(runId);
            host.stopChild(runId, true);
          }
        };
        const base = {
          parentId: parent.id,
          kind: 'trial' as const,
          index,
          total,
          assignment,
          metric,
        };
        let child: ChildHandle;
        try {
          // Only pruning needs each epoch: the child then waits for its verdict before the next one.
          const judge = spec.pruning ? onEpoch : undefined;
          child = resumed?.resumable
            ? await host.resumeChild(resumed.runId, judge)
            : await host.startChild(
                trialConfig(config, assignment),
                {
                  kind: 'trial',
                  parentId: parent.id,
                  name: `${parent.name}-trial${index}`,
                  tags: { 'search.trial': String(index) },
                },
                judge,
              );
        } catch (err) {
          errors.push(`trial ${index}: ${(err as Error).message}`);
          startFailures++;
          ended++;
          return;
        }
        runId = child.runId;
        running.add(runId);
        host.emit({
          ...base,
          runId,
          status: 'running',
          metrics: {},
          value: null,
          best: best && { index: best.index, runId: best.runId, value: best.value! },
          error: null,
        });
        const outcome = await child.done;
        running.delete(runId);
        await record(index, runId, assignment, outcome, history);
      },
    );
    children.sort((a, b) => a.index - b.index);
    const count = (s: RunStatus) => children.filter((c) => c.status === s).length;
    const params: Record<string, string> = {
      'search.strategy': spec.strategy,
      'search.metric': metric,
      'search.mode': mode,
      'search.trials': String(total),
      'search.space': JSON.stringify(spec.space),
      ...(spec.pruning ? { 'search.pruning': JSON.stringify(spec.pruning) } : {}),
    };
    const finalBest = best as ChildSummary | null;
    if (finalBest) {
      params['best.trial'] = String(finalBest.index);
      params['best.runId'] = finalBest.runId;
      for (const [path, v] of Object.entries(finalBest.assignment))
        params[`best.${path}`] = typeof v === 'string' ? v : JSON.stringify(v);
      await host.logParent(ended + 1, {
        [metric]: finalBest.value!,
        'trials.finished': count('finished'),
        'trials.pruned': count('pruned'),
        'trials.failed': count('failed') + startFailures,
      });
    }
    const report: FamilyReport = {
      kind: 'tune',
      metric,
      mode,
      children,
      summary: {},
      best: finalBest,
    };
    if (cancelled) return { status: 'cancelled', error: null, params, report };
    if (!finalBest) {
      return {
        status: 'failed',
        error: errors.length
          ? `no trial finished: ${errors.slice(0, 3).join('; ')}`
          : `no trial reported ${metric}`,
        params,
        report,
      };
    }
    return { status: 'finished', error: null, params, report };
  })();

  return {
    cancel() {
      cancelled = true;
      for (const id of running) host.stopChild(id, false);
    },
    done,
  };
}
