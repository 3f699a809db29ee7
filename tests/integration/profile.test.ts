import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Profile } from '../../shared/contract';
import { createServices, type Services } from '../../main/services';
import { contractClient } from '../helpers/services';
import { tempDir } from '../helpers/workspace';

let services: Services;
const t = tempDir('lathe-profile-');
const { call } = contractClient(() => services);

beforeAll(async () => {
  services = await createServices({ workspaceDir: join(t.dir, 'ws'), validateOutput: true });
});
afterAll(async () => {
  await services.close();
  t.remove();
});

/** Linear interpolation between closest ranks (numpy's default, DuckDB's quantile_cont). */
function quantile(sorted: number[], p: number): number {
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** The outlier summary of a column, computed here from the raw values, independently of the SQL. */
function expectedOutliers(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const q1 = quantile(sorted, 0.25);
  const q3 = quantile(sorted, 0.75);
  const lower = q1 - 1.5 * (q3 - q1);
  const upper = q3 + 1.5 * (q3 - q1);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
  return {
    lower,
    upper,
    below: values.filter((v) => v < lower).length,
    above: values.filter((v) => v > upper).length,
    z: std > 0 ? values.filter((v) => Math.abs(v - mean) / std > 3).length : 0,
  };
}

describe('profile: outliers and duplicate rows', () => {
  // 400 rows: `spread` is a skewed integer column with a few far values on both sides, `price` a
  // decimal column with nulls and one huge value, `flat` is constant, `label` is text.
  const rows: { id: number; spread: number; price: number | null; flat: number; label: string }[] =
    [];
  for (let i = 0; i < 400; i++) {
    let spread = ((i * 37) % 101) - 20;
    if (i % 97 === 0) spread = 900 + i;
    if (i === 13) spread = -700;
    const price = i % 11 === 0 ? null : Math.round(((i * 7919) % 1000) * 1.7) / 100 + 3.25;
    rows.push({ id: i, spread, price: i === 200 ? 1e6 : price, flat: 5, label: `l${i % 4}` });
  }
  // Duplicates: row 1 three more times, row 2 once more; the copies differ from every other row.
  const lines = rows.map((r) => [r.id, r.spread, r.price ?? '', r.flat, r.label].join(','));
  const csv = ['id,spread,price,flat,label', ...lines, lines[1], lines[1], lines[1], lines[2]];
  const all = [...rows, rows[1]!, rows[1]!, rows[1]!, rows[2]!];

  it('counts IQR and z-score outliers per numeric column against the Tukey fences', async () => {
    await call('data:import', { path: t.file('outliers.csv', `${csv.join('\n')}\n`), name: 'o' });
    const p = await call('data:profile', { ref: 'o' });
    expect(p.rows).toBe(404);

    for (const name of ['spread', 'price', 'id'] as const) {
      const values = all.map((r) => r[name]).filter((v): v is number => v !== null);
      const want = expectedOutliers(values);
      const col = p.columns.find((c) => c.name === name)!;
      expect(col.outliers, name).not.toBeNull();
      const o = col.outliers!;
      expect(o.iqr.lower, name).toBeCloseTo(want.lower, 9);
      expect(o.iqr.upper, name).toBeCloseTo(want.upper, 9);
      expect([o.iqr.below, o.iqr.above, o.zScore.count], name).toEqual([
        want.below,
        want.above,
        want.z,
      ]);
      expect(o.zScore.threshold).toBe(3);
    }
    // The fixture is built so that each side and the z-score have something to find.
    const spread = p.columns.find((c) => c.name === 'spread')!.outliers!;
    expect(spread.iqr.below).toBeGreaterThan(0);
    expect(spread.iqr.above).toBeGreaterThan(0);
    expect(spread.zScore.count).toBeGreaterThan(0);
    expect(p.columns.find((c) => c.name === 'id')!.outliers!.iqr).toMatchObject({
      below: 0,
      above: 0,
    });
    // A constant column has no spread: nothing is an outlier. Text columns have no outliers.
    expect(p.columns.find((c) => c.name === 'flat')!.outliers).toMatchObject({
      iqr: { lower: 5, upper: 5, below: 0, above: 0 },
      zScore: { count: 0 },
    });
    expect(p.columns.find((c) => c.name === 'label')!.outliers).toBeNull();
  });

  it('samples the duplicated rows, most frequent first', async () => {
    const p = await call('data:profile', { ref: 'o' });
    expect(p.duplicateRows).toBe(4);
    const r1 = rows[1]!;
    const r2 = rows[2]!;
    expect(p.duplicateSample).toEqual([
      { values: [r1.id, r1.spread, r1.price, r1.flat, r1.label], count: 4 },
      { values: [r2.id, r2.spread, r2.price, r2.flat, r2.label], count: 2 },
    ]);
  });

  it('keeps at most 10 duplicated rows and treats nulls as equal', async () => {
    const text = ['a,b'];
    for (let i = 0; i < 15; i++) for (let k = 0; k <= (i % 3) + 1; k++) text.push(`${i},`);
    await call('data:import', { path: t.file('many.csv', `${text.join('\n')}\n`), name: 'many' });
    const p = await call('data:profile', { ref: 'many' });
    // Row i occurs (i % 3) + 2 times: 5 rows occur 4 times, 5 occur 3 times, 5 occur twice.
    expect(p.duplicateRows).toBe(5 * 3 + 5 * 2 + 5 * 1);
    expect(p.duplicateSample).toHaveLength(10);
    expect(p.duplicateSample.map((d) => d.count)).toEqual([4, 4, 4, 4, 4, 3, 3, 3, 3, 3]);
    expect(p.duplicateSample[0]!.values).toEqual([2, null]);
  });
});

describe('data:import with profile', () => {
  // Numbers, text, dates, booleans and nulls, with duplicate rows: every part of a profile.
  const lines = ['n,x,label,day,flag'];
  for (let i = 0; i < 300; i++) {
    const x = i % 13 === 0 ? '' : String(((i * 7919) % 1000) / 10 - 20);
    const day = `2024-0${(i % 9) + 1}-1${i % 10}`;
    lines.push(`${i % 50},${x},l${i % 7},${i % 17 === 0 ? '' : day},${i % 3 === 0}`);
  }
  lines.push(lines[5]!, lines[5]!, lines[9]!);
  const text = `${lines.join('\n')}\n`;
  /** A profile without what differs between versions and runs. */
  const stats = (p: Profile) => {
    const { dataset: _d, version: _v, versionId: _id, durationMs: _ms, ...rest } = p;
    return rest;
  };

  it('answers the same profile as a separate data:profile, and stores it for data:profile', async () => {
    const file = t.file('together.csv', text);
    const together = await call('data:import', { path: file, name: 'together', profile: true });
    expect(together.profile).toBeDefined();
    expect(together.profile!.versionId).toBe(together.version.id);
    expect(together.profile!.version).toBe(together.version.version);

    const apart = await call('data:import', { path: file, name: 'apart' });
    expect(apart.profile).toBeUndefined();
    const separate = await call('data:profile', { ref: 'apart' });
    expect(stats(together.profile!)).toEqual(stats(separate));
    expect(together.profile!.duplicateRows).toBe(3);

    // Stored: data:profile answers it as it is, duration included, without profiling again.
    expect(await call('data:profile', { ref: 'together' })).toEqual(together.profile);
    // Importing the same file again reuses the version and answers its stored profile.
    const again = await call('data:import', { path: file, name: 'together', profile: true });
    expect(again.reused).toBe(true);
    expect(again.profile).toEqual(together.profile);
  });

  it('changes nothing when the import is refused, the profile included', async () => {
    const file = t.file('other-columns.csv', 'a,b\n1,2\n');
    await expect(
      call('data:import', { path: file, name: 'together', profile: true }),
    ).rejects.toThrow(/column/i);
    const versions = await call('data:versions', { name: 'together' });
    expect(versions).toHaveLength(1);
  });
});
