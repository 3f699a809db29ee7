// The app's MLflow credential store over a fake safeStorage (no Electron binary here): secrets reach the
// disk only encrypted, come back after a restart, are never listed, and are refused when the OS offers no
// real encryption.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CREDENTIALS_FILE,
  createSafeStorageCredentials,
  type SafeStorageLike,
} from '../../../../main/electron/credentials';
import { tempDir } from '../../../helpers/workspace';

/** XOR with a key byte and a marker, like an OS keychain would (only the round trip matters here). */
function fakeSafeStorage(options: { available?: boolean; backend?: string } = {}) {
  const calls = { encrypt: 0, decrypt: 0 };
  const storage: SafeStorageLike = {
    isEncryptionAvailable: () => options.available ?? true,
    encryptString(text) {
      calls.encrypt++;
      const bytes = Buffer.from(text, 'utf8');
      return Buffer.concat([Buffer.from('FAKE1'), bytes.map((b) => b ^ 0x5a)]);
    },
    decryptString(buf) {
      calls.decrypt++;
      if (!buf.subarray(0, 5).equals(Buffer.from('FAKE1'))) throw new Error('bad ciphertext');
      return Buffer.from(buf.subarray(5).map((b) => b ^ 0x5a)).toString('utf8');
    },
    getSelectedStorageBackend: () => options.backend ?? 'gnome_libsecret',
  };
  return { storage, calls };
}

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('lathe-creds-');
});
afterEach(() => tmp.remove());

const URL_A = 'http://mlflow.team:5000';
const URL_B = 'https://mlflow.example/prefix';

describe('MLflow credentials kept with safeStorage', () => {
  it('stores encrypted, never in plain text, and reads back after a restart', () => {
    const { storage, calls } = fakeSafeStorage();
    const store = createSafeStorageCredentials({ safeStorage: storage, userDataDir: tmp.dir });
    expect(store.list()).toEqual({ store: 'safeStorage', saved: [] });
    store.set(URL_A, { kind: 'token', token: 'sekret-token-123' });
    const out = store.set(URL_B, { kind: 'basic', username: 'ada', password: 'pa55-word' });
    expect(out.saved).toEqual([
      { url: URL_A, kind: 'token' },
      { url: URL_B, kind: 'basic', username: 'ada' },
    ]);
    expect(JSON.stringify(out)).not.toMatch(/sekret|pa55/);
    expect(calls.encrypt).toBe(2);

    const file = join(tmp.dir, CREDENTIALS_FILE);
    const raw = readFileSync(file);
    expect(raw.toString('latin1')).not.toMatch(/sekret-token-123|pa55-word|ada/);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o077).toBe(0);
    // Only the one file: no temp file left beside it.
    expect(readdirSync(tmp.dir)).toEqual([CREDENTIALS_FILE]);

    const again = createSafeStorageCredentials({ safeStorage: storage, userDataDir: tmp.dir });
    expect(again.get(URL_A)).toEqual({ kind: 'token', token: 'sekret-token-123' });
    expect(again.get(URL_B)).toEqual({ kind: 'basic', username: 'ada', password: 'pa55-word' });
    expect(again.get('http://elsewhere:5000')).toBeUndefined();
  });

  it('replaces and forgets a server; the file goes when the last one does', () => {
    const { storage } = fakeSafeStorage();
    const store = createSafeStorageCredentials({ safeStorage: storage, userDataDir: tmp.dir });
    store.set(URL_A, { kind: 'token', token: 'one' });
    store.set(URL_A, { kind: 'token', token: 'two' });
    expect(store.get(URL_A)).toEqual({ kind: 'token', token: 'two' });
    store.set(URL_B, { kind: 'token', token: 'b' });
    expect(store.remove(URL_A).saved.map((s) => s.url)).toEqual([URL_B]);
    expect(store.get(URL_A)).toBeUndefined();
    store.remove(URL_B);
    expect(existsSync(join(tmp.dir, CREDENTIALS_FILE))).toBe(false);
  });

  it.each([
    ['no encryption at all', { available: false }, 'no encryption'],
    ['Linux without a secret service', { backend: 'basic_text' }, 'fixed key'],
  ])('refuses to store with %s, and writes nothing', (_name, options, words) => {
    const { storage, calls } = fakeSafeStorage(options);
    const store = createSafeStorageCredentials({ safeStorage: storage, userDataDir: tmp.dir });
    expect(() => store.set(URL_A, { kind: 'token', token: 't' })).toThrow(words);
    expect(store.list()).toMatchObject({ store: 'none', saved: [] });
    expect(store.list().unavailable).toContain(words);
    expect(calls.encrypt).toBe(0);
    expect(readdirSync(tmp.dir)).toEqual([]);
  });

  it('a file that does not decrypt is reported as corrupt, naming it', () => {
    writeFileSync(join(tmp.dir, CREDENTIALS_FILE), 'plain junk');
    const { storage } = fakeSafeStorage();
    const store = createSafeStorageCredentials({ safeStorage: storage, userDataDir: tmp.dir });
    expect(() => store.get(URL_A)).toThrow(CREDENTIALS_FILE);
    let caught: unknown;
    try {
      store.list();
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'CORRUPT_FILE' });
    // Keeping credentials again, or forgetting a server, replaces the unreadable file.
    expect(store.remove(URL_A)).toMatchObject({ saved: [] });
    expect(readdirSync(tmp.dir)).toEqual([]);
    writeFileSync(join(tmp.dir, CREDENTIALS_FILE), 'plain junk');
    store.set(URL_A, { kind: 'token', token: 't' });
    expect(store.get(URL_A)).toEqual({ kind: 'token', token: 't' });
  });
});
