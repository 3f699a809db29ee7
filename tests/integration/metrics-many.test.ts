import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../main/services';
import { referenceKept, seededRandom } from '../helpers/lttb';
import { contractClient, runRecorder } from '../helpers/services';
import { tempDir } from '../helpers/workspace';
import { COLLECTED_POINTS } from '../../main/tracking/metric-reads';

const t = tempDir('lathe-metrics-many-');
let services: Services;
const { call, failure } = contractClient(() => services);
const runs: string[] = [];
let record: Awaited<ReturnType<typeof runRecorder>>;

const N = 5_000;
/** A noisy decaying curve per run (seeded), with one spike up and one down at run-specific steps. */
function curve(run: number): { step: number; value: number }[] {
  let seed = 1000 + run;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  return Array.from({ length: N }, (_, step) => ({
    step,
    value:
      step === 1000 + run * 500
        ? 50 + run
        : step === 3000 + run * 300
          ? -40 - run
          : Math.exp(-step / (1500 + 300 * run)) + (rand() - 0.5) * 0.05,
  }));
}

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  record = await runRecorder(services);
  for (let r = 0; r < 3; r++) {
    const id = await record({ name: `run-${r}`, experiment: r < 2 ? 'exp-a' : 'exp-b' });
    runs.push(id);
    await services.tracking.logMetricsBulk(
      id,
      curve(r).map((p) => ({ key: 'loss', ...p, timestamp: 1_000_000 + p.step * 10 })),
    );
    // A short second key: 20 + r points, never downsampled.
    await services.tracking.logMetricsBulk(
      id,
      Array.from({ length: 20 + r }, (_, step) => ({
        key: 'val_acc',
        step,
        value: r + step / 100,
        timestamp: 2_000_000 + step,
      })),
    );
  }
});
afterAll(async () => {
  await services.close();
  t.remove();
});

