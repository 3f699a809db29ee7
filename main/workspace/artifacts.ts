import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LatheError } from '../../shared/contract';
import { makeDirs } from './make-dirs';

export interface StoredBlob {
  sha256: string;
  sizeBytes: number;
}

/** Content-addressed files under `artifacts/sha256/ab/abcdef…`: identical content is stored once. */
export interface ArtifactStore {
  put(bytes: Uint8Array): StoredBlob;
  /** Moves (or copies) an existing file into the store. */
  putFile(path: string): Promise<StoredBlob>;
  pathOf(sha256: string): string;
  has(sha256: string): boolean;
  read(sha256: string): Promise<Buffer>;
  /** Every stored blob with its size and modification time (for garbage collection). */
  list(): { sha256: string; sizeBytes: number; mtimeMs: number }[];
  /** Deletes a blob; returns the bytes freed (0 when it was not there). */
  remove(sha256: string): number;
}

const SHA256 = /^[0-9a-f]{64}$/;

export function sha256Bytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolvePromise(hash.digest('hex')));
  });
}

/** Flushes a file (or a folder's entries) to disk; folders cannot be opened for it on Windows. */
/** Flushes a file (or, with `folder`, a folder's entries, where the platform allows it) to disk. */
export function fsyncPath(path: string, folder = false): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if (folder) return;
    throw err;
  }
  try {
    fsyncSync(fd);
  } catch (err) {
    if (!folder) throw err;
  } finally {
    closeSync(fd);
  }
}

/**
 * The store's blobs are durable before anything refers to them: a blob's bytes reach the disk before it is
 * renamed into place, and its folder's entry after, so the database rows written next (a checkpoint, a
 * dataset version), which DuckDB commits durably, never outlive the file after a power loss or OS crash.
 */
export function createArtifactStore(root: string, tmpDir: string): ArtifactStore {
  // Only a sha256 names a blob: a stored or passed-in value like `../../x` never leads outside the store.
  const pathOf = (sha: string) => {
    if (!SHA256.test(sha))
      throw new LatheError(
        'INVALID_INPUT',
        `${JSON.stringify(sha)} is not a sha256 of an artifact`,
        {
          sha256: sha,
        },
      );
    return join(root, 'sha256', sha.slice(0, 2), sha);
  };
  const place = (tmp: string, sha: string) => {
    const dest = pathOf(sha);
    if (existsSync(dest)) {
      rmSync(tmp, { force: true });
      return;
    }
    const folder = join(root, 'sha256', sha.slice(0, 2));
    makeDirs(folder);
    renameSync(tmp, dest);
    fsyncPath(folder, true);
  };
  return {
    put(bytes) {
      const sha = sha256Bytes(bytes);
      if (!existsSync(pathOf(sha))) {
        makeDirs(tmpDir);
        const tmp = join(tmpDir, `blob-${randomBytes(8).toString('hex')}`);
        const fd = openSync(tmp, 'w');
        try {
          for (let at = 0; at < bytes.byteLength;)
            at += writeSync(fd, bytes, at, bytes.byteLength - at);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        place(tmp, sha);
      }
      return { sha256: sha, sizeBytes: bytes.byteLength };
    },
    async putFile(path) {
      const sha = await sha256File(path);
      const size = statSync(path).size;
      if (!existsSync(pathOf(sha))) fsyncPath(path);
      place(path, sha);
      return { sha256: sha, sizeBytes: size };
    },
    pathOf,
    has: (sha) => SHA256.test(sha) && existsSync(pathOf(sha)),
    read: (sha) => readFile(pathOf(sha)),
    list() {
      const base = join(root, 'sha256');
      if (!existsSync(base)) return [];
      return readdirSync(base).flatMap((prefix) =>
        readdirSync(join(base, prefix))
          .filter((name) => SHA256.test(name))
          .map((sha) => {
            const st = statSync(join(base, prefix, sha));
            return { sha256: sha, sizeBytes: st.size, mtimeMs: st.mtimeMs };
          }),
      );
    },
    remove(sha) {
      if (!SHA256.test(sha)) return 0;
      const path = pathOf(sha);
      if (!existsSync(path)) return 0;
      const size = statSync(path).size;
      rmSync(path, { force: true });
      return size;
    },
  };
}
