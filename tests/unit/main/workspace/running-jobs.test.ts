// The jobs a service runs under a key, each aborted by cancel(key) while it runs.
import { describe, expect, it } from 'vitest';
import { runningJobs } from '../../../../main/workspace/running-jobs';

/** A job that waits until `end` is called, recording its signal. */
function held() {
  let end!: () => void;
  const ended = new Promise<void>((resolve) => (end = resolve));
  const seen: { signal?: AbortSignal } = {};
  const work = async (signal: AbortSignal) => {
    seen.signal = signal;
    await ended;
    return signal.aborted;
  };
  return { end, seen, work };
}

describe('runningJobs', () => {
  it('knows a job from the call on, aborts every job of a key, and forgets them once settled', async () => {
    const jobs = runningJobs();
    const [a, b, c] = [held(), held(), held()];
    const ra = jobs.run('x', a.work);
    const rb = jobs.run('x', b.work);
    const rc = jobs.run('y', c.work);
    expect(jobs.has('x')).toBe(true);
    expect(jobs.cancel('x')).toBe(true);
    expect(a.seen.signal!.aborted && b.seen.signal!.aborted).toBe(true);
    expect(c.seen.signal!.aborted).toBe(false);
    a.end();
    b.end();
    c.end();
    expect(await Promise.all([ra, rb, rc])).toEqual([true, true, false]);
    expect(jobs.has('x')).toBe(false);
    expect(jobs.cancel('x')).toBe(false);
    expect(jobs.cancel('y')).toBe(false);
  });

  it('forgets a job that failed', async () => {
    const jobs = runningJobs();
    await expect(jobs.run('x', () => Promise.reject(new Error('broken')))).rejects.toThrow(
      'broken',
    );
    expect(jobs.has('x')).toBe(false);
    expect(jobs.cancel('x')).toBe(false);
  });
});
