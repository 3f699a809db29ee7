import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../main/services';
import { bucketCount } from '../../main/tracking/downsample';
import { referenceLttb, seededRandom } from '../helpers/lttb';
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
  const rand = seededRandom(42);
  return Array.from({ length: N }, (_, step) => ({
    step,
    value:
      SPIKES.get(step) ??
      2 * Math.exp(-step / 40_000) + 0.3 * Math.sin(step / 3000) + (rand() - 0.5) * 0.2,
  }));
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

    const ref = referenceLttb(
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
