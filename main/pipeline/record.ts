// The record of pipeline runs (`pipeline_runs`, `pipeline_steps`): a run is written when it starts, each
// step as it starts and ends, so a crash leaves a record that says how far it got (`interrupted` once the
// next process opens the workspace) and a later run finds every finished step's key and outputs.
import {
  LatheError,
  PipelineStepOutput,
  type PipelineRun,
  type PipelineStepRun,
} from '../../shared/contract';
import { jsonOrNull, sqlInteger, text, textOrNull, type Database } from '../workspace/db';
import { isoOrNull } from '../workspace/projects';
import type { StepKey } from './cache-key';

const duration = (from: string | null, to: string | null): number | null =>
  from && to ? Math.max(0, Date.parse(to) - Date.parse(from)) : null;

/** A finished step's key and outputs, as a later run reuses them. */
export interface CachedStep {
  runId: string;
  key: string;
  parts: StepKey | null;
  outputs: PipelineStepOutput;
}

export interface PipelineRecord {
  /** Writes a new run with its steps (all pending). */
  create(run: PipelineRun, fileText: string): Promise<void>;
  /** Writes one step's fields. */
  saveStep(runId: string, step: PipelineStepRun, parts?: StepKey | null): Promise<void>;
  /** Writes the run's own fields (status, end, error). */
  saveRun(run: PipelineRun): Promise<void>;
  get(id: string): Promise<PipelineRun>;
  /** The text the run's file had when it ran. */
  fileText(id: string): Promise<string>;
  list(pipeline: string | undefined, limit: number): Promise<PipelineRun[]>;
  /** The newest succeeded step with this key (any pipeline), newest first. */
  cached(key: string): Promise<CachedStep[]>;
  /** The last recorded key of a step of a pipeline, to explain why it changed. */
  lastKey(pipeline: string, step: string): Promise<StepKey | null>;
  /** Whether a finished run of this pipeline's step wrote `path` (an export folder it may replace). */
  stepWrote(pipeline: string, step: string, path: string): Promise<boolean>;
  /** Marks runs left `running` by a process that ended (the workspace has one writer: this one). */
  markInterrupted(runningHere: ReadonlySet<string>): Promise<void>;
}

interface RunRow extends Record<string, unknown> {
  id: unknown;
  pipeline: unknown;
  file: unknown;
  file_hash: unknown;
  params: unknown;
  set_args: unknown;
  trigger: unknown;
  status: unknown;
  started_at: unknown;
  ended_at: unknown;
  error: unknown;
  failed_step: unknown;
  resume_of: unknown;
  from_step: unknown;
  force: unknown;
}

interface StepRow extends Record<string, unknown> {
  run_id: unknown;
  step_id: unknown;
  type: unknown;
  status: unknown;
  started_at: unknown;
  ended_at: unknown;
  key: unknown;
  reasons: unknown;
  message: unknown;
  error: unknown;
  outputs: unknown;
  cached_from: unknown;
}

function stepOf(row: StepRow): PipelineStepRun {
  const startedAt = isoOrNull(row.started_at);
  const endedAt = isoOrNull(row.ended_at);
  const outputs = jsonOrNull(row.outputs);
  return {
    id: text(row.step_id),
    type: text(row.type),
    status: text(row.status) as PipelineStepRun['status'],
    startedAt,
    endedAt,
    durationMs: duration(startedAt, endedAt),
    key: textOrNull(row.key),
    reasons: (jsonOrNull(row.reasons) as string[] | null) ?? [],
    message: textOrNull(row.message),
    error: textOrNull(row.error),
    outputs: outputs === null ? null : PipelineStepOutput.parse(outputs),
    cachedFrom: textOrNull(row.cached_from),
  };
}

function runOf(row: RunRow, steps: PipelineStepRun[]): PipelineRun {
  const startedAt = isoOrNull(row.started_at)!;
  const endedAt = isoOrNull(row.ended_at);
  return {
    id: text(row.id),
    pipeline: text(row.pipeline),
    file: text(row.file),
    fileHash: text(row.file_hash),
    params: jsonOrNull(row.params) as PipelineRun['params'],
    set: jsonOrNull(row.set_args) as string[],
    trigger: text(row.trigger) as PipelineRun['trigger'],
    status: text(row.status) as PipelineRun['status'],
    startedAt,
    endedAt,
    durationMs: duration(startedAt, endedAt),
    error: textOrNull(row.error),
    failedStep: textOrNull(row.failed_step),
    resumeOf: textOrNull(row.resume_of),
    from: textOrNull(row.from_step),
    force: (jsonOrNull(row.force) as string[] | null) ?? [],
    steps,
  };
}

