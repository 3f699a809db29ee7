// A Ctrl-C may come before the host has started the job it cancels (the request that starts it still on
// its way): the cancel is asked again until it reaches the job, and no more once the job's call settles.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cancelUntilStopped } from '../../../../main/cli/runners';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A cancel that answers `answers` in turn (then true), counting its calls. */
function cancelAnswering(answers: boolean[]) {
  const asked = { count: 0 };
  const cancel = () => Promise.resolve({ cancelled: answers[asked.count++] ?? true });
  return { asked, cancel };
}

describe('cancelUntilStopped', () => {
  it('asks again every quarter of a second until the job is reached, then stops asking', async () => {
    const { asked, cancel } = cancelAnswering([false, false, true]);
    cancelUntilStopped(cancel, new Promise(() => undefined));
    await vi.advanceTimersByTimeAsync(0);
    expect(asked.count).toBe(1);
    await vi.advanceTimersByTimeAsync(249);
    expect(asked.count).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(asked.count).toBe(2);
    await vi.advanceTimersByTimeAsync(250);
    expect(asked.count).toBe(3);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(asked.count).toBe(3);
  });

  it('stops asking once the job has ended, whether it finished or failed', async () => {
    for (const outcome of ['finished', 'failed'] as const) {
      const { asked, cancel } = cancelAnswering([false, false, false, false]);
      let end!: () => void;
      const done = new Promise<void>((resolve, reject) => {
        end = outcome === 'finished' ? resolve : () => reject(new Error('CANCELLED'));
      });
      done.catch(() => undefined);
      cancelUntilStopped(cancel, done);
      await vi.advanceTimersByTimeAsync(0);
      expect(asked.count).toBe(1);
      end();
      await vi.advanceTimersByTimeAsync(5_000);
      expect(asked.count).toBe(1);
    }
  });

  it("gives up on a cancel the host refuses (its error is not the job's)", async () => {
    let count = 0;
    cancelUntilStopped(
      () => {
        count++;
        return Promise.reject(new Error('no such model'));
      },
      new Promise(() => undefined),
    );
    await vi.advanceTimersByTimeAsync(5_000);
    expect(count).toBe(1);
  });
});
