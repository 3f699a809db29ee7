import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../../shared/contract';
import { dueSchedules } from '../../../../main/monitor/retrain';
import { championStack } from '../../../../main/monitor/rollback';

describe('dueSchedules', () => {
  const nightly = { model: 'm', schedule: '0 3 * * *' };
  const hourly = { model: 'h', schedule: '15 * * * *', promote: true };

  it('picks the schedules whose cron fired in (from, to]', () => {
    const at = (t: string) => new Date(`2026-01-05T${t}:00`);
    expect(dueSchedules([nightly, hourly], at('02:59'), at('03:00'))).toEqual([nightly]);
    expect(dueSchedules([nightly, hourly], at('03:00'), at('03:01'))).toEqual([]);
    expect(dueSchedules([nightly, hourly], at('03:14'), at('03:15'))).toEqual([hourly]);
    // A tick that comes late still runs what fell due in between, once.
    expect(dueSchedules([nightly, hourly], at('02:00'), at('04:00'))).toEqual([nightly, hourly]);
  });

  it('skips a schedule that is not a cron expression', () => {
    const bad = { model: 'b', schedule: 'every night' };
    expect(dueSchedules([bad, nightly], new Date(0), new Date(2 * 86_400_000))).toEqual([nightly]);
  });
});

describe('championStack', () => {
  let n = 0;
  const alias = (alias: string, to: number, rollback = false): AuditEntry => ({
    id: String(++n),
    at: '2026-01-01T00:00:00.000Z',
    actor: 'me',
    action: 'alias',
    model: 'm',
    version: to,
    details: { alias, from: null, to, ...(rollback ? { rollback: true } : {}) },
    reason: null,
  });

  it('pushes champion moves and pops rollbacks, ignoring other aliases', () => {
    expect(
      championStack([alias('champion', 1), alias('challenger', 2), alias('champion', 2)]),
    ).toEqual([1, 2]);
    // A rollback from 3 to 2 leaves [1, 2]: the next rollback goes to 1, not back to 3.
    expect(
      championStack([
        alias('champion', 1),
        alias('champion', 2),
        alias('champion', 3),
        alias('champion', 2, true),
      ]),
    ).toEqual([1, 2]);
    // A champion moved by hand to an older version is a move like any other.
    expect(
      championStack([alias('champion', 1), alias('champion', 2), alias('champion', 1)]),
    ).toEqual([1, 2, 1]);
  });
});
