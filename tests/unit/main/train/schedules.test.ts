import { describe, expect, it } from 'vitest';
import {
  createLrScheduler,
  defaultMode,
  EarlyStopper,
  MetricTracker,
  metricValue,
} from '../../../../main/train/schedules';
import { classWeightsFor } from '../../../../main/train/trainer';

describe('metric tracking', () => {
  it('picks min for losses and errors, max for scores', () => {
    expect(['val_loss', 'val_rmse', 'val_mae'].map(defaultMode)).toEqual(['min', 'min', 'min']);
    expect(['val_accuracy', 'val_auc', 'val_f1_macro', 'val_r2'].map(defaultMode)).toEqual([
      'max',
      'max',
      'max',
      'max',
    ]);
  });

  it('counts epochs without an improvement larger than minDelta', () => {
    const t = new MetricTracker('val_loss', undefined, 0.1);
    expect([1, 0.95, 0.85, 0.8, 0.7].map((v, i) => t.update(i + 1, v))).toEqual([
      true,
      false,
      true,
      false,
      true,
    ]);
    expect([t.best, t.bestEpoch, t.wait]).toEqual([0.7, 5, 0]);
  });

  it('stops after patience epochs without improvement, on a max metric too', () => {
    const s = new EarlyStopper('val_accuracy', 2);
    const seen: boolean[] = [];
    for (const [i, v] of [0.5, 0.7, 0.7, 0.6].entries()) {
      s.update(i + 1, v);
      seen.push(s.shouldStop);
    }
    expect(seen).toEqual([false, false, false, true]);
    expect(s.bestEpoch).toBe(2);
  });

  it('never counts a NaN as best', () => {
    const t = new MetricTracker('val_loss');
    t.update(1, NaN);
    t.update(2, 3);
    expect(t.bestEpoch).toBe(2);
  });

  it('names the reported validation metrics when one is missing', () => {
    expect(() => metricValue({ loss: 1, val_loss: 1, val_rmse: 2 }, 'val_auc', 'f')).toThrow(
      /f: metric 'val_auc' is not reported \(reported: val_loss, val_rmse\)/,
    );
  });
});

describe('learning-rate schedules', () => {
  const run = (s: Parameters<typeof createLrScheduler>[0], metrics: number[] = []) => {
    const sch = createLrScheduler(s, 0.1, 4);
    return [1, 2, 3, 4].map((e) => {
      const lr = sch.lr(e);
      sch.observe({ val_loss: metrics[e - 1] ?? 0 });
      return lr;
    });
  };

  it('keeps the learning rate without a schedule', () => {
    expect(run(undefined)).toEqual([0.1, 0.1, 0.1, 0.1]);
  });

  it('step multiplies by factor every n epochs', () => {
    expect(run({ type: 'step', every: 1, factor: 0.5 })).toEqual([0.1, 0.05, 0.025, 0.0125]);
  });

  it('cosine starts at the rate and falls towards minLr', () => {
    const lrs = run({ type: 'cosine' });
    expect(lrs[0]).toBe(0.1);
    expect(lrs[2]).toBeCloseTo(0.05, 12);
    expect(lrs[3]).toBeCloseTo(0.1 * 0.5 * (1 + Math.cos((3 * Math.PI) / 4)), 12);
  });

  it('reduce_on_plateau cuts after patience stalled epochs, not below minLr', () => {
    expect(
      run({ type: 'reduce_on_plateau', patience: 1, factor: 0.1, minLr: 0.005 }, [1, 2, 3, 0.5]),
    ).toEqual([0.1, 0.1, expect.closeTo(0.01, 12), 0.005]);
  });
});

describe('class weights', () => {
  it("'balanced' weighs each class n / (k · n_c)", () => {
    expect(classWeightsFor('balanced', ['a', 'b'], Int32Array.from([0, 0, 0, 1]))).toEqual([
      4 / 6,
      2,
    ]);
  });

  it('takes a map, defaults the other classes to 1 and names an unknown class', () => {
    expect(classWeightsFor({ b: 3 }, ['a', 'b', 'c'], [])).toEqual([1, 3, 1]);
    expect(() => classWeightsFor({ d: 3 }, ['a', 'b'], [])).toThrow(/'d' is not a class/);
  });
});
