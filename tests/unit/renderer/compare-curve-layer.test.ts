import { describe, expect, it } from 'vitest';
import type { Chart } from 'chart.js';
import type { LineDataset } from '../../../renderer/views/Compare/chart-data';
import {
  curveBounds,
  curveLayer,
  traceCurve,
  type PathSink,
} from '../../../renderer/views/Compare/curve-layer';

const line = (data: [number, number][], extra: Partial<LineDataset> = {}): LineDataset => ({
  label: 'run',
  data: data.map(([x, y]) => ({ x, y })),
  borderColor: '#112233',
  borderWidth: 1,
  ...extra,
});

function recorder(): PathSink & { ops: string[] } {
  const ops: string[] = [];
  return {
    ops,
    moveTo: (x, y) => ops.push(`M${x},${y}`),
    lineTo: (x, y) => ops.push(`L${x},${y}`),
  };
}

describe('curve bounds (the range chart.js would find in the data)', () => {
  it('covers visible finite points only', () => {
    const b = curveBounds(
      [
        line([
          [0, 2],
          [5, NaN],
          [3, -1],
        ]),
        line([[100, 1000]], { hidden: true }),
        line([
          [-2, 0.5],
          [Infinity, 7],
        ]),
      ],
      false,
    );
    expect(b).toEqual({ xMin: -2, xMax: 3, yMin: -1, yMax: 2 });
  });

  it('keeps positive y only on a log axis, and is null without any point', () => {
    const data = [
      line([
        [0, 0],
        [1, -3],
        [2, 0.01],
        [3, 4],
      ]),
    ];
    expect(curveBounds(data, true)).toEqual({ xMin: 2, xMax: 3, yMin: 0.01, yMax: 4 });
    expect(curveBounds([line([[1, -1]])], true)).toBeNull();
    expect(curveBounds([], false)).toBeNull();
  });
});

describe('tracing a curve', () => {
  it('maps every point to pixels and spans gaps like spanGaps', () => {
    const sink = recorder();
    const n = traceCurve(
      sink,
      line([
        [0, 1],
        [1, NaN],
        [2, 3],
        [3, 0],
      ]).data,
      (x) => x * 10,
      (y) => 100 - y,
      false,
    );
    expect(n).toBe(3);
    expect(sink.ops).toEqual(['M0,99', 'L20,97', 'L30,100']);
  });

  it('skips y <= 0 on a log axis, starting the path at the first drawable point', () => {
    const sink = recorder();
    const data = line([
      [0, 0],
      [1, 10],
      [2, -1],
      [3, 100],
    ]).data;
    expect(
      traceCurve(
        sink,
        data,
        (x) => x,
        (y) => Math.log10(y),
        true,
      ),
    ).toBe(2);
    expect(sink.ops).toEqual(['M1,1', 'L3,2']);
  });
});

describe('the curve layer plugin', () => {
  function fakeChart() {
    const calls: string[] = [];
    const ctx = {
      save: () => calls.push('save'),
      restore: () => calls.push('restore'),
      beginPath: () => calls.push('begin'),
      rect: () => calls.push('rect'),
      clip: () => calls.push('clip'),
      setLineDash: () => undefined,
      moveTo: (x: number, y: number) => calls.push(`M${x},${y}`),
      lineTo: (x: number, y: number) => calls.push(`L${x},${y}`),
      stroke() {
        calls.push(`stroke ${String(this.strokeStyle)} ${String(this.lineWidth)}`);
      },
      strokeStyle: '',
      lineWidth: 0,
      lineCap: '',
      lineJoin: '',
    };
    const scale = { getPixelForValue: (v: number) => v };
    const chart = {
      ctx,
      chartArea: { left: 0, top: 0, right: 100, bottom: 100 },
      scales: { x: scale, y: scale },
    } as unknown as Chart<'line'>;
    return { chart, calls };
  }

  it('draws nothing until shown, then visible curves last to first with their own style', () => {
    const layer = curveLayer();
    const draw = (chart: Chart<'line'>) =>
      (layer.plugin.afterDatasetsDraw as (c: Chart<'line'>) => void)(chart);
    const empty = fakeChart();
    draw(empty.chart);
    expect(empty.calls).toEqual([]);

    layer.show({
      logY: false,
      datasets: [
        line(
          [
            [1, 1],
            [2, 2],
          ],
          { borderColor: '#aa0000', borderWidth: 1.6 },
        ),
        line(
          [
            [3, 3],
            [4, 4],
          ],
          { hidden: true },
        ),
        line([[5, 5]]),
        line(
          [
            [6, 6],
            [7, 7],
          ],
          { borderColor: '#00bb00' },
        ),
      ],
    });
    const shown = fakeChart();
    draw(shown.chart);
    expect(shown.calls.filter((c) => /^[ML]|^stroke/.test(c))).toEqual([
      'M6,6',
      'L7,7',
      'stroke #00bb00 1',
      'M1,1',
      'L2,2',
      'stroke #aa0000 1.6',
    ]);
    expect(shown.calls.slice(0, 4)).toEqual(['save', 'begin', 'rect', 'clip']);
    expect(shown.calls.at(-1)).toBe('restore');

    layer.show(null);
    const hidden = fakeChart();
    draw(hidden.chart);
    expect(hidden.calls).toEqual([]);
  });
});
