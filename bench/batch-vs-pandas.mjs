// Batch prediction: `lathe predict` against two pandas baselines on the same model, 3M rows, CSV → CSV.
// Run from the project root after `npm ci` (or `node esbuild.config.mjs`):
//   node bench/batch-vs-pandas.mjs [--rows N] [--chunk N] [--lean-chunk N] [--lathe-chunk N] [--rounds N] [--keep]
// --rounds N (default 1): the runs the ratios compare alternate N times, each side timed by its median.
// --keep leaves the work folder (workspace, inputs, package) for profiling `lathe predict` by hand.
// --memory N (e.g. 10): afterwards, Lathe alone predicts the input repeated N times (30M rows for the
// default 3M) Parquet → Parquet, and the peak RSS of that process is printed: the goal is under 1 GB.
// Needs Debian's python3-pandas, python3-sklearn and python3-onnx (apt-get install -y ...); runs /usr/bin/python3.
//
// The data: the first N (default 3,000,000) rows of vega-datasets' flights-3m.parquet as
//   distance, origin, destination, hour (of the date), dow (day of week)  →  target delay (minutes).
// Lathe trains a regression MLP (dense 32 relu, dense 16 relu, dense 1) on the first 200k rows with its
// default feature spec (numeric columns standardized, airports one-hot), registers it, and writes its model
// package. Both pandas sides run the *same* model:
// - pandas + scikit-learn, the typical pipeline: the package's fitted.json applied with pandas (the same
//   imputation, scaling and encodings, vectorized, a column per feature) and sklearn's MLPRegressor holding
//   the package's weights (read from model.onnx with the onnx package), output · std + mean, in chunks of
//   --chunk (default 100k) rows;
// - lean pandas + numpy, the careful hand-written loop: read_csv in chunks of --lean-chunk (default 250k)
//   rows, hand-made features into one float32 matrix (category codes → one-hot), numpy matmul, to_csv.
// Lathe runs with its default chunk size (--lathe-chunk N passes --chunk-rows N). Each side writes
// id + prediction; Lathe's output is compared row by row with both. The goal: the lean loop takes ≥ 3× the
// time of `lathe predict`. `lathe predict` captures every row for monitoring by default (into the
// workspace's capture table), which neither pandas side does: it is also timed with --capture none, and
// Parquet → Parquet.
//
// Timed: each command as a user runs it, in its own process (start-up, reading, features, model, writing),
// wall clock, after one untimed predict of 1,000 rows that writes the version's serving package (once per
// version); peak RSS of the process from getrusage(RUSAGE_CHILDREN) in a small Python wrapper. Printed:
// seconds, rows/s and peak RSS of each, and both ratios (baseline / Lathe). The machine may be shared:
// compare within one run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import {
  bundle,
  flights3m as source,
  latheCli as lathe,
  median,
  numberArg as arg,
  python,
  root,
} from './lib.mjs';

const require = createRequire(import.meta.url);
const rows = arg('--rows', 3_000_000);
const chunk = arg('--chunk', 100_000);
const latheChunk = arg('--lathe-chunk', 0);
const leanChunk = arg('--lean-chunk', 250_000);
const rounds = Math.max(1, arg('--rounds', 1));
const dir = mkdtempSync(join(tmpdir(), 'lathe-bench-batch-'));
const ws = join(dir, 'ws');
const q = (s) => `'${s.replaceAll("'", "''")}'`;

const probe = spawnSync(python, ['-c', 'import pandas, sklearn, onnx, numpy'], {
  encoding: 'utf8',
});
if (probe.status !== 0) {
  console.error(
    `${probe.stderr.trim()}\nneeds: apt-get install -y python3-pandas python3-sklearn python3-onnx`,
  );
  process.exit(1);
}
function run(cmd, args, what) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}
const latheJson = (...args) =>
  JSON.parse(
    run(process.execPath, [lathe, ...args, '--workspace', ws, '--json'], `lathe ${args[0]}`),
  );

