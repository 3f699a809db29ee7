// The Compare view with many runs: seeds --runs runs × --steps steps of one metric (default 500 × 10,000,
// 5,000,000 points) through the tracking store, starts `lathe ui` on that workspace, opens
// `#/compare?ids=…` in headless Chromium and prints, from the page's performance marks:
//   - navigation → runs:compare loaded → runs:metricsMany loaded → first chart with every curve drawn,
//     cold (the first read of these histories since `lathe ui` started: every series is downsampled in
//     SQL) and warm (the same page again: the host kept the downsampled series, which it drops for a run
//     as soon as that run logs points, so only the reading and drawing remain);
//   - changing the smoothing slider → chart redrawn.
// Run from the project root after `npm run build` (the renderer must be built):
//   node bench/compare-view.mjs [--runs N] [--steps N]
// Compare within one run of the script: the machine may be shared and noisy.
import { bundle } from './lib.mjs';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const runs = arg('--runs', 500);
const steps = arg('--steps', 10_000);
const root = resolve('.');
const dir = mkdtempSync(join(tmpdir(), 'lathe-bench-compare-'));
const workspace = join(dir, 'ws');
const ms = (v) => `${Math.round(v).toLocaleString('en-US')} ms`;

const outDir = join(root, 'out', 'bench');
mkdirSync(outDir, { recursive: true });
const entry = join(outDir, 'compare-seed.ts');
writeFileSync(
  entry,
  `
import { createServices } from ${JSON.stringify(join(root, 'main/services'))};
import { TrainConfig } from ${JSON.stringify(join(root, 'shared/contract'))};

async function main() {
  const services = await createServices({ workspaceDir: ${JSON.stringify(workspace)} });
  try {
    await services.data.importFile({
      path: ${JSON.stringify(join(root, 'node_modules/vega-datasets/data/penguins.json'))},
      name: 'penguins',
      project: 'Default',
    });
    const version = await services.data.resolve('penguins');
    const config = TrainConfig.parse({
      dataset: 'penguins', target: 'Species', task: 'multiclass', model: { type: 'mlp', hidden: [8] },
    });
    const ids: string[] = [];
    for (let r = 0; r < ${runs}; r++) {
      const id = await services.tracking.createRun({
        name: \`sweep-\${r}\`, experiment: \`sweep-\${r % 3}\`, project: 'Default', config, configHash: 'bench',
        datasetVersionId: version.id, latheVersion: 'bench', system: {},
        params: { lr: String(10 ** -(1 + (r % 4))), units: String(16 * (1 + (r % 5))), seed: String(r) },
      });
      ids.push(id);
      const points = Array.from({ length: ${steps} }, (_, step) => ({
        key: 'loss', step, timestamp: 1_700_000_000_000 + step * 1000,
        value: Math.exp(-step / (${steps} / 10 + r)) + Math.sin(step * 0.37 + r) * 0.02,
      }));
      await services.tracking.logMetricsBulk(id, points);
    }
    process.stdout.write(JSON.stringify(ids));
  } finally {
    await services.close();
  }
}
void main().catch((err: unknown) => { console.error(err); process.exitCode = 1; });
`,
);
const seedOut = join(outDir, 'compare-seed.cjs');
await bundle(entry, seedOut);

let host;
let browser;
try {
  let t0 = performance.now();
  const seeded = spawnSync(process.execPath, [seedOut], {
    cwd: root,
    env: { ...process.env, NODE_PATH: join(root, 'node_modules') },
    maxBuffer: 64 * 1024 * 1024,
    encoding: 'utf8',
  });
  if (seeded.status !== 0) throw new Error(`seeding failed:\n${seeded.stderr}`);
  const ids = JSON.parse(seeded.stdout);
  console.log(
    `seeded ${runs} runs × ${steps.toLocaleString('en-US')} steps (${(runs * steps).toLocaleString('en-US')} points) in ${ms(performance.now() - t0)}`,
  );

  host = spawn(
    process.execPath,
    [join(root, 'main/cli/lathe.cjs'), 'ui', '--port', '0', '--workspace', workspace, '--json'],
    {
      cwd: root,
    },
  );
  const url = await new Promise((ok, fail) => {
    host.on('exit', (code) => fail(new Error(`lathe ui exited with ${code}`)));
    createInterface({ input: host.stdout }).once('line', (line) => ok(JSON.parse(line).url));
  });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
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
    console.log(
      `${attempt}: navigation → runs:compare ${ms(runsLoaded)} → runs:metricsMany ${ms(curvesLoaded)} → ${ids.length} curves drawn ${ms(drawnAt)} (wall clock ${ms(wall)})`,
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
  await browser?.close();
  if (host && host.exitCode === null) {
    // Drop the startup listener (it rejects) before waiting for this exit.
    host.removeAllListeners('exit');
    const exited = new Promise((r) => host.once('exit', r));
    host.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
}
