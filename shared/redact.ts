// Credentials that ride inside URLs (https://user:pass@host, ?token=…) kept out of what Lathe writes:
// messages, logs, the database's records of where data came from, exported files.

/** Query parameter names whose values are secrets (matched anywhere in the name, any case). */
const SECRET_PARAM =
  /token|secret|passw|pwd|api[-_]?key|apikey|access[-_]?key|key[-_]?id|sig|signature|auth|credential|session|^code$|^key$/i;

export const REDACTED = '***';

/**
 * `url` with its password (or, without one, its user name) and the values of secret-looking query
 * parameters replaced by ***. Anything that is not an absolute URL is returned unchanged.
 */
export function redactUrl(url: string): string {
  // By hand, not with URL: shared/ is pure TypeScript (no DOM or Node globals), and this keeps the rest
  // of the text byte for byte as given.
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/i.exec(url);
  if (!m) return url;
  const [, scheme = '', authority = '', path = '', query, fragment = ''] = m;
  let auth = authority;
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(':');
    // user:pass keeps the user; a lone user part is usually a token (https://TOKEN@github.com/…).
    auth = `${colon >= 0 ? `${userinfo.slice(0, colon)}:${REDACTED}` : REDACTED}@${authority.slice(at + 1)}`;
  }
  const q =
    query === undefined
      ? ''
      : `?${query
          .slice(1)
          .split('&')
          .map((part) => {
            const eq = part.indexOf('=');
            if (eq < 0) return part;
            let name = part.slice(0, eq);
            try {
              name = decodeURIComponent(name.replace(/\+/g, ' '));
            } catch {
              // keep the name as written
            }
            return SECRET_PARAM.test(name) ? `${part.slice(0, eq)}=${REDACTED}` : part;
          })
          .join('&')}`;
  return `${scheme}${auth}${path}${q}${fragment}`;
}

/** Every http(s) URL inside `text` redacted (for error messages that quote a URL). */
export function redactUrlsIn(text: string): string {
  return text.replace(/\bhttps?:\/\/[^\s'"<>`]+/gi, (url) => {
    // Trailing punctuation belongs to the sentence, not the URL.
    const tail = /[).,;:!?\]]+$/.exec(url)?.[0] ?? '';
    const bare = tail ? url.slice(0, -tail.length) : url;
    return redactUrl(bare) + tail;
  });
}

/** True when `url` carries something `redactUrl` hides. */
export const hasUrlSecret = (url: string): boolean => redactUrl(url) !== url;
