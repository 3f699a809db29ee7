import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseRoute, routeHref } from '../../../renderer/lib/routes';
import { AuditEntry, HealthOut, PerformanceOut, type AlertRules } from '../../../shared/contract';
import {
  championTimeline,
  exampleRules,
  healthSeries,
  parseRulesText,
  parseWindow,
  performanceSeries,
  predictionSeries,
  rulesText,
} from '../../../renderer/views/Monitor/monitor-model';

const hour = (h: number) => `2026-12-04T${String(h).padStart(2, '0')}:00:00.000Z`;

describe('service health series', () => {
  const health = HealthOut.parse({
    model: 'm',
    windows: [
      // Two versions in hour 11 (a canary): counts add up, latency is the busier version's.
      {
        start: hour(11),
        end: hour(12),
        version: 2,
        requests: 10,
        rows: 12,
        errors4xx: 1,
        errors5xx: 0,
        errorRate: 0.1,
        latencyMs: { p50: 9, p95: 20, p99: 30 },
      },
      {
        start: hour(10),
        end: hour(11),
        version: 1,
        requests: 40,
        rows: 40,
        errors4xx: 0,
        errors5xx: 2,
        errorRate: 0.05,
        latencyMs: { p50: 1, p95: 2, p99: 3 },
      },
      {
        start: hour(11),
        end: hour(12),
        version: 1,
        requests: 30,
        rows: 30,
        errors4xx: 0,
        errors5xx: 3,
        errorRate: 0.1,
        latencyMs: { p50: 1.5, p95: 2.5, p99: 4 },
      },
      {
        start: hour(12),
        end: hour(13),
        version: 1,
        requests: 0,
        rows: 0,
        errors4xx: 0,
        errors5xx: 0,
        errorRate: 0,
        latencyMs: null,
      },
    ],
  });

  it('has one point per window, oldest first, with volumes and errors summed over versions', () => {
    const s = healthSeries(health, 'hour');
    expect(s.labels).toEqual(['12-04 10:00', '12-04 11:00', '12-04 12:00']);
    expect(s.requests).toEqual([40, 40, 0]);
    expect(s.rows).toEqual([40, 42, 0]);
    expect(s.errors4xx).toEqual([0, 1, 0]);
    expect(s.errors5xx).toEqual([2, 3, 0]);
    expect(s.errorRate).toEqual([0.05, 0.1, 0]);
  });

  it("takes latency from the window's busiest version, and none without requests", () => {
    const s = healthSeries(health, 'hour');
    expect(s.p50).toEqual([1, 1.5, null]);
    expect(s.p99).toEqual([3, 4, null]);
  });

  it('is empty without windows', () => {
    expect(healthSeries({ windows: [] }).labels).toEqual([]);
  });
});

describe('performance series', () => {
  const perf = PerformanceOut.parse({
    model: 'm',
    task: 'binary',
    estimateAssumption: 'calibrated probabilities',
    windows: [
      {
        start: hour(2),
        end: hour(3),
        version: 1,
        rows: 50,
        labelled: 0,
        metrics: {},
        estimated: { accuracy: 0.8, roc_auc: 0.85 },
      },
      {
        start: hour(1),
        end: hour(2),
        version: 1,
        rows: 40,
        labelled: 40,
        metrics: { accuracy: 0.9, log_loss: 0.3 },
        estimated: { accuracy: 0.88, roc_auc: 0.9 },
      },
    ],
  });

  it('lists every metric measured or estimated, the headline one first', () => {
    expect(performanceSeries(perf).metrics).toEqual(['accuracy', 'roc_auc', 'log_loss']);
  });

  it('gives actual and estimated values per window, null where a window has none', () => {
    const s = performanceSeries(perf, 'hour');
    expect(s.labels).toEqual(['12-04 01:00', '12-04 02:00']);
    expect(s.actual('accuracy')).toEqual([0.9, null]);
    expect(s.estimated('accuracy')).toEqual([0.88, 0.8]);
    expect(s.actual('roc_auc')).toEqual([null, null]);
    expect(s.labelled).toEqual([40, 0]);
    expect(s.rows).toEqual([40, 50]);
  });
});

describe('prediction distribution per window', () => {
  const cat = (categories: string[], counts: number[]) => ({
    statistic: 0.1,
    drifted: false,
    current: { kind: 'categorical' as const, categories, counts },
  });
  const windows = [
    { start: hour(2), prediction: cat(['b', 'a'], [1, 3]) },
    { start: hour(1), prediction: cat(['a', 'b'], [1, 1]) },
    // A window without a prediction distribution is left out.
    { start: hour(3) },
    { start: hour(4), prediction: cat(['c'], [2]) },
  ];

  it('stacks the share of each class per window, oldest first', () => {
    const s = predictionSeries(windows, 'hour');
    expect(s.labels).toEqual(['12-04 01:00', '12-04 02:00', '12-04 04:00']);
    expect(s.series.map((x) => x.key)).toEqual(['a', 'b', 'c']);
    expect(s.series[0]!.values).toEqual([0.5, 0.75, 0]);
    expect(s.series[1]!.values).toEqual([0.5, 0.25, 0]);
    expect(s.series[2]!.values).toEqual([0, 0, 1]);
  });

  it('bins numeric predictions on the first window’s edges', () => {
    const num = (edges: number[], counts: number[]) => ({
      statistic: 0,
      drifted: false,
      current: { kind: 'numeric' as const, edges, counts },
    });
    const s = predictionSeries([
      { start: hour(1), prediction: num([0, 1, 2], [1, 1]) },
      { start: hour(2), prediction: num([0, 1, 2], [0, 4]) },
    ]);
    expect(s.series.map((x) => x.key)).toEqual(['0 – 1', '1 – 2']);
    expect(s.series[1]!.values).toEqual([0.5, 1]);
  });

  it('is empty when no window has a prediction distribution', () => {
    expect(predictionSeries([{ start: hour(1) }])).toEqual({ labels: [], series: [] });
  });
});

