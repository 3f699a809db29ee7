import type { ZodType } from 'zod';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { GatePolicy, GateSet, describeIssues, gatesFor } from '../../../shared/contract';

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
  const out = parseWith(text, GatePolicy, 'gate policy');
  return 'error' in out ? out : { policy: out.value };
}

function parseWith<T>(
  text: string,
  schema: ZodType<T, unknown>,
  what: string,
): { value: T } | { error: string } {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    return { error: `not valid YAML: ${(err as Error).message.split('\n')[0]}` };
  }
  const parsed = schema.safeParse(raw ?? {});
  if (!parsed.success) return { error: describeIssues(parsed.error, what) };
  return { value: parsed.data };
}

/**
 * What the editor edits: the project default (`null`), or one model's own gates, which replace the
 * default for that model (a regression model and a classifier need different metrics).
 */
export type PolicyScope = string | null;

/** The YAML of one scope: the default's gates, a model's own, or (none yet) the default to start from. */
export function sectionText(policy: GatePolicy | null, scope: PolicyScope): string {
  if (!policy) return EXAMPLE_POLICY;
  if (scope === null) return stringifyYaml(gatesFor(policy, null).gates);
  const own = policy.models?.[scope];
  if (own) return stringifyYaml(own);
  return `# ${scope} has no gates of its own: it takes the project default below. Edit and save to give it its own.\n${stringifyYaml(gatesFor(policy, null).gates)}`;
}

/** Parses one scope's YAML (gates only: `models` belongs to the whole policy). */
export function parseSection(text: string): { gates: GateSet } | { error: string } {
  const out = parseWith(text, GateSet, 'gates');
  return 'error' in out ? out : { gates: out.value };
}

/**
 * The whole policy after saving (`gates`) or removing (null) one scope. Removing the default removes the
 * policy (every model's gates with it); removing a model's gates gives it the default back.
 */
export function withSection(
  policy: GatePolicy | null,
  scope: PolicyScope,
  gates: GateSet | null,
): GatePolicy | null {
  if (scope === null)
    return gates && { ...gates, ...(policy?.models ? { models: policy.models } : {}) };
  const models = { ...policy?.models };
  if (gates) models[scope] = gates;
  else delete models[scope];
  if (!policy && !gates) return null;
  return {
    ...(policy ? gatesFor(policy, null).gates : { metrics: [], fairness: [], segments: [] }),
    models,
  };
}
