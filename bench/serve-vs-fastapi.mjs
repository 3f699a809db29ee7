// Online serving: `lathe serve` against FastAPI + uvicorn + scikit-learn, the stack users would otherwise
// write, on the same data and the same kind of model, both loaded by wrk on loopback in one run.
// Run from the project root after `npm ci` (or `node esbuild.config.mjs`):
//   node bench/serve-vs-fastapi.mjs [--duration 10] [--threads 2] [--connections 16]
// Needs wrk and Debian's python3-fastapi, python3-uvicorn, python3-sklearn, python3-pandas
// (apt-get install -y wrk python3-fastapi python3-uvicorn python3-sklearn); runs /usr/bin/python3.
//
// The data: vega-datasets' cars (406 rows) as Cylinders, Displacement, Horsepower, Weight_in_lbs,
// Acceleration, Origin → target Miles_per_Gallon, written once as CSV that both sides train on.
// Lathe: `lathe train` (MLP, one hidden layer of 32, its default feature spec: numeric columns imputed and
// standardized, Origin one-hot), registered as cars@champion and served by `lathe serve` (one Node
// process: JSON → zod check → fitted spec → onnxruntime-node → JSON, every request logged to the workspace).
// FastAPI: the same features in a scikit-learn Pipeline (SimpleImputer + StandardScaler, OneHotEncoder) and
// MLPRegressor(hidden_layer_sizes=(32,)), one uvicorn worker, a pydantic model of the record checking types,
// `async def` endpoint building a one-row DataFrame — the textbook FastAPI + sklearn service.
//
// Load: each server gets a 2 s warm-up, then wrk -t2 -c16 -d10s --latency POSTing one record (the first
// car). Printed: requests/s and p99 latency of each, non-2xx counts, and the ratios Lathe / FastAPI.
// The machine may be shared: compare within one run.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const duration = arg('--duration', 10);
const threads = arg('--threads', 2);
const connections = arg('--connections', 16);
const python = '/usr/bin/python3';
const lathe = join(root, 'main/cli/lathe.cjs');

for (const [cmd, args, hint] of [
  ['wrk', ['--version'], 'apt-get install -y wrk'],
  [
    python,
    ['-c', 'import fastapi, uvicorn, sklearn, pandas'],
    'apt-get install -y python3-fastapi python3-uvicorn python3-sklearn python3-pandas',
  ],
]) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error || (r.status !== 0 && cmd !== 'wrk')) {
    console.error(`missing ${cmd} ${args.join(' ')}: ${hint}`);
    process.exit(1);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'lathe-bench-serve-'));
const W = join(dir, 'ws');
const children = [];
const cleanup = () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
};
process.on('exit', cleanup);

const FEATURES = [
  'Cylinders',
  'Displacement',
  'Horsepower',
  'Weight_in_lbs',
  'Acceleration',
  'Origin',
];
const cars = JSON.parse(
  readFileSync(join(root, 'node_modules/vega-datasets/data/cars.json'), 'utf8'),
).filter((c) => c.Miles_per_Gallon !== null);
const csv = join(dir, 'cars.csv');
writeFileSync(
  csv,
  [
    [...FEATURES, 'target'].join(','),
    ...cars.map((c) => [...FEATURES.map((f) => c[f] ?? ''), c.Miles_per_Gallon].join(',')),
  ].join('\n') + '\n',
);
const record = Object.fromEntries(FEATURES.map((f) => [f, cars[0][f]]));

const run = (args) =>
  JSON.parse(
    execFileSync(process.execPath, [lathe, ...args, '--workspace', W, '--json'], {
      encoding: 'utf8',
    }),
  );
console.error('[bench] training the Lathe model');
run(['data', 'import', csv, '--name', 'cars']);
const config = join(dir, 'train.yaml');
writeFileSync(
  config,
  'dataset: cars\ntarget: target\ntask: regression\nmodel:\n  type: mlp\n  hidden: [32]\ntraining:\n  epochs: 60\n  batchSize: 32\n  learningRate: 0.01\n  validationFraction: 0.2\nseed: 1\n',
);
const trained = run(['train', '--config', config]);
const runId = trained.id ?? trained.run?.id ?? trained.runId;
run(['models', 'register', runId, '--name', 'cars']);
run(['models', 'alias', 'cars@1', 'champion']);

