import { describe, expect, it } from 'vitest';
import {
  decodeSeriesColumns,
  groupCurves,
  groupOf,
  maxPointsPerSeries,
  runColor,
  runCurves,
  smoothEma,
  toXY,
  valueAtStep,
  type SeriesColumns,
} from '../../../renderer/views/Compare/curves';
import { parseRoute, routeHref } from '../../../renderer/lib/routes';

/** A series by column with these values at steps 0, 1, …, `dt` ms apart. */
const pts = (values: number[], t0 = 1_000_000, dt = 2000): SeriesColumns => ({
  steps: values.map((_, step) => step),
  values,
  timestamps: values.map((_, step) => t0 + step * dt),
});

/** A series by column at these steps, with `value(step)` and no time. */
const atSteps = (steps: number[], value: (step: number) => number): SeriesColumns => ({
  steps,
  values: steps.map(value),
  timestamps: steps.map(() => 0),
});

describe('compare route', () => {
  it('parses and writes #/compare?ids=…, trimming, dropping empties and repeats', () => {
    expect(parseRoute('#/compare?ids=abc,%20def%20,,abc,g%2Ch')).toEqual({
      view: 'compare',
      ids: ['abc', 'def', 'g', 'h'],
    });
    expect(parseRoute('#/compare')).toEqual({ view: 'compare', ids: [] });
    expect(routeHref({ view: 'compare', ids: ['a1', 'b2'] })).toBe('#/compare?ids=a1,b2');
    expect(parseRoute(routeHref({ view: 'compare', ids: ['a b', 'c'] }))).toEqual({
      view: 'compare',
      ids: ['a b', 'c'],
    });
  });
});

describe('smoothEma', () => {
  it('is the identity at 0 and debiases the first point', () => {
    expect(smoothEma([3, 1, 4], 0)).toEqual([3, 1, 4]);
    const s = smoothEma([10, 10, 10], 0.9);
    for (const v of s) expect(v).toBeCloseTo(10, 12);
  });

  it("matches TensorBoard's formula", () => {
    const w = 0.6;
    const ys = [1, 5, 2, 8];
    let last = 0;
    const expected = ys.map((y, i) => {
      last = last * w + (1 - w) * y;
      return last / (1 - w ** (i + 1));
    });
    const got = smoothEma(ys, w);
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
    expect(got[0]).toBeCloseTo(1, 12);
    // Smoothing pulls a spike towards its neighbours.
    expect(got[3]).toBeLessThan(8);
  });

  it('passes non-finite values through without advancing', () => {
    const got = smoothEma([2, Number.NaN, 2], 0.5);
    expect(got[0]).toBeCloseTo(2);
    expect(got[1]).toBeNaN();
    expect(got[2]).toBeCloseTo(2);
  });

  it('rejects weights outside 0…0.99, naming the value', () => {
    expect(() => smoothEma([1], 1)).toThrow(/smoothing.*got 1/);
    expect(() => smoothEma([1], -0.1)).toThrow(/smoothing/);
  });
});

describe('x axis', () => {
  it('maps to steps and to seconds since the first point', () => {
    const p = pts([5, 6, 7]);
    expect(toXY(p, 'step')).toEqual([
      { x: 0, y: 5 },
      { x: 1, y: 6 },
      { x: 2, y: 7 },
    ]);
    expect(toXY(p, 'time').map((q) => q.x)).toEqual([0, 2, 4]);
  });

  it('pairs another metric at the same step, interpolating where it was not logged', () => {
    const y = atSteps([0, 2, 5, 9], (step) => step * 10);
    const x = atSteps([0, 4, 8], (step) => step / 2);
    expect(valueAtStep(x, 4)).toBe(2);
    expect(valueAtStep(x, 5)).toBeCloseTo(2.5);
    expect(valueAtStep(x, 9)).toBeNull();
    expect(toXY(y, 'metric', x)).toEqual([
      { x: 0, y: 0 },
      { x: 1, y: 20 },
      { x: 2.5, y: 50 },
    ]);
  });

  it('builds one curve per run in order, empty for runs without the metric', () => {
    const series = [
      { runId: 'b', key: 'loss', ...pts([4, 2, 1]) },
      { runId: 'a', key: 'loss', ...pts([3, 3, 3]) },
      { runId: 'a', key: 'acc', ...pts([0.1, 0.5, 0.9]) },
    ];
    const curves = runCurves(series, ['a', 'b', 'c'], { metric: 'loss', x: 'step', smoothing: 0 });
    expect(curves.map((c) => c.runId)).toEqual(['a', 'b', 'c']);
    expect(curves[1]!.points.map((p) => p.y)).toEqual([4, 2, 1]);
    expect(curves[2]!.points).toEqual([]);
    const smoothed = runCurves(series, ['b'], { metric: 'loss', x: 'step', smoothing: 0.9 });
    expect(smoothed[0]!.points[2]!.y).toBeGreaterThan(1);
    const vsAcc = runCurves(series, ['a', 'b'], {
      metric: 'loss',
      x: 'metric',
      xMetric: 'acc',
      smoothing: 0,
    });
    expect(vsAcc[0]!.points.map((p) => p.x)).toEqual([0.1, 0.5, 0.9]);
    expect(vsAcc[1]!.points).toEqual([]);
    expect(() => runCurves(series, ['a'], { metric: 'loss', x: 'metric', smoothing: 0 })).toThrow(
      /xMetric/,
    );
  });
});

