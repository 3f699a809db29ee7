// Import + profile + validate: Lathe (DuckDB) against pandas, on the 3M-row flights sample as Parquet and
// exported to CSV (~100 MB). Also the lean pair: `lathe data import FILE --profile` against pandas
// read_csv + describe(include='all') in one process, beside the fuller pandas profile.
// Run from the project root after `npm ci` (or `node esbuild.config.mjs`):
//   node bench/data-vs-pandas.mjs [--rows N] [--rounds N]
// Needs Debian's python3-pandas (apt-get install -y python3-pandas). Each round imports into a fresh
// workspace, so nothing is reused or cached. Prints per-phase wall times (each Lathe phase is one CLI
// process, start-up included; the in-process time Lathe reports is in brackets), the median over the rounds
// and the ratio pandas / Lathe (above 1: Lathe is faster). Both sides run the same expectation suite and
// must agree on every pass/fail. Compare within one run: the machine may be shared and noisy.
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { flights3m as source, latheCli as lathe, numberArg as arg, python } from './lib.mjs';

const rows = arg('--rows', 3_000_000);
const rounds = arg('--rounds', 3);
const dir = mkdtempSync(join(tmpdir(), 'lathe-bench-'));
const csv = join(dir, 'flights.csv');

const check = spawnSync(python, ['-c', 'import pandas'], { encoding: 'utf8' });
if (check.status !== 0) {
  console.error('python3-pandas is missing: apt-get install -y python3-pandas');
  process.exit(1);
}
const parquetEngine = ['pyarrow', 'fastparquet'].find(
  (m) => spawnSync(python, ['-c', `import ${m}`]).status === 0,
);

// The data: the first N flights, as Parquet (what Lathe stores) and as CSV.
const parquet = join(dir, 'flights.parquet');
const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();
const sel = `SELECT * FROM read_parquet('${source}') LIMIT ${rows}`;
await conn.run(`COPY (${sel}) TO '${parquet}' (FORMAT parquet)`);
await conn.run(`COPY (${sel}) TO '${csv}' (HEADER, DELIMITER ',')`);
const airports = async (col) =>
  (await conn.runAndReadAll(`SELECT DISTINCT ${col} AS v FROM '${parquet}' ORDER BY 1`))
    .getRowObjectsJS()
    .map((r) => r.v)
    .filter((v) => v !== null);
const origins = await airports('origin');
const destinations = await airports('destination');
conn.closeSync();
console.log(
  `data: ${rows.toLocaleString('en-US')} flights, ${(statSync(csv).size / 1e6).toFixed(0)} MB CSV, ` +
    `${(statSync(parquet).size / 1e6).toFixed(0)} MB Parquet; ${rounds} rounds, median shown`,
);

// The suite both sides check. Some expectations fail on purpose (as warnings), so failing rows are
// counted and sampled too: every allowed airport but the busiest destination, delays beyond 10 hours, and
// repeated (date, origin, destination) triples.
const suite = {
  name: 'flights',
  expectations: [
    { type: 'row_count', min: 1000, max: 10_000_000 },
    { type: 'null_rate', column: 'delay', max: 0.01 },
    { type: 'null_rate', column: 'origin', max: 0 },
    { type: 'null_rate', column: 'date', max: 0 },
    { type: 'range', column: 'distance', min: 1, max: 5000 },
    { type: 'range', column: 'delay', min: -120, max: 600, severity: 'warn' },
    { type: 'allowed_values', column: 'origin', values: origins },
    {
      type: 'allowed_values',
      column: 'destination',
      values: destinations.filter((d) => d !== 'ATL'),
      severity: 'warn',
    },
    { type: 'unique', columns: ['date', 'origin', 'destination'], severity: 'warn' },
    { type: 'mean', column: 'delay', min: 0, max: 30 },
    { type: 'mean', column: 'distance', min: 100, max: 2000 },
  ],
};
const suiteFile = join(dir, 'suite.json');
// A few rows of the same file: what a workspace in use holds before the timed import.
const tiny = join(dir, 'tiny.csv');
{
  const head = Buffer.alloc(4096);
  const fd = openSync(csv, 'r');
  const n = readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  writeFileSync(
    tiny,
    head
      .subarray(0, n)
      .toString('utf8')
      .replace(/\n[^\n]*$/, '\n'),
  );
}
writeFileSync(suiteFile, JSON.stringify(suite, null, 2));

