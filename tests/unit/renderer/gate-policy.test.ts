import { describe, expect, it } from 'vitest';
import {
  EXAMPLE_POLICY,
  parsePolicy,
  policyText,
} from '../../../renderer/views/Models/gate-policy';

describe('gate policy editor', () => {
  it('starts from an example that is itself a valid policy, and round-trips a stored one', () => {
    const example = parsePolicy(EXAMPLE_POLICY);
    expect('policy' in example && example.policy.metrics).toEqual([
      { metric: 'roc_auc', min: 0.8 },
    ]);
    expect(policyText(null)).toBe(EXAMPLE_POLICY);
    const policy = 'policy' in example ? example.policy : null;
    expect(parsePolicy(policyText(policy))).toEqual({ policy });
  });

  it('names the line of bad YAML and the field of a bad policy', () => {
    const error = (text: string) => {
      const r = parsePolicy(text);
      return 'error' in r ? r.error : '';
    };
    expect(error('metrics: [')).toMatch(/not valid YAML/);
    expect(error('metrics: [{ metric: roc_auc }]')).toMatch(/metrics\.0.*give min, max or both/);
    expect(error('champion: { test: ttest }')).toMatch(/champion\.test/);
    expect(parsePolicy('')).toEqual({
      policy: { metrics: [], fairness: [], segments: [] },
    });
  });
});
