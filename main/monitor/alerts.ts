// Alert rules: evaluated on a cron schedule while the app, `lathe ui` or `lathe monitor watch` runs, and
// once by `lathe monitor check`; fired alerts go to the alert log, a webhook and the desktop.
import { randomUUID } from 'node:crypto';
import { Cron } from 'croner';
import type { z } from 'zod';
import {
  LatheError,
  durationMs,
  type Alert,
  type AlertAckIn,
  type AlertDelivery,
  type AlertRule,
  type AlertRules,
  type AlertsListIn,
  type CheckIn,
  type CheckOut,
} from '../../shared/contract';
import type { EventBus } from '../api/event-bus';
import { osActor } from '../registry/audit';
import type { RegistryStore } from '../registry/registry-store';
import type { Database } from '../workspace/db';
import { createAlertStore } from './alert-store';
import { cronProblem } from './cron';
import { judge, measure, watchedVersion, windowStart, type Judgement } from './alert-signals';
import type { CaptureService } from './captures';
import type { DriftService } from './drift';
import type { PerformanceService } from './performance';
import type { RetrainService } from './retrain';
import {
  DEFAULT_WEBHOOK_POLICY,
  postWebhook,
  realWebhookDeps,
  type WebhookDeps,
  type WebhookPolicy,
} from './webhook';

type Delivery = z.infer<typeof AlertDelivery>;
type RuleResult = CheckOut['results'][number];

export interface AlertService {
  rules(): Promise<{ rules: AlertRules; updatedAt: string | null }>;
  /**
   * Replaces the workspace's rules and retraining schedules; INVALID_INPUT for a schedule that is not a
   * cron expression, NOT_FOUND naming a model that does not exist (the rules stay as they were).
   */
  setRules(rules: AlertRules): Promise<{ rules: AlertRules; updatedAt: string | null }>;
  check(input: z.output<typeof CheckIn>): Promise<CheckOut>;
  /**
   * The alert log, newest first; NOT_FOUND for a model that neither the registry nor the log knows (an
   * unknown name is a mistake, not a model without alerts).
   */
  list(input: z.output<typeof AlertsListIn>): Promise<Alert[]>;
  ack(input: z.output<typeof AlertAckIn>): Promise<Alert>;
  /** Evaluates the workspace's rules on their cron schedule until stop(). */
  startSchedule(): void;
  stop(): Promise<void>;
}

export interface AlertDeps {
  db: Database;
  /** The workspace folder, where batch jobs' capture files are. */
  workspaceDir: string;
  bus: EventBus;
  registry: Pick<RegistryStore, 'version' | 'list'>;
  drift: Pick<DriftService, 'drift'>;
  capture: Pick<CaptureService, 'health'>;
  performance: Pick<PerformanceService, 'overall'>;
  retrain: Pick<RetrainService, 'run' | 'rollback'>;
  /** The clock (tests move it to cross a cooldown). */
  now?: () => Date;
  webhook?: { policy?: WebhookPolicy; deps?: WebhookDeps };
  /** Who acknowledges (default the OS user). */
  actor?: () => string;
}

/** A cron expression checked: INVALID_INPUT names it when croner cannot read it. */
export function checkSchedule(schedule: string): void {
  const problem = cronProblem(schedule);
  if (problem) throw new LatheError('INVALID_INPUT', `schedule: ${problem}`);
}

