import {
  LatheError,
  tagKeyProblem,
  type ExperimentSummary,
  type MetricSeries,
  type Run,
  type RunSummary,
} from '../../shared/contract';
import type { RunRecorder } from '../train/train-service';
import type { Database, SqlParam } from '../workspace/db';
import { filterToSql, orderByToSql } from './run-query';
import { DEFAULT_MAX_POINTS } from './downsample';
import { createSeriesCache } from './series-cache';
import { iso, newId, type ProjectStore } from '../workspace/projects';
import { createMetricBuffer, refillLatestSql } from './metric-buffer';
import { readMetricHistory, readMetricSeriesMany, type MetricHistory } from './metric-reads';
import { listSql, readRuns, summaryFromRow } from './rows';
import { resolveRunId, resolveRunIds } from './run-ids';

export { METRIC_FLUSH_MS, METRIC_FLUSH_POINTS, refillLatestSql } from './metric-buffer';
export type { MetricHistory } from './metric-reads';

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

export function createTrackingStore(db: Database, projects: ProjectStore): TrackingStore {
  // Downsampled series of runs:metricsMany, dropped for a run whenever its history changes.
  const seriesCache = createSeriesCache();
  const changed = (runIds: Iterable<string>) => {
    for (const id of new Set(runIds)) seriesCache.invalidate(id);
  };

  const resolveId = (idOrPrefix: string) => resolveRunId(db, idOrPrefix);
  // Metric points logMetrics accepted and not yet stored (see flushMetrics).
  const metrics = createMetricBuffer(db, changed);
  const flushMetrics = () => metrics.flush();

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

    logMetrics: (runId, step, values) => metrics.log(runId, step, values),

    logMetricsBulk: (runId, points) => metrics.appendBulk(runId, points),

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
      return (await readRuns(db, [await resolveId(idOrPrefix)]))[0]!;
    },

    async getMany(idsOrPrefixes) {
      await flushMetrics();
      return readRuns(db, await resolveRunIds(db, idsOrPrefixes));
    },

    async metricHistory(runId, key, maxPoints = DEFAULT_MAX_POINTS) {
      await flushMetrics();
      return readMetricHistory(db, await resolveId(runId), key, maxPoints);
    },

    async metricHistoryMany(ids, keys, maxPoints = DEFAULT_MAX_POINTS) {
      await flushMetrics();
      return readMetricSeriesMany(db, seriesCache, await resolveRunIds(db, ids), keys, maxPoints);
    },
  };
}
