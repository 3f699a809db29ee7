import { describe, expect, it } from 'vitest';
import { createTokenBucket } from '../../../../main/serve/rate-limit';

describe('token bucket', () => {
  it('allows a burst of the rate, then refuses with the seconds until the next token', () => {
    let now = 0;
    const b = createTokenBucket(3, () => now);
    expect([b.take(), b.take(), b.take()].every((t) => t.ok)).toBe(true);
    expect(b.take()).toEqual({ ok: false, retryAfterSeconds: 20 });
    now = 19_000;
    expect(b.take()).toEqual({ ok: false, retryAfterSeconds: 1 });
    now = 20_000;
    expect(b.take().ok).toBe(true);
    expect(b.take().ok).toBe(false);
  });

  it('refills continuously but never beyond its capacity', () => {
    let now = 0;
    const b = createTokenBucket(60, () => now);
    for (let i = 0; i < 60; i++) expect(b.take().ok).toBe(true);
    expect(b.take().ok).toBe(false);
    now = 10 * 60_000;
    let n = 0;
    while (b.take().ok) n++;
    expect(n).toBe(60);
  });

  it('refuses a non-positive rate', () => {
    expect(() => createTokenBucket(0)).toThrow(/positive/);
  });
});
