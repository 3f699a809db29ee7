// Capturing every prediction, typed and columnar: served requests (one row per record, champion and shadow
// each in their own version's table), batch jobs (--capture all / none / a rate), the standalone server's
// segment files ingested into the workspace (twice counts once), service health per window with 4xx/5xx,
// and `lathe monitor captures`.
import { spawn, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelVersion } from '../../../shared/contract';
import { createServices, type Services } from '../../../main/services';
import {
  captureRelation,
  captureTableOf,
  createServeHealth,
  parseSegmentName,
} from '../../../main/serve/capture';
import { packageOf } from '../../../main/serve/packaged-model';
import { initBackend } from '../../../main/train/backend';
import { literal } from '../../../main/workspace/db';
import { lathe } from '../../helpers/cli';
import { trainRegistered } from '../../helpers/runs';
import { contractClient, penguinsConfig } from '../../helpers/services';
import { REPO, tempDir, vega } from '../../helpers/workspace';

const t = tempDir('lathe-capture-');
const IO = join(t.dir, 'io');
let services: Services;
const { call, failure } = contractClient(() => services);
let v1: ModelVersion;
let v2: ModelVersion;
const children: ChildProcess[] = [];

const penguins = (
  JSON.parse(readFileSync(vega('penguins.json'), 'utf8')) as Record<string, unknown>[]
)
  .filter((p) => p['Beak Length (mm)'] !== null)
  .map(({ Species: _y, ...r }) => r);
const NUMERIC = 'Beak Length (mm)';

