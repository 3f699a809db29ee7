// Reference and drift: registration stores the training split's reference; drift is nil on the training
// data and clear on a shifted copy (every shifted input flagged), on captured batch rows per window with
// the prediction, through the CLI with an offline HTML report; a version without a reference names the
// command that sets one.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelVersion } from '../../../shared/contract';
import { createServices, type Services } from '../../../main/services';
import { initBackend } from '../../../main/train/backend';
import { lathe } from '../../helpers/cli';
import { trainRegistered } from '../../helpers/runs';
import { contractClient, penguinsConfig } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';

const t = tempDir('lathe-drift-');
const WS = join(t.dir, 'ws');
let services: Services;
const { call, failure } = contractClient(() => services);
let v1: ModelVersion;

type Penguin = Record<string, string | number | null>;
const penguins = JSON.parse(readFileSync(vega('penguins.json'), 'utf8')) as Penguin[];
const NUMERIC = ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)'];
const spread = (c: string) => {
  const v = penguins.map((p) => p[c]).filter((x): x is number => typeof x === 'number');
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
};
/** Every numeric input moved by two of its spreads, one island and one sex: every input shifts. */
const shifted: Penguin[] = penguins.map((p, i) => ({
  ...Object.fromEntries(
    Object.entries(p).map(([k, x]) => [
      k,
      NUMERIC.includes(k) && typeof x === 'number' ? x + 2 * spread(k) : x,
    ]),
  ),
  Island: 'Torgersen',
  Sex: 'MALE',
  id: `s${i}`,
}));

beforeAll(async () => {
  await initBackend('cpu');
  services = await createServices({ workspaceDir: WS, validateOutput: true });
  await call('data:import', { path: vega('penguins.json'), name: 'penguins' });
  const file = join(t.dir, 'shifted.json');
  writeFileSync(file, JSON.stringify(shifted));
  await call('data:import', { path: file, name: 'shifted' });
  v1 = await trainRegistered(
    call,
    penguinsConfig({ model: { type: 'mlp', hidden: [8] } }),
    'species',
  );
}, 300_000);

afterAll(async () => {
  await services?.close().catch(() => undefined);
  t.remove();
});

describe('reference', () => {
  it("is stored at registration from the run's training split, per input and for the prediction", async () => {
    const r = await call('monitor:reference', { ref: 'species@1' });
    const run = await call('runs:get', { id: v1.runId! });
    expect(r.source).toEqual({ dataset: 'penguins@1', split: 'train' });
    expect(r.rows).toBe(Number(run.params['rows.train']));
    expect(r.features.map((f) => f.feature).sort()).toEqual(
      v1.signature!.inputs.map((i) => i.name).sort(),
    );
    for (const f of r.features) {
      expect(f.rows).toBe(r.rows);
      expect(f.exact).toBe(true);
      const counts = f.distribution.counts.reduce((a, b) => a + b, 0);
      expect(counts).toBe(Math.round(f.rows * (1 - f.nullRate)));
    }
    // Multiclass: the predicted class on the validation rows.
    expect(r.prediction?.kind).toBe('categorical');
    expect(r.prediction?.rows).toBe(Number(run.params['rows.validation']));
  });
});

