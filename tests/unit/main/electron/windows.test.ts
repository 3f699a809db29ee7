import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  CONTENT_SECURITY_POLICY,
  hardenedWebPreferences,
  lockDownContents,
} from '../../../../main/electron/security';

// Every window the app opens must be hardened. Two checks that fail when a new window is added without it:
// - a scan of main/electron/** for each way Electron makes a window or a web contents;
// - main.ts started against a recording fake of 'electron': every window it builds, every web contents it
//   is told about, the session's permission and CSP handlers.

const repo = resolve(import.meta.dirname, '../../../..');
const electronDir = join(repo, 'main', 'electron');

function sources(dir: string): { file: string; text: string }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    if (!/\.(c|m)?tsx?$/.test(entry.name)) return [];
    return [{ file: relative(repo, path), text: readFileSync(path, 'utf8') }];
  });
}

/** The text of the call's argument list that starts right after `open` (balanced brackets). */
function callArguments(text: string, open: number): string {
  let depth = 1;
  let i = open;
  while (i < text.length && depth > 0) {
    const c = text[i]!;
    if (c === '(' || c === '{' || c === '[') depth++;
    else if (c === ')' || c === '}' || c === ']') depth--;
    i++;
  }
  return text.slice(open, i - 1);
}

describe('every window in main/electron/** is built hardened (source scan)', () => {
  const files = sources(electronDir);

  it('builds windows only with hardenedWebPreferences', () => {
    const windows: string[] = [];
    for (const { file, text } of files) {
      for (const m of text.matchAll(/new\s+BrowserWindow\s*\(/g)) {
        const args = callArguments(text, m.index + m[0].length);
        windows.push(file);
        expect(args, `${file}: a BrowserWindow without hardened webPreferences`).toMatch(
          /webPreferences:\s*hardenedWebPreferences\(/,
        );
      }
    }
    // The one main window today: a scan that finds none would prove nothing.
    expect(windows).toEqual(['main/electron/main.ts']);
  });

  it('has no other kind of window, view or embedded page', () => {
    const forbidden = [
      /new\s+(BaseWindow|BrowserView|WebContentsView)\s*\(/,
      /webContents\.create\s*\(/,
      /<webview/i,
      /webviewTag:\s*true/,
      /nodeIntegration\w*:\s*true/,
      /contextIsolation:\s*false/,
      /sandbox:\s*false/,
      /webSecurity:\s*false/,
      /allowRunningInsecureContent:\s*true/,
    ];
    for (const { file, text } of files)
      for (const re of forbidden) expect(text, `${file} matches ${re}`).not.toMatch(re);
  });

  it('sets window-open handlers and permission handlers only through security.ts', () => {
    for (const { file, text } of files) {
      if (file.endsWith('security.ts')) continue;
      expect(text, file).not.toMatch(/\.setWindowOpenHandler\s*\(/);
      for (const m of text.matchAll(/\.setPermission(Request|Check)Handler\s*\(/g)) {
        const args = callArguments(text, m.index + m[0].length).trim();
        expect(args, `${file}: permission handler`).toMatch(/^denyPermission(Check)?$/);
      }
    }
  });
});

describe('hardenedWebPreferences', () => {
  it('isolates, sandboxes and keeps Node and insecure content out', () => {
    expect(hardenedWebPreferences('/p/preload.cjs')).toEqual({
      preload: '/p/preload.cjs',
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    });
  });
});

type Listener = (event: { preventDefault(): void; url: string }) => void;

function fakeContents() {
  const listeners = new Map<string, Listener[]>();
  let openHandler: ((d: { url: string }) => { action: string }) | null = null;
  return {
    listeners,
    open: (url: string) => openHandler?.({ url }),
    setWindowOpenHandler(handler: (d: { url: string }) => { action: 'deny' }) {
      openHandler = handler;
    },
    on(event: string, listener: Listener) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
      return this;
    },
    /** Emits `event` for `url`; true when a listener prevented it. */
    emit(event: string, url: string): boolean {
      let prevented = false;
      for (const l of listeners.get(event) ?? [])
        l({ url, preventDefault: () => void (prevented = true) });
      return prevented;
    },
  };
}

const RENDERER = 'file:///app/out/renderer/index.html';

describe('lockDownContents', () => {
  function locked() {
    const contents = fakeContents();
    const external: string[] = [];
    lockDownContents(contents, {
      isTrusted: (url) => url.startsWith(RENDERER),
      openExternal: (url) => external.push(url),
    });
    return { contents, external };
  }

  it('denies every window.open; only http(s) links go to the browser', () => {
    const { contents, external } = locked();
    for (const url of [
      'https://lathe.dev/docs',
      'javascript:alert(1)',
      'file:///etc/passwd',
      RENDERER,
      'data:text/html,<script>alert(1)</script>',
    ])
      expect(contents.open(url), url).toEqual({ action: 'deny' });
    expect(external).toEqual(['https://lathe.dev/docs']);
  });

  it('prevents navigating, redirecting or framing away from the renderer page, and any webview', () => {
    const { contents } = locked();
    for (const event of ['will-navigate', 'will-redirect', 'will-frame-navigate']) {
      expect(contents.emit(event, 'https://evil.example/'), event).toBe(true);
      expect(contents.emit(event, 'file:///etc/passwd'), event).toBe(true);
      expect(contents.emit(event, `${RENDERER}#/runs`), event).toBe(false);
    }
    expect(contents.emit('will-attach-webview', RENDERER)).toBe(true);
  });
});

// --- main.ts against a recording fake of Electron ---------------------------------------------------

const fake = vi.hoisted(() => {
  type Fn = (...args: never[]) => unknown;
  const appListeners = new Map<string, Fn[]>();
  const windows: { options: Record<string, unknown>; webContents: unknown }[] = [];
  const session = {
    permissionRequest: null as Fn | null,
    permissionCheck: null as Fn | null,
    headers: null as Fn | null,
  };
  let ready!: () => void;
  const started = new Promise<void>((r) => (ready = r));
  return { appListeners, windows, session, ready, started };
});

vi.mock('electron', () => {
  class BrowserWindow {
    static getAllWindows = () => fake.windows;
    webContents = { executeJavaScript: () => Promise.resolve() };
    constructor(public options: Record<string, unknown>) {
      fake.windows.push(this);
      fake.ready();
    }
    once() {}
    on() {}
    loadFile = () => Promise.resolve();
    isMinimized = () => false;
    isDestroyed = () => false;
  }
  const on = (name: string, fn: never) => {
    fake.appListeners.set(name, [...(fake.appListeners.get(name) ?? []), fn]);
  };
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
      on,
      whenReady: () => Promise.resolve(),
      getPath: () => '/nonexistent-home',
      setPath: () => undefined,
      getVersion: () => '0.0.0',
      quit: () => undefined,
      exit: () => undefined,
    },
    dialog: { showErrorBox: (t: string, m: string) => console.error(t, m) },
    shell: { openExternal: () => Promise.resolve(), openPath: () => Promise.resolve('') },
    ipcMain: { handle: () => undefined, removeHandler: () => undefined },
    session: {
      defaultSession: {
        webRequest: { onHeadersReceived: (fn: never) => void (fake.session.headers = fn) },
        setPermissionRequestHandler: (fn: never) => void (fake.session.permissionRequest = fn),
        setPermissionCheckHandler: (fn: never) => void (fake.session.permissionCheck = fn),
      },
    },
  };
});

vi.mock('../../../../main/services', () => ({
  createServices: () =>
    Promise.resolve({
      workspaceDir: '/nonexistent-workspace',
      bus: { subscribe: () => () => undefined },
      dispatch: () => Promise.resolve({ ok: true, result: null }),
      advertiseHost: () => undefined,
      startMonitoring: () => undefined,
      warmViews: () => Promise.resolve(),
      close: () => Promise.resolve(),
    }),
}));

vi.mock('../../../../main/host/server', () => ({
  startHost: () =>
    Promise.resolve({ url: 'http://127.0.0.1:1', port: 1, close: () => Promise.resolve() }),
}));

describe('main.ts, started against a fake Electron', () => {
  afterAll(() => {
    vi.resetModules();
  });

  it('builds every window hardened, locks down every web contents, denies permissions, sets the CSP', async () => {
    await import('../../../../main/electron/main');
    await fake.started;
    expect(fake.windows.length).toBeGreaterThan(0);
    for (const win of fake.windows) {
      const prefs = win.options.webPreferences as Record<string, unknown>;
      expect(prefs).toEqual(hardenedWebPreferences(prefs.preload as string));
    }

    // Every web contents Electron creates (windows, popups, devtools) goes through the lockdown.
    const created = fake.appListeners.get('web-contents-created') ?? [];
    expect(created).toHaveLength(1);
    const contents = fakeContents();
    (created[0] as (e: unknown, c: unknown) => void)({}, contents);
    expect(contents.open('https://evil.example/')).toEqual({ action: 'deny' });
    expect(contents.emit('will-navigate', 'https://evil.example/')).toBe(true);
    expect(contents.emit('will-attach-webview', 'about:blank')).toBe(true);

    const answers: boolean[] = [];
    const request = fake.session.permissionRequest as (
      c: unknown,
      p: string,
      cb: (granted: boolean) => void,
    ) => void;
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read'])
      request({}, permission, (granted) => answers.push(granted));
    expect(answers).toEqual([false, false, false, false]);
    expect((fake.session.permissionCheck as () => boolean)()).toBe(false);

    let headers: Record<string, string[]> = {};
    (
      fake.session.headers as (
        d: { responseHeaders: Record<string, string[]> },
        cb: (r: { responseHeaders: Record<string, string[]> }) => void,
      ) => void
    )({ responseHeaders: { 'content-security-policy': ['default-src *'] } }, (r) => {
      headers = r.responseHeaders;
    });
    expect(headers).toEqual({ 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
  });
});
