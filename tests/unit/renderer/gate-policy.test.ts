import { describe, expect, it } from 'vitest';
import {
  EXAMPLE_POLICY,
  parsePolicy,
  parseSection,
  policyText,
  sectionText,
  withSection,
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

describe('gate policy editor scopes: the project default and one model', () => {
  const policy = {
    metrics: [{ metric: 'roc_auc', min: 0.8 }],
    fairness: [],
    segments: [],
    models: { mpg: { metrics: [{ metric: 'rmse', max: 4 }], fairness: [], segments: [] } },
  };
  const rmse = { metrics: [{ metric: 'rmse', max: 3 }], fairness: [], segments: [] };

  it("shows the default without the models' gates, a model's own, or the default it inherits", () => {
    expect(sectionText(policy, null)).toMatch(/roc_auc/);
    expect(sectionText(policy, null)).not.toMatch(/models|rmse/);
    expect(sectionText(policy, 'mpg')).toMatch(/rmse/);
    expect(sectionText(policy, 'churn')).toMatch(/churn has no gates of its own(.|\n)*roc_auc/);
    expect(parseSection(sectionText(policy, 'churn'))).toEqual({
      gates: { metrics: [{ metric: 'roc_auc', min: 0.8 }], fairness: [], segments: [] },
    });
    const bad = parseSection('models: {}');
    expect('error' in bad && bad.error).toMatch(/models/);
  });

  it('saves or removes one scope, keeping the others', () => {
    expect(withSection(policy, 'churn', rmse)?.models).toEqual({ ...policy.models, churn: rmse });
    expect(withSection(policy, 'mpg', null)).toEqual({ ...policy, models: {} });
    expect(withSection(policy, null, rmse)).toEqual({ ...rmse, models: policy.models });
    expect(withSection(policy, null, null)).toBeNull();
    expect(withSection(null, 'mpg', rmse)).toEqual({
      metrics: [],
      fairness: [],
      segments: [],
      models: { mpg: rmse },
    });
    expect(withSection(null, 'mpg', null)).toBeNull();
  });
});
