import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriftMethod } from '../../../../shared/contract';
import { createEngine, type Engine } from '../../../../main/data/engine';
import { columnDrift } from '../../../../main/monitor/drift';
import { summarize } from '../../../../main/monitor/reference';
import { sqlNumber } from '../../../../main/workspace/db';

// Drift on doubles at the ends of the double range: the bin edges go into SQL as exact DOUBLE text, and a
// range wider than the largest double must neither fail nor lose rows.
let engine: Engine;
beforeAll(async () => {
  engine = await createEngine();
});
afterAll(() => engine.close());

const rel = (xs: number[]) => `(VALUES ${xs.map((x) => `(${sqlNumber(x)})`).join(', ')})`;
const METHODS: DriftMethod[] = ['ks', 'wasserstein', 'psi', 'kl', 'jensenshannon', 'hellinger'];

describe('numeric drift on extreme doubles', () => {
  const cases: [string, number[]][] = [
    ['17-digit values', [0.17055522598064407, -0.000039434416199038757, 0.5, 0.9]],
    ['tiny and huge magnitudes', [-1e300, 1e-300, 1e300, 7]],
    ['subnormals and -0', [5e-324, 1e-323, 0, -0, -5e-324]],
    ['the whole double range', [-1.7976931348623157e308, 1.7976931348623157e308, 0, 1]],
  ];
  for (const [name, xs] of cases) {
    it(`${name}: the same data shows no drift, on the exact and the grid path`, async () => {
      const reference = await summarize(engine, `(SELECT x FROM ${rel(xs)} t(x))`, 'x', 'numeric');
      for (const currentRows of [xs.length, 1e9]) {
        for (const method of METHODS) {
          const r = await columnDrift(
            engine,
            `SELECT 'all' AS w, x FROM ${rel(xs)} t(x)`,
            reference,
            {
              method,
              currentRows,
            },
          );
          expect(r.windows[0]!.statistic, `${method} ${currentRows}`).toBeCloseTo(0, 9);
        }
      }
    });
  }
});
