// The app's opening of its workspace, main.ts started against a fake Electron: a CLI command holding the
// workspace makes the app wait (a message box naming the process, with Quit) and open once it ends; Quit
// stops the wait and opens nothing; an app or `lathe ui` holding it is refused at once.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { waitingNotice } from '../../../../main/electron/launch';

const fake = vi.hoisted(() => {
  /** Resolvers waiting for the next call of a fake, by name. */
  const waiters = new Map<string, ((value: unknown) => void)[]>();
  const state = {
    windows: 0,
    errorBoxes: [] as string[][],
    boxes: [] as {
      options: { message: string; detail: string; buttons: string[]; signal: AbortSignal };
      answer(response: number): void;
    }[],
    quits: 0,
    exits: [] as number[],
    opened: 0,
    /** What the app opened its services with, besides the folder. */
    credentialStores: [] as unknown[],
  };
  const happened = (name: string, value?: unknown) => {
    for (const resolve of waiters.get(name) ?? []) resolve(value);
    waiters.delete(name);
  };
  /** Resolves at the next call of `name`. */
  const next = (name: string) =>
    new Promise<unknown>((resolve) => waiters.set(name, [...(waiters.get(name) ?? []), resolve]));
  return { state, happened, next };
});

vi.mock('electron', () => {
  class BrowserWindow {
    static getAllWindows = () => [];
    webContents = { executeJavaScript: () => Promise.resolve() };
    constructor() {
      fake.state.windows++;
      fake.happened('window');
    }
    once() {}
    on() {}
    loadFile = () => Promise.resolve();
    isMinimized = () => false;
    isDestroyed = () => false;
  }
  return {
    BrowserWindow,
    Menu: { setApplicationMenu: () => undefined, buildFromTemplate: () => ({}) },
    Notification: { isSupported: () => false },
    safeStorage: {
      isEncryptionAvailable: () => false,
      encryptString: () => Buffer.alloc(0),
      decryptString: () => '',
    },
    app: {
      requestSingleInstanceLock: () => true,
      on: () => undefined,
      whenReady: () => Promise.resolve(),
      getPath: () => '/nonexistent-home',
      setPath: () => undefined,
      getVersion: () => '0.0.0',
      quit: () => {
        fake.state.quits++;
        fake.happened('quit');
      },
      exit: (code: number) => {
        fake.state.exits.push(code);
        fake.happened('exit');
      },
    },
    dialog: {
      showErrorBox: (title: string, message: string) => {
        fake.state.errorBoxes.push([title, message]);
        fake.happened('errorBox');
      },
      showMessageBox: (options: {
        message: string;
        detail: string;
        buttons: string[];
        signal: AbortSignal;
      }) =>
        new Promise<{ response: number }>((resolve) => {
          // As Electron does: aborting the signal closes the box as if cancelled.
          options.signal.addEventListener('abort', () => resolve({ response: 0 }));
          fake.state.boxes.push({ options, answer: (response) => resolve({ response }) });
          fake.happened('box');
        }),
    },
    shell: { openExternal: () => Promise.resolve(), openPath: () => Promise.resolve('') },
    ipcMain: { handle: () => undefined, removeHandler: () => undefined },
    session: {
      defaultSession: {
        webRequest: { onHeadersReceived: () => undefined },
        setPermissionRequestHandler: () => undefined,
        setPermissionCheckHandler: () => undefined,
      },
    },
  };
});

// The workspace's lock is real (a file naming a live process); opening it is faked: refused with
// WORKSPACE_LOCKED while that process lives, as the workspace does.
vi.mock('../../../../main/services', () => ({
  // Imported at each call: after vi.resetModules, the error class must be the one main.ts sees.
  createServices: async ({
    workspaceDir,
    mlflowCredentials,
  }: {
    workspaceDir: string;
    mlflowCredentials?: unknown;
  }) => {
    const { LatheError } = await import('../../../../shared/contract');
    const { workspaceOwner } = await import('../../../../main/api/workspace');
    const owner = workspaceOwner(workspaceDir);
    if (owner)
      throw new LatheError(
        'WORKSPACE_LOCKED',
        `workspace ${workspaceDir} is in use by process ${owner.pid}`,
        { pid: owner.pid },
      );
    fake.state.opened++;
    fake.state.credentialStores.push(mlflowCredentials);
    return {
      workspaceDir,
      bus: { subscribe: () => () => undefined },
      dispatch: () => Promise.resolve({ ok: true, result: null }),
      advertiseHost: () => undefined,
      startMonitoring: () => undefined,
      warmViews: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
  },
}));

vi.mock('../../../../main/host/server', () => ({
  startHost: () =>
    Promise.resolve({ url: 'http://127.0.0.1:1', port: 1, close: () => Promise.resolve() }),
}));

const dir = mkdtempSync(join(tmpdir(), 'lathe-app-wait-'));
const children: ChildProcess[] = [];
const saved = { home: process.env.LATHE_HOME, wait: process.env.LATHE_LOCK_WAIT_MS };

/** A live process to name in the lock (a CLI command holding the workspace). */
function holder(): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  children.push(child);
  return child;
}

