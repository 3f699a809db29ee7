// Metric logging throughput through the tracking service: ≥ 1,000,000 points logged the way a training loop
// logs them (one `logMetrics` call per step with every metric of that step), then read back downsampled.
// Run from the project root after `npm ci` (or `node esbuild.config.mjs`):
//   node bench/tracking-throughput.mjs [--metrics N] [--steps N] [--bulk N]
// It bundles a small TypeScript entry over main/services.ts with esbuild into out/bench/ (so it finds the
// package root, as the built CLI does) and runs it against a fresh workspace in a temp folder. Prints points per second (goal: ≥ 100,000/s) for
// `logMetrics` (buffered in memory and appended in batches, timed until the last point is stored), for
// `logMetricsBulk` in batches of --bulk points, and the time of a downsampled read.
// Compare within one run: the machine may be shared and noisy. On a shared 2-core machine (2026-11):
// logMetrics ~15k points/s with one appender transaction per step before buffering, ~280-470k/s buffered;
// logMetricsBulk ~400-560k/s.
import { bundle, numberArg as arg, root, runBundle } from './lib.mjs';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const metrics = arg('--metrics', 20);
const steps = arg('--steps', 50_000);
const bulk = arg('--bulk', 100_000);
const dir = mkdtempSync(join(tmpdir(), 'lathe-bench-'));

const outDir = join(root, 'out', 'bench');
mkdirSync(outDir, { recursive: true });
const entry = join(outDir, 'tracking-throughput.ts');
writeFileSync(
  entry,
  `
import { runRecorder, withServices } from ${JSON.stringify(join(root, 'tests/helpers/services'))};

const [metrics, steps, bulk] = [${metrics}, ${steps}, ${bulk}];
const keys = Array.from({ length: metrics }, (_, k) => \`metric_\${k}\`);
const value = (k: number, s: number) => Math.exp(-s / 20000) * (1 + k / 10) + Math.sin(s * 0.37 + k) * 0.01;
const rate = (points: number, ms: number) => Math.round(points / (ms / 1000)).toLocaleString('en-US');

async function main() {
  await withServices(${JSON.stringify(join(dir, 'ws'))}, async (services) => {
    const record = await runRecorder(services, { model: { type: 'mlp', hidden: [8] }, label: 'bench' });
    const newRun = (name: string) => record({ name, experiment: 'bench' });
    const points = metrics * steps;

    const a = await newRun('per-step');
    let t0 = performance.now();
    for (let s = 0; s < steps; s++) {
      const values: Record<string, number> = {};
      keys.forEach((key, k) => (values[key] = value(k, s)));
      await services.tracking.logMetrics(a, s, values);
    }
    // Counted until every point is in the database, not only accepted into the buffer.
    await services.tracking.flushMetrics();
    const perStepMs = performance.now() - t0;
    console.log(\`logMetrics:     \${points.toLocaleString('en-US')} points (\${metrics} metrics × \${steps.toLocaleString('en-US')} steps) in \${(perStepMs / 1000).toFixed(2)} s: \${rate(points, perStepMs)} points/s\`);

    const b = await newRun('bulk');
    t0 = performance.now();
    let batch: { key: string; step: number; value: number }[] = [];
    for (let s = 0; s < steps; s++) {
      keys.forEach((key, k) => batch.push({ key, step: s, value: value(k, s) }));
      if (batch.length >= bulk || s === steps - 1) {
        await services.tracking.logMetricsBulk(b, batch);
        batch = [];
      }
    }
    const bulkMs = performance.now() - t0;
    console.log(\`logMetricsBulk: \${points.toLocaleString('en-US')} points in batches of \${bulk.toLocaleString('en-US')} in \${(bulkMs / 1000).toFixed(2)} s: \${rate(points, bulkMs)} points/s\`);

    t0 = performance.now();
    const out = await services.dispatch('runs:metrics', { id: a, maxPoints: 1000 });
    if (!out.ok) throw new Error(out.error.message);
    console.log(\`runs:metrics (maxPoints 1,000, \${metrics} keys): \${out.result.points.length.toLocaleString('en-US')} points in \${Math.round(performance.now() - t0)} ms\`);
  });
}
void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
`,
);
const out = join(outDir, 'tracking-throughput.cjs');
await bundle(entry, out);
const r = runBundle(out, { stdio: 'inherit' });
rmSync(dir, { recursive: true, force: true });
process.exitCode = r.status ?? 1;