describe('champion timeline', () => {
  const entry = (e: Partial<AuditEntry> & Pick<AuditEntry, 'id' | 'at' | 'action'>) =>
    AuditEntry.parse({ actor: 'ana', model: 'm', version: null, details: {}, reason: null, ...e });
  const entries = [
    entry({
      id: '1',
      at: '2026-12-01T00:00:00Z',
      action: 'register',
      version: 1,
      details: { runId: 'r' },
    }),
    entry({
      id: '2',
      at: '2026-12-01T01:00:00Z',
      action: 'alias',
      version: 1,
      details: { alias: 'champion', from: null, to: 1 },
    }),
    entry({
      id: '3',
      at: '2026-12-02T00:00:00Z',
      action: 'alias',
      version: 2,
      details: { alias: 'staging', from: null, to: 2 },
    }),
    entry({
      id: '4',
      at: '2026-12-03T00:00:00Z',
      action: 'alias',
      version: 2,
      details: { alias: 'champion', from: 1, to: 2 },
    }),
    entry({
      id: '5',
      at: '2026-12-04T00:00:00Z',
      action: 'alias',
      version: 1,
      details: { alias: 'champion', from: 2, to: 1, rollback: true },
      reason: 'p99 doubled',
    }),
  ];

  it('lists each move of champion, newest first, with rollbacks called so', () => {
    const t = championTimeline(entries);
    expect(t.map((c) => [c.id, c.kind, c.from, c.to])).toEqual([
      ['5', 'rollback', 2, 1],
      ['4', 'promote', 1, 2],
      ['2', 'promote', null, 1],
    ]);
    expect(t[0]!.reason).toBe('p99 doubled');
  });

  it('shows a removed champion and an override of failed gates', () => {
    const t = championTimeline([
      entry({
        id: '6',
        at: '2026-12-05T00:00:00Z',
        action: 'unalias',
        details: { alias: 'champion', from: 1 },
      }),
      entry({
        id: '7',
        at: '2026-12-06T00:00:00Z',
        action: 'override',
        version: 3,
        details: { of: 'alias', alias: 'champion', failures: [] },
      }),
    ]);
    expect(t.map((c) => [c.kind, c.from, c.to])).toEqual([
      ['override', null, 3],
      ['remove', 1, null],
    ]);
  });
});

describe('alert rules editor', () => {
  it('starts from an example that is a valid rules file for the model on screen', () => {
    const parsed = parseRulesText(exampleRules('species'));
    expect(parsed.ok).toBe(true);
    if (parsed.ok)
      expect(parsed.rules.rules[0]).toMatchObject({
        model: 'species',
        signal: 'drift_share',
        above: 0.3,
      });
  });

  it('shows stored rules as YAML that reads back the same', () => {
    const rules: AlertRules = {
      schedule: '0 * * * *',
      rules: [
        {
          name: 'p99',
          model: 'm',
          signal: 'latency_p99',
          above: 50,
          window: '1h',
          severity: 'critical',
          cooldown: '1h',
        },
      ],
    };
    expect(parseYaml(rulesText(rules, 'm'))).toEqual(rules);
    expect(rulesText({ schedule: '*/5 * * * *', rules: [] }, 'm')).toBe(exampleRules('m'));
  });

  it("names the field of each problem, with the rule's name", () => {
    const parsed = parseRulesText(
      'rules:\n  - { name: ok, model: m, signal: volume, below: 1 }\n  - { name: slow, model: m, signal: feature_drift, above: 0.2, window: 3 days }\n',
    );
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    const paths = parsed.errors.map((e) => e.path);
    expect(paths).toContain('rules[1] (slow).window');
    expect(paths).toContain('rules[1] (slow).feature');
    expect(parsed.errors.find((e) => e.path.endsWith('.window'))!.message).toMatch(/duration/);
  });

  it('reports a YAML syntax error and an unknown signal', () => {
    const syntax = parseRulesText('rules: [');
    expect(syntax.ok || syntax.errors[0]!.path).toBe('(syntax)');
    const unknown = parseRulesText('rules:\n  - { name: x, model: m, signal: vibes, above: 1 }\n');
    expect(unknown.ok || unknown.errors.map((e) => e.path)).toEqual(['rules[0] (x).signal']);
  });

  it('reads the window pickers', () => {
    expect(parseWindow('week')).toBe('week');
    expect(parseWindow('1000')).toBe(1000);
    expect(parseWindow('nonsense')).toBe('day');
  });
});

describe('monitor route', () => {
  it('opens #/monitor and #/monitor/<model>, and links back to them', () => {
    expect(parseRoute('#/monitor')).toEqual({ view: 'monitor', model: null });
    expect(parseRoute('#/monitor/fraud%20v2')).toEqual({ view: 'monitor', model: 'fraud v2' });
    expect(routeHref({ view: 'monitor', model: 'fraud v2' })).toBe('#/monitor/fraud%20v2');
    expect(routeHref({ view: 'monitor', model: null })).toBe('#/monitor');
  });
});
