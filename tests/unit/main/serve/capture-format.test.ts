// The capture format without a database: capture types from a signature, row ids and scores, segment
// lines and names, the latency histogram's percentiles against the exact ones, and the health counters.
import { describe, expect, it } from 'vitest';
import {
  bucketBounds,
  captureColumnsOf,
  createHealthAggregator,
  histogramQuantile,
  latencyBucket,
  mergeHistogram,
  parseSegmentName,
  probabilitiesOf,
  recordRowId,
  scoreOf,
  segmentLines,
  segmentName,
  type CaptureColumns,
  type LatencyHistogram,
} from '../../../../main/serve/capture-format';
import type { PredictionLogRow } from '../../../../main/serve/prediction-log';

describe('capture columns', () => {
  it('types each input by its kind: DOUBLE, VARCHAR, BOOLEAN, TIMESTAMP or DATE', () => {
    const c = captureColumnsOf({
      inputs: [
        { name: 'n', type: 'BIGINT', kind: 'numeric' },
        { name: 'c', type: 'VARCHAR', kind: 'categorical' },
        { name: 'b', type: 'BOOLEAN', kind: 'boolean' },
        { name: 't', type: 'TIMESTAMP', kind: 'datetime' },
        { name: 'd', type: 'DATE', kind: 'datetime' },
        { name: 'o', type: 'BLOB', kind: 'other' },
      ],
      output: { task: 'regression', target: 'y', classes: ['ignored'] },
    });
    expect(c.task).toBe('regression');
    expect(c.classes).toBeNull();
    expect(c.inputs.map((i) => i.type)).toEqual([
      'DOUBLE',
      'VARCHAR',
      'BOOLEAN',
      'TIMESTAMP',
      'DATE',
      'VARCHAR',
    ]);
  });

  it('row ids: the request id for one record, <id>/<i> for several', () => {
    expect(recordRowId('r1', 0, 1)).toBe('r1');
    expect(recordRowId('r1', 2, 3)).toBe('r1/2');
  });

  it('scores: the value (regression), P(classes[1]) (binary), P(predicted) (multiclass)', () => {
    expect(scoreOf({ task: 'regression', classes: null }, 3.5, undefined)).toBe(3.5);
    const bin = { task: 'binary' as const, classes: ['no', 'yes'] };
    expect(scoreOf(bin, 'no', { no: 0.7, yes: 0.3 })).toBe(0.3);
    const multi = { task: 'multiclass' as const, classes: ['a', 'b', 'c'] };
    expect(scoreOf(multi, 'c', { a: 0.1, b: 0.2, c: 0.7 })).toBe(0.7);
    expect(scoreOf(multi, 'c', undefined)).toBeNull();
    expect(probabilitiesOf(multi, { c: 0.7, a: 0.1, b: 0.2 })).toEqual([0.1, 0.2, 0.7]);
    expect(probabilitiesOf({ classes: null }, undefined)).toBeNull();
  });
});

describe('segments', () => {
  const columns: CaptureColumns = {
    task: 'binary',
    classes: ['no', 'yes'],
    inputs: [
      { name: 'x', type: 'DOUBLE', kind: 'numeric' },
      { name: '_at', type: 'VARCHAR', kind: 'categorical' },
    ],
  };
  const row: PredictionLogRow = {
    at: '2026-01-02T03:04:05.006Z',
    model: 'm',
    version: 2,
    requestId: 'r',
    role: 'canary',
    features: [{ x: 1, _at: 'an input named like a column', dropped: true }, { x: null }],
    predictions: [
      { prediction: 'yes', probabilities: { no: 0.4, yes: 0.6 } },
      { prediction: 'no', probabilities: { no: 0.9, yes: 0.1 } },
    ],
    latencyMs: 1.5,
  };

  it('one JSON line per record, inputs nested so no name collides with a fixed field', () => {
    const lines = segmentLines(row, columns)
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      {
        _model: 'm',
        _version: 2,
        _at: row.at,
        _row_id: 'r/0',
        _role: 'canary',
        _latency_ms: 1.5,
        inputs: { x: 1, _at: 'an input named like a column' },
        _prediction: 'yes',
        _score: 0.6,
        _probabilities: [0.4, 0.6],
      },
      {
        _model: 'm',
        _version: 2,
        _at: row.at,
        _row_id: 'r/1',
        _role: 'canary',
        _latency_ms: 1.5,
        inputs: { x: null, _at: null },
        _prediction: 'no',
        _score: 0.1,
        _probabilities: [0.9, 0.1],
      },
    ]);
  });

  it('names carry the model and version, and read back', () => {
    const name = segmentName('my.model-1', 12, new Date('2026-05-06T07:08:09.010Z'), 'a1b2', 3);
    expect(name).toBe('my.model-1@12_20260506T070809010Z_a1b2-0003.ndjson');
    expect(parseSegmentName(name)).toEqual({ model: 'my.model-1', version: 12, kind: 'records' });
    const health = segmentName('m', 1, new Date('2026-05-06T07:08:09.010Z'), 'ff', 4, 'health');
    expect(health).toBe('m@1_20260506T070809010Z_ff-0004.health.ndjson');
    expect(parseSegmentName(health)).toEqual({ model: 'm', version: 1, kind: 'health' });
    expect(parseSegmentName(`${name}.partial`)).toBeNull();
    expect(parseSegmentName('notes.txt')).toBeNull();
  });
});

