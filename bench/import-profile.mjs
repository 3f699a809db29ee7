// Import + profile: Lathe (DuckDB) against pandas, on the 3M-row flights sample exported to CSV.
// Run from the project root after `npm ci`: node bench/import-profile.mjs [--rows N]
// Needs Debian's python3-pandas (apt-get install -y python3-pandas). Prints wall times and the ratio
// pandas / Lathe (above 1: Lathe is faster). Compare ratios within one run: the machine is shared and noisy.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { DuckDBInstance } from '@duckdb/node-api';

const require = createRequire(import.meta.url);
const rowsArg = process.argv.indexOf('--rows');
const rows = rowsArg > 0 ? Number(process.argv[rowsArg + 1]) : 3_000_000;
const python = '/usr/bin/python3';
const dir = mkdtempSync(join(tmpdir(), 'lathe-bench-'));
const csv = join(dir, 'flights.csv');
const parquet = join(dirname(require.resolve('vega-datasets')), '..', 'data', 'flights-3m.parquet');

const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();
await conn.run(
  `COPY (SELECT * FROM read_parquet('${parquet}') LIMIT ${rows}) TO '${csv}' (HEADER, DELIMITER ',')`,
);
conn.closeSync();
console.log(
  `data: ${rows.toLocaleString('en-US')} flights, ${(statSync(csv).size / 1e6).toFixed(0)} MB CSV`,
);

function timed(label, cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) {
    console.error(`${label} failed:\n${r.stderr}`);
    process.exit(1);
  }
  return ms;
}

const pandasScript = join(dir, 'profile.py');
writeFileSync(
  pandasScript,
  `import sys, numpy as np, pandas as pd
df = pd.read_csv(sys.argv[1], parse_dates=['date'])
out = {'rows': len(df), 'duplicates': int(df.duplicated().sum()), 'columns': {}}
for c in df.columns:
    s = df[c]
    col = {'nulls': int(s.isna().sum()), 'distinct': int(s.nunique()), 'top': s.value_counts().head(10).to_dict()}
    if pd.api.types.is_numeric_dtype(s):
        col.update(min=s.min(), max=s.max(), mean=s.mean(), std=s.std(), q=s.quantile([.05, .25, .5, .75, .95]).tolist(),
                   hist=np.histogram(s.dropna(), bins=20)[0].tolist())
    elif pd.api.types.is_datetime64_any_dtype(s):
        col.update(min=str(s.min()), max=str(s.max()), hist=np.histogram(s.dropna().astype('int64'), bins=20)[0].tolist())
    out['columns'][c] = col
print(len(out['columns']))
`,
);

const check = spawnSync(python, ['-c', 'import pandas'], { encoding: 'utf8' });
if (check.status !== 0) {
  console.error('python3-pandas is missing: apt-get install -y python3-pandas');
  process.exit(1);
}
const lathe = ['main/cli/lathe.cjs'];
const results = [];
for (let round = 1; round <= 3; round++) {
  const ws = join(dir, `ws${round}`);
  const latheMs =
    timed('lathe import', process.execPath, [
      ...lathe,
      'data',
      'import',
      csv,
      '--name',
      'flights',
      '--workspace',
      ws,
      '--json',
    ]) +
    timed('lathe profile', process.execPath, [
      ...lathe,
      'data',
      'profile',
      'flights',
      '--workspace',
      ws,
      '--json',
    ]);
  const pandasMs = timed('pandas', python, [pandasScript, csv]);
  results.push({ latheMs, pandasMs });
  console.log(
    `round ${round}: Lathe import+profile ${(latheMs / 1000).toFixed(2)} s, pandas read_csv+profile ${(pandasMs / 1000).toFixed(2)} s, ratio ${(pandasMs / latheMs).toFixed(2)}x`,
  );
}
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ratio = median(results.map((r) => r.pandasMs / r.latheMs));
console.log(
  `median ratio pandas/Lathe: ${ratio.toFixed(2)}x (${ratio >= 1 ? 'Lathe faster' : 'pandas faster'})`,
);
rmSync(dir, { recursive: true, force: true });
