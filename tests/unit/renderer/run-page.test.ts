import { describe, expect, it } from 'vitest';
import { fromHistory, withProgress } from '../../../renderer/lib/epochs';
import {
  aggregate,
  axisOf,
  chartSeries,
  checkTag,
  childColumns,
  defaultSelection,
  hasChildren,
  metricKeysOf,
  systemFacts,
  toggleKey,
} from '../../../renderer/views/Experiments/run/run-model';

const point = (key: string, step: number, value: number) => ({ key, step, value, timestamp: 0 });

describe('run page metric chart model', () => {
  const table = fromHistory([
    point('val_auc', 1, 0.7),
    point('loss', 1, 0.9),
    point('val_loss', 1, 1.0),
    point('val_accuracy', 1, 0.6),
    point('loss', 2, 0.5),
    point('val_auc', 3, 0.8),
  ]);

  it('lists every metric, losses first, and preselects the losses and the main metric', () => {
    const keys = metricKeysOf(table);
    expect(keys).toEqual(['loss', 'val_loss', 'val_accuracy', 'val_auc']);
    expect(defaultSelection('binary', keys)).toEqual(['loss', 'val_loss', 'val_auc']);
    expect(defaultSelection('multiclass', keys)).toEqual(['loss', 'val_loss', 'val_accuracy']);
    expect(toggleKey(['loss', 'val_auc'], 'val_accuracy', keys)).toEqual([
      'loss',
      'val_accuracy',
      'val_auc',
    ]);
    expect(toggleKey(['loss', 'val_auc'], 'loss', keys)).toEqual(['val_auc']);
  });

  it('puts losses and errors on one axis and scores on the other', () => {
    expect(['loss', 'val_loss', 'val_rmse', 'val_mae'].map(axisOf)).toEqual(Array(4).fill('loss'));
    expect(['val_auc', 'val_r2', 'val_accuracy'].map(axisOf)).toEqual(Array(3).fill('score'));
  });

  it('draws the selected series over the steps that have them, with gaps as null', () => {
    expect(chartSeries(table, ['loss', 'val_auc'])).toEqual({
      steps: [1, 2, 3],
      series: [
        { key: 'loss', axis: 'loss', values: [0.9, 0.5, null] },
        { key: 'val_auc', axis: 'score', values: [0.7, null, 0.8] },
      ],
    });
    expect(chartSeries(table, ['val_loss']).steps).toEqual([1]);
    expect(chartSeries(table, [])).toEqual({ steps: [], series: [] });
  });

  it('grows live: a progress event adds its epoch and metrics', () => {
    const live = withProgress(table, {
      runId: 'r',
      epoch: 4,
      epochs: 5,
      fraction: 0.8,
      etaMs: 10,
      elapsedMs: 40,
      loss: 0.3,
      valLoss: 0.4,
      metrics: { val_auc: 0.85, val_brier: 0.1 },
    });
    expect(metricKeysOf(live)).toContain('val_brier');
    expect(chartSeries(live, ['loss', 'val_auc']).series[1]!.values).toEqual([
      0.7,
      null,
      0.8,
      0.85,
    ]);
  });
});

describe('run page facts and edits', () => {
  it('lists system facts in a fixed order with readable memory, then unknown keys', () => {
    expect(
      systemFacts(
        { node: '20.19.0', cores: 8, os: 'linux 6.1', memoryBytes: 16 * 1024 ** 3, gpu: 'none' },
        'wasm',
      ),
    ).toEqual([
      ['OS', 'linux 6.1'],
      ['Cores', '8'],
      ['Memory', '16 GB'],
      ['Node', '20.19.0'],
      ['Backend', 'wasm'],
      ['gpu', 'none'],
    ]);
    expect(systemFacts({}, null)).toEqual([['Backend', '—']]);
  });

  it('checks tag keys like the store does', () => {
    expect(checkTag('  team ', 'vision')).toEqual({ ok: true, key: 'team', value: 'vision' });
    expect(checkTag(' ', 'x')).toEqual({ ok: false, error: 'a tag key cannot be empty' });
    expect(checkTag('a\u0007b', 'x')).toMatchObject({ ok: false });
    expect(checkTag('k'.repeat(251), 'x')).toMatchObject({ ok: false });
  });

  it('shows children for cross-validations and searches, with their key metrics aggregated', () => {
    expect(hasChildren('cv')).toBe(true);
    expect(hasChildren('tune')).toBe(true);
    expect(hasChildren('fold')).toBe(false);
    expect(hasChildren(undefined)).toBe(false);
    const folds = [
      { metrics: { val_accuracy: 0.8, val_loss: 0.5 } },
      { metrics: { val_accuracy: 0.9, val_loss: 0.4 } },
    ];
    expect(childColumns(folds)).toEqual(['val_accuracy']);
    expect(childColumns([{ metrics: { val_brier: 0.1, val_loss: 1 } }])).toEqual(['val_brier']);
    const agg = aggregate(folds, 'val_accuracy')!;
    expect(agg.mean).toBeCloseTo(0.85, 12);
    expect(agg.std).toBeCloseTo(0.05, 12);
    expect(agg.n).toBe(2);
    expect(aggregate(folds, 'val_auc')).toBeNull();
  });
});
