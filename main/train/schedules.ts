// Pure per-epoch training controls: the metric tracker behind early stopping and the LR schedules.
import { LatheError, lowerIsBetter, type LrSchedule, type MetricMode } from '../../shared/contract';

/** min for losses and errors (loss, rmse, mae), max for scores (accuracy, auc, f1, r2). */
export function defaultMode(metric: string): MetricMode {
  return lowerIsBetter(metric) ? 'min' : 'max';
}

/**
 * Follows one metric across epochs: the best value and its epoch, and how many epochs in a row have
 * not improved on it by more than minDelta.
 */
export class MetricTracker {
  readonly mode: MetricMode;
  best = NaN;
  bestEpoch = 0;
  /** Epochs since the last improvement. */
  wait = 0;

  constructor(
    readonly metric: string,
    mode?: MetricMode,
    readonly minDelta = 0,
  ) {
    this.mode = mode ?? defaultMode(metric);
  }

  /** Records an epoch's value; true when it improves on the best so far. */
  update(epoch: number, value: number): boolean {
    const improved =
      Number.isNaN(this.best) ||
      (this.mode === 'min' ? value < this.best - this.minDelta : value > this.best + this.minDelta);
    if (improved && Number.isFinite(value)) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      return true;
    }
    this.wait++;
    return false;
  }
}

/** Early stopping: stop once `patience` epochs in a row brought no improvement. */
export class EarlyStopper extends MetricTracker {
  constructor(
    metric: string,
    readonly patience: number,
    mode?: MetricMode,
    minDelta?: number,
  ) {
    super(metric, mode, minDelta);
  }

  get shouldStop(): boolean {
    return this.wait >= this.patience;
  }
}

/** The value of a metric in an epoch's record, or an error naming the metrics there are. */
export function metricValue(
  metrics: Record<string, number>,
  metric: string,
  field: string,
): number {
  const v = metrics[metric];
  if (v === undefined) {
    throw new LatheError(
      'INVALID_CONFIG',
      `${field}: metric '${metric}' is not reported (reported: ${Object.keys(metrics)
        .filter((k) => k.startsWith('val_'))
        .join(', ')})`,
      { field },
    );
  }
  return v;
}

/**
 * The learning rate of every epoch under a schedule. step and cosine depend on the epoch alone;
 * reduce_on_plateau watches a metric, so `next` is told each epoch's metrics.
 */
export interface LrScheduler {
  /** The learning rate of an epoch (1-based); call in order. */
  lr(epoch: number): number;
  /** Tells the scheduler the metrics at the end of an epoch. */
  observe(metrics: Record<string, number>): void;
  /** The scheduler's state after an epoch, as JSON (checkpoints); null when it has none. */
  state(): unknown;
  /** Restores a state() (resuming from a checkpoint). */
  restore(state: unknown): void;
}

const stateless = { state: () => null, restore: () => {} };

export function createLrScheduler(
  schedule: LrSchedule | undefined,
  baseLr: number,
  epochs: number,
): LrScheduler {
  if (!schedule) return { lr: () => baseLr, observe: () => {}, ...stateless };
  if (schedule.type === 'step') {
    const { every, factor } = schedule;
    return {
      lr: (epoch) => baseLr * factor ** Math.floor((epoch - 1) / every),
      observe: () => {},
      ...stateless,
    };
  }
  if (schedule.type === 'cosine') {
    const minLr = Math.min(schedule.minLr ?? 0, baseLr);
    return {
      // Cosine annealing over `epochs` (PyTorch's CosineAnnealingLR with T_max = epochs).
      lr: (epoch) =>
        minLr + 0.5 * (baseLr - minLr) * (1 + Math.cos((Math.PI * (epoch - 1)) / epochs)),
      observe: () => {},
      ...stateless,
    };
  }
  const metric = schedule.metric ?? 'val_loss';
  const tracker = new MetricTracker(metric);
  const minLr = schedule.minLr ?? 0;
  let current = baseLr;
  return {
    lr: () => current,
    observe(metrics) {
      tracker.update(0, metricValue(metrics, metric, 'training.lrSchedule.metric'));
      if (tracker.wait >= schedule.patience) {
        current = Math.max(minLr, current * schedule.factor);
        tracker.wait = 0;
      }
    },
    state: () => ({
      current,
      best: Number.isNaN(tracker.best) ? null : tracker.best,
      bestEpoch: tracker.bestEpoch,
      wait: tracker.wait,
    }),
    restore(state) {
      const s = state as { current: number; best: number | null; bestEpoch: number; wait: number };
      current = s.current;
      tracker.best = s.best ?? NaN;
      tracker.bestEpoch = s.bestEpoch;
      tracker.wait = s.wait;
    },
  };
}
