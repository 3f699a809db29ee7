import { literal, sqlInteger, type Database } from './db';

/** Schema migrations, applied in order on open, all pending ones in one transaction. Never edit a released one. */
export const migrations: { version: number; name: string; sql: string[] }[] = [
  {
    version: 1,
    name: 'foundation',
    sql: [
      `CREATE TABLE projects (
        id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL UNIQUE, description VARCHAR NOT NULL DEFAULT '',
        created_at TIMESTAMP NOT NULL)`,
      `CREATE TABLE datasets (
        id VARCHAR PRIMARY KEY, project_id VARCHAR NOT NULL, name VARCHAR NOT NULL UNIQUE,
        created_at TIMESTAMP NOT NULL)`,
      `CREATE TABLE dataset_versions (
        id VARCHAR PRIMARY KEY, dataset_id VARCHAR NOT NULL, version INTEGER NOT NULL, hash VARCHAR NOT NULL,
        row_count BIGINT NOT NULL, columns JSON NOT NULL, format VARCHAR NOT NULL, source VARCHAR NOT NULL,
        storage_path VARCHAR NOT NULL, size_bytes BIGINT NOT NULL, created_at TIMESTAMP NOT NULL,
        UNIQUE (dataset_id, version))`,
      `CREATE TABLE profiles (version_id VARCHAR PRIMARY KEY, profile JSON NOT NULL, created_at TIMESTAMP NOT NULL)`,
      `CREATE TABLE experiments (
        id VARCHAR PRIMARY KEY, project_id VARCHAR NOT NULL, name VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL,
        UNIQUE (project_id, name))`,
      `CREATE TABLE runs (
        id VARCHAR PRIMARY KEY, experiment_id VARCHAR NOT NULL, name VARCHAR NOT NULL, status VARCHAR NOT NULL,
        task VARCHAR NOT NULL, model_type VARCHAR NOT NULL, dataset_version_id VARCHAR NOT NULL,
        config JSON NOT NULL, config_hash VARCHAR NOT NULL, seed INTEGER NOT NULL, backend VARCHAR,
        lathe_version VARCHAR NOT NULL, started_at TIMESTAMP NOT NULL, ended_at TIMESTAMP, error VARCHAR,
        system JSON NOT NULL)`,
      `CREATE TABLE params (run_id VARCHAR NOT NULL, key VARCHAR NOT NULL, value VARCHAR NOT NULL,
        PRIMARY KEY (run_id, key))`,
      `CREATE TABLE metrics (run_id VARCHAR NOT NULL, key VARCHAR NOT NULL, step INTEGER NOT NULL,
        ts DOUBLE NOT NULL, value DOUBLE NOT NULL)`,
      `CREATE TABLE tags (run_id VARCHAR NOT NULL, key VARCHAR NOT NULL, value VARCHAR NOT NULL,
        PRIMARY KEY (run_id, key))`,
      `CREATE TABLE artifacts (run_id VARCHAR NOT NULL, path VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
        size_bytes BIGINT NOT NULL, created_at TIMESTAMP NOT NULL, PRIMARY KEY (run_id, path))`,
    ],
  },
  {
    version: 2,
    name: 'validation and lineage',
    sql: [
      `CREATE TABLE validation_reports (
        id VARCHAR PRIMARY KEY, version_id VARCHAR NOT NULL, suite_hash VARCHAR NOT NULL, suite JSON NOT NULL,
        report JSON NOT NULL, success BOOLEAN NOT NULL, created_at TIMESTAMP NOT NULL)`,
      // Versions made by a transform name their parent versions and the exact transform.
      `ALTER TABLE dataset_versions ADD COLUMN parents JSON`,
      `ALTER TABLE dataset_versions ADD COLUMN transform JSON`,
    ],
  },
  {
    version: 3,
    name: 'run warnings',
    sql: [`ALTER TABLE runs ADD COLUMN warnings JSON`],
  },
  {
    version: 4,
    name: 'soft-deleted runs',
    // Set by runs:delete, cleared by runs:restore; workspace:gc purges the runs that have it.
    sql: [`ALTER TABLE runs ADD COLUMN deleted_at TIMESTAMP`],
  },
  {
    version: 5,
    name: 'run families, notes, source and ui preferences',
    sql: [
      // A fold of a cross-validation or a trial of a search points at its parent run.
      `ALTER TABLE runs ADD COLUMN parent_id VARCHAR`,
      // train | cv | fold | tune | trial
      `ALTER TABLE runs ADD COLUMN kind VARCHAR DEFAULT 'train'`,
      `ALTER TABLE runs ADD COLUMN notes VARCHAR DEFAULT ''`,
      // The commit of the git repository holding the config file, when it is in one.
      `ALTER TABLE runs ADD COLUMN git_commit VARCHAR`,
      `ALTER TABLE runs ADD COLUMN feature_spec_hash VARCHAR`,
      // Renderer state that outlives a restart, e.g. the runs table layout per experiment.
      `CREATE TABLE ui_prefs (key VARCHAR PRIMARY KEY, value JSON NOT NULL, updated_at TIMESTAMP NOT NULL)`,
    ],
  },
  {
    version: 6,
    name: 'workspace-relative dataset files',
    sql: [
      // Dataset files always live at <workspace>/datasets/<hash>.parquet; an absolute path written before
      // (possibly of the folder before it was moved) becomes `datasets/<file>`, resolved against wherever
      // the workspace is opened (main/workspace/paths.ts fromStoredPath), so the folder is portable.
      String.raw`UPDATE dataset_versions
        SET storage_path = 'datasets/' || regexp_extract(storage_path, '[/\\]datasets[/\\]([^/\\]+)$', 1)
        WHERE regexp_matches(storage_path, '^(/|\\|[A-Za-z]:[/\\])')
          AND regexp_extract(storage_path, '[/\\]datasets[/\\]([^/\\]+)$', 1) <> ''`,
    ],
  },
  {
    version: 7,
    name: 'model registry, evaluations, gates and audit log',
    sql: [
      `CREATE TABLE models (
        id VARCHAR PRIMARY KEY, project_id VARCHAR NOT NULL, name VARCHAR NOT NULL UNIQUE,
        description VARCHAR NOT NULL DEFAULT '', created_at TIMESTAMP NOT NULL)`,
      // A version is a run's model, numbered 1, 2, 3 … per model; stage: none | staging | production | archived.
      `CREATE TABLE model_versions (
        id VARCHAR PRIMARY KEY, model_id VARCHAR NOT NULL, version INTEGER NOT NULL, run_id VARCHAR NOT NULL,
        stage VARCHAR NOT NULL DEFAULT 'none', signature JSON NOT NULL, card JSON,
        created_at TIMESTAMP NOT NULL, created_by VARCHAR NOT NULL, UNIQUE (model_id, version))`,
      `CREATE TABLE model_aliases (
        model_id VARCHAR NOT NULL, alias VARCHAR NOT NULL, version INTEGER NOT NULL,
        updated_at TIMESTAMP NOT NULL, PRIMARY KEY (model_id, alias))`,
      // Every registration, alias move, stage change, gate override and card edit: who, when, why.
      `CREATE TABLE audit_log (
        id VARCHAR PRIMARY KEY, "at" TIMESTAMP NOT NULL, actor VARCHAR NOT NULL, action VARCHAR NOT NULL,
        model_id VARCHAR, version INTEGER, details JSON NOT NULL, reason VARCHAR)`,
      `CREATE TABLE evaluations (
        id VARCHAR PRIMARY KEY, run_id VARCHAR NOT NULL, model_version_id VARCHAR,
        dataset_version_id VARCHAR NOT NULL, split VARCHAR NOT NULL, report JSON NOT NULL,
        gates JSON, passed BOOLEAN, created_at TIMESTAMP NOT NULL)`,
      `CREATE TABLE gate_policies (
        project_id VARCHAR PRIMARY KEY, policy JSON NOT NULL, updated_at TIMESTAMP NOT NULL)`,
    ],
  },
  {
    version: 8,
    name: 'serving: prediction log, batch predictions and API keys',
    sql: [
      // One row per prediction the REST server answers (sampled or batched by the server).
      `CREATE TABLE prediction_log (
        id VARCHAR PRIMARY KEY, "at" TIMESTAMP NOT NULL, model VARCHAR NOT NULL, version INTEGER NOT NULL,
        request_id VARCHAR, features JSON NOT NULL, prediction JSON NOT NULL, latency_ms DOUBLE NOT NULL)`,
      // One row per finished `lathe predict` batch job; input_sha256 covers every input file in order.
      `CREATE TABLE prediction_batches (
        id VARCHAR PRIMARY KEY, "at" TIMESTAMP NOT NULL, model VARCHAR NOT NULL, version INTEGER NOT NULL,
        input VARCHAR NOT NULL, input_sha256 VARCHAR NOT NULL, output VARCHAR NOT NULL, "rows" BIGINT NOT NULL,
        duration_ms DOUBLE NOT NULL)`,
      // Keys of the prediction server: only a hash is kept; models lists the model names a key may call.
      `CREATE TABLE api_keys (
        id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, hash VARCHAR NOT NULL UNIQUE, models JSON NOT NULL,
        rate_limit DOUBLE, created_at TIMESTAMP NOT NULL, revoked_at TIMESTAMP)`,
    ],
  },
  {
    version: 9,
    name: 'imported model versions',
    sql: [
      // An imported ONNX model has no run: run_id is NULL and source says where it came from
      // (VersionSource: { kind: 'import', file, sha256, signature, … }); NULL source means a run's model.
      `ALTER TABLE model_versions ALTER COLUMN run_id DROP NOT NULL`,
      `ALTER TABLE model_versions ADD COLUMN source JSON`,
      // The files of a version without a run (model.onnx, signature.json), like a run's artifacts; gc
      // keeps every blob listed here.
      `CREATE TABLE model_version_files (
        version_id VARCHAR NOT NULL, path VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, size_bytes BIGINT NOT NULL,
        PRIMARY KEY (version_id, path))`,
    ],
  },
  {
    version: 10,
    name: 'latest metrics',
    sql: [
      // Each run's latest point of each metric (highest step, then latest timestamp), kept as points are
      // written, so listing, filtering and sorting runs reads one row per metric instead of whole histories.
      `CREATE TABLE latest_metrics (
        run_id VARCHAR NOT NULL, key VARCHAR NOT NULL, step INTEGER NOT NULL, ts DOUBLE NOT NULL,
        value DOUBLE NOT NULL, PRIMARY KEY (run_id, key))`,
      `INSERT INTO latest_metrics
        SELECT run_id, key, max(step), arg_max(ts, (step, ts)), arg_max(value, (step, ts))
        FROM metrics GROUP BY run_id, key`,
    ],
  },
  {
    version: 11,
    name: 'monitoring: captured predictions, references, actuals, alerts, retrainings',
    sql: [
      // -- capture (main/monitor/capture.ts) --
      // Each version's captured rows live in a typed table of their own (its input columns, then the
      // prediction); this table names it and its columns.
      `CREATE TABLE capture_tables (
        version_id VARCHAR PRIMARY KEY, model VARCHAR NOT NULL, version INTEGER NOT NULL,
        table_name VARCHAR NOT NULL UNIQUE, columns JSON NOT NULL, created_at TIMESTAMP NOT NULL)`,
      // Where captured rows came from: a server session, a batch job (with its capture rate), a segment.
      `CREATE TABLE capture_sources (
        id VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, model VARCHAR NOT NULL, version INTEGER NOT NULL,
        started_at TIMESTAMP NOT NULL, "rows" BIGINT NOT NULL DEFAULT 0, rate DOUBLE NOT NULL DEFAULT 1,
        detail VARCHAR NOT NULL)`,
      // Ingested Docker log segments, by content: the same segment twice counts once.
      `CREATE TABLE capture_segments (
        sha256 VARCHAR PRIMARY KEY, file VARCHAR NOT NULL, source_id VARCHAR NOT NULL,
        "rows" BIGINT NOT NULL, ingested_at TIMESTAMP NOT NULL)`,
      // Served requests per minute and status class, with a latency histogram (log buckets).
      `CREATE TABLE serve_health (
        minute TIMESTAMP NOT NULL, model VARCHAR NOT NULL, version INTEGER NOT NULL, status INTEGER NOT NULL,
        requests BIGINT NOT NULL, "rows" BIGINT NOT NULL, latency JSON NOT NULL)`,
      `ALTER TABLE prediction_batches ADD COLUMN capture_rate DOUBLE`,
      // -- reference (main/monitor/reference.ts) --
      `CREATE TABLE monitor_references (
        version_id VARCHAR PRIMARY KEY, model VARCHAR NOT NULL, version INTEGER NOT NULL,
        created_at TIMESTAMP NOT NULL, reference JSON NOT NULL)`,
      // -- actuals (main/monitor/performance.ts): the last label of an id wins --
      `CREATE TABLE actuals (
        model VARCHAR NOT NULL, row_id VARCHAR NOT NULL, target VARCHAR NOT NULL,
        received_at TIMESTAMP NOT NULL, PRIMARY KEY (model, row_id))`,
      // -- alerts (main/monitor/alerts.ts) --
      `CREATE TABLE alert_rules (
        id VARCHAR PRIMARY KEY, rules JSON NOT NULL, updated_at TIMESTAMP NOT NULL)`,
      `CREATE TABLE alerts (
        id VARCHAR PRIMARY KEY, "at" TIMESTAMP NOT NULL, rule VARCHAR NOT NULL, model VARCHAR NOT NULL,
        version INTEGER, signal VARCHAR NOT NULL, severity VARCHAR NOT NULL, value DOUBLE, threshold DOUBLE NOT NULL,
        message VARCHAR NOT NULL, deliveries JSON NOT NULL, acknowledged_at TIMESTAMP, acknowledged_by VARCHAR,
        note VARCHAR)`,
      // -- retraining (main/monitor/retrain.ts) --
      `CREATE TABLE retrainings (
        id VARCHAR PRIMARY KEY, model VARCHAR NOT NULL, trigger VARCHAR NOT NULL, reason VARCHAR,
        started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP, status VARCHAR NOT NULL,
        champion_version INTEGER, challenger_version INTEGER, run_id VARCHAR, dataset VARCHAR,
        steps JSON NOT NULL, error VARCHAR)`,
    ],
  },
  {
    version: 12,
    name: 'soft-deleted datasets, saved expectation suites',
    sql: [
      // Set by data:delete, cleared by data:restore (main/data/dataset-admin.ts).
      `ALTER TABLE datasets ADD COLUMN deleted_at TIMESTAMP`,
      // The suite saved with a dataset (data:suite:save); data:validate without a suite uses it.
      `CREATE TABLE dataset_suites (
        dataset_id VARCHAR PRIMARY KEY, suite JSON NOT NULL, updated_at TIMESTAMP NOT NULL)`,
    ],
  },
  {
    version: 13,
    name: 'MLflow interoperability: logged runs, experiment and registry tags, MLflow keys',
    sql: [
      // -- tracking (main/mlflow/): a run logged through MLflow's REST API has no dataset, task or model of
      // Lathe's; kind 'mlflow' marks it, and those columns are NULL for it.
      `ALTER TABLE runs ALTER COLUMN dataset_version_id DROP NOT NULL`,
      `ALTER TABLE runs ALTER COLUMN task DROP NOT NULL`,
      `ALTER TABLE runs ALTER COLUMN model_type DROP NOT NULL`,
      // MLflow's user_id and artifact_uri of a run (mlflow-artifacts:/<experiment>/<run>/artifacts).
      `ALTER TABLE runs ADD COLUMN user_id VARCHAR`,
      `ALTER TABLE runs ADD COLUMN artifact_uri VARCHAR`,
      // Set by experiments/delete (MLflow's lifecycle_stage 'deleted'), cleared by experiments/restore.
      `ALTER TABLE experiments ADD COLUMN deleted_at TIMESTAMP`,
      `ALTER TABLE experiments ADD COLUMN updated_at TIMESTAMP`,
      `ALTER TABLE experiments ADD COLUMN artifact_location VARCHAR`,
      `CREATE TABLE experiment_tags (experiment_id VARCHAR NOT NULL, key VARCHAR NOT NULL,
        value VARCHAR NOT NULL, PRIMARY KEY (experiment_id, key))`,
      // runs/log-inputs: the datasets a run used (MLflow's DatasetInput), each once per run and digest.
      `CREATE TABLE run_inputs (run_id VARCHAR NOT NULL, name VARCHAR NOT NULL, digest VARCHAR NOT NULL,
        source_type VARCHAR NOT NULL, source VARCHAR NOT NULL, schema VARCHAR, profile VARCHAR,
        tags JSON NOT NULL, PRIMARY KEY (run_id, name, digest))`,
      // -- registry: descriptions and tags as MLflow's registry keeps them --
      `ALTER TABLE models ADD COLUMN updated_at TIMESTAMP`,
      `ALTER TABLE model_versions ADD COLUMN description VARCHAR DEFAULT ''`,
      `ALTER TABLE model_versions ADD COLUMN updated_at TIMESTAMP`,
      `CREATE TABLE model_tags (model_id VARCHAR NOT NULL, key VARCHAR NOT NULL, value VARCHAR NOT NULL,
        PRIMARY KEY (model_id, key))`,
      `CREATE TABLE model_version_tags (version_id VARCHAR NOT NULL, key VARCHAR NOT NULL,
        value VARCHAR NOT NULL, PRIMARY KEY (version_id, key))`,
      // -- keys: what a key may do. NULL (every key made before) is the prediction server only;
      // otherwise a list of 'predict' | 'mlflow:read' | 'mlflow:write'.
      `ALTER TABLE api_keys ADD COLUMN scopes JSON`,
    ],
  },
  {
    version: 14,
    name: 'MLflow model versions: source, run id and run link as given',
    sql: [
      // What model-versions/create was given (main/mlflow/registry-service.ts): MLflow answers them back
      // verbatim. source_uri is the source URI (runs:/…, mlflow-artifacts:/…, models:/…, any URI);
      // source_run_id the run_id field, which may name a run of another tracking server; NULL for versions
      // registered through Lathe.
      `ALTER TABLE model_versions ADD COLUMN source_uri VARCHAR`,
      `ALTER TABLE model_versions ADD COLUMN source_run_id VARCHAR`,
      `ALTER TABLE model_versions ADD COLUMN run_link VARCHAR`,
    ],
  },
  {
    version: 15,
    name: 'pipelines: the files a workspace knows, their runs and each run step with its cache key',
    sql: [
      // A pipeline file run here (or added in the app), by its name; `file` is its absolute path.
      // previous_text: the text a save from the app replaced (one level of undo, nothing lost).
      `CREATE TABLE pipelines (name VARCHAR PRIMARY KEY, file VARCHAR NOT NULL,
        added_at TIMESTAMP NOT NULL, previous_text VARCHAR)`,
      // One run of a pipeline file: the text it ran (file_text) and the parameters it resolved to.
      `CREATE TABLE pipeline_runs (id VARCHAR PRIMARY KEY, pipeline VARCHAR NOT NULL,
        file VARCHAR NOT NULL, file_hash VARCHAR NOT NULL, file_text VARCHAR NOT NULL,
        params JSON NOT NULL, set_args JSON NOT NULL, trigger VARCHAR NOT NULL, status VARCHAR NOT NULL,
        started_at TIMESTAMP NOT NULL, ended_at TIMESTAMP, error VARCHAR, failed_step VARCHAR,
        resume_of VARCHAR, from_step VARCHAR, force JSON NOT NULL)`,
      // Each step of a run. key: the step's cache key (main/pipeline/cache-key.ts), key_parts its
      // ingredients (to explain a change); a succeeded step's outputs are what a later equal key reuses.
      `CREATE TABLE pipeline_steps (run_id VARCHAR NOT NULL, step_id VARCHAR NOT NULL,
        position INTEGER NOT NULL, type VARCHAR NOT NULL, status VARCHAR NOT NULL,
        started_at TIMESTAMP, ended_at TIMESTAMP, key VARCHAR, key_parts JSON, reasons JSON NOT NULL,
        message VARCHAR, error VARCHAR, outputs JSON, cached_from VARCHAR,
        PRIMARY KEY (run_id, step_id))`,
      `CREATE INDEX pipeline_steps_key ON pipeline_steps (key)`,
    ],
  },
  {
    version: 16,
    name: 'capture: batch jobs keep their captured rows as Parquet files',
    sql: [
      // A batch job's captured rows, as the Parquet file it wrote (main/serve/capture.ts CaptureFile) under
      // captures/; `path` as toStoredPath keeps it. The rows' constant and derived columns are made when
      // read: `at` the job's time, `_row_id` the id's text (by_id) or `<row_id_prefix>/<position>`.
      `CREATE TABLE capture_files (source_id VARCHAR PRIMARY KEY, table_name VARCHAR NOT NULL,
        path VARCHAR NOT NULL, "at" TIMESTAMP NOT NULL, by_id BOOLEAN NOT NULL,
        row_id_prefix VARCHAR NOT NULL, "rows" BIGINT NOT NULL)`,
    ],
  },
  {
    version: 17,
    name: 'capture: a batch file may number its rows instead of storing _row_id',
    sql: [
      // True when the file has no _row_id column: a row's id is `<row_id_prefix>/<its position in the
      // file>` (capture-format.ts capturesRowNumbers). Files written before have the column.
      `ALTER TABLE capture_files ADD COLUMN row_numbers BOOLEAN DEFAULT false`,
    ],
  },
];

