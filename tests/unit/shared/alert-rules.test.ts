import { describe, expect, it } from 'vitest';
import { AlertRule } from '../../../shared/config/alert-rules';

const rule = { name: 'r', model: 'm', signal: 'volume', below: 1 };
const problem = (extra: object) => {
  const r = AlertRule.safeParse({ ...rule, ...extra });
  return r.success
    ? null
    : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
};

describe('alert rule schema', () => {
  it('takes an http(s) webhook and refuses another scheme, as its message says', () => {
    expect(problem({ webhook: 'https://hooks.example/x' })).toBeNull();
    expect(problem({ webhook: 'file:///etc/passwd' })).toMatch(
      /webhook: expected an http\(s\) URL/,
    );
    expect(problem({ webhook: 'ftp://example/x' })).toMatch(/webhook/);
  });

  it('refuses an empty window (nothing to measure) but allows no cooldown', () => {
    expect(problem({ window: '0m' })).toMatch(/window: a window must be longer than 0/);
    expect(problem({ window: '30m', cooldown: '0m' })).toBeNull();
  });

  it('names a window that is not a duration instead of throwing', () => {
    expect(problem({ window: '2 days' })).toMatch(/^window: expected a duration like 30m/);
  });
});
