// A pipeline's gate step: a stored evaluation checked against the step's gates, or the project's policy
// when the step gives none. Metric, fairness and baseline gates read the report; segment and champion
// gates score the evaluated rows again (as the evaluation did), the champion being the champion of the
// model the gated register step registers. The evaluated rows are scored again for the gates that read
// them (segments, per-row metrics of the champion test).
import { gatesFor, type EvaluationReport, type GateSet, type Run } from '../../shared/contract';
import type { EvaluateService } from '../evaluate/evaluate-service';
import type { GatePolicyStore } from '../evaluate/gate-policies';
import { checkGates, type ChampionScore } from '../evaluate/gates';
import type { EvalTargets } from '../registry/eval-target';
import type { GateCheck } from './steps';

export function createGateCheck(deps: {
  evaluation: Pick<EvaluateService, 'get' | 'score'>;
  getRun: (id: string) => Promise<Run>;
  targets: Pick<EvalTargets, 'championOf'>;
  gatePolicies: Pick<GatePolicyStore, 'get'>;
}): GateCheck {
  return async ({ evaluation: id, gates, model }) => {
    const report: EvaluationReport = await deps.evaluation.get(id);
    const run = await deps.getRun(report.runId);
    let policy: GateSet | null = gates;
    let kind: 'step' | 'project' | 'none' = 'step';
    let projectDefault = false;
    if (!policy) {
      const project = await deps.gatePolicies.get(run.project);
      if (!project) return { gates: [], policy: 'none' };
      const applied = gatesFor(project, model ?? report.model?.name ?? null);
      policy = applied.gates;
      projectDefault = applied.section === null;
      kind = 'project';
    }
    const data = report.split === 'all' ? report.dataset : undefined;
    const scored = await deps.evaluation.score(run, data !== undefined ? { data } : {});
    let champion: ChampionScore | null = null;
    if (policy.champion) {
      const champ = model ? await deps.targets.championOf(model) : null;
      champion = !model
        ? { skip: 'no register step waits on this gate: no model whose champion to compare with' }
        : !champ
          ? { skip: `no champion of '${model}' yet: passes, nothing to compare` }
          : champ.run.id === run.id
            ? { skip: `run ${run.id.slice(0, 8)} is already ${champ.label}, the champion` }
            : await deps.evaluation.score(champ.run, data !== undefined ? { data } : {}).then(
                (rows): ChampionScore => ({ label: champ.label, scored: rows }),
                (err: Error): ChampionScore => ({
                  label: champ.label,
                  error: `the champion (${champ.label}) cannot score these rows: ${err.message}`,
                }),
              );
    }
    return {
      gates: checkGates({
        policy,
        report,
        scored,
        champion,
        seed: run.config.seed,
        projectDefault,
      }),
      policy: kind,
    };
  };
}