// pandas: read, profile (describe plus what Lathe's profile holds: distinct counts, top values,
// histograms, duplicate rows with a sample, outliers), then the suite with the same semantics as Lathe's SQL
// (range and allowed values ignore nulls; unique counts every row of a repeated key).
const pandasScript = join(dir, 'pandas_bench.py');
writeFileSync(
  pandasScript,
  `import sys, json, time, numpy as np, pandas as pd
path, fmt, suite_path = sys.argv[1], sys.argv[2], sys.argv[3]
suite = json.load(open(suite_path))
t0 = time.perf_counter()
df = pd.read_parquet(path) if fmt == 'parquet' else pd.read_csv(path, parse_dates=['date'])
t1 = time.perf_counter()
described = df.describe(include='all', datetime_is_numeric=True, percentiles=[.05, .25, .5, .75, .95])
dup_mask = df.duplicated(keep=False)
dups = df[dup_mask].value_counts().head(10)
out = {'rows': len(df), 'duplicates': int(df.duplicated().sum()), 'columns': {}}
for c in df.columns:
    s = df[c]
    col = {'nulls': int(s.isna().sum()), 'distinct': int(s.nunique()), 'top': s.value_counts().head(10).to_dict()}
    if pd.api.types.is_numeric_dtype(s):
        q1, q3, mean, std = s.quantile(.25), s.quantile(.75), s.mean(), s.std()
        lo, hi = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
        col.update(hist=np.histogram(s.dropna(), bins=20)[0].tolist(),
                   iqr=[int((s < lo).sum()), int((s > hi).sum())],
                   z=int(((s - mean).abs() > 3 * std).sum()) if std > 0 else 0)
    elif pd.api.types.is_datetime64_any_dtype(s):
        col.update(hist=np.histogram(s.dropna().astype('int64'), bins=20)[0].tolist())
    out['columns'][c] = col
t2 = time.perf_counter()
results = []
for e in suite['expectations']:
    t = e['type']
    if t == 'row_count':
        n = len(df); passed, failing = e.get('min', -np.inf) <= n <= e.get('max', np.inf), None
    elif t == 'null_rate':
        n = int(df[e['column']].isna().sum()); passed, failing = n / len(df) <= e['max'], n
    elif t == 'range':
        s = df[e['column']]
        bad = s.notna() & ((s < e.get('min', -np.inf)) | (s > e.get('max', np.inf)))
        failing = int(bad.sum()); passed = failing == 0
    elif t == 'allowed_values':
        s = df[e['column']]
        failing = int((s.notna() & ~s.isin(e['values'])).sum()); passed = failing == 0
    elif t == 'unique':
        failing = int(df.duplicated(subset=e['columns'], keep=False).sum()); passed = failing == 0
    elif t == 'mean':
        m = df[e['column']].mean(); passed, failing = e.get('min', -np.inf) <= m <= e.get('max', np.inf), None
    else:
        raise SystemExit('unsupported expectation ' + t)
    results.append({'passed': bool(passed), 'failing': failing})
t3 = time.perf_counter()
print(json.dumps({'readMs': (t1 - t0) * 1000, 'profileMs': (t2 - t1) * 1000, 'validateMs': (t3 - t2) * 1000,
                  'duplicates': out['duplicates'], 'results': results}))
`,
);

// The lean pair a careful pandas user writes: read_csv and describe(include='all'), in one process.
const leanScript = join(dir, 'pandas_lean.py');
writeFileSync(
  leanScript,
  `import sys, json, pandas as pd
df = pd.read_csv(sys.argv[1], parse_dates=['date'])
try:
    described = df.describe(include='all', datetime_is_numeric=True)
except TypeError:  # pandas 2 treats dates as numbers without being told
    described = df.describe(include='all')
print(json.dumps({'rows': len(df), 'columns': len(described.columns)}))
`,
);

/** Runs a command; resolves with its wall time and parsed JSON stdout. Exit code 1 is a failed validation. */
function timed(label, cmd, args, okCodes = [0]) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (!okCodes.includes(r.status)) {
    console.error(`${label} failed (exit ${r.status}):\n${r.stderr}`);
    process.exit(1);
  }
  return { ms, out: JSON.parse(r.stdout) };
}

/** Lathe: import, profile and validate, each one CLI invocation on a fresh workspace. */
function latheRun(file, ws) {
  const cli = (label, args, okCodes) =>
    timed(
      `lathe ${label}`,
      process.execPath,
      [lathe, ...args, '--workspace', ws, '--json'],
      okCodes,
    );
  const imp = cli('import', ['data', 'import', file, '--name', 'flights']);
  const prof = cli('profile', ['data', 'profile', 'flights']);
  const val = cli('validate', ['data', 'validate', 'flights', '--suite', suiteFile], [0, 1]);
  return {
    import: imp.ms,
    profile: prof.ms,
    validate: val.ms,
    inProcess: {
      import: imp.out.durationMs,
      profile: prof.out.durationMs,
      validate: val.out.durationMs,
    },
    duplicates: prof.out.duplicateRows,
    results: val.out.results.map((r) => ({ passed: r.passed, failing: r.failingRows })),
  };
}

