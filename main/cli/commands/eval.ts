// `lathe eval` and `lathe gates …`: evaluations and the gate policy promotions are checked against.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import { GatePolicy, type EvaluationReport } from '../../../shared/contract';
import { invoke, num, str, strs, withSession, type Command, type Ctx } from '../command';
import { loadConfigFile } from '../config-file';
import { formatValue, table } from '../output';

/** Sets (or with null, removes) the gate policy of --project with the audited --reason. */
async function setPolicy(ctx: Ctx, policy: GatePolicy | null): Promise<number> {
  const out = await invoke(ctx, 'gates:set', {
    project: str(ctx, 'project') ?? 'Default',
    policy,
    ...(str(ctx, 'reason') ? { reason: str(ctx, 'reason') } : {}),
  });
  ctx.result(out, () => humanPolicy(out));
  return 0;
}

function humanPolicy(out: { project: string; policy: GatePolicy | null }): string {
  if (!out.policy) return `Project ${out.project} has no gate policy: promotions are not checked.`;
  return `Gate policy of project ${out.project}:\n${stringifyYaml(out.policy).trimEnd()}`;
}

/** An evaluation for people: metrics beside the baseline, then the worst slices, fairness and gates. */
function humanEvaluation(e: EvaluationReport): string {
  const keys = Object.keys(e.metrics).filter((k) => e.metrics[k] !== null);
  const lines = [
    `Evaluation ${e.id.slice(0, 8)} of run ${e.runId.slice(0, 8)} (${e.runName})${e.model ? ` = ${e.model.name}@${e.model.version}` : ''}`,
    `  ${e.rows} rows of ${e.dataset} (${e.split})`,
    ...e.notes.map((n) => `  note: ${n}`),
    table(
      ['metric', 'model', `baseline: ${e.baseline.kind}`],
      keys.map((k) => [k, e.metrics[k], e.baseline.metrics[k] ?? '']),
    ),
  ];
  if (e.slices.length) {
    lines.push('Worst slices:');
    lines.push(
      table(
        ['column', 'segment', 'rows', e.slices[0]!.metric, 'vs overall'],
        e.slices.slice(0, 8).map((s) => [s.column, s.segment, s.count, s.value, s.delta]),
      ),
    );
  }
  for (const f of e.fairness) {
    lines.push(
      `Fairness by ${f.column}: demographic parity difference ${formatValue(f.demographicParityDifference)}, disparate impact ${formatValue(f.disparateImpactRatio)}, equal opportunity difference ${formatValue(f.equalOpportunityDifference)}, equalized odds difference ${formatValue(f.equalizedOddsDifference)}`,
    );
  }
  if (e.importance.length)
    lines.push(
      `Importance: ${e.importance
        .slice(0, 8)
        .map((i) => `${i.column} ${formatValue(i.mean)} ± ${formatValue(i.std)}`)
        .join(', ')}`,
    );
  if (e.learningCurve?.length)
    lines.push(
      `Learning curve (${e.learningCurve[0]!.metric}): ${e.learningCurve
        .map((p) => `${p.rows} rows ${formatValue(p.value)}`)
        .join(', ')}`,
    );
  for (const g of e.gates)
    lines.push(
      `  ${g.passed ? 'pass' : 'FAIL'}  ${g.description} (observed ${formatValue(g.observed)})`,
    );
  if (e.passed !== null) lines.push(e.passed ? 'All gates pass.' : 'A gate failed.');
  return lines.join('\n');
}

export const evaluate: Command = {
  path: ['eval'],
  summary:
    "Evaluate a run's model (or a registered NAME@version|alias) on its held-out rows or another dataset version: every metric, the baseline, slices, fairness, importance and gates.",
  positionals: [
    {
      name: 'RUN|NAME@VERSION',
      required: true,
      description: 'a run id (prefix) or a registered model version or alias, e.g. churn@champion',
    },
  ],
  flags: {
    data: {
      type: 'string',
      value: 'NAME[@VERSION]',
      description: "evaluate on every row of this dataset version instead of the run's test rows",
    },
    sensitive: {
      type: 'string',
      value: 'COLUMN',
      multiple: true,
      description: 'a sensitive column for the fairness report (repeatable)',
    },
    slice: {
      type: 'string',
      value: 'COLUMN',
      multiple: true,
      description: "slice the errors by this column (repeatable; default: the run's input columns)",
    },
    repeats: {
      type: 'number',
      value: 'N',
      description: 'permutation importance repeats per column (default 5; 0 skips it)',
    },
    html: {
      type: 'string',
      value: 'FILE',
      description: 'also write the self-contained HTML report to FILE',
    },
    'learning-curve': {
      type: 'string',
      value: 'FRACTIONS',
      description:
        'train again on these shares of the training rows, e.g. 0.1,0.25,0.5,1, and score each (slow)',
    },
  },
  async run(ctx) {
    const report = await withSession(ctx, async (s) => {
      const r = await s.api.invoke('eval:run', {
        target: ctx.args.positionals[0]!,
        ...(str(ctx, 'data') ? { data: str(ctx, 'data') } : {}),
        sensitive: strs(ctx, 'sensitive'),
        ...(strs(ctx, 'slice').length ? { slices: strs(ctx, 'slice') } : {}),
        ...(str(ctx, 'learning-curve')
          ? {
              learningCurve: str(ctx, 'learning-curve')!
                .split(',')
                .map((x) => Number(x.trim())),
            }
          : {}),
        ...(num(ctx, 'repeats') !== undefined ? { importanceRepeats: num(ctx, 'repeats') } : {}),
      });
      const html = str(ctx, 'html');
      if (html) {
        const { html: page } = await s.api.invoke('eval:html', { id: r.id });
        writeFileSync(resolve(html), page);
        ctx.say(`wrote ${resolve(html)}`);
      }
      return r;
    });
    ctx.result(report, () => humanEvaluation(report));
    return report.passed === false ? 1 : 0;
  },
};

export const gatesSet: Command = {
  path: ['gates', 'set'],
  summary:
    "Set a project's gate policy from a YAML or JSON file (lathe schema gate-policy): what an evaluation must show before a promotion.",
  positionals: [],
  flags: {
    file: { type: 'string', value: 'FILE', required: true, description: 'the gate policy' },
    project: { type: 'string', value: 'NAME', description: 'the project (default: Default)' },
    reason: { type: 'string', value: 'TEXT', description: 'why, for the audit log' },
  },
  run: (ctx) => setPolicy(ctx, loadConfigFile(str(ctx, 'file')!, GatePolicy, 'gate policy')),
};

export const gatesShow: Command = {
  path: ['gates', 'show'],
  summary: "Print a project's gate policy.",
  positionals: [],
  flags: {
    project: { type: 'string', value: 'NAME', description: 'the project (default: Default)' },
  },
  async run(ctx) {
    const out = await invoke(ctx, 'gates:get', { project: str(ctx, 'project') ?? 'Default' });
    ctx.result(out, () => humanPolicy(out));
    return 0;
  },
};

export const gatesClear: Command = {
  path: ['gates', 'clear'],
  summary: "Remove a project's gate policy (promotions are then unchecked).",
  positionals: [],
  flags: {
    project: { type: 'string', value: 'NAME', description: 'the project (default: Default)' },
    reason: { type: 'string', value: 'TEXT', description: 'why, for the audit log' },
  },
  run: (ctx) => setPolicy(ctx, null),
};
