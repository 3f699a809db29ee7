import { describe, expect, it } from 'vitest';
import { checksum, overlayDatasets, withAlpha } from '../../../renderer/views/Compare/chart-data';
import { groupCurves, type RunCurve } from '../../../renderer/views/Compare/curves';

const curves: RunCurve[] = [
  { runId: 'a', points: [0, 1, 2].map((x) => ({ x, y: 1 + x })) },
  { runId: 'b', points: [0, 1, 2].map((x) => ({ x, y: 3 + x })) },
  { runId: 'c', points: [0, 1].map((x) => ({ x, y: 10 })) },
];
const runs = {
  curves,
  names: ['run a', 'run b', 'run c'],
  colors: ['#4e79a7', '#f28e2b', 'hsl(10, 62%, 42%)'],
  hidden: new Set(['c']),
};

describe('overlay datasets', () => {
  it('draws one line per run without points, hidden runs flagged', () => {
    const { datasets, bands } = overlayDatasets(runs, null);
    expect(bands).toBe(0);
    expect(datasets.map((d) => [d.label, d.hidden, d.pointRadius])).toEqual([
      ['run a', false, 0],
      ['run b', false, 0],
      ['run c', true, 0],
    ]);
    expect(datasets[1]!.data).toBe(curves[1]!.points);
    // Hidden runs do not count: 1+2+3 + 3+4+5, x up to 2.
    expect(checksum(datasets)).toBe(`${(18).toPrecision(10)}|${(2).toPrecision(10)}`);
  });

  it('draws per group an upper edge filled to the lower one, then the mean', () => {
    const g = groupCurves(curves.slice(0, 2), () => 'all');
    const { datasets, bands } = overlayDatasets(runs, { curves: g, colors: ['#4e79a7'] });
    expect(bands).toBe(1);
    expect(datasets).toHaveLength(3);
    const [upper, lower, mean] = datasets;
    expect(upper!.fill).toBe('+1');
    expect(lower!.fill).toBe(false);
    expect(upper!.data.map((p) => p.y)).toEqual([3, 4, 5]);
    expect(lower!.data.map((p) => p.y)).toEqual([1, 2, 3]);
    expect(mean!.data.map((p) => p.y)).toEqual([2, 3, 4]);
    expect(mean!.label).toBe('all (2 runs)');
    expect(upper!.backgroundColor).toBe('rgba(78, 121, 167, 0.18)');
  });

  it('makes translucent fills from hex and hsl colors', () => {
    expect(withAlpha('#ff0080', 0.5)).toBe('rgba(255, 0, 128, 0.5)');
    expect(withAlpha('hsl(10, 62%, 42%)', 0.2)).toBe('hsla(10, 62%, 42%, 0.2)');
  });
});
