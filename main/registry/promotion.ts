import {
  CHAMPION,
  LatheError,
  type EvaluationReport,
  type ModelStage,
  type ModelVersion,
} from '../../shared/contract';
import type { Database } from '../workspace/db';

/** Whether a version may be promoted (alias `champion`, stage `production`), and the gates it failed. */
export type PromotionCheck = (
  version: ModelVersion,
) => Promise<{ passed: boolean; failures: string[] }>;

/** Checks a version against its project's stored gate policy (the JSON of `gate_policies.policy`). */
export type GateEvaluator = (
  version: ModelVersion,
  policy: unknown,
) => Promise<{ passed: boolean; failures: string[] }>;

/**
 * The promotion check the registry asks before `champion` or `production`: a project without a row in
 * `gate_policies` has no gates, so every promotion passes. A project with a policy is checked by
 * `evaluateGates` (the evaluation service's gates); while none is given, the check fails closed naming the
 * policy, so a promotion past an unchecked policy needs an audited override.
 */
export function createPromotionCheck(db: Database, evaluateGates?: GateEvaluator): PromotionCheck {
  return async (version) => {
    const row = await db.one<{ policy: string; project: string }>(
      `SELECT gp.policy::VARCHAR AS policy, p.name AS project FROM gate_policies gp
       JOIN models m ON m.project_id = gp.project_id JOIN projects p ON p.id = gp.project_id
       WHERE m.name = ?`,
      [version.model],
    );
    if (!row) return { passed: true, failures: [] };
    const policy: unknown = JSON.parse(row.policy);
    if (evaluateGates) return evaluateGates(version, policy);
    return {
      passed: false,
      failures: [
        `project '${row.project}' has a gate policy but no gate evaluator is available to check it`,
      ],
    };
  };
}

/**
 * The gates as the latest evaluation of a version judged them: a version without an evaluation fails
 * (saying how to evaluate it, or that an imported model needs an override), and each failed gate is named
 * with what it observed and the evaluation it comes from.
 */
export function evaluationGates(
  latestOfVersion: (versionId: string) => Promise<EvaluationReport | null>,
): GateEvaluator {
  return async (v) => {
    const latest = await latestOfVersion(v.id);
    if (!latest)
      return {
        passed: false,
        failures: [
          v.runId === null
            ? `${v.model}@${v.version} is an imported ONNX model with no evaluation: promote it with an override reason`
            : `${v.model}@${v.version} has no evaluation yet: run lathe eval ${v.model}@${v.version}`,
        ],
      };
    const failed = latest.gates.filter((g) => !g.passed);
    return {
      passed: latest.passed !== false && failed.length === 0,
      failures: failed.map(
        (g) =>
          `${g.description}: observed ${g.observed === null ? 'n/a' : String(g.observed)}${g.detail ? ` (${g.detail})` : ''} [evaluation ${latest.id.slice(0, 8)}]`,
      ),
    };
  };
}

const isPromotion = (change: { alias?: string; stage?: ModelStage }) =>
  change.alias === CHAMPION || change.stage === 'production';

/**
 * Asks the gates when a change is a promotion (alias `champion`, stage `production`); throws GATE_FAILED
 * naming the failures unless an override reason is given. Returns the failures an override passes.
 */
export async function gateChange(
  checkPromotion: PromotionCheck,
  version: ModelVersion,
  change: { alias?: string; stage?: ModelStage },
  override: string | undefined,
): Promise<string[]> {
  if (!isPromotion(change)) return [];
  const result = await checkPromotion(version);
  if (result.passed) return [];
  const failures = result.failures.length ? result.failures : ['a promotion gate failed'];
  if (!override) {
    const what = change.alias ? `alias '${change.alias}'` : `stage '${change.stage}'`;
    throw new LatheError(
      'GATE_FAILED',
      `${version.model}@${version.version} cannot take ${what}: ${failures.join('; ')} (give an override reason to promote it anyway)`,
      { model: version.model, version: version.version, failures },
    );
  }
  return failures;
}
