import type { BrowserWindow } from 'electron';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { channelNames, type EventFrame } from '../../../../shared/contract';
import { createEventBus } from '../../../../main/api/event-bus';
import type { Dispatch } from '../../../../main/api/dispatch';

type Handler = (event: { senderFrame: { url: string } | null }, input: unknown) => Promise<unknown>;

// ipc.ts imports 'electron', which outside Electron is only a path string (and a download attempt):
// swap in a recording ipcMain.
const fake = vi.hoisted(() => ({ handlers: new Map<string, Handler>() }));
vi.mock('electron', () => ({
  ipcMain: {
    handle: (name: string, handler: Handler) => {
      if (fake.handlers.has(name)) throw new Error(`second handler for ${name}`);
      fake.handlers.set(name, handler);
    },
    removeHandler: (name: string) => fake.handlers.delete(name),
  },
}));

const { registerIpc } = await import('../../../../main/electron/ipc');

const RENDERER = 'file:///app/out/renderer/index.html';
const trusted = (url: string) => url.startsWith(RENDERER);

function fakeWindow() {
  const sent: [string, EventFrame][] = [];
  const win = {
    isDestroyed: () => false,
    webContents: {
      isDestroyed: () => false,
      send: (channel: string, frame: EventFrame) => sent.push([channel, frame]),
    },
  };
  return { win, sent };
}

function setup(windows: unknown[] = []) {
  const dispatch = vi.fn<Dispatch>((channel) =>
    Promise.resolve({ ok: true as const, result: { channel } }),
  );
  const bus = createEventBus();
  const unregister = registerIpc({ dispatch, bus }, () => windows as BrowserWindow[], {
    isTrustedSender: trusted,
  });
  return { dispatch, bus, unregister };
}

function call(channel: string, input: unknown, url: string | null = `${RENDERER}#/data`) {
  const handler = fake.handlers.get(channel);
  if (!handler) throw new Error(`no handler for ${channel}`);
  return handler({ senderFrame: url === null ? null : { url } }, input);
}

afterEach(() => {
  fake.handlers.clear();
  vi.restoreAllMocks();
});

describe('registerIpc', () => {
  it('registers exactly the contract channels', () => {
    setup();
    expect([...fake.handlers.keys()].sort()).toEqual([...channelNames].sort());
  });

  it('passes the one input argument to the dispatcher and returns its response', async () => {
    const { dispatch } = setup();
    const input = { path: '/data/a.csv', name: 'a' };
    await expect(call('data:import', input)).resolves.toEqual({
      ok: true,
      result: { channel: 'data:import' },
    });
    expect(dispatch).toHaveBeenCalledWith('data:import', input);
  });

  it('refuses calls from other frames without dispatching', async () => {
    const { dispatch } = setup();
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    for (const url of ['https://evil.example/', 'file:///tmp/other.html', null]) {
      await expect(call('projects:list', {}, url)).resolves.toMatchObject({
        ok: false,
        error: { message: expect.stringContaining('Lathe window') as unknown },
      });
    }
    expect(dispatch).not.toHaveBeenCalled();
  });

  it('forwards every bus event to every live window', () => {
    const a = fakeWindow();
    const b = fakeWindow();
    const gone = {
      isDestroyed: () => true,
      webContents: { isDestroyed: () => true, send: vi.fn() },
    };
    const { bus } = setup([a.win, gone, b.win]);
    const payload = { op: 'import', name: 'd', fraction: 1, message: 'done' };
    bus.emit('data:progress', payload);
    const frame = ['lathe:event', { event: 'data:progress', payload }];
    expect(a.sent).toEqual([frame]);
    expect(b.sent).toEqual([frame]);
    expect(gone.webContents.send).not.toHaveBeenCalled();
  });

  it('removes the handlers and stops forwarding when unregistered', () => {
    const a = fakeWindow();
    const { bus, unregister } = setup([a.win]);
    unregister();
    expect(fake.handlers.size).toBe(0);
    bus.emit('data:progress', { op: 'import', name: 'd', fraction: 1, message: 'done' });
    expect(a.sent).toEqual([]);
  });
});
