import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../main/services';
import { createEngine } from '../../main/data/engine';
import { contractClient } from '../helpers/services';
import { tempDir, vega } from '../helpers/workspace';

let services: Services;
const t = tempDir('lathe-data-');

const { call, failure, snapshot } = contractClient(() => services);

function parseCsv(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trim().split('\n');
  const cols = head!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i]!, v])));
}

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
});
afterAll(async () => {
  await services.close();
  t.remove();
});

describe('import', () => {
  it('imports a CSV with inferred types and records the version', async () => {
    const r = await call('data:import', { path: vega('seattle-weather.csv'), name: 'weather' });
    expect(r.reused).toBe(false);
    expect(r.version.version).toBe(1);
    expect(r.version.rows).toBe(1461);
    expect(r.version.columns.map((c) => [c.name, c.type, c.kind])).toEqual([
      ['date', 'DATE', 'datetime'],
      ['precipitation', 'DOUBLE', 'numeric'],
      ['temp_max', 'DOUBLE', 'numeric'],
      ['temp_min', 'DOUBLE', 'numeric'],
      ['wind', 'DOUBLE', 'numeric'],
      ['weather', 'VARCHAR', 'categorical'],
    ]);
    expect(r.version.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(readdirSync(services.workspace.paths.datasets)).toContain(`${r.version.hash}.parquet`);
  });

  it('reuses the version when identical content is imported again, and adds one when it changes', async () => {
    const again = await call('data:import', { path: vega('seattle-weather.csv'), name: 'weather' });
    expect(again.reused).toBe(true);
    expect(again.version.version).toBe(1);
    const changed = t.file(
      'weather-more.csv',
      `${readFileSync(vega('seattle-weather.csv'), 'utf8').trim()}\n2016-01-01,0.0,10.0,2.0,3.0,sun\n`,
    );
    const v2 = await call('data:import', { path: changed, name: 'weather' });
    expect(v2.version.version).toBe(2);
    expect(v2.version.rows).toBe(1462);
    const versions = await call('data:versions', { name: 'weather' });
    expect(versions.map((v) => v.version)).toEqual([2, 1]);
    expect((await call('data:profile', { ref: 'weather@1' })).rows).toBe(1461);
    expect(
      (await call('data:profile', { ref: `weather@${v2.version.hash.slice(0, 8)}` })).rows,
    ).toBe(1462);
  });

  it('reads JSON arrays, NDJSON, TSV and Parquet', async () => {
    const cars = await call('data:import', { path: vega('cars.json'), name: 'cars' });
    expect(cars.version.format).toBe('json');
    expect(cars.version.rows).toBe(406);
    const records = JSON.parse(readFileSync(vega('penguins.json'), 'utf8')) as object[];
    const nd = t.file('penguins.ndjson', records.map((r) => JSON.stringify(r)).join('\n'));
    const penguins = await call('data:import', { path: nd, name: 'penguins' });
    expect(penguins.version.format).toBe('ndjson');
    expect(penguins.version.rows).toBe(records.length);
    const tsv = await call('data:import', { path: vega('unemployment.tsv'), name: 'unemployment' });
    expect(tsv.version.columns.map((c) => c.name)).toEqual(['id', 'rate']);
    const engine = await createEngine();
    const pq = join(t.dir, 'weather.parquet');
    await engine.run(
      `COPY (SELECT * FROM read_csv('${vega('seattle-weather.csv')}')) TO '${pq}' (FORMAT parquet)`,
    );
    engine.close();
    const parquet = await call('data:import', { path: pq, name: 'weather_pq' });
    expect(parquet.version.format).toBe('parquet');
    expect(parquet.version.rows).toBe(1461);
  });

  it('reads the whole file again when a late value does not fit the sniffed type', async () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => `${i},${i * 2}`);
    lines[29_000] = '29000,not a number';
    const file = t.file('late.csv', `id,value\n${lines.join('\n')}\n`);
    const r = await call('data:import', { path: file, name: 'late' });
    expect(r.version.rows).toBe(30_000);
    expect(r.version.columns.map((c) => c.type)).toEqual(['BIGINT', 'VARCHAR']);
  });

  it('imports the result of a query over files', async () => {
    const r = await call('data:importQuery', {
      sql: `SELECT weather, count(*) AS days FROM read_csv('${vega('seattle-weather.csv')}') GROUP BY weather`,
      name: 'weather_counts',
    });
    expect(r.version.format).toBe('sql');
    expect(r.version.rows).toBe(5);
  });
  it('removes a file staged in the uploads folder once imported, and when its import fails', async () => {
    const { uploads } = services.workspace.paths;
    const good = join(uploads, 'staged-good.csv');
    writeFileSync(good, 'a,b\n1,2\n3,4\n');
    expect((await call('data:import', { path: good, name: 'staged' })).version.rows).toBe(2);
    const bad = join(uploads, 'staged-bad.csv');
    writeFileSync(bad, 'a,b\n1,2\n3,4,5\n');
    expect((await failure('data:import', { path: bad, name: 'staged' })).code).toBe('RAGGED_ROWS');
    expect(readdirSync(uploads)).toEqual([]);
  });
});

