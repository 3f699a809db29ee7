import { describe, expect, it } from 'vitest';
import type { LineageNode } from '../../../../shared/contract';
import {
  LABEL_CHARS,
  cutMiddle,
  kindLine,
  nodeTitle,
  shortLabel,
} from '../../../../renderer/views/Data/lineage-labels';

const trial = (n: number): LineageNode => ({
  id: `0e963e8e-5d1c-4c4f-9a3b-00000000000${n}`,
  kind: 'run',
  label: `flights_q1_clean-gbdt-2-trial${n}`,
  hash: '07492aa0ffeeddcc',
  status: 'finished',
});

describe('lineage node labels', () => {
  it('cuts long names in the middle so names that share a prefix stay apart', () => {
    const labels = [1, 2, 3, 4].map((n) => shortLabel(trial(n)));
    expect(new Set(labels).size).toBe(4);
    for (const l of labels) expect(l.length).toBeLessThanOrEqual(LABEL_CHARS);
    expect(labels[2]).toBe('flights_q…gbdt-2-trial3');
    expect(cutMiddle('short', 10)).toBe('short');
    expect(cutMiddle('abcdefghijkl', 8)).toHaveLength(8);
  });

  it("shows a run's id, not its config hash, and keeps the whole of both in the tooltip", () => {
    const run = trial(3);
    expect(kindLine(run)).toBe('run · finished · 0e963e8e');
    expect(nodeTitle(run)).toBe(
      `flights_q1_clean-gbdt-2-trial3\nrun ${run.id}\nconfig hash 07492aa0ffeeddcc`,
    );
    const version: LineageNode = {
      id: 'v1',
      kind: 'version',
      label: 'flights_q1_clean@1',
      hash: 'abcdef0123456789',
    };
    expect(kindLine(version)).toBe('version · abcdef01');
    expect(shortLabel(version)).toBe('flights_q1_clean@1');
    expect(
      shortLabel({ id: 'f', kind: 'file', label: '/data/raw/flights-3m-sample-2001.parquet' }),
    ).toMatch(/….*\.parquet$/);
  });
});
