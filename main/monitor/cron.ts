// Cron schedules (croner), as monitoring rules, retraining and pipelines read them: one check of a
// schedule's text and one test of whether it fired.
import { Cron } from 'croner';

/** Why `schedule` is not a cron expression (naming it and croner's reason), or null when it is one. */
export function cronProblem(schedule: string): string | null {
  try {
    new Cron(schedule, { paused: true }).stop();
    return null;
  } catch (err) {
    return `'${schedule}' is not a cron expression (${(err as Error).message})`;
  }
}

/**
 * Whether a cron schedule fired at least once in (from, to]: due at this minute's check (retraining
 * schedules, and pipelines' schedules). Throws on a schedule that is not a cron expression.
 */
export function scheduleFired(schedule: string, from: Date, to: Date): boolean {
  const next = new Cron(schedule, { paused: true }).nextRun(from);
  return next !== null && next.getTime() <= to.getTime();
}
