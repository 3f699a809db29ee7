// MLflow's tracking store over Lathe's own tables: an MLflow experiment is a row of `experiments` (made in
// the workspace's Default project), an MLflow run a row of `runs` (kind 'mlflow'), with params, tags,
// metrics + latest_metrics (through the tracking store's metric write path) and run_inputs. Like MLflow's
// AbstractStore, one documented method per operation; the handlers in tracking-service.ts stay thin.
import { LatheError } from '../../shared/contract';
import {
  toProtoDouble,
  type MlflowDatasetInput,
  type MlflowExperiment,
  type MlflowMetric,
  type MlflowRun,
  type MlflowRunInfo,
  type MlflowRunStatus,
} from '../../shared/contract/mlflow';
import type { TrackingStore } from '../tracking/tracking-store';
import { sqlInteger, text, type Database, type Sql, type SqlParam } from '../workspace/db';
import { newId, type ProjectStore } from '../workspace/projects';
import { LATHE_RUN_STATUS, MLFLOW_RUN_STATUS } from './search-filter';
import type { RunStatus } from '../../shared/contract/runs';

/** The project MLflow's experiments belong to. */
export const MLFLOW_PROJECT = 'Default';
/** MLflow's default experiment. */
export const DEFAULT_EXPERIMENT_ID = '0';
export const DEFAULT_EXPERIMENT_NAME = 'Default';
/** MLflow's run-name tag; setting it renames the run. */
export const RUN_NAME_TAG = 'mlflow.runName';
export const USER_TAG = 'mlflow.user';

/** A run's artifact_uri under the artifacts proxy. */
export const runArtifactUri = (experimentId: string, runId: string): string =>
  `mlflow-artifacts:/${experimentId}/${runId}/artifacts`;

/** What writes check about a run. */
export interface RunState {
  id: string;
  experimentId: string;
  deleted: boolean;
}

export interface ExperimentState {
  id: string;
  name: string;
  deleted: boolean;
}

/** One metric point to log (value may be NaN or ±Infinity). */
export interface MetricPoint {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface MlflowTrackingStore {
  /** Makes experiment "0" (Default) once; idempotent. */
  ensureDefaultExperiment(): Promise<void>;
  /** An experiment's id, name and lifecycle; NOT_FOUND with MLflow's message. */
  experimentState(id: string): Promise<ExperimentState>;
  /** Experiments by id in the given order (unknown ids left out). */
  readExperiments(ids: readonly string[]): Promise<MlflowExperiment[]>;
  /** The active experiment of that name, else a deleted one; undefined when none. */
  experimentIdByName(name: string): Promise<string | undefined>;
  /** Creates an experiment; ALREADY_EXISTS when any experiment has the name. */
  createExperiment(input: {
    name: string;
    artifactLocation?: string;
    tags: { key: string; value: string }[];
  }): Promise<string>;
  renameExperiment(id: string, name: string): Promise<void>;
  /** Marks the experiment and its active runs deleted (one timestamp), or restores both. */
  setExperimentDeleted(id: string, deleted: boolean): Promise<void>;
  setExperimentTag(id: string, key: string, value: string): Promise<void>;
  /** Returns whether the tag existed. */
  deleteExperimentTag(id: string, key: string): Promise<boolean>;
  /** A run's experiment and lifecycle; NOT_FOUND with MLflow's message. */
  runState(id: string): Promise<RunState>;
  createRun(input: {
    experimentId: string;
    name: string;
    userId: string;
    startTime: number;
    tags: Map<string, string>;
  }): Promise<string>;
  /** Runs by id in the given order (unknown ids left out). */
  readRuns(ids: readonly string[]): Promise<MlflowRun[]>;
  updateRun(
    id: string,
    change: { status?: MlflowRunStatus; endTime?: number; name?: string },
  ): Promise<void>;
  setRunDeleted(id: string, deleted: boolean): Promise<void>;
  /**
   * Metrics, params and tags of one request in one transaction. Params are immutable (the same value is
   * accepted; a changed one throws INVALID_INPUT and nothing is written); a metric point equal to one
   * already stored (key, timestamp, step, value) is not stored again, as MLflow's SQL store does.
   */
  logBatch(
    runId: string,
    metrics: readonly MetricPoint[],
    params: readonly { key: string; value: string }[],
    tags: readonly { key: string; value: string }[],
  ): Promise<void>;
  /** Returns whether the tag existed. */
  deleteTag(runId: string, key: string): Promise<boolean>;
  logInputs(runId: string, datasets: readonly MlflowDatasetInput[]): Promise<void>;
  /** One page of a metric's points ordered by timestamp, step, value; `max` undefined: all from `offset`. */
  metricHistory(
    runId: string,
    key: string,
    offset: number,
    max: number | undefined,
  ): Promise<{ metrics: MlflowMetric[]; more: boolean }>;
}

const ms = (value: unknown): number | undefined =>
  value === null || value === undefined ? undefined : Number(value);

/** `placeholders(3)` → `?, ?, ?`. */
const placeholders = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

/** Rows of a query over a list of ids, in chunks that bind well. */
async function byIds<T extends Record<string, unknown>>(
  sql: Sql,
  ids: readonly string[],
  query: (inList: string) => string,
): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += 1000) {
    const chunk = ids.slice(i, i + 1000);
    out.push(...(await sql.all<T>(query(`(${placeholders(chunk.length)})`), [...chunk])));
  }
  return out;
}

