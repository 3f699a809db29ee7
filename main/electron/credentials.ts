// MLflow credentials the desktop app keeps for the push buttons: one file in the app's userData folder,
// encrypted whole with Electron's safeStorage (the OS keychain's key), never written in plain text. The
// renderer sends a server's credentials once (`mlflow:credentials:set`); main keeps them and uses them for
// pushes to that server; the renderer never reads them back. URLs come normalised by the push service.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { LatheError } from '../../shared/contract/errors';
import {
  MlflowPushAuth,
  type MlflowCredentialStore,
  type MlflowCredentialsOut,
} from '../../shared/contract/mlflow-push';

/** The part of Electron's `safeStorage` this store uses (a fake in tests: no Electron binary there). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: 'basic_text' means a hard-coded key, which is no protection. */
  getSelectedStorageBackend?(): string;
}

/** The file name under userData. */
export const CREDENTIALS_FILE = 'mlflow-credentials.bin';

const Stored = z.object({
  format: z.literal('lathe-mlflow-credentials'),
  version: z.literal(1),
  servers: z.record(z.string(), MlflowPushAuth),
});
type Stored = z.infer<typeof Stored>;

/**
 * A credential store over `safeStorage`, kept in `<userDataDir>/mlflow-credentials.bin`. Storing is
 * refused (INVALID_CONFIG) when the OS offers no real encryption, rather than writing a secret anyone can
 * read; pushes can still take credentials each time.
 */
export function createSafeStorageCredentials(options: {
  safeStorage: SafeStorageLike;
  userDataDir: string;
}): MlflowCredentialStore {
  const { safeStorage } = options;
  const file = join(options.userDataDir, CREDENTIALS_FILE);

  const unavailable = (): string | null => {
    if (!safeStorage.isEncryptionAvailable())
      return 'this system offers no encryption for stored secrets (no keychain or secret service)';
    if (safeStorage.getSelectedStorageBackend?.() === 'basic_text')
      return 'this Linux session has no secret service (gnome-keyring or KWallet), so Electron would encrypt with a fixed key';
    return null;
  };

  const read = (): Stored => {
    if (!existsSync(file)) return { format: 'lathe-mlflow-credentials', version: 1, servers: {} };
    if (unavailable()) return { format: 'lathe-mlflow-credentials', version: 1, servers: {} };
    let text: string;
    try {
      text = safeStorage.decryptString(readFileSync(file));
    } catch (err) {
      throw new LatheError(
        'CORRUPT_FILE',
        `${file}: the saved MLflow credentials cannot be decrypted (${(err as Error).message}); enter them again in the push dialog and keep them, which replaces the file`,
        { file },
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = Stored.safeParse(json);
    if (!parsed.success)
      throw new LatheError(
        'CORRUPT_FILE',
        `${file}: the saved MLflow credentials are not readable`,
        {
          file,
        },
      );
    return parsed.data;
  };

  /** What set and remove change: an unreadable file holds nothing anyone can use, so it is replaced. */
  const readForChange = (): Stored => {
    try {
      return read();
    } catch (err) {
      if (err instanceof LatheError && err.code === 'CORRUPT_FILE')
        return { format: 'lathe-mlflow-credentials', version: 1, servers: {} };
      throw err;
    }
  };

  const write = (stored: Stored) => {
    mkdirSync(dirname(file), { recursive: true });
    if (Object.keys(stored.servers).length === 0) {
      rmSync(file, { force: true });
      return;
    }
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    writeFileSync(tmp, safeStorage.encryptString(JSON.stringify(stored)), { mode: 0o600 });
    renameSync(tmp, file);
  };

  const summary = (stored: Stored): MlflowCredentialsOut => ({
    store: unavailable() ? 'none' : 'safeStorage',
    ...(unavailable() ? { unavailable: unavailable()! } : {}),
    saved: Object.entries(stored.servers)
      .map(([url, auth]) =>
        auth.kind === 'basic'
          ? { url, kind: auth.kind, username: auth.username }
          : { url, kind: auth.kind },
      )
      .sort((a, b) => a.url.localeCompare(b.url)),
  });

  return {
    get(url) {
      return read().servers[url];
    },
    list: () => summary(read()),
    set(url, auth) {
      const why = unavailable();
      if (why)
        throw new LatheError(
          'INVALID_CONFIG',
          `the app cannot keep MLflow credentials safely: ${why}; enter them with each push instead`,
        );
      const stored = readForChange();
      stored.servers[url] = auth;
      write(stored);
      return summary(stored);
    },
    remove(url) {
      const stored = readForChange();
      delete stored.servers[url];
      write(stored);
      return summary(stored);
    },
  };
}
