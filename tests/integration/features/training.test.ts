import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../main/data/engine';
import { applySplit, splitRule } from '../../../main/data/splits';
import { createServices, type Services } from '../../../main/services';
import { SplitSpec } from '../../../shared/contract';
import { lathe } from '../../helpers/cli';
import { refusedBeforeRun } from '../../helpers/runs';
import { contractClient } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';

const t = tempDir('lathe-featrain-');
let services: Services;
let engine: Engine;
const client = contractClient(() => services);
const { call } = client;

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  engine = await createEngine();
  await engine.run(`CREATE TABLE src AS SELECT file_row_number AS __row, * EXCLUDE (file_row_number)
    FROM read_parquet('${vega('flights-3m.parquet')}', file_row_number = true) WHERE file_row_number < 5000`);
  await call('data:import', { path: vega('seattle-weather.csv'), name: 'weather' });
  await call('data:import', { path: vega('penguins.json'), name: 'penguins' });
});
afterAll(async () => {
  engine.close();
  await services.close();
  t.remove();
});

const split = (spec: unknown, task: 'binary' | 'regression' = 'regression', seed = 1) =>
  applySplit(engine, {
    table: 's',
    from: 'src',
    rule: splitRule(SplitSpec.parse(spec), task, seed, 0.2),
    target: 'delay',
    row: '__row',
  });

describe('splits', () => {
  it('random: exact fractions, the same rows for the same seed, other rows for another', async () => {
    expect(await split({ method: 'random', testFraction: 0.1 })).toEqual({
      train: 3500,
      valid: 1000,
      test: 500,
    });
    const first = (await engine.all(`SELECT __row FROM s WHERE __split = 'valid' ORDER BY 1`)).map(
      (r) => Number(r.__row),
    );
    await split({ method: 'random', testFraction: 0.1 });
    expect(
      (await engine.all(`SELECT __row FROM s WHERE __split = 'valid' ORDER BY 1`)).map((r) =>
        Number(r.__row),
      ),
    ).toEqual(first);
    await split({ method: 'random', testFraction: 0.1 }, 'regression', 2);
    expect(
      (await engine.all(`SELECT __row FROM s WHERE __split = 'valid' ORDER BY 1`)).map((r) =>
        Number(r.__row),
      ),
    ).not.toEqual(first);
  });

  it('stratified: every class keeps its share in every split', async () => {
    await engine.run(
      `CREATE OR REPLACE TABLE src2 AS SELECT *, (delay > 15)::VARCHAR AS late FROM src`,
    );
    await applySplit(engine, {
      table: 's',
      from: 'src2',
      rule: splitRule(SplitSpec.parse({}), 'binary', 1, 0.2),
      target: 'late',
      row: '__row',
    });
    const rows = await engine.all(`SELECT late, __split, count(*) AS n FROM s GROUP BY ALL`);
    const n = (late: string, s: string) =>
      Number(rows.find((r) => r.late === late && r.__split === s)?.n ?? 0);
    for (const late of ['true', 'false']) {
      const total = n(late, 'train') + n(late, 'valid');
      expect(n(late, 'valid')).toBe(Math.round(total * 0.2));
    }
  });

  it('time: train before validation before test, and refuses a time column with nulls', async () => {
    await split({ method: 'time', column: 'date', testFraction: 0.1 });
    const [o] =
      await engine.all(`SELECT max(date) FILTER (WHERE __split = 'train') AS t, min(date) FILTER (WHERE __split = 'valid') AS v,
      max(date) FILTER (WHERE __split = 'valid') AS v2, min(date) FILTER (WHERE __split = 'test') AS s FROM s`);
    expect((o!.t as Date).getTime()).toBeLessThanOrEqual((o!.v as Date).getTime());
    expect((o!.v2 as Date).getTime()).toBeLessThanOrEqual((o!.s as Date).getTime());
    await engine.run(
      `CREATE OR REPLACE TABLE src3 AS SELECT * REPLACE (CASE WHEN __row = 7 THEN NULL ELSE date END AS date) FROM src`,
    );
    await expect(
      applySplit(engine, {
        table: 's',
        from: 'src3',
        rule: splitRule(SplitSpec.parse({ method: 'time', column: 'date' }), 'regression', 1, 0.2),
        target: 'delay',
        row: '__row',
      }),
    ).rejects.toThrow(
      /split\.column: 'date' has 1 null values; a time split needs every row dated/,
    );
  });

  it('group: no group in two splits', async () => {
    const counts = await split({ method: 'group', column: 'origin' });
    expect(counts.valid).toBeGreaterThan(500);
    const [g] = await engine.all(
      `SELECT count(*) AS n FROM (SELECT origin FROM s GROUP BY 1 HAVING count(DISTINCT __split) > 1)`,
    );
    expect(Number(g!.n)).toBe(0);
  });
});

