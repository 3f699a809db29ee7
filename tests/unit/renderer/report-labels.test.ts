import { describe, expect, it } from 'vitest';
import { formatCategory } from '../../../shared/format';
import { importanceMetric } from '../../../renderer/report/report-model';

describe('slice and group labels', () => {
  it('show an ISO timestamp as a date, or a date and time when it is not midnight', () => {
    expect(formatCategory('2012-01-01T00:00:00.000Z')).toBe('2012-01-01');
    expect(formatCategory('2012-01-01 00:00:00')).toBe('2012-01-01');
    expect(formatCategory('2015-06-30T13:45:00Z')).toBe('2015-06-30 13:45');
  });

  it('leave other values as they are', () => {
    for (const v of ['sun', '[1.2, 3.4)', '2012', 'Adelie', '2012-01-01x'])
      expect(formatCategory(v)).toBe(v);
  });
});

describe('permutation importance', () => {
  it('names its metric: the loss that rises and on which rows', () => {
    expect(importanceMetric({ task: 'binary', split: 'test' })).toBe('rise in test log loss');
    expect(importanceMetric({ task: 'multiclass', split: 'validation' })).toBe(
      'rise in validation log loss',
    );
    expect(importanceMetric({ task: 'regression', split: 'all' })).toBe(
      'rise in mean squared error',
    );
  });
});
