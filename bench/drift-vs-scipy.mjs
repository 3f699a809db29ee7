// Drift: `lathe monitor drift` against a pandas + scipy implementation of the same tests on the same data.
// Run from the project root after `npm ci` (or `node esbuild.config.mjs`):
//   node bench/drift-vs-scipy.mjs [--rows N] [--columns N] [--reference N] [--keep] [--again DIR]
// --keep leaves the work folder; --again DIR times again on the data and workspace a kept run prepared.
// Needs Debian's python3-pandas and python3-scipy; runs /usr/bin/python3 and /usr/bin/time.
//
// The data (DuckDB, seeded): --columns (default 100) inputs, one in ten categorical (20 categories, skewed),
// the rest numeric (normal, exponential, uniform and a lognormal in turn). The reference has --reference
// (default 500,000) rows; the current data --rows (default 3,000,000), every fifth input shifted (numeric
// by 0.2 of its spread, categorical towards its rarer categories). A small model is trained on 2,000 rows
// with the same inputs and registered; its reference is then set from the 500k-row dataset
// (`lathe monitor reference m@1 --data ref`): large, so drift uses the sketches, and Evidently's defaults
// choose Wasserstein distance / std for numeric inputs and Jensen–Shannon distance for categorical ones.
//
// Timed, each as its own process under /usr/bin/time (wall clock, peak RSS):
// - Lathe: `lathe monitor drift m@1 --data cur --json`: reads the stored reference and the 3M-row Parquet
//   dataset version, every statistic in DuckDB SQL.
// - pandas + scipy: loads the same reference and current columns from raw float64 files (np.fromfile: the
//   fastest read pandas has here, as Debian's pandas has no Parquet engine), then per column the method
//   Lathe chose, as Evidently computes it: scipy.stats.wasserstein_distance / np.std(reference), and
//   scipy.spatial.distance.jensenshannon of the value shares (pandas value_counts).
// Printed: seconds and peak RSS of each, the ratio (goal: Lathe ≥ 10x faster, under 10 s and 1 GB), and
// the largest difference between the two in any statistic (the reference sketch keeps it within 1e-3).
import { DuckDBInstance } from '@duckdb/node-api';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { latheCli, numberArg as arg, python } from './lib.mjs';

const rows = arg('--rows', 3_000_000);
const columns = arg('--columns', 100);
const refRows = arg('--reference', 500_000);
const again = process.argv.includes('--again')
  ? process.argv[process.argv.indexOf('--again') + 1]
  : null;
const keep = process.argv.includes('--keep') || again !== null;
const dir = again ?? mkdtempSync(join(tmpdir(), 'lathe-bench-drift-'));
const ws = join(dir, 'ws');

const probe = spawnSync(python, ['-c', 'import pandas, scipy, numpy'], { encoding: 'utf8' });
if (probe.status !== 0) {
  console.error(`${probe.stderr.trim()}\nneeds: apt-get install -y python3-pandas python3-scipy`);
  process.exit(1);
}

const names = Array.from({ length: columns }, (_, i) => `f${String(i).padStart(3, '0')}`);
const categorical = (i) => i % 10 === 9;
const shifted = (i) => i % 5 === 0;
/** Column i's SQL over `range` rows: its distribution, moved when `shift` is set and the column shifts. */
function columnSql(i, shift) {
  const u = `random()`;
  const move = shift && shifted(i);
  if (categorical(i)) {
    // Skewed categories: the square (or for moved ones the square root) of a uniform picks one of 20.
    return `'k' || floor(${move ? `sqrt(${u})` : `${u} * ${u}`} * 20)::INT::VARCHAR AS ${names[i]}`;
  }
  const normal = `sqrt(-2 * ln(1 - ${u})) * cos(2 * pi() * ${u})`;
  const base = [
    `${normal} * ${1 + (i % 7)} + ${i}`,
    `-ln(1 - ${u}) * ${1 + (i % 3)}`,
    `${u} * ${10 + i}`,
    `exp(${normal} * 0.5)`,
  ][i % 4];
  const spread = [1 + (i % 7), 1 + (i % 3), (10 + i) / Math.sqrt(12), 0.6][i % 4];
  return `(${base})${move ? ` + ${0.2 * spread}` : ''} AS ${names[i]}`;
}

