import { describe, expect, it } from 'vitest';
import type { Run } from '../../../../shared/contract';
import { compareRuns } from '../../../../main/tracking/compare';

const run = (id: string, params: Record<string, string>, metrics: Record<string, number>) =>
  ({ id, params, metrics }) as unknown as Run;

describe('compareRuns', () => {
  it('marks params that differ and the best run per metric, lower-is-better for losses and errors', () => {
    const r = compareRuns([
      run('a', { lr: '0.01', seed: '1' }, { val_loss: 0.4, val_accuracy: 0.8, val_rmse: 2 }),
      run('b', { lr: '0.01', seed: '2', extra: 'x' }, { val_loss: 0.3, val_accuracy: 0.7 }),
    ]);
    expect(r.params).toEqual([
      { key: 'extra', values: [null, 'x'], differs: true },
      { key: 'lr', values: ['0.01', '0.01'], differs: false },
      { key: 'seed', values: ['1', '2'], differs: true },
    ]);
    expect(r.metrics).toEqual([
      { key: 'val_accuracy', values: [0.8, 0.7], best: 0 },
      { key: 'val_loss', values: [0.4, 0.3], best: 1 },
      { key: 'val_rmse', values: [2, null], best: 0 },
    ]);
  });
});
