// retrain:judge: a retraining left in `canary` is judged once its challenger has answered enough requests,
// against the champion over the same period: 5xx rate, latency p99, and the metric (on labelled rows,
// else the CBPE estimate for classifiers). It holds → promoted (through the gated alias) and served
// alone; it does not → abandoned, the canary stopped and the champion served alone on the same address.
import { CHAMPION, LatheError, type RetrainJudgeOut, type Retraining } from '../../shared/contract';
import type { AuditLog } from '../registry/audit';
import type { RegistryStore } from '../registry/registry-store';
import { modelRow } from '../registry/refs';
import { captureTableOf } from '../serve/capture';
import { histogramQuantile, mergeHistogram, type LatencyHistogram } from '../serve/capture-format';
import type { DeployService } from '../serve/deploy-service';
import { ident, text, type Database } from '../workspace/db';
import { iso } from '../workspace/projects';
import { jobLogOf, retrainingOfRow, type Step } from './retrain-record';
import type { Serialize } from './retrain-job';

/** Canary requests needed before a verdict, when not given. */
export const DEFAULT_CANARY_REQUESTS = 200;
/** The canary's 5xx rate may exceed the champion's by this much. */
export const ERROR_MARGIN = 0.02;
/** The canary's p99 may be up to this factor of the champion's, plus LATENCY_SLACK_MS. */
export const LATENCY_FACTOR = 1.5;
export const LATENCY_SLACK_MS = 25;
/**
 * Answered requests each side needs before latency is judged on p99: below it a p99 is one outlier (a GC
 * pause, a busy laptop), so the medians are compared instead.
 */
export const P99_MIN_REQUESTS = 100;

interface LatencySide {
  requests: number;
  p50: number | null;
  p99: number | null;
}

/** Why the canary's latency fails against the champion's, or null when it holds (or cannot be told). */
export function latencyFailure(canary: LatencySide, champion: LatencySide): string | null {
  const tail = Math.min(canary.requests, champion.requests) >= P99_MIN_REQUESTS;
  const [name, c, k] = tail
    ? ['p99', canary.p99, champion.p99]
    : ['median', canary.p50, champion.p50];
  if (c === null || k === null || c <= k * LATENCY_FACTOR + LATENCY_SLACK_MS) return null;
  const basis = tail ? '' : ` (under ${P99_MIN_REQUESTS} requests a side, the median is judged)`;
  return `latency ${name} ${c.toFixed(1)} ms over ${LATENCY_FACTOR}× the champion's ${k.toFixed(1)} ms + ${LATENCY_SLACK_MS} ms${basis}`;
}
/** Labelled rows each side needs before the actual metric is compared. */
export const MIN_LABELLED = 30;
/** CBPE: the canary's estimated accuracy may be this much under the champion's. */
export const CBPE_MARGIN = 0.02;

type Measured = RetrainJudgeOut['measured'];
type Canary = NonNullable<Step['canary']>;

export interface JudgeDeps {
  db: Database;
  registry: RegistryStore;
  deploy: DeployService;
  audit: AuditLog;
  now: () => Date;
  serialize: Serialize;
}

/** The retraining `ref` names: an id (or 8+ leading characters), or a model's latest in canary. */
async function retrainingOf(db: Database, ref: string): Promise<Retraining> {
  // Fewer than 8 characters name a model (or a whole id), never an id's prefix.
  const byId = await db.all(
    ref.length >= 8
      ? 'SELECT * FROM retrainings WHERE starts_with(id, ?)'
      : 'SELECT * FROM retrainings WHERE id = ?',
    [ref],
  );
  if (byId.length > 1)
    throw new LatheError(
      'INVALID_INPUT',
      `retraining '${ref}': ${byId.length} ids start so; give more`,
      {
        ref,
      },
    );
  if (byId.length === 1) return retrainingOfRow(byId[0]!);
  const byModel = await db.all(
    `SELECT * FROM retrainings WHERE model = ? AND status = 'canary' ORDER BY started_at DESC LIMIT 1`,
    [ref],
  );
  if (byModel.length === 1) return retrainingOfRow(byModel[0]!);
  throw new LatheError(
    'NOT_FOUND',
    `'${ref}' names no retraining, and no retraining of a model '${ref}' is in canary (lathe retrain list NAME)`,
    { ref },
  );
}

/** Requests, 5xx and the latency histogram of one version since the canary started. */
async function health(db: Database, model: string, version: number, since: string) {
  const rows = await db.all<{ status: number; requests: number; latency: string }>(
    `SELECT status, requests, latency::VARCHAR AS latency FROM serve_health
     WHERE model = ? AND version = ? AND minute >= date_trunc('minute', epoch_ms(?::BIGINT))`,
    [model, version, Date.parse(since)],
  );
  let requests = 0;
  let errors = 0;
  const latency: LatencyHistogram = {};
  for (const r of rows) {
    requests += Number(r.requests);
    if (Number(r.status) >= 500) errors += Number(r.requests);
    else mergeHistogram(latency, JSON.parse(text(r.latency)) as LatencyHistogram);
  }
  return {
    requests,
    errorRate: requests ? errors / requests : null,
    p50: histogramQuantile(latency, 0.5),
    p99: histogramQuantile(latency, 0.99),
  };
}

