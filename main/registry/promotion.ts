import {
  CHAMPION,
  GatePolicy,
  LatheError,
  gatesFor,
  type EvaluationReport,
  type ModelStage,
  type ModelVersion,
} from '../../shared/contract';
import type { Database } from '../workspace/db';

/** Whether a version may be promoted (alias `champion`, stage `production`), and the gates it failed. */
export type PromotionCheck = (
  version: ModelVersion,
) => Promise<{ passed: boolean; failures: string[] }>;

/**
 * Checks a version against its project's stored gate policy (the JSON of `gate_policies.policy`);
 * `champion` is the version number the model's `champion` alias points to (null: none yet).
 */
export type GateEvaluator = (
  version: ModelVersion,
  policy: unknown,
  context?: { champion: number | null },
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
    const champion = await db.one<{ version: number }>(
      `SELECT a.version FROM model_aliases a JOIN models m ON m.id = a.model_id
       WHERE m.name = ? AND a.alias = ?`,
      [version.model, CHAMPION],
    );
    if (evaluateGates)
      return evaluateGates(version, policy, {
        champion: champion ? Number(champion.version) : null,
      });
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
 * with what it observed and the evaluation it comes from. An evaluation of the run the version came from,
 * on that run's held-out rows, counts for the version (`latestOfVersion` finds it) when it was checked
 * against the gates that apply to the version's model, and — if the model now has another champion — was
 * compared with it; otherwise the failure says to evaluate the version itself.
 */
export function evaluationGates(
  latestOfVersion: (versionId: string) => Promise<EvaluationReport | null>,
): GateEvaluator {
  return async (v, policy, context) => {
    const ref = `${v.model}@${v.version}`;
    const latest = await latestOfVersion(v.id);
    if (!latest)
      return {
        passed: false,
        failures: [
          v.runId === null
            ? `${ref} is an imported ONNX model with no evaluation: promote it with an override reason`
            : `${ref} has no evaluation yet: evaluate it (Evaluate on the model page, or lathe eval ${ref})`,
        ],
      };
    const stale =
      latest.passed === null
        ? 'the evaluation checked no gates (the project had no gate policy then)'
        : latest.model === null
          ? runEvaluationGap(v, latest, policy, context)
          : null;
    if (stale)
      return {
        passed: false,
        failures: [
          `${stale} [evaluation ${latest.id.slice(0, 8)}${latest.model === null ? ` of run ${latest.runId.slice(0, 8)}` : ''}]: evaluate ${ref} (Evaluate on the model page, or lathe eval ${ref})`,
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

/** Why an evaluation of a version's run (not naming the version) cannot stand for it, or null. */
function runEvaluationGap(
  v: ModelVersion,
  report: EvaluationReport,
  policy: unknown,
  context: { champion: number | null } | undefined,
): string | null {
  const parsed = GatePolicy.safeParse(policy);
  if (!parsed.success) return null;
  const { gates, section } = gatesFor(parsed.data, v.model);
  const checked = report.gateSection ?? null;
  if (checked !== section)
    return `the evaluation of its run was checked against ${checked === null ? 'the project default gates' : `the gates of model '${checked}'`}, but ${section === null ? `'${v.model}' has the project default gates` : `'${v.model}' has its own gates`}`;
  const champion = context?.champion ?? null;
  if (gates.champion && champion !== null && champion !== v.version)
    return `the evaluation of its run was not compared with the champion (${v.model}@${champion}): the run was evaluated by its id`;
  return null;
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
