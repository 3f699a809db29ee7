// Seeded properties over small random tables and parameters: odd shapes (constant, all-missing and
// tiny columns, few rows, many categories, rare codes) must train, route validation rows as predictRaw
// does, and give the same trees on the TypeScript engine and on WebAssembly with 1–3 threads.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { predictRaw } from '../../../main/train/gbdt/tree-model';
import { jsEngine, trainGbdt, type GbdtParams } from '../../../main/train/gbdt/train-gbdt';
import { createRng } from '../../../main/train/random';
import { defaults, recorder } from './data';

type Kind = 'number' | 'constant' | 'missing' | 'sparse' | 'category' | 'rare-category';

function column(kind: Kind, rows: number, rng: () => number): Float32Array {
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const u = rng();
    out[r] =
      kind === 'number'
        ? Math.round((u - 0.5) * 2000) / 7
        : kind === 'constant'
          ? 3
          : kind === 'missing'
            ? NaN
            : kind === 'sparse'
              ? u < 0.7
                ? NaN
                : u * 10
              : kind === 'category'
                ? u < 0.1
                  ? -1
                  : Math.floor(u * 30)
                : Math.floor(u * u * u * 400);
  }
  return out;
}

const kinds: Kind[] = ['number', 'constant', 'missing', 'sparse', 'category', 'rare-category'];

describe('trainGbdt on random tables', () => {
  it('trains, reports predictRaw’s validation scores, and equals the TypeScript engine', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          rows: fc.integer({ min: 1, max: 400 }),
          kinds: fc.array(fc.constantFrom(...kinds), { minLength: 1, maxLength: 5 }),
          objective: fc.constantFrom<GbdtParams['objective']>(
            'softmax',
            'squared_error',
            'absolute_error',
            'huber',
          ),
          growth: fc.constantFrom<GbdtParams['growth']>('depthwise', 'leafwise'),
          maxDepth: fc.integer({ min: 0, max: 5 }),
          maxLeaves: fc.integer({ min: 0, max: 9 }),
          maxBins: fc.integer({ min: 2, max: 300 }),
          minChildWeight: fc.constantFrom(0, 1, 5),
          l1: fc.constantFrom(0, 0.5),
          subsample: fc.constantFrom(1, 0.6),
          colsample: fc.constantFrom(1, 0.5),
          threads: fc.integer({ min: 1, max: 3 }),
          seed: fc.integer({ min: 0, max: 1000 }),
        }),
        async (c) => {
          const rng = createRng(c.seed);
          const width = c.kinds.length;
          const make = (rows: number) => {
            const cols = c.kinds.map((k) => column(k, rows, rng));
            const x = new Float32Array(rows * width);
            for (let r = 0; r < rows; r++)
              for (let f = 0; f < width; f++) x[r * width + f] = cols[f]![r]!;
            return x;
          };
          const x = make(c.rows);
          const k = c.objective === 'softmax' ? 3 : 1;
          const y =
            k === 3
              ? Int32Array.from({ length: c.rows }, () => Math.floor(rng() * 3))
              : Float32Array.from({ length: c.rows }, (_, r) => {
                  // Missingness of the first column matters, so splits send missing values apart.
                  const v = x[r * width]!;
                  return (Number.isNaN(v) ? 5 : v / 100) + rng();
                });
          const vrows = 50;
          const vx = make(vrows);
          const data = {
            x,
            rows: c.rows,
            width,
            features: c.kinds.map((k, i) => `${k}${i}`),
            categorical: c.kinds.flatMap((k, i) => (k.includes('category') ? [i] : [])),
            y,
            weights: null,
          };
          const p: GbdtParams = {
            ...defaults,
            objective: c.objective,
            outputs: k,
            trees: 3,
            growth: c.growth,
            maxDepth: c.maxDepth,
            maxLeaves: c.growth === 'leafwise' ? c.maxLeaves : 0,
            maxBins: c.maxBins,
            minChildWeight: c.minChildWeight,
            l1: c.l1,
            subsample: c.subsample,
            colsample: c.colsample,
            threads: c.threads,
            seed: c.seed,
          };
          const rec = recorder();
          const model = await trainGbdt(p, data, { x: vx, rows: vrows }, rec.hooks);
          const ref = await trainGbdt(
            p,
            data,
            { x: vx, rows: vrows },
            recorder().hooks,
            undefined,
            jsEngine,
          );
          expect(JSON.stringify(model)).toBe(JSON.stringify(ref));
          expect(rec.rounds.at(-1)!.validRaw).toEqual(
            Float32Array.from(predictRaw(model, vx, vrows)),
          );
          for (const t of model.trees) {
            const leaves = t.feature.filter((f) => f < 0).length;
            if (p.maxLeaves > 0) expect(leaves).toBeLessThanOrEqual(p.maxLeaves);
            if (p.maxDepth > 0) expect(leaves).toBeLessThanOrEqual(2 ** p.maxDepth);
            expect(t.value.every(Number.isFinite)).toBe(true);
          }
        },
      ),
      { seed: 1414, numRuns: 60 },
    );
  }, 90_000);
});
