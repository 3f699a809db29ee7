// The alert service with fake signals and a real (in-memory, migrated) database: rule evaluation,
// delivery to the log, the bus and a webhook, cooldown, actions, the alert log and acknowledgement.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  AlertRule,
  AlertRules,
  type Alert,
  type AlertRulesInput,
  type EventFrame,
  type ModelVersion,
} from '../../../../shared/contract';
import { createEventBus } from '../../../../main/api/event-bus';
import { judge } from '../../../../main/monitor/alert-signals';
import { createAlertService, type AlertDeps } from '../../../../main/monitor/alerts';
import type { PerformanceService } from '../../../../main/monitor/performance';
import { openDatabase, type Database } from '../../../../main/workspace/db';
import { migrate } from '../../../../main/workspace/migrations';
import { waitFor } from '../../../helpers/wait';

const version = { id: 'v1', model: 'm', version: 2 } as ModelVersion;
const rule = (r: Partial<z.input<typeof AlertRule>>) =>
  AlertRule.parse({
    name: 'acc',
    model: 'm',
    signal: 'metric',
    metric: 'accuracy',
    below: 0.8,
    ...r,
  });

describe('judge', () => {
  it('fires above or below its bounds, names the value, and skips windows with too few rows', () => {
    const m = (value: number | null, rows = 50) => ({ value, rows, detail: 'd' });
    expect(judge(rule({}), version, m(0.7))).toMatchObject({
      fired: true,
      threshold: 0.8,
      value: 0.7,
    });
    expect(judge(rule({}), version, m(0.7)).message).toMatch(
      /accuracy of m@2 over the last 1d is 0\.7000, below 0\.8/,
    );
    expect(judge(rule({}), version, m(0.9)).fired).toBe(false);
    const both = rule({ above: 0.95, below: 0.5 });
    expect(judge(both, version, m(0.97))).toMatchObject({ fired: true, threshold: 0.95 });
    expect(judge(both, version, m(0.6)).fired).toBe(false);
    const few = judge(rule({ minRows: 100 }), version, m(0.1, 99));
    expect(few.fired).toBe(false);
    expect(few.message).toMatch(/not judged, 99 row/);
    expect(judge(rule({}), version, m(null)).fired).toBe(false);
    const volume = rule({ signal: 'volume', metric: undefined, below: 1, minRows: 5 });
    expect(judge(volume, version, m(0, 0)).fired).toBe(true);
  });
});

