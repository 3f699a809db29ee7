import { describe, expect, it } from 'vitest';
import { scheduleFired } from '../../../../main/monitor/cron';

describe('pipeline schedules', () => {
  it('fire once their cron time falls in the minute checked, not before or after', () => {
    const monday6 = new Date('2026-12-07T06:00:00Z');
    const at = (ms: number) => new Date(monday6.getTime() + ms);
    const weekly = '0 6 * * 1';
    expect(scheduleFired(weekly, at(-60_000), at(0))).toBe(true);
    expect(scheduleFired(weekly, at(-120_000), at(-60_000))).toBe(false);
    expect(scheduleFired(weekly, at(0), at(60_000))).toBe(false);
    // A check that came late (the machine slept) still runs it once.
    expect(scheduleFired(weekly, at(-3_600_000), at(3_600_000))).toBe(true);
    expect(scheduleFired('*/5 * * * *', at(60_000), at(120_000))).toBe(false);
    expect(scheduleFired('*/5 * * * *', at(240_000), at(300_000))).toBe(true);
  });
});
