// Training an MLP: Lathe against PyTorch on the CPU. Lathe trains on its fused engine (the default,
// training.engine: auto → fused: main/train/kernel, one WebAssembly SIMD module running whole optimizer
// steps, one thread) and, for reference, on TensorFlow.js kernels (training.engine: tfjs, wasm backend).
// Run from the project root after `npm ci` (or `node esbuild.config.mjs`):
//   node bench/train-vs-pytorch.mjs [--rows N] [--epochs N] [--rounds N] [--baseline DIR]
// Needs Debian's python3-torch (apt-get install -y python3-torch); it runs /usr/bin/python3.
//
// The data: the first N (default 200k) flights of vega-datasets' flights-3m.parquet, imported into a fresh
// workspace with five numeric columns (distance, departure time of day, day of week, month, day of month)
// and a binary target `delayed` (delay > 15 minutes). Lathe prepares it (its split, default feature spec:
// imputed, standardized; a constant column is dropped) and the exact matrices it trains on are written as
// float32 files that PyTorch reads, so both sides fit the same rows and columns.
//
// The model on both sides: dense 64 relu, dense 64 relu, dense 1 (logit), sigmoid cross-entropy, Adam
// lr 1e-3, batch 256, a fresh shuffle every epoch, validation loss and accuracy after every epoch.
//
// What is timed, in rounds that alternate the contestants (each round a fresh model), so that a busy
// machine slows all of them alike; the median of each round's ratio is shown:
// - training loop: the epochs alone. Lathe (each engine): train(), from the moment its data is prepared
//   to the last epoch's report (shuffling, optimizer steps, per-epoch validation metrics; no checkpoints),
//   in a fresh Node process per round.
//   PyTorch: the same loop in plain PyTorch, once with torch.set_num_threads(1) and OPENBLAS_NUM_THREADS=1
//   (like wasm: one thread) and once with PyTorch's default threads. Ratios Lathe / PyTorch are printed for both.
// - end to end: `lathe train --config …` as a user runs it: CLI start-up, worker, reading the Parquet, split,
//   feature fitting, the epochs with a checkpoint after each, permutation importance, saving the model and
//   recording the run. PyTorch has no counterpart; it shows what the loop costs inside a whole run.
// - --baseline DIR: another Lathe tree (e.g. `git archive <commit> | tar -x -C DIR`, node_modules linked,
//   `node esbuild.config.mjs` run there) whose train() is timed in the same rounds, on the same prepared
//   workspace, for a before/after ratio. Its trainer must call the `onFitStart` hook (two lines, see
//   main/train/trainer.ts) so that its loop is timed from the same point.
// Compare within one run: the machine may be shared and noisy.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { build } from 'esbuild';
import { flights3m as source, latheCli as lathe, numberArg as arg, python, root } from './lib.mjs';

const require = createRequire(import.meta.url);
const rows = arg('--rows', 200_000);
const epochs = arg('--epochs', 10);
const rounds = arg('--rounds', 1);
const dir = mkdtempSync(join(tmpdir(), 'lathe-bench-train-'));
const ws = join(dir, 'ws');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;