/** Runs a command under a Python wrapper: wall seconds and the peak RSS of the process (MiB). */
const WRAP = `import json, resource, subprocess, sys, time
t = time.perf_counter()
r = subprocess.run(sys.argv[1:])
dt = time.perf_counter() - t
print(json.dumps({"code": r.returncode, "seconds": dt, "rssMiB": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))`;
function timed(args) {
  const out = run(python, ['-c', WRAP, ...args], args.join(' '))
    .trim()
    .split('\n')
    .pop();
  const r = JSON.parse(out);
  if (r.code !== 0) throw new Error(`${args.join(' ')} exited ${r.code}`);
  return r;
}

// Both Python contestants start alike: arguments, the package's fitted spec, target and ONNX weights.
const PRELUDE = String.raw`import json, sys
import numpy as np, pandas as pd, onnx
from onnx import numpy_helper

pkg, inp, out, chunk = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
fitted = json.load(open(pkg + "/fitted.json"))
target = json.load(open(pkg + "/target.json"))
graph = onnx.load(pkg + "/model.onnx").graph
init = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
gemms = [n for n in graph.node if n.op_type == "Gemm"]
`;

// The pandas + sklearn contestant: fitted.json applied with pandas, the package's weights in MLPRegressor.
const PANDAS = String.raw`${PRELUDE}from sklearn.neural_network import MLPRegressor
ops = {n.op_type for n in graph.node} - {"Gemm", "Relu", "Mul", "Add"}
assert not ops, f"the pandas side models dense relu layers only, the graph has {ops}"
model = MLPRegressor(hidden_layer_sizes=[init[g.input[1]].shape[1] for g in gemms[:-1]], activation="relu")
width = init[gemms[0].input[1]].shape[0]
model.fit(np.zeros((2, width)), np.zeros(2))  # shapes only; the weights are replaced
model.coefs_ = [init[g.input[1]].astype(np.float64) for g in gemms]
model.intercepts_ = [init[g.input[2]].astype(np.float64) for g in gemms]

def numeric(x, n):
    if n.get("clip"): x = x.clip(n["clip"]["lo"], n["clip"]["hi"])
    if n.get("scale"): x = (x - n["scale"]["center"]) / n["scale"]["scale"]
    if n.get("bucketize"):
        cuts = n["bucketize"]["cuts"]
        x = x.where(x.isna(), sum((x >= c).astype(float) for c in cuts))
    return x

def features(df):
    cols = []
    for c in fitted["columns"]:
        raw = df[c["source"]]
        if c["kind"] == "numeric":
            x = pd.to_numeric(raw, errors="coerce").astype(float)
            missing = x.isna()
            if c.get("impute"): x = x.fillna(c["impute"]["fill"])
            cols.append(numeric(x, c["numeric"]))
            if c.get("impute", {}).get("indicator"): cols.append(missing.astype(float))
        elif c["kind"] == "categorical":
            s = raw.astype("string")
            missing = s.isna()
            if c.get("impute"): s = s.fillna(c["impute"]["fill"])
            e = c["encoding"]
            if e["op"] == "onehot":
                for cat in e["categories"]: cols.append((s == cat).fillna(False).astype(float))
                cols.append((~s.isin(e["categories"]) | s.isna()).astype(float))
            elif e["op"] == "ordinal":
                cols.append(s.map({k: i for i, k in enumerate(e["categories"])}).astype(float).fillna(-1))
            elif e["op"] == "frequency":
                cols.append(s.map(e["shares"]).astype(float).fillna(0))
            else:
                raise SystemExit(f"encoding {e['op']} is not implemented on the pandas side")
            if c.get("impute", {}).get("indicator"): cols.append(missing.astype(float))
        else:
            raise SystemExit(f"column kind {c['kind']} is not implemented on the pandas side")
    if fitted["derived"]: raise SystemExit("derived features are not implemented on the pandas side")
    x = pd.concat(cols, axis=1).fillna(0).to_numpy(dtype=np.float64)
    names = fitted["outputs"]
    kept = fitted.get("selection", {}).get("kept", names)
    return x[:, [names.index(k) for k in kept]]

reader = pd.read_parquet(inp) if inp.endswith(".parquet") else pd.read_csv(inp, chunksize=chunk)
chunks = (reader.iloc[i:i + chunk] for i in range(0, len(reader), chunk)) if inp.endswith(".parquet") else reader
first, row = True, 0
for df in chunks:
    y = model.predict(features(df)) * target["std"] + target["mean"]
    res = pd.DataFrame({"row": np.arange(row, row + len(df)), "prediction": y})
    row += len(df)
    res.to_csv(out, mode="w" if first else "a", header=first, index=False)
    first = False
`;

