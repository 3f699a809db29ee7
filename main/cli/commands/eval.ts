// `lathe eval` and `lathe gates …`: evaluations and the gate policy promotions are checked against.
import { stringify as stringifyYaml } from 'yaml';
import {
  GatePolicy,
  GateSet,
  gatesFor,
  type EvaluationReport,
  type GateResult,
  type LatheApi,
} from '../../../shared/contract';
import { invoke, num, str, strs, withSession, type Command, type Ctx } from '../command';
import { loadConfigFile } from '../config-file';
import { formatValue, table } from '../output';
import { evaluateWith } from '../runners';
import { checkOutputPath, writeOutputFile } from '../output-file';

const EMPTY: GatePolicy = { metrics: [], fairness: [], segments: [] };

/**
 * Sets the gate policy of --project with the audited --reason: with --model, only that model's own gates
 * (`gates` null removes them, and the model then takes the project default); without, the whole policy.
 */
async function setPolicy(ctx: Ctx, gates: GatePolicy | GateSet | null): Promise<number> {
  const project = str(ctx, 'project') ?? 'Default';
  const model = str(ctx, 'model');
  let policy: GatePolicy | null = gates;
  if (model) {
    const current = (await invoke(ctx, 'gates:get', { project })).policy;
    const models = { ...current?.models };
    if (gates) models[model] = gates;
    else delete models[model];
    // Clearing a model's gates where no policy exists leaves the project without one.
    policy = current || gates ? { ...(current ?? EMPTY), models } : null;
  }
  const out = await invoke(ctx, 'gates:set', {
    project,
    policy,
    ...(str(ctx, 'reason') ? { reason: str(ctx, 'reason') } : {}),
  });
  ctx.result(out, () => humanPolicy(out, model));
  return 0;
}

function humanPolicy(out: { project: string; policy: GatePolicy | null }, model?: string): string {
  if (!out.policy) return `Project ${out.project} has no gate policy: promotions are not checked.`;
  if (model) {
    const { gates, section } = gatesFor(out.policy, model);
    return `Gates of model ${model} (${section === null ? `project ${out.project}'s default: it has none of its own` : 'its own'}):\n${stringifyYaml(gates).trimEnd()}`;
  }
  const own = Object.keys(out.policy.models ?? {});
  const note = own.length
    ? `\n(models: ${own.join(', ')} have their own gates instead of the default)`
    : '';
  return `Gate policy of project ${out.project}:\n${stringifyYaml(out.policy).trimEnd()}${note}`;
}

/** One gate for people: pass, FAIL or skip, what it asks, and what was observed or why not. */
function humanGate(g: GateResult): string {
  const verdict = g.skipped ? 'skip' : g.passed ? 'pass' : 'FAIL';
  const observed = g.observed === null ? '' : `observed ${formatValue(g.observed)}`;
  const why = [observed, g.detail].filter(Boolean).join('; ');
  return `  ${verdict}  ${g.description}${why ? ` (${why})` : ''}`;
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
  const shap = e.explanations;
  if (shap?.features.length)
    lines.push(
      `TreeSHAP, mean |SHAP| (${shap.units}${shap.outputs.length > 1 ? ', summed over classes' : ''}; ${shap.explainedRows} of ${shap.evaluatedRows} rows): ${shap.features
        .slice(0, 8)
        .map((f) => `${f.feature} ${formatValue(f.meanAbs.reduce((a, b) => a + b, 0))}`)
        .join(', ')}`,
    );
  if (e.learningCurve?.length)
    lines.push(
      `Learning curve (${e.learningCurve[0]!.metric}): ${e.learningCurve
        .map((p) => `${p.rows} rows ${formatValue(p.value)}`)
        .join(', ')}`,
    );
  if (e.gates.length)
    lines.push(
      `Gates (${e.gateSection ? `model ${e.gateSection}'s own` : 'the project default'}):`,
      ...e.gates.map(humanGate),
    );
  if (e.passed !== null) lines.push(e.passed ? 'All gates pass.' : 'A gate failed.');
  return lines.join('\n');
}

/** Writes evaluation `id`'s self-contained HTML report to `file` (--html, already checked). */
async function writeHtml(api: LatheApi, ctx: Ctx, id: string, file: string): Promise<void> {
  const { html } = await api.invoke('eval:html', { id });
  writeOutputFile(file, html, '--html');
  ctx.say(`wrote ${file}`);
}