describe('latency histogram', () => {
  it('buckets are log-spaced and hold their value', () => {
    for (const ms of [0.011, 0.5, 1, 3.3, 47, 999, 60_000]) {
      const [lo, hi] = bucketBounds(latencyBucket(ms));
      expect(ms).toBeGreaterThanOrEqual(lo * (1 - 1e-12));
      expect(ms).toBeLessThan(hi * (1 + 1e-12));
      expect(hi / lo).toBeCloseTo(2 ** (1 / 8), 10);
    }
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(0.001)).toBe(0);
  });

  it('percentiles from the buckets are within 5% of the exact nearest-rank ones', () => {
    // A deterministic spread of latencies from 0.1 ms to ~200 ms (a long tail).
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const values = Array.from({ length: 5000 }, () => 0.1 * Math.exp(rand() * 7.6));
    const h: LatencyHistogram = {};
    for (const v of values) {
      const b = latencyBucket(v);
      h[b] = (h[b] ?? 0) + 1;
    }
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0.5, 0.95, 0.99]) {
      const exact = sorted[Math.ceil(q * sorted.length) - 1]!;
      expect(Math.abs(histogramQuantile(h, q)! / exact - 1)).toBeLessThan(0.05);
    }
    expect(histogramQuantile({}, 0.5)).toBeNull();
  });

  it('merging adds counts bucket by bucket', () => {
    expect(mergeHistogram({ '1': 2, '5': 1 }, { '5': 3, '9': 1 })).toEqual({
      '1': 2,
      '5': 4,
      '9': 1,
    });
  });
});

describe('health aggregator', () => {
  it('counts per minute × status × version and drains finished minutes, or all', () => {
    const agg = createHealthAggregator();
    const t = Date.parse('2026-01-01T10:00:30Z');
    agg.record('m', 1, 200, 3, 1, t);
    agg.record('m', 1, 200, 1, 2, t + 1000);
    agg.record('m', 1, 422, 0, 0.2, t + 2000);
    agg.record('m', 2, 200, 1, 2, t + 3000);
    agg.record('m', 1, 200, 1, 2, t + 60_000);
    const finished = agg.drain(false, t + 60_000);
    expect(
      finished.map((r) => [
        new Date(r.minute).toISOString(),
        r.version,
        r.status,
        r.requests,
        r.rows,
      ]),
    ).toEqual([
      ['2026-01-01T10:00:00.000Z', 1, 200, 2, 4],
      ['2026-01-01T10:00:00.000Z', 1, 422, 1, 0],
      ['2026-01-01T10:00:00.000Z', 2, 200, 1, 1],
    ]);
    expect(finished[0]!.latency).toEqual({
      [latencyBucket(1)]: 1,
      [latencyBucket(2)]: 1,
    });
    expect(agg.drain(false, t + 60_000)).toEqual([]);
    expect(agg.drain(true).map((r) => r.requests)).toEqual([1]);
    expect(agg.drain(true)).toEqual([]);
  });
});