if (spawnSync(python, ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status !== 0) {
  console.error('python3-torch is missing: apt-get install -y python3-torch');
  process.exit(1);
}

// Lathe's services and trainer, bundled as the CLI and worker are (dependencies stay in node_modules).
async function bundleOf(tree) {
  mkdirSync(join(tree, 'out/bench'), { recursive: true });
  const outfile = join(tree, 'out/bench/train-vs-pytorch.cjs');
  await build({
    stdin: {
      contents: `export { createServices } from './main/services';
export { train } from './main/train/trainer';
export { prepareTrainingData } from './main/train/dataset';
export { TrainConfig } from './shared/contract';`,
      resolveDir: tree,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    outfile,
    logLevel: 'warning',
  });
  return outfile;
}
const bundle = await bundleOf(root);
const { createServices, prepareTrainingData, TrainConfig } = require(bundle);
const baselineDir = process.argv.includes('--baseline')
  ? resolve(process.argv[process.argv.indexOf('--baseline') + 1])
  : null;
const baseline = baselineDir ? await bundleOf(baselineDir) : null;

const cli = (args) => {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [lathe, ...args, '--workspace', ws, '--json'], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`lathe ${args.join(' ')} failed:\n${r.stderr}`);
  return { out: JSON.parse(r.stdout), ms: performance.now() - t0 };
};

cli([
  'data',
  'import',
  '--name',
  'flights',
  '--sql',
  `SELECT distance::DOUBLE AS distance, hour(date) + minute(date) / 60 AS dep_time,
     dayofweek(date)::DOUBLE AS weekday, month(date)::DOUBLE AS month, day(date)::DOUBLE AS monthday,
     delay > 15 AS delayed
   FROM read_parquet('${source}') LIMIT ${rows}`,
]);
const userConfig = {
  dataset: 'flights',
  target: 'delayed',
  task: 'binary',
  model: { type: 'mlp', hidden: [64, 64], activation: 'relu' },
  training: { epochs, batchSize: 256, learningRate: 1e-3, validationFraction: 0.2 },
  seed: 42,
  experiment: 'bench',
};
const config = TrainConfig.parse(userConfig);

// The matrices Lathe trains on, for PyTorch.
const services = await createServices({ workspaceDir: ws });
const version = await services.data.resolve('flights');
const data = await prepareTrainingData(config, version.storagePath, version.columns);
await services.close();
const f32 = (name, arr) => writeFileSync(join(dir, name), Float32Array.from(arr));
f32('x_train.f32', data.train.x);
f32('y_train.f32', data.train.labels);
f32('x_valid.f32', data.valid.x);
f32('y_valid.f32', data.valid.labels);
console.log(
  `data: ${rows.toLocaleString('en-US')} flights → ${data.train.rows.toLocaleString('en-US')} training and ` +
    `${data.valid.rows.toLocaleString('en-US')} validation rows × ${data.width} features; ` +
    `MLP 64-64 relu, Adam 1e-3, batch 256, ${epochs} epochs; ${rounds} round(s), median shown`,
);

// PyTorch: the same loop on the same matrices, one fresh model per process.
const torchScript = `
import json, sys, time
import numpy as np
import torch
threads, seed = int(sys.argv[2]), int(sys.argv[3])
if threads > 0:
    torch.set_num_threads(threads)
d = sys.argv[1]
width = ${data.width}
x_tr = torch.from_numpy(np.fromfile(d + '/x_train.f32', dtype=np.float32).reshape(-1, width))
y_tr = torch.from_numpy(np.fromfile(d + '/y_train.f32', dtype=np.float32).reshape(-1, 1))
x_va = torch.from_numpy(np.fromfile(d + '/x_valid.f32', dtype=np.float32).reshape(-1, width))
y_va = torch.from_numpy(np.fromfile(d + '/y_valid.f32', dtype=np.float32).reshape(-1, 1))
torch.manual_seed(seed)
model = torch.nn.Sequential(
    torch.nn.Linear(width, 64), torch.nn.ReLU(),
    torch.nn.Linear(64, 64), torch.nn.ReLU(),
    torch.nn.Linear(64, 1))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = torch.nn.BCEWithLogitsLoss()
n = x_tr.shape[0]
t0 = time.perf_counter()
c0 = time.process_time()
for epoch in range(${epochs}):
    model.train()
    perm = torch.randperm(n)
    total = 0.0
    batches = 0
    for start in range(0, n, 256):
        idx = perm[start:start + 256]
        opt.zero_grad()
        loss = loss_fn(model(x_tr[idx]), y_tr[idx])
        loss.backward()
        opt.step()
        total += loss.item()
        batches += 1
    model.eval()
    with torch.no_grad():
        out = model(x_va)
        val_loss = loss_fn(out, y_va).item()
        val_acc = ((out >= 0).float() == y_va).float().mean().item()
ms = (time.perf_counter() - t0) * 1000
cpu_ms = (time.process_time() - c0) * 1000
print(json.dumps({"threads": torch.get_num_threads(), "ms": ms, "cpuMs": cpu_ms,
                  "loss": total / batches, "val_loss": val_loss, "val_accuracy": val_acc}))
`;
const torch = (threads, seed) => {
  // torch.set_num_threads does not reach OpenBLAS, whose second thread busy-waits beside the first.
  const env =
    threads === 1
      ? { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' }
      : process.env;
  const r = spawnSync(python, ['-c', torchScript, dir, String(threads), String(seed)], {
    encoding: 'utf8',
    env,
  });
  if (r.status !== 0) throw new Error(`pytorch failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
};

// train() of a Lathe bundle in its own process (a fresh tfjs, as in the worker): the loop's wall time.
const loopScript = `
const [bundle, job] = process.argv.slice(1);
const { train } = require(bundle);
let t0 = 0;
let c0 = null;
let last = 0;
let cpu = 0;
train(JSON.parse(job), {
  onFitStart: () => ((t0 = performance.now()), (c0 = process.cpuUsage())),
  onEpoch: () => {
    last = performance.now();
    const c = process.cpuUsage(c0);
    cpu = (c.user + c.system) / 1000;
  },
}).then((r) => {
  if (!t0) throw new Error('this Lathe tree does not call the onFitStart hook');
  process.stdout.write(
    JSON.stringify({ ms: last - t0, cpuMs: cpu, metrics: r.metrics, backend: r.backend }),
  );
});
`;
function latheLoop(bundlePath, r, engine = 'auto') {
  const job = {
    runId: `bench-${r}`,
    config: { ...config, training: { ...config.training, engine } },
    parquetPath: version.storagePath,
    columns: version.columns,
    latheVersion: 'bench',
  };
  const out = spawnSync(process.execPath, ['-e', loopScript, bundlePath, JSON.stringify(job)], {
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`lathe train() failed:\n${out.stderr}`);
  return JSON.parse(out.stdout);
}

const times = { lathe: [], tfjs: [], baseline: [], torch1: [], torchN: [], e2e: [] };
const cpu = { lathe: [], tfjs: [], baseline: [], torch1: [] };
let latheMetrics = {};
let torchResult = {};
let torchThreads = 1;
for (let r = 0; r < rounds; r++) {
  const now = latheLoop(bundle, r);
  latheMetrics = now.metrics;
  times.lathe.push(now.ms);
  cpu.lathe.push(now.cpuMs);
  const line = [`round ${r + 1}: lathe loop (fused) ${secs(now.ms)}`];
  const kernels = latheLoop(bundle, r, 'tfjs');
  times.tfjs.push(kernels.ms);
  cpu.tfjs.push(kernels.cpuMs);
  line.push(`lathe loop (tfjs ${kernels.backend}) ${secs(kernels.ms)}`);
  if (baseline) {
    const before = latheLoop(baseline, r);
    times.baseline.push(before.ms);
    cpu.baseline.push(before.cpuMs);
    line.push(`baseline loop ${secs(before.ms)}`);
  }
  const t1 = torch(1, 42 + r);
  torchResult = t1;
  times.torch1.push(t1.ms);
  cpu.torch1.push(t1.cpuMs);
  const tn = torch(0, 42 + r);
  torchThreads = tn.threads;
  times.torchN.push(tn.ms);
  line.push(`pytorch 1 thread ${secs(t1.ms)}`, `pytorch ${tn.threads} thread(s) ${secs(tn.ms)}`);
  console.log(`  ${line.join(', ')}`);
}

// Lathe end to end, as a user runs it.
const configFile = join(dir, 'train.json');
writeFileSync(configFile, JSON.stringify(userConfig));
for (let r = 0; r < rounds; r++) {
  const { ms, out } = cli(['train', '--config', configFile]);
  if (out.status !== 'finished') throw new Error(`lathe train: ${JSON.stringify(out)}`);
  times.e2e.push(ms);
  console.log(`  round ${r + 1}: lathe train (CLI, end to end) ${secs(ms)}`);
}

const ratio = (a, b) => median(a.map((x, i) => x / b[i])).toFixed(2);
const row = (label, wall, cpuTimes) =>
  console.log(
    `${label.padEnd(38)} ${secs(median(wall)).padStart(9)}` +
      (cpuTimes ? `  (CPU ${secs(median(cpuTimes))})` : ''),
  );
console.log('\nmedian wall time (and CPU time of the one-thread loops):');
row('lathe training loop (fused engine)', times.lathe, cpu.lathe);
row('lathe training loop (tfjs engine)', times.tfjs, cpu.tfjs);
if (baseline) row('baseline training loop', times.baseline, cpu.baseline);
row('lathe train, end to end', times.e2e);
row('pytorch loop, 1 thread', times.torch1, cpu.torch1);
row(`pytorch loop, ${torchThreads} thread(s) (default)`, times.torchN);
console.log('median of the per-round ratios (wall; CPU time in brackets):');
console.log(
  `  lathe / pytorch 1 thread:             ${ratio(times.lathe, times.torch1)}  (${ratio(cpu.lathe, cpu.torch1)})`,
);
console.log(
  `  lathe tfjs engine / pytorch 1 thread:  ${ratio(times.tfjs, times.torch1)}  (${ratio(cpu.tfjs, cpu.torch1)})`,
);
console.log(
  `  lathe / pytorch ${torchThreads} thread(s), default:  ${ratio(times.lathe, times.torchN)}`,
);
if (baseline) {
  console.log(
    `  baseline / pytorch 1 thread:          ${ratio(times.baseline, times.torch1)}  (${ratio(cpu.baseline, cpu.torch1)})`,
  );
  console.log(
    `  baseline / lathe (speed-up):          ${ratio(times.baseline, times.lathe)}  (${ratio(cpu.baseline, cpu.lathe)})`,
  );
}
console.log(
  `final val_loss / val_accuracy: lathe ${latheMetrics.val_loss?.toFixed(4)} / ${latheMetrics.val_accuracy?.toFixed(4)}, ` +
    `pytorch ${torchResult.val_loss.toFixed(4)} / ${torchResult.val_accuracy.toFixed(4)}`,
);
rmSync(dir, { recursive: true, force: true });
