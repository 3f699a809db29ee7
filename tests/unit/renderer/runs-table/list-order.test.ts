import { describe, expect, it } from 'vitest';
import { listOrderBy } from '../../../../renderer/views/Experiments/runs-table/sort';

describe('listOrderBy', () => {
  it('asks the server for the order of numeric columns, and for none of text ones', () => {
    expect(listOrderBy(null)).toBe('');
    expect(listOrderBy({ column: 'started', direction: 'asc' })).toBe('started asc');
    expect(listOrderBy({ column: 'duration', direction: 'desc' })).toBe('duration desc');
    expect(listOrderBy({ column: 'metrics.val/auc:1', direction: 'desc' })).toBe(
      'metrics.val/auc:1 desc',
    );
    // A key the query language cannot name, and columns sorted in natural text order.
    expect(listOrderBy({ column: 'metrics.val auc', direction: 'asc' })).toBeNull();
    expect(listOrderBy({ column: 'metrics.1st', direction: 'asc' })).toBeNull();
    expect(listOrderBy({ column: 'name', direction: 'asc' })).toBeNull();
    expect(listOrderBy({ column: 'params.lr', direction: 'asc' })).toBeNull();
  });
});
