// Pure logic of the "Push to MLflow" dialog and the MLflow export form: the push input built from the
// form (checked with the contract's own schema), which field an error belongs to, and the result in words.
import {
  MlflowPushIn,
  type MlflowCredentialsOut,
  type MlflowPushAuth,
  type MlflowPushOut,
  type MlflowPushStatus,
  type MlflowSavedCredential,
} from '../../../shared/contract';
import type { Option } from '../../components/options';
import { ApiError } from '../../api/errors';
import { formatBytes } from '../../lib/format';

/** How the dialog authenticates: none, a bearer token, basic auth, or what the app keeps for the URL. */
export type AuthChoice = 'none' | 'token' | 'basic' | 'saved';

export interface PushForm {
  url: string;
  auth: AuthChoice;
  token: string;
  username: string;
  password: string;
  /** Keep the token or user/password for this URL (desktop app only). */
  remember: boolean;
}

export const EMPTY_PUSH_FORM: PushForm = {
  url: '',
  auth: 'none',
  token: '',
  username: '',
  password: '',
  remember: false,
};

export type PushField = 'url' | 'auth' | 'token' | 'username' | 'password';
export type PushFieldErrors = Partial<Record<PushField, string>>;

/** The ui:prefs key of the last server pushed to (a URL only: credentials never go there). */
export const LAST_URL_PREF = 'mlflow-push:url';

/**
 * A tracking URL as the service keys kept credentials (origin and path, no trailing slash), or null
 * when it is not an http(s) URL yet.
 */
export function serverKey(url: string): string | null {
  try {
    const u = new URL(url.trim());
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return null;
  }
}

/** The credentials the app keeps for `url`, if any. */
export function savedFor(
  url: string,
  credentials: Pick<MlflowCredentialsOut, 'saved'> | null,
): MlflowSavedCredential | null {
  const key = serverKey(url);
  return (key !== null && credentials?.saved.find((s) => s.url === key)) || null;
}

const describeSaved = (s: MlflowSavedCredential) =>
  s.kind === 'token' ? 'a token' : `user ${s.username ?? '?'}`;

/**
 * The auth choices for the URL: with kept credentials "none" is not offered (the service would use the
 * kept ones anyway), "kept on this computer" is.
 */
export function authOptions(saved: MlflowSavedCredential | null): Option[] {
  return [
    saved
      ? { value: 'saved', label: `Kept on this computer (${describeSaved(saved)})` }
      : { value: 'none', label: 'None' },
    { value: 'token', label: 'Token (MLFLOW_TRACKING_TOKEN)' },
    { value: 'basic', label: 'User name and password' },
  ];
}

/** The choice in effect: "none" means the kept credentials when there are some, and the reverse. */
export function effectiveAuth(choice: AuthChoice, saved: MlflowSavedCredential | null): AuthChoice {
  if (choice === 'none' && saved) return 'saved';
  if (choice === 'saved' && !saved) return 'none';
  return choice;
}

/** The inputs an auth choice asks for; `secret` ones are shown as dots. */
export function credentialFields(
  choice: AuthChoice,
): { key: 'token' | 'username' | 'password'; label: string; secret: boolean }[] {
  if (choice === 'token') return [{ key: 'token', label: 'Token', secret: true }];
  if (choice === 'basic')
    return [
      { key: 'username', label: 'User name', secret: false },
      { key: 'password', label: 'Password', secret: true },
    ];
  return [];
}

const FIELD_OF_PATH: Record<string, PushField> = {
  to: 'url',
  'auth.token': 'token',
  'auth.username': 'username',
  'auth.password': 'password',
};

export type BuiltPush =
  { input: MlflowPushIn; remember: MlflowPushAuth | null } | { errors: PushFieldErrors };

/**
 * The `mlflow:push` input for `source` from the form, checked with the contract's schema (each problem
 * under its field), and the credentials to keep after a successful push when asked to and able to.
 */
export function buildPush(
  source: string,
  form: PushForm,
  credentials: Pick<MlflowCredentialsOut, 'saved' | 'store'> | null,
): BuiltPush {
  const choice = effectiveAuth(form.auth, savedFor(form.url, credentials));
  const auth: MlflowPushAuth | undefined =
    choice === 'token'
      ? { kind: 'token', token: form.token.trim() }
      : choice === 'basic'
        ? { kind: 'basic', username: form.username.trim(), password: form.password }
        : undefined;
  const candidate = { source, to: form.url, ...(auth ? { auth } : {}) };
  const parsed = MlflowPushIn.safeParse(candidate);
  if (!parsed.success) {
    const errors: PushFieldErrors = {};
    for (const issue of parsed.error.issues) {
      const field = FIELD_OF_PATH[issue.path.join('.')] ?? 'url';
      errors[field] ??= issue.message;
    }
    return { errors };
  }
  const remember = auth && form.remember && credentials?.store === 'safeStorage' ? auth : null;
  return { input: { ...candidate, to: parsed.data.to }, remember };
}

/**
 * Which form field a failed call's error is about: the URL (the service names field `to`), the
 * credentials (the server answered 401 or 403), the export's folder (`out`); null for anything else.
 */
export function fieldOfError(err: unknown): 'url' | 'auth' | 'out' | null {
  if (!(err instanceof ApiError)) return null;
  const { field, status } = err.details ?? {};
  if (field === 'to') return 'url';
  if (field === 'out') return 'out';
  if (status === 401 || status === 403) return 'auth';
  return null;
}

const STATUS_WORD: Record<MlflowPushStatus, string> = {
  created: 'created',
  exists: 'already there',
  updated: 'updated',
};

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `3 params, 2 tags, 40 metric points, 1 artifact`: the non-zero counts, or null when all are zero. */
function counts(c: { params: number; tags: number; metricPoints: number; artifacts: number }) {
  const parts = [
    c.params && plural(c.params, 'param'),
    c.tags && plural(c.tags, 'tag'),
    c.metricPoints && plural(c.metricPoints, 'metric point'),
    c.artifacts && plural(c.artifacts, 'artifact'),
  ].filter((p): p is string => Boolean(p));
  return parts.length ? parts.join(', ') : null;
}

export interface PushSummary {
  headline: string;
  /** One line per remote object and what was sent or found. */
  lines: string[];
}

/** What a push did, in words: a push that found everything there says nothing changed. */
export function pushSummary(out: MlflowPushOut): PushSummary {
  const sent = counts(out.sent);
  const found = counts(out.found);
  const lines = [
    `experiment ${out.experiment.name} (${out.experiment.id}): ${STATUS_WORD[out.experiment.status]}`,
    `run ${out.run.id}: ${STATUS_WORD[out.run.status]}`,
    ...(sent
      ? [`sent ${sent}${out.sent.artifactBytes ? ` (${formatBytes(out.sent.artifactBytes)})` : ''}`]
      : []),
    ...(found ? [`already there: ${found}`] : []),
  ];
  const m = out.model;
  if (m) {
    lines.push(`registered model ${m.name}: ${STATUS_WORD[m.registeredModel]}`);
    lines.push(`version ${m.version} (from ${m.latheVersion}): ${STATUS_WORD[m.status]}`);
    for (const a of m.aliases) lines.push(`alias @${a.alias}: ${STATUS_WORD[a.status]}`);
  }
  return {
    headline: out.changed
      ? `Pushed ${out.source} to ${out.to}`
      : `Nothing changed: ${out.to} already had everything of ${out.source}`,
    lines,
  };
}
