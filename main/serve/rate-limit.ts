// A token bucket per key: `ratePerMinute` tokens refill continuously, up to a burst of the same size.

export interface TokenBucket {
  /** Takes one token: ok, or the seconds until one is available (for Retry-After). */
  take(now?: number): { ok: true } | { ok: false; retryAfterSeconds: number };
}

export function createTokenBucket(
  ratePerMinute: number,
  clock: () => number = Date.now,
): TokenBucket {
  if (!(ratePerMinute > 0)) throw new Error(`rate must be positive, got ${ratePerMinute}`);
  const capacity = Math.max(1, ratePerMinute);
  const perMs = ratePerMinute / 60_000;
  let tokens = capacity;
  let last = clock();
  return {
    take(now = clock()) {
      tokens = Math.min(capacity, tokens + (now - last) * perMs);
      last = now;
      if (tokens >= 1) {
        tokens -= 1;
        return { ok: true };
      }
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)) };
    },
  };
}
