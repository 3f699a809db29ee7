import { afterEach, describe, expect, it } from 'vitest';
import { rangeSql } from '../../../../main/monitor/performance';
import { utcIso, utcMs } from '../../../../main/monitor/time-bound';

describe('time bounds of monitoring ranges', () => {
  const tz = process.env.TZ;
  afterEach(() => {
    process.env.TZ = tz;
  });

  it('reads a time without an offset as UTC, whatever the machine zone', () => {
    process.env.TZ = 'Europe/Berlin';
    expect(utcIso('2026-01-01T10:00', 'range.from')).toBe('2026-01-01T10:00:00.000Z');
    expect(utcIso('2026-01-01 10:00:30.5', 'range.from')).toBe('2026-01-01T10:00:30.500Z');
    expect(rangeSql({ from: '2026-01-01T10:00:00' }).params).toEqual(['2026-01-01T10:00:00.000Z']);
  });

  it('honours an explicit offset and a bare date', () => {
    expect(utcIso('2026-01-01T10:00:00+02:00', 'range.to')).toBe('2026-01-01T08:00:00.000Z');
    expect(utcIso('2026-01-01', 'range.to')).toBe('2026-01-01T00:00:00.000Z');
    expect(utcMs('2026-01-01T10:00:00Z', 'range.to')).toBe(Date.UTC(2026, 0, 1, 10));
  });

  it('refuses a text that is not a time, naming the field and the value', () => {
    expect(() => utcMs('yesterday', 'range.from')).toThrow(
      /range\.from: 'yesterday' is not a time/,
    );
  });
});
