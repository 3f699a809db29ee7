// The Compare view with many runs: seeds --runs runs × --steps steps of one metric (default 500 × 10,000,
// 5,000,000 points) through the tracking store and prints:
//   - in process, the read alone (tracking.metricHistoryMany at the view's resolution): cold (every series
//     read and downsampled; goal < 1.5 s) and warm (from the series cache);
//   - the JSON of those series as runs:metricsMany (an object per point) and runs:metricsManyColumns (three
//     arrays per series, what the view reads) send them;
// then starts `lathe ui` on that workspace, opens `#/compare?ids=…` in headless Chromium and prints, from
// the page's performance marks:
//   - renderer start-up: navigation → the first request to the host (until then the page's scripts are
//     parsed and run), and how many scripts and how much JavaScript the page loaded;
//   - navigation → runs:compare loaded → runs:metricsManyColumns loaded (the view asks for it as soon as
//     runs:compare answers) → first chart with every curve drawn,
//     cold (the first read of these histories since `lathe ui` started: every series is read and
//     downsampled) and warm (the same page again: the host kept the downsampled series, which it drops for a run
//     as soon as that run logs points, so only the reading and drawing remain);
//   - changing the smoothing slider → chart redrawn.
// Run from the project root after `npm run build` (the renderer must be built):
//   node bench/compare-view.mjs [--runs N] [--steps N]
// Compare within one run of the script: the machine may be shared and noisy.
import { bundle, numberArg as arg, openLatheUi, root, runBundle } from './lib.mjs';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runs = arg('--runs', 500);
const steps = arg('--steps', 10_000);
/** What the Compare view asks per series for this many (maxPointsPerSeries in renderer/views/Compare/curves.ts). */
const maxPoints = Math.max(50, Math.min(1000, Math.floor(150_000 / runs)));
const dir = mkdtempSync(join(tmpdir(), 'lathe-bench-compare-'));
const workspace = join(dir, 'ws');
const ms = (v) => `${Math.round(v).toLocaleString('en-US')} ms`;

const outDir = join(root, 'out', 'bench');
mkdirSync(outDir, { recursive: true });
const entry = join(outDir, 'compare-seed.ts');
writeFileSync(
  entry,
  `
import { runRecorder, withServices } from ${JSON.stringify(join(root, 'tests/helpers/services'))};

async function main() {
  await withServices(${JSON.stringify(workspace)}, async (services) => {
    const record = await runRecorder(services, { model: { type: 'mlp', hidden: [8] }, label: 'bench' });
    const ids: string[] = [];
    for (let r = 0; r < ${runs}; r++) {
      const id = await record({
        name: \`sweep-\${r}\`, experiment: \`sweep-\${r % 3}\`,
        params: { lr: String(10 ** -(1 + (r % 4))), units: String(16 * (1 + (r % 5))), seed: String(r) },
      });
      ids.push(id);
      const points = Array.from({ length: ${steps} }, (_, step) => ({
        key: 'loss', step, timestamp: 1_700_000_000_000 + step * 1000,
        value: Math.exp(-step / (${steps} / 10 + r)) + Math.sin(step * 0.37 + r) * 0.02,
      }));
      await services.tracking.logMetricsBulk(id, points);
    }
    // The read alone, in process, at the resolution the view asks for this many series: cold, then warm.
    const read = async () => {
      const t = performance.now();
      await services.tracking.metricHistoryMany(ids, ['loss'], ${maxPoints});
      return performance.now() - t;
    };
    const cold = await read();
    const warm = await read();
    // What each form of the answer weighs as JSON (the series are cached by now).
    const bytes = async (channel: 'runs:metricsMany' | 'runs:metricsManyColumns') => {
      const out = await services.dispatch(channel, { ids, keys: ['loss'], maxPoints: ${maxPoints} });
      if (!out.ok) throw new Error(out.error.message);
      return Buffer.byteLength(JSON.stringify(out));
    };
    const rowBytes = await bytes('runs:metricsMany');
    const columnBytes = await bytes('runs:metricsManyColumns');
    process.stdout.write(JSON.stringify({ ids, cold, warm, rowBytes, columnBytes }));
  });
}
void main().catch((err: unknown) => { console.error(err); process.exitCode = 1; });
`,
);
const seedOut = join(outDir, 'compare-seed.cjs');
await bundle(entry, seedOut);

