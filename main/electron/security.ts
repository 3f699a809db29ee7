// The window's security policy as plain values and predicates, testable without Electron.
// See https://www.electronjs.org/docs/latest/tutorial/security

/** Scripts only from the app itself; inline styles are allowed because React sets `style` attributes. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

export type ResponseHeaders = Record<string, string[] | string>;

/** Response headers with our CSP replacing any the response carried (in any letter case). */
export function withContentSecurityPolicy(
  headers: ResponseHeaders | undefined,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() === 'content-security-policy') continue;
    out[name] = Array.isArray(value) ? value : [value];
  }
  out['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
  return out;
}

function parseUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * True when `url` is our renderer page (any hash or query), i.e. the same file:// path as `rendererIndexUrl`.
 * Used to gate IPC senders and in-window navigation.
 */
export function isRendererUrl(url: string, rendererIndexUrl: string): boolean {
  const actual = parseUrl(url);
  const expected = parseUrl(rendererIndexUrl);
  if (!actual || !expected || expected.protocol !== 'file:') return false;
  return (
    actual.protocol === 'file:' &&
    actual.host === expected.host &&
    decodeURIComponent(actual.pathname) === decodeURIComponent(expected.pathname)
  );
}

/** http(s) links the renderer may hand to the user's browser instead of opening a window. */
export function isExternalWebUrl(url: string): boolean {
  const parsed = parseUrl(url);
  return parsed !== null && (parsed.protocol === 'https:' || parsed.protocol === 'http:');
}

/**
 * The webPreferences every window gets: the page runs sandboxed, isolated from the preload's world, with no
 * Node and with the same-origin policy on. Every `new BrowserWindow` in main/electron/ passes these (a test
 * scans the sources for windows built without them).
 */
export function hardenedWebPreferences(preload: string) {
  return {
    preload,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    sandbox: true,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
  } as const;
}

/** The part of Electron's WebContents that `lockDownContents` uses (so a test can pass a fake). */
export interface LockableContents {
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
  on(
    event: 'will-navigate' | 'will-redirect' | 'will-frame-navigate',
    listener: (event: { preventDefault(): void; url: string }) => void,
  ): unknown;
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): unknown;
}

/**
 * Keeps a web contents (the window and anything it might spawn) on our renderer page: every window-open
 * is denied (an http(s) link goes to the user's browser instead), navigation and redirects away from the
 * renderer page are prevented, and no webview tag may attach.
 */
export function lockDownContents(
  contents: LockableContents,
  deps: {
    isTrusted: (url: string) => boolean;
    openExternal: (url: string) => void;
    warn?: (message: string) => void;
  },
): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (isExternalWebUrl(url)) deps.openExternal(url);
    return { action: 'deny' };
  });
  const blockForeign = (event: { preventDefault(): void; url: string }) => {
    if (!deps.isTrusted(event.url)) {
      event.preventDefault();
      deps.warn?.(`[Electron] blocked navigation to ${event.url}`);
    }
  };
  contents.on('will-navigate', blockForeign);
  contents.on('will-redirect', blockForeign);
  contents.on('will-frame-navigate', blockForeign);
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** Every permission a page asks for (camera, notifications, geolocation…) is refused. */
export function denyPermission(
  _contents: unknown,
  _permission: string,
  callback: (granted: boolean) => void,
): void {
  callback(false);
}

/** Every synchronous permission check answers no, too. */
export const denyPermissionCheck = (): boolean => false;
