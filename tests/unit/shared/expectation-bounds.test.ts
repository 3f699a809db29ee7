import { describe, expect, it } from 'vitest';
import { compareBounds, ExpectationSuite } from '../../../shared/contract';

const range = (min: unknown, max: unknown) =>
  ExpectationSuite.safeParse({ expectations: [{ type: 'range', column: 'x', min, max }] });

describe('expectation bounds', () => {
  it('accept numbers and integers written as digit strings, which stay exact', () => {
    const r = range('9007199254740993', '18446744073709551615');
    expect(r.success).toBe(true);
    expect(r.data?.expectations[0]).toMatchObject({
      min: '9007199254740993',
      max: '18446744073709551615',
    });
    // A suite written to JSON and read back keeps them.
    const back = ExpectationSuite.parse(JSON.parse(JSON.stringify(r.data)));
    expect(back).toEqual(r.data);
  });

  it('refuse strings that are not integers', () => {
    for (const bad of ['1.5', '1e3', ' 1', '01', '-', '', 'abc']) {
      const r = range(bad, undefined);
      expect(r.success, bad).toBe(false);
      expect(r.error?.issues[0]?.message).toMatch(/integer written as a string of digits/);
    }
  });

  it('order bounds exactly, also past 2^53 and across numbers and strings', () => {
    expect(range('9007199254740993', '9007199254740992').success).toBe(false);
    expect(range('9007199254740992', '9007199254740993').success).toBe(true);
    expect(compareBounds('9007199254740993', 9007199254740992)).toBe(1);
    expect(compareBounds(9007199254740992, '9007199254740993')).toBe(-1);
    expect(compareBounds('3', 3)).toBe(0);
    expect(compareBounds('3', 3.5)).toBe(-1);
    expect(compareBounds(3.5, '3')).toBe(1);
    expect(compareBounds('-3', -3.5)).toBe(1);
    expect(compareBounds('-4', -3.5)).toBe(-1);
    expect(compareBounds('99999999999999999999999', Infinity)).toBe(-1);
    expect(compareBounds(-Infinity, '-99999999999999999999999')).toBe(-1);
    expect(compareBounds(0.1, 0.2)).toBe(-1);
  });

  it('refuse a bound that is not one with an issue on it, not an exception out of the parse', () => {
    for (const [min, max] of [
      ['wrong', 3],
      [1, 'wrong'],
      [{ wrong: [1] }, '5'],
    ] as const) {
      const r = range(min, max);
      expect(r.success).toBe(false);
      expect(r.error?.issues.map((i) => i.path.join('.'))).toContain(
        typeof min === 'number' ? 'expectations.0.max' : 'expectations.0.min',
      );
    }
  });
});