// The lean contestant, as a careful user writes it by hand: read_csv in chunks of --lean-chunk (default 250k)
// rows with only the needed columns and the airports read as categoricals of the fitted categories (their
// codes), features built into one float32 matrix (numeric: imputed and standardized; one-hot from the codes),
// the package's weights applied with numpy matmul, to_csv.
const LEAN = String.raw`${PRELUDE}layers = [(init[g.input[1]].astype(np.float32), init[g.input[2]].astype(np.float32)) for g in gemms]
names = fitted["outputs"]
kept = fitted.get("selection", {}).get("kept", names)
assert kept == names and not fitted["derived"], "the lean side takes a spec without selection or derived features"
col = {n: i for i, n in enumerate(names)}
numeric, onehot, dtype = [], [], {}
for c in fitted["columns"]:
    if c["kind"] == "numeric" and set(c["numeric"]) <= {"scale"} and not c.get("impute", {}).get("indicator"):
        s = c["numeric"].get("scale", {"center": 0, "scale": 1})
        numeric.append((c["source"], col[c["source"]], c.get("impute", {}).get("fill", 0), s["center"], s["scale"]))
        dtype[c["source"]] = "float64"
    elif c["kind"] == "categorical" and c["encoding"]["op"] == "onehot" and not c.get("impute"):
        cats = c["encoding"]["categories"]
        onehot.append((c["source"], col[c["source"] + "=" + cats[0]], len(cats)))
        dtype[c["source"]] = pd.CategoricalDtype(cats)
    else:
        raise SystemExit(f"column {c['source']} is not implemented on the lean side")

row = 0
with open(out, "w") as f:
    for df in pd.read_csv(inp, chunksize=chunk, usecols=list(dtype), dtype=dtype):
        n = len(df)
        x = np.zeros((n, len(names)), dtype=np.float32)
        for src, j, fill, center, scale in numeric:
            x[:, j] = (np.nan_to_num(df[src].to_numpy(), nan=fill) - center) / scale
        for src, j, k in onehot:
            codes = df[src].cat.codes.to_numpy().astype(np.int64)
            codes[codes < 0] = k
            x[np.arange(n), j + codes] = 1
        for w, b in layers[:-1]:
            x = np.maximum(x @ w + b, 0)
        w, b = layers[-1]
        y = (x @ w + b)[:, 0].astype(np.float64) * target["std"] + target["mean"]
        pd.DataFrame({"row": np.arange(row, row + n), "prediction": y}).to_csv(f, header=row == 0, index=False)
        row += n
`;

