import { afterEach, describe, expect, it } from 'vitest';
import { rangeSql } from '../../../../main/monitor/performance';
import { checkRange, utcIso, utcMs } from '../../../../main/monitor/time-bound';

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

  it('refuses what Date.parse would read as some other time', () => {
    // Date.parse reads '1' as 2001, 'March 7' as a day of 2001 and 30 February as 1 March.
    for (const value of [
      '1',
      'March 7',
      '2026-02-30',
      '2026-02-29',
      '2026-01-01T24:00',
      '2026-1-5',
    ])
      expect(() => utcMs(value, 'range.to'), value).toThrow(`range.to: '${value}' is not a time`);
    expect(utcIso('2024-02-29', 'range.to')).toBe('2024-02-29T00:00:00.000Z');
    // Years 0 to 99 are years of the first century (Date.UTC would read 1900 to 1999).
    expect(utcIso('0050-02-28', 'range.to')).toBe('0050-02-28T00:00:00.000Z');
    expect(utcIso('2026-01-01T10:00:00.250+0200', 'range.to')).toBe('2026-01-01T08:00:00.250Z');
  });

  it('refuses a range that does not end after it starts, naming both bounds', () => {
    expect(() => checkRange({ from: '2026-01-02', to: '2026-01-01T23:00' })).toThrow(
      "range: from '2026-01-02' is not before to '2026-01-01T23:00'",
    );
    expect(() => checkRange({ from: '2026-01-02', to: '2026-01-02T00:00Z' })).toThrow(/not before/);
    expect(() => checkRange({ from: '2026-01-01', to: '2026-01-02' })).not.toThrow();
    expect(() => checkRange({ to: '2026-01-02' })).not.toThrow();
    expect(() => checkRange(undefined)).not.toThrow();
  });
});