/** Lathe in one process, like the pandas script: `data import --profile --suite`. */
function latheOneCommand(file, ws) {
  const r = timed(
    'lathe import --profile --suite',
    process.execPath,
    [
      lathe,
      'data',
      'import',
      file,
      '--name',
      'flights',
      '--profile',
      '--suite',
      suiteFile,
      '--workspace',
      ws,
      '--json',
    ],
    [0, 1],
  );
  return {
    ms: r.ms,
    duplicates: r.out.profile.duplicateRows,
    results: r.out.validation.results.map((x) => ({ passed: x.passed, failing: x.failingRows })),
  };
}

/**
 * Lathe's side of the lean pair: `data import FILE --profile`, one process on a fresh workspace (made by
 * this import: the database and every migration), or `inUse`, one another import made first (untimed),
 * as a user's workspace is: opened ahead while the command's code loads, and nothing to migrate.
 */
function latheImportProfile(file, ws, inUse = false) {
  if (inUse)
    timed('lathe import (the workspace first)', process.execPath, [
      lathe,
      ...['data', 'import', tiny, '--name', 'tiny', '--workspace', ws, '--json'],
    ]);
  const r = timed('lathe import --profile', process.execPath, [
    lathe,
    ...['data', 'import', file, '--name', 'flights', '--profile', '--workspace', ws, '--json'],
  ]);
  return { ms: r.ms, rows: r.out.profile.rows };
}

function pandasLean(file) {
  const r = timed('pandas read_csv + describe', python, [leanScript, file]);
  return { ms: r.ms, rows: r.out.rows };
}

function pandasRun(file, fmt) {
  const r = timed(`pandas (${fmt})`, python, [pandasScript, file, fmt, suiteFile]);
  return {
    total: r.ms,
    read: r.out.readMs,
    profile: r.out.profileMs,
    validate: r.out.validateMs,
    duplicates: r.out.duplicates,
    results: r.out.results,
  };
}

