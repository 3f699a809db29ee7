import {
  LatheError,
  RUNS_LIST_MAX,
  tagKeyProblem,
  type ExperimentSummary,
  type MetricSeries,
  isTrainedRun,
  type Run,
  type RunColumns,
  type RunDetails,
  type RunSummary,
} from '../../shared/contract';
import type { RunRecorder } from '../train/train-service';
import type { Database } from '../workspace/db';
import { DEFAULT_MAX_POINTS } from './downsample';
import { firstRuns } from './first-runs';
import { createListCache } from './list-cache';
import { createSeriesCache } from './series-cache';
import type { ProjectStore } from '../workspace/projects';
import { createMetricBuffer, type BulkAppendOptions } from './metric-buffer';
import { readMetricHistory, readMetricSeriesMany, type MetricHistory } from './metric-reads';
import { listRunColumns, listRuns, readExperiments, readRuns, type RunListFilter } from './rows';
import { createRunWriter } from './run-writer';
import { resolveRunId, resolveRunIds } from './run-ids';

export { METRIC_FLUSH_MS, METRIC_FLUSH_POINTS, refillLatestSql } from './metric-buffer';
export type { BulkAppendOptions } from './metric-buffer';

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
  list(filter: RunListFilter): Promise<RunSummary[]>;
  /**
   * The same runs as `list`, in its order, one array per field (runs:listColumns). Kept while the
   * database has no write (list-cache.ts): the answer is shared, and must not be changed.
   */
  listColumns(filter: RunListFilter): Promise<RunColumns>;
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
  /**
   * A run Lathe trained, by id or unique id prefix: what evaluation, registration, serving and retraining
   * read. Throws NOT_FOUND naming the id, and INVALID_INPUT when the run was logged through MLflow (it has
   * no model, dataset or train config of Lathe's).
   */
  get(idOrPrefix: string): Promise<Run>;
  /** Trained runs by id or unique prefix, as `get` each, in the given order (each once). */
  getMany(idsOrPrefixes: readonly string[]): Promise<Run[]>;
  /**
   * Any run by id or unique id prefix, also one logged through MLflow (kind `mlflow`: task, model, dataset,
   * config and lineage null): what the run page, `runs:get` and `lathe runs show` read.
   */
  read(idOrPrefix: string): Promise<RunDetails>;
  /**
   * Any runs by id or unique prefix in the given order (each once), read in three queries however many:
   * for comparing hundreds of runs. Throws NOT_FOUND naming the first unknown id.
   */
  readMany(idsOrPrefixes: readonly string[]): Promise<RunDetails[]>;
  /**
   * A run's metric points (of one key, or all), ordered by key, step and time. A key with more than
   * `maxPoints` points (default DEFAULT_MAX_POINTS) is downsampled shape-preservingly (see downsample.ts);
   * `series` says, per key, whether it was and how many points it has in all. NaN and ±Infinity (which
   * runs logged through MLflow keep) are left out — a chart's gaps — unless `options.nonFinite`.
   */
  metricHistory(
    runId: string,
    key?: string,
    maxPoints?: number,
    options?: { nonFinite?: boolean },
  ): Promise<MetricHistory>;
  /**
   * Metric histories of many runs (ids or unique prefixes) in one query: one series per (run, key) that
   * has points, only `keys` when given, each downsampled on its own to `maxPoints` (see downsample.ts).
   * Series follow the order of `ids` (duplicates once), keys sorted. An unknown id throws NOT_FOUND
   * naming it; an ambiguous prefix INVALID_INPUT.
   */
  metricHistoryMany(ids: string[], keys?: string[], maxPoints?: number): Promise<MetricSeries[]>;
  /**
   * Appends many metric points in one transaction (DuckDB's appender): for importers, benchmarks and
   * MLflow's log-batch. Non-finite values are skipped, like logMetrics, unless `options.keepNonFinite`;
   * `timestamp` defaults to now (ms); `options.also` commits with the points (see BulkAppendOptions).
   */
  logMetricsBulk(
    runId: string,
    points: readonly { key: string; step: number; value: number; timestamp?: number }[],
    options?: BulkAppendOptions,
  ): Promise<void>;
  /**
   * Writes the metric points `logMetrics` has accepted but not yet stored. `logMetrics` buffers points
   * in memory and appends them in batches (METRIC_FLUSH_POINTS points or METRIC_FLUSH_MS, whichever comes
   * first); every read of metrics in this store calls this first, as must any new one. A crash loses at
   * most the points of the last flush window (the run's checkpoint still holds its epochs).
   */
  flushMetrics(): Promise<void>;
  /**
   * Points were written for these runs outside this store (an mlruns import, in its own transaction): their
   * cached series are dropped.
   */
  metricsWritten(runIds: readonly string[]): void;
  /**
   * Renames a run, replaces its notes and sets or deletes tags in one transaction. A tag key must be
   * non-empty, at most TAG_KEY_MAX characters and free of control characters (INVALID_INPUT names it).
   */
  update(input: {
    id: string;
    name?: string;
    notes?: string;
    tags?: { set?: Record<string, string>; delete?: string[] };
  }): Promise<RunDetails>;
}

