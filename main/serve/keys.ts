// API keys for the prediction server. A key is shown once at creation; the workspace keeps only its
// sha256 (table api_keys, migration 8), so a leaked workspace does not leak usable keys.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { LatheError, type ApiKeyInfo, type ApiKeyScope } from '../../shared/contract';
// Type-only: the standalone server (no DuckDB) bundles this file for keyAuth and hashKey.
import type { Sql } from '../workspace/db';
import type { ServeAuth, ServeKey } from './server';

export const hashKey = (key: string): string =>
  createHash('sha256').update(key, 'utf8').digest('hex');

/** A new key: `lk_` + 32 random bytes in base64url. */
export function generateKey(): string {
  return `lk_${randomBytes(32).toString('base64url')}`;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

interface KeyRow {
  [k: string]: unknown;
  id: string;
  name: string;
  hash: string;
  models: unknown;
  rate_limit: number | null;
  scopes?: unknown;
  created_at: unknown;
  revoked_at: unknown;
}

function iso(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  const t = (typeof v === 'string' ? v : JSON.stringify(v)).replace(' ', 'T');
  const d = new Date(/(Z|[+-]\d\d(:?\d\d)?)$/.test(t) ? t : `${t}Z`);
  return Number.isNaN(d.getTime()) ? t : d.toISOString();
}

function parseJson(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? JSON.parse(v) : v;
}

/** Whether a key's scopes allow predictions: keys made before scopes (null) are prediction keys. */
export const canPredict = (scopes: readonly ApiKeyScope[] | null): boolean =>
  scopes === null || scopes.includes('predict');

/** A key that authenticated a request to the Lathe host: who, and what it may do. */
export interface KeyIdentity {
  id: string;
  name: string;
  scopes: ApiKeyScope[];
}

function toInfo(r: KeyRow): ApiKeyInfo & { hash: string } {
  return {
    id: String(r.id),
    name: String(r.name),
    hash: String(r.hash),
    models: parseJson(r.models) as string[] | null,
    rateLimit: r.rate_limit === null ? null : Number(r.rate_limit),
    scopes: parseJson(r.scopes) as ApiKeyScope[] | null,
    createdAt: iso(r.created_at)!,
    revokedAt: iso(r.revoked_at),
  };
}

export interface KeyStore {
  /** Creates a key; the returned `key` is the only time the secret exists outside the caller. */
  create(input: {
    name: string;
    models?: string[];
    rateLimit?: number;
    scopes?: ApiKeyScope[];
  }): Promise<{ key: string; info: ApiKeyInfo }>;
  /** All keys (revoked ones too), oldest first; never the secret or its hash. */
  list(): Promise<ApiKeyInfo[]>;
  /** Revokes the active key with this name or id; NOT_FOUND names it. */
  revoke(nameOrId: string): Promise<ApiKeyInfo>;
  /** The active prediction keys (scope `predict`, or no scopes) with their hashes, for `lathe serve`. */
  active(): Promise<(ServeKey & { hash: string })[]>;
  /**
   * The active key whose secret this is (and, for basic auth, whose name is `name`), or null. Every
   * active key's hash is compared in constant time, so the answer's timing does not tell which part
   * matched.
   */
  authenticate(secret: string, name?: string): Promise<KeyIdentity | null>;
}

export function createKeyStore(sql: Sql): KeyStore {
  const all = async () =>
    (await sql.all<KeyRow>('SELECT * FROM api_keys ORDER BY created_at, name')).map(toInfo);
  const strip = ({ hash: _hash, ...info }: ApiKeyInfo & { hash: string }): ApiKeyInfo => info;
  return {
    async create({ name, models, rateLimit, scopes }) {
      if (!NAME.test(name))
        throw new LatheError(
          'INVALID_INPUT',
          `key name ${JSON.stringify(name)}: use letters A-Z, digits, _ . - (up to 64; no accents)`,
        );
      if (rateLimit !== undefined && !(Number.isInteger(rateLimit) && rateLimit > 0))
        throw new LatheError(
          'INVALID_INPUT',
          `--rate ${rateLimit}: requests per minute must be a positive integer`,
        );
      const existing = (await all()).find((k) => k.name === name && k.revokedAt === null);
      if (existing)
        throw new LatheError(
          'INVALID_INPUT',
          `an active key named ${name} exists (revoke it first)`,
        );
      const key = generateKey();
      const id = randomBytes(8).toString('hex');
      const list = models?.map((m) => m.trim()).filter(Boolean);
      const scopeList = scopes?.length ? [...new Set(scopes)] : null;
      await sql.run(
        'INSERT INTO api_keys (id, name, hash, models, rate_limit, scopes, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, now(), NULL)',
        [
          id,
          name,
          hashKey(key),
          JSON.stringify(list?.length ? list : null),
          rateLimit ?? null,
          scopeList ? JSON.stringify(scopeList) : null,
        ],
      );
      const info = (await all()).find((k) => k.id === id)!;
      return { key, info: strip(info) };
    },
    async list() {
      return (await all()).map(strip);
    },
    async revoke(nameOrId) {
      const hit = (await all()).find(
        (k) => k.revokedAt === null && (k.name === nameOrId || k.id === nameOrId),
      );
      if (!hit) throw new LatheError('NOT_FOUND', `no active API key named ${nameOrId}`);
      await sql.run('UPDATE api_keys SET revoked_at = now() WHERE id = ?', [hit.id]);
      return strip((await all()).find((k) => k.id === hit.id)!);
    },
    async active() {
      return (await all())
        .filter((k) => k.revokedAt === null && canPredict(k.scopes))
        .map(({ id, name, models, rateLimit, hash }) => ({ id, name, models, rateLimit, hash }));
    },
    async authenticate(secret, name) {
      const rows = await sql.all<{ id: string; name: string; hash: string; scopes: unknown }>(
        'SELECT id, name, hash, scopes FROM api_keys WHERE revoked_at IS NULL',
      );
      const presented = Buffer.from(hashKey(secret), 'hex');
      let hit: (typeof rows)[number] | undefined;
      for (const row of rows) {
        const stored = Buffer.from(String(row.hash), 'hex');
        const same = stored.length === presented.length && timingSafeEqual(stored, presented);
        if (same && (name === undefined || String(row.name) === name)) hit = row;
      }
      if (!hit) return null;
      const scopes = (parseJson(hit.scopes) as ApiKeyScope[] | null) ?? ['predict'];
      return { id: String(hit.id), name: String(hit.name), scopes };
    },
  };
}

/**
 * The server's key check over a set of hashed keys. Keys are required when any exist or `require` is set.
 * `reload` swaps in a fresh set (e.g. after a revoke).
 */
export function keyAuth(
  keys: (ServeKey & { hash: string })[],
  require = false,
): ServeAuth & { reload(keys: (ServeKey & { hash: string })[]): void } {
  let byHash = new Map(keys.map((k) => [k.hash, k]));
  return {
    get required() {
      return require || byHash.size > 0;
    },
    find(token) {
      const h = hashKey(token);
      const k = byHash.get(h);
      // The map lookup already matched; the constant-time compare keeps the check explicit.
      if (!k || !timingSafeEqual(Buffer.from(k.hash, 'hex'), Buffer.from(h, 'hex'))) return null;
      return { id: k.id, name: k.name, models: k.models, rateLimit: k.rateLimit };
    },
    reload(next) {
      byHash = new Map(next.map((k) => [k.hash, k]));
    },
  };
}