/** Both sides must find the same: a benchmark of checks that disagree would measure nothing. */
function agree(l, p) {
  const problems = [];
  if (l.duplicates !== p.duplicates)
    problems.push(`duplicate rows: Lathe ${l.duplicates}, pandas ${p.duplicates}`);
  suite.expectations.forEach((e, i) => {
    const a = l.results[i];
    const b = p.results[i];
    if (a.passed !== b.passed || (a.failing ?? null) !== (b.failing ?? null))
      problems.push(
        `#${i} ${e.type} ${e.column ?? e.columns ?? ''}: Lathe ${JSON.stringify(a)}, pandas ${JSON.stringify(b)}`,
      );
  });
  if (problems.length) {
    console.error(`Lathe and pandas disagree:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
}

const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const total = (l) => l.import + l.profile + l.validate;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rec = { csv: [], csvOne: [], parquet: [], pandasCsv: [], pandasParquet: [], lean: [] };

for (let round = 1; round <= rounds; round++) {
  const lc = latheRun(csv, join(dir, `csv${round}`));
  const pc = pandasRun(csv, 'csv');
  agree(lc, pc);
  const one = latheOneCommand(csv, join(dir, `one${round}`));
  agree(one, pc);
  rec.csvOne.push(one.ms);
  const leanLathe = latheImportProfile(csv, join(dir, `lean${round}`));
  const leanPandas = pandasLean(csv);
  if (leanLathe.rows !== leanPandas.rows) {
    console.error(`rows: Lathe profiled ${leanLathe.rows}, pandas read ${leanPandas.rows}`);
    process.exit(1);
  }
  const inUse = latheImportProfile(csv, join(dir, `inuse${round}`), true);
  if (inUse.rows !== leanPandas.rows) {
    console.error(
      `rows: Lathe profiled ${inUse.rows} in a workspace in use, pandas read ${leanPandas.rows}`,
    );
    process.exit(1);
  }
  rec.lean.push({ lathe: leanLathe.ms, inUse: inUse.ms, pandas: leanPandas.ms });
  const lp = latheRun(parquet, join(dir, `parquet${round}`));
  agree(lp, pc);
  rec.csv.push(lc);
  rec.pandasCsv.push(pc);
  rec.parquet.push(lp);
  let line =
    `round ${round}: CSV  Lathe ${s(total(lc))} (import ${s(lc.import)} [${s(lc.inProcess.import)}], ` +
    `profile ${s(lc.profile)} [${s(lc.inProcess.profile)}], validate ${s(lc.validate)} [${s(lc.inProcess.validate)}])` +
    ` | pandas ${s(pc.total)} (read_csv ${s(pc.read)}, profile ${s(pc.profile)}, checks ${s(pc.validate)})` +
    ` | ratio ${(pc.total / total(lc)).toFixed(2)}x\n` +
    `         CSV  Lathe in one command ${s(one.ms)} | ratio ${(pc.total / one.ms).toFixed(2)}x\n` +
    `         CSV  lean pair: Lathe import --profile ${s(leanLathe.ms)} | pandas read_csv + describe(include='all') ${s(leanPandas.ms)}` +
    ` | ratio ${(leanPandas.ms / leanLathe.ms).toFixed(2)}x; into a workspace in use ${s(inUse.ms)}, ${(leanPandas.ms / inUse.ms).toFixed(2)}x\n` +
    `         Parquet Lathe ${s(total(lp))} (import ${s(lp.import)}, profile ${s(lp.profile)} [${s(lp.inProcess.profile)}], validate ${s(lp.validate)})`;
  if (parquetEngine) {
    const pp = pandasRun(parquet, 'parquet');
    rec.pandasParquet.push(pp);
    line += ` | pandas ${s(pp.total)} | ratio ${(pp.total / total(lp)).toFixed(2)}x`;
  }
  console.log(line);
}

const m = (xs, f) => median(xs.map(f));
const csvRatio = median(rec.csv.map((l, i) => rec.pandasCsv[i].total / total(l)));
const oneRatio = median(rec.csvOne.map((ms, i) => rec.pandasCsv[i].total / ms));
const leanRatio = median(rec.lean.map((l) => l.pandas / l.lathe));
const inUseRatio = median(rec.lean.map((l) => l.pandas / l.inUse));
console.log('\nmedians');
console.log(
  `  CSV     Lathe ${s(m(rec.csv, total))}: import ${s(m(rec.csv, (l) => l.import))}, profile ${s(m(rec.csv, (l) => l.profile))} ` +
    `(in-process ${s(m(rec.csv, (l) => l.inProcess.profile))}), validate ${s(m(rec.csv, (l) => l.validate))}`,
);
console.log(
  `          pandas ${s(m(rec.pandasCsv, (p) => p.total))}: read_csv ${s(m(rec.pandasCsv, (p) => p.read))}, ` +
    `profile ${s(m(rec.pandasCsv, (p) => p.profile))}, checks ${s(m(rec.pandasCsv, (p) => p.validate))} (plus Python start-up)`,
);
console.log(
  `  Parquet Lathe ${s(m(rec.parquet, total))}: import ${s(m(rec.parquet, (l) => l.import))}, profile ${s(m(rec.parquet, (l) => l.profile))} ` +
    `(in-process ${s(m(rec.parquet, (l) => l.inProcess.profile))}), validate ${s(m(rec.parquet, (l) => l.validate))}`,
);
if (parquetEngine) {
  const r = median(rec.parquet.map((l, i) => rec.pandasParquet[i].total / total(l)));
  console.log(
    `          pandas ${s(m(rec.pandasParquet, (p) => p.total))}; ratio ${r.toFixed(2)}x`,
  );
} else {
  console.log(
    '          pandas: no Parquet engine (Debian python3-pandas comes without pyarrow or fastparquet); CSV path compared only',
  );
}
console.log(
  `  lean    Lathe import --profile ${s(m(rec.lean, (l) => l.lathe))} (into a workspace in use ${s(m(rec.lean, (l) => l.inUse))}); pandas read_csv + describe(include='all') ${s(m(rec.lean, (l) => l.pandas))}`,
);
const profileOk = m(rec.parquet, (l) => l.inProcess.profile) < 1500;
console.log(
  `\nCSV path, pandas / Lathe: three commands ${csvRatio.toFixed(2)}x, one command (one process, like pandas) ${oneRatio.toFixed(2)}x ` +
    `(goal ≥ 2x: ${oneRatio >= 2 ? 'met' : 'NOT met'}); ` +
    `import --profile against the lean pandas pair ${leanRatio.toFixed(2)}x on a fresh workspace (goal ≥ 2x: ${leanRatio >= 2 ? 'met' : 'NOT met'}), ${inUseRatio.toFixed(2)}x into a workspace in use; ` +
    `profile of ${rows.toLocaleString('en-US')} rows ${s(m(rec.parquet, (l) => l.inProcess.profile))} (goal < 1.5 s: ${profileOk ? 'met' : 'NOT met'})`,
);
rmSync(dir, { recursive: true, force: true });
