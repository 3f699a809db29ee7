// Electron entry: app lifecycle, the one window, its security policy, the menu, IPC and the local host.
import { resolve } from 'node:path';
import {
  BrowserWindow,
  Menu,
  Notification,
  app,
  dialog,
  safeStorage,
  session,
  shell,
  type WebContents,
} from 'electron';
import { LatheError } from '../../shared/contract';
import { lockWaitMs, openWorkspace, type Holder } from '../api/open-workspace';
import { startHost } from '../host/server';
import { createServices, type Services } from '../services';
import { createSafeStorageCredentials } from './credentials';
import { registerIpc } from './ipc';
import { appPaths, parseFlag, resolveWorkspaceDir, waitingNotice } from './launch';
import { buildMenuTemplate, importDatasetHash } from './menu';
import { monitorHash, notifyAlerts } from './notifications';
import {
  denyPermission,
  denyPermissionCheck,
  hardenedWebPreferences,
  isRendererUrl,
  lockDownContents,
  withContentSecurityPolicy,
} from './security';

/** What `startHost` resolves to: the HTTP + WebSocket face the CLI and browser UI reach. */
interface LocalHost {
  url: string;
  port: number;
  close(): Promise<void>;
}

const paths = appPaths(__dirname);
const isTrusted = (url: string) => isRendererUrl(url, paths.rendererIndexUrl);

let services: Services | null = null;
let host: LocalHost | null = null;
let unregisterIpc: (() => void) | null = null;
let stopNotifying: (() => void) | null = null;
let mainWindow: BrowserWindow | null = null;
let shutDown = false;

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    title: 'Lathe',
    width: 1360,
    height: 860,
    minWidth: 900,
    minHeight: 600,
    show: false,
    backgroundColor: '#101418',
    webPreferences: hardenedWebPreferences(paths.preload),
  });
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  void win.loadFile(paths.rendererIndex).catch((err: unknown) => {
    console.error(
      '[Electron] failed to load the renderer:',
      err instanceof Error ? err.message : err,
    );
  });
  mainWindow = win;
  return win;
}

function focusOrCreateWindow(): BrowserWindow {
  const win = mainWindow ?? createWindow();
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
  return win;
}

/** Keeps every web contents (the window and anything it might spawn) on our renderer page. */
function lockDown(contents: WebContents): void {
  lockDownContents(contents, {
    isTrusted,
    openExternal: (url) => void shell.openExternal(url),
    warn: (message) => console.warn(message),
  });
}

async function importDataset(): Promise<void> {
  const parent = mainWindow ?? undefined;
  const options: Electron.OpenDialogOptions = {
    title: 'Import dataset',
    properties: ['openFile'],
    filters: [
      { name: 'Data files', extensions: ['csv', 'tsv', 'parquet', 'json', 'ndjson', 'jsonl'] },
      { name: 'All files', extensions: ['*'] },
    ],
  };
  const result = parent
    ? await dialog.showOpenDialog(parent, options)
    : await dialog.showOpenDialog(options);
  const file = result.filePaths[0];
  if (result.canceled || !file) return;
  const win = focusOrCreateWindow();
  // A hash change is in-page navigation: the router picks it up without reloading the app.
  await win.webContents.executeJavaScript(
    `location.hash = ${JSON.stringify(importDatasetHash(file))}`,
  );
}

function showAbout(): void {
  const detail = [
    `Workspace: ${services?.workspaceDir ?? '(not open)'}`,
    host ? `Local host: ${host.url}` : null,
    `Electron ${process.versions.electron} · Chromium ${process.versions.chrome} · Node ${process.versions.node}`,
  ]
    .filter(Boolean)
    .join('\n');
  const options: Electron.MessageBoxOptions = {
    type: 'info',
    title: 'About Lathe',
    message: `Lathe ${app.getVersion()}`,
    detail,
    buttons: ['OK'],
  };
  void (mainWindow ? dialog.showMessageBox(mainWindow, options) : dialog.showMessageBox(options));
}

/** Tells the user why, releases what was opened, and exits non-zero. */
function fail(title: string, err: unknown): void {
  dialog.showErrorBox(title, err instanceof Error ? err.message : String(err));
  shutDown = true;
  void shutdown().finally(() => app.exit(1));
}

/**
 * Says, in a message box, for which process the app waits, with a Quit button that stops the wait
 * (`stop`); aborting the returned controller closes the box.
 */
function showWaiting(workspaceDir: string, holder: Holder, stop: () => void): AbortController {
  const closer = new AbortController();
  const notice = waitingNotice(workspaceDir, holder);
  void dialog
    .showMessageBox({
      type: 'info',
      title: notice.title,
      message: notice.message,
      detail: notice.detail,
      buttons: ['Quit'],
      defaultId: 0,
      cancelId: 0,
      signal: closer.signal,
    })
    .then(() => {
      // Closed by the user (not by us once the workspace opened): stop waiting and quit.
      if (!closer.signal.aborted) stop();
    });
  return closer;
}