interface Scored {
  task: string;
  labelled: number;
  /** Accuracy (classifiers) or mean absolute error (regression) on labelled rows; its spread. */
  metric: number | null;
  sd: number | null;
  /** CBPE: the mean probability of the predicted class (classifiers). */
  expected: number | null;
}

/** One version's captured rows of `role` since the canary started, with their labels. */
async function scored(
  db: Database,
  model: string,
  versionId: string,
  role: 'canary' | 'champion',
  since: string,
): Promise<Scored | null> {
  const t = await captureTableOf(db, versionId);
  if (!t) return null;
  const regression = t.columns.task === 'regression';
  const err = regression
    ? 'abs(c._score - try_cast(a.target AS DOUBLE))'
    : 'CASE WHEN c._prediction = a.target THEN 1.0 ELSE 0.0 END';
  const row = await db.one<Record<string, unknown>>(
    `WITH a AS (SELECT row_id, target FROM actuals WHERE model = ?
                QUALIFY row_number() OVER (PARTITION BY row_id ORDER BY received_at DESC) = 1)
     SELECT count(a.target) AS labelled, avg(CASE WHEN a.target IS NOT NULL THEN ${err} END) AS metric,
       stddev_samp(CASE WHEN a.target IS NOT NULL THEN ${err} END) AS sd,
       ${regression ? 'NULL' : `avg(${t.columns.task === 'binary' ? 'greatest(c._score, 1 - c._score)' : 'c._score'})`} AS expected
     FROM ${ident(t.table)} c LEFT JOIN a ON a.row_id = c._row_id
     WHERE c._role = ? AND c._at >= epoch_ms(?::BIGINT)`,
    [model, role, Date.parse(since)],
  );
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    task: t.columns.task,
    labelled: Number(row?.labelled ?? 0),
    metric: num(row?.metric),
    sd: num(row?.sd),
    expected: num(row?.expected),
  };
}

/**
 * The metric verdict: on labelled rows, a one-sided test (z on the difference of means, 5%) that the
 * canary is worse; without enough labels, the CBPE estimate for classifiers; else no verdict (null).
 */
function metricVerdict(
  c: Scored | null,
  k: Scored | null,
): {
  fields: Pick<Measured, 'metric' | 'canaryMetric' | 'championMetric' | 'metricSource'>;
  fail: string | null;
} | null {
  if (!c || !k) return null;
  const regression = c.task === 'regression';
  const metric = regression ? 'mae' : 'accuracy';
  if (
    c.labelled >= MIN_LABELLED &&
    k.labelled >= MIN_LABELLED &&
    c.metric !== null &&
    k.metric !== null
  ) {
    const se = Math.sqrt((c.sd ?? 0) ** 2 / c.labelled + (k.sd ?? 0) ** 2 / k.labelled);
    // Worse: a lower accuracy, a higher error.
    const worseBy = regression ? c.metric - k.metric : k.metric - c.metric;
    const z = se > 0 ? worseBy / se : worseBy > 0 ? Infinity : 0;
    return {
      fields: { metric, canaryMetric: c.metric, championMetric: k.metric, metricSource: 'actuals' },
      fail:
        z > 1.645
          ? `${metric} on labelled rows ${c.metric.toFixed(4)} (${c.labelled} rows) is significantly worse than the champion's ${k.metric.toFixed(4)} (${k.labelled} rows; z=${z.toFixed(2)})`
          : null,
    };
  }
  if (regression || c.expected === null || k.expected === null) return null;
  return {
    fields: {
      metric: 'accuracy',
      canaryMetric: c.expected,
      championMetric: k.expected,
      metricSource: 'cbpe',
    },
    fail:
      c.expected < k.expected - CBPE_MARGIN
        ? `estimated accuracy (CBPE, no labels yet) ${c.expected.toFixed(4)} is more than ${CBPE_MARGIN} under the champion's ${k.expected.toFixed(4)}`
        : null,
  };
}

