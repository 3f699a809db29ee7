import { z } from 'zod';

/** A duration as `30m`, `1h`, `1d`, `7d` or `2w`. */
export const Duration = z
  .string()
  .regex(/^\d+(m|h|d|w)$/, 'expected a duration like 30m, 1h, 1d or 7d');

/** Milliseconds of a Duration (`1d` → 86,400,000). */
export function durationMs(d: string): number {
  const m = /^(\d+)(m|h|d|w)$/.exec(d);
  if (!m) throw new Error(`not a duration: ${d}`);
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[
    m[2] as 'm' | 'h' | 'd' | 'w'
  ];
  return Number(m[1]) * unit;
}

/** What a rule watches. */
export const AlertSignal = z.enum([
  /** Share of input features drifting in the window, against the version's stored reference. */
  'drift_share',
  /** One feature's drift statistic (`feature` names it). */
  'feature_drift',
  /** A metric on labelled rows (`metric` names it: accuracy, roc_auc, rmse…). */
  'metric',
  /** A metric estimated without labels (CBPE, classifiers). */
  'estimated_metric',
  /** Latency p99 of served requests, in ms. */
  'latency_p99',
  /** Share of served requests answered 4xx or 5xx. */
  'error_rate',
  /** Captured rows in the window. */
  'volume',
]);
export type AlertSignal = z.infer<typeof AlertSignal>;

/**
 * One alert rule: a signal of a model's champion (or `version`), measured over the last `window`, compared
 * with `above` and/or `below`. A firing rule is logged, delivered (webhook, desktop notification) and, with
 * `action`, starts a retraining or rolls the champion back. It does not fire again within `cooldown`.
 */
export const AlertRule = z
  .object({
    name: z.string().min(1, 'a rule needs a name'),
    model: z.string().min(1, 'a rule needs a model'),
    /** Version or alias watched (default `champion`, else the latest version). */
    version: z.union([z.number().int().positive(), z.string().min(1)]).optional(),
    signal: AlertSignal,
    /** The feature of `feature_drift`. */
    feature: z.string().min(1).optional(),
    /** The metric of `metric` and `estimated_metric`. */
    metric: z.string().min(1).optional(),
    above: z.number().optional(),
    below: z.number().optional(),
    /** How far back the signal looks (default 1d). */
    // Not durationMs(d) > 0: zod runs the refinement even when the pattern failed, and durationMs throws
    // on a string that is not a duration (the app's rules editor parses as the user types).
    window: Duration.refine(
      (d) => !/^0+(m|h|d|w)$/.test(d),
      'a window must be longer than 0',
    ).default('1d'),
    severity: z.enum(['info', 'warning', 'critical']).default('warning'),
    /** Quiet time after firing (default 1h). */
    cooldown: Duration.default('1h'),
    /** POST the alert as JSON here (retried with backoff; never blocks). */
    webhook: z.url({ protocol: /^https?$/, error: 'webhook: expected an http(s) URL' }).optional(),
    /** What firing does besides alerting. */
    action: z.enum(['retrain', 'rollback']).optional(),
    /** Fewest rows in the window before the rule is judged (default 1). */
    minRows: z.number().int().positive().optional(),
  })
  .strict()
  .refine((r) => r.above !== undefined || r.below !== undefined, {
    message: 'give above, below or both',
    path: ['above'],
  })
  .refine((r) => r.signal !== 'feature_drift' || r.feature !== undefined, {
    message: 'feature_drift needs a feature',
    path: ['feature'],
  })
  .refine(
    (r) => (r.signal !== 'metric' && r.signal !== 'estimated_metric') || r.metric !== undefined,
    { message: 'metric and estimated_metric need a metric', path: ['metric'] },
  );
export type AlertRule = z.infer<typeof AlertRule>;

/**
 * A retraining on a schedule (cron) of the workspace's rules, run while the app or `lathe ui` runs: what
 * `lathe retrain MODEL [--data D] [--combine] [--promote]` does, triggered `schedule`.
 */
export const RetrainSchedule = z
  .object({
    model: z.string().min(1, 'a retraining schedule needs a model'),
    /** A cron expression, e.g. `0 3 * * 1` (Mondays at 03:00). */
    schedule: z.string().min(1, 'a retraining schedule needs a cron schedule'),
    /** New data (`NAME[@v]`); default the latest version of the champion's dataset. */
    data: z.string().min(1).optional(),
    combine: z.boolean().optional(),
    promote: z.boolean().optional(),
  })
  .strict();
export type RetrainSchedule = z.infer<typeof RetrainSchedule>;

/** The rules file (`lathe monitor check --rules FILE`, or the workspace's rules edited in the app). */
export const AlertRules = z
  .object({
    /** When rules are evaluated while the app, `lathe ui` or `lathe monitor watch` runs (cron). */
    schedule: z.string().min(1).default('*/5 * * * *'),
    rules: z.array(AlertRule).default([]),
    /** Retrainings on a schedule. */
    retrain: z.array(RetrainSchedule).optional(),
  })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.rules.forEach((r, i) => {
      if (seen.has(r.name))
        ctx.addIssue({
          code: 'custom',
          message: `rule name '${r.name}' is used twice`,
          path: ['rules', i, 'name'],
        });
      seen.add(r.name);
    });
  });
export type AlertRules = z.infer<typeof AlertRules>;
export type AlertRulesInput = z.input<typeof AlertRules>;

export function alertRulesJsonSchema(): unknown {
  return z.toJSONSchema(AlertRules, { io: 'input' });
}