export function createAlertService(deps: AlertDeps): AlertService {
  const store = createAlertStore(deps.db);
  const now = deps.now ?? (() => new Date());
  const policy = deps.webhook?.policy ?? DEFAULT_WEBHOOK_POLICY;
  const webhookDeps = deps.webhook?.deps ?? realWebhookDeps;
  let cron: Cron | undefined;
  let scheduled = false;
  let running: Promise<unknown> = Promise.resolve();

  async function judgeRule(rule: AlertRule, at: Date): Promise<Judgement> {
    try {
      const version = await watchedVersion(deps.registry, rule);
      return judge(rule, version, await measure(deps, rule, version, windowStart(rule, at)));
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      return {
        version: null,
        value: null,
        threshold: rule.above ?? rule.below!,
        fired: false,
        message: `could not be judged: ${reason}`,
        error: reason,
      };
    }
  }

  /** The rule's action (retrain or rollback), as a sentence for the alert's message; never throws. */
  async function act(rule: AlertRule, alert: Alert): Promise<string> {
    const reason = `alert '${rule.name}' (${alert.id}): ${alert.message}`;
    try {
      if (rule.action === 'retrain') {
        const r = await deps.retrain.run({ model: rule.model, trigger: 'alert', reason });
        return `retraining ${r.id} ${r.status}${r.challengerVersion ? ` (challenger ${rule.model}@${r.challengerVersion})` : ''}${r.error ? `: ${r.error}` : ''}`;
      }
      // Only the champion the alert judged: one replaced since is not rolled back for it.
      const r = await deps.retrain.rollback({
        name: rule.model,
        reason,
        ...(alert.version !== null ? { from: alert.version } : {}),
      });
      return `rolled ${r.model} back from version ${r.from} to ${r.to}`;
    } catch (err) {
      return `${rule.action} failed: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  /** Logs, notifies and delivers one fired alert; resolves when its webhook and action are done. */
  async function deliver(rule: AlertRule, alert: Alert): Promise<Alert> {
    const deliveries: Delivery[] = [{ channel: 'log', ok: true, attempts: 1 }];
    await store.insert({ ...alert, deliveries });
    deps.bus.emit('monitor:alert', { ...alert, deliveries });
    deliveries.push({ channel: 'desktop', ok: true, attempts: 1 });
    if (rule.webhook) {
      const outcome = await postWebhook(
        rule.webhook,
        { text: alert.message, alert },
        policy,
        webhookDeps,
      );
      deliveries.push({ channel: 'webhook', ...outcome });
    }
    let message = alert.message;
    if (rule.action) message += `; action: ${await act(rule, alert)}`;
    await store.update(alert.id, deliveries, message);
    return { ...alert, deliveries, message };
  }

  async function check(input: z.output<typeof CheckIn>): Promise<CheckOut> {
    const all = input.rules ?? (await store.rules()).rules;
    const unknown = (input.only ?? []).filter((n) => !all.rules.some((r) => r.name === n));
    if (unknown.length)
      throw new LatheError(
        'INVALID_INPUT',
        `only: no rule named ${unknown.map((n) => `'${n}'`).join(', ')} (rules: ${all.rules.map((r) => r.name).join(', ') || 'none'})`,
      );
    const rules = input.only ? all.rules.filter((r) => input.only!.includes(r.name)) : all.rules;
    const at = now();
    const results: RuleResult[] = [];
    const deliveries: Promise<Alert>[] = [];
    for (const rule of rules) {
      const j = await judgeRule(rule, at);
      let suppressed = false;
      if (j.fired) {
        const last = await store.lastFired(rule.name, rule.model);
        suppressed = last !== null && at.getTime() - last.getTime() < durationMs(rule.cooldown);
        if (!suppressed)
          deliveries.push(
            deliver(rule, {
              id: randomUUID(),
              at: at.toISOString(),
              rule: rule.name,
              model: rule.model,
              version: j.version,
              signal: rule.signal,
              severity: rule.severity,
              value: j.value,
              threshold: j.threshold,
              message: j.message,
              deliveries: [],
              acknowledgedAt: null,
              acknowledgedBy: null,
              note: null,
            }),
          );
      }
      results.push({
        rule: rule.name,
        model: rule.model,
        signal: rule.signal,
        value: j.value,
        threshold: j.threshold,
        fired: j.fired,
        suppressed,
        ...(j.error !== undefined ? { error: j.error } : {}),
        message: suppressed
          ? `${j.message}; within its ${rule.cooldown} cooldown, not delivered again`
          : j.message,
      });
    }
    // Webhooks of several rules go out together: the check waits for the slowest, which is bounded.
    return { checkedAt: at.toISOString(), results, fired: await Promise.all(deliveries) };
  }

  /**
   * Every model the rules and retraining schedules name exists: one that does not is never judged. A model
   * the stored rules already name is not checked again: one renamed or deleted since must not block an
   * unrelated edit (the Monitor view and pipelines' monitor steps send the whole document back); its rules
   * say so when checked.
   */
  async function checkModels(rules: AlertRules): Promise<void> {
    const { rules: stored } = await store.rules();
    const before = new Set([
      ...stored.rules.map((r) => r.model),
      ...(stored.retrain ?? []).map((r) => r.model),
    ]);
    const named = [
      ...rules.rules.map((r, i) => ({
        model: r.model,
        field: `rules.${i}.model`,
        of: `rule '${r.name}'`,
      })),
      ...(rules.retrain ?? []).map((r, i) => ({
        model: r.model,
        field: `retrain.${i}.model`,
        of: 'a retraining schedule',
      })),
    ];
    const fresh = named.filter((n) => !before.has(n.model));
    if (!fresh.length) return;
    const models = new Set((await deps.registry.list()).map((m) => m.name));
    const missing = fresh.filter((n) => !models.has(n.model));
    if (!missing.length) return;
    throw new LatheError(
      'NOT_FOUND',
      missing.map((n) => `${n.field}: no model '${n.model}' (${n.of})`).join('; '),
      { model: missing[0]!.model, field: missing[0]!.field },
    );
  }

  async function schedule(): Promise<void> {
    const { rules } = await store.rules();
    if (!scheduled) return;
    cron?.stop();
    cron = new Cron(rules.schedule, { protect: true }, async () => {
      const run = check({}).catch((err: unknown) =>
        console.error('[Alerts] scheduled check failed:', err instanceof Error ? err.message : err),
      );
      running = run;
      await run;
    });
  }

  return {
    rules: () => store.rules(),
    async setRules(rules) {
      checkSchedule(rules.schedule);
      await checkModels(rules);
      const out = await store.setRules(rules, now());
      if (scheduled) await schedule();
      return out;
    },
    check,
    async list(input) {
      const alerts = await store.list(input);
      // A model's alerts outlive it (renamed or deleted through the MLflow API), so only a name neither
      // the registry nor the log knows is refused: a typo must not read as "no alerts".
      if (input.model !== undefined && !alerts.length) {
        const models = (await deps.registry.list()).map((m) => m.name);
        if (!models.includes(input.model) && !(await store.logs(input.model)))
          throw new LatheError(
            'NOT_FOUND',
            `no model '${input.model}'${input.model.includes('@') ? ' (give a model name: its alerts of every version are listed)' : ''}`,
            { model: input.model },
          );
      }
      return alerts;
    },
    ack: ({ id, note }) => store.ack(id, (deps.actor ?? osActor)(), note, now()),
    startSchedule() {
      if (scheduled) return;
      scheduled = true;
      void schedule().catch((err: unknown) =>
        console.error(
          '[Alerts] cannot schedule the rules:',
          err instanceof Error ? err.message : err,
        ),
      );
    },
    async stop() {
      scheduled = false;
      cron?.stop();
      cron = undefined;
      await running;
    },
  };
}