describe('drift against a dataset version', () => {
  it('finds none on the training data itself, with KS and chi-square for a small reference', async () => {
    const d = await call('monitor:drift', { ref: 'species@1', data: 'penguins' });
    expect(d.datasetDrift).toBe(false);
    expect(d.current).toEqual({ kind: 'dataset', source: 'penguins@1', rows: penguins.length });
    expect(d.features.every((f) => !f.drifted)).toBe(true);
    for (const f of d.features) {
      expect(f.method).toBe(f.kind === 'numeric' ? 'ks' : 'chisquare');
      expect(f.pValue).toBeGreaterThan(0.05);
    }
    expect(d.prediction).toBeNull();
  });

  it('flags every shifted input of a shifted copy, and methods and thresholds can be chosen', async () => {
    const d = await call('monitor:drift', { ref: 'species@1', data: 'shifted' });
    expect(d.datasetDrift).toBe(true);
    expect(d.features.filter((f) => !f.drifted).map((f) => f.feature)).toEqual([]);
    const psi = await call('monitor:drift', {
      ref: 'species@1',
      data: 'shifted',
      methods: { 'Body Mass (g)': 'psi' },
      thresholds: { 'Beak Depth (mm)': 0.999 },
    });
    const mass = psi.features.find((f) => f.feature === 'Body Mass (g)')!;
    expect([mass.method, mass.threshold, mass.drifted]).toEqual(['psi', 0.25, true]);
    expect(psi.features.find((f) => f.feature === 'Beak Depth (mm)')!.threshold).toBe(0.999);
  });

  it('refuses a numeric method on a categorical input and an unknown column, naming them', async () => {
    const e1 = await failure('monitor:drift', {
      ref: 'species@1',
      data: 'penguins',
      methods: { Island: 'ks' },
    });
    expect(e1.message).toMatch(/ks.*'Island' is categorical/);
    const e2 = await failure('monitor:drift', {
      ref: 'species@1',
      data: 'penguins',
      methods: { Nope: 'psi' },
    });
    expect(e2.message).toMatch(/'Nope' is not an input of species@1/);
  });
});

describe('drift of captured rows', () => {
  it('compares one batch job, per window of rows, with the prediction drawn per window', async () => {
    const input = join(t.dir, 'inputs.json');
    writeFileSync(input, JSON.stringify(shifted.map(({ Species: _s, ...r }) => r)));
    const b = await call('predict:batch', {
      model: 'species@1',
      input,
      output: join(t.dir, 'out.csv'),
      idColumn: 'id',
    });
    const d = await call('monitor:drift', { ref: 'species@1', batch: b.id, window: 100 });
    expect(d.current.kind).toBe('batch');
    expect(d.current.rows).toBe(shifted.length);
    expect(d.datasetDrift).toBe(true);
    expect(d.prediction?.method).toBe('chisquare');
    expect(d.windows.map((w) => w.rows)).toEqual([100, 100, 100, shifted.length - 300]);
    for (const w of d.windows) {
      expect(w.features).toHaveLength(d.features.length);
      expect(w.prediction?.current.kind).toBe('categorical');
    }
    // Window bounds are ISO UTC, as performance windows are: a zone-less text reads as local time.
    const [day] = (await call('monitor:drift', { ref: 'species@1', batch: b.id, window: 'day' }))
      .windows;
    expect(day?.start).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00\.000Z$/);
    expect(Date.parse(day!.end) - Date.parse(day!.start)).toBe(86_400_000);
    expect(d.windows[0]!.start).toMatch(/Z$/);
  });
  it('cuts a batch into windows in its row order: the shifted half is the last window alone', async () => {
    // Without an id column a row is `<job>/<row>`: as text, row 10 would sort before row 2 and mix halves.
    const input = join(t.dir, 'halves.json');
    const strip = ({ Species: _s, id: _id, ...r }: Penguin) => r;
    writeFileSync(input, JSON.stringify([...penguins.map(strip), ...shifted.map(strip)]));
    const b = await call('predict:batch', {
      model: 'species@1',
      input,
      output: join(t.dir, 'halves.csv'),
    });
    const d = await call('monitor:drift', {
      ref: 'species@1',
      batch: b.id,
      window: penguins.length,
    });
    expect(d.windows.map((w) => [w.rows, w.datasetDrift])).toEqual([
      [penguins.length, false],
      [shifted.length, true],
    ]);
    expect(d.windows[0]!.driftShare).toBe(0);
    expect(d.windows[1]!.driftShare).toBe(1);
    // Every row shares the job's time, so no time range tells the windows apart: their rows by position
    // do (what the app's heatmap opens for a cell), with the statistics the windowed drift gave.
    expect(new Set(d.windows.map((w) => `${w.start} ${w.end}`)).size).toBe(1);
    expect(d.windows.map((w) => w.firstRow)).toEqual([0, penguins.length]);
    for (const w of d.windows) {
      const rows = { from: w.firstRow!, to: w.firstRow! + w.rows };
      const one = await call('monitor:drift', { ref: 'species@1', batch: b.id, rows });
      expect(one.current).toEqual({
        kind: 'batch',
        source: `${b.id}, rows ${rows.from}–${rows.to - 1}`,
        rows: w.rows,
      });
      expect([one.datasetDrift, one.driftShare]).toEqual([w.datasetDrift, w.driftShare]);
      for (const f of w.features) {
        const whole = one.features.find((x) => x.feature === f.feature)!;
        expect(whole.statistic, f.feature).toBeCloseTo(f.statistic, 9);
        expect(whole.drifted, f.feature).toBe(f.drifted);
      }
    }
    const past = await failure('monitor:drift', {
      ref: 'species@1',
      batch: b.id,
      rows: { from: penguins.length + shifted.length, to: 10_000 },
    });
    expect(past).toMatchObject({
      code: 'NOT_FOUND',
      message: `no current rows to compare: rows ${penguins.length + shifted.length}–9999 are past the ${penguins.length + shifted.length} rows of batch ${b.id} (positions 0 to ${penguins.length + shifted.length - 1})`,
    });
    // Windows of time carry no row positions.
    const daily = await call('monitor:drift', { ref: 'species@1', batch: b.id, window: 'day' });
    expect(daily.windows.map((w) => w.firstRow)).toEqual([undefined]);
  });

  it('refuses a row range of a dataset version, or one that ends where it starts', async () => {
    const dataset = await failure('monitor:drift', {
      ref: 'species@1',
      data: 'penguins',
      rows: { from: 0, to: 10 },
    });
    expect([dataset.code, dataset.message]).toEqual([
      'INVALID_INPUT',
      'windows, time ranges and row ranges cut captured rows; a dataset version (--data) is compared whole',
    ]);
    const empty = await failure('monitor:drift', { ref: 'species@1', rows: { from: 5, to: 5 } });
    expect(empty.code).toBe('INVALID_INPUT');
    expect(empty.message).toMatch(/`to` must be greater than `from`/);
  });
});

