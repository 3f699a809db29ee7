// Batch prediction of a GBDT package scores its trees natively (gbdt.json, tree-scorer.ts) instead of
// through onnxruntime: the same file (columns, ids, predicted classes) and the same numbers within 1e-6 as
// the ONNX path, for binary, multiclass and regression versions trained through the services, on rows with
// nulls (NaN features) and categories never seen in training; 1 and 2 threads write identical files.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelInput } from '../../../shared/contract';
import { createServices, type Services } from '../../../main/services';
import { predictBatch } from '../../../main/serve/batch';
import { SCORE_CHUNK_ROWS } from '../../../main/train/gbdt/tree-scorer';
import { trainRegisterAndPackage } from '../../helpers/gbdt';
import { contractClient, importPenguins } from '../../helpers/services';
import { tempDir, vega } from '../../helpers/workspace';

type Config = ChannelInput<'train:run'>['config'];

const t = tempDir('lathe-gbdt-batch-native-');
let services: Services;
const { call } = contractClient(() => services);
const ROWS = SCORE_CHUNK_ROWS * 3 + 77;

const gbdt = { type: 'gbdt' as const, trees: 30, learningRate: 0.3, maxDepth: 4, threads: 1 };
const penguins = () =>
  JSON.parse(readFileSync(vega('penguins.json'), 'utf8')) as Record<string, unknown>[];
const cars = () =>
  (JSON.parse(readFileSync(vega('cars.json'), 'utf8')) as Record<string, unknown>[]).filter(
    (c) => c.Miles_per_Gallon !== null,
  );
/** Every 7th row gets a category unseen in training, every 11th a null in its first numeric column. */
function probe(records: Record<string, unknown>[], category: string, numeric: string) {
  return Array.from({ length: ROWS }, (_, i) => {
    const r = { ...records[i % records.length]! };
    if (i % 7 === 3) r[category] = `unseen-${i % 5}`;
    if (i % 11 === 5) r[numeric] = null;
    return r;
  });
}
const cases: {
  name: string;
  config: Config;
  rows: () => Record<string, unknown>[];
}[] = [
  {
    name: 'sex',
    config: { dataset: 'sexes', target: 'Sex', task: 'binary', model: gbdt, seed: 1 },
    rows: () =>
      probe(
        penguins().filter((p) => p.Sex === 'MALE' || p.Sex === 'FEMALE'),
        'Island',
        'Body Mass (g)',
      ),
  },
  {
    name: 'species',
    config: { dataset: 'penguins', target: 'Species', task: 'multiclass', model: gbdt, seed: 2 },
    rows: () => probe(penguins(), 'Island', 'Beak Length (mm)'),
  },
  {
    name: 'mpg',
    config: {
      dataset: 'cars',
      target: 'Miles_per_Gallon',
      task: 'regression',
      model: { ...gbdt, trees: 60 },
      seed: 3,
    },
    rows: () => probe(cars(), 'Origin', 'Horsepower'),
  },
];

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
  await importPenguins(services);
  await call('data:import', { path: vega('cars.json'), name: 'cars' });
  await call('data:importQuery', {
    name: 'sexes',
    sql: `SELECT * FROM read_json('${vega('penguins.json')}') WHERE Sex IN ('MALE', 'FEMALE')`,
  });
  await trainRegisterAndPackage(services, cases, join(t.dir, 'packages'));
}, 300_000);
afterAll(async () => {
  await services?.close();
  t.remove();
});

const table = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(','));

describe('batch prediction of GBDT packages without onnxruntime', () => {
  it.each(cases.map((c) => c.name))(
    '%s: native trees write what the ONNX trees write (1e-6), identically on 1 and 2 threads',
    async (name) => {
      const c = cases.find((x) => x.name === name)!;
      const packageDir = join(t.dir, 'packages', name);
      const input = join(t.dir, `${name}.json`);
      writeFileSync(input, JSON.stringify(c.rows().map((r, i) => ({ id: `r${i}`, ...r }))));
      const run = async (
        file: string,
        extra: Parameters<typeof predictBatch>[0] extends infer O ? Partial<O> : never,
      ) => {
        const output = join(t.dir, `${name}-${file}.csv`);
        const result = await predictBatch({
          packageDir,
          input,
          output,
          idColumn: 'id',
          chunkRows: 1500,
          ...extra,
        });
        expect(result.rows).toBe(ROWS);
        return output;
      };
      const onnx = table(await run('onnx', { engine: 'onnx' }));
      const one = await run('native1', { threads: 1 });
      const two = await run('native2', { threads: 2 });
      expect(readFileSync(two, 'utf8')).toBe(readFileSync(one, 'utf8'));
      const native = table(one);
      expect(native[0]).toEqual(onnx[0]);
      expect(native.length).toBe(ROWS + 1);
      expect(native.length).toBe(onnx.length);
      const classifier = name !== 'mpg';
      let worst = 0;
      let classes = 0;
      for (let r = 1; r < native.length; r++) {
        const a = native[r]!;
        const b = onnx[r]!;
        expect(a[0]).toBe(b[0]);
        expect(a.length).toBe(b.length);
        if (classifier) {
          if (a[1] === b[1]) classes++;
          for (let j = 2; j < a.length; j++)
            worst = Math.max(worst, Math.abs(Number(a[j]) - Number(b[j])));
        } else {
          const want = Number(b[1]);
          worst = Math.max(worst, Math.abs(Number(a[1]) - want) / Math.max(1, Math.abs(want)));
        }
        if (!classifier) expect(Number.isFinite(Number(a[1]))).toBe(true);
      }
      expect(worst).toBeLessThanOrEqual(1e-6);
      if (classifier) expect(classes).toBe(ROWS);
    },
    120_000,
  );
});
