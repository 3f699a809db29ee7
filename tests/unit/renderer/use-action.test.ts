import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../renderer/api/errors';
import { perform, toError, unlessStopped, type ActionSink } from '../../../renderer/lib/use-action';

/** A sink that records what an action reports, as the hook's state would hold it. */
function recorder(alive = () => true) {
  const seen: { doing: string | null; error: Error | null; log: string[] } = {
    doing: null,
    error: new Error('left from before'),
    log: [],
  };
  const sink: ActionSink<string> = {
    alive,
    running: (as) => {
      seen.doing = as;
      seen.log.push(`running:${as}`);
    },
    failed: (error) => {
      seen.error = error;
      seen.log.push(`failed:${error?.message ?? 'none'}`);
    },
  };
  return { seen, sink };
}

describe('perform (useAction)', () => {
  it('marks the action running, clears the last error, hands the result over, then goes idle', async () => {
    const { seen, sink } = recorder();
    const results: number[] = [];
    let during: string | null = null;
    const ok = await perform(
      () => {
        during = seen.doing;
        return Promise.resolve(42);
      },
      sink,
      { as: 'save', done: (v) => results.push(v) },
    );
    expect(ok).toBe(true);
    expect(during).toBe('save');
    expect(results).toEqual([42]);
    expect(seen.doing).toBeNull();
    expect(seen.error).toBeNull();
  });

  it('shows the thrown error (an ApiError keeps its code) and goes idle', async () => {
    const { seen, sink } = recorder();
    const ok = await perform(() => Promise.reject(new ApiError('NOT_FOUND', 'no run r1')), sink, {
      as: 'run',
    });
    expect(ok).toBe(false);
    expect(seen.doing).toBeNull();
    expect(seen.error).toBeInstanceOf(ApiError);
    expect(seen.error?.message).toBe('no run r1');
  });

  it('turns a thrown non-Error into an Error with the message views show', () => {
    expect(toError('disk full').message).toBe('disk full');
    const err = new Error('kept');
    expect(toError(err)).toBe(err);
  });

  it('shows what describe makes of the error, or nothing when it returns null', async () => {
    const prefixed = recorder();
    await perform(() => Promise.reject(new Error('locked')), prefixed.sink, {
      as: 'delete',
      describe: (err) => `Could not delete the run: ${(err as Error).message}`,
    });
    expect(prefixed.seen.error?.message).toBe('Could not delete the run: locked');

    const handled = recorder();
    await perform(() => Promise.reject(new Error('gate failed')), handled.sink, {
      as: 'run',
      describe: () => null,
    });
    expect(handled.seen.error).toBeNull();
    expect(handled.seen.doing).toBeNull();
  });

  it('reports a throw from done as the error', async () => {
    const { seen, sink } = recorder();
    const ok = await perform(() => Promise.resolve(1), sink, {
      as: 'run',
      done: () => {
        throw new Error('bad answer');
      },
    });
    expect(ok).toBe(false);
    expect(seen.error?.message).toBe('bad answer');
    expect(seen.doing).toBeNull();
  });

  it('with hold, stays running after a success (the form is leaving) but not after a failure', async () => {
    const held = recorder();
    await perform(() => Promise.resolve('r1'), held.sink, { as: 'run', hold: true });
    expect(held.seen.doing).toBe('run');

    const failed = recorder();
    await perform(() => Promise.reject(new Error('no')), failed.sink, { as: 'run', hold: true });
    expect(failed.seen.doing).toBeNull();
  });

  it('reports nothing once the component is gone', async () => {
    let alive = true;
    const { seen, sink } = recorder(() => alive);
    let finish: (v: string) => void = () => undefined;
    const done: string[] = [];
    const pending = perform(() => new Promise<string>((r) => (finish = r)), sink, {
      as: 'run',
      done: (v) => done.push(v),
    });
    const before = [...seen.log];
    alive = false;
    finish('late');
    expect(await pending).toBe(false);
    expect(done).toEqual([]);
    expect(seen.log).toEqual(before);

    const failing = recorder(() => false);
    await perform(() => Promise.reject(new Error('late')), failing.sink, { as: 'run' });
    expect(failing.seen.log).toEqual(['running:run', 'failed:none']);
  });
});

describe('unlessStopped (a job with Stop)', () => {
  it('shows no error for a stopped job and says it stopped; shows any other failure', () => {
    let stopped = 0;
    const shown = unlessStopped(() => stopped++);
    expect(shown(new ApiError('CANCELLED', 'the evaluation was cancelled'))).toBeNull();
    expect(stopped).toBe(1);
    const other = new ApiError('NOT_FOUND', 'no run');
    expect(shown(other)).toBe(other);
    expect(shown('plain text')?.message).toBe('plain text');
    expect(stopped).toBe(1);
  });
});