try {
  console.log(
    `rows ${rows.toLocaleString('en-US')}, chunks of ${chunk.toLocaleString('en-US')}; work folder ${dir}`,
  );
  const { DuckDBInstance } = require('@duckdb/node-api');
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  const select = `SELECT distance, origin, destination, hour(date) AS hour, dayofweek(date) AS dow, delay FROM read_parquet(${q(source)}) LIMIT ${rows}`;
  const inputParquet = join(dir, 'input.parquet');
  const inputCsv = join(dir, 'input.csv');
  await db.run(
    `COPY (SELECT * EXCLUDE (delay) FROM (${select})) TO ${q(inputParquet)} (FORMAT parquet)`,
  );
  await db.run(`COPY (SELECT * EXCLUDE (delay) FROM (${select})) TO ${q(inputCsv)} (HEADER)`);
  await db.run(
    `COPY (SELECT * FROM (${select}) LIMIT 200000) TO ${q(join(dir, 'train.parquet'))} (FORMAT parquet)`,
  );

  latheJson('data', 'import', join(dir, 'train.parquet'), '--name', 'flights');
  writeFileSync(
    join(dir, 'train.json'),
    JSON.stringify({
      dataset: 'flights',
      target: 'delay',
      task: 'regression',
      model: { type: 'mlp', hidden: [32, 16], activation: 'relu' },
      training: { epochs: 3, batchSize: 512, learningRate: 0.003 },
      seed: 1,
    }),
  );
  const trained = latheJson('train', '--config', join(dir, 'train.json'));
  latheJson('models', 'register', trained.id, '--name', 'delay');

  // The model package, for the pandas side.
  const entry = join(dir, 'package.ts');
  writeFileSync(
    entry,
    `import { createServices } from ${JSON.stringify(join(root, 'main/services'))};
import { writeModelPackage } from ${JSON.stringify(join(root, 'main/serve/package'))};
export async function write(workspaceDir: string, dir: string) {
  const s = await createServices({ workspaceDir });
  try {
    const version = await s.registry.version('delay@1');
    await writeModelPackage({ version, run: await s.tracking.get(version.runId), artifacts: s.workspace.artifacts, dir, latheVersion: 'bench' });
  } finally { await s.close(); }
}`,
  );
  const pkgDir = join(dir, 'package');
  const { write } = require(await bundle(entry, join(root, 'out/bench/batch-package.cjs')));
  await write(ws, pkgDir);
  writeFileSync(join(dir, 'pandas_predict.py'), PANDAS);

  writeFileSync(join(dir, 'lean_predict.py'), LEAN);

  // The comparisons are CSV → CSV, each side reading the same CSV rows and writing a CSV.
  const latheOut = join(dir, 'lathe-out.csv');
  const pandasOut = join(dir, 'pandas-out.csv');
  const leanOut = join(dir, 'lean-out.csv');
  const predict = (input, output, ...more) => [
    process.execPath,
    lathe,
    'predict',
    'delay@1',
    '--input',
    input,
    '--output',
    output,
    ...(latheChunk ? ['--chunk-rows', String(latheChunk)] : []),
    ...more,
    '--workspace',
    ws,
    '--json',
  ];
  // Untimed: the first predict of a version writes the package it serves and scores from (once per
  // version, as `lathe serve` would); every timed call below finds it.
  const warm = join(dir, 'warm.csv');
  await db.run(`COPY (SELECT * FROM read_csv(${q(inputCsv)}) LIMIT 1000) TO ${q(warm)} (HEADER)`);
  timed(predict(warm, join(dir, 'warm-out.csv'), '--capture', 'none'));
  // The runs the ratios compare (Lathe, with and without a capture, and the lean loop) alternate over
  // --rounds rounds, each timed as the median of its runs: the machine may be shared.
  const runs = { l: [], ln: [], lean: [] };
  for (let r = 0; r < rounds; r++) {
    runs.l.push(timed(predict(inputCsv, latheOut, '--overwrite')));
    runs.ln.push(
      timed(
        predict(inputCsv, join(dir, 'lathe-out-nocapture.csv'), '--capture', 'none', '--overwrite'),
      ),
    );
    runs.lean.push(
      timed([python, join(dir, 'lean_predict.py'), pkgDir, inputCsv, leanOut, String(leanChunk)]),
    );
  }
  const typical = (list) => ({
    seconds: median(list.map((r) => r.seconds)),
    rssMiB: Math.max(...list.map((r) => r.rssMiB)),
  });
  const [l, ln, lean] = [typical(runs.l), typical(runs.ln), typical(runs.lean)];
  const lp = timed(predict(inputParquet, join(dir, 'lathe-out.parquet')));
  const p = timed([
    python,
    join(dir, 'pandas_predict.py'),
    pkgDir,
    inputCsv,
    pandasOut,
    String(chunk),
  ]);

  const compare = async (other) =>
    (
      await db.runAndReadAll(
        `SELECT count(*) AS n, max(abs(a.prediction - b.prediction)) AS diff, bool_and(a.row = b.row) AS ids
         FROM read_csv(${q(latheOut)}) a POSITIONAL JOIN read_csv(${q(other)}) b`,
      )
    ).getRowObjectsJS()[0];
  const fmt = (name, r) =>
    `${name.padEnd(34)} ${r.seconds.toFixed(2).padStart(7)} s  ${Math.round(rows / r.seconds)
      .toLocaleString('en-US')
      .padStart(10)} rows/s  peak RSS ${r.rssMiB.toFixed(0).padStart(5)} MiB`;
  if (rounds > 1)
    console.log(
      `(the first two and the lean loop: median of ${rounds} alternating rounds, each ${runs.l.map((r) => r.seconds.toFixed(2)).join('/')} s, ${runs.ln.map((r) => r.seconds.toFixed(2)).join('/')} s, ${runs.lean.map((r) => r.seconds.toFixed(2)).join('/')} s)`,
    );
  console.log(fmt('lathe predict (csv → csv)', l));
  console.log(fmt('lathe predict --capture none', ln));
  console.log(fmt('lathe predict (parquet → parquet)', lp));
  console.log(fmt('pandas + sklearn (csv → csv)', p));
  console.log(fmt('lean pandas + numpy (csv → csv)', lean));
  console.log(
    `time ratio pandas + sklearn / lathe (csv → csv): ${(p.seconds / l.seconds).toFixed(2)}×`,
  );
  for (const [what, r] of [
    ['lathe', l],
    ['lathe --capture none', ln],
  ]) {
    const ratio = lean.seconds / r.seconds;
    console.log(
      `time ratio lean pandas + numpy / ${what} (csv → csv): ${ratio.toFixed(2)}× (goal ≥ 3×: ${ratio >= 3 ? 'met' : 'not met'})`,
    );
  }
  for (const [name, file] of [
    ['pandas + sklearn', pandasOut],
    ['lean', leanOut],
  ]) {
    const cmp = await compare(file);
    console.log(
      `outputs against ${name}: ${Number(cmp.n).toLocaleString('en-US')} rows, ids equal: ${cmp.ids}, max |Δ prediction| ${Number(cmp.diff).toExponential(2)} minutes`,
    );
  }
  const repeat = arg('--memory', 0);
  if (repeat > 1) {
    const big = join(dir, `input-x${repeat}.parquet`);
    await db.run(
      `COPY (SELECT i.* FROM read_parquet(${q(inputParquet)}) i, range(${repeat})) TO ${q(big)} (FORMAT parquet)`,
    );
    const m = timed([
      process.execPath,
      lathe,
      'predict',
      'delay@1',
      '--input',
      big,
      '--output',
      join(dir, 'lathe-big.parquet'),
      '--workspace',
      ws,
      '--json',
    ]);
    const n = rows * repeat;
    console.log(
      `memory: lathe predict of ${n.toLocaleString('en-US')} rows (parquet → parquet) ${m.seconds.toFixed(1)} s, ` +
        `${Math.round(n / m.seconds).toLocaleString('en-US')} rows/s, peak RSS ${m.rssMiB.toFixed(0)} MiB (goal < 1024)`,
    );
  }
} finally {
  if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
}
