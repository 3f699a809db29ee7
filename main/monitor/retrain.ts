// The retraining loop: retrain:run (one job: see retrain-job.ts), its history, rollback, and the
// retraining schedules of the rules file.
import { existsSync } from 'node:fs';
import { Cron } from 'croner';
import type { z } from 'zod';
import {
  CHAMPION,
  LatheError,
  type RetrainIn,
  type RetrainJudgeIn,
  type RetrainJudgeOut,
  type Retraining,
  type RollbackIn,
} from '../../shared/contract';
import type { RetrainSchedule } from '../../shared/config/alert-rules';
import { createAuditLog, osActor } from '../registry/audit';
import { modelRow } from '../registry/refs';
import { scheduleFired } from './cron';
import { runRetraining, type Champion, type RetrainDeps } from './retrain-job';
import { canaryRetrainings, judgeCanary } from './retrain-judge';
import { openJobLog, retrainingOfRow } from './retrain-record';
import { rollbackChampion } from './rollback';
import { runningJobs } from '../workspace/running-jobs';

export { CHALLENGER, type RetrainDeps } from './retrain-job';

export interface RetrainService {
  /**
   * Runs one retraining of a model's champion to its end and returns its record: `registered` (a new
   * `challenger`), `promoted` (also the new `champion`) or `failed` (with the step that failed). Input
   * that cannot start a job (no champion, an imported one, two sources of data, a missing file, one
   * already running) throws INVALID_INPUT or NOT_FOUND and records nothing.
   */
  run(input: z.output<typeof RetrainIn>): Promise<Retraining>;
  /**
   * Stops a model's running retraining: the step it is in is cancelled (its training run, its
   * evaluation) and the job ends `failed`; nothing is served or promoted. False when none is running.
   */
  cancel(model: string): boolean;
  /** A model's retrainings, newest first. */
  list(model: string): Promise<Retraining[]>;
  /** Points `champion` back at its previous version (see rollbackChampion). */
  rollback(
    input: z.output<typeof RollbackIn>,
  ): Promise<{ model: string; from: number; to: number }>;
  /**
   * Judges a retraining in canary (retrain-judge.ts): waits for enough canary requests, then promotes
   * or abandons it.
   */
  judge(input: z.output<typeof RetrainJudgeIn>): Promise<RetrainJudgeOut>;
  /**
   * Runs the scheduled retrainings `read` lists (read again every minute) and judges the retrainings
   * in canary, every minute until stop().
   */
  startSchedule(read: () => Promise<RetrainSchedule[]>): void;
  /** Stops the schedule and waits for a scheduled retraining in flight. */
  stop(): Promise<void>;
}

/** The retraining schedules due in (from, to]: their cron fired at least once in that span. */
export function dueSchedules(
  entries: readonly RetrainSchedule[],
  from: Date,
  to: Date,
): RetrainSchedule[] {
  return entries.filter((e) => {
    try {
      return scheduleFired(e.schedule, from, to);
    } catch (err) {
      console.error(
        `[Retrain] retraining schedule of ${e.model}: '${e.schedule}' is not a cron expression (${err instanceof Error ? err.message : String(err)})`,
      );
      return false;
    }
  });
}