/** Judges one retraining in canary (see the file's head); a canary without enough requests waits. */
export async function judgeCanary(
  deps: JudgeDeps,
  input: { ref: string; minRequests?: number },
): Promise<RetrainJudgeOut> {
  const { db, registry, deploy } = deps;
  const record = await retrainingOf(db, input.ref);
  const label = `retraining ${record.id.slice(0, 8)} of ${record.model}`;
  if (record.status !== 'canary')
    throw new LatheError(
      'INVALID_INPUT',
      `${label} is ${record.status}, not in canary: nothing to judge`,
      {
        ref: input.ref,
        status: record.status,
      },
    );
  const canary = [...record.steps].reverse().find((s) => s.step === 'canary' && s.canary)
    ?.canary as Canary;
  const model = record.model;
  const champion = record.championVersion!;
  const challenger = record.challengerVersion!;
  const need = input.minRequests ?? DEFAULT_CANARY_REQUESTS;
  await deploy.flush();
  const [c, k] = await Promise.all([
    health(db, model, challenger, canary.since),
    health(db, model, champion, canary.since),
  ]);
  const [cv, kv] = await Promise.all([
    registry.version(`${model}@${challenger}`),
    registry.version(`${model}@${champion}`),
  ]);
  const metric = metricVerdict(
    await scored(db, model, cv.id, 'canary', canary.since),
    await scored(db, model, kv.id, 'champion', canary.since),
  );
  const measured: Measured = {
    canaryRequests: c.requests,
    championRequests: k.requests,
    canaryErrorRate: c.errorRate,
    championErrorRate: k.errorRate,
    canaryP99Ms: c.p99,
    championP99Ms: k.p99,
    metric: null,
    canaryMetric: null,
    championMetric: null,
    metricSource: null,
    ...metric?.fields,
  };
  const server = deploy.list().find((s) => s.id === canary.server);
  const log = jobLogOf(deps, record, (await modelRow(db, model)).id);
  const out = (verdict: RetrainJudgeOut['verdict'], message: string): RetrainJudgeOut => ({
    retraining: log.record,
    verdict,
    message,
    measured,
  });
  const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
  const ms = (x: number | null) => (x === null ? 'n/a' : `${x.toFixed(1)} ms`);

  if (c.requests < need && server)
    return out(
      'waiting',
      `${label}: the canary has answered ${c.requests} of ${need} requests: not judged yet`,
    );

  const failures: string[] = [];
  if (c.requests < need)
    failures.push(`its server stopped after ${c.requests} of ${need} canary requests`);
  if (c.errorRate !== null && c.errorRate > (k.errorRate ?? 0) + ERROR_MARGIN)
    failures.push(
      `5xx rate ${pct(c.errorRate)} against the champion's ${pct(k.errorRate)} (margin ${pct(ERROR_MARGIN)})`,
    );
  const slow = latencyFailure(c, k);
  if (slow) failures.push(slow);
  if (metric?.fail) failures.push(metric.fail);
  const summary = `${c.requests} canary requests (5xx ${pct(c.errorRate)}, p99 ${ms(c.p99)}) against the champion's ${k.requests} (5xx ${pct(k.errorRate)}, p99 ${ms(k.p99)})${
    measured.metricSource
      ? `; ${measured.metric} ${measured.metricSource === 'cbpe' ? '(CBPE estimate) ' : ''}${measured.canaryMetric!.toFixed(4)} against ${measured.championMetric!.toFixed(4)}`
      : '; no labels or estimate to compare the metric'
  }`;
  const cref = `${model}@${challenger}`;
  const kref = `${model}@${champion}`;

  /** Serves `ref` alone where the canary served (when its server still runs). */
  const serveAlone = async (ref: string): Promise<string> => {
    if (!server) return '';
    const u = new URL(server.url);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    await deploy.stop(server.id);
    await deploy.start({
      ref,
      host,
      port: Number(u.port),
      network: !['127.0.0.1', '::1', 'localhost'].includes(host),
      requireKey: server.auth.required,
    });
    return `; ${server.url} now serves ${ref} alone`;
  };
  const finish = async (status: Retraining['status']) => {
    log.record.status = status;
    log.record.finishedAt = iso(deps.now());
    await log.save();
  };

  if (failures.length) {
    const served = await serveAlone(kref);
    const message = `abandoned ${cref}: ${failures.join('; ')} (${summary})${served}`;
    await log.step('judge', 'failed', message);
    await finish('abandoned');
    return out('abandoned', message);
  }
  if (!canary.promote) {
    const message = `the canary ${cref} holds (${summary}); not promoted: the retraining did not ask (lathe models alias ${cref} ${CHAMPION})`;
    await log.step('judge', 'ok', message);
    await finish('registered');
    return out('held', message);
  }
  try {
    await deps.serialize(model, async () => {
      const current = await registry.version(`${model}@${CHAMPION}`);
      if (current.version !== champion)
        throw new LatheError(
          'INVALID_INPUT',
          `${model}@${CHAMPION} moved to v${current.version} during the canary: ${cref} not promoted`,
        );
      return registry.alias({
        ref: cref,
        alias: CHAMPION,
        reason: `retraining ${record.id}: its canary held (${summary})`,
      });
    });
  } catch (err) {
    const served = await serveAlone(kref);
    const message = `the canary held (${summary}) but ${cref} was not promoted: ${err instanceof Error ? err.message : String(err)}${served}`;
    await log.step('judge', 'failed', message);
    await finish('abandoned');
    return out('abandoned', message);
  }
  const served = await serveAlone(cref);
  const message = `promoted ${cref}: its canary held (${summary}); ${CHAMPION} moved from ${kref}${served}`;
  await log.step('judge', 'ok', message);
  await finish('promoted');
  return out('promoted', message);
}

/** The ids of the retraining in canary (the schedule judges them). */
export async function canaryRetrainings(db: Database): Promise<string[]> {
  const rows = await db.all<{ id: string }>(`SELECT id FROM retrainings WHERE status = 'canary'`);
  return rows.map((r) => text(r.id));
}
