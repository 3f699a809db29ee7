// The gate policy schema: a gate names a metric an evaluation reports, with a bound the metric can meet.
import { describe, expect, it } from 'vitest';
import { GatePolicy, describeIssues } from '../../../shared/contract';

const problem = (policy: unknown) => {
  const r = GatePolicy.safeParse(policy);
  return r.success ? null : describeIssues(r.error, 'g.yaml');
};

describe('gate policy schema', () => {
  it('takes the metrics an evaluation reports, within their ranges', () => {
    expect(
      problem({
        metrics: [
          { metric: 'roc_auc', min: 0.85 },
          { metric: 'rmse', max: 4 },
          { metric: 'r2', min: -0.5 },
          { metric: 'mcc', min: -1, max: 1 },
          { metric: 'accuracy', min: 1 },
        ],
        fairness: [{ column: 'sex', metric: 'disparate_impact_ratio', min: 0.8 }],
        baseline: { metric: 'log_loss', margin: 0.02 },
        models: { mpg: { metrics: [{ metric: 'mae', max: 3 }] } },
      }),
    ).toBeNull();
  });

  it('refuses an unknown metric, naming it and the closest name or the known ones', () => {
    expect(problem({ metrics: [{ metric: 'roc_aucc', min: 0.8 }] })).toBe(
      "g.yaml: metrics.0.metric: unknown metric 'roc_aucc': did you mean 'roc_auc'?",
    );
    expect(problem({ metrics: [{ metric: 'val_accuracy', min: 0.8 }] })).toMatch(
      /metrics\.0\.metric: 'val_accuracy' is a training metric; .* use 'accuracy'/,
    );
    const far = problem({ baseline: { metric: 'happiness' } });
    expect(far).toMatch(/^g\.yaml: baseline\.metric: unknown metric 'happiness'; /);
    expect(far).toMatch(/accuracy.*roc_auc.*rmse/);
    expect(problem({ models: { m: { metrics: [{ metric: 'auc', min: 0.5 }] } } })).toMatch(
      /models\.m\.metrics\.0\.metric: unknown metric 'auc'/,
    );
  });

  it('refuses a bound no value of the metric can meet', () => {
    expect(problem({ metrics: [{ metric: 'roc_auc', min: 2 }] })).toBe(
      'g.yaml: metrics.0.min: roc_auc lies in [0, 1]: a min of 2 can never be met',
    );
    expect(problem({ metrics: [{ metric: 'f1_macro', max: -0.1 }] })).toMatch(
      /metrics\.0\.max: f1_macro lies in \[0, 1\]: a max of -0\.1 can never be met/,
    );
    expect(problem({ metrics: [{ metric: 'rmse', max: -1 }] })).toMatch(
      /rmse lies in \[0, ∞\): a max of -1/,
    );
    expect(problem({ metrics: [{ metric: 'r2', min: 1.5 }] })).toMatch(
      /r2 lies in \(-∞, 1\]: a min of 1\.5/,
    );
    expect(
      problem({ fairness: [{ column: 's', metric: 'demographic_parity_difference', min: 3 }] }),
    ).toMatch(/fairness\.0\.min: demographic_parity_difference lies in \[0, 1\]/);
    expect(problem({ metrics: [{ metric: 'accuracy', min: 0.9, max: 0.8 }] })).toBe(
      'g.yaml: metrics.0.min: min is above max: no value meets both',
    );
  });
});
