// Drift statistics (DuckDB SQL + the p-value functions) against scipy on the committed fixture
// (tests/fixtures/monitor/drift_scipy.py): exact references to 1e-9, sketched ones to 1e-3.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriftMethod } from '../../../../shared/contract';
import { createEngine, type Engine } from '../../../../main/data/engine';
import { columnDrift, defaultMethod } from '../../../../main/monitor/drift';
import { numberList, stringList } from '../../../../main/monitor/drift-sql';
import { chi2Sf, kolmogorovSf, ksPValue, normSf } from '../../../../main/monitor/drift-stats';
import { summarize, type StoredFeature } from '../../../../main/monitor/reference';

interface Case {
  name: string;
  kind: 'numeric' | 'categorical';
  ref: (number | string)[];
  cur: (number | string)[];
  expected: Record<string, number | null>;
}
const fixture = JSON.parse(
  readFileSync(join(__dirname, '../../../fixtures/monitor/drift_scipy.json'), 'utf8'),
) as {
  cases: Case[];
  kstwo: { n: number; d: number; sf: number }[];
  ksExact: { n1: number; n2: number; d: number; p: number }[];
  chi2: { x: number; df: number; sf: number }[];
  norm: { z: number; sf: number }[];
};

const NUMERIC: DriftMethod[] = ['ks', 'wasserstein', 'psi', 'kl', 'jensenshannon', 'hellinger'];
const CATEGORICAL: DriftMethod[] = [
  'chisquare',
  'ztest',
  'psi',
  'kl',
  'jensenshannon',
  'hellinger',
];

/** |a − b| within `tol` absolutely, or relatively for large values. */
function near(actual: number, expected: number, tol: number, what: string) {
  const err = Math.abs(actual - expected) / Math.max(1, Math.abs(expected));
  expect(err, `${what}: ${actual} vs scipy ${expected}`).toBeLessThanOrEqual(tol);
}

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine();
});
afterAll(() => engine.close());

const list = (c: Case, xs: (number | string)[]) =>
  c.kind === 'numeric' ? numberList(xs as number[]) : stringList(xs as string[]);
const referenceOf = (c: Case): Promise<StoredFeature> =>
  summarize(engine, `(SELECT unnest(${list(c, c.ref)}) AS x)`, c.name, c.kind);
const currentOf = (c: Case) => `SELECT 'all' AS w, unnest(${list(c, c.cur)}) AS x`;

