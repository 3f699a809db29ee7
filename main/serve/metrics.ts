// Prometheus text exposition (format 0.0.4) for the prediction server: counters and one histogram.
// Recording is on the request path, so it finds its series by one string key and bumps numbers; label
// text is built once per series and the histogram is made cumulative only when rendered.

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labels = (l: Record<string, string>) =>
  `{${Object.entries(l)
    .map(([k, v]) => `${k}="${esc(v)}"`)
    .join(',')}}`;

export interface ServeMetrics {
  request(model: string, version: string, status: number, seconds: number | null): void;
  error(model: string, version: string, kind: string): void;
  /**
   * A connection the server cut off: `headers` or `request` (node's timeouts), `body` (the body read),
   * `write` (a response not taken), `pipeline` (too many unanswered pipelined requests).
   */
  timeout(kind: string): void;
  render(): string;
}

interface Counter {
  /** Rendered labels, e.g. {model="m",version="1",status="200"}. */
  l: string;
  n: number;
}

interface Histogram {
  model: string;
  version: string;
  /** Observations per bucket (not cumulative); the last slot counts those above every bound. */
  counts: number[];
  sum: number;
  n: number;
}

export function createServeMetrics(): ServeMetrics {
  const requests = new Map<string, Counter>();
  const errors = new Map<string, Counter>();
  const hist = new Map<string, Histogram>();
  const timeouts = new Map<string, Counter>();
  const bump = (m: Map<string, Counter>, key: string, l: () => Record<string, string>) => {
    const c = m.get(key);
    if (c) c.n++;
    else m.set(key, { l: labels(l()), n: 1 });
  };
  return {
    request(model, version, status, seconds) {
      bump(requests, `${model}\0${version}\0${status}`, () => ({
        model,
        version,
        status: String(status),
      }));
      if (seconds === null) return;
      const key = `${model}\0${version}`;
      let h = hist.get(key);
      if (!h) {
        h = { model, version, counts: new Array<number>(BUCKETS.length + 1).fill(0), sum: 0, n: 0 };
        hist.set(key, h);
      }
      let i = 0;
      while (i < BUCKETS.length && seconds > BUCKETS[i]!) i++;
      h.counts[i]!++;
      h.sum += seconds;
      h.n++;
    },
    error(model, version, kind) {
      bump(errors, `${model}\0${version}\0${kind}`, () => ({ model, version, kind }));
    },
    timeout(kind) {
      bump(timeouts, kind, () => ({ kind }));
    },
    render() {
      const out: string[] = [
        '# HELP lathe_requests_total Prediction requests by model, version and HTTP status.',
        '# TYPE lathe_requests_total counter',
        ...[...requests.values()].map((e) => `lathe_requests_total${e.l} ${e.n}`),
        '# HELP lathe_errors_total Failed predictions by model, version and kind (client errors, server errors, shadow failures).',
        '# TYPE lathe_errors_total counter',
        ...[...errors.values()].map((e) => `lathe_errors_total${e.l} ${e.n}`),
        '# HELP lathe_timeouts_total Connections closed because the client was too slow to send or to read (headers, request, body, write, pipeline).',
        '# TYPE lathe_timeouts_total counter',
        ...[...timeouts.values()].map((e) => `lathe_timeouts_total${e.l} ${e.n}`),
        '# HELP lathe_request_duration_seconds Latency of successful predictions by model version.',
        '# TYPE lathe_request_duration_seconds histogram',
      ];
      for (const h of hist.values()) {
        const l = { model: h.model, version: h.version };
        let cumulative = 0;
        BUCKETS.forEach((b, i) => {
          cumulative += h.counts[i]!;
          out.push(
            `lathe_request_duration_seconds_bucket${labels({ ...l, le: String(b) })} ${cumulative}`,
          );
        });
        out.push(`lathe_request_duration_seconds_bucket${labels({ ...l, le: '+Inf' })} ${h.n}`);
        out.push(`lathe_request_duration_seconds_sum${labels(l)} ${h.sum}`);
        out.push(`lathe_request_duration_seconds_count${labels(l)} ${h.n}`);
      }
      // The process's memory, so a dashboard (and bench/serve-hostile.mjs) can tell a leak from a warm heap.
      const mem = process.memoryUsage();
      out.push(
        '# HELP process_resident_memory_bytes Resident memory of the server process.',
        '# TYPE process_resident_memory_bytes gauge',
        `process_resident_memory_bytes ${mem.rss}`,
        '# HELP nodejs_heap_used_bytes V8 heap in use.',
        '# TYPE nodejs_heap_used_bytes gauge',
        `nodejs_heap_used_bytes ${mem.heapUsed}`,
        '# HELP nodejs_external_memory_bytes Memory of C++ objects bound to JS objects (buffers).',
        '# TYPE nodejs_external_memory_bytes gauge',
        `nodejs_external_memory_bytes ${mem.external}`,
      );
      return `${out.join('\n')}\n`;
    },
  };
}
