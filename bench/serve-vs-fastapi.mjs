// Online serving: `lathe serve` against FastAPI + uvicorn + scikit-learn, the stack users would otherwise
// write, on the same data and the same kind of model, both loaded by wrk on loopback in one run.
// Run from the project root after `npm ci` (or `node esbuild.config.mjs`):
//   node bench/serve-vs-fastapi.mjs [--duration 10] [--threads 2] [--connections 16] [--rounds 1] [--lathe FILE]
// Needs wrk and Debian's python3-fastapi, python3-uvicorn, python3-sklearn, python3-pandas
// (apt-get install -y wrk python3-fastapi python3-uvicorn python3-sklearn); runs /usr/bin/python3.
//
// The data: vega-datasets' cars (406 rows) as Cylinders, Displacement, Horsepower, Weight_in_lbs,
// Acceleration, Origin → target Miles_per_Gallon, written once as CSV that both sides train on.
//
// What each side does per request (one JSON record in, one prediction out):
//   Lathe (`lathe serve`, one Node process, no API keys configured so no key check): parse the JSON body;
//     validate it against the model signature with zod (422 naming fields); transform the record with the
//     fitted feature spec (numeric columns imputed and standardized, Origin one-hot); run the MLP (one
//     hidden layer of 32, trained by `lathe train`) in onnxruntime-node; answer JSON with a request id and
//     security headers; record the Prometheus counter and latency histogram; queue a captured row
//     that is written, typed, to the version's capture table in DuckDB in batches off the request path,
//     and count the request in the in-memory service health. The bench checks
//     afterwards that the log holds a row for every answered request.
//   FastAPI (one uvicorn worker): pydantic model of the record checking types; `async def` endpoint
//     building a one-row DataFrame; scikit-learn Pipeline (SimpleImputer + StandardScaler, OneHotEncoder)
//     and MLPRegressor(hidden_layer_sizes=(32,)); answer JSON. No logging, metrics or request ids: the
//     textbook FastAPI + sklearn service.
//
// Load: each server gets a 2 s warm-up, then wrk -t2 -c16 -d10s --latency POSTing one record (the first
// car); with --rounds N the two alternate N times (Lathe first in odd rounds, FastAPI first in even).
// Printed per run: requests/s, p50/p90/p99 latency, non-2xx responses and the server process's CPU time
// per request (user + system of the server process, all its threads, from /proc) and the machine's CPU
// pressure during the run (share of time some task waited for a CPU, from /proc/pressure/cpu); then the ratios
// Lathe / FastAPI per round and their medians, and the goal: at least 5x the requests/s with Lathe's p99
// under 5 ms. wrk shares the machine with both servers, and the machine may be shared with other work:
// compare within one run.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { latheCli as lathe, numberArg as arg, python, root } from './lib.mjs';

const duration = arg('--duration', 10);
const threads = arg('--threads', 2);
const connections = arg('--connections', 16);
const rounds = arg('--rounds', 1);
// --lathe FILE serves with another build of the CLI (e.g. an older commit's bundle) for before/after runs;
// the model is trained and registered by this checkout's CLI either way.
const latheArg = process.argv.indexOf('--lathe');
const latheServe = latheArg > 0 ? resolve(process.argv[latheArg + 1]) : lathe;

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

/** Spawns a server and resolves with the child and its first stdout line. */
function firstLine(cmd, args) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  return new Promise((res, rej) => {
    createInterface({ input: child.stdout }).once('line', (line) => res({ child, line }));
    child.once('exit', (code) => code !== null && rej(new Error(`${cmd} exited ${code}: ${err}`)));
  });
}
const freePort = () =>
  new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });

const latheServer = await firstLine(process.execPath, [
  latheServe,
  'serve',
  'cars@champion',
  '--port',
  '0',
  '--workspace',
  W,
  '--json',
]);
const latheUrl = JSON.parse(latheServer.line).url;

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
const pyServer = await firstLine(python, [app, csv, String(pyPort)]);
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
  {
    name: 'Lathe (lathe serve)',
    url: `${latheUrl}/v1/models/cars/predict`,
    pid: latheServer.child.pid,
  },
  { name: 'FastAPI + uvicorn + sklearn', url: `${pyUrl}/predict`, pid: pyServer.child.pid },
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
  const pct = (p) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out);
    return m ? ms(m[1], m[2]) : NaN;
  };
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const total = Number(/(\d+) requests in/.exec(out)?.[1]);
  return { rps, p50: pct(50), p90: pct(90), p99: pct(99), non2xx, total };
}

