import type { DuckDBAppender } from '@duckdb/node-api';
import {
  LatheError,
  TrainConfig,
  tagKeyProblem,
  type Artifact,
  type ExperimentSummary,
  type MetricSeries,
  type Run,
  type RunKind,
  type RunStatus,
  type RunSummary,
} from '../../shared/contract';
import type { RunRecorder } from '../train/train-service';
import {
  text,
  textOrNull,
  type Database,
  type Row,
  type Sql,
  type SqlParam,
} from '../workspace/db';
import { filterToSql, orderByToSql } from './run-query';
import { DEFAULT_MAX_POINTS, downsampleManySql, downsampleSql } from './downsample';
import { createSeriesCache } from './series-cache';
import { iso, newId, type ProjectStore } from '../workspace/projects';

/**
 * The tracking store: experiments, runs, params, metrics (run, key, step, timestamp, value), tags and
 * artifacts, in the workspace database. Each method is one transaction.
 */
export interface TrackingStore extends RunRecorder {
  /** Marks runs left running by a process that died as interrupted; returns their ids. */
  markInterrupted(): Promise<string[]>;
  /**
   * Runs, newest first (or by `orderBy`), without soft-deleted ones unless `deleted`. `filter` and
   * `orderBy` use the run query language of run-query.ts; a malformed one throws INVALID_INPUT.
   */
  list(filter: {
    experiment?: string;
    project?: string;
    limit: number;
    filter?: string;
    orderBy?: string;
    deleted?: boolean;
    /** Only the children (folds, trials) of this run. */
    parentId?: string;
  }): Promise<RunSummary[]>;
  /** Experiments (of one project) with their live and soft-deleted run counts, newest activity first. */
  experiments(project?: string): Promise<ExperimentSummary[]>;
  /** Soft-deletes runs by id or unique prefix; returns how many were not deleted before. */
  softDelete(ids: string[]): Promise<number>;
  /** Clears the soft delete of runs; returns how many were deleted before. */
  restore(ids: string[]): Promise<number>;
  /**
   * Removes soft-deleted runs with their params, metrics, tags and artifact rows in one transaction;
   * returns how many runs went.
   */
  purgeDeleted(): Promise<number>;
  /** sha256 of every artifact a run still references. */
  referencedArtifacts(): Promise<Set<string>>;
  /** A run by id or unique id prefix; throws NOT_FOUND naming the id. */
  get(idOrPrefix: string): Promise<Run>;
  /**
   * Runs by id or unique prefix in the given order (each once), read in three queries however many: for
   * comparing hundreds of runs. Throws NOT_FOUND naming the first unknown id.
   */
  getMany(idsOrPrefixes: readonly string[]): Promise<Run[]>;
  /**
   * A run's metric points (of one key, or all), ordered by key, step and time. A key with more than
   * `maxPoints` points (default DEFAULT_MAX_POINTS) is downsampled shape-preservingly (see downsample.ts);
   * `series` says, per key, whether it was and how many points it has in all.
   */
  metricHistory(runId: string, key?: string, maxPoints?: number): Promise<MetricHistory>;
  /**
   * Metric histories of many runs (ids or unique prefixes) in one query: one series per (run, key) that
   * has points, only `keys` when given, each downsampled on its own to `maxPoints` (see downsample.ts).
   * Series follow the order of `ids` (duplicates once), keys sorted. An unknown id throws NOT_FOUND
   * naming it; an ambiguous prefix INVALID_INPUT.
   */
  metricHistoryMany(ids: string[], keys?: string[], maxPoints?: number): Promise<MetricSeries[]>;
  /**
   * Appends many metric points in one transaction (DuckDB's appender): for importers and benchmarks.
   * Non-finite values are skipped, like logMetrics; `timestamp` defaults to now (ms).
   */
  logMetricsBulk(
    runId: string,
    points: readonly { key: string; step: number; value: number; timestamp?: number }[],
  ): Promise<void>;
  /**
   * Writes the metric points `logMetrics` has accepted but not yet stored. `logMetrics` buffers points
   * in memory and appends them in batches (METRIC_FLUSH_POINTS points or METRIC_FLUSH_MS, whichever comes
   * first); every read of metrics in this store calls this first, as must any new one. A crash loses at
   * most the points of the last flush window (the run's checkpoint still holds its epochs).
   */
  flushMetrics(): Promise<void>;
  /**
   * Renames a run, replaces its notes and sets or deletes tags in one transaction. A tag key must be
   * non-empty, at most TAG_KEY_MAX characters and free of control characters (INVALID_INPUT names it).
   */
  update(input: {
    id: string;
    name?: string;
    notes?: string;
    tags?: { set?: Record<string, string>; delete?: string[] };
  }): Promise<Run>;
}

