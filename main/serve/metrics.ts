// Prometheus text exposition (format 0.0.4) for the prediction server: counters and one histogram.

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labels = (l: Record<string, string>) =>
  `{${Object.entries(l)
    .map(([k, v]) => `${k}="${esc(v)}"`)
    .join(',')}}`;

export interface ServeMetrics {
  request(model: string, version: string, status: number, seconds: number | null): void;
  error(model: string, version: string, kind: string): void;
  render(): string;
}

export function createServeMetrics(): ServeMetrics {
  const requests = new Map<string, { l: Record<string, string>; n: number }>();
  const errors = new Map<string, { l: Record<string, string>; n: number }>();
  const hist = new Map<
    string,
    { l: Record<string, string>; counts: number[]; sum: number; n: number }
  >();
  const bump = (
    m: Map<string, { l: Record<string, string>; n: number }>,
    l: Record<string, string>,
  ) => {
    const k = JSON.stringify(l);
    const e = m.get(k) ?? { l, n: 0 };
    e.n++;
    m.set(k, e);
  };
  return {
    request(model, version, status, seconds) {
      bump(requests, { model, version, status: String(status) });
      if (seconds === null) return;
      const l = { model, version };
      const k = JSON.stringify(l);
      const h = hist.get(k) ?? { l, counts: BUCKETS.map(() => 0), sum: 0, n: 0 };
      BUCKETS.forEach((b, i) => {
        if (seconds <= b) h.counts[i]!++;
      });
      h.sum += seconds;
      h.n++;
      hist.set(k, h);
    },
    error(model, version, kind) {
      bump(errors, { model, version, kind });
    },
    render() {
      const out: string[] = [
        '# HELP lathe_requests_total Prediction requests by model, version and HTTP status.',
        '# TYPE lathe_requests_total counter',
        ...[...requests.values()].map((e) => `lathe_requests_total${labels(e.l)} ${e.n}`),
        '# HELP lathe_errors_total Failed predictions by model, version and kind (client errors, server errors, shadow failures).',
        '# TYPE lathe_errors_total counter',
        ...[...errors.values()].map((e) => `lathe_errors_total${labels(e.l)} ${e.n}`),
        '# HELP lathe_request_duration_seconds Latency of successful predictions by model version.',
        '# TYPE lathe_request_duration_seconds histogram',
      ];
      for (const h of hist.values()) {
        BUCKETS.forEach((b, i) =>
          out.push(
            `lathe_request_duration_seconds_bucket${labels({ ...h.l, le: String(b) })} ${h.counts[i]}`,
          ),
        );
        out.push(`lathe_request_duration_seconds_bucket${labels({ ...h.l, le: '+Inf' })} ${h.n}`);
        out.push(`lathe_request_duration_seconds_sum${labels(h.l)} ${h.sum}`);
        out.push(`lathe_request_duration_seconds_count${labels(h.l)} ${h.n}`);
      }
      return `${out.join('\n')}\n`;
    },
  };
}