describe('training with a feature spec and a split rule', () => {
  it('trains with an inline spec, records its hash and the split, and holds out test rows', async () => {
    const run = await call('train:run', {
      config: {
        dataset: 'weather',
        target: 'weather',
        task: 'multiclass',
        model: { type: 'linear' },
        training: { epochs: 5, learningRate: 0.01 },
        split: { method: 'time', column: 'date', testFraction: 0.1 },
        featureSpec: {
          groups: [
            {
              columns: ['precipitation', 'wind'],
              steps: [
                { op: 'clip', method: 'iqr' },
                { op: 'scale', method: 'robust' },
              ],
            },
            { columns: ['temp_max', 'temp_min'], steps: [{ op: 'scale', method: 'standard' }] },
          ],
          derived: [{ op: 'lag', column: 'precipitation', time: 'date', lags: [1] }],
        },
      },
    });
    expect(run.status).toBe('finished');
    expect(run.params).toMatchObject({
      'split.method': 'time',
      'split.column': 'date',
      'featureSpec.source': 'config',
      'rows.test': '146',
      inputDim: '5',
    });
    expect(run.params['featureSpec.hash']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('warns about a near-perfect predictor and about dates under a time split', async () => {
    await call('data:importQuery', {
      name: 'leaky',
      sql: `SELECT *, weather = 'rain' AS rainy, (weather = 'rain')::INTEGER * 10 + precipitation * 0 AS rain_code FROM read_csv('${vega('seattle-weather.csv')}')`,
    });
    const run = await call('train:run', {
      config: {
        dataset: 'leaky',
        target: 'rainy',
        task: 'binary',
        features: ['rain_code', 'date', 'wind'],
        model: { type: 'linear' },
        training: { epochs: 2 },
        split: { method: 'time', column: 'date' },
      },
    });
    expect(
      run.warnings.some((w) =>
        /feature 'rain_code' is a near-perfect predictor of 'rainy'/.test(w),
      ),
    ).toBe(true);
    expect(
      run.warnings.some((w) =>
        /feature 'date' is a date under a time split \(it is the split column\)/.test(w),
      ),
    ).toBe(true);
  });

  it('refuses a spec naming a missing column or the target, before any run exists', async () => {
    for (const [column, message] of [
      ['Wingspan', /featureSpec\.groups\.0\.columns\.0: column 'Wingspan' is not in the dataset/],
      [
        'Species',
        /featureSpec\.groups\.0\.columns\.0: 'Species' is the target; it cannot be a feature/,
      ],
    ] as const) {
      const refused = await refusedBeforeRun(client, 'train:run', {
        config: {
          dataset: 'penguins',
          target: 'Species',
          task: 'multiclass',
          featureSpec: { groups: [{ columns: [column] }] },
        },
      });
      expect(refused.message).toMatch(message);
    }
  });

  it('refuses a time split on a column with nulls, or a split column that does not exist, before any run exists', async () => {
    await call('data:importQuery', {
      name: 'gappy',
      sql: `SELECT * REPLACE (CASE WHEN wind > 6 THEN NULL ELSE date END AS date) FROM read_csv('${vega('seattle-weather.csv')}')`,
    });
    const gappy = (split: { method: 'time' | 'group'; column: string }) => ({
      config: { dataset: 'gappy', target: 'weather', task: 'multiclass', split },
    });
    const nulls = await refusedBeforeRun(
      client,
      'train:run',
      gappy({ method: 'time', column: 'date' }),
    );
    expect(nulls.message).toMatch(
      /^split\.column: 'date' has \d+ null values; a time split needs every row dated/,
    );
    const missing = await refusedBeforeRun(
      client,
      'train:run',
      gappy({ method: 'group', column: 'station' }),
    );
    expect(missing).toMatchObject({
      code: 'COLUMN_NOT_FOUND',
      message: "split.column: 'station' is not in dataset 'gappy'",
    });
  });

  it('reads featureSpec from a file named in a YAML config', () => {
    const W = join(t.dir, 'cli');
    lathe(['data', 'import', vega('penguins.json'), '--name', 'p', '--workspace', W]);
    t.file(
      'spec.yaml',
      'groups:\n  - columns: [Island]\n    steps: [{ op: frequency }]\n  - columns: ["Beak Length (mm)"]\n    steps: [{ op: impute, strategy: median }, { op: scale, method: standard }]\n',
    );
    const cfg = t.file(
      'train.yaml',
      'dataset: p\ntarget: Species\ntask: multiclass\nmodel: {type: linear}\ntraining: {epochs: 3}\nfeatureSpec: spec.yaml\n',
    );
    const r = lathe(['train', '--config', cfg, '--workspace', W, '--json']);
    expect(r.code).toBe(0);
    expect((r.json as { params: Record<string, string> }).params.inputDim).toBe('2');
    const bad = t.file(
      'bad.yaml',
      'dataset: p\ntarget: Species\ntask: multiclass\nfeatureSpec: nope.yaml\n',
    );
    const b = lathe(['train', '--config', bad, '--workspace', W]);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/feature spec file not found: .*nope\.yaml/);
  });
});

describe('feature selection', () => {
  const base = {
    dataset: 'weather',
    target: 'weather',
    task: 'multiclass' as const,
    model: { type: 'linear' as const },
    training: { epochs: 3, learningRate: 0.01 },
  };

  it('drops constant features by variance and correlated ones by the correlation filter', async () => {
    const variance = await call('train:run', {
      config: {
        ...base,
        featureSpec: {
          groups: [
            { columns: ['date'], steps: [{ op: 'datetime', parts: ['year', 'month', 'weekend'] }] },
            { columns: ['wind'] },
          ],
        },
        selection: { method: 'variance', threshold: 0.01 },
      },
    });
    expect(variance.params).toMatchObject({ 'selection.method': 'variance' });
    const correlation = await call('train:run', {
      config: {
        ...base,
        featureSpec: {
          groups: [
            {
              columns: ['temp_max', 'temp_min', 'wind'],
              steps: [{ op: 'scale', method: 'standard' }],
            },
          ],
          derived: [{ op: 'product', columns: ['temp_max', 'temp_max'] }],
        },
        selection: { method: 'correlation', threshold: 0.7 },
      },
    });
    // temp_min follows temp_max (r ≈ 0.88 in Seattle): the filter keeps the first of the pair.
    expect(correlation.params).toMatchObject({
      'selection.method': 'correlation',
      inputDim: String(Number(correlation.params['selection.kept'])),
    });
    expect(Number(correlation.params['selection.dropped'])).toBeGreaterThanOrEqual(1);
  });

  it('keeps the top k by mutual information, or by permutation importance of a first model (then trains again)', async () => {
    const mi = await call('train:run', {
      config: { ...base, selection: { method: 'mutual_info', k: 3 } },
    });
    expect(mi.params).toMatchObject({
      'selection.method': 'mutual_info',
      'selection.kept': '3',
      inputDim: '3',
    });
    const epochs: number[] = [];
    const off = services.bus.subscribe((f) => {
      if (f.event === 'train:progress')
        epochs.push((f.payload as { epoch: number; epochs: number }).epochs);
    });
    const perm = await call('train:run', {
      config: { ...base, selection: { method: 'permutation', k: 2 } },
    });
    off();
    expect(perm.params).toMatchObject({
      'selection.method': 'permutation',
      'selection.kept': '2',
      inputDim: '2',
    });
    expect(epochs.every((e) => e === 6)).toBe(true);
    const history = await call('runs:metrics', { id: perm.id, key: 'loss' });
    expect(history.points.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(perm.artifacts.map((a) => a.path)).toContain('features/selection.json');
  });
});