describe('runs:metricsMany', () => {
  it('downsamples each (run, key) series on its own, keeping first, last, min and max', async () => {
    const maxPoints = 200;
    const out = await call('runs:metricsMany', { ids: runs, keys: ['loss'], maxPoints });
    expect(out.series.map((s) => [s.runId, s.key])).toEqual(runs.map((id) => [id, 'loss']));
    for (const [r, s] of out.series.entries()) {
      const data = curve(r);
      expect(s).toMatchObject({ downsampled: true, totalPoints: N });
      expect(s.points.length).toBeLessThanOrEqual(maxPoints);
      expect(s.points.length).toBeGreaterThan(maxPoints / 2);
      expect(s.points[0]).toEqual({ step: 0, value: data[0]!.value, timestamp: 1_000_000 });
      expect(s.points.at(-1)).toMatchObject({ step: N - 1, value: data[N - 1]!.value });
      const values = s.points.map((p) => p.value);
      expect(Math.max(...values)).toBe(50 + r);
      expect(Math.min(...values)).toBe(-40 - r);
      const steps = s.points.map((p) => p.step);
      expect(steps).toEqual([...steps].sort((a, b) => a - b));
      for (const p of s.points) {
        expect(p.value).toBe(data[p.step]!.value);
        expect(p.timestamp).toBe(1_000_000 + p.step * 10);
      }
    }
  });

  it('picks the same points as the single-run history for every run', async () => {
    const many = await call('runs:metricsMany', { ids: runs, keys: ['loss'], maxPoints: 101 });
    for (const id of runs) {
      const one = await call('runs:metrics', { id, key: 'loss', maxPoints: 101 });
      const s = many.series.find((x) => x.runId === id)!;
      expect(s.points.map((p) => p.step)).toEqual(one.points.map((p) => p.step));
    }
  });

  it('returns every key of every run (sorted keys, runs in request order), short series whole', async () => {
    const ids = [runs[2]!, runs[0]!, runs[1]!];
    const out = await call('runs:metricsMany', { ids });
    expect(out.series.map((s) => `${s.runId}:${s.key}`)).toEqual(
      ids.flatMap((id) => [`${id}:loss`, `${id}:val_acc`]),
    );
    for (const [i, id] of ids.entries()) {
      const r = runs.indexOf(id);
      const acc = out.series[i * 2 + 1]!;
      expect(acc).toMatchObject({ downsampled: false, totalPoints: 20 + r });
      expect(acc.points.map((p) => p.step)).toEqual(Array.from({ length: 20 + r }, (_, s) => s));
      const loss = out.series[i * 2]!;
      expect(loss.points.length).toBeLessThanOrEqual(2000);
      expect(loss.downsampled).toBe(true);
    }
  });

  it('answers from kept series only while their runs are unchanged', async () => {
    const ask = () => call('runs:metricsMany', { ids: runs, keys: ['loss'], maxPoints: 200 });
    const first = await ask();
    expect(await ask()).toEqual(first);
    // New points for run 1 (the buffered path, then a bulk write): its series changes, the others not.
    await services.tracking.logMetrics(runs[1]!, N, { loss: 123 });
    const afterLog = await ask();
    expect(afterLog.series[1]!.totalPoints).toBe(N + 1);
    expect(afterLog.series[1]!.points.at(-1)).toMatchObject({ step: N, value: 123 });
    expect(afterLog.series[0]).toEqual(first.series[0]);
    await services.tracking.logMetricsBulk(runs[1]!, [{ key: 'loss', step: N + 1, value: -7 }]);
    expect((await ask()).series[1]!.points.at(-1)).toMatchObject({ step: N + 1, value: -7 });
    // Cutting the history back for a resume drops those points again.
    await services.tracking.reopenRun(runs[1]!, N - 1);
    expect(await ask()).toEqual(first);
  });

  it('picks what a reference LTTB picks from the finite points in (step, time) order', async () => {
    // Points logged out of order, several at one step (told apart by their time), with NaN and ±Infinity
    // (as MLflow's API stores them) that charts leave out; a second key shorter than the buckets.
    const rand = seededRandom(11);
    const points: { key: string; step: number; value: number; timestamp: number }[] = [];
    for (let i = 0; i < 3000; i++) {
      const step = Math.floor(i / 3);
      const special = rand();
      const value =
        special < 0.02 ? NaN : special < 0.03 ? Infinity : special < 0.04 ? -Infinity : rand() * 10;
      points.push({ key: 'noisy', step, value, timestamp: 5000 - (i % 3) });
    }
    for (let step = 0; step < 30; step++)
      points.push({ key: 'short', step, value: step % 7, timestamp: step });
    points.reverse();
    const id = await record({ name: 'unordered', experiment: 'exp-a' });
    await services.tracking.logMetricsBulk(id, points, { keepNonFinite: true });

    const maxPoints = 101;
    const many = await call('runs:metricsMany', { ids: [id, runs[0]!], maxPoints });
    const one = await call('runs:metrics', { id, maxPoints });
    for (const key of ['noisy', 'short']) {
      const finite = points
        .filter((p) => p.key === key && Number.isFinite(p.value))
        .sort((a, b) => a.step - b.step || a.timestamp - b.timestamp || a.value - b.value);
      const kept = referenceKept(
        finite.map((p) => p.step),
        finite.map((p) => p.value),
        maxPoints,
      ).map((i) => ({
        step: finite[i]!.step,
        value: finite[i]!.value,
        timestamp: finite[i]!.timestamp,
      }));
      expect(many.series.find((s) => s.runId === id && s.key === key)).toEqual({
        runId: id,
        key,
        points: kept,
        downsampled: finite.length > maxPoints,
        totalPoints: finite.length,
      });
      expect(one.series[key]).toEqual({
        downsampled: finite.length > maxPoints,
        totalPoints: finite.length,
      });
      expect(one.points.filter((p) => p.key === key)).toEqual(kept.map((p) => ({ key, ...p })));
    }
    expect(many.series.find((s) => s.key === 'noisy')!.points.length).toBeGreaterThan(60);
  });

  it('accepts unique id prefixes and repeats a run once', async () => {
    const out = await call('runs:metricsMany', {
      ids: [runs[0]!.slice(0, 12), runs[1]!, runs[0]!],
      keys: ['val_acc'],
    });
    expect(out.series.map((s) => s.runId)).toEqual([runs[0], runs[1]]);
  });

  it('says which id is unknown, and rejects bad input naming the field', async () => {
    const missing = await failure('runs:metricsMany', { ids: [runs[0], 'nosuchrun'] });
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toContain('nosuchrun');

    const one = await failure('runs:metricsMany', { ids: [runs[0]] });
    expect(one.code).toBe('INVALID_INPUT');
    expect(one.message).toContain('ids');
    const many = await failure('runs:metricsMany', {
      ids: Array.from({ length: 501 }, (_, i) => `r${i}`),
    });
    expect(many.code).toBe('INVALID_INPUT');
    expect(many.message).toContain('at most 500');
    const small = await failure('runs:metricsMany', { ids: runs, maxPoints: 4 });
    expect(small.code).toBe('INVALID_INPUT');
    expect(small.message).toContain('maxPoints');
    const emptyKey = await failure('runs:metricsMany', { ids: runs, keys: [''] });
    expect(emptyKey.code).toBe('INVALID_INPUT');
    expect(emptyKey.message).toContain('keys');
  });
});