let ui;
try {
  let t0 = performance.now();
  const seeded = runBundle(seedOut, {
    maxBuffer: 64 * 1024 * 1024,
    encoding: 'utf8',
  });
  if (seeded.status !== 0) throw new Error(`seeding failed:\n${seeded.stderr}`);
  const { ids, cold, warm, rowBytes, columnBytes } = JSON.parse(seeded.stdout);
  console.log(
    `seeded ${runs} runs × ${steps.toLocaleString('en-US')} steps (${(runs * steps).toLocaleString('en-US')} points) in ${ms(performance.now() - t0)}`,
  );
  console.log(
    `in process: metricHistoryMany of ${runs} series at ${maxPoints} points each, cold ${ms(cold)} (goal < 1,500 ms: ${(1500 / cold).toFixed(2)}x), warm ${ms(warm)}`,
  );
  const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
  console.log(
    `JSON of those series: runs:metricsMany (a point per object) ${mb(rowBytes)}, runs:metricsManyColumns (what the view reads) ${mb(columnBytes)}`,
  );

  ui = await openLatheUi(workspace);
  const { url } = ui;
  const page = await ui.browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(300_000);
  page.on('pageerror', (err) => console.error(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') console.error(`page console: ${msg.text()}`);
  });

  const drawnWith = (n) =>
    page.waitForFunction((count) => {
      const el = globalThis.document.querySelector('[data-testid="compare-chart"]');
      return el &&
        Number(el.dataset.datasets) === count &&
        Number(el.dataset.drawn) > 0 &&
        el.dataset.checksum?.split('|')[1] !== ''
        ? Number(el.dataset.drawnAt)
        : false;
    }, n);
  const mark = (name) =>
    page.evaluate((n) => performance.getEntriesByName(n).at(-1)?.startTime ?? NaN, name);

  for (const attempt of ['cold', 'warm']) {
    // A fresh document each time, so the performance marks count from this navigation.
    await page.goto('about:blank');
    t0 = performance.now();
    await page.goto(`${url}#/compare?ids=${ids.join(',')}`);
    const drawnAt = Number(await (await drawnWith(ids.length)).jsonValue());
    const wall = performance.now() - t0;
    const runsLoaded = await mark('compare:runs-loaded');
    const curvesLoaded = await mark('compare:curves-loaded');
    const startup = await page.evaluate(() => {
      const loaded = performance.getEntriesByType('resource');
      const scripts = loaded.filter((r) => new URL(r.name).pathname.endsWith('.js'));
      return {
        firstRequest: loaded.find((r) => r.name.includes('/api/invoke/'))?.startTime ?? NaN,
        scripts: scripts.length,
        bytes: scripts.reduce((sum, r) => sum + r.decodedBodySize, 0),
      };
    });
    console.log(
      `${attempt}: start-up: navigation → first request ${ms(startup.firstRequest)}, ${startup.scripts} scripts (${(startup.bytes / 1e6).toFixed(2)} MB of JavaScript)`,
    );
    console.log(
      `${attempt}: navigation → runs:compare ${ms(runsLoaded)} → runs:metricsManyColumns ${ms(curvesLoaded)} → ${ids.length} curves drawn ${ms(drawnAt)} (wall clock ${ms(wall)})`,
    );
    if (attempt === 'warm') {
      for (const weight of ['0.6', '0.95', '0']) {
        const before = await page.evaluate(() => performance.now());
        await page.locator('[data-testid="curve-smoothing"]').fill(weight);
        const after = await page.waitForFunction(
          ([w, b]) => {
            const el = globalThis.document.querySelector('[data-testid="compare-chart"]');
            return el && el.dataset.smoothing === w && Number(el.dataset.drawnAt) > b
              ? Number(el.dataset.drawnAt)
              : false;
          },
          [String(Number(weight)), before],
        );
        console.log(
          `smoothing → ${weight}: redrawn in ${ms(Number(await after.jsonValue()) - before)}`,
        );
      }
      const status = await page.locator('[data-testid="curves-status"]').textContent();
      console.log(`curves: ${status}`);
    }
  }
} finally {
  await ui?.close();
  rmSync(dir, { recursive: true, force: true });
}