function writeLock(pid: number, extra: Record<string, string> = {}): void {
  writeFileSync(
    join(dir, 'lathe.lock'),
    JSON.stringify({ pid, hostname: hostname(), startedAt: new Date().toISOString(), ...extra }),
  );
}

async function kill(child: ChildProcess): Promise<void> {
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await gone;
}

beforeEach(() => {
  vi.resetModules();
  process.env.LATHE_HOME = dir;
  delete process.env.LATHE_LOCK_WAIT_MS;
  Object.assign(fake.state, {
    windows: 0,
    errorBoxes: [],
    boxes: [],
    quits: 0,
    exits: [],
    opened: 0,
  });
});
afterEach(() => {
  rmSync(join(dir, 'lathe.lock'), { force: true });
});
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  if (saved.home === undefined) delete process.env.LATHE_HOME;
  else process.env.LATHE_HOME = saved.home;
  if (saved.wait !== undefined) process.env.LATHE_LOCK_WAIT_MS = saved.wait;
  rmSync(dir, { recursive: true, force: true });
});

describe('the app opening a workspace a CLI command holds', () => {
  it('waits, naming the process in a message box, and opens once it ends (the box closes)', async () => {
    const training = holder();
    // A long command runs a host for other commands; the lock names it: it will finish.
    writeLock(training.pid!, { hostUrl: 'http://127.0.0.1:9/', command: 'lathe train' });
    const box = fake.next('box');
    await import('../../../../main/electron/main');
    await box;
    const shown = fake.state.boxes[0]!.options;
    expect(shown.message).toContain(`process ${training.pid} (lathe train)`);
    expect(shown.detail).toContain(dir);
    expect(shown.buttons).toEqual(['Quit']);
    expect(fake.state.windows).toBe(0);
    expect(fake.state.errorBoxes).toEqual([]);

    const window = fake.next('window');
    await kill(training);
    await window;
    expect(fake.state.opened).toBe(1);
    // The push dialog's kept credentials: the safeStorage store, in the app only.
    const store = fake.state.credentialStores[0] as Record<string, unknown>;
    for (const method of ['get', 'set', 'list', 'remove'])
      expect(typeof store[method]).toBe('function');
    expect(shown.signal.aborted).toBe(true);
    expect(fake.state.errorBoxes).toEqual([]);
    expect(fake.state.exits).toEqual([]);
    expect(fake.state.quits).toBe(0);
  });

  it('Quit in the box stops the wait: nothing opened, no window, no error', async () => {
    const training = holder();
    writeLock(training.pid!);
    const box = fake.next('box');
    await import('../../../../main/electron/main');
    await box;
    expect(fake.state.boxes[0]!.options.message).toContain(`process ${training.pid}.`);
    const quit = fake.next('quit');
    fake.state.boxes[0]!.answer(0);
    await quit;
    expect(fake.state.opened).toBe(0);
    expect(fake.state.windows).toBe(0);
    expect(fake.state.errorBoxes).toEqual([]);
    await kill(training);
  });

  it('another app or `lathe ui` holding it (a host, no command): refused at once, naming it', async () => {
    const app = holder();
    writeLock(app.pid!, { hostUrl: 'http://127.0.0.1:9/' });
    const error = fake.next('errorBox');
    await import('../../../../main/electron/main');
    await error;
    expect(fake.state.boxes).toEqual([]);
    const [title, message] = fake.state.errorBoxes[0]!;
    expect(title).toBe('Lathe: workspace in use');
    expect(message).toContain(`in use by process ${app.pid}`);
    expect(message).toContain('the app needs to own the workspace');
    expect(fake.state.windows).toBe(0);
    await kill(app);
  });
});

describe('waitingNotice', () => {
  it('names the process and the command, and how to stop waiting', () => {
    expect(waitingNotice('/w', { pid: 42, command: 'lathe predict' })).toEqual({
      title: 'Lathe: waiting for the workspace',
      message:
        'The workspace is in use by process 42 (lathe predict). Lathe opens it as soon as that finishes.',
      detail: '/w\n\nQuit to stop waiting.',
    });
    expect(waitingNotice('/w', { pid: 7 }).message).toContain('process 7. ');
  });
});