describe('runs:metricsManyColumns', () => {
  /** A row-form series (runs:metricsMany) as the columnar form should carry it. */
  const byColumn = (s: {
    runId: string;
    key: string;
    points: { step: number; value: number; timestamp: number }[];
    downsampled: boolean;
    totalPoints: number;
  }) => ({
    runId: s.runId,
    key: s.key,
    steps: s.points.map((p) => p.step),
    values: s.points.map((p) => p.value),
    timestamps: s.points.map((p) => p.timestamp),
    downsampled: s.downsampled,
    totalPoints: s.totalPoints,
  });

  it('answers the series of runs:metricsMany, in its order, point for point', async () => {
    // The run with NaN, ±Infinity and points logged out of order (the test above).
    const [unordered] = await call('runs:list', { filter: "name = 'unordered'" });
    expect(unordered?.name).toBe('unordered');
    const ids = [runs[2]!, runs[0]!.slice(0, 12), unordered!.id, runs[1]!];
    // Columns first at a resolution nothing asked for yet (read from the metrics), then rows (from the
    // kept series); then both again the other way round.
    for (const [maxPoints, keys] of [
      [97, undefined],
      [5, ['loss', 'noisy']],
      [2_000, ['val_acc']],
    ] as const) {
      const input = { ids, maxPoints, ...(keys ? { keys: [...keys] } : {}) };
      const columns = await call('runs:metricsManyColumns', input);
      const rows = await call('runs:metricsMany', input);
      expect(rows.series.length).toBeGreaterThan(0);
      expect(columns).toEqual({ series: rows.series.map(byColumn) });
      expect(await call('runs:metricsManyColumns', input)).toEqual(columns);
    }
  });

  it('streams a scan estimated past COLLECTED_POINTS, with the same points as one collected', async () => {
    // Sparse steps: a last step past the limit estimates the series at more points than it has.
    const id = await record({ name: 'sparse', experiment: 'exp-b' });
    const steps = [0, 1, 2, COLLECTED_POINTS, COLLECTED_POINTS + 5];
    await services.tracking.logMetricsBulk(
      id,
      steps.map((step, i) => ({ key: 'sparse', step, value: i * 1.5, timestamp: 1000 + i })),
    );
    const db = services.workspace.db;
    const chunks = db.chunks.bind(db);
    const streamed: boolean[] = [];
    db.chunks = (sql, params, onChunk, options) => {
      streamed.push(options?.stream === true);
      return chunks(sql, params, onChunk, options);
    };
    try {
      const big = await call('runs:metricsMany', { ids: [id, runs[0]!], keys: ['sparse'] });
      expect(streamed).toEqual([true]);
      expect(big.series).toHaveLength(1);
      expect(big.series[0]!.points).toEqual(
        steps.map((step, i) => ({ step, value: i * 1.5, timestamp: 1000 + i })),
      );
      // Dense steps, far under the limit: collected.
      await call('runs:metricsMany', { ids: [runs[0]!, runs[1]!], keys: ['loss'] });
      expect(streamed).toEqual([true, false]);
    } finally {
      db.chunks = chunks;
    }
  });

  it('refuses what runs:metricsMany refuses', async () => {
    const missing = await failure('runs:metricsManyColumns', { ids: [runs[0], 'nosuchrun'] });
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toContain('nosuchrun');
    const small = await failure('runs:metricsManyColumns', { ids: runs, maxPoints: 4 });
    expect(small.code).toBe('INVALID_INPUT');
    expect(small.message).toContain('maxPoints');
  });
});

describe('runs:compare over many runs', () => {
  it('reads the runs in the requested order, by prefix, each once, and names an unknown id', async () => {
    const out = await call('runs:compare', {
      ids: [runs[2]!, runs[0]!.slice(0, 10), runs[2]!, runs[1]!],
    });
    expect(out.runs.map((r) => r.id)).toEqual([runs[2], runs[0], runs[1]]);
    expect(out.runs.map((r) => r.name)).toEqual(['run-2', 'run-0', 'run-1']);
    expect(out.runs.map((r) => r.experiment)).toEqual(['exp-b', 'exp-a', 'exp-a']);
    const loss = out.metrics.find((m) => m.key === 'loss')!;
    expect(loss.values).toEqual([2, 0, 1].map((r) => curve(r)[N - 1]!.value));
    const acc = out.metrics.find((m) => m.key === 'val_acc')!;
    expect(acc.best).toBe(0);
    for (const [i, r] of out.runs.entries())
      expect(r).toEqual(await call('runs:get', { id: [runs[2], runs[0], runs[1]][i]! }));
    const missing = await failure('runs:compare', { ids: [runs[0], 'feedbeef'] });
    expect(missing).toMatchObject({ code: 'NOT_FOUND' });
    expect(missing.message).toContain('feedbeef');
  });
});