/**
 * Opens the workspace as its owner. A CLI command holding it (a training, an import, `lathe serve`)
 * will finish: the app waits for it, saying so, until the user quits (or `$LATHE_LOCK_WAIT_MS`, when
 * set, runs out). Another app or `lathe ui` stays open: the app says so at once. Null when the user quit.
 */
async function openOwned(workspaceDir: string): Promise<Services | null> {
  const quit = new AbortController();
  // The message box on screen, if any (set in a callback: an object, so the finally sees it).
  const shown: { box?: AbortController } = {};
  try {
    // MLflow credentials the push dialog keeps, encrypted with the OS keychain's key (never plain files).
    const mlflowCredentials = createSafeStorageCredentials({
      safeStorage,
      userDataDir: app.getPath('userData'),
    });
    const own = () => createServices({ workspaceDir, mlflowCredentials });
    const opened = await openWorkspace(workspaceDir, own, {
      requireOwner: true,
      opener: 'the app',
      waitMs: process.env.LATHE_LOCK_WAIT_MS ? lockWaitMs() : Infinity,
      signal: quit.signal,
      onWait: (holder) => {
        shown.box?.abort();
        shown.box = showWaiting(workspaceDir, holder, () => quit.abort());
      },
    });
    // requireOwner: never a client.
    return opened.mode === 'owner' ? opened.services : null;
  } catch (err) {
    if (quit.signal.aborted) return null;
    throw err;
  } finally {
    shown.box?.abort();
  }
}

async function start(): Promise<void> {
  const workspaceDir = resolveWorkspaceDir({
    argv: process.argv,
    env: process.env,
    home: app.getPath('home'),
    cwd: process.cwd(),
  });
  try {
    services = await openOwned(workspaceDir);
  } catch (err) {
    const locked = err instanceof LatheError && err.code === 'WORKSPACE_LOCKED';
    fail(locked ? 'Lathe: workspace in use' : 'Lathe could not open its workspace', err);
    return;
  }
  if (!services) {
    // The user quit while waiting: nothing was opened.
    shutDown = true;
    app.quit();
    return;
  }

  try {
    host = await startHost({ services, port: 0, rendererDir: paths.rendererDir });
    services.advertiseHost(host.url);
  } catch (err) {
    // The window works over IPC without the host; only the CLI loses its way in.
    console.error('[Electron] local host did not start:', err instanceof Error ? err.message : err);
  }

  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withContentSecurityPolicy(details.responseHeaders) });
  });
  session.defaultSession.setPermissionRequestHandler(denyPermission);
  session.defaultSession.setPermissionCheckHandler(denyPermissionCheck);

  unregisterIpc = registerIpc(services, () => BrowserWindow.getAllWindows(), {
    isTrustedSender: isTrusted,
  });
  stopNotifying = notifyAlerts(services.bus, {
    isSupported: () => Notification.isSupported(),
    show(options, onClick) {
      const n = new Notification(options);
      n.on('click', onClick);
      n.show();
    },
    openMonitor(alert) {
      const win = focusOrCreateWindow();
      void win.webContents.executeJavaScript(
        `location.hash = ${JSON.stringify(monitorHash(alert.model))}`,
      );
    },
  });
  // Alert rules run on their schedule while the app is open.
  services.startMonitoring();
  void services.warmViews();

  const workspace = services.workspaceDir;
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      buildMenuTemplate({
        platform: process.platform,
        importDataset: () => {
          importDataset().catch((err: unknown) =>
            dialog.showErrorBox('Import dataset', String(err)),
          );
        },
        openWorkspace: () => {
          void shell.openPath(workspace).then((error) => {
            if (error) dialog.showErrorBox('Open workspace folder', `${workspace}: ${error}`);
          });
        },
        about: showAbout,
      }),
    ),
  );

  createWindow();
}

async function shutdown(): Promise<void> {
  unregisterIpc?.();
  unregisterIpc = null;
  stopNotifying?.();
  stopNotifying = null;
  const closing = [host, services];
  host = null;
  services = null;
  // The host first: a call in flight (a CLI command forwarded here) finishes and is answered before
  // the workspace closes under it.
  for (const part of closing) {
    try {
      await part?.close();
    } catch (err) {
      console.error('[Electron] shutdown:', err instanceof Error ? err.message : err);
    }
  }
}

// A separate profile (tests, a second workspace side by side) also gets its own single-instance lock.
const userDataDir = parseFlag(process.argv, 'user-data-dir');
if (userDataDir) app.setPath('userData', resolve(userDataDir));

if (!app.requestSingleInstanceLock()) {
  // Another Lathe window owns this user's app instance; it receives our argv via 'second-instance'.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (app.isReady() && services) focusOrCreateWindow();
  });
  app.on('web-contents-created', (_event, contents) => lockDown(contents));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (services && BrowserWindow.getAllWindows().length === 0) createWindow();
  });
  app.on('will-quit', (event) => {
    if (shutDown) return;
    // Hold the quit until the workspace lock is released and the host socket closed.
    event.preventDefault();
    shutDown = true;
    void shutdown().finally(() => app.quit());
  });
  app
    .whenReady()
    .then(start)
    .catch((err: unknown) => fail('Lathe failed to start', err));
}
