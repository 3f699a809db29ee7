import { describe, expect, it } from 'vitest';
import type { VerifyOut } from '../../../shared/contract/workspace';
import { summarizeVerify } from '../../../renderer/views/Projects/verify-model';

const checked = {
  blobs: 12,
  references: 9,
  datasetVersions: 1,
  captureFiles: 3,
  modelVersions: 0,
  aliases: 2,
};
const base: VerifyOut = { ok: true, checked, problems: [], warnings: [] };

describe('verify panel model', () => {
  it('says what was checked and that nothing is wrong', () => {
    const s = summarizeVerify(base);
    expect(s.state).toBe('ok');
    expect(s.headline).toBe(
      'Workspace verified: 12 artifacts, 1 dataset version, 3 capture files, 0 model versions, 2 aliases checked, no problems',
    );
    expect(s.problems).toEqual([]);
  });

  it('lists each problem naming the thing, and counts them', () => {
    const s = summarizeVerify({
      ...base,
      ok: false,
      problems: [
        {
          kind: 'blob-hash',
          subject: 'ab'.repeat(32),
          message: 'artifact … holds content hashing to cd…',
        },
        {
          kind: 'dataset-file',
          subject: 'penguins@1',
          message: 'penguins@1: its file … is missing',
        },
      ],
    });
    expect(s.state).toBe('problems');
    expect(s.headline).toMatch(/^Workspace verify found 2 problems \(checked 12 artifacts/);
    expect(s.problems.map((p) => [p.kind, p.subject])).toEqual([
      ['Artifact changed', 'ab'.repeat(32)],
      ['Dataset file', 'penguins@1'],
    ]);
  });

  it('shows warnings without failing, and never calls a listed problem verified', () => {
    const warned = summarizeVerify({
      ...base,
      warnings: [
        { kind: 'orphan-file', subject: 'datasets/x.parquet', message: 'named by no version' },
      ],
    });
    expect(warned.state).toBe('ok');
    expect(warned.warnings).toEqual([
      { kind: 'Unreferenced file', subject: 'datasets/x.parquet', message: 'named by no version' },
    ]);
    const inconsistent = summarizeVerify({
      ...base,
      problems: [{ kind: 'alias-target', subject: 'm@champion', message: 'points at 7' }],
    });
    expect(inconsistent.state).toBe('problems');
    expect(inconsistent.headline).toMatch(/found 1 problem \(/);
  });
});