describe('a version without a reference', () => {
  it('names `lathe monitor reference`, which sets one from a dataset version', async () => {
    await services.workspace.db.run('DELETE FROM monitor_references WHERE version_id = ?', [v1.id]);
    const e = await failure('monitor:drift', { ref: 'species@1', data: 'penguins' });
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toContain('lathe monitor reference species@1 --data DATASET');
    const r = await call('monitor:reference', { ref: 'species@1', data: 'penguins' });
    expect([r.source, r.rows]).toEqual([{ dataset: 'penguins@1', split: 'all' }, penguins.length]);
    const d = await call('monitor:drift', { ref: 'species@1', data: 'penguins' });
    expect(d.features.every((f) => f.statistic === 0 || f.pValue === 1)).toBe(true);
  });
});

describe('lathe monitor drift', () => {
  it('prints JSON with --json and writes an offline HTML report without raw rows', async () => {
    await services.close();
    const html = join(t.dir, 'drift.html');
    const r = lathe([
      'monitor',
      'drift',
      'species@1',
      '--data',
      'shifted',
      '--method',
      'Island=psi',
      '--html',
      html,
      '--workspace',
      WS,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const json = r.json as {
      datasetDrift: boolean;
      features: { feature: string; method: string }[];
    };
    expect(json.datasetDrift).toBe(true);
    expect(json.features.find((f) => f.feature === 'Island')?.method).toBe('psi');
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).not.toMatch(/<script|<link|https?:\/\//);
    expect(page).toContain('<svg');
    // No raw rows: an id of the shifted rows never appears.
    expect(page).not.toContain('s17');
    const bad = lathe(['monitor', 'drift', 'species@1', '--window', 'month', '--workspace', WS]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--window: 'month'/);
    services = await createServices({ workspaceDir: WS, validateOutput: true });
  });
});