const groupBy = <T extends { id: unknown }>(rows: T[]): Map<string, T[]> => {
  const map = new Map<string, T[]>();
  for (const r of rows) {
    const id = String(r.id);
    const list = map.get(id);
    if (list) list.push(r);
    else map.set(id, [r]);
  }
  return map;
};

export function createMlflowTrackingStore(deps: {
  db: Database;
  projects: ProjectStore;
  tracking: TrackingStore;
  latheVersion: string;
}): MlflowTrackingStore {
  const { db, projects, tracking } = deps;
  let defaultMade: Promise<void> | undefined;

  const notFoundRun = (id: string) =>
    new LatheError('NOT_FOUND', `Run with id=${id} not found`, { run_id: id });
  const notFoundExperiment = (id: string) =>
    new LatheError('NOT_FOUND', `No Experiment with id=${id} exists`, { experiment_id: id });

  const nameTaken = async (sql: Sql, name: string): Promise<boolean> =>
    !!(await sql.one('SELECT 1 FROM experiments WHERE name = ? LIMIT 1', [name]));

  const store: MlflowTrackingStore = {
    ensureDefaultExperiment() {
      defaultMade ??= db
        .tx(async (sql) => {
          if (await sql.one('SELECT 1 FROM experiments WHERE id = ?', [DEFAULT_EXPERIMENT_ID]))
            return;
          const pid = await projects.ensure(sql, MLFLOW_PROJECT);
          // A Lathe experiment already named Default in that project keeps its name.
          const clash = await sql.one(
            'SELECT 1 FROM experiments WHERE project_id = ? AND name = ?',
            [pid, DEFAULT_EXPERIMENT_NAME],
          );
          const now = Date.now();
          await sql.run(
            `INSERT INTO experiments (id, project_id, name, created_at, updated_at, artifact_location)
             VALUES (?, ?, ?, epoch_ms(${sqlInteger(now)}), epoch_ms(${sqlInteger(now)}), ?)`,
            [
              DEFAULT_EXPERIMENT_ID,
              pid,
              clash ? `${DEFAULT_EXPERIMENT_NAME} (MLflow)` : DEFAULT_EXPERIMENT_NAME,
              `mlflow-artifacts:/${DEFAULT_EXPERIMENT_ID}`,
            ],
          );
        })
        .catch((err: unknown) => {
          // A read-only workspace, say: tried again by the next call.
          defaultMade = undefined;
          throw err;
        });
      return defaultMade;
    },

    async experimentState(id) {
      const row = await db.one<{ id: string; name: string; deleted: boolean }>(
        'SELECT id, name, deleted_at IS NOT NULL AS deleted FROM experiments WHERE id = ?',
        [id],
      );
      if (!row) throw notFoundExperiment(id);
      return { id: String(row.id), name: String(row.name), deleted: Boolean(row.deleted) };
    },

    async readExperiments(ids) {
      if (!ids.length) return [];
      const rows = await byIds<Record<string, unknown> & { id: string }>(
        db,
        ids,
        (list) => `SELECT id, name, artifact_location, deleted_at IS NOT NULL AS deleted,
            epoch_ms(created_at) AS created, epoch_ms(coalesce(updated_at, created_at)) AS updated
          FROM experiments WHERE id IN ${list}`,
      );
      const tags = groupBy(
        await byIds<{ id: string; key: string; value: string }>(
          db,
          ids,
          (list) =>
            `SELECT experiment_id AS id, key, value FROM experiment_tags WHERE experiment_id IN ${list} ORDER BY key`,
        ),
      );
      const byId = new Map(rows.map((r) => [String(r.id), r]));
      return ids.flatMap((id) => {
        const r = byId.get(id);
        if (!r) return [];
        return [
          {
            experiment_id: id,
            name: String(r.name),
            artifact_location:
              r.artifact_location === null ? `mlflow-artifacts:/${id}` : text(r.artifact_location),
            lifecycle_stage: r.deleted ? 'deleted' : 'active',
            last_update_time: ms(r.updated),
            creation_time: ms(r.created),
            tags: (tags.get(id) ?? []).map((t) => ({ key: String(t.key), value: String(t.value) })),
          } satisfies MlflowExperiment,
        ];
      });
    },

    async experimentIdByName(name) {
      // The active one first; among equals the Default project's, then the oldest.
      const row = await db.one<{ id: string }>(
        `SELECT e.id FROM experiments e JOIN projects p ON e.project_id = p.id WHERE e.name = ?
         ORDER BY e.deleted_at IS NOT NULL, p.name <> ?, e.created_at LIMIT 1`,
        [name, MLFLOW_PROJECT],
      );
      return row ? String(row.id) : undefined;
    },

    async createExperiment({ name, artifactLocation, tags }) {
      const id = newId();
      await db.tx(async (sql) => {
        if (await nameTaken(sql, name))
          throw new LatheError('ALREADY_EXISTS', `Experiment(name=${name}) already exists.`, {
            name,
          });
        const pid = await projects.ensure(sql, MLFLOW_PROJECT);
        const now = Date.now();
        await sql.run(
          `INSERT INTO experiments (id, project_id, name, created_at, updated_at, artifact_location)
           VALUES (?, ?, ?, epoch_ms(${sqlInteger(now)}), epoch_ms(${sqlInteger(now)}), ?)`,
          [id, pid, name, artifactLocation || `mlflow-artifacts:/${id}`],
        );
        for (const t of tags)
          await sql.run(
            `INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)
             ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value`,
            [id, t.key, t.value],
          );
      });
      return id;
    },

    async renameExperiment(id, name) {
      await db.tx(async (sql) => {
        const same = await sql.one('SELECT 1 FROM experiments WHERE id = ? AND name = ?', [
          id,
          name,
        ]);
        if (same) return;
        if (await nameTaken(sql, name))
          throw new LatheError('ALREADY_EXISTS', `Experiment(name=${name}) already exists.`, {
            name,
          });
        await sql.run(
          `UPDATE experiments SET name = ?, updated_at = epoch_ms(${sqlInteger(Date.now())}) WHERE id = ?`,
          [name, id],
        );
      });
    },

    async setExperimentDeleted(id, deleted) {
      await db.tx(async (sql) => {
        const now = sqlInteger(Date.now());
        if (deleted) {
          await sql.run(
            `UPDATE experiments SET deleted_at = epoch_ms(${now}), updated_at = epoch_ms(${now}) WHERE id = ?`,
            [id],
          );
          await sql.run(
            `UPDATE runs SET deleted_at = epoch_ms(${now}) WHERE experiment_id = ? AND deleted_at IS NULL`,
            [id],
          );
          return;
        }
        // The runs the experiment's deletion marked (same instant) come back; runs deleted before stay so.
        await sql.run(
          `UPDATE runs SET deleted_at = NULL WHERE experiment_id = ?
             AND deleted_at = (SELECT deleted_at FROM experiments WHERE id = ?)`,
          [id, id],
        );
        await sql.run(
          `UPDATE experiments SET deleted_at = NULL, updated_at = epoch_ms(${now}) WHERE id = ?`,
          [id],
        );
      });
    },

    async setExperimentTag(id, key, value) {
      await db.run(
        `INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)
         ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value`,
        [id, key, value],
      );
    },

    async deleteExperimentTag(id, key) {
      return db.tx(async (sql) => {
        const had = await sql.one(
          'SELECT 1 FROM experiment_tags WHERE experiment_id = ? AND key = ?',
          [id, key],
        );
        if (had)
          await sql.run('DELETE FROM experiment_tags WHERE experiment_id = ? AND key = ?', [
            id,
            key,
          ]);
        return !!had;
      });
    },

    async runState(id) {
      const row = await db.one<{ id: string; experiment_id: string; deleted: boolean }>(
        'SELECT id, experiment_id, deleted_at IS NOT NULL AS deleted FROM runs WHERE id = ?',
        [id],
      );
      if (!row) throw notFoundRun(id);
      return {
        id: String(row.id),
        experimentId: String(row.experiment_id),
        deleted: Boolean(row.deleted),
      };
    },

    async createRun({ experimentId, name, userId, startTime, tags }) {
      const id = newId();
      await db.tx(async (sql) => {
        await sql.run(
          `INSERT INTO runs (id, experiment_id, name, status, task, model_type, dataset_version_id, config,
             config_hash, seed, backend, lathe_version, started_at, ended_at, error, system, kind, notes,
             user_id, artifact_uri)
           VALUES (?, ?, ?, 'running', NULL, NULL, NULL, '{}', '', 0, NULL, ?,
             epoch_ms(${sqlInteger(startTime)}), NULL, NULL, '{}', 'mlflow', '', ?, ?)`,
          [id, experimentId, name, deps.latheVersion, userId, runArtifactUri(experimentId, id)],
        );
        for (const [key, value] of tags)
          await sql.run('INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?)', [id, key, value]);
      });
      return id;
    },

    async readRuns(ids) {
      if (!ids.length) return [];
      await tracking.flushMetrics();
      const rows = await byIds<Record<string, unknown> & { id: string }>(
        db,
        ids,
        (list) => `SELECT id, experiment_id, name, status, user_id, artifact_uri,
            deleted_at IS NOT NULL AS deleted, epoch_ms(started_at) AS started, epoch_ms(ended_at) AS ended
          FROM runs WHERE id IN ${list}`,
      );
      const metrics = groupBy(
        await byIds<{ id: string; key: string; value: number; ts: number; step: number }>(
          db,
          ids,
          (list) =>
            `SELECT run_id AS id, key, value, ts, step FROM latest_metrics WHERE run_id IN ${list} ORDER BY key`,
        ),
      );
      const params = groupBy(
        await byIds<{ id: string; key: string; value: string }>(
          db,
          ids,
          (list) =>
            `SELECT run_id AS id, key, value FROM params WHERE run_id IN ${list} ORDER BY key`,
        ),
      );
      const tags = groupBy(
        await byIds<{ id: string; key: string; value: string }>(
          db,
          ids,
          (list) =>
            `SELECT run_id AS id, key, value FROM tags WHERE run_id IN ${list} ORDER BY key`,
        ),
      );
      const inputs = groupBy(
        await byIds<Record<string, unknown> & { id: string }>(
          db,
          ids,
          (list) =>
            `SELECT run_id AS id, name, digest, source_type, source, schema, profile, tags::VARCHAR AS tags
             FROM run_inputs WHERE run_id IN ${list} ORDER BY name, digest`,
        ),
      );
      const byId = new Map(rows.map((r) => [String(r.id), r]));
      return ids.flatMap((id) => {
        const r = byId.get(id);
        if (!r) return [];
        const experimentId = String(r.experiment_id);
        const info: MlflowRunInfo = {
          run_id: id,
          run_uuid: id,
          run_name: String(r.name),
          experiment_id: experimentId,
          user_id: r.user_id === null ? '' : text(r.user_id),
          status: MLFLOW_RUN_STATUS[String(r.status) as RunStatus] ?? 'RUNNING',
          start_time: ms(r.started),
          end_time: ms(r.ended),
          artifact_uri:
            r.artifact_uri === null ? runArtifactUri(experimentId, id) : text(r.artifact_uri),
          lifecycle_stage: r.deleted ? 'deleted' : 'active',
        };
        const run: MlflowRun = {
          info,
          data: {
            metrics: (metrics.get(id) ?? []).map((m) => ({
              key: String(m.key),
              value: toProtoDouble(Number(m.value)),
              timestamp: Number(m.ts),
              step: Number(m.step),
            })),
            params: (params.get(id) ?? []).map((p) => ({
              key: String(p.key),
              value: String(p.value),
            })),
            tags: (tags.get(id) ?? []).map((t) => ({ key: String(t.key), value: String(t.value) })),
          },
          inputs: {
            dataset_inputs: (inputs.get(id) ?? []).map((i) => ({
              tags: JSON.parse(String(i.tags)) as { key: string; value: string }[],
              dataset: {
                name: String(i.name),
                digest: String(i.digest),
                source_type: String(i.source_type),
                source: String(i.source),
                ...(i.schema === null ? {} : { schema: text(i.schema) }),
                ...(i.profile === null ? {} : { profile: text(i.profile) }),
              },
            })),
          },
        };
        return [run];
      });
    },

    async updateRun(id, { status, endTime, name }) {
      await db.tx(async (sql) => {
        if (status !== undefined)
          await sql.run('UPDATE runs SET status = ? WHERE id = ?', [LATHE_RUN_STATUS[status], id]);
        if (endTime !== undefined)
          await sql.run(
            `UPDATE runs SET ended_at = epoch_ms(${sqlInteger(endTime)}) WHERE id = ?`,
            [id],
          );
        if (name !== undefined) {
          await sql.run('UPDATE runs SET name = ? WHERE id = ?', [name, id]);
          await sql.run(
            `INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?)
             ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value`,
            [id, RUN_NAME_TAG, name],
          );
        }
      });
    },

    async setRunDeleted(id, deleted) {
      if (deleted) await tracking.softDelete([id]);
      else await tracking.restore([id]);
    },

    async logBatch(runId, metrics, params, tags) {
      // Points equal to one another or to a stored one are stored once (MLflow's SQL store merges them).
      const pointKey = (p: { key: string; timestamp: number; step: number; value: number }) =>
        `${p.key}\u0000${p.timestamp}\u0000${p.step}\u0000${String(p.value)}`;
      const seen = new Set<string>();
      let points = metrics.filter((p) => {
        const k = pointKey(p);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
      if (points.length) {
        await tracking.flushMetrics();
        let lo = Infinity;
        let hi = -Infinity;
        for (const p of points) {
          lo = Math.min(lo, p.timestamp);
          hi = Math.max(hi, p.timestamp);
        }
        const keys = [...new Set(points.map((p) => p.key))];
        const stored = await db.all<{ key: string; ts: number; step: number; value: number }>(
          `SELECT key, ts, step, value FROM metrics WHERE run_id = ? AND ts >= ${sqlInteger(lo)}
             AND ts <= ${sqlInteger(hi)} AND key IN (${placeholders(keys.length)})`,
          [runId, ...keys],
        );
        if (stored.length) {
          const have = new Set(
            stored.map((s) =>
              pointKey({
                key: String(s.key),
                timestamp: Number(s.ts),
                step: Number(s.step),
                value: Number(s.value),
              }),
            ),
          );
          points = points.filter((p) => !have.has(pointKey(p)));
        }
      }
      // The last value of a tag given twice wins.
      const tagMap = new Map(tags.map((t) => [t.key, t.value]));
      const also = async (sql: Sql) => {
        if (params.length) {
          const existing = await sql.all<{ key: string; value: string }>(
            `SELECT key, value FROM params WHERE run_id = ? AND key IN (${placeholders(params.length)})`,
            [runId, ...params.map((p) => p.key)],
          );
          const old = new Map(existing.map((e) => [String(e.key), String(e.value)]));
          for (const p of params) {
            const was = old.get(p.key);
            if (was !== undefined && was !== p.value)
              throw new LatheError(
                'INVALID_INPUT',
                `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${was}' for run ID='${runId}'. Attempted logging new value '${p.value}'.`,
                { key: p.key, run_id: runId },
              );
          }
          const fresh = params.filter((p) => !old.has(p.key));
          if (fresh.length)
            await sql.run(
              `INSERT INTO params (run_id, key, value) VALUES ${fresh.map(() => '(?, ?, ?)').join(', ')}`,
              fresh.flatMap((p): SqlParam[] => [runId, p.key, p.value]),
            );
        }
        if (tagMap.size) {
          await sql.run(
            `INSERT INTO tags (run_id, key, value) VALUES ${[...tagMap].map(() => '(?, ?, ?)').join(', ')}
             ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value`,
            [...tagMap].flatMap(([k, v]): SqlParam[] => [runId, k, v]),
          );
          const name = tagMap.get(RUN_NAME_TAG);
          if (name !== undefined)
            await sql.run('UPDATE runs SET name = ? WHERE id = ?', [name, runId]);
        }
      };
      if (!points.length && !params.length && !tagMap.size) return;
      await tracking.logMetricsBulk(
        runId,
        points.map((p) => ({ key: p.key, step: p.step, value: p.value, timestamp: p.timestamp })),
        { keepNonFinite: true, also },
      );
    },

    async deleteTag(runId, key) {
      return db.tx(async (sql) => {
        const had = await sql.one('SELECT 1 FROM tags WHERE run_id = ? AND key = ?', [runId, key]);
        if (had) await sql.run('DELETE FROM tags WHERE run_id = ? AND key = ?', [runId, key]);
        return !!had;
      });
    },

    async logInputs(runId, datasets) {
      if (!datasets.length) return;
      await db.tx(async (sql) => {
        for (const d of datasets)
          await sql.run(
            `INSERT INTO run_inputs (run_id, name, digest, source_type, source, schema, profile, tags)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (run_id, name, digest) DO UPDATE SET tags = excluded.tags`,
            [
              runId,
              d.dataset.name,
              d.dataset.digest,
              d.dataset.source_type,
              d.dataset.source,
              d.dataset.schema ?? null,
              d.dataset.profile ?? null,
              JSON.stringify(d.tags),
            ],
          );
      });
    },

    async metricHistory(runId, key, offset, max) {
      await tracking.flushMetrics();
      const limit = max === undefined ? '' : `LIMIT ${sqlInteger(max + 1)}`;
      const rows = await db.all<{ ts: number; step: number; value: number }>(
        `SELECT ts, step, value FROM metrics WHERE run_id = ? AND key = ?
         ORDER BY ts, step, value ${limit} OFFSET ${sqlInteger(offset)}`,
        [runId, key],
      );
      const more = max !== undefined && rows.length > max;
      const page = more ? rows.slice(0, max) : rows;
      return {
        metrics: page.map((r) => ({
          key,
          value: toProtoDouble(Number(r.value)),
          timestamp: Number(r.ts),
          step: Number(r.step),
        })),
        more,
      };
    },
  };
  return store;
}