/** Spawns a server and resolves with its first stdout line. */
function firstLine(cmd, args) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  return new Promise((res, rej) => {
    createInterface({ input: child.stdout }).once('line', res);
    child.once('exit', (code) => rej(new Error(`${cmd} exited ${code}: ${err}`)));
  });
}
const freePort = () =>
  new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });

const latheUrl = JSON.parse(
  await firstLine(process.execPath, [
    lathe,
    'serve',
    'cars@champion',
    '--port',
    '0',
    '--workspace',
    W,
    '--json',
  ]),
).url;

const app = join(dir, 'app.py');
writeFileSync(
  app,
  `import sys
from typing import Optional
import pandas as pd
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

df = pd.read_csv(sys.argv[1])
y = df.pop("target")
num = ${JSON.stringify(FEATURES.slice(0, 5))}
pre = ColumnTransformer([
    ("num", make_pipeline(SimpleImputer(), StandardScaler()), num),
    ("cat", OneHotEncoder(handle_unknown="ignore"), ["Origin"]),
])
model = make_pipeline(pre, MLPRegressor(hidden_layer_sizes=(32,), max_iter=2000, random_state=1)).fit(df, y)

class Record(BaseModel):
${FEATURES.slice(0, 5)
  .map((f) => `    ${f}: Optional[float]`)
  .join('\n')}
    Origin: Optional[str]

app = FastAPI()

@app.get("/health")
async def health():
    return {"status": "ok"}

@app.post("/predict")
async def predict(r: Record):
    return {"prediction": float(model.predict(pd.DataFrame([r.dict()]))[0])}

print("ready", flush=True)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
`,
);
const pyPort = await freePort();
console.error('[bench] training the scikit-learn model');
await firstLine(python, [app, csv, String(pyPort)]);
const pyUrl = `http://127.0.0.1:${pyPort}`;
for (let i = 0; i < 100; i++) {
  if (
    await fetch(`${pyUrl}/health`).then(
      (r) => r.ok,
      () => false,
    )
  )
    break;
  await new Promise((r) => setTimeout(r, 100));
}

const body = JSON.stringify(record);
const check = async (url) => {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  if (!r.ok) throw new Error(`${url}: ${r.status} ${await r.text()}`);
  return (await r.json()).prediction;
};
const targets = [
  ['Lathe (lathe serve)', `${latheUrl}/v1/models/cars/predict`],
  ['FastAPI + uvicorn + sklearn', `${pyUrl}/predict`],
];
const lua = join(dir, 'post.lua');
writeFileSync(
  lua,
  `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = ${JSON.stringify(body)}\n`,
);

const ms = (v, unit) => Number(v) * ({ us: 0.001, ms: 1, s: 1000 }[unit] ?? NaN);
function wrk(url, seconds) {
  const out = execFileSync(
    'wrk',
    [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--latency', '-s', lua, url],
    { encoding: 'utf8' },
  );
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p99 = /^\s*99%\s+([\d.]+)(us|ms|s)\s*$/m.exec(out);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const total = Number(/(\d+) requests in/.exec(out)?.[1]);
  return { rps, p99: p99 ? ms(p99[1], p99[2]) : NaN, non2xx, total };
}

// Both answers are checked before any load: an idle keep-alive socket may be closed by the time a later fetch reuses it.
const predictions = [];
for (const [, url] of targets) predictions.push(await check(url));
const results = [];
for (const [i, [name, url]] of targets.entries()) {
  const prediction = predictions[i];
  wrk(url, 2);
  console.error(`[bench] ${name}: wrk -t${threads} -c${connections} -d${duration}s`);
  results.push({ name, prediction, ...wrk(url, duration) });
}
console.log(
  `\nOne record per request, wrk -t${threads} -c${connections} -d${duration}s on loopback (${cars.length} training rows)\n`,
);
console.log(
  'server                          requests/s    p99 ms   requests  non-2xx  prediction(car 0)',
);
for (const r of results)
  console.log(
    `${r.name.padEnd(30)} ${r.rps.toFixed(0).padStart(11)} ${r.p99.toFixed(2).padStart(9)} ${String(r.total).padStart(10)} ${String(r.non2xx).padStart(8)}  ${Number(r.prediction).toFixed(2)}`,
  );
const [l, f] = results;
console.log(
  `\nLathe / FastAPI: ${(l.rps / f.rps).toFixed(1)}× the requests/s, p99 ${(l.p99 / f.p99).toFixed(2)}× (actual MPG of car 0: ${cars[0].Miles_per_Gallon})`,
);
cleanup();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
