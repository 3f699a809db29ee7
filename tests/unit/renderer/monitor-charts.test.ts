import { describe, expect, it } from 'vitest';
import { lineDataset } from '../../../renderer/charts/line-chart';
import { sequentialColors } from '../../../renderer/charts/color-scale';
import { stackColors, windowAxis } from '../../../renderer/views/Monitor/monitor-charts';
import { predictionSeries } from '../../../renderer/views/Monitor/monitor-model';

describe('predictions over time, stacked', () => {
  // 19 probability bins, as the review's model had: a categorical cycle of 8 repeated its colors.
  const edges = Array.from({ length: 20 }, (_, i) => 0.034 + i * 0.0436);
  const series = predictionSeries([
    {
      start: '2026-12-07T00:00:00.000Z',
      prediction: {
        statistic: 0,
        drifted: false,
        current: { kind: 'numeric', edges, counts: edges.slice(1).map((_, i) => i + 1) },
      },
    },
  ]);
  const keys = series.series.map((s) => s.key);

  it('colors ordered probability bins along a sequential scale, no color twice', () => {
    expect(keys).toHaveLength(19);
    const colors = stackColors(keys);
    expect(new Set(colors).size).toBe(19);
    expect(colors).toEqual(sequentialColors(19));
  });

  it("follows the bins' order, not the order they are listed in", () => {
    const shuffled = [keys[2]!, keys[0]!, keys[1]!];
    const [c2, c0, c1] = stackColors(shuffled);
    expect([c0, c1, c2]).toEqual(sequentialColors(3));
  });

  it('keeps categorical colors for classes, distinct past the palette', () => {
    const classes = Array.from({ length: 12 }, (_, i) => `class-${i}`);
    const colors = stackColors(classes);
    expect(new Set(colors).size).toBe(12);
    expect(stackColors(['false', 'true'])).not.toEqual(sequentialColors(2));
  });
});

describe('a line chart of one window', () => {
  it('puts the point in the middle of the plot, as a visible dot', () => {
    expect(windowAxis(1).offset).toBe(true);
    expect(windowAxis(7).offset).toBe(false);
    const one = lineDataset({ label: 'a', data: [0.8], yAxisID: 'y', color: '#000', points: 1 });
    const few = lineDataset({ label: 'a', data: [0.8, 1], yAxisID: 'y', color: '#000', points: 2 });
    expect(one.pointRadius).toBeGreaterThan(few.pointRadius);
  });
});
