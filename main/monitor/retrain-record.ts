// The record of one retraining (`retrainings`): created when the job starts, each step appended as it
// ends and written, in the same transaction, to the model's audit log.
import type { Retraining } from '../../shared/contract';
import type { AuditLog } from '../registry/audit';
import { text, textOrNull, type Database } from '../workspace/db';
import { iso, newId } from '../workspace/projects';

export type Step = Retraining['steps'][number];
export type StepName = Step['step'];

/** A step failed and ended the job: its message is the record's error. */
export class StepFailed extends Error {}

export interface JobLog {
  /** The record as it stands (the job sets its versions, run and dataset as they become known). */
  readonly record: Retraining;
  /** Appends a step to the record and to the audit log. */
  step(
    name: StepName,
    status: Step['status'],
    message: string,
    canary?: Step['canary'],
  ): Promise<void>;
  /** Records a failed step and ends the job (throws StepFailed). */
  fail(name: StepName, message: string): Promise<never>;
  /** Runs a step's work; a throw is recorded as the step's failure and ends the job. */
  attempt<T>(name: StepName, work: () => Promise<T>): Promise<T>;
  /** Writes the record's fields. */
  save(): Promise<void>;
}

/** Starts the record of a retraining of `model` (its row id `modelId`), status `running`. */
export async function openJobLog(
  deps: { db: Database; audit: AuditLog; now: () => Date },
  init: Pick<Retraining, 'model' | 'trigger' | 'reason' | 'championVersion'> & { modelId: string },
): Promise<JobLog> {
  const { db, now } = deps;
  const { modelId, ...fields } = init;
  const record: Retraining = {
    ...fields,
    id: newId(),
    startedAt: iso(now()),
    finishedAt: null,
    status: 'running',
    challengerVersion: null,
    runId: null,
    dataset: null,
    steps: [],
    error: null,
  };
  await db.run(
    `INSERT INTO retrainings VALUES (?, ?, ?, ?, ?::TIMESTAMP, NULL, 'running', ?, NULL, NULL, NULL, '[]', NULL)`,
    [
      record.id,
      record.model,
      record.trigger,
      record.reason,
      record.startedAt,
      record.championVersion,
    ],
  );
  return jobLogOf(deps, record, modelId);
}

/** The log of a retraining already recorded (`record`, of model row `modelId`): steps append to it. */
export function jobLogOf(
  deps: { db: Database; audit: AuditLog; now: () => Date },
  record: Retraining,
  modelId: string,
): JobLog {
  const { db, audit, now } = deps;
  const log: JobLog = {
    record,
    async step(name, status, message, canary) {
      record.steps.push({ step: name, status, message, ...(canary ? { canary } : {}) });
      const at = now();
      await db.tx(async (sql) => {
        await audit(sql, at, {
          action: 'retrain',
          modelId,
          version: record.challengerVersion ?? record.championVersion,
          details: { retraining: record.id, step: name, status, message },
          reason: record.reason,
        });
        await sql.run('UPDATE retrainings SET steps = ?::JSON WHERE id = ?', [
          JSON.stringify(record.steps),
          record.id,
        ]);
      });
    },
    async fail(name, message) {
      await log.step(name, 'failed', message);
      throw new StepFailed(message);
    },
    async attempt(name, work) {
      try {
        return await work();
      } catch (err) {
        if (err instanceof StepFailed) throw err;
        return log.fail(name, err instanceof Error ? err.message : String(err));
      }
    },
    save: () =>
      db.run(
        `UPDATE retrainings SET finished_at = ?::TIMESTAMP, status = ?, challenger_version = ?, run_id = ?,
           dataset = ?, steps = ?::JSON, error = ? WHERE id = ?`,
        [
          record.finishedAt,
          record.status,
          record.challengerVersion,
          record.runId,
          record.dataset,
          JSON.stringify(record.steps),
          record.error,
          record.id,
        ],
      ),
  };
  return log;
}

/** A `retrainings` row as the contract's Retraining. */
export function retrainingOfRow(r: Record<string, unknown>): Retraining {
  return {
    id: text(r.id),
    model: text(r.model),
    trigger: text(r.trigger) as Retraining['trigger'],
    reason: textOrNull(r.reason),
    startedAt: iso(r.started_at),
    finishedAt: r.finished_at === null ? null : iso(r.finished_at),
    status: text(r.status) as Retraining['status'],
    championVersion: r.champion_version === null ? null : Number(r.champion_version),
    challengerVersion: r.challenger_version === null ? null : Number(r.challenger_version),
    runId: textOrNull(r.run_id),
    dataset: textOrNull(r.dataset),
    steps: JSON.parse(text(r.steps)) as Step[],
    error: textOrNull(r.error),
  };
}
