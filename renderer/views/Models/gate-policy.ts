import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { GatePolicy, describeIssues } from '../../../shared/contract';

/** A starting policy for a project without one: every kind of gate, with moderate thresholds. */
export const EXAMPLE_POLICY = `# What an evaluation must show before a version becomes champion or goes to production.
metrics:
  - { metric: roc_auc, min: 0.8 }
baseline: { metric: log_loss, margin: 0.02 }
champion: { test: bootstrap, alpha: 0.05 }
# fairness: [{ column: sex, metric: demographic_parity_difference, max: 0.1 }]
# segments: [{ column: region, segment: north, min: 0.75 }]
`;

/** The policy as the editor shows it: YAML of the stored policy, or the example. */
export function policyText(policy: GatePolicy | null): string {
  return policy ? stringifyYaml(policy) : EXAMPLE_POLICY;
}

/** Parses the editor's YAML into a policy, or says what is wrong (the line, or the field). */
export function parsePolicy(text: string): { policy: GatePolicy } | { error: string } {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    return { error: `not valid YAML: ${(err as Error).message.split('\n')[0]}` };
  }
  const parsed = GatePolicy.safeParse(raw ?? {});
  if (!parsed.success) return { error: describeIssues(parsed.error, 'gate policy') };
  return { policy: parsed.data };
}