/** The --html flag of a command that shows an evaluation. */
const HTML_FLAG = {
  type: 'string',
  value: 'FILE',
  description: 'also write the self-contained HTML report to FILE',
} as const;

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
    html: HTML_FLAG,
    'learning-curve': {
      type: 'string',
      value: 'FRACTIONS',
      description:
        'train again on these shares of the training rows, e.g. 0.1,0.25,0.5,1, and score each (slow)',
    },
  },
  async run(ctx) {
    // Checked before the evaluation runs: a bad --html costs nothing and records nothing.
    const givenHtml = str(ctx, 'html');
    const html =
      givenHtml === undefined ? undefined : checkOutputPath(givenHtml, { flag: '--html' });
    const report = await withSession(ctx, async (s) => {
      const r = await evaluateWith(s.api, ctx, {
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
      if (html) await writeHtml(s.api, ctx, r.id, html);
      return r;
    });
    ctx.result(report, () => humanEvaluation(report));
    return report.passed === false ? 1 : 0;
  },
};

/** The metric a list shows per evaluation: its task's headline (as the learning curve follows). */
const HEADLINE = { binary: 'roc_auc', multiclass: 'accuracy', regression: 'rmse' } as const;

export const evalList: Command = {
  path: ['eval', 'list'],
  opensWorkspace: true,
  summary:
    'Stored evaluations, newest first (all, or of one run or model version): when, of what, on which rows, the headline metric, the gates.',
  positionals: [],
  flags: {
    target: {
      type: 'string',
      value: 'RUN|NAME@VERSION',
      description:
        "only those of a run (id prefix), or of a model version (its own and its run's on the same rows)",
    },
  },
  async run(ctx) {
    const target = str(ctx, 'target');
    const list = await invoke(ctx, 'eval:list', target ? { target } : {});
    ctx.result(list, () => {
      if (!list.length) return target ? `No evaluations of ${target} yet.` : 'No evaluations yet.';
      return table(
        ['id', 'at', 'of', 'rows', 'metric', 'gates'],
        list.map((e) => {
          const headline = HEADLINE[e.task];
          return [
            e.id.slice(0, 8),
            e.createdAt.slice(0, 19).replace('T', ' '),
            `${e.model ? `${e.model.name}@${e.model.version}` : `run ${e.runId.slice(0, 8)}`} on ${e.dataset} (${e.split})`,
            e.rows,
            `${headline} ${formatValue(e.metrics[headline] ?? null)}`,
            e.passed === null ? '' : e.passed ? 'pass' : 'FAIL',
          ];
        }),
        60,
      );
    });
    return 0;
  },
};

export const evalShow: Command = {
  path: ['eval', 'show'],
  opensWorkspace: true,
  summary:
    'One stored evaluation (id or prefix): its metrics beside the baseline, slices, fairness, importance and gates; --html writes its offline report.',
  positionals: [{ name: 'ID', required: true, description: 'an evaluation id or unique prefix' }],
  flags: {
    html: HTML_FLAG,
  },
  async run(ctx) {
    const givenHtml = str(ctx, 'html');
    const html =
      givenHtml === undefined ? undefined : checkOutputPath(givenHtml, { flag: '--html' });
    const report = await withSession(ctx, async (s) => {
      const r = await s.api.invoke('eval:get', { id: ctx.args.positionals[0]! });
      if (html) await writeHtml(s.api, ctx, r.id, html);
      return r;
    });
    ctx.result(report, () => humanEvaluation(report));
    return 0;
  },
};

export const gatesSet: Command = {
  path: ['gates', 'set'],
  summary:
    "Set a project's gate policy from a YAML or JSON file (lathe schema gate-policy): what an evaluation must show before a promotion. With --model, the file holds that model's own gates.",
  positionals: [],
  flags: {
    file: { type: 'string', value: 'FILE', required: true, description: 'the gate policy' },
    project: { type: 'string', value: 'NAME', description: 'the project (default: Default)' },
    model: {
      type: 'string',
      value: 'NAME',
      description: "only this model's own gates (they replace the project default for it)",
    },
    reason: { type: 'string', value: 'TEXT', description: 'why, for the audit log' },
  },
  run: (ctx) =>
    setPolicy(
      ctx,
      str(ctx, 'model')
        ? loadConfigFile(str(ctx, 'file')!, GateSet, 'gates')
        : loadConfigFile(str(ctx, 'file')!, GatePolicy, 'gate policy'),
    ),
};

export const gatesShow: Command = {
  path: ['gates', 'show'],
  opensWorkspace: true,
  summary: "Print a project's gate policy, or with --model the gates that apply to one model.",
  positionals: [],
  flags: {
    project: { type: 'string', value: 'NAME', description: 'the project (default: Default)' },
    model: {
      type: 'string',
      value: 'NAME',
      description: 'the gates that apply to this model: its own, else the project default',
    },
  },
  async run(ctx) {
    const out = await invoke(ctx, 'gates:get', { project: str(ctx, 'project') ?? 'Default' });
    ctx.result(out, () => humanPolicy(out, str(ctx, 'model')));
    return 0;
  },
};

export const gatesClear: Command = {
  path: ['gates', 'clear'],
  summary:
    "Remove a project's gate policy (promotions are then unchecked), or with --model one model's own gates (it then takes the project default).",
  positionals: [],
  flags: {
    project: { type: 'string', value: 'NAME', description: 'the project (default: Default)' },
    model: {
      type: 'string',
      value: 'NAME',
      description: "remove only this model's own gates",
    },
    reason: { type: 'string', value: 'TEXT', description: 'why, for the audit log' },
  },
  run: (ctx) => setPolicy(ctx, null),
};
