// Prometheus text of the prediction server: counters per label set, and a cumulative histogram whose
// buckets take a value equal to their bound (Prometheus `le`).
import { describe, expect, it } from 'vitest';
import { createServeMetrics } from '../../../../main/serve/metrics';

const line = (text: string, name: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith(name))
    .map((l) => l.replace(/ [^ ]+$/, (v) => `=${v.trim()}`));

describe('serve metrics', () => {
  it('counts requests and errors per label set, escaping label values', () => {
    const m = createServeMetrics();
    m.request('m', '1', 200, 0.002);
    m.request('m', '1', 200, 0.003);
    m.request('m', '1', 422, null);
    m.request('a"b\\c\nd', '2', 500, null);
    m.error('m', '1', 'client');
    const text = m.render();
    expect(line(text, 'lathe_requests_total')).toEqual([
      'lathe_requests_total{model="m",version="1",status="200"}=2',
      'lathe_requests_total{model="m",version="1",status="422"}=1',
      'lathe_requests_total{model="a\\"b\\\\c\\nd",version="2",status="500"}=1',
    ]);
    expect(line(text, 'lathe_errors_total')).toEqual([
      'lathe_errors_total{model="m",version="1",kind="client"}=1',
    ]);
  });

  it('renders cumulative buckets, +Inf, sum and count; a value on a bound falls in that bucket', () => {
    const m = createServeMetrics();
    for (const s of [0.0005, 0.001, 0.004, 0.3, 9]) m.request('m', '3', 200, s);
    const text = m.render();
    const buckets = Object.fromEntries(
      line(text, 'lathe_request_duration_seconds_bucket').map((l) => {
        const [, le, n] = /le="([^"]+)"\}=(\d+)$/.exec(l)!;
        return [le!, Number(n)];
      }),
    );
    expect(buckets).toEqual({
      '0.001': 2,
      '0.0025': 2,
      '0.005': 3,
      '0.01': 3,
      '0.025': 3,
      '0.05': 3,
      '0.1': 3,
      '0.25': 3,
      '0.5': 4,
      '1': 4,
      '2.5': 4,
      '+Inf': 5,
    });
    expect(text).toMatch(/lathe_request_duration_seconds_count\{model="m",version="3"\} 5\n/);
    const sum = Number(/lathe_request_duration_seconds_sum\{[^}]+\} (\S+)/.exec(text)![1]);
    expect(sum).toBeCloseTo(9.3055, 10);
  });
});
