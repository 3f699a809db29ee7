// A call that never reached the workspace owner (its host closing) is retryable: the CLI waits and owns
// the workspace. A reset while connecting is such a call, like a refused one; five imports at once met it
// in CI and one failed with NETWORK ('it may have been done') instead of waiting its turn.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRemoteApi } from '../../../../main/api/remote-api';

function failingFetch(cause: Partial<NodeJS.ErrnoException>) {
  vi.stubGlobal('fetch', () =>
    Promise.reject(Object.assign(new TypeError('fetch failed'), { cause })),
  );
}

afterEach(() => vi.unstubAllGlobals());

describe('remote api: a call the owner never received', () => {
  it.each([
    ['refused', { code: 'ECONNREFUSED', syscall: 'connect', message: 'connect ECONNREFUSED' }],
    [
      'reset while connecting',
      { code: 'ECONNRESET', syscall: 'connect', message: 'connect ECONNRESET' },
    ],
  ])('%s: not delivered, so it may be sent again', async (_name, cause) => {
    failingFetch(cause);
    const api = createRemoteApi('http://127.0.0.1:9');
    await expect(api.invoke('projects:list', {})).rejects.toMatchObject({
      code: 'WORKSPACE_LOCKED',
      details: { notDelivered: true, answered: 0 },
    });
    api.close();
  });

  it('a reset after the request went out may have been done: NETWORK, never sent again', async () => {
    failingFetch({ code: 'ECONNRESET', syscall: 'read', message: 'read ECONNRESET' });
    const api = createRemoteApi('http://127.0.0.1:9');
    await expect(api.invoke('projects:list', {})).rejects.toMatchObject({ code: 'NETWORK' });
    api.close();
  });
});