const say = (s) => console.log(s);
function run(args, what) {
  const r = spawnSync(args[0], args.slice(1), { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
  return r;
}
const lathe = (...args) =>
  run(
    [process.execPath, latheCli, ...args, '--workspace', ws, '--json'],
    `lathe ${args.join(' ')}`,
  );
/** A command's wall seconds and peak RSS (MiB) from GNU time, and its stdout. */
function timed(args) {
  const r = run(['/usr/bin/time', '-f', 'TIME %e %M', ...args], args.join(' '));
  const [, seconds, kb] = /TIME (\S+) (\S+)\s*$/.exec(r.stderr);
  return { seconds: Number(seconds), rssMiB: Number(kb) / 1024, stdout: r.stdout };
}

/** Writes the data (Parquet for Lathe, raw float64 per column for numpy) and the workspace. */
async function prepare() {
  say(
    `Preparing ${rows.toLocaleString()} current and ${refRows.toLocaleString()} reference rows × ${columns} columns in ${dir}`,
  );
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  const table = (n, shift, extra = '') =>
    `SELECT ${names.map((_, i) => columnSql(i, shift)).join(', ')}${extra} FROM range(${n})`;
  await db.run('SELECT setseed(0.11)');
  await db.run(`COPY (${table(refRows, false)}) TO '${join(dir, 'ref.parquet')}' (FORMAT parquet)`);
  await db.run(`COPY (${table(rows, true)}) TO '${join(dir, 'cur.parquet')}' (FORMAT parquet)`);
  await db.run(
    `COPY (${table(2000, false, `, random() AS y`)}) TO '${join(dir, 'small.parquet')}' (FORMAT parquet)`,
  );
  // The same columns as raw float64 (categories as their number) for numpy.
  for (const [file, prefix] of [
    ['ref.parquet', 'ref'],
    ['cur.parquet', 'cur'],
  ]) {
    for (const [i, name] of names.entries()) {
      const x = categorical(i) ? `substr(${name}, 2)::DOUBLE` : name;
      const reader = await db.runAndReadAll(`SELECT ${x} FROM '${join(dir, file)}'`);
      writeFileSync(
        join(dir, `${prefix}.${name}.f64`),
        Float64Array.from(reader.getColumnsJS()[0]),
      );
    }
  }

  lathe('data', 'import', join(dir, 'small.parquet'), '--name', 'small');
  lathe('data', 'import', join(dir, 'ref.parquet'), '--name', 'ref');
  lathe('data', 'import', join(dir, 'cur.parquet'), '--name', 'cur');
  const configFile = join(dir, 'train.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      dataset: 'small',
      target: 'y',
      task: 'regression',
      model: { type: 'mlp', hidden: [8] },
      training: { epochs: 1 },
      experiment: 'bench',
    }),
  );
  const trained = JSON.parse(lathe('train', '--config', configFile).stdout);
  lathe('models', 'register', trained.runId ?? trained.run?.id ?? trained.id, '--name', 'm');
  lathe('monitor', 'reference', 'm@1', '--data', 'ref');
}
if (!again) await prepare();

say('Timing lathe monitor drift …');
const l = timed([
  process.execPath,
  latheCli,
  'monitor',
  'drift',
  'm@1',
  '--data',
  'cur',
  '--json',
  '--workspace',
  ws,
]);
const drift = JSON.parse(l.stdout);

const PANDAS = String.raw`import json, sys
import numpy as np, pandas as pd
from scipy import stats
from scipy.spatial import distance

d, spec = sys.argv[1], json.load(open(sys.argv[2]))
out = {}
for name, method in spec.items():
    ref = pd.Series(np.fromfile(f"{d}/ref.{name}.f64"))
    cur = pd.Series(np.fromfile(f"{d}/cur.{name}.f64"))
    if method == "wasserstein":
        out[name] = stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001)
    elif method == "jensenshannon":
        keys = list(set(ref.unique()) | set(cur.unique()))
        r, c = ref.value_counts(), cur.value_counts()
        out[name] = distance.jensenshannon([r.get(k, 0) / len(ref) for k in keys], [c.get(k, 0) / len(cur) for k in keys])
    else:
        raise SystemExit(f"the pandas side has no {method}")
print(json.dumps(out))`;
const specFile = join(dir, 'methods.json');
writeFileSync(
  specFile,
  JSON.stringify(Object.fromEntries(drift.features.map((f) => [f.feature, f.method]))),
);
const scriptFile = join(dir, 'pandas_drift.py');
writeFileSync(scriptFile, PANDAS);
say('Timing pandas + scipy …');
const p = timed([python, scriptFile, dir, specFile]);
const expected = JSON.parse(p.stdout);

let worst = { diff: 0, feature: '' };
for (const f of drift.features) {
  const diff = Math.abs(f.statistic - expected[f.feature]);
  if (diff > worst.diff) worst = { diff, feature: `${f.feature} (${f.method})` };
}
const flagged = drift.features.filter((f) => f.drifted).map((f) => f.feature);
const truth = names.filter((_, i) => shifted(i));
const methods = [...new Set(drift.features.map((f) => f.method))].join(', ');

say('');
say(
  `${rows.toLocaleString()} rows × ${columns} columns against a ${refRows.toLocaleString()}-row reference (${methods})`,
);
say(`  lathe monitor drift   ${l.seconds.toFixed(2)} s   peak RSS ${l.rssMiB.toFixed(0)} MiB`);
say(`  pandas + scipy        ${p.seconds.toFixed(2)} s   peak RSS ${p.rssMiB.toFixed(0)} MiB`);
say(
  `  ratio (pandas / Lathe) ${(p.seconds / l.seconds).toFixed(1)}x   (goal ≥ 10x; Lathe < 10 s, < 1024 MiB)`,
);
say(`  largest difference in any statistic: ${worst.diff.toExponential(2)} (${worst.feature})`);
say(
  `  drifted: ${flagged.length} of ${columns}; shifted: ${truth.length}; all shifted flagged: ${truth.every((t) => flagged.includes(t))}; none else: ${flagged.every((f) => truth.includes(f))}`,
);
if (!keep) rmSync(dir, { recursive: true, force: true });
else say(`kept ${dir}`);