describe('drift statistics against scipy', () => {
  for (const c of fixture.cases) {
    it(c.name, async () => {
      const ref = await referenceOf(c);
      const sketched = c.kind === 'numeric' && !ref.numeric!.lossless;
      const tol = sketched ? 1e-3 : 1e-9;
      const methods = c.kind === 'numeric' ? NUMERIC : CATEGORICAL;
      for (const method of methods) {
        if (!(method in c.expected)) continue;
        const r = await columnDrift(engine, currentOf(c), ref, {
          method,
          currentRows: c.cur.length,
        });
        const s = r.windows[0]!;
        const expected = c.expected[method];
        if (expected === null) expect(s.statistic, 'an infinite statistic').toBe(Number.MAX_VALUE);
        else near(Math.abs(s.statistic), Math.abs(expected!), tol, `${method} statistic`);
        const p = c.expected[`${method}_p`];
        // A sketched reference moves the KS statistic by up to 1e-4; its p-value moves with it.
        if (p !== undefined && p !== null && !sketched)
          near(s.pValue!, p, 1e-9, `${method} p-value`);
      }
    });
  }

  it('the grid path (large current data) stays within 1e-3 of the exact statistics', async () => {
    for (const c of fixture.cases.filter((x) => x.kind === 'numeric')) {
      const ref = await referenceOf(c);
      for (const method of NUMERIC) {
        const r = await columnDrift(engine, currentOf(c), ref, { method, currentRows: 1e9 });
        near(
          r.windows[0]!.statistic,
          c.expected[method]!,
          method === 'hellinger' ? 1e-3 : 1e-3,
          `${c.name} ${method} (grid)`,
        );
      }
    }
  });

  it('windows are computed apart: each window against the same reference', async () => {
    const c = fixture.cases[0]!;
    const ref = await referenceOf(c);
    const cur = `SELECT CASE WHEN i <= 125 THEN 'a' ELSE 'b' END AS w, x FROM (
      SELECT unnest(${numberList(c.cur as number[])}) AS x, generate_subscripts(${numberList(c.cur as number[])}, 1) AS i)`;
    const r = await columnDrift(engine, cur, ref, {
      method: 'ks',
      currentRows: c.cur.length,
      windowed: true,
    });
    expect(r.windows.map((w) => [w.w, w.rows])).toEqual([
      ['a', 125],
      ['b', c.cur.length - 125],
    ]);
    const half = await columnDrift(
      engine,
      `SELECT 'a' AS w, unnest(${numberList((c.cur as number[]).slice(0, 125))}) AS x`,
      ref,
      { method: 'ks', currentRows: 125 },
    );
    expect(r.windows[0]!.statistic).toBeCloseTo(half.windows[0]!.statistic, 12);
  });

  it('windows on the grid path (large current data): each as its rows alone give', async () => {
    const c = fixture.cases.find((x) => x.kind === 'numeric')!;
    const ref = await referenceOf(c);
    const xs = c.cur as number[];
    const cur = `SELECT CASE WHEN i <= 125 THEN 'a' ELSE 'b' END AS w, x FROM (
      SELECT unnest(${numberList(xs)}) AS x, generate_subscripts(${numberList(xs)}, 1) AS i)`;
    for (const method of NUMERIC) {
      const r = await columnDrift(engine, cur, ref, { method, currentRows: 1e9, windowed: true });
      expect(r.windows.map((w) => [w.w, w.rows])).toEqual([
        ['a', 125],
        ['b', xs.length - 125],
      ]);
      for (const [w, part] of [
        ['a', xs.slice(0, 125)],
        ['b', xs.slice(125)],
      ] as const) {
        const alone = await columnDrift(
          engine,
          `SELECT '${w}' AS w, unnest(${numberList(part)}) AS x`,
          ref,
          { method, currentRows: 1e9 },
        );
        near(
          r.windows.find((x) => x.w === w)!.statistic,
          alone.windows[0]!.statistic,
          1e-9,
          `${method} window ${w}`,
        );
      }
    }
  });
});

describe('distribution functions against scipy', () => {
  it('kstwo.sf over every branch', () => {
    for (const { n, d, sf } of fixture.kstwo)
      near(kolmogorovSf(n, d), sf, 1e-9, `kstwo.sf(${d}, ${n})`);
  });
  it("ks_2samp's p-value (exact method up to 10,000 rows, else asymptotic)", () => {
    for (const { n1, n2, d, p } of fixture.ksExact)
      near(ksPValue(d, n1, n2), p, 1e-9, `ks(${d}, ${n1}, ${n2})`);
  });
  it('chi2.sf and norm.sf', () => {
    for (const { x, df, sf } of fixture.chi2)
      near(chi2Sf(x, df), sf, 1e-12, `chi2.sf(${x}, ${df})`);
    for (const { z, sf } of fixture.norm) near(normSf(z), sf, 1e-12, `norm.sf(${z})`);
  });
});

describe("Evidently's default method", () => {
  it('small references: KS above 5 values, chi-square above 2, else the z-test', () => {
    expect(defaultMethod('numeric', 1000, 6)).toBe('ks');
    expect(defaultMethod('numeric', 1000, 5)).toBe('chisquare');
    expect(defaultMethod('numeric', 800, 2)).toBe('ztest');
    expect(defaultMethod('categorical', 1000, 3)).toBe('chisquare');
    expect(defaultMethod('categorical', 10, 2)).toBe('ztest');
  });
  it('larger references: Wasserstein above 5 numeric values, else Jensen–Shannon', () => {
    expect(defaultMethod('numeric', 1001, 6)).toBe('wasserstein');
    expect(defaultMethod('numeric', 1001, 5)).toBe('jensenshannon');
    expect(defaultMethod('categorical', 50_000, 40)).toBe('jensenshannon');
  });
});
