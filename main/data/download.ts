// Downloads a dataset URL into the workspace's tmp folder so it can be imported like a local file.
import { randomBytes } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LatheError } from '../../shared/contract';
import { redactUrl, redactUrlsIn } from '../../shared/redact';
import { makeDirs } from '../workspace/make-dirs';

export const isUrl = (path: string): boolean => /^https?:\/\//i.test(path.trim());

const KNOWN_EXTENSIONS = new Set([
  '.csv',
  '.tsv',
  '.tab',
  '.parquet',
  '.pq',
  '.json',
  '.ndjson',
  '.jsonl',
  '.txt',
]);

const BY_CONTENT_TYPE: Record<string, string> = {
  'text/csv': '.csv',
  'application/csv': '.csv',
  'text/tab-separated-values': '.tsv',
  'application/json': '.json',
  'application/x-ndjson': '.ndjson',
  'application/ndjson': '.ndjson',
  'application/jsonl': '.ndjson',
  'application/x-jsonlines': '.ndjson',
  'application/vnd.apache.parquet': '.parquet',
  'application/x-parquet': '.parquet',
  'text/plain': '.txt',
};

/** The file name to save a download as: the URL path's name when it has a known extension, else by Content-Type. */
export function downloadName(url: string, contentType: string | null): string {
  let base = 'download';
  try {
    const last = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
    if (last) base = last.replace(/[^A-Za-z0-9_.-]/g, '_');
  } catch {
    // keep the default name
  }
  const ext = extname(base).toLowerCase();
  if (KNOWN_EXTENSIONS.has(ext)) return base;
  const mime = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return `${base}${BY_CONTENT_TYPE[mime] ?? ''}`;
}

/** Why a fetch failed, in words: the cause's code (ECONNREFUSED, ENOTFOUND) when Node gives one. */
function reason(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const code = e.cause?.code;
  const words: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host name lookup failed (offline?)',
    ECONNRESET: 'connection reset',
    ETIMEDOUT: 'timed out',
    ENETUNREACH: 'network unreachable (offline?)',
    EHOSTUNREACH: 'host unreachable',
  };
  if (code) return redactUrlsIn(`${words[code] ?? e.cause?.message ?? 'network error'} (${code})`);
  return redactUrlsIn(e.cause?.message ?? e.message ?? String(err));
}

export interface Download {
  /** The downloaded file, in its own folder under tmp. */
  file: string;
  /** Replaces the temporary path with the URL in an error's message, so errors name what the user gave. */
  rename(err: unknown): unknown;
  /** Deletes the download. */
  remove(): void;
}

/**
 * The URL to fetch and its headers: credentials written into the URL (https://user:pass@host/…, which
 * fetch refuses) are sent as HTTP Basic authorization instead, and never appear in what is recorded.
 */
export function fetchTarget(url: string): { url: string; headers: Record<string, string> } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url, headers: {} };
  }
  if (!parsed.username && !parsed.password) return { url, headers: {} };
  const user = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  parsed.username = '';
  parsed.password = '';
  return {
    url: parsed.toString(),
    headers: { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
  };
}

/**
 * Streams `url` to a new folder under `tmpDir`. Offline, unreachable, or a non-2xx status fails with
 * NETWORK naming the URL and the reason; nothing is left behind.
 */
export async function downloadToFile(
  url: string,
  tmpDir: string,
  signal: AbortSignal,
  onProgress?: (bytes: number, total: number | null) => void,
): Promise<Download> {
  const dir = join(tmpDir, `download-${randomBytes(8).toString('hex')}`);
  const remove = () => rmSync(dir, { recursive: true, force: true });
  // What messages and records name: the URL with its credentials replaced by ***.
  const shown = redactUrl(url);
  try {
    let res: Response;
    try {
      const target = fetchTarget(url);
      res = await fetch(target.url, { signal, redirect: 'follow', headers: target.headers });
    } catch (err) {
      if (signal.aborted) throw new LatheError('CANCELLED', `download of ${shown} was cancelled`);
      throw new LatheError('NETWORK', `cannot download ${shown}: ${reason(err)}`, { url: shown });
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => undefined);
      throw new LatheError(
        'NETWORK',
        `cannot download ${shown}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`,
        { url: shown, status: res.status },
      );
    }
    makeDirs(dir);
    const file = join(dir, downloadName(url, res.headers.get('content-type')));
    const total = Number(res.headers.get('content-length')) || null;
    let bytes = 0;
    const body = Readable.fromWeb(res.body);
    body.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      onProgress?.(bytes, total);
    });
    try {
      await pipeline(body, createWriteStream(file));
    } catch (err) {
      if (signal.aborted) throw new LatheError('CANCELLED', `download of ${shown} was cancelled`);
      throw new LatheError('NETWORK', `cannot download ${shown}: ${reason(err)}`, { url: shown });
    }
    return {
      file,
      remove,
      rename(err) {
        if (!(err instanceof LatheError)) return err;
        const swap = (text: string) => text.split(file).join(shown);
        return new LatheError(
          err.code,
          swap(err.message),
          err.details && { ...err.details, ...(err.details.file ? { file: shown } : {}) },
        );
      },
    };
  } catch (err) {
    remove();
    throw err;
  }
}
