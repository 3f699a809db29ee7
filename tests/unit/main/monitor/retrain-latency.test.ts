import { describe, expect, it } from 'vitest';
import { latencyFailure, P99_MIN_REQUESTS } from '../../../../main/monitor/retrain-judge';

const side = (requests: number, p50: number | null, p99: number | null) => ({ requests, p50, p99 });

describe('canary latency judgement', () => {
  it('judges a small sample on its median, so one slow request does not abandon a canary', () => {
    expect(latencyFailure(side(35, 3, 46.6), side(25, 3, 6.9))).toBeNull();
    expect(latencyFailure(side(35, 60, 80), side(25, 3, 6.9))).toMatch(
      /^latency median 60\.0 ms over 1\.5× the champion's 3\.0 ms \+ 25 ms \(under 100 requests/,
    );
  });

  it('judges p99 once both sides have enough requests', () => {
    const n = P99_MIN_REQUESTS;
    expect(latencyFailure(side(n, 3, 46.6), side(n, 3, 6.9))).toMatch(/^latency p99 46\.6 ms/);
    expect(latencyFailure(side(n, 3, 30), side(n, 3, 6.9))).toBeNull();
    expect(latencyFailure(side(n, 3, 46.6), side(n - 1, 3, 6.9))).toBeNull();
  });

  it('says nothing when either side has no latency yet', () => {
    expect(latencyFailure(side(500, null, null), side(500, 3, 7))).toBeNull();
  });
});