/** Buffered metric points are written once this many are waiting… */
export const METRIC_FLUSH_POINTS = 10_000;
/** …or this long after the first of them was accepted. */
export const METRIC_FLUSH_MS = 500;
/** The largest step DuckDB's INTEGER column holds. */
const MAX_STEP = 2 ** 31 - 1;

const SUMMARY_SELECT = `
  SELECT r.*, e.name AS experiment, p.name AS project, d.name AS dataset, v.version AS dataset_version, v.hash AS dataset_hash,
    (SELECT json_group_object(key, value) FROM params WHERE run_id = r.id) AS params_json,
    (SELECT json_group_object(key, value) FROM latest_metrics WHERE run_id = r.id) AS metrics_json
  FROM runs r
  JOIN experiments e ON r.experiment_id = e.id
  JOIN projects p ON e.project_id = p.id
  JOIN dataset_versions v ON r.dataset_version_id = v.id
  JOIN datasets d ON v.dataset_id = d.id`;

/**
 * The list query: the page of runs is chosen (WHERE, ORDER BY, LIMIT) before anything is aggregated, then
 * the latest value of every metric (latest_metrics), every param and every tag of just those runs are
 * grouped by run once and joined, instead of SUMMARY_SELECT's subqueries per run; only the columns a
 * summary shows are read (not the config, system and warnings documents).
 * `order` ranks the rows inside a window in the select list, so its parameters come before WHERE's.
 */
function listSql(where: string, order: string, limit: number): string {
  return `
  WITH page AS (
    SELECT r.id, r.name, r.status, r.task, r.model_type, r.started_at, r.ended_at, r.backend, r.deleted_at,
      r.kind, r.parent_id, e.name AS experiment, p.name AS project, d.name AS dataset,
      v.version AS dataset_version, row_number() OVER (ORDER BY ${order}) AS list_pos
    FROM runs r
    JOIN experiments e ON r.experiment_id = e.id
    JOIN projects p ON e.project_id = p.id
    JOIN dataset_versions v ON r.dataset_version_id = v.id
    JOIN datasets d ON v.dataset_id = d.id
    ${where}
    ORDER BY list_pos LIMIT ${Number(limit)}
  ),
  m AS (
    SELECT run_id, json_group_object(key, value) AS metrics_json
    FROM latest_metrics WHERE run_id IN (SELECT id FROM page) GROUP BY run_id
  ),
  pa AS (
    SELECT run_id, json_group_object(key, value) AS params_json
    FROM params WHERE run_id IN (SELECT id FROM page) GROUP BY run_id
  ),
  t AS (
    SELECT run_id, json_group_object(key, value) AS tags_json
    FROM tags WHERE run_id IN (SELECT id FROM page) GROUP BY run_id
  )
  SELECT page.* EXCLUDE (list_pos), pa.params_json, m.metrics_json, coalesce(t.tags_json, '{}') AS tags_json
  FROM page
  LEFT JOIN pa ON pa.run_id = page.id
  LEFT JOIN m ON m.run_id = page.id
  LEFT JOIN t ON t.run_id = page.id
  ORDER BY page.list_pos`;
}

export interface MetricHistory {
  points: { key: string; step: number; value: number; timestamp: number }[];
  series: Record<string, { downsampled: boolean; totalPoints: number }>;
}

function appendMetric(
  a: DuckDBAppender,
  runId: string,
  key: string,
  step: number,
  ts: number,
  value: number,
): void {
  a.appendVarchar(runId);
  a.appendVarchar(key);
  a.appendInteger(step);
  a.appendDouble(ts);
  a.appendDouble(value);
  a.endRow();
}

/**
 * Recomputes latest_metrics from the histories of the runs `runFilter` (SQL over `run_id`) selects, as
 * migration 10 filled it; upsertLatest keeps it the same way as points arrive.
 */
