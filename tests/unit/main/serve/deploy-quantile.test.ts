import { describe, expect, it } from 'vitest';
import { quantile } from '../../../../main/serve/deploy-service';

describe('quantile (p50 / p99 of serve:list)', () => {
  it('is nearest-rank over unsorted values and undefined when empty', () => {
    expect(quantile([], 0.5)).toBeUndefined();
    expect(quantile([7], 0.99)).toBe(7);
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(quantile(values, 0.5)).toBe(50);
    expect(quantile(values, 0.99)).toBe(99);
    expect(quantile(values, 1)).toBe(100);
    expect(quantile([3, 1, 2], 0)).toBe(1);
  });
});
