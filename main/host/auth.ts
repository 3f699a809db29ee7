// Authentication of the Lathe host when it is started with an auth mode (`lathe server --auth token|basic`,
// required off loopback). The credential is an API key made with `lathe keys create NAME --scope ...`: as a
// bearer token (MLflow's clients send MLFLOW_TRACKING_TOKEN so) or as basic auth with the key's name as the
// user and its secret as the password (MLFLOW_TRACKING_USERNAME / _PASSWORD; a browser's login prompt).
// Both encode the same secret, so the host takes either; the mode picks the challenge a 401 carries.
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { ApiKeyScope } from '../../shared/contract';

export type AuthMode = 'token' | 'basic';
export const AUTH_MODES: readonly AuthMode[] = ['token', 'basic'];

/** What a request needs: MLflow reads, MLflow writes, or the whole workspace (the UI and /api/*). */
export type Access = 'mlflow:read' | 'mlflow:write' | 'workspace';

/** The scopes that grant each access: write includes read; `workspace` includes both. */
const GRANTED_BY: Record<Access, readonly ApiKeyScope[]> = {
  'mlflow:read': ['mlflow:read', 'mlflow:write', 'workspace'],
  'mlflow:write': ['mlflow:write', 'workspace'],
  workspace: ['workspace'],
};

export interface Identity {
  id: string;
  name: string;
  scopes: ApiKeyScope[];
}

export interface Credential {
  secret: string;
  /** Basic auth's user name: the key's name. */
  name?: string;
}

/** The credential in an Authorization header (Bearer or Basic), or null when there is none usable. */
export function credentialOf(req: IncomingMessage): Credential | null {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return null;
  const m = /^(\S+)\s+(\S+)\s*$/.exec(header);
  if (!m) return null;
  const scheme = m[1]!.toLowerCase();
  if (scheme === 'bearer') return { secret: m[2]! };
  if (scheme !== 'basic') return null;
  const decoded = Buffer.from(m[2]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { name: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

export type AuthOutcome =
  | { ok: true; identity: Identity }
  | {
      ok: false;
      status: 401 | 403;
      errorCode: 'UNAUTHENTICATED' | 'PERMISSION_DENIED';
      message: string;
    };

export interface HostAuth {
  readonly mode: AuthMode;
  /** Whether the request's credential is an active key whose scopes grant `access`. */
  check(req: IncomingMessage, access: Access): Promise<AuthOutcome>;
  /**
   * The WWW-Authenticate header of a 401. Browser routes (pages, /api/*) always ask for basic auth so a
   * browser shows its login prompt; MLflow routes ask for the mode's scheme.
   */
  challenge(forBrowser: boolean): string;
}

export function createHostAuth(options: {
  mode: AuthMode;
  authenticate(secret: string, name?: string): Promise<Identity | null>;
}): HostAuth {
  const { mode } = options;
  return {
    mode,
    async check(req, access) {
      const credential = credentialOf(req);
      if (!credential || credential.secret === '')
        return {
          ok: false,
          status: 401,
          errorCode: 'UNAUTHENTICATED',
          message:
            'authentication required: send an API key made with `lathe keys create NAME --scope ...` as Authorization: Bearer KEY, or basic auth with the key name and secret',
        };
      const identity = await options.authenticate(credential.secret, credential.name);
      if (!identity)
        return {
          ok: false,
          status: 401,
          errorCode: 'UNAUTHENTICATED',
          message: 'authentication failed: no active API key matches these credentials',
        };
      if (!GRANTED_BY[access].some((s) => identity.scopes.includes(s)))
        return {
          ok: false,
          status: 403,
          errorCode: 'PERMISSION_DENIED',
          message: `API key ${identity.name} (scopes ${identity.scopes.join(', ')}) may not do this: it needs ${GRANTED_BY[access].join(' or ')}`,
        };
      return { ok: true, identity };
    },
    challenge(forBrowser) {
      return forBrowser || mode === 'basic'
        ? 'Basic realm="Lathe", charset="UTF-8"'
        : 'Bearer realm="Lathe"';
    },
  };
}

/** Whether `host` names this machine only: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::ffff:127.0.0.1';
}