export function refillLatestSql(runFilter: string): string {
  return `INSERT INTO latest_metrics
    SELECT run_id, key, max(step), arg_max(ts, (step, ts)), arg_max(value, (step, ts))
    FROM metrics WHERE ${runFilter} GROUP BY run_id, key`;
}

/** Rows of one INSERT into latest_metrics: DuckDB binds at most a few thousand parameters well. */
const LATEST_CHUNK = 500;

/**
 * Keeps latest_metrics up to date with points just written to `metrics`, in the same transaction: each
 * (run, metric) takes the point with the highest step, then the latest timestamp (a later-written point
 * wins a tie), unless the table already holds a later one.
 */
async function upsertLatest(
  sql: Sql,
  points: readonly { runId: string; key: string; step: number; ts: number; value: number }[],
): Promise<void> {
  const latest = new Map<string, (typeof points)[number]>();
  for (const p of points) {
    const id = `${p.runId}\u0000${p.key}`;
    const seen = latest.get(id);
    if (!seen || p.step > seen.step || (p.step === seen.step && p.ts >= seen.ts)) latest.set(id, p);
  }
  const rows = [...latest.values()];
  for (let i = 0; i < rows.length; i += LATEST_CHUNK) {
    const chunk = rows.slice(i, i + LATEST_CHUNK);
    await sql.run(
      `INSERT INTO latest_metrics VALUES ${chunk.map(() => '(?, ?, ?, ?, ?)').join(', ')}
       ON CONFLICT (run_id, key) DO UPDATE SET step = excluded.step, ts = excluded.ts, value = excluded.value
       WHERE excluded.step > latest_metrics.step
         OR (excluded.step = latest_metrics.step AND excluded.ts >= latest_metrics.ts)`,
      chunk.flatMap((p) => [p.runId, p.key, p.step, p.ts, p.value]),
    );
  }
}

/**
 * A JSON object column as a record with its keys in order: DuckDB's json_group_object follows the
 * aggregation order, which varies, and the same run must print the same way every time. (Ordering inside
 * the aggregate costs DuckDB three times as much as this.)
 */
function jsonRecord<T>(value: unknown): Record<string, T> {
  if (value === null || value === undefined) return {};
  const parsed = (typeof value === 'string' ? JSON.parse(value) : value) as Record<
    string,
    T
  > | null;
  if (!parsed) return {};
  const keys = Object.keys(parsed);
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) sorted = keys[i - 1]! < keys[i]!;
  if (sorted) return parsed;
  const out: Record<string, T> = {};
  for (const k of keys.sort()) out[k] = parsed[k]!;
  return out;
}

function summaryFromRow(r: Row): RunSummary {
  const started = iso(r.started_at);
  const ended = r.ended_at ? iso(r.ended_at) : null;
  return {
    id: String(r.id),
    name: String(r.name),
    experiment: String(r.experiment),
    project: String(r.project),
    status: String(r.status) as RunStatus,
    task: String(r.task) as RunSummary['task'],
    modelType: String(r.model_type),
    dataset: `${String(r.dataset)}@${Number(r.dataset_version)}`,
    startedAt: started,
    endedAt: ended,
    durationMs: ended ? Date.parse(ended) - Date.parse(started) : null,
    backend: textOrNull(r.backend),
    // Finite DOUBLEs only (logMetrics skips the rest): JSON numbers.
    metrics: jsonRecord<number>(r.metrics_json),
    params: jsonRecord<string>(r.params_json),
    deletedAt: r.deleted_at ? iso(r.deleted_at) : null,
    kind: (textOrNull(r.kind) ?? 'train') as RunKind,
    parentId: textOrNull(r.parent_id),
    ...(r.tags_json === undefined ? {} : { tags: jsonRecord<string>(r.tags_json) }),
  };
}

