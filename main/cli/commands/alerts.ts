// lathe monitor actuals, performance, check, watch, alerts, ack, rules.
import { resolve } from 'node:path';
import { Cron } from 'croner';
import {
  AlertRules,
  LatheError,
  WindowSpec,
  type Alert,
  type CheckOut,
  type PerformanceOut,
} from '../../../shared/contract';
import { redactUrl } from '../../../shared/redact';
import {
  bool,
  givenStrs,
  invoke,
  num,
  str,
  strs,
  withStandingSession,
  type Command,
  type Ctx,
} from '../command';
import { loadConfigFile } from '../config-file';
import { formatValue, table } from '../output';

const RULES_FLAG = {
  type: 'string' as const,
  value: 'FILE',
  description:
    'alert rules file (YAML or JSON; `lathe schema alert-rules`); default: the workspace rules',
};

const loadRules = (file: string): AlertRules => loadConfigFile(file, AlertRules, 'alert rules');

/** `--window hour|day|week|N` as the contract's window; INVALID_INPUT names what was given. */
function windowOf(ctx: Ctx, fallback: WindowSpec): WindowSpec {
  const raw = str(ctx, 'window');
  if (raw === undefined) return fallback;
  const parsed = WindowSpec.safeParse(/^\d+$/.test(raw) ? Number(raw) : raw);
  if (parsed.success) return parsed.data;
  throw new LatheError(
    'INVALID_INPUT',
    `--window: '${raw}' is not hour, day, week or a number of rows greater than 0`,
    { field: 'window', value: raw },
  );
}

const fmtMetrics = (m: Record<string, number>, keys?: string[]) =>
  Object.entries(m)
    .filter(([k]) => !keys || keys.includes(k))
    .map(([k, v]) => `${k}=${formatValue(Number(v.toPrecision(4)))}`)
    .join(' ');

const HEADLINE = ['accuracy', 'f1', 'f1_macro', 'roc_auc', 'log_loss', 'rmse', 'mae', 'r2'];

function humanPerformance(p: PerformanceOut): string {
  if (!p.windows.length) return `${p.model}: nothing captured in the range`;
  return [
    `${p.model} (${p.task})`,
    table(
      ['start', 'end', 'version', 'rows', 'labelled', 'actual', 'estimated'],
      p.windows.map((w) => [
        w.start.slice(0, 19).replace('T', ' '),
        w.end.slice(0, 19).replace('T', ' '),
        w.version,
        w.rows,
        w.labelled,
        fmtMetrics(w.metrics, HEADLINE),
        fmtMetrics(w.estimated, HEADLINE),
      ]),
      60,
    ),
    ...(p.estimateAssumption ? ['', p.estimateAssumption] : []),
  ].join('\n');
}

function humanCheck(out: CheckOut): string {
  if (!out.results.length) return 'No alert rules to check.';
  return out.results
    .map(
      (r) =>
        `${r.fired ? (r.suppressed ? 'FIRING (cooldown)' : 'FIRED') : r.error ? 'ERROR' : 'ok'}  ${r.rule}: ${r.message}`,
    )
    .join('\n');
}

function humanAlerts(alerts: Alert[]): string {
  if (!alerts.length) return 'No alerts.';
  return table(
    ['id', 'at', 'rule', 'model', 'severity', 'value', 'acknowledged', 'message'],
    alerts.map((a) => [
      a.id.slice(0, 8),
      a.at.slice(0, 19).replace('T', ' '),
      a.rule,
      a.version === null ? a.model : `${a.model}@${a.version}`,
      a.severity,
      a.value === null ? '' : Number(a.value.toPrecision(4)),
      a.acknowledgedAt ? `${a.acknowledgedBy ?? ''} ${a.acknowledgedAt.slice(0, 19)}` : '',
      a.message,
    ]),
    70,
  );
}

