import { describe, expect, it } from 'vitest';
import { modelLabel } from '../../../shared/model-label';

describe("a run's model label (runs table, lathe runs list)", () => {
  it('shows a gbdt with its rounds and how its trees grew, defaults filled in', () => {
    expect(modelLabel({ modelType: 'gbdt', params: {} })).toBe('gbdt 100 trees, depth 6');
    expect(
      modelLabel({ modelType: 'gbdt', params: { 'model.trees': '300', 'model.maxDepth': '4' } }),
    ).toBe('gbdt 300 trees, depth 4');
    expect(modelLabel({ modelType: 'gbdt', params: { 'model.maxLeaves': '31' } })).toBe(
      'gbdt 100 trees, 31 leaves, depth 6',
    );
    expect(
      modelLabel({
        modelType: 'gbdt',
        params: { 'model.maxLeaves': '63', 'model.maxDepth': '0' },
      }),
    ).toBe('gbdt 100 trees, 63 leaves');
  });

  it('keeps the networks as their type', () => {
    expect(modelLabel({ modelType: 'mlp', params: { 'model.hidden': '64,64' } })).toBe('mlp');
    expect(modelLabel({ modelType: 'linear', params: {} })).toBe('linear');
  });
});
