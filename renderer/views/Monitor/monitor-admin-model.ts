import type { IngestOut } from '../../../shared/contract';

/**
 * The `data` of `monitor:reference` from the dataset picker: `NAME` (its latest version) or `NAME@v`;
 * a problem in words when no dataset is picked or the version is not a whole number from 1.
 */
export function referenceData(
  dataset: string,
  version: string,
): { data: string } | { problem: string } {
  const name = dataset.trim();
  if (!name) return { problem: 'Pick a dataset to take the reference from.' };
  const v = version.trim();
  if (!v) return { data: name };
  if (!/^\d+$/.test(v) || Number(v) < 1)
    return {
      problem: `Version must be a whole number from 1 (or empty for the latest), not "${v}".`,
    };
  return { data: `${name}@${Number(v)}` };
}

/** The `dir` of `monitor:ingest`, or a problem in words when the field is empty. */
export function ingestDir(dir: string): { dir: string } | { problem: string } {
  const d = dir.trim();
  return d ? { dir: d } : { problem: 'Give the folder of segment files (or one segment file).' };
}

/** One line about an ingest: segments per status and the captured rows newly ingested. */
export function ingestSummary(out: IngestOut): string {
  const count = (status: IngestOut['segments'][number]['status']) =>
    out.segments.filter((s) => s.status === status).length;
  if (out.segments.length === 0) return 'No segment files found in that folder.';
  const parts = [
    `${count('ingested')} ingested`,
    `${count('already')} already ingested`,
    `${count('skipped')} skipped`,
  ];
  const plural = out.rows === 1 ? 'row' : 'rows';
  return `${out.segments.length} segment${out.segments.length === 1 ? '' : 's'}: ${parts.join(', ')} · ${out.rows} new captured ${plural}`;
}

/** A segment's file name without its folder (either separator). */
export const segmentFile = (path: string): string => path.split(/[\\/]/).pop() ?? path;
