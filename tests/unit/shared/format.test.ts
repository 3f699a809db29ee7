import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatCount,
  formatDecimal,
  formatDuration,
  formatNumber,
  formatPercent,
  formatSigned,
  groupDigits,
} from '../../../shared/format';

describe('formatNumber (the window and the HTML report)', () => {
  it('groups integers, keeps 4 significant digits, uses exponents at the extremes', () => {
    expect(formatNumber(1461)).toBe('1,461');
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(3.0289869)).toBe('3.029');
    expect(formatNumber(0.5)).toBe('0.5');
    expect(formatNumber(0.00001)).toBe('1.00e-5');
    expect(formatNumber(-0.19)).toBe('-0.19');
    expect(formatNumber(1e15)).toBe('1.00e+15');
    expect(formatNumber(2.5e16 + 0.5)).toBe('2.50e+16');
    expect(formatNumber(-0.00042)).toBe('-4.20e-4');
  });

  it('groups large non-integers like the integers beside them, without an exponent below 1e15', () => {
    // A profile's Max (an integer) and its Mean and p50 (doubles) sit in one table.
    expect(formatNumber(1477846)).toBe('1,477,846');
    expect(formatNumber(735612.3)).toBe('735,612');
    expect(formatNumber(1234567.8)).toBe('1,234,568');
    expect(formatNumber(1110000.5)).toBe('1,110,001');
    expect(formatNumber(-98765.4)).toBe('-98,765');
    expect(formatNumber(999.96)).toBe('1,000');
    expect(formatNumber(1234.5678)).toBe('1,235');
    expect(formatNumber(999.94)).toBe('999.9');
    expect(formatNumber(123456789012.3)).toBe('123,456,789,012');
  });

  it('shows a dash when there is no value and ∞ for infinities', () => {
    expect(formatNumber(null)).toBe('—');
    expect(formatNumber(undefined)).toBe('—');
    expect(formatNumber(Number.NaN)).toBe('—');
    expect(formatNumber(Infinity)).toBe('∞');
    expect(formatNumber(-Infinity)).toBe('−∞');
  });
});

describe('formatSigned', () => {
  it('puts a plus or a minus sign (U+2212) before the magnitude', () => {
    expect(formatSigned(0.41)).toBe('+0.41');
    expect(formatSigned(-0.19)).toBe('−0.19');
    expect(formatSigned(0)).toBe('0');
    expect(formatSigned(null)).toBe('—');
    expect(formatSigned(Number.NaN)).toBe('—');
  });
});

describe('formatDecimal (CLI tables, stored baseline labels)', () => {
  it('keeps up to 4 decimals without trailing zeros inside the plain range', () => {
    expect(formatDecimal(0.5, 1e7)).toBe('0.5');
    expect(formatDecimal(0.123456, 1e7)).toBe('0.1235');
    expect(formatDecimal(123.45, 1e7)).toBe('123.45');
    expect(formatDecimal(9999.99999, 1e7)).toBe('10000');
    expect(formatDecimal(0, 1e4)).toBe('0');
    expect(formatDecimal(0.001, 1e7)).toBe('0.001');
  });

  it('switches to exponent form below 1e-3 and from the given bound up', () => {
    expect(formatDecimal(0.0005, 1e7)).toBe('5.000e-4');
    expect(formatDecimal(12345.5, 1e7)).toBe('12345.5');
    expect(formatDecimal(12345.5, 1e4)).toBe('1.235e+4');
    expect(formatDecimal(2.5e7, 1e7)).toBe('2.500e+7');
    expect(formatDecimal(-2.5e7, 1e7)).toBe('-2.500e+7');
  });
});

describe('groupDigits (progress messages)', () => {
  it('groups as toLocaleString does, rounding first', () => {
    for (const n of [0, 7, 999, 1000, 1234567, 1e9, 12345678.6, 999.5])
      expect(groupDigits(n)).toBe(Math.round(n).toLocaleString('en-US'));
  });
});

describe('formatCount and formatPercent', () => {
  it('groups counts and rounds percents to what a table needs', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(Number.NaN)).toBe('—');
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(0.0004)).toBe('<0.1%');
    expect(formatPercent(0.05)).toBe('5.0%');
    expect(formatPercent(0.744)).toBe('74%');
    expect(formatPercent(Infinity)).toBe('—');
  });
});

describe('formatBytes and formatDuration, in both styles', () => {
  /** [value, ui, cli]; a case without a cli form is checked in the ui style only. */
  const bytes: [number, string, string?][] = [
    [512, '512 B', '512 B'],
    [53_211, '52 KB', '52.0 KB'],
    [5 * 1024 * 1024, '5.0 MB', '5.0 MB'],
    [-1, '—'],
  ];
  const durations: [number | null, string, string?][] = [
    [850, '850 ms', '850ms'],
    [2_500, '2.5 s'],
    [12_500, '13 s', '12.5s'],
    [125_000, '2m 5s', '2m5s'],
    [3_780_000, '1h 3m', '1h3m'],
    [null, '—'],
  ];

  it('ui: spaced units, one decimal only below 10, a dash when unknown', () => {
    for (const [n, ui] of bytes) expect(formatBytes(n)).toBe(ui);
    for (const [ms, ui] of durations) expect(formatDuration(ms)).toBe(ui);
  });

  it('cli: compact units and always one decimal, as the CLI has printed them', () => {
    const withCli = <T>(cases: [T, string, string?][]) => cases.filter((c) => c.length === 3);
    for (const [n, , cli] of withCli(bytes)) expect(formatBytes(n, 'cli')).toBe(cli);
    for (const [ms, , cli] of withCli(durations)) expect(formatDuration(ms, 'cli')).toBe(cli);
  });
});
