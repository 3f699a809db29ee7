// A webhook URL may carry credentials (https://user:pass@host/…, ?token=…): delivery uses them, the
// outcome that is logged and shown never names them.
import { describe, expect, it } from 'vitest';
import { postWebhook, type WebhookDeps } from '../../../../main/monitor/webhook';

const URL_WITH_SECRETS = 'https://hookuser:H00kPass@hooks.example/alert?token=T0KEN&team=ml';
const SECRETS = ['H00kPass', 'T0KEN'];
const policy = { attempts: 2, baseDelayMs: 1, timeoutMs: 1000, totalMs: 10_000 };

function deps(answer: (url: string) => Promise<{ ok: boolean; status: number }>) {
  const calls: { url: string; headers: Record<string, string> }[] = [];
  const d: WebhookDeps = {
    fetch: (url, init) => {
      calls.push({ url, headers: init.headers as Record<string, string> });
      return answer(url);
    },
    sleep: () => Promise.resolve(),
    now: () => 0,
    timer: () => () => undefined,
  };
  return { d, calls };
}

describe('postWebhook with credentials in the URL', () => {
  it('sends the user and password as Basic authorization, not in the URL (fetch refuses those)', async () => {
    const { d, calls } = deps(() => Promise.resolve({ ok: true, status: 200 }));
    expect(await postWebhook(URL_WITH_SECRETS, { a: 1 }, policy, d)).toEqual({
      ok: true,
      attempts: 1,
    });
    expect(calls[0]!.url).toBe('https://hooks.example/alert?token=T0KEN&team=ml');
    expect(calls[0]!.headers.Authorization).toBe(
      `Basic ${Buffer.from('hookuser:H00kPass').toString('base64')}`,
    );
  });

  it('names the URL redacted in a failed outcome, even when the error quotes it', async () => {
    for (const answer of [
      () => Promise.resolve({ ok: false, status: 500 }),
      (url: string) =>
        Promise.reject(new TypeError(`fetch failed for ${url} (${URL_WITH_SECRETS})`)),
    ]) {
      const { d } = deps(answer);
      const out = await postWebhook(URL_WITH_SECRETS, {}, policy, d);
      expect(out.ok).toBe(false);
      expect(out.error).toContain('https://hookuser:***@hooks.example/alert?token=***&team=ml');
      for (const s of SECRETS) expect(out.error).not.toContain(s);
    }
  });
});