describe('alert service', () => {
  let db: Database;
  let clock: Date;
  let accuracy: number | null;
  let events: EventFrame[];
  let posts: { url: string; body: unknown }[];
  let retrains: unknown[];
  let webhookOk: boolean;
  const make = (extra: Partial<AlertDeps> = {}) => {
    const bus = createEventBus();
    bus.subscribe((f) => events.push(f));
    const overall: PerformanceService['overall'] = async () =>
      accuracy === null
        ? null
        : {
            start: '',
            end: '',
            version: 2,
            rows: 100,
            labelled: 100,
            task: 'binary',
            metrics: { accuracy },
            estimated: { accuracy: 0.9 },
          };
    return createAlertService({
      db,
      // No batch job runs here: nothing is read from the folder.
      workspaceDir: '/nonexistent-workspace',
      bus,
      registry: {
        version: async () => version,
        list: async () => [{ name: 'm' }] as Awaited<ReturnType<AlertDeps['registry']['list']>>,
      },
      drift: {
        drift: async () => {
          throw new Error('no drift here');
        },
      },
      capture: { health: async () => ({ model: 'm', windows: [] }) },
      performance: { overall },
      retrain: {
        run: async (input) => {
          retrains.push(input);
          return { id: 'rt1', status: 'registered', challengerVersion: 3, error: null } as never;
        },
        rollback: async () => ({ model: 'm', from: 2, to: 1 }),
      },
      now: () => clock,
      actor: () => 'tester',
      webhook: {
        policy: { attempts: 2, baseDelayMs: 1, timeoutMs: 100, totalMs: 1000 },
        deps: {
          now: () => 0,
          sleep: async () => undefined,
          timer: () => () => undefined,
          fetch: async (url, init) => {
            posts.push({ url, body: JSON.parse(init.body as string) as unknown });
            return { ok: webhookOk, status: webhookOk ? 200 : 500 };
          },
        },
      },
      ...extra,
    });
  };
  const rules = (r: AlertRulesInput['rules']) => AlertRules.parse({ rules: r });
  /** The accuracy rule alone, with `extra` fields. */
  const accRules = (extra: Partial<z.input<typeof AlertRule>> = {}) =>
    rules([
      { name: 'acc', model: 'm', signal: 'metric', metric: 'accuracy', below: 0.8, ...extra },
    ]);

  beforeEach(async () => {
    db = await openDatabase(':memory:');
    await migrate(db);
    clock = new Date('2026-03-01T12:00:00Z');
    accuracy = 0.7;
    events = [];
    posts = [];
    retrains = [];
    webhookOk = true;
  });
  afterEach(() => db.close());

  it('a firing rule is logged, sent to the bus and its webhook; within its cooldown it is suppressed', async () => {
    const alerts = make();
    const input = {
      rules: accRules({ webhook: 'http://127.0.0.1:9/hook', cooldown: '1h' }),
    };
    const first = await alerts.check(input);
    expect(first.results).toMatchObject([
      { rule: 'acc', fired: true, suppressed: false, value: 0.7 },
    ]);
    expect(first.fired).toHaveLength(1);
    const alert = first.fired[0]!;
    expect(alert.deliveries.map((d) => [d.channel, d.ok])).toEqual([
      ['log', true],
      ['desktop', true],
      ['webhook', true],
    ]);
    expect(events.map((e) => e.event)).toEqual(['monitor:alert']);
    expect(posts).toHaveLength(1);
    expect((posts[0]!.body as { alert: Alert }).alert).toMatchObject({ rule: 'acc', value: 0.7 });

    clock = new Date('2026-03-01T12:30:00Z');
    const again = await alerts.check(input);
    expect(again.results[0]).toMatchObject({ fired: true, suppressed: true });
    expect(again.results[0]!.message).toMatch(/cooldown/);
    expect(again.fired).toEqual([]);
    expect(posts).toHaveLength(1);
    expect(await alerts.list({})).toHaveLength(1);

    clock = new Date('2026-03-01T13:30:00Z');
    expect((await alerts.check(input)).fired).toHaveLength(1);
    expect(posts).toHaveLength(2);
    const log = await alerts.list({});
    expect(log.map((a) => a.at)).toEqual(['2026-03-01T13:30:00.000Z', '2026-03-01T12:00:00.000Z']);
  });

  it('a failing webhook is recorded on the alert, and the check still answers', async () => {
    webhookOk = false;
    const out = await make().check({
      rules: accRules({ webhook: 'http://127.0.0.1:9/hook' }),
    });
    const webhook = out.fired[0]!.deliveries.find((d) => d.channel === 'webhook')!;
    expect(webhook).toMatchObject({ ok: false, attempts: 2 });
    expect(webhook.error).toMatch(/HTTP 500/);
    expect((await make().list({}))[0]!.deliveries).toEqual(out.fired[0]!.deliveries);
  });

  it('rules that hold do not fire; a rule that cannot be judged says why', async () => {
    accuracy = 0.95;
    const out = await make().check({
      rules: rules([
        { name: 'acc', model: 'm', signal: 'metric', metric: 'accuracy', below: 0.8 },
        { name: 'drift', model: 'm', signal: 'drift_share', above: 0.3 },
        { name: 'est', model: 'm', signal: 'estimated_metric', metric: 'roc_auc', below: 0.5 },
      ]),
    });
    expect(out.results.map((r) => r.fired)).toEqual([false, false, false]);
    expect(out.results[1]!.message).toBe('could not be judged: no drift here');
    expect(out.results[1]!.error).toBe('no drift here');
    expect(out.results[0]!.error).toBeUndefined();
    expect(out.results[2]!.message).toMatch(/no estimated roc_auc \(accuracy available\)/);
    expect(await make().list({})).toEqual([]);
  });

  it('action: retrain starts a retraining triggered by the alert, and says what it did', async () => {
    const out = await make().check({
      rules: accRules({ action: 'retrain' }),
    });
    expect(retrains).toMatchObject([{ model: 'm', trigger: 'alert' }]);
    expect((retrains[0] as { reason: string }).reason).toMatch(/alert 'acc'/);
    expect(out.fired[0]!.message).toMatch(/action: retraining rt1 registered \(challenger m@3\)/);
  });

  it('workspace rules: stored, checked by default, `only` names unknown rules; a bad cron is refused', async () => {
    const alerts = make();
    expect(await alerts.rules()).toEqual({
      rules: { schedule: '*/5 * * * *', rules: [] },
      updatedAt: null,
    });
    const set = await alerts.setRules(
      rules([
        { name: 'acc', model: 'm', signal: 'metric', metric: 'accuracy', below: 0.8 },
        { name: 'vol', model: 'm', signal: 'volume', above: 1e9 },
      ]),
    );
    expect(set.updatedAt).toBe(clock.toISOString());
    expect((await alerts.rules()).rules.rules.map((r) => r.name)).toEqual(['acc', 'vol']);
    const out = await alerts.check({ only: ['acc'] });
    expect(out.results.map((r) => r.rule)).toEqual(['acc']);
    await expect(alerts.check({ only: ['nope'] })).rejects.toThrow(/no rule named 'nope'/);
    await expect(alerts.setRules(AlertRules.parse({ schedule: 'every tuesday' }))).rejects.toThrow(
      /schedule: 'every tuesday' is not a cron expression/,
    );
  });

  it('refuses rules and retraining schedules naming a model that does not exist; the rules stay', async () => {
    const alerts = make();
    const kept = rules([
      { name: 'acc', model: 'm', signal: 'metric', metric: 'accuracy', below: 0.8 },
    ]);
    await alerts.setRules(kept);
    const typo = alerts.setRules(
      AlertRules.parse({
        rules: [...kept.rules, { name: 'r3', model: 'nosuch', signal: 'error_rate', above: 0.5 }],
        retrain: [{ model: 'gone', schedule: '0 3 * * 1' }],
      }),
    );
    await expect(typo).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message:
        "rules.1.model: no model 'nosuch' (rule 'r3'); retrain.0.model: no model 'gone' (a retraining schedule)",
    });
    expect((await alerts.rules()).rules).toEqual(kept);
  });

  it("a stored rule's model deleted since does not block an unrelated edit", async () => {
    let models = [{ name: 'm' }, { name: 'old' }];
    const registry = {
      version: async () => {
        throw new Error('not read here');
      },
      list: async () => models as Awaited<ReturnType<AlertDeps['registry']['list']>>,
    };
    const alerts = make({ registry });
    const acc = {
      name: 'acc',
      model: 'old',
      signal: 'metric' as const,
      metric: 'accuracy',
      below: 0.8,
    };
    await alerts.setRules(rules([acc]));
    models = [{ name: 'm' }];
    const more = rules([acc, { name: 'err', model: 'm', signal: 'error_rate', above: 0.5 }]);
    await alerts.setRules(more);
    expect((await alerts.rules()).rules).toEqual(more);
    // A rule newly naming the deleted model is still refused.
    await expect(
      alerts.setRules(rules([{ ...acc, name: 'acc2', model: 'gone' }])),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('startSchedule runs the workspace rules on their cron schedule until stop()', async () => {
    const alerts = make();
    await alerts.setRules(AlertRules.parse({ schedule: '* * * * * *', rules: accRules().rules }));
    alerts.startSchedule();
    try {
      await waitFor(async () => (await alerts.list({})).length > 0, {
        what: 'the scheduled check to log an alert',
        timeoutMs: 10_000,
      });
    } finally {
      await alerts.stop();
    }
    expect((await alerts.list({}))[0]).toMatchObject({ rule: 'acc', value: 0.7 });
  });

  it('the alert log filters by model and open; ack records who, when and the note, once', async () => {
    const alerts = make();
    const r = accRules({ cooldown: '1m' });
    const a = (await alerts.check({ rules: r })).fired[0]!;
    clock = new Date('2026-03-01T12:05:00Z');
    const b = (await alerts.check({ rules: r })).fired[0]!;
    const acked = await alerts.ack({ id: a.id.slice(0, 8), note: 'known outage' });
    expect(acked).toMatchObject({
      id: a.id,
      acknowledgedBy: 'tester',
      note: 'known outage',
      acknowledgedAt: clock.toISOString(),
    });
    expect((await alerts.list({ open: true })).map((x) => x.id)).toEqual([b.id]);
    // A model the registry knows and the log does not has no alerts; a name neither knows is a mistake.
    expect(await alerts.list({ model: 'm', open: true, limit: 1 })).toHaveLength(1);
    await expect(alerts.list({ model: 'other' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: "no model 'other'",
    });
    expect((await alerts.list({ limit: 1 })).map((x) => x.id)).toEqual([b.id]);
    await expect(alerts.ack({ id: a.id })).rejects.toThrow(/already acknowledged by tester/);
    await expect(alerts.ack({ id: 'nope' })).rejects.toThrow(/no alert 'nope'/);
  });
});