const actuals: Command = {
  path: ['monitor', 'actuals'],
  summary:
    'Join late labels (ground truth) to a model’s captured predictions by row id; the last label of an id wins.',
  positionals: [{ name: 'NAME', required: true, description: 'the model' }],
  flags: {
    file: {
      type: 'string',
      value: 'FILE',
      description: 'labels file (.csv, .tsv, .parquet, .json)',
    },
    dataset: {
      type: 'string',
      value: 'NAME[@V]',
      description: 'or a dataset version holding them',
    },
    'id-column': {
      type: 'string',
      value: 'COLUMN',
      required: true,
      description: 'the row id (request id, or the --id-column of lathe predict)',
    },
    'target-column': {
      type: 'string',
      value: 'COLUMN',
      required: true,
      description: 'the label',
    },
  },
  async run(ctx) {
    const file = str(ctx, 'file');
    const out = await invoke(ctx, 'monitor:actuals', {
      model: ctx.args.positionals[0]!,
      ...(file !== undefined ? { file: resolve(file) } : {}),
      ...givenStrs(ctx, 'dataset'),
      idColumn: str(ctx, 'id-column')!,
      targetColumn: str(ctx, 'target-column')!,
    });
    ctx.result(
      out,
      () =>
        `${out.model}: ${out.rows} label(s) read, ${out.matched} matched a captured row, ${out.replaced} replaced an earlier label, ${out.unmatched} matched nothing`,
    );
    return 0;
  },
};

const performance: Command = {
  path: ['monitor', 'performance'],
  summary:
    'Performance per window and version: metrics on labelled rows, and CBPE estimates without labels (classifiers).',
  positionals: [
    {
      name: 'NAME[@VERSION|@ALIAS]',
      required: true,
      description: 'the model (every version), or one version',
    },
  ],
  flags: {
    window: { type: 'string', value: 'hour|day|week|N', description: 'window (default day)' },
    from: { type: 'string', value: 'TIME', description: 'first capture time (ISO)' },
    to: { type: 'string', value: 'TIME', description: 'capture time to stop before (ISO)' },
  },
  async run(ctx) {
    const range = givenStrs(ctx, 'from', 'to');
    const out = await invoke(ctx, 'monitor:performance', {
      ref: ctx.args.positionals[0]!,
      window: windowOf(ctx, 'day'),
      ...(Object.keys(range).length ? { range } : {}),
    });
    ctx.result(out, () => humanPerformance(out));
    return 0;
  },
};

const check: Command = {
  path: ['monitor', 'check'],
  summary:
    'Evaluate alert rules once; fired alerts are logged, notified and sent to their webhooks. Exit 1 when any rule fires or cannot be judged.',
  positionals: [],
  flags: {
    rules: RULES_FLAG,
    only: { type: 'string', value: 'RULE', multiple: true, description: 'check only this rule' },
  },
  async run(ctx) {
    const file = str(ctx, 'rules');
    const only = strs(ctx, 'only');
    const out = await invoke(ctx, 'monitor:check', {
      ...(file !== undefined ? { rules: loadRules(file) } : {}),
      ...(only.length ? { only } : {}),
    });
    ctx.result(out, () => humanCheck(out));
    // A rule that could not be judged fails the check too: a CI gate must not pass on nothing judged.
    return out.results.some((r) => r.fired || r.error !== undefined) ? 1 : 0;
  },
};

const watch: Command = {
  path: ['monitor', 'watch'],
  summary:
    "Evaluate alert rules on their cron schedule until Ctrl-C; also run the rules file's retraining schedules and judge retrainings in canary every minute (when another process owns the workspace — the app, lathe ui — that process runs those).",
  positionals: [],
  flags: { rules: RULES_FLAG },
  async run(ctx) {
    const file = str(ctx, 'rules');
    const fromFile = file !== undefined ? loadRules(file) : undefined;
    // Owning the workspace while it watches, it runs a host too: other commands go through it meanwhile.
    await withStandingSession(ctx, async ({ api, services }) => {
      const rules = fromFile ?? (await api.invoke('monitor:rules:get', {})).rules;
      let cron: Cron;
      try {
        cron = new Cron(rules.schedule, { protect: true }, async () => {
          try {
            const out = await api.invoke('monitor:check', fromFile ? { rules: fromFile } : {});
            if (ctx.json) ctx.io.stdout.write(`${JSON.stringify(out)}\n`);
            else ctx.io.stderr.write(`[${out.checkedAt}]\n${humanCheck(out)}\n`);
          } catch (err) {
            ctx.io.stderr.write(`check failed: ${(err as Error).message}\n`);
          }
        });
      } catch (err) {
        throw new LatheError(
          'INVALID_CONFIG',
          `schedule: '${rules.schedule}' is not a cron expression (${(err as Error).message})`,
        );
      }
      // Retraining schedules and canary judging run in the process owning the workspace; closing the
      // session stops them.
      services?.startRetraining();
      ctx.say(
        `watching ${rules.rules.length} rule(s) on '${rules.schedule}'; next check ${cron.nextRun()?.toISOString() ?? 'never'}; ${
          services
            ? `retraining schedules (${(rules.retrain ?? []).length}) and canaries judged every minute`
            : 'retraining schedules and canaries are run by the process owning the workspace'
        } — press Ctrl-C to stop`,
      );
      await ctx.io.interrupted;
      cron.stop();
    });
    return 0;
  },
};