/** A run record from its SUMMARY_SELECT row, its tags (ordered by key) and its artifact rows. */
function runFromRow(
  r: Row,
  tags: readonly { key: string; value: string }[],
  artifacts: Row[],
): Run {
  const config = TrainConfig.parse(JSON.parse(String(r.config)));
  return {
    ...summaryFromRow(r),
    config,
    tags: Object.fromEntries(tags.map((t) => [t.key, t.value])),
    lineage: {
      dataset: String(r.dataset),
      datasetVersion: Number(r.dataset_version),
      datasetVersionId: String(r.dataset_version_id),
      datasetHash: String(r.dataset_hash),
      configHash: String(r.config_hash),
      seed: Number(r.seed),
      backend: textOrNull(r.backend),
      latheVersion: String(r.lathe_version),
      featureSpecHash: textOrNull(r.feature_spec_hash),
      gitCommit: textOrNull(r.git_commit),
    },
    artifacts: artifacts.map((a): Artifact => ({
      path: String(a.path),
      sha256: String(a.sha256),
      sizeBytes: Number(a.size_bytes),
      createdAt: iso(a.created_at),
    })),
    error: textOrNull(r.error),
    warnings: r.warnings ? (JSON.parse(text(r.warnings)) as string[]) : [],
    system: jsonRecord<string | number>(r.system),
    notes: textOrNull(r.notes) ?? '',
  };
}