describe('runs:metricsManyColumns decoded', () => {
  const answer = {
    series: [
      {
        runId: 'r1',
        key: 'loss',
        steps: [0, 5, 9],
        values: [0.5, 0.25, 1e-300],
        timestamps: [1_700_000_000_000.5, 1_700_000_001_000, 1_700_000_002_000],
        downsampled: true,
        totalPoints: 10,
      },
      {
        runId: 'r2',
        key: 'loss',
        steps: [],
        values: [],
        timestamps: [],
        downsampled: false,
        totalPoints: 0,
      },
    ],
  };

  it('keeps every series in order, each column a Float64Array with the values exactly', () => {
    const decoded = decodeSeriesColumns(answer);
    expect(decoded.map((s) => [s.runId, s.key, s.downsampled, s.totalPoints])).toEqual([
      ['r1', 'loss', true, 10],
      ['r2', 'loss', false, 0],
    ]);
    const [first] = decoded;
    for (const column of ['steps', 'values', 'timestamps'] as const) {
      expect(first![column]).toBeInstanceOf(Float64Array);
      expect(Array.from(first![column])).toEqual(answer.series[0]![column]);
    }
    expect(decoded[1]!.steps).toHaveLength(0);
  });

  it('gives the same curves as the points would', () => {
    const decoded = decodeSeriesColumns(answer);
    const [curve] = runCurves(decoded, ['r1'], { metric: 'loss', x: 'time', smoothing: 0 });
    expect(curve!.points).toEqual([
      { x: 0, y: 0.5 },
      { x: 0.9995, y: 0.25 },
      { x: 1.9995, y: 1e-300 },
    ]);
  });

  it('refuses a series whose columns differ in length, naming its run and key', () => {
    const broken = { series: [{ ...answer.series[0]!, values: [1, 2] }] };
    expect(() => decodeSeriesColumns(broken)).toThrow(
      /series loss of run r1 has 3 steps, 2 values and 3 timestamps/,
    );
  });
});

describe('groupCurves', () => {
  it('gives the mean and population std per step of the runs covering it', () => {
    const curves = [
      { runId: 'r1', points: toXY(pts([1, 2, 3]), 'step') },
      { runId: 'r2', points: toXY(pts([3, 4, 5, 6]), 'step') },
      { runId: 'r3', points: toXY(pts([10, 10]), 'step') },
      { runId: 'r4', points: [] },
    ];
    const groups = groupCurves(curves, (id) => (id === 'r3' ? 'lr=0.1' : 'lr=0.01'));
    expect(groups.map((g) => [g.group, g.runIds])).toEqual([
      ['lr=0.01', ['r1', 'r2']],
      ['lr=0.1', ['r3']],
    ]);
    expect(groups[0]!.points).toEqual([
      { x: 0, mean: 2, std: 1, n: 2 },
      { x: 1, mean: 3, std: 1, n: 2 },
      { x: 2, mean: 4, std: 1, n: 2 },
      { x: 3, mean: 6, std: 0, n: 1 },
    ]);
    expect(groups[1]!.points.map((p) => p.std)).toEqual([0, 0]);
  });

  it('interpolates runs logged at different steps and caps the grid', () => {
    const a = { runId: 'a', points: [0, 10].map((x) => ({ x, y: x })) };
    const b = { runId: 'b', points: [0, 5, 10].map((x) => ({ x, y: 2 * x })) };
    const [g] = groupCurves([a, b], () => 'all');
    expect(g!.points.find((p) => p.x === 5)).toEqual({ x: 5, mean: 7.5, std: 2.5, n: 2 });
    const long = { runId: 'l', points: Array.from({ length: 2000 }, (_, x) => ({ x, y: 1 })) };
    const [capped] = groupCurves([long], () => 'all', 100);
    expect(capped!.points).toHaveLength(100);
    expect(capped!.points[0]!.x).toBe(0);
    expect(capped!.points[99]!.x).toBe(1999);
  });

  it("labels runs by the param's value or (none)", () => {
    expect(groupOf({ lr: '0.1' }, 'lr')).toBe('0.1');
    expect(groupOf({}, 'lr')).toBe('(none)');
  });
});

describe('resolution and colors', () => {
  it('shares a point budget between series within 50…1000', () => {
    expect(maxPointsPerSeries(2)).toBe(1000);
    expect(maxPointsPerSeries(500)).toBe(300);
    expect(maxPointsPerSeries(10_000)).toBe(50);
    expect(() => maxPointsPerSeries(0)).toThrow(/seriesCount/);
  });

  it('gives 500 runs distinct colors', () => {
    const colors = Array.from({ length: 500 }, (_, i) => runColor(i));
    expect(new Set(colors).size).toBeGreaterThan(450);
  });
});