export function createRetrainService(deps: RetrainDeps): RetrainService {
  const { db, registry } = deps;
  const now = deps.now ?? (() => new Date());
  const audit = createAuditLog(osActor);
  /** Models with a retraining in flight in this process (the workspace has one writer): `cancel` aborts it. */
  const running = runningJobs();
  /** Alias moves of one model (promotion, rollback) run one at a time. */
  const moves = new Map<string, Promise<unknown>>();
  const serialize = <T>(model: string, work: () => Promise<T>): Promise<T> => {
    const next = (moves.get(model) ?? Promise.resolve()).then(work, work);
    moves.set(
      model,
      next.catch(() => undefined),
    );
    return next;
  };

  // Rows a process that died left running: nothing will finish them.
  let cleaned: Promise<void> | undefined;
  const ready = () =>
    (cleaned ??= db.run(
      // The time as UTC text: DuckDB's now() stored in a TIMESTAMP is the session zone's wall clock.
      `UPDATE retrainings SET status = 'failed', finished_at = ?::TIMESTAMP,
         error = coalesce(error, 'interrupted: the process running it stopped') WHERE status = 'running'`,
      [now().toISOString()],
    ));

  /** The champion a retraining starts from, with its run; throws naming what is missing. */
  async function championOf(model: string): Promise<Champion> {
    const version = await registry.version(`${model}@${CHAMPION}`).catch((err: unknown) => {
      if (err instanceof LatheError && err.code === 'NOT_FOUND')
        throw new LatheError(
          'NOT_FOUND',
          `model '${model}' has no champion: a retraining starts from it (lathe models alias ${model}@N champion)`,
          { model },
        );
      throw err;
    });
    if (version.runId === null)
      throw new LatheError(
        'INVALID_INPUT',
        `${model}@${version.version} (the champion) is an imported ONNX model: it has no run config to retrain with`,
        { model },
      );
    const run = await deps.tracking.get(version.runId);
    if (run.kind === 'cv' || run.kind === 'tune')
      throw new LatheError(
        'INVALID_INPUT',
        `the champion's run ${run.id} is a ${run.kind === 'cv' ? 'cross-validation' : 'search'}: it has no single config to retrain with`,
        { model },
      );
    return { version, run };
  }

  let timer: Cron | undefined;
  let inFlight: Promise<unknown> = Promise.resolve();

  const service: RetrainService = {
    async run(input) {
      if (running.has(input.model))
        throw new LatheError(
          'INVALID_INPUT',
          `a retraining of '${input.model}' is already running`,
          { model: input.model },
        );
      // Known as running from the call's start: a cancel that comes while the input is checked stops the
      // job before its first step.
      return running.run(input.model, async (signal) => {
        await ready();
        const sources = [input.data, input.file, input.captured || undefined].filter(
          (x) => x !== undefined,
        );
        if (sources.length > 1)
          throw new LatheError(
            'INVALID_INPUT',
            'give one source of new data: --data, --file or --captured',
            { field: 'data' },
          );
        if (input.allowSchemaChange && !input.file)
          throw new LatheError(
            'INVALID_INPUT',
            '--allow-schema-change concerns the import of --file only: without a file nothing is imported',
            { field: 'allowSchemaChange' },
          );
        if (input.file && !existsSync(input.file))
          throw new LatheError('NOT_FOUND', `file: ${input.file} does not exist`, {
            field: 'file',
            file: input.file,
          });
        const model = await modelRow(db, input.model);
        const champion = await championOf(input.model);
        // A version that does not exist is refused before anything is recorded.
        if (input.data) await deps.data.resolve(input.data);
        const log = await openJobLog(
          { db, audit, now },
          {
            model: input.model,
            modelId: model.id,
            trigger: input.trigger ?? 'manual',
            reason: input.reason ?? null,
            championVersion: champion.version.version,
          },
        );
        await runRetraining(deps, log, input, champion, serialize, signal);
        return log.record;
      });
    },

    cancel: (model) => running.cancel(model),

    async list(model) {
      await ready();
      await modelRow(db, model);
      const rows = await db.all(
        'SELECT * FROM retrainings WHERE model = ? ORDER BY started_at DESC, id DESC',
        [model],
      );
      return rows.map(retrainingOfRow);
    },

    judge: async (input) => {
      await ready();
      return judgeCanary({ db, registry, deploy: deps.deploy, audit, now, serialize }, input);
    },

    rollback: (input) =>
      serialize(input.name, () => rollbackChampion({ db, registry, audit, now }, input)),

    startSchedule(read) {
      if (timer) return;
      let last = now();
      timer = new Cron('* * * * *', () => {
        const [from, to] = [last, now()];
        last = to;
        inFlight = read()
          .then(async (entries) => {
            for (const id of await canaryRetrainings(db)) {
              await service
                .judge({ ref: id })
                .then((j) => {
                  if (j.verdict !== 'waiting') console.error(`[Retrain] ${j.message}`);
                })
                .catch((err: unknown) =>
                  console.error(
                    `[Retrain] the canary of retraining ${id} was not judged: ${err instanceof Error ? err.message : String(err)}`,
                  ),
                );
            }
            for (const e of dueSchedules(entries, from, to)) {
              await service
                .run({
                  model: e.model,
                  ...(e.data ? { data: e.data } : {}),
                  ...(e.combine ? { combine: true } : {}),
                  ...(e.promote ? { promote: true } : {}),
                  trigger: 'schedule',
                  reason: `schedule ${e.schedule}`,
                })
                .catch((err: unknown) =>
                  console.error(
                    `[Retrain] scheduled retraining of ${e.model} did not start: ${err instanceof Error ? err.message : String(err)}`,
                  ),
                );
            }
          })
          .catch((err: unknown) =>
            console.error(
              `[Retrain] retraining schedules not read: ${err instanceof Error ? err.message : String(err)}`,
            ),
          );
      });
    },

    async stop() {
      timer?.stop();
      timer = undefined;
      await inFlight;
    },
  };
  return service;
}
