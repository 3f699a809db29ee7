import { closeSync, openSync, readSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { LatheError, type FileFormat } from '../../shared/contract';

const BY_EXTENSION: Record<string, FileFormat> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.parquet': 'parquet',
  '.pq': 'parquet',
  '.json': 'json',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
};

function head(path: string, bytes: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

function looksBinary(buf: Buffer): boolean {
  let odd = 0;
  for (const b of buf) {
    if (b === 0) return true;
    if (b < 7 || (b > 13 && b < 32)) odd++;
  }
  return buf.length > 0 && odd / buf.length > 0.05;
}

/** Picks the reader for a file: by extension when it has a known one, else by sniffing its first bytes. */
export function detectFormat(path: string): FileFormat {
  const ext = extname(path).toLowerCase();
  const sample = head(path, 64 * 1024);
  const isParquet = sample.length >= 4 && sample.subarray(0, 4).toString('latin1') === 'PAR1';
  const byExt = BY_EXTENSION[ext];
  if (byExt === 'parquet' || isParquet) return 'parquet';
  if (looksBinary(sample)) {
    throw new LatheError(
      'UNSUPPORTED_FILE',
      `${basename(path)}: not a CSV/TSV, Parquet, JSON or NDJSON file (binary content${ext ? ` with extension ${ext}` : ''})`,
      { file: path },
    );
  }
  if (byExt) return byExt;
  const text = sample
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (text.startsWith('[')) return 'json';
  if (text.startsWith('{')) {
    const lines = text.split('\n').filter((l) => l.trim());
    return lines.length > 1 && lines.slice(0, 3).every((l) => l.trim().startsWith('{'))
      ? 'ndjson'
      : 'json';
  }
  if (['.txt', '.dat', '.data', ''].includes(ext)) {
    const firstLine = text.split('\n')[0] ?? '';
    return firstLine.split('\t').length > firstLine.split(',').length ? 'tsv' : 'csv';
  }
  throw new LatheError(
    'UNSUPPORTED_FILE',
    `${basename(path)}: unsupported file type ${ext}; use CSV/TSV, Parquet, JSON or NDJSON`,
    { file: path },
  );
}