/** The schema version this build of Lathe writes. */
export const SCHEMA_VERSION = migrations[migrations.length - 1]!.version;

/**
 * Applies the migrations of `list` (this build's by default) the database lacks, in one transaction;
 * returns their versions. A failure names the migration and leaves the schema as it was.
 */
export async function migrate(db: Database, list = migrations): Promise<number[]> {
  await db.run(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)`);
  const done = new Set(
    (await db.all<{ version: number }>('SELECT version FROM schema_migrations')).map((r) =>
      Number(r.version),
    ),
  );
  const newest = Math.max(0, ...done);
  const known = Math.max(0, ...list.map((m) => m.version));
  if (newest > known) {
    throw new Error(
      `workspace schema v${newest} is newer than this Lathe (v${known}); upgrade Lathe`,
    );
  }
  const pending = list.filter((m) => !done.has(m.version));
  if (!pending.length) return [];
  // One transaction for every pending migration: a workspace moves to this schema whole or stays as it
  // was, and a new workspace is made in one commit (a commit each took 16 to 40 ms more). Every statement
  // goes to DuckDB as one text (each `;` on a line of its own, after any trailing comment), their records
  // in one INSERT: a new workspace's 17 migrations took 54-75 ms as two calls each, 30-38 ms as one. When
  // that fails, nothing of it stays, and the migrations run again one at a time, so the error names the
  // one that fails.
  const recorded = `INSERT INTO schema_migrations VALUES ${pending
    .map((m) => `(${sqlInteger(m.version)}, ${literal(m.name)}, now())`)
    .join(', ')}`;
  const whole = [...pending.flatMap((m) => m.sql), recorded].join('\n;\n');
  try {
    await db.tx((sql) => sql.run(whole));
  } catch (err) {
    // Said in case the migrations then apply one at a time: why the one text did not.
    console.error(`[Migrations] applying them one at a time: ${(err as Error).message}`);
    await db.tx(async (sql) => {
      for (const m of pending) {
        try {
          await sql.run(m.sql.join('\n;\n'));
        } catch (err) {
          throw new Error(`migration ${m.version} (${m.name}): ${(err as Error).message}`);
        }
        await sql.run('INSERT INTO schema_migrations VALUES (?, ?, now())', [m.version, m.name]);
      }
    });
  }
  return pending.map((m) => m.version);
}
