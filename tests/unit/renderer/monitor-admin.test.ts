import { describe, expect, it } from 'vitest';
import { IngestOut } from '../../../shared/contract';
import {
  ingestDir,
  ingestSummary,
  referenceData,
  segmentFile,
} from '../../../renderer/views/Monitor/monitor-admin-model';

const segment = (status: 'ingested' | 'already' | 'skipped', rows: number) => ({
  file: `/log/species@1_x-${status}.ndjson`,
  sha256: 'ab',
  status,
  rows,
  model: 'species',
  version: 1,
});

describe('monitor admin view model', () => {
  it('reference data: NAME for the latest, NAME@v for a version, a problem otherwise', () => {
    expect(referenceData(' penguins ', '')).toEqual({ data: 'penguins' });
    expect(referenceData('penguins', ' 02 ')).toEqual({ data: 'penguins@2' });
    expect(referenceData('', '1')).toEqual({
      problem: 'Pick a dataset to take the reference from.',
    });
    for (const bad of ['0', '1.5', '-1', 'two'])
      expect(referenceData('penguins', bad)).toEqual({
        problem: `Version must be a whole number from 1 (or empty for the latest), not "${bad}".`,
      });
  });

  it('ingest folder: trimmed, empty is a problem', () => {
    expect(ingestDir('  /var/log/lathe ')).toEqual({ dir: '/var/log/lathe' });
    expect(ingestDir('   ')).toHaveProperty('problem');
  });

  it('ingest summary counts segments per status and new rows', () => {
    const out = IngestOut.parse({
      segments: [
        segment('ingested', 3),
        segment('ingested', 1),
        segment('already', 2),
        segment('skipped', 0),
      ],
      rows: 4,
    });
    expect(ingestSummary(out)).toBe(
      '4 segments: 2 ingested, 1 already ingested, 1 skipped · 4 new captured rows',
    );
    expect(ingestSummary({ segments: [segment('already', 1)], rows: 0 })).toBe(
      '1 segment: 0 ingested, 1 already ingested, 0 skipped · 0 new captured rows',
    );
    expect(ingestSummary({ segments: [], rows: 0 })).toBe('No segment files found in that folder.');
  });

  it('segment file names drop the folder', () => {
    expect(segmentFile('/a/b/species@1_x.ndjson')).toBe('species@1_x.ndjson');
    expect(segmentFile('C:\\logs\\s.ndjson')).toBe('s.ndjson');
  });
});
