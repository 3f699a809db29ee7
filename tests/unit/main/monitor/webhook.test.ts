import { describe, expect, it } from 'vitest';
import { backoffMs, postWebhook, type WebhookDeps } from '../../../../main/monitor/webhook';

/** A fake world: a clock that only sleeps move, and a fetch answering from a script. */
function world(answers: (attempt: number) => Promise<{ ok: boolean; status: number }>) {
  let t = 0;
  const sleeps: number[] = [];
  const bodies: string[] = [];
  const timers: (() => void)[] = [];
  const deps: WebhookDeps = {
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
    fetch: (_url, init) => {
      bodies.push(init.body as string);
      return answers(bodies.length);
    },
    // Timeouts fire when the test says so (a never-answering receiver), never on their own.
    timer: (ms, fn) => {
      timers.push(() => {
        t += ms;
        fn();
      });
      return () => undefined;
    },
  };
  return { deps, sleeps, bodies, fireTimeouts: () => timers.splice(0).forEach((f) => f()) };
}

const policy = { attempts: 4, baseDelayMs: 100, timeoutMs: 1000, totalMs: 10_000 };

describe('postWebhook', () => {
  it('retries with exponential backoff until a 2xx', async () => {
    const w = world(async (n) => ({ ok: n === 3, status: n === 3 ? 200 : 503 }));
    const out = await postWebhook('http://hook', { rule: 'r' }, policy, w.deps);
    expect(out).toEqual({ ok: true, attempts: 3 });
    expect(w.sleeps).toEqual([100, 200]);
    expect(w.bodies.every((b) => (JSON.parse(b) as { rule: string }).rule === 'r')).toBe(true);
    expect([2, 3, 4].map((n) => backoffMs(policy, n))).toEqual([100, 200, 400]);
  });

  it('gives up after the last attempt with the last error, without throwing', async () => {
    const w = world(() => Promise.reject(new Error('ECONNREFUSED')));
    const out = await postWebhook('http://hook', {}, policy, w.deps);
    expect(out.ok).toBe(false);
    expect(out.attempts).toBe(4);
    expect(out.error).toMatch(/http:\/\/hook: ECONNREFUSED after 4 attempt/);
    expect(w.sleeps).toEqual([100, 200, 400]);
  });

  it('stops when the next wait would pass the total time', async () => {
    const w = world(async () => ({ ok: false, status: 500 }));
    const out = await postWebhook('http://hook', {}, { ...policy, totalMs: 350 }, w.deps);
    // Attempt 1, wait 100, attempt 2, wait 200 (300 spent), attempt 3 with the 50 left; the next
    // wait of 400 would pass 350.
    expect(out).toMatchObject({ ok: false, attempts: 3 });
    expect(out.error).toMatch(/HTTP 500/);
    expect(w.sleeps).toEqual([100, 200]);
  });

  it('a receiver that never answers: each attempt ends at its time limit, the whole delivery at its own', async () => {
    const w = world(() => new Promise(() => undefined));
    const done = postWebhook('http://hook', {}, { ...policy, totalMs: 2_500 }, w.deps);
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setImmediate(r));
      w.fireTimeouts();
    }
    const out = await done;
    expect(out.ok).toBe(false);
    expect(out.error).toMatch(/no answer within/);
    // 1000 + 100 + 1000 + 200 = 2300 spent: the third attempt gets the 200 left, nothing runs past 2500.
    expect(out.attempts).toBe(3);
    expect(w.deps.now()).toBe(2_500);
  });
});