export function createTrackingStore(db: Database, projects: ProjectStore): TrackingStore {
  const resolveId = async (idOrPrefix: string): Promise<string> => {
    const rows = await db.all<{ id: string }>(
      'SELECT id FROM runs WHERE starts_with(id, ?) LIMIT 2',
      [idOrPrefix.toLowerCase()],
    );
    if (rows.length === 0)
      throw new LatheError('NOT_FOUND', `no run with id '${idOrPrefix}'`, { id: idOrPrefix });
    if (rows.length > 1)
      throw new LatheError(
        'INVALID_INPUT',
        `run id prefix '${idOrPrefix}' is ambiguous; give more characters`,
      );
    return rows[0]!.id;
  };
  /** resolveId for many ids or prefixes in one query; full ids in the given order, each once. */
  const resolveIds = async (idsOrPrefixes: readonly string[]): Promise<string[]> => {
    const prefixes = [...new Set(idsOrPrefixes)];
    const matches = await db.all<{ p: string; id: string | null }>(
      `SELECT q.p, r.id FROM (VALUES ${prefixes.map(() => '(?)').join(', ')}) q(p)
       LEFT JOIN runs r ON starts_with(r.id, lower(q.p))`,
      prefixes,
    );
    const byPrefix = new Map<string, string[]>();
    for (const m of matches) {
      const list = byPrefix.get(m.p) ?? [];
      if (m.id !== null) list.push(String(m.id));
      byPrefix.set(m.p, list);
    }
    const ids: string[] = [];
    for (const p of prefixes) {
      const found = byPrefix.get(p) ?? [];
      if (found.length === 0) throw new LatheError('NOT_FOUND', `no run with id '${p}'`, { id: p });
      if (found.length > 1)
        throw new LatheError(
          'INVALID_INPUT',
          `run id prefix '${p}' is ambiguous; give more characters`,
          { id: p },
        );
      if (!ids.includes(found[0]!)) ids.push(found[0]!);
    }
    return ids;
  };

  // Downsampled series of runs:metricsMany, dropped for a run whenever its history changes.
  const seriesCache = createSeriesCache();
  const changed = (runIds: Iterable<string>) => {
    for (const id of new Set(runIds)) seriesCache.invalidate(id);
  };

  // Points logMetrics accepted, in arrival order, not yet in the database (see flushMetrics).
  let pending: { runId: string; key: string; step: number; ts: number; value: number }[] = [];
  let flushTimer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();
  const flushMetrics = (): Promise<void> => {
    if (flushTimer) {
      clearTimeout(flushTimer);
      flushTimer = undefined;
    }
    // Chained so that flushes land in order and a reader waits for one already writing.
    flushing = flushing.then(async () => {
      if (!pending.length) return;
      const batch = pending;
      pending = [];
      try {
        await db.append(
          'metrics',
          (a) => {
            for (const p of batch) appendMetric(a, p.runId, p.key, p.step, p.ts, p.value);
          },
          (sql) => upsertLatest(sql, batch),
        );
        changed(batch.map((p) => p.runId));
      } catch (err) {
        // Nothing is dropped: the batch goes back in front of what arrived meanwhile.
        pending = batch.concat(pending);
        throw err;
      }
    });
    const done = flushing;
    // A failed flush must not poison the next one; its caller sees the error.
    flushing = flushing.catch(() => undefined);
    return done;
  };
  const scheduleFlush = () => {
    flushTimer ??= setTimeout(() => {
      flushTimer = undefined;
      flushMetrics().catch((err: unknown) =>
        console.error(`[TrackingStore] could not write metrics: ${(err as Error).message}`),
      );
    }, METRIC_FLUSH_MS);
    flushTimer.unref();
  };

  return {
    flushMetrics,

    async update({ id: idOrPrefix, name, notes, tags }) {
      const id = await resolveId(idOrPrefix);
      const set = Object.entries(tags?.set ?? {});
      const del = tags?.delete ?? [];
      for (const key of [...set.map(([k]) => k), ...del]) {
        const problem = tagKeyProblem(key);
        if (problem) throw new LatheError('INVALID_INPUT', problem, { field: 'tags', key });
      }
      const both = set.find(([k]) => del.includes(k));
      if (both)
        throw new LatheError(
          'INVALID_INPUT',
          `tag '${both[0]}' is both set and deleted; give it once`,
          { field: 'tags', key: both[0] },
        );
      await db.tx(async (sql) => {
        if (name !== undefined) await sql.run('UPDATE runs SET name = ? WHERE id = ?', [name, id]);
        if (notes !== undefined)
          await sql.run('UPDATE runs SET notes = ? WHERE id = ?', [notes, id]);
        for (const key of del)
          await sql.run('DELETE FROM tags WHERE run_id = ? AND key = ?', [id, key]);
        for (const [key, value] of set)
          await sql.run('INSERT OR REPLACE INTO tags VALUES (?, ?, ?)', [id, key, value]);
      });
      return this.get(id);
    },

    async createRun(run) {
      const id = newId();
      await db.tx(async (sql) => {
        const projectId = await projects.ensure(sql, run.project);
        let exp = await sql.one<{ id: string }>(
          'SELECT id FROM experiments WHERE project_id = ? AND name = ?',
          [projectId, run.experiment],
        );
        if (!exp) {
          exp = { id: newId() };
          await sql.run('INSERT INTO experiments VALUES (?, ?, ?, now())', [
            exp.id,
            projectId,
            run.experiment,
          ]);
        }
        const count = await sql.one<{ n: bigint }>(
          'SELECT count(*) AS n FROM runs WHERE experiment_id = ?',
          [exp.id],
        );
        const name =
          run.name ??
          `${run.config.dataset.split('@')[0]}-${run.config.model.type}-${Number(count?.n ?? 0) + 1}`;
        await sql.run(
          `INSERT INTO runs (id, experiment_id, name, status, task, model_type, dataset_version_id, config, config_hash,
             seed, backend, lathe_version, started_at, ended_at, error, system, parent_id, kind, git_commit,
             feature_spec_hash)
           VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, NULL, ?, now(), NULL, NULL, ?, ?, ?, ?, ?)`,
          [
            id,
            exp.id,
            name,
            run.config.task,
            run.config.model.type,
            run.datasetVersionId,
            JSON.stringify(run.config),
            run.configHash,
            run.config.seed,
            run.latheVersion,
            JSON.stringify(run.system),
            run.parentId ?? null,
            run.kind ?? 'train',
            run.gitCommit ?? null,
            run.featureSpecHash ?? null,
          ],
        );
        for (const [k, v] of Object.entries(run.tags ?? {}))
          await sql.run('INSERT INTO tags VALUES (?, ?, ?)', [id, k, v]);
        for (const [k, v] of Object.entries(run.params ?? {}))
          await sql.run('INSERT INTO params VALUES (?, ?, ?)', [id, k, v]);
      });
      return id;
    },

    async runName(runId) {
      const row = await db.one<{ name: string }>('SELECT name FROM runs WHERE id = ?', [runId]);
      if (!row) throw new LatheError('NOT_FOUND', `no run '${runId}'`, { id: runId });
      return row.name;
    },

    async logMetrics(runId, step, values) {
      if (!Number.isInteger(step) || step < -MAX_STEP - 1 || step > MAX_STEP)
        throw new LatheError('INVALID_INPUT', `a metric step must be a 32-bit integer: ${step}`, {
          field: 'step',
        });
      const ts = Date.now();
      // One appender transaction per step cost ~1 ms, capping a training loop at ~15k points/s; points
      // are buffered and appended in batches instead (flushMetrics).
      for (const key in values) {
        const value = values[key]!;
        if (Number.isFinite(value)) pending.push({ runId, key, step, ts, value });
      }
      if (pending.length >= METRIC_FLUSH_POINTS) await flushMetrics();
      else if (pending.length) scheduleFlush();
    },

    async logMetricsBulk(runId, points) {
      await flushMetrics();
      const now = Date.now();
      const rows = points.filter((p) => Number.isFinite(p.value));
      const bad = rows.find((p) => !Number.isInteger(p.step));
      if (bad)
        throw new LatheError('INVALID_INPUT', `a metric step must be an integer: ${bad.step}`);
      if (!rows.length) return;
      const written = rows.map((p) => ({
        runId,
        key: p.key,
        step: p.step,
        ts: p.timestamp ?? now,
        value: p.value,
      }));
      await db.append(
        'metrics',
        (a) => {
          for (const p of written) appendMetric(a, runId, p.key, p.step, p.ts, p.value);
        },
        (sql) => upsertLatest(sql, written),
      );
      changed([runId]);
    },

    async setBackend(runId, backend) {
      await db.run('UPDATE runs SET backend = ? WHERE id = ?', [backend, runId]);
    },

    async endRun(runId, end) {
      // A run's metrics are stored before it is seen ended.
      await flushMetrics();
      await db.tx(async (sql) => {
        // A finished run needs no checkpoint; a stopped one keeps it for runs:resume.
        if (end.status === 'finished' || end.status === 'pruned') {
          await sql.run(
            `DELETE FROM artifacts WHERE run_id = ? AND starts_with(path, 'checkpoint/')`,
            [runId],
          );
        }
        for (const [k, v] of Object.entries(end.params ?? {})) {
          await sql.run('INSERT OR REPLACE INTO params VALUES (?, ?, ?)', [runId, k, v]);
        }
        for (const a of end.artifacts ?? []) {
          await sql.run('INSERT OR REPLACE INTO artifacts VALUES (?, ?, ?, ?, now())', [
            runId,
            a.path,
            a.sha256,
            a.sizeBytes,
          ]);
        }
        await sql.run(
          `UPDATE runs SET status = ?, error = ?, ended_at = now(), backend = coalesce(?, backend), warnings = ? WHERE id = ?`,
          [
            end.status,
            end.error ?? null,
            end.backend ?? null,
            JSON.stringify(end.warnings ?? []),
            runId,
          ],
        );
      });
    },

    async saveCheckpoint(runId, blob) {
      // The epochs a checkpoint covers have their metrics stored first: a crash after it loses none of
      // them, and runs:resume logs the later epochs again.
      await flushMetrics();
      await db.run('INSERT OR REPLACE INTO artifacts VALUES (?, ?, ?, ?, now())', [
        runId,
        blob.path,
        blob.sha256,
        blob.sizeBytes,
      ]);
    },

    async unreferenced(sha256) {
      return !(await db.one('SELECT 1 FROM artifacts WHERE sha256 = ? LIMIT 1', [sha256]));
    },

    async reopenRun(runId, step) {
      await flushMetrics();
      await db.tx(async (sql) => {
        await sql.run('DELETE FROM metrics WHERE run_id = ? AND step > ?', [runId, step]);
        await sql.run('DELETE FROM latest_metrics WHERE run_id = ?', [runId]);
        await sql.run(refillLatestSql('run_id = ?'), [runId]);
        await sql.run(
          `UPDATE runs SET status = 'running', ended_at = NULL, error = NULL WHERE id = ?`,
          [runId],
        );
      });
      changed([runId]);
    },

    async markInterrupted() {
      const rows = await db.all<{ id: string }>(
        `SELECT id FROM runs WHERE status IN ('running', 'queued')`,
      );
      if (rows.length) {
        await db.run(
          `UPDATE runs SET status = 'interrupted', ended_at = now(),
             error = 'the process running it stopped before it finished' WHERE status IN ('running', 'queued')`,
        );
      }
      return rows.map((r) => r.id);
    },

    async list({ experiment, project, limit, filter, orderBy, deleted, parentId }) {
      await flushMetrics();
      const where: string[] = [];
      const params: SqlParam[] = [];
      if (!deleted) where.push('r.deleted_at IS NULL');
      if (parentId) {
        where.push('r.parent_id = ?');
        params.push(parentId);
      }
      if (filter?.trim()) {
        const compiled = filterToSql(filter);
        where.push(compiled.sql);
        params.push(...compiled.params);
      }
      if (experiment) {
        where.push('e.name = ?');
        params.push(experiment);
      }
      if (project) {
        where.push('p.name = ?');
        params.push(project);
      }
      const order = orderBy?.trim() ? orderByToSql(orderBy) : { sql: '', params: [] };
      const rows = await db.all(
        listSql(
          where.length ? `WHERE ${where.join(' AND ')}` : '',
          `${order.sql ? `${order.sql}, ` : ''}r.started_at DESC, r.id`,
          limit,
        ),
        [...order.params, ...params],
      );
      return rows.map(summaryFromRow);
    },

    async experiments(project) {
      const rows = await db.all(
        `SELECT e.name, p.name AS project,
           count(r.id) FILTER (WHERE r.deleted_at IS NULL) AS runs,
           count(r.id) FILTER (WHERE r.deleted_at IS NOT NULL) AS deleted_runs,
           max(r.started_at) FILTER (WHERE r.deleted_at IS NULL) AS last_run_at
         FROM experiments e
         JOIN projects p ON e.project_id = p.id
         LEFT JOIN runs r ON r.experiment_id = e.id
         ${project ? 'WHERE p.name = ?' : ''}
         GROUP BY e.name, p.name
         ORDER BY last_run_at DESC NULLS LAST, e.name`,
        project ? [project] : [],
      );
      return rows.map((r) => ({
        name: String(r.name),
        project: String(r.project),
        runs: Number(r.runs),
        deletedRuns: Number(r.deleted_runs),
        lastRunAt: r.last_run_at ? iso(r.last_run_at) : null,
      }));
    },

    async softDelete(ids) {
      const resolved = [...new Set(await Promise.all(ids.map(resolveId)))];
      return db.tx(async (sql) => {
        let n = 0;
        for (const id of resolved) {
          const row = await sql.one('SELECT 1 FROM runs WHERE id = ? AND deleted_at IS NULL', [id]);
          if (!row) continue;
          await sql.run('UPDATE runs SET deleted_at = now() WHERE id = ?', [id]);
          n++;
        }
        return n;
      });
    },

    async restore(ids) {
      const resolved = [...new Set(await Promise.all(ids.map(resolveId)))];
      return db.tx(async (sql) => {
        let n = 0;
        for (const id of resolved) {
          const row = await sql.one('SELECT 1 FROM runs WHERE id = ? AND deleted_at IS NOT NULL', [
            id,
          ]);
          if (!row) continue;
          await sql.run('UPDATE runs SET deleted_at = NULL WHERE id = ?', [id]);
          n++;
        }
        return n;
      });
    },

    async purgeDeleted() {
      await flushMetrics();
      const purged = await db.tx(async (sql) => {
        const doomed =
          "(SELECT id FROM runs WHERE deleted_at IS NOT NULL AND status NOT IN ('running', 'queued'))";
        const count = await sql.one<{ n: bigint }>(`SELECT count(*) AS n FROM ${doomed} AS d`);
        for (const table of ['params', 'metrics', 'latest_metrics', 'tags', 'artifacts'])
          await sql.run(`DELETE FROM ${table} WHERE run_id IN ${doomed}`);
        await sql.run(`DELETE FROM runs WHERE id IN ${doomed}`);
        return Number(count?.n ?? 0);
      });
      seriesCache.clear();
      return purged;
    },

    async referencedArtifacts() {
      const rows = await db.all<{ sha256: string }>('SELECT DISTINCT sha256 FROM artifacts');
      return new Set(rows.map((r) => r.sha256));
    },

    async get(idOrPrefix) {
      await flushMetrics();
      const id = await resolveId(idOrPrefix);
      const [row] = await db.all(`${SUMMARY_SELECT} WHERE r.id = ?`, [id]);
      const r = row!;
      const tags = await db.all<{ key: string; value: string }>(
        'SELECT key, value FROM tags WHERE run_id = ? ORDER BY key',
        [id],
      );
      const artifacts = await db.all('SELECT * FROM artifacts WHERE run_id = ? ORDER BY path', [
        id,
      ]);
      return runFromRow(r, tags, artifacts);
    },

    async getMany(idsOrPrefixes) {
      await flushMetrics();
      const ids = await resolveIds(idsOrPrefixes);
      const list = ids.map(() => '?').join(', ');
      const rows = await db.all(`${SUMMARY_SELECT} WHERE r.id IN (${list})`, ids);
      const tags = await db.all<{ run_id: string; key: string; value: string }>(
        `SELECT run_id, key, value FROM tags WHERE run_id IN (${list}) ORDER BY key`,
        ids,
      );
      const artifacts = await db.all(
        `SELECT * FROM artifacts WHERE run_id IN (${list}) ORDER BY path`,
        ids,
      );
      const byId = new Map(rows.map((r) => [String(r.id), r]));
      const group = <T extends Row>(list: T[]) => {
        const m = new Map<string, T[]>();
        for (const x of list) m.set(String(x.run_id), [...(m.get(String(x.run_id)) ?? []), x]);
        return m;
      };
      const tagsOf = group(tags);
      const artifactsOf = group(artifacts);
      return ids.map((id) =>
        runFromRow(byId.get(id)!, tagsOf.get(id) ?? [], artifactsOf.get(id) ?? []),
      );
    },

    async metricHistory(runId, key, maxPoints = DEFAULT_MAX_POINTS) {
      await flushMetrics();
      const id = await resolveId(runId);
      const rows = await db.all(
        downsampleSql(maxPoints, key !== undefined),
        key !== undefined ? [id, key] : [id],
      );
      const series: MetricHistory['series'] = {};
      const points = rows.map((r) => {
        const k = String(r.key);
        const total = Number(r.n);
        series[k] ??= { downsampled: total > maxPoints, totalPoints: total };
        return { key: k, step: Number(r.step), value: Number(r.value), timestamp: Number(r.ts) };
      });
      return { points, series };
    },

    async metricHistoryMany(ids, keys, maxPoints = DEFAULT_MAX_POINTS) {
      await flushMetrics();
      const runIds = await resolveIds(ids);
      const wanted = keys ? [...new Set(keys)] : [];
      // Which series exist (latest_metrics has a row for each), then which of them are not cached.
      const existing = await db.all<{ run_id: string; key: string }>(
        `SELECT run_id, key FROM latest_metrics
         WHERE run_id IN (${runIds.map(() => '?').join(', ')})
           ${wanted.length ? `AND key IN (${wanted.map(() => '?').join(', ')})` : ''}`,
        [...runIds, ...wanted],
      );
      const keysOf = new Map<string, string[]>(runIds.map((id) => [id, []]));
      for (const r of existing) keysOf.get(r.run_id)!.push(r.key);
      // Held here: computing the rest may evict them from the cache before they are returned.
      const found = new Map<string, MetricSeries>();
      const missingRuns = runIds.filter((id) => {
        let missing = false;
        for (const key of keysOf.get(id)!) {
          const kept = seriesCache.get(id, key, maxPoints);
          if (kept) found.set(`${id}\0${key}`, kept);
          else missing = true;
        }
        return missing;
      });
      const computed: MetricSeries[] = [];
      if (missingRuns.length) {
        const generations = new Map(missingRuns.map((id) => [id, seriesCache.generation(id)]));
        const rows = await db.all(downsampleManySql(maxPoints, missingRuns.length, wanted.length), [
          ...missingRuns,
          ...wanted,
        ]);
        let current: MetricSeries | undefined;
        for (const r of rows) {
          const runId = missingRuns[Number(r.sid)]!;
          const key = String(r.key);
          if (current?.runId !== runId || current.key !== key) {
            const total = Number(r.n);
            current = {
              runId,
              key,
              points: [],
              downsampled: total > maxPoints,
              totalPoints: total,
            };
            found.set(`${runId}\0${key}`, current);
            computed.push(current);
          }
          current.points.push({
            step: Number(r.step),
            value: Number(r.value),
            timestamp: Number(r.ts),
          });
        }
        for (const series of computed)
          seriesCache.put(series, maxPoints, generations.get(series.runId)!);
      }
      // Series in the order of the runs asked for, keys sorted within a run.
      return runIds.flatMap((id) =>
        keysOf
          .get(id)!
          .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
          .flatMap((key) => {
            const series = found.get(`${id}\0${key}`);
            return series ? [series] : [];
          }),
      );
    },
  };
}
