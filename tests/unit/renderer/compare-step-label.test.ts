import { describe, expect, it } from 'vitest';
import { stepLabel } from '../../../renderer/views/Compare/curves';

describe('Compare: the step axis', () => {
  it('counts rounds for gbdt runs, and says so when they sit beside networks', () => {
    expect(stepLabel(['mlp', 'linear'])).toBe('step');
    expect(stepLabel(['gbdt', 'gbdt'])).toBe('round');
    expect(stepLabel(['gbdt', 'mlp'])).toBe('step (epoch or round)');
    expect(stepLabel([])).toBe('step');
  });
});
