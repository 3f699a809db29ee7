// Webhook delivery of an alert: a JSON POST, retried with exponential backoff, bounded in attempts and in
// total time, and never throwing: the outcome is returned for the alert log.

import { redactUrl, redactUrlsIn } from '../../shared/redact';
import { fetchTarget } from '../data/download';

/** How hard a delivery tries. */
export interface WebhookPolicy {
  /** Most attempts, the first included (default 4). */
  attempts: number;
  /** Wait before the second attempt; doubled before each next one (default 250 ms). */
  baseDelayMs: number;
  /** One attempt's time limit (default 3 s). */
  timeoutMs: number;
  /** The whole delivery's time limit, waits included (default 10 s): no attempt starts or runs past it. */
  totalMs: number;
}

export const DEFAULT_WEBHOOK_POLICY: WebhookPolicy = {
  attempts: 4,
  baseDelayMs: 250,
  timeoutMs: 3_000,
  totalMs: 10_000,
};

/** What a delivery needs from the world, injectable so tests run without real time. */
export interface WebhookDeps {
  fetch: (url: string, init: RequestInit) => Promise<{ ok: boolean; status: number }>;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  /** Calls `fn` after `ms` unless the returned function is called first. */
  timer: (ms: number, fn: () => void) => () => void;
}

export const realWebhookDeps: WebhookDeps = {
  fetch: (url, init) => fetch(url, init),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  now: () => Date.now(),
  timer: (ms, fn) => {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

export interface WebhookOutcome {
  ok: boolean;
  attempts: number;
  error?: string;
}

/** The wait before attempt `n` (2, 3…): base × 2^(n−2). */
export const backoffMs = (policy: WebhookPolicy, attempt: number) =>
  policy.baseDelayMs * 2 ** (attempt - 2);

/**
 * POSTs `body` as JSON to `url` until a 2xx answer, at most `policy.attempts` times, waiting
 * exponentially longer between attempts, and giving up when the next wait or attempt would pass
 * `policy.totalMs`. Resolves with the outcome; never rejects.
 */
export async function postWebhook(
  url: string,
  body: unknown,
  policy: WebhookPolicy = DEFAULT_WEBHOOK_POLICY,
  deps: WebhookDeps = realWebhookDeps,
): Promise<WebhookOutcome> {
  const started = deps.now();
  const left = () => policy.totalMs - (deps.now() - started);
  const payload = JSON.stringify(body);
  // The rule keeps the full URL (delivery needs it); the outcome, logged and shown, names it redacted.
  const shown = redactUrl(url);
  const target = fetchTarget(url);
  let error = 'not attempted';
  let attempts = 0;
  while (attempts < policy.attempts) {
    if (attempts > 0) {
      const wait = backoffMs(policy, attempts + 1);
      if (wait >= left()) break;
      await deps.sleep(wait);
    }
    const budget = Math.min(policy.timeoutMs, left());
    if (budget <= 0) break;
    attempts++;
    const controller = new AbortController();
    let cancel = () => undefined as void;
    const timeout = new Promise<never>((_, reject) => {
      cancel = deps.timer(budget, () => {
        controller.abort();
        reject(new Error(`no answer within ${budget} ms`));
      });
    });
    try {
      const res = await Promise.race([
        deps.fetch(target.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'lathe-alerts',
            ...target.headers,
          },
          body: payload,
          signal: controller.signal,
        }),
        timeout,
      ]);
      if (res.ok) return { ok: true, attempts };
      error = `HTTP ${res.status}`;
    } catch (err) {
      error = redactUrlsIn(err instanceof Error ? err.message : String(err));
    } finally {
      cancel();
    }
  }
  return { ok: false, attempts, error: `${shown}: ${error} after ${attempts} attempt(s)` };
}