// CPU seconds (user + system, all threads) a process has used, from /proc; NaN where there is none.
const ticks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
  } catch {
    return 100;
  }
})();
const cpuSeconds = (pid) => {
  const file = `/proc/${pid}/stat`;
  if (!existsSync(file)) return NaN;
  const fields = readFileSync(file, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticks;
};

// The share of the run during which some runnable task on the machine waited for a CPU (Linux PSI,
// /proc/pressure/cpu "some"): the load the two servers and wrk put on each other and whatever else runs.
const pressureUs = () => {
  try {
    return Number(/^some .*total=(\d+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'))[1]);
  } catch {
    return NaN;
  }
};

// Both answers are checked before any load: an idle keep-alive socket may be closed by the time a later fetch reuses it.
for (const t of targets) t.prediction = await check(t.url);
let latheAnswered = 1;
const answered = (t, r) => {
  if (t === targets[0]) latheAnswered += r.total;
  return r;
};
for (const t of targets) answered(t, wrk(t.url, 2));
const results = [];
for (let round = 1; round <= rounds; round++) {
  for (const t of round % 2 ? targets : [...targets].reverse()) {
    console.error(
      `[bench] round ${round}/${rounds} ${t.name}: wrk -t${threads} -c${connections} -d${duration}s`,
    );
    const c0 = cpuSeconds(t.pid);
    const p0 = pressureUs();
    const t0 = performance.now();
    const r = answered(t, wrk(t.url, duration));
    const pressure = (pressureUs() - p0) / 10 / (performance.now() - t0);
    const cpuUs = ((cpuSeconds(t.pid) - c0) * 1e6) / r.total;
    results.push({ round, target: t, ...r, cpuUs, pressure });
  }
}

// Every answered request must be in Lathe's prediction log once the server has flushed it on shutdown.
const latheExit = new Promise((r) => latheServer.child.once('exit', r));
latheServer.child.kill('SIGINT');
await latheExit;
const { DuckDBInstance } = createRequire(join(root, 'package.json'))('@duckdb/node-api');
const db = await DuckDBInstance.create(join(W, 'lathe.duckdb'), { access_mode: 'READ_ONLY' });
const conn = await db.connect();
// Served rows land in the version's capture table (main/serve/capture.ts), named in capture_tables.
const [[table]] = (
  await conn.runAndReadAll("SELECT table_name FROM capture_tables WHERE model = 'cars'")
).getRows();
const logged = Number(
  (await conn.runAndReadAll(`SELECT count(*) AS n FROM "${table}"`)).getRows()[0][0],
);
conn.closeSync();
db.closeSync();

const f2 = (v) => (Number.isFinite(v) ? v.toFixed(2) : '-');
const med = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(
  `\nOne record per request, wrk -t${threads} -c${connections} -d${duration}s on loopback, ${rounds} round(s) (${cars.length} training rows)\n`,
);
console.log(
  'round  server                        requests/s   p50 ms   p90 ms   p99 ms  non-2xx  CPU µs/req  CPU pressure',
);
for (const r of results)
  console.log(
    `${String(r.round).padEnd(6)} ${r.target.name.padEnd(29)} ${r.rps.toFixed(0).padStart(10)} ${f2(r.p50).padStart(8)} ${f2(r.p90).padStart(8)} ${f2(r.p99).padStart(8)} ${String(r.non2xx).padStart(8)} ${(Number.isFinite(r.cpuUs) ? r.cpuUs.toFixed(0) : '-').padStart(11)} ${(Number.isFinite(r.pressure) ? `${r.pressure.toFixed(0)}%` : '-').padStart(13)}`,
  );
const of = (t) => results.filter((r) => r.target === t);
const [L, F] = targets.map(of);
const rpsRatios = L.map((l, i) => l.rps / F[i].rps);
const p99Ratios = L.map((l, i) => l.p99 / F[i].p99);
console.log(
  `\nLathe / FastAPI per round: requests/s ${rpsRatios.map((x) => `${x.toFixed(1)}×`).join(', ')}; p99 ${p99Ratios.map((x) => `${x.toFixed(2)}×`).join(', ')}`,
);
const summary = (rs) =>
  `${med(rs.map((r) => r.rps)).toFixed(0)} req/s, p50 ${f2(med(rs.map((r) => r.p50)))} ms, p99 ${f2(med(rs.map((r) => r.p99)))} ms`;
console.log(`Median: Lathe ${summary(L)}; FastAPI ${summary(F)}`);
const ratio = med(rpsRatios);
const p99 = med(L.map((r) => r.p99));
console.log(
  `Goal (≥ 5× the requests/s, Lathe p99 < 5 ms): ${ratio >= 5 && p99 < 5 ? 'met' : 'NOT met'} (${ratio.toFixed(1)}×, p99 ${f2(p99)} ms)`,
);
console.log(
  `Prediction for car 0: Lathe ${Number(targets[0].prediction).toFixed(2)}, FastAPI ${Number(targets[1].prediction).toFixed(2)} (actual MPG ${cars[0].Miles_per_Gallon})`,
);
const inFlight = connections * (rounds + 1);
console.log(
  `Lathe prediction log: ${logged} rows for ${latheAnswered} answered requests (wrk stops with up to ${inFlight} more in flight)${logged < latheAnswered ? ' — ROWS MISSING' : ''}`,
);
cleanup();
rmSync(dir, { recursive: true, force: true });
process.exit(logged < latheAnswered ? 1 : 0);
