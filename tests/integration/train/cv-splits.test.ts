import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../main/data/engine';
import { applySplit, splitRule } from '../../../main/data/splits';

// 1,000 rows: a 3:1 imbalanced label, a time column, and 40 groups of uneven size.
const SOURCE = `(SELECT i AS row, CASE WHEN i % 4 = 0 THEN 'a' ELSE 'b' END AS y,
  DATE '2020-01-01' + INTERVAL (i) DAY AS t, (i * 7) % 40 AS g FROM range(1000) r(i))`;

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine();
});
afterAll(() => engine.close());

async function folds(method: 'random' | 'stratified' | 'time' | 'group', k: number, test = 0) {
  const out = [];
  for (let index = 1; index <= k; index++) {
    const rule = splitRule(
      {
        method,
        column: method === 'time' ? 't' : method === 'group' ? 'g' : undefined,
        testFraction: test,
      },
      'binary',
      7,
      0.2,
      { folds: k, fold: index },
    );
    const counts = await applySplit(engine, {
      table: 'd',
      from: SOURCE,
      rule,
      target: 'y',
      row: 'row',
    });
    const rows = await engine.all<{ row: bigint; s: string; y: string; t: Date; g: number }>(
      'SELECT row, __split AS s, y, t, g FROM d ORDER BY row',
    );
    out.push({ counts, rows });
  }
  return out;
}

describe('cross-validation folds', () => {
  it('k-fold: every non-test row validates in exactly one fold, and folds are balanced', async () => {
    const fs = await folds('random', 5, 0.1);
    const validIn = new Map<bigint, number>();
    for (const f of fs) {
      expect(f.counts.test).toBe(100);
      expect(f.counts.valid).toBe(180);
      expect(f.counts.train).toBe(720);
      for (const r of f.rows)
        if (r.s === 'valid') validIn.set(r.row, (validIn.get(r.row) ?? 0) + 1);
    }
    expect(validIn.size).toBe(900);
    expect([...validIn.values()].every((n) => n === 1)).toBe(true);
    // The test rows are the same in every fold.
    const testRows = fs.map((f) =>
      f.rows
        .filter((r) => r.s === 'test')
        .map((r) => r.row)
        .join(),
    );
    expect(new Set(testRows).size).toBe(1);
  });

  it('stratified k-fold keeps the class ratio in every validation fold', async () => {
    let total = 0;
    for (const f of await folds('stratified', 4)) {
      const valid = f.rows.filter((r) => r.s === 'valid');
      total += valid.length;
      // 250 'a' and 750 'b' rows dealt per class into 4 folds: 62 or 63 of 'a', 187 or 188 of 'b'.
      expect([62, 63]).toContain(valid.filter((r) => r.y === 'a').length);
      expect([187, 188]).toContain(valid.filter((r) => r.y === 'b').length);
    }
    expect(total).toBe(1000);
  });

  it('time-series split trains on the past only, on a window that grows fold by fold', async () => {
    const fs = await folds('time', 4);
    let previousTrain = 0;
    for (const f of fs) {
      const train = f.rows.filter((r) => r.s === 'train');
      const valid = f.rows.filter((r) => r.s === 'valid');
      expect(train.length).toBeGreaterThan(previousTrain);
      previousTrain = train.length;
      expect(valid.length).toBe(200);
      const maxTrain = Math.max(...train.map((r) => +r.t));
      expect(Math.min(...valid.map((r) => +r.t))).toBeGreaterThan(maxTrain);
    }
    expect(fs[0]!.rows.filter((r) => r.s === 'unused')).toHaveLength(600);
    expect(fs[3]!.rows.filter((r) => r.s === 'unused')).toHaveLength(0);
  });

  it('group k-fold never puts a group in training and validation at once', async () => {
    const seen = new Set<number>();
    for (const f of await folds('group', 5)) {
      const validGroups = new Set(f.rows.filter((r) => r.s === 'valid').map((r) => r.g));
      const trainGroups = new Set(f.rows.filter((r) => r.s === 'train').map((r) => r.g));
      for (const g of validGroups) {
        expect(trainGroups.has(g)).toBe(false);
        expect(seen.has(g)).toBe(false);
        seen.add(g);
      }
    }
    expect(seen.size).toBe(40);
  });

  it('names the fold that has nothing to validate on', async () => {
    const rule = splitRule({ method: 'random', testFraction: 0 }, 'binary', 1, 0.2, {
      folds: 5,
      fold: 5,
    });
    await expect(
      applySplit(engine, {
        table: 'd',
        from: '(SELECT i AS row, i % 2 AS y FROM range(3) r(i))',
        rule,
        target: 'y',
        row: 'row',
      }),
    ).rejects.toThrow(
      /crossValidation: fold 5 of 5 \(random\) has 3 training and 0 validation rows/,
    );
  });
});