const RUN_COLUMNS = `id, pipeline, file, file_hash, params::VARCHAR AS params, set_args::VARCHAR AS set_args,
  trigger, status, started_at, ended_at, error, failed_step, resume_of, from_step, force::VARCHAR AS force`;
const STEP_COLUMNS = `run_id, step_id, type, status, started_at, ended_at, key, reasons::VARCHAR AS reasons,
  message, error, outputs::VARCHAR AS outputs, cached_from`;

export function createPipelineRecord(db: Database): PipelineRecord {
  const stepsOf = async (ids: string[]): Promise<Map<string, PipelineStepRun[]>> => {
    const out = new Map<string, PipelineStepRun[]>(ids.map((id) => [id, []]));
    if (ids.length === 0) return out;
    const rows = await db.all<StepRow>(
      `SELECT ${STEP_COLUMNS} FROM pipeline_steps WHERE run_id IN (${ids.map(() => '?').join(', ')})
       ORDER BY run_id, position`,
      ids,
    );
    for (const row of rows) out.get(text(row.run_id))?.push(stepOf(row));
    return out;
  };

  const resolveId = async (id: string): Promise<string> => {
    const key = id.trim().toLowerCase();
    const rows = await db.all<{ id: string }>(
      'SELECT id FROM pipeline_runs WHERE id = ? OR starts_with(id, ?) ORDER BY id LIMIT 3',
      [key, key],
    );
    const exact = rows.find((r) => r.id === key);
    if (exact) return exact.id;
    if (rows.length === 0)
      throw new LatheError(
        'NOT_FOUND',
        `no pipeline run '${id}' (lathe pipeline runs lists them)`,
        {
          id,
        },
      );
    if (rows.length > 1 || key.length < 4)
      throw new LatheError(
        'INVALID_INPUT',
        `pipeline run id '${id}' is ambiguous; give more characters`,
        { id },
      );
    return rows[0]!.id;
  };

  return {
    async create(run, fileText) {
      await db.tx(async (sql) => {
        await sql.run(
          `INSERT INTO pipeline_runs VALUES (?, ?, ?, ?, ?, ?::JSON, ?::JSON, ?, ?, ?::TIMESTAMP, NULL, NULL, NULL, ?, ?, ?::JSON)`,
          [
            run.id,
            run.pipeline,
            run.file,
            run.fileHash,
            fileText,
            JSON.stringify(run.params),
            JSON.stringify(run.set),
            run.trigger,
            run.status,
            run.startedAt,
            run.resumeOf,
            run.from,
            JSON.stringify(run.force),
          ],
        );
        let position = 0;
        for (const step of run.steps)
          await sql.run(
            `INSERT INTO pipeline_steps (run_id, step_id, position, type, status, reasons)
             VALUES (?, ?, ?, ?, ?, ?::JSON)`,
            [run.id, step.id, position++, step.type, step.status, JSON.stringify(step.reasons)],
          );
      });
    },

    async saveStep(runId, step, parts) {
      await db.run(
        `UPDATE pipeline_steps SET status = ?, started_at = ?::TIMESTAMP, ended_at = ?::TIMESTAMP, key = ?,
           key_parts = COALESCE(?::JSON, key_parts), reasons = ?::JSON, message = ?, error = ?,
           outputs = ?::JSON, cached_from = ?
         WHERE run_id = ? AND step_id = ?`,
        [
          step.status,
          step.startedAt,
          step.endedAt,
          step.key,
          parts ? JSON.stringify(parts) : null,
          JSON.stringify(step.reasons),
          step.message,
          step.error,
          step.outputs ? JSON.stringify(step.outputs) : null,
          step.cachedFrom,
          runId,
          step.id,
        ],
      );
    },

    async saveRun(run) {
      await db.run(
        `UPDATE pipeline_runs SET status = ?, ended_at = ?::TIMESTAMP, error = ?, failed_step = ? WHERE id = ?`,
        [run.status, run.endedAt, run.error, run.failedStep, run.id],
      );
    },

    async get(id) {
      const runId = await resolveId(id);
      const row = await db.one<RunRow>(`SELECT ${RUN_COLUMNS} FROM pipeline_runs WHERE id = ?`, [
        runId,
      ]);
      if (!row) throw new LatheError('NOT_FOUND', `no pipeline run '${id}'`, { id });
      return runOf(row, (await stepsOf([runId])).get(runId) ?? []);
    },

    async fileText(id) {
      const row = await db.one<{ file_text: string }>(
        'SELECT file_text FROM pipeline_runs WHERE id = ?',
        [await resolveId(id)],
      );
      return row ? text(row.file_text) : '';
    },

    async list(pipeline, limit) {
      const rows = await db.all<RunRow>(
        `SELECT ${RUN_COLUMNS} FROM pipeline_runs ${pipeline !== undefined ? 'WHERE pipeline = ?' : ''}
         ORDER BY started_at DESC, id DESC LIMIT ${sqlInteger(limit)}`,
        pipeline !== undefined ? [pipeline] : [],
      );
      const steps = await stepsOf(rows.map((r) => text(r.id)));
      return rows.map((r) => runOf(r, steps.get(text(r.id)) ?? []));
    },

    async cached(key) {
      const rows = await db.all<{
        run_id: unknown;
        key: unknown;
        key_parts: unknown;
        outputs: unknown;
      }>(
        `SELECT run_id, key, key_parts::VARCHAR AS key_parts, outputs::VARCHAR AS outputs
         FROM pipeline_steps WHERE key = ? AND status = 'succeeded' AND outputs IS NOT NULL
         ORDER BY ended_at DESC LIMIT 5`,
        [key],
      );
      return rows.map((r) => ({
        runId: text(r.run_id),
        key: text(r.key),
        parts: jsonOrNull(r.key_parts) as StepKey | null,
        outputs: PipelineStepOutput.parse(jsonOrNull(r.outputs)),
      }));
    },

    async lastKey(pipeline, step) {
      const row = await db.one<{ key_parts: unknown }>(
        `SELECT s.key_parts::VARCHAR AS key_parts FROM pipeline_steps s
         JOIN pipeline_runs r ON r.id = s.run_id
         WHERE r.pipeline = ? AND s.step_id = ? AND s.key_parts IS NOT NULL
         ORDER BY s.ended_at DESC NULLS LAST, r.started_at DESC LIMIT 1`,
        [pipeline, step],
      );
      return row ? (jsonOrNull(row.key_parts) as StepKey) : null;
    },

    async stepWrote(pipeline, step, path) {
      const rows = await db.all<{ outputs: unknown }>(
        `SELECT s.outputs::VARCHAR AS outputs FROM pipeline_steps s JOIN pipeline_runs r ON r.id = s.run_id
         WHERE r.pipeline = ? AND s.step_id = ? AND s.status = 'succeeded' AND s.outputs IS NOT NULL`,
        [pipeline, step],
      );
      return rows.some((r) => {
        const out = jsonOrNull(r.outputs) as { files?: string[] } | null;
        return out?.files?.includes(path) ?? false;
      });
    },

    async markInterrupted(runningHere) {
      const rows = await db.all<{ id: string }>(
        "SELECT id FROM pipeline_runs WHERE status = 'running'",
      );
      for (const { id } of rows) {
        if (runningHere.has(id)) continue;
        await db.tx(async (sql) => {
          await sql.run(
            `UPDATE pipeline_runs SET status = 'interrupted', ended_at = now(),
               error = 'the process running it ended before it finished' WHERE id = ?`,
            [id],
          );
          await sql.run(
            `UPDATE pipeline_steps SET status = CASE WHEN status = 'running' THEN 'cancelled' ELSE 'skipped' END,
               ended_at = CASE WHEN status = 'running' THEN now() ELSE ended_at END
             WHERE run_id = ? AND status IN ('running', 'pending')`,
            [id],
          );
        });
      }
    },
  };
}
