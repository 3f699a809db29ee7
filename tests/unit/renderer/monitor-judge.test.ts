import { describe, expect, it } from 'vitest';
import { RetrainJudgeOut } from '../../../shared/contract';
import {
  judgeInput,
  judgeMeasures,
  pinnedVersionRef,
  VERDICT_TEXT,
} from '../../../renderer/views/Monitor/monitor-model';

const measured = (over: Partial<RetrainJudgeOut['measured']> = {}): RetrainJudgeOut['measured'] =>
  RetrainJudgeOut.shape.measured.parse({
    canaryRequests: 1234,
    championRequests: 5678,
    canaryErrorRate: 0.0125,
    championErrorRate: 0,
    canaryP99Ms: 41.26,
    championP99Ms: null,
    metric: null,
    canaryMetric: null,
    championMetric: null,
    metricSource: null,
    ...over,
  });

describe('judge canary input', () => {
  it('sends only the retraining when min requests is empty', () => {
    expect(judgeInput('abc123456789', '')).toEqual({ ref: 'abc123456789' });
    expect(judgeInput('abc123456789', '   ')).toEqual({ ref: 'abc123456789' });
  });

  it('sends a typed whole number', () => {
    expect(judgeInput('r1', ' 50 ')).toEqual({ ref: 'r1', minRequests: 50 });
  });

  it.each(['0', '-3', '2.5', 'ten', '1e3'])('refuses %s, naming it', (text) => {
    const out = judgeInput('r1', text);
    expect(out).toEqual({ problem: expect.stringContaining(`'${text}'`) as string });
  });
});

describe('judge canary measures', () => {
  it('shows requests, 5xx rate and p99 side by side, n/a where nothing was measured', () => {
    expect(judgeMeasures(measured())).toEqual([
      { key: 'requests', label: 'requests', canary: '1,234', champion: '5,678' },
      { key: 'errors', label: '5xx rate', canary: '1.3%', champion: '0.0%' },
      { key: 'p99', label: 'latency p99', canary: '41.3 ms', champion: 'n/a' },
    ]);
  });

  it('adds the metric with where it came from', () => {
    const labelled = judgeMeasures(
      measured({
        metric: 'accuracy',
        canaryMetric: 0.91234,
        championMetric: 0.9,
        metricSource: 'actuals',
      }),
    );
    expect(labelled.at(-1)).toEqual({
      key: 'metric',
      label: 'accuracy (labelled rows)',
      canary: '0.9123',
      champion: '0.9',
    });
    const estimated = judgeMeasures(
      measured({
        metric: 'accuracy',
        canaryMetric: null,
        championMetric: 0.8,
        metricSource: 'cbpe',
      }),
    );
    expect(estimated.at(-1)).toMatchObject({ label: 'accuracy (CBPE estimate)', canary: 'n/a' });
  });

  it('has a heading for every verdict, an error banner only for abandoned', () => {
    const verdicts = RetrainJudgeOut.shape.verdict.options;
    expect(Object.keys(VERDICT_TEXT).sort()).toEqual([...verdicts].sort());
    expect(verdicts.filter((v) => VERDICT_TEXT[v].banner === 'banner-error')).toEqual([
      'abandoned',
    ]);
  });
});

describe('the Monitor version picker', () => {
  const detail = {
    name: 'species',
    versions: [
      { version: 1, aliases: ['champion'] },
      { version: 2, aliases: ['challenger'] },
    ],
  } as unknown as Parameters<typeof pinnedVersionRef>[0];

  it('pins an alias ref to the version it points at', () => {
    expect(pinnedVersionRef(detail, 'species@champion')).toBe('species@1');
    expect(pinnedVersionRef(detail, 'species@challenger')).toBe('species@2');
  });

  it('keeps a numbered ref, and gives null for an alias pointing nowhere or no ref', () => {
    expect(pinnedVersionRef(detail, 'species@2')).toBe('species@2');
    expect(pinnedVersionRef(detail, 'species@staging')).toBeNull();
    expect(pinnedVersionRef(detail, null)).toBeNull();
  });
});