const predict = (url: string, body: unknown, id: string) =>
  fetch(`${url}/v1/models/species/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': id },
    body: JSON.stringify(body),
  });

interface Row {
  [k: string]: unknown;
  _row_id: string;
  _source: string;
  _role: string;
  _latency_ms: number | null;
  _prediction: string;
  _score: number;
  _probabilities: number[] | null;
}
const rowsOf = async (v: ModelVersion, where = 'true'): Promise<Row[]> => {
  const { db, paths } = services.workspace;
  const rows = await captureRelation(db, paths.dir, (await captureTableOf(db, v.id))!);
  return db.all<Row>(`SELECT * FROM ${rows} c WHERE ${where} ORDER BY _row_id`);
};

/** `lathe ARGS` (on a workspace of its own) exits non-zero with a message containing `named`. */
function expectRefused(args: string[], named: string) {
  const r = lathe([...args, '--workspace', join(t.dir, 'other'), '--json']);
  expect(r.code).not.toBe(0);
  expect(r.stderr + r.stdout).toContain(named);
}

beforeAll(async () => {
  await initBackend('cpu');
  mkdirSync(IO, { recursive: true });
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  await call('data:import', { path: vega('penguins.json'), name: 'penguins' });
  v1 = await trainRegistered(call, penguinsConfig({ seed: 1 }), 'species');
  v2 = await trainRegistered(call, penguinsConfig({ seed: 2 }), 'species');
  await call('models:alias', { ref: 'species@1', alias: 'champion' });
}, 300_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await services?.close().catch(() => undefined);
  t.remove();
});

describe('served predictions', () => {
  it('captures one typed row per record, champion and shadow in their own tables, counted by the session source', async () => {
    const s = await call('serve:start', { ref: 'species@champion', shadow: 'species@2', port: 0 });
    const one = await predict(s.url, penguins[0], 'one');
    expect(one.status).toBe(200);
    const answer = (await one.json()) as {
      prediction: string;
      predictions: { probabilities: Record<string, number> }[];
    };
    const multi = await predict(s.url, { records: penguins.slice(1, 4) }, 'multi');
    expect(multi.status).toBe(200);
    expect((await predict(s.url, { ...penguins[0], [NUMERIC]: 'abc' }, 'bad')).status).toBe(422);
    await call('serve:stop', { id: s.id });

    const champion = await rowsOf(v1);
    expect(champion.map((r) => [r._row_id, r._role])).toEqual([
      ['multi/0', 'champion'],
      ['multi/1', 'champion'],
      ['multi/2', 'champion'],
      ['one', 'champion'],
    ]);
    const first = champion.find((r) => r._row_id === 'one')!;
    // Inputs under their own names, typed: numbers as DOUBLE, categories as text.
    for (const input of v1.signature!.inputs)
      expect(first[input.name], input.name).toEqual(penguins[0]![input.name] ?? null);
    expect(typeof first[NUMERIC]).toBe('number');
    const classes = v1.signature!.output.classes!;
    expect(first._prediction).toBe(answer.prediction);
    expect(first._probabilities).toHaveLength(classes.length);
    first._probabilities!.forEach((p, i) =>
      expect(p).toBeCloseTo(answer.predictions[0]!.probabilities[classes[i]!]!, 6),
    );
    // multiclass: the score is the probability of the predicted class
    expect(first._score).toBeCloseTo(Math.max(...first._probabilities!), 6);
    expect(first._latency_ms).toBeGreaterThan(0);
    const multiRows = champion.filter((r) => r._row_id.startsWith('multi/'));
    multiRows.forEach((r, i) => expect(r[NUMERIC]).toBe(penguins[1 + i]![NUMERIC]));

    const shadow = await rowsOf(v2);
    expect(shadow.map((r) => [r._row_id, r._role])).toEqual([
      ['multi/0', 'shadow'],
      ['multi/1', 'shadow'],
      ['multi/2', 'shadow'],
      ['one', 'shadow'],
    ]);

    const captures = await call('monitor:captures', { model: 'species' });
    const sources = captures.sources.filter((x) => x.kind === 'serve' && x.detail === s.url);
    expect(sources.map((x) => [x.version, x.rows, x.rate])).toEqual([
      [1, 4, 1],
      [2, 4, 1],
    ]);
    expect(new Set(champion.map((r) => r._source))).toEqual(new Set([sources[0]!.id]));
    expect(sources[0]!.from! <= sources[0]!.to!).toBe(true);
    const version1 = captures.versions.find((v) => v.version === 1)!;
    expect(version1).toMatchObject({ aliases: ['champion'], rows: 4 });
    expect(typeof version1.hasReference).toBe('boolean');

    // Health: one 200 and one 422 of version 1 (the shadow answers nobody).
    const health = await call('monitor:health', { ref: 'species@1', window: 'day' });
    const day = health.windows.find((w) => w.version === 1)!;
    expect(day.requests).toBeGreaterThanOrEqual(3);
    expect(day.errors4xx).toBeGreaterThanOrEqual(1);
    expect(day.rows).toBeGreaterThanOrEqual(4);
    expect(day.latencyMs!.p50).toBeGreaterThan(0);
  }, 60_000);

  it('monitor:captures of an unknown model is NOT_FOUND, naming it', async () => {
    const err = await failure('monitor:captures', { model: 'nope' });
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain('nope');
  });
});

describe('batch predictions', () => {
  const input = join(IO, 'penguins.csv');
  beforeAll(() => {
    const cols = Object.keys(penguins[0]!);
    const cell = (v: unknown) => (typeof v === 'number' || typeof v === 'string' ? String(v) : '');
    writeFileSync(
      input,
      [
        ['id', ...cols].join(','),
        ...penguins.map((p, i) => [`p${i}`, ...cols.map((c) => cell(p[c]))].join(',')),
      ].join('\n'),
    );
  });

  it('--capture all (the default): every row with its id, inputs, prediction and probabilities', async () => {
    const output = join(IO, 'all.csv');
    const r = await call('predict:batch', { model: 'species@1', input, output, idColumn: 'id' });
    expect(r.capture).toEqual({ rate: 1, rows: penguins.length, source: r.id });
    // The job's capture file is kept in the workspace, named by a relative path; no scratch copy is left.
    const { paths } = services.workspace;
    expect(
      await services.workspace.db.all(
        'SELECT path, "rows" FROM capture_files WHERE source_id = ?',
        [r.id],
      ),
    ).toEqual([{ path: `captures/${r.id}.parquet`, rows: BigInt(penguins.length) }]);
    expect(readdirSync(join(paths.tmp, 'capture'))).toEqual([]);
    const rows = await rowsOf(v1, `_source = ${literal(r.id)}`);
    expect(rows).toHaveLength(penguins.length);
    const out = readFileSync(output, 'utf8').trim().split('\n').slice(1);
    const predicted = new Map(out.map((l) => [l.split(',')[0]!, l.split(',')[1]!]));
    for (const row of rows) {
      expect(row._role).toBe('batch');
      expect(row._latency_ms).toBeNull();
      expect(row._prediction).toBe(predicted.get(row._row_id));
      const i = Number(row._row_id.slice(1));
      expect(row[NUMERIC]).toBe(penguins[i]![NUMERIC]);
      expect(row.Island).toBe(penguins[i]!.Island);
      expect(row._probabilities!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      // Multiclass: the score is the top probability, as served rows have it.
      expect(row._score).toBe(Math.max(...row._probabilities!));
    }
    const [batch] = await services.workspace.db.all<{ capture_rate: number }>(
      'SELECT capture_rate FROM prediction_batches WHERE id = ?',
      [r.id],
    );
    expect(batch!.capture_rate).toBe(1);
    const source = (await call('monitor:captures', { model: 'species' })).sources.find(
      (s) => s.id === r.id,
    )!;
    expect(source).toMatchObject({ kind: 'batch', rows: penguins.length, rate: 1, detail: input });
  });

  it('--capture none captures nothing and records rate 0', async () => {
    const r = await call('predict:batch', {
      model: 'species@1',
      input,
      output: join(IO, 'none.csv'),
      capture: 'none',
    });
    expect(r.capture).toEqual({ rate: 0, rows: 0, source: null });
    expect(await rowsOf(v1, `_source = ${literal(r.id)}`)).toHaveLength(0);
    const [batch] = await services.workspace.db.all<{ capture_rate: number }>(
      'SELECT capture_rate FROM prediction_batches WHERE id = ?',
      [r.id],
    );
    expect(batch!.capture_rate).toBe(0);
  });

  it('--capture 0.5 samples by a hash of the row id: about half, the same rows every time', async () => {
    const run = () =>
      call('predict:batch', {
        model: 'species@1',
        input,
        output: join(IO, 'half.csv'),
        idColumn: 'id',
        capture: 0.5,
        // The same job twice on purpose: the second replaces the first's output.
        overwrite: true,
      });
    const [a, b] = [await run(), await run()];
    const idsOf = async (id: string) =>
      (await rowsOf(v1, `_source = ${literal(id)}`)).map((r) => r._row_id);
    const [ia, ib] = [await idsOf(a.id), await idsOf(b.id)];
    expect(ia).toEqual(ib);
    expect(ia.length).toBe(a.capture!.rows);
    expect(ia.length).toBeGreaterThan(penguins.length * 0.35);
    expect(ia.length).toBeLessThan(penguins.length * 0.65);
    expect(a.capture!.rate).toBe(0.5);
  });

  it('without --id-column the row ids are <batchId>/<row>: numbered by the file when every row is kept, stored when sampled', async () => {
    const { db, paths } = services.workspace;
    for (const capture of ['all', 0.5] as const) {
      const output = join(IO, `noid-${capture}.csv`);
      const r = await call('predict:batch', { model: 'species@1', input, output, capture });
      const rows = await rowsOf(v1, `_source = ${literal(r.id)}`);
      expect(rows).toHaveLength(r.capture!.rows);
      if (capture === 'all') expect(rows).toHaveLength(penguins.length);
      // Each captured row is the output's row of that position: its prediction and its inputs.
      const out = readFileSync(output, 'utf8').trim().split('\n').slice(1);
      for (const row of rows) {
        const [prefix, position] = row._row_id.split('/');
        expect(prefix).toBe(r.id);
        const i = Number(position);
        expect(row._prediction).toBe(out[i]!.split(',')[1]);
        expect(row[NUMERIC]).toBe(penguins[i]![NUMERIC]);
      }
      // A file of every row keeps no id column (the reader numbers its rows); a sample stores the ids.
      const [{ row_numbers: numbered } = {}] = await db.all<{ row_numbers: boolean }>(
        'SELECT row_numbers FROM capture_files WHERE source_id = ?',
        [r.id],
      );
      expect(numbered).toBe(capture === 'all');
      const columns = (
        await db.all<{ column_name: string }>(
          `DESCRIBE SELECT * FROM read_parquet(${literal(join(paths.captures, `${r.id}.parquet`))})`,
        )
      ).map((c) => c.column_name);
      expect(columns.includes('_row_id')).toBe(capture !== 'all');
    }
  });

  it('a capture file is read wherever the workspace is; a missing one is named by monitoring and verify', async () => {
    const r = await call('predict:batch', {
      model: 'species@1',
      input,
      output: join(IO, 'kept.csv'),
      idColumn: 'id',
    });
    const { db, paths } = services.workspace;
    const table = (await captureTableOf(db, v1.id))!;
    const count = async (dir: string) =>
      Number(
        (await db.one(
          `SELECT count(*) AS n FROM ${await captureRelation(db, dir, table)} c WHERE _source = ${literal(r.id)}`,
        ))!.n,
      );
    // The path is stored relative to the workspace: a copy of the folder elsewhere reads the same rows.
    const copy = join(t.dir, 'copied-ws');
    cpSync(paths.captures, join(copy, 'captures'), { recursive: true });
    expect(await count(copy)).toBe(penguins.length);
    expect(await count(paths.dir)).toBe(penguins.length);

    const file = join(paths.captures, `${r.id}.parquet`);
    renameSync(file, `${file}.away`);
    try {
      const err = await failure('monitor:captures', { model: 'species' });
      expect(err.code).toBe('CORRUPT_FILE');
      expect(err.message).toContain(file);
      const v = await call('workspace:verify', {});
      expect(v.ok).toBe(false);
      expect(v.problems).toContainEqual(
        expect.objectContaining({ kind: 'capture-file', subject: r.id }),
      );
    } finally {
      renameSync(`${file}.away`, file);
    }
    // A file no batch names (a job killed between keeping its file and its commit) is only a warning.
    const stray = join(paths.captures, 'stray.parquet');
    copyFileSync(file, stray);
    try {
      const v = await call('workspace:verify', {});
      expect(v.problems.filter((p) => p.kind === 'capture-file')).toEqual([]);
      expect(v.checked.captureFiles).toBeGreaterThan(0);
      expect(v.warnings).toContainEqual(
        expect.objectContaining({ kind: 'orphan-file', subject: 'captures/stray.parquet' }),
      );
      expect(v.warnings.find((w) => w.subject === 'captures/stray.parquet')!.message).toContain(
        'named by no batch job',
      );
    } finally {
      rmSync(stray);
    }
  });

  it('lathe predict --capture refuses a rate outside (0, 1], naming the flag', () => {
    expectRefused(
      ['predict', 'species@1', '--input', input, '--output', join(IO, 'x.csv'), '--capture', '1.5'],
      '--capture 1.5',
    );
  });
});

describe('Docker capture log', () => {
  it('the standalone server writes segments to LATHE_LOG_DIR; ingest imports them, twice counts once', async () => {
    const { dir: modelDir } = await packageOf(
      {
        registry: services.registry,
        tracking: services.tracking,
        artifacts: services.workspace.artifacts,
        tmpDir: services.workspace.paths.tmp,
        packagesDir: services.workspace.paths.packages,
      },
      'species@1',
    );
    const logDir = join(t.dir, 'log');
    const child = spawn(process.execPath, [join(REPO, 'out/main/serve-standalone.cjs')], {
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        MODEL_DIR: modelDir,
        LATHE_LOG_DIR: logDir,
        LATHE_LOG_ROTATE_ROWS: '3',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const lines = createInterface({ input: child.stdout });
    const ready = await new Promise<{ url: string }>((resolve, reject) => {
      lines.once('line', (l) => resolve(JSON.parse(l) as { url: string }));
      child.once('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    for (let i = 0; i < 3; i++)
      expect(
        (await predict(ready.url, { records: penguins.slice(i * 2, i * 2 + 2) }, `d${i}`)).status,
      ).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const files = readdirSync(logDir).sort();
    const kinds = files.map((f) => parseSegmentName(f));
    expect(kinds.every((k) => k?.model === 'species' && k.version === 1)).toBe(true);
    const records = files.filter((_, i) => kinds[i]!.kind === 'records');
    expect(records.length).toBeGreaterThanOrEqual(1);
    // The health of the server's one minute or two, written on shutdown.
    expect(kinds.some((k) => k!.kind === 'health')).toBe(true);
    const served200 = async () =>
      Number(
        (await services.workspace.db.one<{ n: number }>(
          `SELECT coalesce(sum(requests), 0)::INT AS n FROM serve_health
           WHERE model = 'species' AND version = 1 AND status = 200`,
        ))!.n,
      );
    const before = await served200();

    // Beside them: a segment still being written, a file that is not a segment, and a segment of a
    // version the workspace does not have.
    writeFileSync(join(logDir, 'species@1_x.ndjson.partial'), '{}\n');
    writeFileSync(join(logDir, 'notes.txt'), 'hello\n');
    const unknown = readFileSync(join(logDir, records[0]!), 'utf8').replace(
      /"_version":1/g,
      '"_version":9',
    );
    writeFileSync(join(logDir, 'species@9_copy.ndjson'), unknown);

    const first = await call('monitor:ingest', { dir: logDir });
    const ingested = first.segments.filter((s) => s.status === 'ingested');
    expect(ingested.map((s) => s.file.split('/').at(-1)).sort()).toEqual(files);
    expect(await served200()).toBe(before + 3);
    expect(first.rows).toBe(6);
    const skipped: Record<string, string | undefined> = Object.fromEntries(
      first.segments
        .filter((s) => s.status === 'skipped')
        .map((s) => [s.file.split('/').at(-1)!, s.reason]),
    );
    expect(Object.keys(skipped).sort()).toEqual([
      'notes.txt',
      'species@1_x.ndjson.partial',
      'species@9_copy.ndjson',
    ]);
    expect(skipped['species@9_copy.ndjson']).toContain('unknown model version species@9');
    expect(skipped['species@1_x.ndjson.partial']).toContain('still being written');

    const rows = await rowsOf(v1, "regexp_matches(_row_id, '^d[0-9]+/')");
    expect(rows.map((r) => r._row_id)).toEqual(['d0/0', 'd0/1', 'd1/0', 'd1/1', 'd2/0', 'd2/1']);
    expect(rows.every((r) => r._role === 'champion' && typeof r[NUMERIC] === 'number')).toBe(true);
    expect(rows[0]![NUMERIC]).toBe(penguins[0]![NUMERIC]);

    // Again, and a copy under another name: same content, counted once.
    copyFileSync(join(logDir, records[0]!), join(logDir, `copy-${records[0]}`));
    const second = await call('monitor:ingest', { dir: logDir });
    expect(second.rows).toBe(0);
    expect(second.segments.filter((s) => s.status === 'already')).toHaveLength(files.length + 1);
    expect(await rowsOf(v1, "regexp_matches(_row_id, '^d[0-9]+/')")).toHaveLength(6);
    expect(await served200()).toBe(before + 3);
    const segmentSources = (await call('monitor:captures', { model: 'species' })).sources.filter(
      (s) => s.kind === 'segment',
    );
    expect(segmentSources.reduce((n, s) => n + s.rows, 0)).toBe(6);
  }, 60_000);

  it('ingest of a folder that does not exist fails naming it', async () => {
    const err = await failure('monitor:ingest', { dir: join(t.dir, 'missing') });
    expect(err.code).toBe('FILE_NOT_FOUND');
    expect(err.message).toContain('missing');
  });
});

describe('service health', () => {
  it('per hour, day, week and every N requests: requests, rows, 4xx/5xx and latency percentiles', async () => {
    const health = createServeHealth(services.workspace.db);
    const at = (iso: string) => Date.parse(iso);
    // Version 2, Monday 2026-03-02: 10:00 — 90 fast 200s and 10 at 50 ms; 10:01 — 5 × 422, 5 × 500;
    // 11:30 — 20 × 200 at 2 ms. Sunday 2026-03-08 23:59 — one 200.
    for (let i = 0; i < 100; i++)
      health.record('species', 2, 200, 2, i < 90 ? 1 : 50, at('2026-03-02T10:00:10Z'));
    for (let i = 0; i < 5; i++)
      health.record('species', 2, 422, 0, 0.5, at('2026-03-02T10:01:00Z'));
    for (let i = 0; i < 5; i++) health.record('species', 2, 500, 0, 3, at('2026-03-02T10:01:30Z'));
    for (let i = 0; i < 20; i++) health.record('species', 2, 200, 1, 2, at('2026-03-02T11:30:00Z'));
    health.record('species', 2, 200, 1, 2, at('2026-03-08T23:59:00Z'));
    await health.close();
    const range = { from: '2026-03-01T00:00:00Z', to: '2026-03-10T00:00:00Z' };

    const hours = (await call('monitor:health', { ref: 'species@2', window: 'hour', range }))
      .windows;
    expect(hours.map((w) => [w.start, w.requests, w.rows, w.errors4xx, w.errors5xx])).toEqual([
      ['2026-03-02T10:00:00.000Z', 110, 200, 5, 5],
      ['2026-03-02T11:00:00.000Z', 20, 20, 0, 0],
      ['2026-03-08T23:00:00.000Z', 1, 1, 0, 0],
    ]);
    expect(hours[0]!.errorRate).toBeCloseTo(10 / 110, 10);
    expect(hours[0]!.end).toBe('2026-03-02T11:00:00.000Z');
    // Latency of the 2xx answers, read from the log buckets (each within ~9% of the value).
    expect(hours[0]!.latencyMs!.p50).toBeCloseTo(1, 0);
    expect(Math.abs(hours[0]!.latencyMs!.p95 / 50 - 1)).toBeLessThan(0.1);
    expect(Math.abs(hours[0]!.latencyMs!.p99 / 50 - 1)).toBeLessThan(0.1);

    const days = (await call('monitor:health', { ref: 'species@2', window: 'day', range })).windows;
    expect(days.map((w) => [w.start, w.requests])).toEqual([
      ['2026-03-02T00:00:00.000Z', 130],
      ['2026-03-08T00:00:00.000Z', 1],
    ]);
    const weeks = (await call('monitor:health', { ref: 'species', window: 'week', range })).windows;
    // Monday to Sunday (UTC): all of it is one week.
    expect(weeks.map((w) => [w.start, w.end, w.version, w.requests])).toEqual([
      ['2026-03-02T00:00:00.000Z', '2026-03-09T00:00:00.000Z', 2, 131],
    ]);
    // Every 100 requests: whole minutes, so 10:00 (100), then 10:01 + 11:30 (30) + 23:59 (1).
    const everyN = (await call('monitor:health', { ref: 'species@2', window: 100, range })).windows;
    expect(everyN.map((w) => [w.start, w.requests])).toEqual([
      ['2026-03-02T10:00:00.000Z', 100],
      ['2026-03-02T10:01:00.000Z', 31],
    ]);
    expect(everyN[1]!.errorRate).toBeCloseTo(10 / 31, 10);
  });

  it('lathe monitor health --window refuses what is not hour, day, week or a count', () => {
    expectRefused(['monitor', 'health', 'species', '--window', 'month'], '--window month');
  });
});
