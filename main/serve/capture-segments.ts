// The capture log of an exported Docker server: rotated segment files in a mounted folder, one NDJSON
// line per captured record (capture-format.ts segmentLines). A segment is written as `NAME.partial` and
// renamed to its final name (model@version_<opened>_<pid>-<seq>.ndjson) once it is full — by rows, bytes
// or age — or the server stops, so `lathe monitor ingest DIR` only ever reads finished files.
import { randomBytes } from 'node:crypto';
import { open, rename, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import {
  healthLine,
  segmentLines,
  segmentName,
  type CaptureColumns,
  type HealthRow,
} from './capture-format';
import type { PredictionSink } from './prediction-log';
import { makeDirs } from '../workspace/make-dirs';

export interface SegmentOptions {
  dir: string;
  model: string;
  version: number;
  columns: CaptureColumns;
  /** Rotate after this many records (default 100,000). */
  maxRows?: number;
  /** Rotate past this many bytes (default 64 MiB). */
  maxBytes?: number;
  /** Rotate a segment this old (ms, default 5 minutes), checked on each write and every few seconds. */
  maxAgeMs?: number;
  /** The clock (ms); tests may pass their own. */
  now?: () => number;
}

export interface SegmentSink extends PredictionSink {
  /** Finished segment files so far, in order (full paths). */
  readonly finished: readonly string[];
  /** Writes service health rows as one health segment (whole, then renamed into place). */
  writeHealth(rows: HealthRow[]): Promise<void>;
}

interface Segment {
  handle: FileHandle;
  file: string;
  openedAt: number;
  rows: number;
  bytes: number;
}

/** A prediction-log sink writing `model@version` records to rotated segment files in `dir`. */
export function segmentSink(options: SegmentOptions): SegmentSink {
  const { dir, model, version, columns } = options;
  const maxRows = options.maxRows ?? 100_000;
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const maxAgeMs = options.maxAgeMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  makeDirs(dir);
  const finished: string[] = [];
  const instance = randomBytes(4).toString('hex');
  let seq = 0;
  let current: Segment | null = null;
  let lines = 0;
  // Writes, rotations and the age timer run one after another.
  let queue: Promise<void> = Promise.resolve();
  const serial = (work: () => Promise<void>) => (queue = queue.then(work, work));

  const finish = async () => {
    const s = current;
    if (!s) return;
    current = null;
    await s.handle.close();
    const final = s.file.slice(0, -'.partial'.length);
    await rename(s.file, final);
    finished.push(final);
  };
  const timer = setInterval(
    () =>
      void serial(async () => {
        if (current && now() - current.openedAt >= maxAgeMs) await finish();
      }).catch((err: unknown) =>
        console.error(`[Segments] rotating failed: ${(err as Error).message}`),
      ),
    Math.min(maxAgeMs, 5000),
  );
  timer.unref();

  return {
    finished,
    writeHealth(rows) {
      if (!rows.length) return Promise.resolve();
      return serial(async () => {
        const final = join(
          dir,
          segmentName(model, version, new Date(now()), instance, seq++, 'health'),
        );
        await writeFile(`${final}.partial`, rows.map(healthLine).join('\n') + '\n', { flag: 'wx' });
        await rename(`${final}.partial`, final);
        finished.push(final);
      });
    },
    encode(row) {
      if (row.model !== model || row.version !== version) return '';
      lines += row.features.length;
      return segmentLines(row, columns);
    },
    seal() {
      const n = lines;
      lines = 0;
      return n;
    },
    write(batch) {
      return serial(async () => {
        if (!current) {
          const openedAt = now();
          const file = join(
            dir,
            `${segmentName(model, version, new Date(openedAt), instance, seq++)}.partial`,
          );
          current = { handle: await open(file, 'wx'), file, openedAt, rows: 0, bytes: 0 };
        }
        await current.handle.write(batch.lines);
        current.rows += batch.sealed as number;
        current.bytes += batch.lines.length;
        if (
          current.rows >= maxRows ||
          current.bytes >= maxBytes ||
          now() - current.openedAt >= maxAgeMs
        )
          await finish();
      });
    },
    close() {
      clearInterval(timer);
      return serial(finish);
    },
  };
}
