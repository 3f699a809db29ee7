import { describe, expect, it } from 'vitest';
import type { ColumnProfile } from '../../../../shared/contract';
import { binAxisTicks } from '../../../../renderer/charts/column-histogram';
import { refusedSchemaChange } from '../../../../renderer/views/Data/import-form';
import { ApiError } from '../../../../renderer/api/errors';

const column = (kind: ColumnProfile['kind'], bins: [number, number][]): ColumnProfile => ({
  name: 'x',
  type: kind === 'datetime' ? 'TIMESTAMP' : 'DOUBLE',
  kind,
  count: 10,
  nullCount: 0,
  nullRate: 0,
  distinctCount: 10,
  min: bins[0]![0],
  max: bins[bins.length - 1]![1],
  mean: null,
  std: null,
  quantiles: null,
  topValues: [],
  histogram: bins.map(([lo, hi]) => ({ lo, hi, count: 1 })),
  outliers: null,
});

describe('the histogram value axis', () => {
  it('is shown, each tick the lower bound of its bin', () => {
    const axis = binAxisTicks(
      column('numeric', [
        [0, 2.5],
        [2.5, 5],
        [5, 7.5],
      ]),
    );
    expect(axis.display).toBe(true);
    expect([0, 1, 2].map((i) => axis.ticks.callback(i, i))).toEqual(['0', '2.5', '5']);
    expect(axis.ticks.maxRotation).toBe(0);
  });

  it('shows dates for datetime columns', () => {
    const day = Date.UTC(2024, 0, 1);
    const axis = binAxisTicks(column('datetime', [[day, day + 86_400_000]]));
    expect(axis.ticks.callback(0, 0)).toBe('2024-01-01');
  });
});

describe('a refused schema change', () => {
  const change = {
    dataset: 'people',
    fromVersion: 1,
    added: [{ name: 'price', type: 'BIGINT', kind: 'numeric' }],
    removed: [],
    retyped: [{ name: 'age', from: 'BIGINT', to: 'DOUBLE' }],
  };

  it('is read from the error details, so the form can ask instead of failing', () => {
    expect(
      refusedSchemaChange(
        new ApiError('INVALID_INPUT', 'the columns differ', { schemaChange: change }),
      ),
    ).toEqual(change);
  });

  it('is not seen in other errors', () => {
    expect(refusedSchemaChange(new ApiError('FILE_NOT_FOUND', 'file not found: /x'))).toBeNull();
    expect(refusedSchemaChange(new Error('boom'))).toBeNull();
  });
});
