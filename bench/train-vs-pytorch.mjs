// Training an MLP: Lathe (TensorFlow.js, wasm backend: one thread in Node) against PyTorch on the CPU.
// Run from the project root after `npm ci` (or `node esbuild.config.mjs`):
//   node bench/train-vs-pytorch.mjs [--rows N] [--epochs N] [--rounds N]
// Needs Debian's python3-torch (apt-get install -y python3-torch); it runs /usr/bin/python3.
//
// The data: the first N (default 200k) flights of vega-datasets' flights-3m.parquet, imported into a fresh
// workspace with five numeric columns (distance, departure time of day, day of week, month, day of month)
// and a binary target `delayed` (delay > 15 minutes). Lathe prepares it (its split, default feature spec:
// imputed, standardized) and the exact matrices it trains on are written as float32 files that PyTorch reads,
// so both sides fit the same rows and columns.
//
// The model on both sides: dense 64 relu, dense 64 relu, dense 1 (logit), sigmoid cross-entropy, Adam
// lr 1e-3, batch 256, a fresh shuffle every epoch, validation loss and accuracy after every epoch.
//
// What is timed (median over --rounds, each round a fresh model):
// - training loop: the epochs alone. Lathe: train() in this process, from the moment its data is prepared
//   to the last epoch's report (shuffling, optimizer steps, per-epoch validation metrics). PyTorch: the same
//   loop in plain PyTorch, once with torch.set_num_threads(1) (like wasm: one thread) and once with the
//   default thread count. The ratios Lathe / PyTorch are printed for both.
// - end to end: `lathe train --config …` as a user runs it: CLI start-up, worker, reading the Parquet, split,
//   feature fitting, the epochs with a checkpoint after each, permutation importance, saving the model and
//   recording the run. PyTorch has no counterpart; this shows what the loop costs inside a whole run.
// Compare within one run: the machine may be shared and noisy.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const rows = arg('--rows', 200_000);
const epochs = arg('--epochs', 10);
const rounds = arg('--rounds', 1);
const python = '/usr/bin/python3';
const lathe = join(root, 'main/cli/lathe.cjs');
const dir = mkdtempSync(join(tmpdir(), 'lathe-bench-train-'));
const ws = join(dir, 'ws');
const source = join(dirname(require.resolve('vega-datasets')), '..', 'data', 'flights-3m.parquet');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;

if (spawnSync(python, ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status !== 0) {
  console.error('python3-torch is missing: apt-get install -y python3-torch');
  process.exit(1);
}

// Lathe's services and trainer, bundled as the CLI and worker are (dependencies stay in node_modules).
mkdirSync(join(root, 'out/bench'), { recursive: true });
const bundle = join(root, 'out/bench/train-vs-pytorch.cjs');
await build({
  stdin: {
    contents: `export { createServices } from './main/services';
export { train } from './main/train/trainer';
export { prepareTrainingData } from './main/train/dataset';
export { TrainConfig } from './shared/contract';`,
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  outfile: bundle,
  logLevel: 'warning',
});
const { createServices, train, prepareTrainingData, TrainConfig } = require(bundle);

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

// Lathe: the training loop in this process.
const latheLoop = [];
let latheMetrics = {};
for (let r = 0; r < rounds; r++) {
  let t0 = 0;
  let last = 0;
  const result = await train(
    {
      runId: `bench-${r}`,
      config,
      parquetPath: version.storagePath,
      columns: version.columns,
      latheVersion: 'bench',
    },
    {
      onFitStart: () => (t0 = performance.now()),
      onEpoch: () => (last = performance.now()),
    },
  );
  latheLoop.push(last - t0);
  latheMetrics = result.metrics;
  console.log(`  lathe loop (${result.backend}) round ${r + 1}: ${secs(last - t0)}`);
}
await services.close();

// Lathe end to end, as a user runs it.
const configFile = join(dir, 'train.json');
writeFileSync(configFile, JSON.stringify(userConfig));
const latheE2e = [];
for (let r = 0; r < rounds; r++) {
  const { ms, out } = cli(['train', '--config', configFile]);
  if (out.status !== 'finished') throw new Error(`lathe train: ${JSON.stringify(out)}`);
  latheE2e.push(ms);
  console.log(`  lathe train (CLI, end to end) round ${r + 1}: ${secs(ms)}`);
}

// PyTorch: the same loop on the same matrices.
const torchScript = `
import json, sys, time
import numpy as np
import torch
threads = int(sys.argv[2])
if threads > 0:
    torch.set_num_threads(threads)
d = sys.argv[1]
width = ${data.width}
x_tr = torch.from_numpy(np.fromfile(d + '/x_train.f32', dtype=np.float32).reshape(-1, width))
y_tr = torch.from_numpy(np.fromfile(d + '/y_train.f32', dtype=np.float32).reshape(-1, 1))
x_va = torch.from_numpy(np.fromfile(d + '/x_valid.f32', dtype=np.float32).reshape(-1, width))
y_va = torch.from_numpy(np.fromfile(d + '/y_valid.f32', dtype=np.float32).reshape(-1, 1))
times = []
for r in range(${rounds}):
    torch.manual_seed(42 + r)
    model = torch.nn.Sequential(
        torch.nn.Linear(width, 64), torch.nn.ReLU(),
        torch.nn.Linear(64, 64), torch.nn.ReLU(),
        torch.nn.Linear(64, 1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    n = x_tr.shape[0]
    t0 = time.perf_counter()
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
    times.append((time.perf_counter() - t0) * 1000)
print(json.dumps({"threads": torch.get_num_threads(), "times": times,
                  "loss": total / batches, "val_loss": val_loss, "val_accuracy": val_acc}))
`;
const torch = (threads) => {
  const r = spawnSync(python, ['-c', torchScript, dir, String(threads)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pytorch failed:\n${r.stderr}`);
  const out = JSON.parse(r.stdout);
  out.times.forEach((ms, i) =>
    console.log(`  pytorch loop (${out.threads} thread(s)) round ${i + 1}: ${secs(ms)}`),
  );
  return out;
};
const torch1 = torch(1);
const torchN = torch(0);

const loop = median(latheLoop);
console.log('');
console.log(`lathe training loop          ${secs(loop)}`);
console.log(`lathe train, end to end      ${secs(median(latheE2e))}`);
console.log(`pytorch loop, 1 thread       ${secs(median(torch1.times))}`);
console.log(
  `pytorch loop, ${torchN.threads} thread(s)     ${secs(median(torchN.times))}  (default)`,
);
console.log(`ratio lathe / pytorch (1 thread):        ${(loop / median(torch1.times)).toFixed(2)}`);
console.log(
  `ratio lathe / pytorch (${torchN.threads} thread(s), default): ${(loop / median(torchN.times)).toFixed(2)}`,
);
console.log(
  `final val_loss / val_accuracy: lathe ${latheMetrics.val_loss?.toFixed(4)} / ${latheMetrics.val_accuracy?.toFixed(4)}, ` +
    `pytorch ${torch1.val_loss.toFixed(4)} / ${torch1.val_accuracy.toFixed(4)}`,
);
rmSync(dir, { recursive: true, force: true });
