import { describe, expect, it, vi } from 'vitest';
import type { InvokeResponse } from '../../../../shared/contract';
import { EVENT_CHANNEL, createBridge, type RendererIpc } from '../../../../main/electron/bridge';

type Listener = (event: unknown, frame: unknown) => void;

function fakeIpc(respond: (channel: string, input: unknown) => InvokeResponse<unknown>) {
  const listeners = new Map<string, Set<Listener>>();
  const ipc = {
    invoke: vi.fn((channel: string, input: unknown) => Promise.resolve(respond(channel, input))),
    on: vi.fn((channel: string, listener: Listener) => {
      const set = listeners.get(channel) ?? new Set();
      set.add(listener);
      listeners.set(channel, set);
    }),
    removeListener: vi.fn((channel: string, listener: Listener) => {
      listeners.get(channel)?.delete(listener);
    }),
  } satisfies RendererIpc;
  const emit = (frame: unknown) => {
    for (const listener of listeners.get(EVENT_CHANNEL) ?? []) listener({ sender: 'ipc' }, frame);
  };
  const listenerCount = () => listeners.get(EVENT_CHANNEL)?.size ?? 0;
  return { ipc, emit, listenerCount };
}

const noFile = () => '';

describe('createBridge invoke', () => {
  it('sends one argument to the channel and unwraps the result', async () => {
    const { ipc } = fakeIpc(() => ({ ok: true, result: [{ name: 'Default' }] }));
    const bridge = createBridge(ipc, noFile);
    await expect(bridge.invoke('projects:list', {})).resolves.toEqual([{ name: 'Default' }]);
    expect(ipc.invoke).toHaveBeenCalledWith('projects:list', {});
  });

  it('throws an error with the contract code and message when the call fails', async () => {
    const { ipc } = fakeIpc(() => ({
      ok: false,
      error: {
        code: 'FILE_NOT_FOUND',
        message: '/tmp/x.csv: no such file',
        details: { path: '/tmp/x.csv' },
      },
    }));
    const bridge = createBridge(ipc, noFile);
    const err = await bridge
      .invoke('data:import', { path: '/tmp/x.csv', name: 'x' })
      .catch((e: unknown) => e);
    // A plain object survives contextBridge with its code; an Error would arrive with its message only.
    expect(Object.getPrototypeOf(err)).toBe(Object.prototype);
    expect(err).toMatchObject({
      code: 'FILE_NOT_FOUND',
      message: '/tmp/x.csv: no such file',
      details: { path: '/tmp/x.csv' },
    });
  });

  it('refuses channels outside the contract without touching IPC', async () => {
    const { ipc } = fakeIpc(() => ({ ok: true, result: null }));
    const bridge = createBridge(ipc, noFile);
    const call = bridge.invoke.bind(bridge) as (
      channel: string,
      input: unknown,
    ) => Promise<unknown>;
    await expect(call('fs:readFile', { path: '/etc/passwd' })).rejects.toMatchObject({
      code: 'UNKNOWN_CHANNEL',
    });
    await expect(call('__proto__', {})).rejects.toMatchObject({ code: 'UNKNOWN_CHANNEL' });
    expect(ipc.invoke).not.toHaveBeenCalled();
  });

  it('reports a malformed reply from main instead of returning it', async () => {
    const ipc: RendererIpc = {
      invoke: () => Promise.resolve('oops'),
      on: () => undefined,
      removeListener: () => undefined,
    };
    await expect(createBridge(ipc, noFile).invoke('app:info', {})).rejects.toMatchObject({
      code: 'INTERNAL',
    });
  });
});

describe('createBridge on', () => {
  const progress = { op: 'import', name: 'd', fraction: 0.5, message: 'half' };

  it('delivers only the subscribed event, without the IPC event object', () => {
    const { ipc, emit } = fakeIpc(() => ({ ok: true, result: null }));
    const bridge = createBridge(ipc, noFile);
    const seen: unknown[] = [];
    bridge.on('data:progress', (payload) => seen.push(payload));
    emit({ event: 'data:progress', payload: progress });
    emit({ event: 'run:status', payload: { runId: 'r1' } });
    expect(seen).toEqual([progress]);
  });

  it('ignores frames that are not contract events', () => {
    const { ipc, emit } = fakeIpc(() => ({ ok: true, result: null }));
    const bridge = createBridge(ipc, noFile);
    const listener = vi.fn();
    bridge.on('data:progress', listener);
    emit({ event: 'evil:event', payload: 1 });
    emit('data:progress');
    emit(null);
    expect(listener).not.toHaveBeenCalled();
  });

  it('unsubscribes, and detaches from IPC when nobody listens', () => {
    const { ipc, emit, listenerCount } = fakeIpc(() => ({ ok: true, result: null }));
    const bridge = createBridge(ipc, noFile);
    const a = vi.fn();
    const b = vi.fn();
    const offA = bridge.on('data:progress', a);
    const offB = bridge.on('train:progress', b);
    expect(listenerCount()).toBe(1);
    offA();
    offA();
    emit({ event: 'data:progress', payload: progress });
    expect(a).not.toHaveBeenCalled();
    expect(listenerCount()).toBe(1);
    offB();
    expect(listenerCount()).toBe(0);
  });

  it('keeps delivering to other listeners when one throws', () => {
    const { ipc, emit } = fakeIpc(() => ({ ok: true, result: null }));
    const bridge = createBridge(ipc, noFile);
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const after = vi.fn();
    bridge.on('data:progress', () => {
      throw new Error('boom');
    });
    bridge.on('data:progress', after);
    emit({ event: 'data:progress', payload: progress });
    expect(after).toHaveBeenCalledWith(progress);
    error.mockRestore();
  });

  it('refuses unknown events', () => {
    const { ipc } = fakeIpc(() => ({ ok: true, result: null }));
    const bridge = createBridge(ipc, noFile);
    const on = bridge.on.bind(bridge) as (event: string, listener: () => void) => () => void;
    expect(() => on('lathe:anything', () => undefined)).toThrow(/unknown event/);
    expect(ipc.on).not.toHaveBeenCalled();
  });
});

describe('createBridge surface', () => {
  it('exposes exactly kind, invoke, on and pathForFile', () => {
    const { ipc } = fakeIpc(() => ({ ok: true, result: null }));
    const bridge = createBridge(ipc, () => '/home/ada/data.csv');
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'kind', 'on', 'pathForFile']);
    expect(bridge.kind).toBe('electron');
    expect(bridge.pathForFile(new File(['a'], 'data.csv'))).toBe('/home/ada/data.csv');
  });
});
