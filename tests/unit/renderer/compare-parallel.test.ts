import { describe, expect, it } from 'vitest';
import {
  axisPosition,
  axisTicks,
  brushBetween,
  jitter,
  makeAxis,
  metricColor,
  MISSING,
  parallelData,
  passesBrushes,
  scatterData,
  type RunValues,
} from '../../../renderer/views/Compare/parallel';

const run = (
  id: string,
  params: Record<string, string>,
  metrics: Record<string, number>,
): RunValues => ({ id, name: `run-${id}`, params, metrics });

/** WCAG contrast ratio of an `rgb(r, g, b)` color against white. */
function contrastOnWhite(color: string): number {
  const [r, g, b] = color.match(/\d+/g)!.map((c) => {
    const v = Number(c) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 1.05 / (0.2126 * r! + 0.7152 * g! + 0.0722 * b! + 0.05);
}

const RUNS = [
  run('a', { lr: '0.001', opt: 'adam', layers: '2' }, { val_loss: 0.5 }),
  run('b', { lr: '0.1', opt: 'sgd', layers: '4' }, { val_loss: 0.9 }),
  run('c', { lr: '0.01', opt: 'adam', layers: '3' }, { val_loss: 0.3 }),
  run('d', { lr: '0.01', opt: 'rmsprop' }, {}),
];

describe('axes', () => {
  it('is numeric when every present value is a number, log across two decades', () => {
    expect(makeAxis('layers', ['2', '4', null, '3'])).toMatchObject({
      kind: 'linear',
      min: 2,
      max: 4,
    });
    expect(makeAxis('lr', ['0.001', '0.1'])).toMatchObject({ kind: 'log', min: 0.001, max: 0.1 });
    expect(makeAxis('opt', ['sgd', 'adam', '1'])).toMatchObject({
      kind: 'categorical',
      categories: ['1', 'adam', 'sgd'],
    });
    expect(makeAxis('x', ['', '2']).kind).toBe('categorical');
  });

  it('scales values to 0…1, missing ones below the axis', () => {
    const lin = makeAxis('layers', ['2', '4']);
    expect(axisPosition(lin, '3')).toBe(0.5);
    expect(axisPosition(lin, 4)).toBe(1);
    expect(axisPosition(lin, null)).toBe(MISSING);
    const log = makeAxis('lr', ['0.001', '0.1']);
    expect(axisPosition(log, '0.01')).toBeCloseTo(0.5, 12);
    const cat = makeAxis('opt', ['sgd', 'adam', 'rmsprop']);
    expect(['adam', 'rmsprop', 'sgd'].map((v) => axisPosition(cat, v))).toEqual([0, 0.5, 1]);
    expect(axisPosition(cat, 'nadam')).toBe(MISSING);
    expect(axisPosition(makeAxis('k', ['7', '7']), '7')).toBe(0.5);
    expect(axisTicks(log, 3).map((t) => t.label)).toEqual(['0.001', '0.01', '0.1']);
  });
});

describe('parallelData', () => {
  it('draws one line per run with the metric, the metric as the last axis', () => {
    const data = parallelData(RUNS, ['lr', 'opt', 'layers'], 'val_loss');
    expect(data.axes.map((a) => [a.key, a.kind])).toEqual([
      ['lr', 'log'],
      ['opt', 'categorical'],
      ['layers', 'linear'],
      ['val_loss', 'linear'],
    ]);
    expect(data.lines.map((l) => l.runId)).toEqual(['a', 'b', 'c']);
    const c = data.lines[2]!;
    expect(c.positions[0]).toBeCloseTo(0.5, 12);
    expect(c.positions[1]).toBe(0);
    expect(c.positions[2]).toBe(0.5);
    expect(c.positions[3]).toBe(0);
    expect(data.lines[1]!.positions[3]).toBe(1);
  });

  it('colors from dark (low) to amber (high), every line visible on white', () => {
    expect(metricColor(0)).toBe('rgb(68, 1, 84)');
    expect(metricColor(1)).toBe('rgb(205, 125, 0)');
    expect(metricColor(2)).toBe(metricColor(1));
    // WCAG's 3:1 for graphics against the white plot: viridis's yellow end (253, 231, 37) has 1.3:1.
    for (let k = 0; k <= 100; k++)
      expect(contrastOnWhite(metricColor(k / 100))).toBeGreaterThanOrEqual(3);
  });
});

describe('scatterData', () => {
  it('plots numeric params at their value and skips runs lacking param or metric', () => {
    const s = scatterData(RUNS, 'layers', 'val_loss');
    expect(s.points.map((p) => [p.runId, p.x, p.y])).toEqual([
      ['a', 2, 0.5],
      ['b', 4, 0.9],
      ['c', 3, 0.3],
    ]);
    expect(s.skipped).toBe(1);
  });

  it('places categories at their index with a stable jitter', () => {
    const s = scatterData(RUNS, 'opt', 'val_loss');
    expect(s.axis.categories).toEqual(['adam', 'sgd']);
    const b = s.points.find((p) => p.runId === 'b')!;
    expect(b.x).toBeCloseTo(1 + jitter('b'), 12);
    expect(Math.abs(jitter('b'))).toBeLessThanOrEqual(0.3);
    expect(jitter('b')).toBe(jitter('b'));
  });
});

describe('brushing', () => {
  it('keeps the lines inside every brushed range, dropping missing values', () => {
    const data = parallelData(RUNS, ['lr', 'opt', 'layers'], 'val_loss');
    const pass = (brushes: Map<number, { lo: number; hi: number }>) =>
      data.lines.filter((l) => passesBrushes(l, brushes)).map((l) => l.runId);
    expect(pass(new Map())).toEqual(['a', 'b', 'c']);
    // val_loss ≤ 0.5 of the 0.3 … 0.9 range: a (0.5) and c (0.3).
    expect(pass(new Map([[3, { lo: 0, hi: 1 / 3 + 1e-9 }]]))).toEqual(['a', 'c']);
    // and opt = adam (the bottom category).
    expect(
      pass(
        new Map([
          [3, { lo: 0, hi: 0.5 }],
          [1, { lo: 0, hi: 0.1 }],
        ]),
      ),
    ).toEqual(['a', 'c']);
    expect(pass(new Map([[2, { lo: 0.9, hi: 1 }]]))).toEqual(['b']);
    const missing = parallelData([run('x', {}, { val_loss: 1 }), ...RUNS], ['lr'], 'val_loss');
    expect(missing.lines[0]!.positions[0]).toBe(MISSING);
    expect(passesBrushes(missing.lines[0]!, new Map([[0, { lo: 0, hi: 1 }]]))).toBe(false);
  });

  it('makes a clamped brush from a drag, none from a click', () => {
    expect(brushBetween(0.8, 0.2)).toEqual({ lo: 0.2, hi: 0.8 });
    expect(brushBetween(-0.5, 1.4)).toEqual({ lo: 0, hi: 1 });
    expect(brushBetween(0.5, 0.505)).toBeNull();
  });
});
