// The writes training makes (RunRecorder): recording a run, its end, checkpoints and reopening it to resume,
// and marking runs a dead process left running.
import { LatheError } from '../../shared/contract';
import type { RunRecorder } from '../train/train-service';
import type { Database } from '../workspace/db';
import { newId, type ProjectStore } from '../workspace/projects';
import { refillLatestSql } from './metric-buffer';

export type RunWriter = Pick<
  RunRecorder,
  | 'createRun'
  | 'runName'
  | 'setBackend'
  | 'endRun'
  | 'saveCheckpoint'
  | 'unreferenced'
  | 'reopenRun'
> & {
  /** See TrackingStore.markInterrupted. */
  markInterrupted(): Promise<string[]>;
};

export function createRunWriter(deps: {
  db: Database;
  projects: ProjectStore;
  /** Stores the metric points logged so far (a run's metrics are stored before it is seen ended). */
  flushMetrics: () => Promise<void>;
  /** Told the runs whose metric histories a write changed. */
  changed: (runIds: readonly string[]) => void;
}): RunWriter {
  const { db, projects, flushMetrics, changed } = deps;
  return {
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
          await sql.run(
            'INSERT INTO experiments (id, project_id, name, created_at) VALUES (?, ?, ?, now())',
            [exp.id, projectId, run.experiment],
          );
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
  };
}
