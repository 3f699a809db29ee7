import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../main/services';
import { bucketCount } from '../../main/tracking/downsample';
import { contractClient, runRecorder } from '../helpers/services';
import { tempDir } from '../helpers/workspace';

const t = tempDir('lathe-downsample-');
let services: Services;
let runId: string;
const { call } = contractClient(() => services);

const N = 200_000;
/** Sharp one-step spikes, up and down, that a shape-preserving downsampling must keep. */
const SPIKES = new Map([
  [12_345, 40],
  [77_777, -35],
  [120_001, 25],
  [150_000, 60],
  [199_000, -50],
]);

/** A deterministic noisy decaying curve (mulberry32 noise) with the spikes above. */
function series(): { step: number; value: number }[] {
  let seed = 42;
  const rand = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let r = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    r ^= r + Math.imul(r ^ (r >>> 7), 61 | r);
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: N }, (_, step) => ({
    step,
    value:
      SPIKES.get(step) ??
      2 * Math.exp(-step / 40_000) + 0.3 * Math.sin(step / 3000) + (rand() - 0.5) * 0.2,
  }));
}

/**
 * A straightforward LTTB (Steinarsson 2013) with `buckets` buckets plus the first and last point, using
 * the documented bucketing (point i in bucket ⌊(i − 1)·B / (n − 2)⌋); returns the selected indices and,
 * separately, each bucket's min and max value indices (earliest on ties).
 */
function reference(xs: number[], ys: number[], buckets: number) {
  const n = xs.length;
  const ranges: [number, number][] = [];
  for (let i = 1; i < n - 1; i++) {
    const k = Math.floor(((i - 1) * buckets) / (n - 2));
    if (ranges[k]) ranges[k][1] = i + 1;
    else ranges[k] = [i, i + 1];
  }
  const lttb = [0];
  const extremes: number[] = [];
  let a = 0;
  for (let k = 0; k < buckets; k++) {
    const [from, to] = ranges[k]!;
    let nx = xs[n - 1]!;
    let ny = ys[n - 1]!;
    if (k + 1 < buckets) {
      const [f2, t2] = ranges[k + 1]!;
      let sx = 0;
      let sy = 0;
      for (let j = f2; j < t2; j++) {
        sx += xs[j]!;
        sy += ys[j]!;
      }
      nx = sx / (t2 - f2);
      ny = sy / (t2 - f2);
    }
    let best = from;
    let bestArea = -1;
    let lo = from;
    let hi = from;
    for (let j = from; j < to; j++) {
      const area = Math.abs((xs[a]! - nx) * (ys[j]! - ys[a]!) - (xs[a]! - xs[j]!) * (ny - ys[a]!));
      if (area > bestArea) {
        bestArea = area;
        best = j;
      }
      if (ys[j]! < ys[lo]!) lo = j;
      if (ys[j]! > ys[hi]!) hi = j;
    }
    lttb.push(best);
    extremes.push(lo, hi);
    a = best;
  }
  lttb.push(n - 1);
  return { lttb, extremes };
}

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  const record = await runRecorder(services);
  runId = await record({ name: 'long', experiment: 'downsample' });
  const points = series();
  for (let from = 0; from < N; from += 50_000) {
    await services.tracking.logMetricsBulk(
      runId,
      points.slice(from, from + 50_000).map((p) => ({ key: 'signal', ...p, timestamp: p.step })),
    );
  }
  for (let step = 0; step < 100; step++)
    await services.tracking.logMetrics(runId, step, { lr: 0.01 / (1 + step) });
});
afterAll(async () => {
  await services.close();
  t.remove();
});

describe('metric history downsampling', () => {
  it('keeps the shape of 200,000 points within maxPoints: first, last, spikes, and LTTB exactly', async () => {
    const maxPoints = 1000;
    const out = await call('runs:metrics', { id: runId, key: 'signal', maxPoints });
    expect(out.series).toEqual({ signal: { downsampled: true, totalPoints: N } });
    expect(out.points.length).toBeLessThanOrEqual(maxPoints);
    expect(out.points.length).toBeGreaterThan(maxPoints * 0.6);
    const data = series();
    expect(out.points[0]).toMatchObject({ step: 0, value: data[0]!.value });
    expect(out.points.at(-1)).toMatchObject({ step: N - 1, value: data[N - 1]!.value });
    for (const [step, value] of SPIKES)
      expect(out.points.find((p) => p.step === step)?.value).toBe(value);
    const steps = out.points.map((p) => p.step);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));

    const ref = reference(
      data.map((p) => p.step),
      data.map((p) => p.value),
      bucketCount(maxPoints),
    );
    const got = new Set(steps);
    // Every point LTTB picks is there, and nothing but those and the buckets' extremes.
    expect(ref.lttb.filter((i) => !got.has(i))).toEqual([]);
    expect(steps).toEqual([...new Set([...ref.lttb, ...ref.extremes])].sort((a, b) => a - b));
    for (const p of out.points) expect(p.value).toBe(data[p.step]!.value);
  });

  it('returns short series whole and defaults to 2,000 points', async () => {
    const all = await call('runs:metrics', { id: runId });
    expect(all.series).toEqual({
      lr: { downsampled: false, totalPoints: 100 },
      signal: { downsampled: true, totalPoints: N },
    });
    const lr = all.points.filter((p) => p.key === 'lr');
    expect(lr.map((p) => p.step)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const signal = all.points.filter((p) => p.key === 'signal');
    expect(signal.length).toBeLessThanOrEqual(2000);
    expect(signal.length).toBeGreaterThan(1500);
    const whole = await call('runs:metrics', { id: runId, key: 'lr', maxPoints: 100 });
    expect(whole.series.lr).toEqual({ downsampled: false, totalPoints: 100 });
    expect(whole.points).toHaveLength(100);
  });
});