describe('bad input leaves the workspace exactly as it was', () => {
  const cases: [string, () => string, string, RegExp][] = [
    ['a missing file', () => '/nonexistent/x.csv', 'FILE_NOT_FOUND', /\/nonexistent\/x\.csv/],
    ['an empty file', () => t.file('empty.csv', ''), 'EMPTY_FILE', /empty\.csv is empty/],
    [
      'a header without rows',
      () => t.file('header.csv', 'a,b\n'),
      'EMPTY_FILE',
      /header\.csv has a header but no data rows/,
    ],
    [
      'ragged rows',
      () => t.file('ragged.csv', 'a,b\n1,2\n3,4,5,6\n7\n'),
      'RAGGED_ROWS',
      /ragged\.csv line 3: 4 fields, expected 2/,
    ],
    [
      'a duplicated column',
      () => t.file('dup.csv', 'a,b,a\n1,2,3\n'),
      'DUPLICATE_COLUMN',
      /dup\.csv: column 'a' appears twice/,
    ],
    [
      'binary garbage',
      () => t.file('garbage.bin', '\u0000\u0001\u0002\u0003'),
      'UNSUPPORTED_FILE',
      /garbage\.bin/,
    ],
    [
      'a corrupt Parquet file',
      () => t.file('broken.parquet', 'PAR1 this is not parquet'),
      'CORRUPT_FILE',
      /broken\.parquet: cannot read as parquet/,
    ],
    [
      'malformed JSON',
      () => t.file('bad.json', '[{"a": 1}, {"a": '),
      'CORRUPT_FILE',
      /bad\.json: cannot read as json/,
    ],
  ];
  for (const [what, file, code, message] of cases) {
    it(`rejects ${what}`, async () => {
      const before = await snapshot();
      const err = await failure('data:import', { path: file(), name: 'bad' });
      expect(err.code).toBe(code);
      expect(err.message).toMatch(message);
      expect(await snapshot()).toEqual(before);
    });
  }

  it('cancels a running import and keeps nothing of it', async () => {
    const before = await snapshot();
    const off = services.bus.subscribe((f) => {
      const p = f.payload as { name: string; message: string };
      if (
        f.event === 'data:progress' &&
        p.name === 'big' &&
        p.message === 'converting to Parquet'
      ) {
        expect(services.data.cancelImport('big')).toBe(true);
      }
    });
    const err = await failure('data:import', { path: vega('flights-3m.parquet'), name: 'big' });
    off();
    expect(err).toEqual({ code: 'CANCELLED', message: "import into 'big' was cancelled" });
    expect(await snapshot()).toEqual(before);
    expect(services.data.cancelImport('big')).toBe(false);
  });

  it('rejects an invalid dataset name before touching anything', async () => {
    const err = await failure('data:import', {
      path: vega('seattle-weather.csv'),
      name: 'has space',
    });
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toMatch(/name: use letters/);
  });

  it('names unknown datasets and versions', async () => {
    expect((await failure('data:profile', { ref: 'nope' })).message).toMatch(
      /no dataset named 'nope' \(datasets: .*weather/,
    );
    expect((await failure('data:profile', { ref: 'weather@9' })).message).toBe(
      "dataset 'weather' has no version '9' (versions: 2, 1)",
    );
  });
});

describe('profile', () => {
  it('computes per-column statistics that match the raw file', async () => {
    const rows = parseCsv(readFileSync(vega('seattle-weather.csv'), 'utf8'));
    const p = await call('data:profile', { ref: 'weather@1' });
    expect(p.rows).toBe(rows.length);
    const precip = p.columns.find((c) => c.name === 'precipitation')!;
    const values = rows.map((r) => Number(r.precipitation)).sort((a, b) => a - b);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(precip.mean).toBeCloseTo(mean, 9);
    expect(precip.min).toBe(values[0]);
    expect(precip.max).toBe(values[values.length - 1]);
    expect(precip.nullCount).toBe(0);
    expect(precip.distinctCount).toBe(new Set(values).size);
    const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
    expect(precip.std).toBeCloseTo(std, 9);
    expect(precip.quantiles!.p50).toBe((values[730]! + values[730]!) / 2);
    expect(precip.histogram.reduce((a, b) => a + b.count, 0)).toBe(values.length);
    const weather = p.columns.find((c) => c.name === 'weather')!;
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(r.weather!, (counts.get(r.weather!) ?? 0) + 1);
    const top = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
    expect(weather.topValues[0]).toEqual({ value: top[0], count: top[1] });
    expect(weather.kind).toBe('categorical');
    const date = p.columns.find((c) => c.name === 'date')!;
    expect(date.min).toBe('2012-01-01T00:00:00.000Z');
    expect(date.histogram.length).toBeGreaterThan(1);
  });

  it('counts nulls and duplicate rows', async () => {
    const file = t.file('dups.csv', 'a,b\n1,x\n1,x\n2,\n,y\n1,x\n');
    await call('data:import', { path: file, name: 'dups' });
    const p = await call('data:profile', { ref: 'dups' });
    expect(p.duplicateRows).toBe(2);
    const a = p.columns.find((c) => c.name === 'a')!;
    expect(a.nullCount).toBe(1);
    expect(a.nullRate).toBeCloseTo(0.2, 12);
    expect(a.histogram.map((b) => b.count)).toEqual([3, 1]);
  });

  it('serves windows of rows for the preview', async () => {
    const rows = parseCsv(readFileSync(vega('seattle-weather.csv'), 'utf8'));
    const page = await call('data:preview', { ref: 'weather@1', offset: 100, limit: 10 });
    expect(page.total).toBe(1461);
    expect(page.rows).toHaveLength(10);
    expect(page.rows.map((r) => r[5])).toEqual(rows.slice(100, 110).map((r) => r.weather));
    expect(page.rows[0]![1]).toBe(Number(rows[100]!.precipitation));
  });
});

describe('projects', () => {
  it('lists the default project with its datasets and creates new ones', async () => {
    const projects = await call('projects:list', {});
    expect(projects.find((p) => p.name === 'Default')!.datasetCount).toBeGreaterThan(3);
    const created = await call('projects:create', { name: 'Churn' });
    expect(created).toMatchObject({ name: 'Churn', datasetCount: 0, runCount: 0 });
    expect((await failure('projects:create', { name: 'Churn' })).message).toMatch(/already exists/);
  });
});

it('writes nothing to a workspace outside its folder', () => {
  writeFileSync(join(t.dir, 'marker'), '');
  expect(readdirSync(t.dir).sort()).toEqual(expect.arrayContaining(['marker', 'ws']));
});
