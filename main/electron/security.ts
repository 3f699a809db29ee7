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