const alertsList: Command = {
  path: ['monitor', 'alerts'],
  opensWorkspace: true,
  summary: 'The alert log, newest first.',
  positionals: [{ name: 'NAME', required: false, description: 'only this model’s alerts' }],
  flags: {
    open: { type: 'boolean', description: 'only alerts not yet acknowledged' },
    limit: { type: 'number', value: 'N', description: 'at most N alerts (default 100)' },
  },
  async run(ctx) {
    const model = ctx.args.positionals[0];
    const limit = num(ctx, 'limit');
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0 && limit <= 10_000))
      throw new LatheError(
        'INVALID_INPUT',
        `--limit ${limit}: expected a whole number from 1 to 10000`,
        { field: 'limit', value: limit },
      );
    const out = await invoke(ctx, 'monitor:alerts', {
      ...(model !== undefined ? { model } : {}),
      ...(bool(ctx, 'open') ? { open: true } : {}),
      ...(limit !== undefined ? { limit } : {}),
    });
    ctx.result(out, () => humanAlerts(out));
    return 0;
  },
};

const ack: Command = {
  path: ['monitor', 'ack'],
  summary: 'Acknowledge an alert (who and when are recorded), with an optional note.',
  positionals: [
    { name: 'ID', required: true, description: 'the alert id (or 8+ leading characters)' },
  ],
  flags: { note: { type: 'string', value: 'TEXT', description: 'what was done about it' } },
  async run(ctx) {
    const out = await invoke(ctx, 'monitor:ack', {
      id: ctx.args.positionals[0]!,
      ...givenStrs(ctx, 'note'),
    });
    ctx.result(
      out,
      () =>
        `Acknowledged ${out.id} (${out.rule}) by ${out.acknowledgedBy} at ${out.acknowledgedAt}`,
    );
    return 0;
  },
};

const rules: Command = {
  path: ['monitor', 'rules'],
  summary: 'Show the workspace’s alert rules, or replace them with a file’s (--set).',
  positionals: [],
  flags: { set: { ...RULES_FLAG, description: 'replace the workspace rules with this file’s' } },
  async run(ctx) {
    const file = str(ctx, 'set');
    const out =
      file !== undefined
        ? await invoke(ctx, 'monitor:rules:set', { rules: loadRules(file) })
        : await invoke(ctx, 'monitor:rules:get', {});
    ctx.result(out, () =>
      [
        `schedule ${out.rules.schedule}${out.updatedAt ? `  (updated ${out.updatedAt})` : ''}`,
        out.rules.rules.length
          ? table(
              [
                'name',
                'model',
                'signal',
                'above',
                'below',
                'window',
                'severity',
                'cooldown',
                'webhook',
                'action',
              ],
              out.rules.rules.map((r) => [
                r.name,
                r.version === undefined ? r.model : `${r.model}@${r.version}`,
                r.signal + (r.feature ? `:${r.feature}` : r.metric ? `:${r.metric}` : ''),
                r.above,
                r.below,
                r.window,
                r.severity,
                r.cooldown,
                r.webhook === undefined ? '' : redactUrl(r.webhook),
                r.action ?? '',
              ]),
            )
          : 'no rules',
      ].join('\n'),
    );
    return 0;
  },
};

export const alertCommands: Command[] = [
  actuals,
  performance,
  check,
  watch,
  alertsList,
  ack,
  rules,
];