/** The run, when Lathe trained it; INVALID_INPUT naming it when it was logged through MLflow. */
function trained(run: RunDetails): Run {
  if (isTrainedRun(run)) return run;
  throw new LatheError(
    'INVALID_INPUT',
    `run ${run.id} ('${run.name}') was logged through MLflow: it has no model, dataset or train config of Lathe's, so it cannot be evaluated, registered as a Lathe model, served or retrained`,
    { id: run.id, kind: run.kind },
  );
}

export function createTrackingStore(db: Database, projects: ProjectStore): TrackingStore {
  // Downsampled series of runs:metricsMany, dropped for a run whenever its history changes.
  const seriesCache = createSeriesCache();
  const columnLists = createListCache<RunColumns>();
  const changed = (runIds: Iterable<string>) => {
    for (const id of new Set(runIds)) seriesCache.invalidate(id);
  };

  const resolveId = (idOrPrefix: string) => resolveRunId(db, idOrPrefix);
  // Metric points logMetrics accepted and not yet stored (see flushMetrics).
  const metrics = createMetricBuffer(db, changed);
  const flushMetrics = () => metrics.flush();
  const writer = createRunWriter({ db, projects, flushMetrics, changed });

  /** Soft-deletes or restores runs by id or unique prefix in one transaction; counts those it changed. */
  const setDeleted = async (ids: string[], deleted: boolean): Promise<number> => {
    const resolved = await resolveRunIds(db, ids);
    return db.tx(async (sql) => {
      let n = 0;
      for (const id of resolved) {
        const row = await sql.one(
          `SELECT 1 FROM runs WHERE id = ? AND deleted_at IS ${deleted ? 'NULL' : 'NOT NULL'}`,
          [id],
        );
        if (!row) continue;
        await sql.run(`UPDATE runs SET deleted_at = ${deleted ? 'now()' : 'NULL'} WHERE id = ?`, [
          id,
        ]);
        n++;
      }
      return n;
    });
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
      return this.read(id);
    },

    ...writer,

    logMetrics: (runId, step, values) => metrics.log(runId, step, values),

    logMetricsBulk: (runId, points, options) => metrics.appendBulk(runId, points, options),

    metricsWritten: (runIds) => changed(runIds),

    async list(filter) {
      await flushMetrics();
      return listRuns(db, filter);
    },

    async listColumns(filter) {
      await flushMetrics();
      const { orderBy, ...ordered } = filter;
      if (!orderBy?.trim()) {
        // A first page in the list's own order (the Experiments view asks for one beside the whole
        // list) of a list held whole: cut from it, not read again beside the whole list's answer.
        const whole = columnLists.arrived(
          JSON.stringify({ ...ordered, limit: RUNS_LIST_MAX }),
          db.writes,
        );
        if (whole) return firstRuns(whole, filter.limit);
      }
      return columnLists.get(JSON.stringify(filter), db.writes, () => listRunColumns(db, filter));
    },

    experiments: (project) => readExperiments(db, project),

    softDelete: (ids) => setDeleted(ids, true),

    restore: (ids) => setDeleted(ids, false),

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
      return trained(await this.read(idOrPrefix));
    },

    async getMany(idsOrPrefixes) {
      return (await this.readMany(idsOrPrefixes)).map(trained);
    },

    async read(idOrPrefix) {
      await flushMetrics();
      return (await readRuns(db, [await resolveId(idOrPrefix)]))[0]!;
    },

    async readMany(idsOrPrefixes) {
      await flushMetrics();
      return readRuns(db, await resolveRunIds(db, idsOrPrefixes));
    },

    async metricHistory(runId, key, maxPoints = DEFAULT_MAX_POINTS, options) {
      await flushMetrics();
      return readMetricHistory(db, await resolveId(runId), key, maxPoints, options?.nonFinite);
    },

    async metricHistoryMany(ids, keys, maxPoints = DEFAULT_MAX_POINTS) {
      await flushMetrics();
      return readMetricSeriesMany(db, seriesCache, await resolveRunIds(db, ids), keys, maxPoints);
    },
  };
}
