// What an alert rule measures, over the last `window` of the version it watches, and whether it fires.
import { LatheError, durationMs, type AlertRule, type ModelVersion } from '../../shared/contract';
import type { RegistryStore } from '../registry/registry-store';
import { captureRelation, captureTableOf, readingCaptures } from '../serve/capture';
import type { Sql } from '../workspace/db';
import type { CaptureService } from './captures';
import type { DriftService } from './drift';
import { rangeSql, type PerformanceService } from './performance';

export interface SignalDeps {
  db: Sql;
  /** The workspace folder, where batch jobs' capture files are. */
  workspaceDir: string;
  registry: Pick<RegistryStore, 'version'>;
  drift: Pick<DriftService, 'drift'>;
  capture: Pick<CaptureService, 'health'>;
  performance: Pick<PerformanceService, 'overall'>;
}

/** A signal's value over the window and the rows (or requests, labelled rows) it rests on. */
export interface Measurement {
  value: number | null;
  rows: number;
  /** Why there is no value, or what the value is made of. */
  detail: string;
}

/** The outcome of judging one rule. */
export interface Judgement {
  version: number | null;
  value: number | null;
  threshold: number;
  fired: boolean;
  message: string;
  /** Why the rule could not be judged. */
  error?: string;
}

/** The version a rule watches: its `version` (number or alias), else `champion`, else the latest. */
export async function watchedVersion(
  registry: Pick<RegistryStore, 'version'>,
  rule: Pick<AlertRule, 'model' | 'version'>,
): Promise<ModelVersion> {
  if (rule.version !== undefined) return registry.version(`${rule.model}@${rule.version}`);
  try {
    return await registry.version(`${rule.model}@champion`);
  } catch (err) {
    if (err instanceof LatheError && err.code === 'NOT_FOUND') return registry.version(rule.model);
    throw err;
  }
}

const SIGNAL_LABEL: Record<AlertRule['signal'], (r: AlertRule) => string> = {
  drift_share: () => 'drifted feature share',
  feature_drift: (r) => `drift statistic of ${r.feature}`,
  metric: (r) => `${r.metric}`,
  estimated_metric: (r) => `estimated ${r.metric} (CBPE)`,
  latency_p99: () => 'latency p99 (ms)',
  error_rate: () => 'error rate',
  volume: () => 'captured rows',
};

/** Measures a rule's signal on `version` over `[from, now)`. */
export async function measure(
  deps: SignalDeps,
  rule: AlertRule,
  version: ModelVersion,
  from: string,
): Promise<Measurement> {
  const ref = `${version.model}@${version.version}`;
  const range = { from };
  switch (rule.signal) {
    case 'drift_share':
    case 'feature_drift': {
      const out = await deps.drift.drift({ ref, range });
      const rows = out.current.rows;
      if (rule.signal === 'drift_share') {
        const drifted = out.features.filter((f) => f.drifted).map((f) => f.feature);
        return {
          value: out.driftShare,
          rows,
          detail: `${drifted.length} of ${out.features.length} features drift${drifted.length ? ` (${drifted.join(', ')})` : ''}`,
        };
      }
      const f = out.features.find((x) => x.feature === rule.feature);
      if (!f)
        throw new LatheError(
          'INVALID_INPUT',
          `rule '${rule.name}': ${ref} has no input '${rule.feature}' (inputs: ${out.features.map((x) => x.feature).join(', ')})`,
        );
      return { value: f.statistic, rows, detail: `${f.method}, drift threshold ${f.threshold}` };
    }
    case 'metric':
    case 'estimated_metric': {
      const w = await deps.performance.overall(ref, range);
      if (!w) return { value: null, rows: 0, detail: 'nothing captured' };
      const values = rule.signal === 'metric' ? w.metrics : w.estimated;
      const value = values[rule.metric!];
      const rows = rule.signal === 'metric' ? w.labelled : w.rows;
      if (value === undefined)
        return {
          value: null,
          rows,
          detail: `no ${rule.signal === 'metric' ? 'actual' : 'estimated'} ${rule.metric} (${Object.keys(values).join(', ') || 'none'} available)`,
        };
      return { value, rows, detail: rule.signal === 'metric' ? `${rows} labelled rows` : 'CBPE' };
    }
    case 'latency_p99':
    case 'error_rate': {
      const health = await deps.capture.health({ ref, window: 'hour', range });
      const windows = health.windows.filter((w) => w.version === version.version);
      const requests = windows.reduce((s, w) => s + w.requests, 0);
      if (rule.signal === 'error_rate') {
        const errors = windows.reduce((s, w) => s + w.errors4xx + w.errors5xx, 0);
        return {
          value: requests ? errors / requests : null,
          rows: requests,
          detail: `${errors} of ${requests} requests answered 4xx/5xx`,
        };
      }
      const p99 = windows.flatMap((w) => (w.latencyMs ? [w.latencyMs.p99] : []));
      return {
        value: p99.length ? Math.max(...p99) : null,
        rows: requests,
        detail: 'the highest hourly p99',
      };
    }
    case 'volume': {
      const t = await captureTableOf(deps.db, version.id);
      if (!t) return { value: 0, rows: 0, detail: 'nothing captured' };
      const where = rangeSql(range);
      const relation = await captureRelation(deps.db, deps.workspaceDir, t);
      const row = await readingCaptures(deps.db, deps.workspaceDir, [t], () =>
        deps.db.one(`SELECT count(*) AS n FROM ${relation} c WHERE ${where.sql}`, where.params),
      );
      const n = Number(row?.n ?? 0);
      return { value: n, rows: n, detail: `${n} rows` };
    }
  }
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(4));

/** Judges a rule against its measurement: fired when the value is above `above` or below `below`. */
export function judge(rule: AlertRule, version: ModelVersion, m: Measurement): Judgement {
  const subject = `${SIGNAL_LABEL[rule.signal](rule)} of ${version.model}@${version.version} over the last ${rule.window}`;
  const base = { version: version.version, value: m.value };
  const minRows = rule.minRows ?? 1;
  const threshold = rule.above ?? rule.below!;
  // Volume is judged even on an empty window: no traffic is what a `below` rule watches for.
  if (rule.signal !== 'volume' && m.rows < minRows)
    return {
      ...base,
      threshold,
      fired: false,
      message: `${subject}: not judged, ${m.rows} row(s) (fewer than ${minRows})`,
    };
  if (m.value === null)
    return { ...base, threshold, fired: false, message: `${subject}: no value (${m.detail})` };
  const v = m.value;
  if (rule.above !== undefined && v > rule.above)
    return {
      ...base,
      threshold: rule.above,
      fired: true,
      message: `${subject} is ${fmt(v)}, above ${fmt(rule.above)} (${m.detail})`,
    };
  if (rule.below !== undefined && v < rule.below)
    return {
      ...base,
      threshold: rule.below,
      fired: true,
      message: `${subject} is ${fmt(v)}, below ${fmt(rule.below)} (${m.detail})`,
    };
  return { ...base, threshold, fired: false, message: `${subject} is ${fmt(v)}: within bounds` };
}

/** The start of a rule's window ending at `now`. */
export const windowStart = (rule: AlertRule, now: Date) =>
  new Date(now.getTime() - durationMs(rule.window)).toISOString();
